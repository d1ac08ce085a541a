package cibxml

import "pacer/crm/cib"

// resource reads a primitive, template, group, clone, master or bundle.
func (r *reader) resource(e *start) (*cib.Resource, error) {
	rsc := &cib.Resource{Kind: cib.ResourceKind(e.name), Pos: e.pos}
	agent := rsc.Kind == cib.KindPrimitive || rsc.Kind == cib.KindTemplate
	fs := cib.ContainerFields
	if agent {
		fs = cib.PrimitiveFields
	}
	if err := readAttrs(r, e, rsc, fs, &rsc.Extra); err != nil {
		return rsc, err
	}
	var ops bool
	if err := r.children(e, func(ch *start) error {
		switch {
		case ch.name == "instance_attributes":
			if err := r.appendSet(ch, cib.InstanceAttributes, &rsc.Instance); err != nil {
				return err
			}
		case ch.name == "meta_attributes":
			if err := r.appendSet(ch, cib.MetaAttributes, &rsc.Meta); err != nil {
				return err
			}
		case ch.name == "utilization":
			if err := r.appendSet(ch, cib.UtilizationSet, &rsc.Utilization); err != nil {
				return err
			}
		case ch.name == "operations" && agent:
			if ops {
				return r.duplicate(e, ch)
			}
			ops = true
			if err := r.operations(ch, rsc); err != nil {
				return err
			}
		case childAllowed(rsc.Kind, ch.name):
			c, err := r.resource(ch)
			if err != nil {
				return err
			}
			rsc.Children = append(rsc.Children, c)
		case rsc.Kind == cib.KindBundle:
			if err := r.bundlePart(e, ch, rsc); err != nil {
				return err
			}
		default:
			return r.unexpected(e, ch)
		}
		return nil
	}); err != nil {
		return rsc, err
	}
	return rsc, nil
}

// childAllowed is the schema's nesting: groups hold primitives, clones
// and masters hold a primitive or a group, a bundle holds a primitive.
func childAllowed(parent cib.ResourceKind, child string) bool {
	switch parent {
	case cib.KindGroup, cib.KindBundle:
		return child == "primitive"
	case cib.KindClone, cib.KindMaster:
		return child == "primitive" || child == "group"
	}
	return false
}

func (r *reader) operations(e *start, rsc *cib.Resource) error {
	for _, a := range e.attrs {
		switch a.name {
		case "id":
			rsc.OpsID = r.str(a.value)
		case "id-ref":
			rsc.OpsIDRef = r.str(a.value)
		default:
			return r.attrErr(e, a.name, "unknown attribute")
		}
	}
	if err := r.children(e, func(ch *start) error {
		if ch.name != "op" {
			return r.unexpected(e, ch)
		}
		op, err := r.op(ch)
		if err != nil {
			return err
		}
		rsc.Ops = append(rsc.Ops, op)
		return nil
	}); err != nil {
		return err
	}
	rsc.HasOps = len(rsc.Ops) == 0
	return nil
}

func (r *reader) op(e *start) (cib.Op, error) {
	op := cib.Op{Pos: e.pos}
	if err := readAttrs(r, e, &op, cib.OpFields, &op.Extra); err != nil {
		return op, err
	}
	if err := r.children(e, func(ch *start) error {
		switch ch.name {
		case "instance_attributes":
			if err := r.appendSet(ch, cib.InstanceAttributes, &op.Instance); err != nil {
				return err
			}
		case "meta_attributes":
			if err := r.appendSet(ch, cib.MetaAttributes, &op.Meta); err != nil {
				return err
			}
		default:
			return r.unexpected(e, ch)
		}
		return nil
	}); err != nil {
		return op, err
	}
	return op, nil
}

// bundlePart reads a bundle's container runtime, network or storage.
func (r *reader) bundlePart(e, ch *start, rsc *cib.Resource) error {
	if rsc.Bundle == nil {
		rsc.Bundle = &cib.BundleSpec{}
	}
	b := rsc.Bundle
	switch ch.name {
	case "docker", "podman", "rkt":
		if b.Runtime != "" {
			return r.errAt(e, ch.pos, "", "more than one container runtime (<"+b.Runtime+"> and <"+ch.name+">)", nil)
		}
		b.Runtime = ch.name
		b.RuntimeAttrs = r.attrList(ch)
		return r.empty(ch)
	case "network":
		if b.Network != nil {
			return r.duplicate(e, ch)
		}
		b.Network = &cib.BundleNetwork{Attrs: r.attrList(ch)}
		for {
			pm, err := r.next(ch, nil)
			if err != nil {
				return err
			}
			if pm == nil {
				return nil
			}
			if pm.name != "port-mapping" {
				return r.unexpected(ch, pm)
			}
			id, attrs := r.splitID(pm)
			b.Network.PortMappings = append(b.Network.PortMappings, cib.PortMapping{ID: id, Attrs: attrs})
			if err := r.empty(pm); err != nil {
				return err
			}
		}
	case "storage":
		if b.HasStorage || b.StorageID != "" || len(b.Storage) > 0 {
			return r.duplicate(e, ch)
		}
		id, err := r.idOnly(ch)
		if err != nil {
			return err
		}
		b.StorageID = id
		for {
			sm, err := r.next(ch, nil)
			if err != nil {
				return err
			}
			if sm == nil {
				break
			}
			if sm.name != "storage-mapping" {
				return r.unexpected(ch, sm)
			}
			id, attrs := r.splitID(sm)
			b.Storage = append(b.Storage, cib.StorageMapping{ID: id, Attrs: attrs})
			if err := r.empty(sm); err != nil {
				return err
			}
		}
		b.HasStorage = len(b.Storage) == 0
		return nil
	}
	return r.unexpected(e, ch)
}

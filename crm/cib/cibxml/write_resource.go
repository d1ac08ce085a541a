package cibxml

import (
	"strconv"

	"pacer/crm/cib"
)

func hasOps(r *cib.Resource) bool {
	return r.HasOps || r.OpsID != "" || r.OpsIDRef != "" || len(r.Ops) > 0
}

func hasBundleParts(b *cib.BundleSpec) bool {
	return b != nil && (b.Runtime != "" || len(b.RuntimeAttrs) > 0 || b.Network != nil ||
		b.HasStorage || b.StorageID != "" || len(b.Storage) > 0)
}

// resource writes r; parent is the enclosing resource's kind ("" at top
// level) so that nesting Read would refuse is refused here.
func (w *writer) resource(r *cib.Resource, parent cib.ResourceKind) {
	if r == nil {
		w.fail("nil resource")
		return
	}
	name := string(r.Kind)
	var fs []cib.Field[cib.Resource]
	switch r.Kind {
	case cib.KindPrimitive, cib.KindTemplate:
		fs = cib.PrimitiveFields
	case cib.KindGroup, cib.KindClone, cib.KindMaster, cib.KindBundle:
		fs = cib.ContainerFields
	default:
		w.elem, w.elemID = "resources", ""
		w.fail("resource " + strconv.Quote(r.ID) + " has unknown kind " + strconv.Quote(name))
		return
	}
	w.open(name)
	writeFields(w, r, fs, r.Extra)
	if parent != "" && !childAllowed(parent, name) {
		w.fail("a " + name + " cannot be inside a " + string(parent))
		return
	}
	agent := r.Kind == cib.KindPrimitive || r.Kind == cib.KindTemplate
	switch {
	case hasOps(r) && !agent:
		w.fail("only primitives and templates have operations")
		return
	case hasBundleParts(r.Bundle) && r.Kind != cib.KindBundle:
		w.fail("only bundles have a container, network or storage")
		return
	}
	if len(r.Instance)+len(r.Meta)+len(r.Utilization)+len(r.Children) == 0 && !hasOps(r) && !hasBundleParts(r.Bundle) {
		w.end()
		return
	}
	w.begin()
	w.nvsets(r.Instance, "instance_attributes")
	w.nvsets(r.Meta, "meta_attributes")
	w.nvsets(r.Utilization, "utilization")
	if hasOps(r) {
		w.open("operations")
		if r.OpsID != "" {
			w.attr("id", r.OpsID)
		}
		if r.OpsIDRef != "" {
			w.attr("id-ref", r.OpsIDRef)
		}
		if len(r.Ops) == 0 {
			w.end()
		} else {
			w.begin()
			for i := range r.Ops {
				w.op(&r.Ops[i])
			}
			w.close("operations")
		}
	}
	if hasBundleParts(r.Bundle) {
		w.bundle(r.Bundle)
	}
	for _, c := range r.Children {
		w.resource(c, r.Kind)
	}
	w.close(name)
}

func (w *writer) op(op *cib.Op) {
	w.open("op")
	writeFields(w, op, cib.OpFields, op.Extra)
	if len(op.Instance) == 0 && len(op.Meta) == 0 {
		w.end()
		return
	}
	w.begin()
	w.nvsets(op.Instance, "instance_attributes")
	w.nvsets(op.Meta, "meta_attributes")
	w.close("op")
}

func (w *writer) bundle(b *cib.BundleSpec) {
	if b.Runtime != "" || len(b.RuntimeAttrs) > 0 {
		switch b.Runtime {
		case "docker", "podman", "rkt":
		default:
			w.fail("bundle runtime " + strconv.Quote(b.Runtime) + ": want docker, podman or rkt")
			return
		}
		w.open(b.Runtime)
		w.attrs("", b.RuntimeAttrs)
		w.end()
	}
	if n := b.Network; n != nil {
		w.open("network")
		w.attrs("", n.Attrs)
		if len(n.PortMappings) == 0 {
			w.end()
		} else {
			w.begin()
			for i := range n.PortMappings {
				pm := &n.PortMappings[i]
				w.open("port-mapping")
				w.attrs(pm.ID, pm.Attrs)
				w.end()
			}
			w.close("network")
		}
	}
	if b.HasStorage || b.StorageID != "" || len(b.Storage) > 0 {
		w.open("storage")
		if b.StorageID != "" {
			w.attr("id", b.StorageID)
		}
		if len(b.Storage) == 0 {
			w.end()
		} else {
			w.begin()
			for i := range b.Storage {
				sm := &b.Storage[i]
				w.open("storage-mapping")
				w.attrs(sm.ID, sm.Attrs)
				w.end()
			}
			w.close("storage")
		}
	}
}

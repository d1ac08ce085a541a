package cibxml

import (
	"pacer/crm/cib"
)

// The element readers below follow Pacemaker's schema for structure (which
// element may hold which) and leave values to cib.Validate: a rule in a
// <group> is an error here, a score of "lots" is not.

func (r *reader) cib(e *start) (*cib.CIB, error) {
	c := &cib.CIB{Pos: e.pos}
	if err := readAttrs(r, e, c, cibFields, &c.Extra); err != nil {
		return nil, err
	}
	var conf, status bool
	for {
		ch, ok, err := r.next(e, nil)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		switch ch.name {
		case "configuration":
			if conf {
				return nil, r.duplicate(e, &ch)
			}
			conf = true
			if err := r.configuration(&ch, &c.Configuration); err != nil {
				return nil, err
			}
		case "status":
			if status {
				return nil, r.duplicate(e, &ch)
			}
			status = true
			if err := r.status(&ch, &c.Status); err != nil {
				return nil, err
			}
		default:
			return nil, r.unexpected(e, &ch)
		}
	}
	if !conf {
		// A missing <status> is harmless (Pacemaker adds an empty one);
		// a CIB without configuration is not a CIB.
		return nil, r.errAt(e, e.pos, "", "missing <configuration>", nil)
	}
	return c, nil
}

func (r *reader) configuration(e *start, conf *cib.Configuration) error {
	conf.Pos = e.pos
	if err := r.noAttrs(e); err != nil {
		return err
	}
	seen := map[string]bool{}
	for {
		ch, ok, err := r.next(e, nil)
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		if !isSection(ch.name) {
			el, err := r.element(&ch)
			if err != nil {
				return err
			}
			conf.Unknown = append(conf.Unknown, el)
			continue
		}
		if seen[ch.name] {
			return r.duplicate(e, &ch)
		}
		seen[ch.name] = true
		if err := r.section(&ch, conf); err != nil {
			return err
		}
	}
}

// section reads one of the sections named in sections into conf.
func (r *reader) section(e *start, conf *cib.Configuration) error {
	if err := r.noAttrs(e); err != nil {
		return err
	}
	for {
		ch, ok, err := r.next(e, nil)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if err := r.sectionChild(e, &ch, conf); err != nil {
			return err
		}
	}
	// Has* record a section present but empty; a non-empty list already
	// says it was there.
	switch e.name {
	case "rsc_defaults":
		conf.HasRscDefaults = len(conf.RscDefaults) == 0
	case "op_defaults":
		conf.HasOpDefaults = len(conf.OpDefaults) == 0
	case "fencing-topology":
		conf.HasFencingTopology = len(conf.FencingTopology) == 0
	case "tags":
		conf.HasTags = len(conf.Tags) == 0
	case "alerts":
		conf.HasAlerts = len(conf.Alerts) == 0
	}
	return nil
}

func (r *reader) sectionChild(e, ch *start, conf *cib.Configuration) error {
	switch e.name + "/" + ch.name {
	case "crm_config/cluster_property_set":
		s, err := r.nvset(ch, cib.PropertySet)
		conf.CRMConfig = append(conf.CRMConfig, s)
		return err
	case "nodes/node":
		n, err := r.node(ch)
		conf.Nodes = append(conf.Nodes, n)
		return err
	case "resources/primitive", "resources/group", "resources/clone", "resources/master",
		"resources/bundle", "resources/template":
		rsc, err := r.resource(ch)
		conf.Resources = append(conf.Resources, rsc)
		return err
	case "constraints/rsc_location", "constraints/rsc_colocation", "constraints/rsc_order",
		"constraints/rsc_ticket":
		c, err := r.constraint(ch)
		conf.Constraints = append(conf.Constraints, c)
		return err
	case "rsc_defaults/meta_attributes":
		s, err := r.nvset(ch, cib.MetaAttributes)
		conf.RscDefaults = append(conf.RscDefaults, s)
		return err
	case "op_defaults/meta_attributes":
		s, err := r.nvset(ch, cib.MetaAttributes)
		conf.OpDefaults = append(conf.OpDefaults, s)
		return err
	case "fencing-topology/fencing-level":
		var l cib.FencingLevel
		l.Pos = ch.pos
		if err := readAttrs(r, ch, &l, fencingLevelFields, &l.Extra); err != nil {
			return err
		}
		conf.FencingTopology = append(conf.FencingTopology, l)
		return r.empty(ch)
	case "tags/tag":
		t, err := r.tag(ch)
		conf.Tags = append(conf.Tags, t)
		return err
	case "alerts/alert":
		a, err := r.alert(ch)
		conf.Alerts = append(conf.Alerts, a)
		return err
	}
	return r.unexpected(e, ch)
}

// idOnly reads the id of an element that takes no other attribute.
func (r *reader) idOnly(e *start) (string, error) {
	var id string
	for _, a := range e.attrs {
		if a.Name.Space != "" || a.Name.Local != "id" {
			return "", r.attrErr(e, qname(a.Name), "unknown attribute")
		}
		id = a.Value
	}
	return id, nil
}

// nvset reads instance_attributes, meta_attributes, utilization or
// cluster_property_set: an optional rule, then name/value pairs.
func (r *reader) nvset(e *start, kind cib.NVSetKind) (cib.NVSet, error) {
	s := cib.NVSet{Kind: kind, Pos: e.pos}
	if err := readAttrs(r, e, &s, nvsetFields, &s.Extra); err != nil {
		return s, err
	}
	for {
		ch, ok, err := r.next(e, nil)
		if err != nil {
			return s, err
		}
		if !ok {
			return s, nil
		}
		switch ch.name {
		case "nvpair":
			p, err := r.nvpair(&ch)
			if err != nil {
				return s, err
			}
			s.Pairs = append(s.Pairs, p)
		case "rule":
			if s.Rule != nil {
				return s, r.duplicate(e, &ch)
			}
			rule, err := r.rule(&ch)
			if err != nil {
				return s, err
			}
			s.Rule = &rule
		default:
			return s, r.unexpected(e, &ch)
		}
	}
}

func (r *reader) nvpair(e *start) (cib.NVPair, error) {
	p := cib.NVPair{Pos: e.pos}
	for _, a := range e.attrs {
		if a.Name.Space == "" && a.Name.Local == "value" {
			p.Value, p.HasValue = a.Value, true
			continue
		}
		n := qname(a.Name)
		i := 0
		for ; i < len(nvpairFields); i++ {
			if nvpairFields[i].name == n {
				*nvpairFields[i].ptr(&p) = a.Value
				break
			}
		}
		if i == len(nvpairFields) {
			return p, r.attrErr(e, n, "unknown attribute")
		}
	}
	return p, r.empty(e)
}

func (r *reader) node(e *start) (cib.Node, error) {
	n := cib.Node{Pos: e.pos}
	if err := readAttrs(r, e, &n, nodeFields, &n.Extra); err != nil {
		return n, err
	}
	for {
		ch, ok, err := r.next(e, nil)
		if err != nil {
			return n, err
		}
		if !ok {
			return n, nil
		}
		switch ch.name {
		case "instance_attributes":
			s, err := r.nvset(&ch, cib.InstanceAttributes)
			if err != nil {
				return n, err
			}
			n.Attributes = append(n.Attributes, s)
		case "utilization":
			s, err := r.nvset(&ch, cib.UtilizationSet)
			if err != nil {
				return n, err
			}
			n.Utilization = append(n.Utilization, s)
		default:
			return n, r.unexpected(e, &ch)
		}
	}
}

// resource reads a primitive, template, group, clone, master or bundle.
func (r *reader) resource(e *start) (*cib.Resource, error) {
	rsc := &cib.Resource{Kind: cib.ResourceKind(e.name), Pos: e.pos}
	agent := rsc.Kind == cib.KindPrimitive || rsc.Kind == cib.KindTemplate
	fs := containerFields
	if agent {
		fs = primitiveFields
	}
	if err := readAttrs(r, e, rsc, fs, &rsc.Extra); err != nil {
		return rsc, err
	}
	var ops bool
	for {
		ch, ok, err := r.next(e, nil)
		if err != nil {
			return rsc, err
		}
		if !ok {
			return rsc, nil
		}
		switch {
		case ch.name == "instance_attributes":
			s, err := r.nvset(&ch, cib.InstanceAttributes)
			if err != nil {
				return rsc, err
			}
			rsc.Instance = append(rsc.Instance, s)
		case ch.name == "meta_attributes":
			s, err := r.nvset(&ch, cib.MetaAttributes)
			if err != nil {
				return rsc, err
			}
			rsc.Meta = append(rsc.Meta, s)
		case ch.name == "utilization":
			s, err := r.nvset(&ch, cib.UtilizationSet)
			if err != nil {
				return rsc, err
			}
			rsc.Utilization = append(rsc.Utilization, s)
		case ch.name == "operations" && agent:
			if ops {
				return rsc, r.duplicate(e, &ch)
			}
			ops = true
			if err := r.operations(&ch, rsc); err != nil {
				return rsc, err
			}
		case childAllowed(rsc.Kind, ch.name):
			c, err := r.resource(&ch)
			if err != nil {
				return rsc, err
			}
			rsc.Children = append(rsc.Children, c)
		case rsc.Kind == cib.KindBundle:
			if err := r.bundlePart(e, &ch, rsc); err != nil {
				return rsc, err
			}
		default:
			return rsc, r.unexpected(e, &ch)
		}
	}
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
		switch qname(a.Name) {
		case "id":
			rsc.OpsID = a.Value
		case "id-ref":
			rsc.OpsIDRef = a.Value
		default:
			return r.attrErr(e, qname(a.Name), "unknown attribute")
		}
	}
	for {
		ch, ok, err := r.next(e, nil)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if ch.name != "op" {
			return r.unexpected(e, &ch)
		}
		op, err := r.op(&ch)
		if err != nil {
			return err
		}
		rsc.Ops = append(rsc.Ops, op)
	}
	rsc.HasOps = len(rsc.Ops) == 0
	return nil
}

func (r *reader) op(e *start) (cib.Op, error) {
	op := cib.Op{Pos: e.pos}
	if err := readAttrs(r, e, &op, opFields, &op.Extra); err != nil {
		return op, err
	}
	for {
		ch, ok, err := r.next(e, nil)
		if err != nil {
			return op, err
		}
		if !ok {
			return op, nil
		}
		switch ch.name {
		case "instance_attributes":
			s, err := r.nvset(&ch, cib.InstanceAttributes)
			if err != nil {
				return op, err
			}
			op.Instance = append(op.Instance, s)
		case "meta_attributes":
			s, err := r.nvset(&ch, cib.MetaAttributes)
			if err != nil {
				return op, err
			}
			op.Meta = append(op.Meta, s)
		default:
			return op, r.unexpected(e, &ch)
		}
	}
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
		b.RuntimeAttrs = attrList(ch)
		return r.empty(ch)
	case "network":
		if b.Network != nil {
			return r.duplicate(e, ch)
		}
		b.Network = &cib.BundleNetwork{Attrs: attrList(ch)}
		for {
			pm, ok, err := r.next(ch, nil)
			if err != nil {
				return err
			}
			if !ok {
				return nil
			}
			if pm.name != "port-mapping" {
				return r.unexpected(ch, &pm)
			}
			id, attrs := splitID(&pm)
			b.Network.PortMappings = append(b.Network.PortMappings, cib.PortMapping{ID: id, Attrs: attrs})
			if err := r.empty(&pm); err != nil {
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
			sm, ok, err := r.next(ch, nil)
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			if sm.name != "storage-mapping" {
				return r.unexpected(ch, &sm)
			}
			id, attrs := splitID(&sm)
			b.Storage = append(b.Storage, cib.StorageMapping{ID: id, Attrs: attrs})
			if err := r.empty(&sm); err != nil {
				return err
			}
		}
		b.HasStorage = len(b.Storage) == 0
		return nil
	}
	return r.unexpected(e, ch)
}

// attrList copies all attributes of e, in order.
func attrList(e *start) []cib.Attr {
	if len(e.attrs) == 0 {
		return nil
	}
	out := make([]cib.Attr, len(e.attrs))
	for i, a := range e.attrs {
		out[i] = cib.Attr{Name: qname(a.Name), Value: a.Value}
	}
	return out
}

// splitID separates the id from the other attributes of e.
func splitID(e *start) (string, []cib.Attr) {
	var id string
	var rest []cib.Attr
	for _, a := range e.attrs {
		n := qname(a.Name)
		if n == "id" {
			id = a.Value
			continue
		}
		rest = append(rest, cib.Attr{Name: n, Value: a.Value})
	}
	return id, rest
}

func (r *reader) constraint(e *start) (*cib.Constraint, error) {
	c := &cib.Constraint{Kind: cib.ConstraintKind(e.name), Pos: e.pos}
	if err := readAttrs(r, e, c, constraintFields(c.Kind), &c.Extra); err != nil {
		return c, err
	}
	var lifetime bool
	for {
		ch, ok, err := r.next(e, nil)
		if err != nil {
			return c, err
		}
		if !ok {
			return c, nil
		}
		switch {
		case ch.name == "resource_set":
			s, err := r.resourceSet(&ch)
			if err != nil {
				return c, err
			}
			c.Sets = append(c.Sets, s)
		case ch.name == "rule" && c.Kind == cib.KindLocation:
			rule, err := r.rule(&ch)
			if err != nil {
				return c, err
			}
			c.Rules = append(c.Rules, rule)
		case ch.name == "lifetime" && c.Kind != cib.KindTicket:
			// Deprecated but honoured by Pacemaker 2.1.5: the constraint
			// applies while any of the rules holds. One element at most,
			// with at least one rule, so the flat list round-trips.
			if lifetime {
				return c, r.duplicate(e, &ch)
			}
			lifetime = true
			if err := r.noAttrs(&ch); err != nil {
				return c, err
			}
			for {
				rc, ok, err := r.next(&ch, nil)
				if err != nil {
					return c, err
				}
				if !ok {
					break
				}
				if rc.name != "rule" {
					return c, r.unexpected(&ch, &rc)
				}
				rule, err := r.rule(&rc)
				if err != nil {
					return c, err
				}
				c.Lifetime = append(c.Lifetime, rule)
			}
			if len(c.Lifetime) == 0 {
				return c, r.errAt(&ch, ch.pos, "", "<lifetime> without a <rule>", nil)
			}
		default:
			return c, r.unexpected(e, &ch)
		}
	}
}

func (r *reader) resourceSet(e *start) (cib.ResourceSet, error) {
	s := cib.ResourceSet{Pos: e.pos}
	if err := readAttrs(r, e, &s, resourceSetFields, &s.Extra); err != nil {
		return s, err
	}
	for {
		ch, ok, err := r.next(e, nil)
		if err != nil {
			return s, err
		}
		if !ok {
			return s, nil
		}
		if ch.name != "resource_ref" {
			return s, r.unexpected(e, &ch)
		}
		id, err := r.idOnly(&ch)
		if err != nil {
			return s, err
		}
		s.Resources = append(s.Resources, id)
		if err := r.empty(&ch); err != nil {
			return s, err
		}
	}
}

func (r *reader) rule(e *start) (cib.Rule, error) {
	rule := cib.Rule{Pos: e.pos}
	if err := readAttrs(r, e, &rule, ruleFields, &rule.Extra); err != nil {
		return rule, err
	}
	for {
		ch, ok, err := r.next(e, nil)
		if err != nil {
			return rule, err
		}
		if !ok {
			return rule, nil
		}
		x, err := r.expr(e, &ch)
		if err != nil {
			return rule, err
		}
		rule.Exprs = append(rule.Exprs, x)
	}
}

func (r *reader) expr(parent, e *start) (cib.Expr, error) {
	x := cib.Expr{Kind: cib.ExprKind(e.name), Pos: e.pos}
	switch x.Kind {
	case cib.ExprRule:
		rule, err := r.rule(e)
		if err != nil {
			return x, err
		}
		x.ID, x.Rule = rule.ID, &rule
		return x, nil
	case cib.ExprAttribute, cib.ExprResource, cib.ExprOp:
		if err := readAttrs(r, e, &x, exprFields(x.Kind), &x.Extra); err != nil {
			return x, err
		}
		return x, r.empty(e)
	case cib.ExprDate:
		if err := readAttrs(r, e, &x, dateExprFields, &x.Extra); err != nil {
			return x, err
		}
		for {
			ch, ok, err := r.next(e, nil)
			if err != nil {
				return x, err
			}
			if !ok {
				return x, nil
			}
			var dst **cib.DateSpec
			switch ch.name {
			case "date_spec":
				dst = &x.DateSpec
			case "duration":
				dst = &x.Duration
			default:
				return x, r.unexpected(e, &ch)
			}
			if *dst != nil {
				return x, r.duplicate(e, &ch)
			}
			id, attrs := splitID(&ch)
			*dst = &cib.DateSpec{ID: id, Attrs: attrs}
			if err := r.empty(&ch); err != nil {
				return x, err
			}
		}
	}
	return x, r.unexpected(parent, e)
}

func (r *reader) tag(e *start) (cib.Tag, error) {
	t := cib.Tag{Pos: e.pos}
	id, err := r.idOnly(e)
	if err != nil {
		return t, err
	}
	t.ID = id
	for {
		ch, ok, err := r.next(e, nil)
		if err != nil {
			return t, err
		}
		if !ok {
			return t, nil
		}
		if ch.name != "obj_ref" {
			return t, r.unexpected(e, &ch)
		}
		ref, err := r.idOnly(&ch)
		if err != nil {
			return t, err
		}
		t.Refs = append(t.Refs, ref)
		if err := r.empty(&ch); err != nil {
			return t, err
		}
	}
}

func (r *reader) alert(e *start) (cib.Alert, error) {
	a := cib.Alert{Pos: e.pos}
	if err := readAttrs(r, e, &a, alertFields, &a.Extra); err != nil {
		return a, err
	}
	for {
		ch, ok, err := r.next(e, nil)
		if err != nil {
			return a, err
		}
		if !ok {
			return a, nil
		}
		switch ch.name {
		case "instance_attributes":
			s, err := r.nvset(&ch, cib.InstanceAttributes)
			if err != nil {
				return a, err
			}
			a.Instance = append(a.Instance, s)
		case "meta_attributes":
			s, err := r.nvset(&ch, cib.MetaAttributes)
			if err != nil {
				return a, err
			}
			a.Meta = append(a.Meta, s)
		case "select":
			if a.Select != nil {
				return a, r.duplicate(e, &ch)
			}
			el, err := r.element(&ch)
			if err != nil {
				return a, err
			}
			a.Select = &el
		case "recipient":
			rc, err := r.recipient(&ch)
			if err != nil {
				return a, err
			}
			a.Recipients = append(a.Recipients, rc)
		default:
			return a, r.unexpected(e, &ch)
		}
	}
}

func (r *reader) recipient(e *start) (cib.Recipient, error) {
	rc := cib.Recipient{}
	if err := readAttrs(r, e, &rc, recipientFields, &rc.Extra); err != nil {
		return rc, err
	}
	for {
		ch, ok, err := r.next(e, nil)
		if err != nil {
			return rc, err
		}
		if !ok {
			return rc, nil
		}
		switch ch.name {
		case "instance_attributes":
			s, err := r.nvset(&ch, cib.InstanceAttributes)
			if err != nil {
				return rc, err
			}
			rc.Instance = append(rc.Instance, s)
		case "meta_attributes":
			s, err := r.nvset(&ch, cib.MetaAttributes)
			if err != nil {
				return rc, err
			}
			rc.Meta = append(rc.Meta, s)
		default:
			return rc, r.unexpected(e, &ch)
		}
	}
}

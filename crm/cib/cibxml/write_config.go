package cibxml

import (
	"strconv"

	"pacer/crm/cib"
)

func (w *writer) cib(c *cib.CIB) {
	w.open("cib")
	writeFields(w, c, cibFields, c.Extra)
	w.begin()
	w.configuration(&c.Configuration)
	w.status(&c.Status)
	w.close("cib")
}

func (w *writer) configuration(conf *cib.Configuration) {
	w.open("configuration")
	w.begin()

	// The four sections Pacemaker requires are always written.
	w.open("crm_config")
	if len(conf.CRMConfig) == 0 {
		w.end()
	} else {
		w.begin()
		w.nvsets(conf.CRMConfig, "cluster_property_set")
		w.close("crm_config")
	}

	w.open("nodes")
	if len(conf.Nodes) == 0 {
		w.end()
	} else {
		w.begin()
		for i := range conf.Nodes {
			w.node(&conf.Nodes[i])
		}
		w.close("nodes")
	}

	w.open("resources")
	if len(conf.Resources) == 0 {
		w.end()
	} else {
		w.begin()
		for _, r := range conf.Resources {
			w.resource(r, "")
		}
		w.close("resources")
	}

	w.open("constraints")
	if len(conf.Constraints) == 0 {
		w.end()
	} else {
		w.begin()
		for _, c := range conf.Constraints {
			w.constraint(c)
		}
		w.close("constraints")
	}

	if len(conf.FencingTopology) > 0 || conf.HasFencingTopology {
		w.open("fencing-topology")
		if len(conf.FencingTopology) == 0 {
			w.end()
		} else {
			w.begin()
			for i := range conf.FencingTopology {
				l := &conf.FencingTopology[i]
				w.open("fencing-level")
				writeFields(w, l, fencingLevelFields, l.Extra)
				w.end()
			}
			w.close("fencing-topology")
		}
	}

	w.defaults("rsc_defaults", conf.RscDefaults, conf.HasRscDefaults)
	w.defaults("op_defaults", conf.OpDefaults, conf.HasOpDefaults)

	if len(conf.Tags) > 0 || conf.HasTags {
		w.open("tags")
		if len(conf.Tags) == 0 {
			w.end()
		} else {
			w.begin()
			for i := range conf.Tags {
				w.tag(&conf.Tags[i])
			}
			w.close("tags")
		}
	}

	if len(conf.Alerts) > 0 || conf.HasAlerts {
		w.open("alerts")
		if len(conf.Alerts) == 0 {
			w.end()
		} else {
			w.begin()
			for i := range conf.Alerts {
				w.alert(&conf.Alerts[i])
			}
			w.close("alerts")
		}
	}

	for i := range conf.Unknown {
		el := &conf.Unknown[i]
		if isSection(el.Name) || el.Name == "configuration" {
			// Read would take it for the real section.
			w.elem = "configuration"
			w.fail("unmodelled element <" + el.Name + "> clashes with a modelled section")
			return
		}
		w.element(el)
	}
	w.close("configuration")
}

func (w *writer) defaults(name string, sets []cib.NVSet, has bool) {
	if len(sets) == 0 && !has {
		return
	}
	w.open(name)
	if len(sets) == 0 {
		w.end()
		return
	}
	w.begin()
	w.nvsets(sets, "meta_attributes")
	w.close(name)
}

// nvsets writes sets under the element name their list stands for; the
// list, not NVSet.Kind, decides, so a set always reads back into the list
// it came from.
func (w *writer) nvsets(sets []cib.NVSet, name string) {
	for i := range sets {
		w.nvset(&sets[i], name)
	}
}

func (w *writer) nvset(s *cib.NVSet, name string) {
	w.open(name)
	writeFields(w, s, nvsetFields, s.Extra)
	if s.Rule == nil && len(s.Pairs) == 0 {
		w.end()
		return
	}
	w.begin()
	if s.Rule != nil {
		w.rule(s.Rule)
	}
	for i := range s.Pairs {
		p := &s.Pairs[i]
		w.open("nvpair")
		writeFields(w, p, nvpairFields, nil)
		if p.HasValue || p.Value != "" {
			w.attr("value", p.Value)
		}
		w.end()
	}
	w.close(name)
}

func (w *writer) node(n *cib.Node) {
	w.open("node")
	writeFields(w, n, nodeFields, n.Extra)
	if len(n.Attributes) == 0 && len(n.Utilization) == 0 {
		w.end()
		return
	}
	w.begin()
	w.nvsets(n.Attributes, "instance_attributes")
	w.nvsets(n.Utilization, "utilization")
	w.close("node")
}

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
	var fs []field[cib.Resource]
	switch r.Kind {
	case cib.KindPrimitive, cib.KindTemplate:
		fs = primitiveFields
	case cib.KindGroup, cib.KindClone, cib.KindMaster, cib.KindBundle:
		fs = containerFields
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
	writeFields(w, op, opFields, op.Extra)
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

func (w *writer) constraint(c *cib.Constraint) {
	if c == nil {
		w.fail("nil constraint")
		return
	}
	fs := constraintFields(c.Kind)
	if fs == nil {
		w.elem, w.elemID = "constraints", ""
		w.fail("constraint " + strconv.Quote(c.ID) + " has unknown kind " + strconv.Quote(string(c.Kind)))
		return
	}
	name := string(c.Kind)
	w.open(name)
	writeFields(w, c, fs, c.Extra)
	switch {
	case len(c.Rules) > 0 && c.Kind != cib.KindLocation:
		w.fail("only location constraints have rules")
		return
	case len(c.Lifetime) > 0 && c.Kind == cib.KindTicket:
		w.fail("a ticket constraint has no lifetime")
		return
	}
	if len(c.Sets)+len(c.Rules)+len(c.Lifetime) == 0 {
		w.end()
		return
	}
	w.begin()
	for i := range c.Sets {
		w.resourceSet(&c.Sets[i])
	}
	for i := range c.Rules {
		w.rule(&c.Rules[i])
	}
	if len(c.Lifetime) > 0 {
		w.open("lifetime")
		w.begin()
		for i := range c.Lifetime {
			w.rule(&c.Lifetime[i])
		}
		w.close("lifetime")
	}
	w.close(name)
}

func (w *writer) resourceSet(s *cib.ResourceSet) {
	w.open("resource_set")
	writeFields(w, s, resourceSetFields, s.Extra)
	if len(s.Resources) == 0 {
		w.end()
		return
	}
	w.begin()
	for _, id := range s.Resources {
		w.open("resource_ref")
		if id != "" {
			w.attr("id", id)
		}
		w.end()
	}
	w.close("resource_set")
}

func (w *writer) rule(r *cib.Rule) {
	w.open("rule")
	writeFields(w, r, ruleFields, r.Extra)
	if len(r.Exprs) == 0 {
		w.end()
		return
	}
	w.begin()
	for i := range r.Exprs {
		w.expr(&r.Exprs[i])
	}
	w.close("rule")
}

func (w *writer) expr(x *cib.Expr) {
	if x.Kind == cib.ExprRule {
		if x.Rule == nil {
			w.elem, w.elemID = "rule", x.ID
			w.fail("nested rule expression without a Rule")
			return
		}
		w.rule(x.Rule)
		return
	}
	fs := exprFields(x.Kind)
	if fs == nil {
		w.elem, w.elemID = "rule", ""
		w.fail("expression " + strconv.Quote(x.ID) + " has unknown kind " + strconv.Quote(string(x.Kind)))
		return
	}
	name := string(x.Kind)
	w.open(name)
	writeFields(w, x, fs, x.Extra)
	if x.Kind != cib.ExprDate && (x.DateSpec != nil || x.Duration != nil) {
		w.fail("only date expressions have a date_spec or duration")
		return
	}
	if x.DateSpec == nil && x.Duration == nil {
		w.end()
		return
	}
	w.begin()
	if x.DateSpec != nil {
		w.open("date_spec")
		w.attrs(x.DateSpec.ID, x.DateSpec.Attrs)
		w.end()
	}
	if x.Duration != nil {
		w.open("duration")
		w.attrs(x.Duration.ID, x.Duration.Attrs)
		w.end()
	}
	w.close(name)
}

func (w *writer) tag(t *cib.Tag) {
	w.open("tag")
	if t.ID != "" {
		w.attr("id", t.ID)
	}
	if len(t.Refs) == 0 {
		w.end()
		return
	}
	w.begin()
	for _, ref := range t.Refs {
		w.open("obj_ref")
		if ref != "" {
			w.attr("id", ref)
		}
		w.end()
	}
	w.close("tag")
}

func (w *writer) alert(a *cib.Alert) {
	w.open("alert")
	writeFields(w, a, alertFields, a.Extra)
	if len(a.Instance)+len(a.Meta)+len(a.Recipients) == 0 && a.Select == nil {
		w.end()
		return
	}
	w.begin()
	w.nvsets(a.Instance, "instance_attributes")
	w.nvsets(a.Meta, "meta_attributes")
	if a.Select != nil {
		if a.Select.Name != "select" {
			w.fail("alert Select element is <" + a.Select.Name + ">, want <select>")
			return
		}
		w.element(a.Select)
	}
	for i := range a.Recipients {
		rc := &a.Recipients[i]
		w.open("recipient")
		writeFields(w, rc, recipientFields, rc.Extra)
		if len(rc.Instance) == 0 && len(rc.Meta) == 0 {
			w.end()
			continue
		}
		w.begin()
		w.nvsets(rc.Instance, "instance_attributes")
		w.nvsets(rc.Meta, "meta_attributes")
		w.close("recipient")
	}
	w.close("alert")
}

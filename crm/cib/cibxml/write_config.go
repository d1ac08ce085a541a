package cibxml

import "pacer/crm/cib"

func (w *writer) cib(c *cib.CIB) {
	w.open("cib")
	writeFields(w, c, cib.CIBFields, c.Extra)
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
				writeFields(w, l, cib.FencingLevelFields, l.Extra)
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
		if isSection(el.Name) {
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
	writeFields(w, s, cib.NVSetFields, s.Extra)
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
		writeFields(w, p, cib.NVPairFields, nil)
		if p.HasValue || p.Value != "" {
			w.attr("value", p.Value)
		}
		w.end()
	}
	w.close(name)
}

func (w *writer) node(n *cib.Node) {
	w.open("node")
	writeFields(w, n, cib.NodeFields, n.Extra)
	if len(n.Attributes) == 0 && len(n.Utilization) == 0 {
		w.end()
		return
	}
	w.begin()
	w.nvsets(n.Attributes, "instance_attributes")
	w.nvsets(n.Utilization, "utilization")
	w.close("node")
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
	writeFields(w, a, cib.AlertFields, a.Extra)
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
		writeFields(w, rc, cib.RecipientFields, rc.Extra)
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

package cibxml

import "pacer/crm/cib"

// The element readers below follow Pacemaker's schema for structure (which
// element may hold which) and leave values to cib.Validate: a rule in a
// <group> is an error here, a score of "lots" is not.

func (r *reader) cib(e *start) (*cib.CIB, error) {
	c := &cib.CIB{Pos: e.pos}
	if err := readAttrs(r, e, c, cib.CIBFields, &c.Extra); err != nil {
		return nil, err
	}
	var conf, status bool
	if err := r.children(e, func(ch *start) error {
		switch ch.name {
		case "configuration":
			if conf {
				return r.duplicate(e, ch)
			}
			conf = true
			if err := r.configuration(ch, &c.Configuration); err != nil {
				return err
			}
		case "status":
			if status {
				return r.duplicate(e, ch)
			}
			status = true
			if err := r.status(ch, &c.Status); err != nil {
				return err
			}
		default:
			return r.unexpected(e, ch)
		}
		return nil
	}); err != nil {
		return nil, err
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
	if err := r.children(e, func(ch *start) error {
		if !isSection(ch.name) {
			el, err := r.element(ch)
			if err != nil {
				return err
			}
			conf.Unknown = append(conf.Unknown, el)
			return nil
		}
		if seen[ch.name] {
			return r.duplicate(e, ch)
		}
		seen[ch.name] = true
		if err := r.section(ch, conf); err != nil {
			return err
		}
		return nil
	}); err != nil {
		return err
	}
	return nil
}

// section reads one of the sections named in sections into conf.
func (r *reader) section(e *start, conf *cib.Configuration) error {
	if err := r.noAttrs(e); err != nil {
		return err
	}
	if err := r.children(e, func(ch *start) error {
		if err := r.sectionChild(e, ch, conf); err != nil {
			return err
		}
		return nil
	}); err != nil {
		return err
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
		if err := readAttrs(r, ch, &l, cib.FencingLevelFields, &l.Extra); err != nil {
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
		if a.name != "id" {
			return "", r.attrErr(e, a.name, "unknown attribute")
		}
		id = r.str(a.value)
	}
	return id, nil
}

// nvset reads instance_attributes, meta_attributes, utilization or
// cluster_property_set: an optional rule, then name/value pairs.
func (r *reader) nvset(e *start, kind cib.NVSetKind) (cib.NVSet, error) {
	s := cib.NVSet{Kind: kind, Pos: e.pos}
	if err := readAttrs(r, e, &s, cib.NVSetFields, &s.Extra); err != nil {
		return s, err
	}
	if err := r.children(e, func(ch *start) error {
		switch ch.name {
		case "nvpair":
			p, err := r.nvpair(ch)
			if err != nil {
				return err
			}
			s.Pairs = append(s.Pairs, p)
		case "rule":
			if s.Rule != nil {
				return r.duplicate(e, ch)
			}
			rule, err := r.rule(ch)
			if err != nil {
				return err
			}
			s.Rule = &rule
		default:
			return r.unexpected(e, ch)
		}
		return nil
	}); err != nil {
		return s, err
	}
	return s, nil
}

func (r *reader) nvpair(e *start) (cib.NVPair, error) {
	p := cib.NVPair{Pos: e.pos}
	for _, a := range e.attrs {
		if a.name == "value" {
			r.keep(&p.Value, a.value)
			p.HasValue = true
			continue
		}
		i := fieldIndex(cib.NVPairFields, a.name)
		if i < 0 {
			r.flush()
			return p, r.attrErr(e, a.name, "unknown attribute")
		}
		r.keep(cib.NVPairFields[i].Ptr(&p), a.value)
	}
	r.flush()
	return p, r.empty(e)
}

// appendSet reads the nvset child ch, of the given kind, onto sets.
func (r *reader) appendSet(ch *start, kind cib.NVSetKind, sets *[]cib.NVSet) error {
	s, err := r.nvset(ch, kind)
	if err != nil {
		return err
	}
	*sets = append(*sets, s)
	return nil
}

func (r *reader) node(e *start) (cib.Node, error) {
	n := cib.Node{Pos: e.pos}
	if err := readAttrs(r, e, &n, cib.NodeFields, &n.Extra); err != nil {
		return n, err
	}
	if err := r.children(e, func(ch *start) error {
		switch ch.name {
		case "instance_attributes":
			if err := r.appendSet(ch, cib.InstanceAttributes, &n.Attributes); err != nil {
				return err
			}
		case "utilization":
			if err := r.appendSet(ch, cib.UtilizationSet, &n.Utilization); err != nil {
				return err
			}
		default:
			return r.unexpected(e, ch)
		}
		return nil
	}); err != nil {
		return n, err
	}
	return n, nil
}

func (r *reader) tag(e *start) (cib.Tag, error) {
	t := cib.Tag{Pos: e.pos}
	id, err := r.idOnly(e)
	if err != nil {
		return t, err
	}
	t.ID = id
	if err := r.children(e, func(ch *start) error {
		if ch.name != "obj_ref" {
			return r.unexpected(e, ch)
		}
		ref, err := r.idOnly(ch)
		if err != nil {
			return err
		}
		t.Refs = append(t.Refs, ref)
		if err := r.empty(ch); err != nil {
			return err
		}
		return nil
	}); err != nil {
		return t, err
	}
	return t, nil
}

func (r *reader) alert(e *start) (cib.Alert, error) {
	a := cib.Alert{Pos: e.pos}
	if err := readAttrs(r, e, &a, cib.AlertFields, &a.Extra); err != nil {
		return a, err
	}
	if err := r.children(e, func(ch *start) error {
		switch ch.name {
		case "instance_attributes":
			if err := r.appendSet(ch, cib.InstanceAttributes, &a.Instance); err != nil {
				return err
			}
		case "meta_attributes":
			if err := r.appendSet(ch, cib.MetaAttributes, &a.Meta); err != nil {
				return err
			}
		case "select":
			if a.Select != nil {
				return r.duplicate(e, ch)
			}
			el, err := r.element(ch)
			if err != nil {
				return err
			}
			a.Select = &el
		case "recipient":
			rc, err := r.recipient(ch)
			if err != nil {
				return err
			}
			a.Recipients = append(a.Recipients, rc)
		default:
			return r.unexpected(e, ch)
		}
		return nil
	}); err != nil {
		return a, err
	}
	return a, nil
}

func (r *reader) recipient(e *start) (cib.Recipient, error) {
	rc := cib.Recipient{}
	if err := readAttrs(r, e, &rc, cib.RecipientFields, &rc.Extra); err != nil {
		return rc, err
	}
	if err := r.children(e, func(ch *start) error {
		switch ch.name {
		case "instance_attributes":
			if err := r.appendSet(ch, cib.InstanceAttributes, &rc.Instance); err != nil {
				return err
			}
		case "meta_attributes":
			if err := r.appendSet(ch, cib.MetaAttributes, &rc.Meta); err != nil {
				return err
			}
		default:
			return r.unexpected(e, ch)
		}
		return nil
	}); err != nil {
		return rc, err
	}
	return rc, nil
}

package crmsh

import (
	"fmt"
	"strconv"

	"pacer/crm/cib"
)

// assemble builds a configuration from a whole text's statements: it
// gives target-less fencing levels to the nodes, generates the missing
// ids, nests resources into the groups, clones and bundles that name them,
// and merges anonymous property statements into the default set, as crmsh
// does on `load update`.
func assemble(objs []Object, file string) (*cib.Configuration, error) {
	var errs ErrorList
	fail := func(pos cib.Pos, object, format string, args ...any) {
		errs = append(errs, &Error{File: file, Line: pos.Line, Col: pos.Col, Object: object, Msg: fmt.Sprintf(format, args...)})
	}
	var nodes []cib.Node
	for _, o := range objs {
		if n, ok := o.(*NodeObject); ok {
			nodes = append(nodes, n.Node)
		}
	}
	for _, o := range objs {
		if f, ok := o.(*FencingObject); ok {
			if err := expandAllNodes(f, nodes); err != nil {
				err.File = file
				errs = append(errs, err)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	g := newAssigner()
	g.reserve(objs)
	g.assign(objs)

	c := &cib.Configuration{}
	rscs := map[string]*ResourceObject{}
	var order []*ResourceObject
	for _, o := range objs {
		switch o := o.(type) {
		case *NodeObject:
			c.Nodes = append(c.Nodes, o.Node)
		case *ResourceObject:
			id := o.Resource.ID
			if prev, dup := rscs[id]; dup {
				fail(o.Resource.Pos, describe(o), "already defined at line %d", prev.Resource.Pos.Line)
				continue
			}
			rscs[id] = o
			order = append(order, o)
		case *ConstraintObject:
			c.Constraints = append(c.Constraints, o.Constraint)
		case *SetObject:
			mergeSet(c, o, func(msg string) { fail(o.pos, describe(o), "%s", msg) })
		case *FencingObject:
			if len(o.Levels) == 0 {
				c.HasFencingTopology = true
			}
			c.FencingTopology = append(c.FencingTopology, o.Levels...)
		case *TagObject:
			if o.Tag == nil {
				c.HasTags = true
			} else {
				c.Tags = append(c.Tags, *o.Tag)
			}
		case *AlertObject:
			if o.Alert == nil {
				c.HasAlerts = true
			} else {
				c.Alerts = append(c.Alerts, *o.Alert)
			}
		case *XMLObject:
			c.Unknown = append(c.Unknown, o.Element)
		}
	}
	parent := map[string]string{}
	for _, o := range order {
		r := o.Resource
		for i, cid := range o.ChildIDs {
			pos := r.Pos
			if i < len(o.childPos) {
				pos = o.childPos[i]
			}
			child, ok := rscs[cid]
			switch {
			case !ok:
				fail(pos, describe(o), "no resource %q is defined", cid)
			case cid == r.ID:
				fail(pos, describe(o), "cannot contain itself")
			case parent[cid] != "":
				fail(pos, describe(o), "%q is already in %q", cid, parent[cid])
			default:
				parent[cid] = r.ID
				r.Children = append(r.Children, child.Resource)
			}
		}
	}
	// A resource that contains its own ancestor would make the tree a
	// loop; report each loop once, at the member met first. Every
	// resource's chain of parents is walked once.
	state := map[string]int{} // 1: on the chain being walked, 2: done
	for _, o := range order {
		var chain []string
		for id := o.Resource.ID; id != "" && state[id] != 2; id = parent[id] {
			if state[id] == 1 {
				fail(o.Resource.Pos, describe(o), "is part of a containment loop")
				break
			}
			state[id] = 1
			chain = append(chain, id)
		}
		for _, id := range chain {
			state[id] = 2
		}
	}
	for _, o := range order {
		if parent[o.Resource.ID] == "" {
			c.Resources = append(c.Resources, o.Resource)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return c, nil
}

// mergeSet adds a property, rsc_defaults or op_defaults statement. One
// naming a set that exists already (an anonymous one names the default
// set) is merged into it, its pairs replacing pairs of the same name, as
// crmsh's load update does.
func mergeSet(c *cib.Configuration, o *SetObject, fail func(string)) {
	var list *[]cib.NVSet
	switch o.Section {
	case SectionProperty:
		list = &c.CRMConfig
	case SectionRscDefaults:
		list = &c.RscDefaults
		if o.Set == nil {
			c.HasRscDefaults = true
		}
	case SectionOpDefaults:
		list = &c.OpDefaults
		if o.Set == nil {
			c.HasOpDefaults = true
		}
	}
	if o.Set == nil {
		return
	}
	s := o.Set
	if s.ID != "" {
		for i := range *list {
			dst := &(*list)[i]
			if dst.ID != s.ID {
				continue
			}
			if s.Rule != nil || s.Score != "" || len(s.Extra) > 0 {
				fail("a set with a rule or score needs its own id to be added to " + strconv.Quote(dst.ID))
				return
			}
			for _, p := range s.Pairs {
				replaced := false
				for j := range dst.Pairs {
					if dst.Pairs[j].Name == p.Name && dst.Pairs[j].IDRef == "" && p.IDRef == "" {
						dst.Pairs[j].Value, dst.Pairs[j].HasValue = p.Value, p.HasValue
						replaced = true
						break
					}
				}
				if !replaced {
					dst.Pairs = append(dst.Pairs, p)
				}
			}
			return
		}
	}
	*list = append(*list, *s)
}

func describe(o Object) string {
	if o.ID() == "" {
		return o.Keyword()
	}
	return o.Keyword() + " " + strconv.Quote(o.ID())
}

// configObjects lists a configuration as statements in the order Print
// writes them: nodes, resources (each container after what it contains),
// tags, constraints, fencing_topology, property, rsc_defaults,
// op_defaults, xml, alert. The objects point into c.
func configObjects(c *cib.Configuration) []Object {
	var out []Object
	for i := range c.Nodes {
		out = append(out, &NodeObject{Node: c.Nodes[i]})
	}
	seen := map[*cib.Resource]bool{}
	var emit func(r *cib.Resource)
	emit = func(r *cib.Resource) {
		if r == nil || seen[r] {
			return
		}
		seen[r] = true
		o := &ResourceObject{Resource: r}
		for _, ch := range r.Children {
			emit(ch)
			if ch != nil {
				o.ChildIDs = append(o.ChildIDs, ch.ID)
			}
		}
		out = append(out, o)
	}
	for _, r := range c.Resources {
		emit(r)
	}
	if c.HasTags {
		out = append(out, &TagObject{})
	}
	for i := range c.Tags {
		out = append(out, &TagObject{Tag: &c.Tags[i]})
	}
	for _, k := range c.Constraints {
		if k != nil {
			out = append(out, &ConstraintObject{Constraint: k})
		}
	}
	if c.HasFencingTopology {
		out = append(out, &FencingObject{})
	}
	if len(c.FencingTopology) > 0 {
		out = append(out, &FencingObject{Levels: c.FencingTopology})
	}
	for i := range c.CRMConfig {
		out = append(out, &SetObject{Section: SectionProperty, Set: &c.CRMConfig[i]})
	}
	if c.HasRscDefaults {
		out = append(out, &SetObject{Section: SectionRscDefaults})
	}
	for i := range c.RscDefaults {
		out = append(out, &SetObject{Section: SectionRscDefaults, Set: &c.RscDefaults[i]})
	}
	if c.HasOpDefaults {
		out = append(out, &SetObject{Section: SectionOpDefaults})
	}
	for i := range c.OpDefaults {
		out = append(out, &SetObject{Section: SectionOpDefaults, Set: &c.OpDefaults[i]})
	}
	for i := range c.Unknown {
		out = append(out, &XMLObject{Element: c.Unknown[i]})
	}
	if c.HasAlerts {
		out = append(out, &AlertObject{})
	}
	for i := range c.Alerts {
		out = append(out, &AlertObject{Alert: &c.Alerts[i]})
	}
	return out
}

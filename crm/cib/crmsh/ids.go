package crmsh

import (
	"strconv"

	"pacer/crm/cib"
)

// Ids. crm syntax leaves most ids out and crmsh makes them up, from the
// nearest enclosing id and the element (crmsh's idmgmt and fix_node_ids):
//
//	nvset       <owner>-instance_attributes, -meta_attributes, -utilization
//	nvpair      <set>-<name>
//	op          <rsc>-<name>-<interval>   (<operations id> instead of <rsc> if set)
//	rule        <owner>-rule              expression  <rule>-expression
//	date_spec   <expression>-date_spec    duration    <expression>-duration
//	resource_set, port-mapping, storage-mapping, select attribute: <owner>
//	fencing-level  fencing                recipient   <alert>-recipient-<n>
//	node        its uname                 property    cib-bootstrap-options
//	rsc_defaults rsc-options              op_defaults op-options
//
// An id already taken gets -0, -1, ... appended. A node's nvsets take the
// uname, not the id, as their owner, as in crmsh.
//
// One walk over the objects serves three purposes: reserving the ids a
// text gives (so generated ones avoid them), assigning the missing ones
// (the parser), and predicting what the parser would assign (the printer,
// which leaves out exactly the ids that come out the same). Parser and
// printer walk the statements in text order and each object in the same
// fixed order, so they agree.
type idMode int

const (
	modeReserve idMode = iota // note every id present
	modeAssign                // fill in missing ids
	modePredict               // record which ids the printer may omit
)

type idWalker struct {
	mode idMode
	used map[string]bool
	next map[string]int // where free's search for a base resumes
	// Predict mode: how often each id occurs in the whole configuration
	// (a duplicated id is always printed), and the results.
	count map[string]int
	elide map[*string]bool
	// none lists ids that are empty in the model where the parser would
	// generate one: the printer writes `$-id` for them.
	none map[*string]bool
}

func newAssigner() *idWalker {
	return &idWalker{mode: modeReserve, used: map[string]bool{}}
}

// free is the first of base, base-0, base-1, ... not taken yet. Ids are
// only ever added to used, so the search for a base resumes where it
// stopped last time: a thousand pairs of one name cost no more than one.
func (g *idWalker) free(base string) string {
	if !g.used[base] {
		return base
	}
	if g.next == nil {
		g.next = map[string]int{}
	}
	for n := g.next[base]; ; n++ {
		c := base + "-" + strconv.Itoa(n)
		if !g.used[c] {
			g.next[base] = n
			return c
		}
	}
}

// visit handles one id field. extraID is true when the element carries an
// empty id attribute in Extra, idref when it is a reference; neither gets
// a generated id. fixed ids (a node's uname, a default set id) are used
// as they are, taken or not.
func (g *idWalker) visit(id *string, extraID bool, idref, candidate string, fixed bool) {
	switch g.mode {
	case modeReserve:
		if *id != "" && *id != noID {
			g.used[*id] = true
			if g.count != nil {
				g.count[*id]++
			}
		}
		return
	case modeAssign:
		switch {
		case *id == noID:
			*id = ""
		case *id == "" && !extraID && idref == "" && candidate != "":
			if fixed {
				*id = candidate
			} else {
				*id = g.free(candidate)
			}
		}
	case modePredict:
		generates := !extraID && idref == "" && candidate != ""
		if generates {
			want := candidate
			if !fixed {
				want = g.free(candidate)
			}
			switch {
			case *id == "":
				g.none[id] = true
			case *id == want && (fixed || g.count[*id] == 1):
				g.elide[id] = true
			}
		}
	}
	if *id != "" {
		g.used[*id] = true
	}
}

// explicit notes an id that is always written out (an object's own).
func (g *idWalker) explicit(id string) {
	if id == "" || id == noID {
		return
	}
	g.used[id] = true
	if g.mode == modeReserve && g.count != nil {
		g.count[id]++
	}
}

func prefixOf(id, parent string) string {
	if id == "" {
		return parent
	}
	return id
}

func (g *idWalker) object(o Object) {
	switch o := o.(type) {
	case *NodeObject:
		g.node(&o.Node)
	case *ResourceObject:
		g.resource(o.Resource)
	case *ConstraintObject:
		g.constraint(o.Constraint)
	case *SetObject:
		if o.Set != nil {
			g.set(o.Set, "", defaultSetID(o.Section), true)
		}
	case *FencingObject:
		for i := range o.Levels {
			l := &o.Levels[i]
			g.visit(&l.ID, hasAttr(l.Extra, "id"), "", "fencing", false)
		}
	case *TagObject:
		if o.Tag != nil {
			g.explicit(o.Tag.ID)
		}
	case *AlertObject:
		if o.Alert != nil {
			g.alert(o.Alert)
		}
	case *XMLObject:
		g.element(&o.Element)
	}
}

func defaultSetID(s Section) string {
	switch s {
	case SectionRscDefaults:
		return defaultRscDefaultsID
	case SectionOpDefaults:
		return defaultOpDefaultsID
	}
	return defaultPropertyID
}

func (g *idWalker) reserve(objs []Object) {
	saved := g.mode
	g.mode = modeReserve
	for _, o := range objs {
		g.object(o)
	}
	g.mode = saved
}

// reserveConfiguration notes every id of an existing configuration.
func (g *idWalker) reserveConfiguration(c *cib.Configuration) {
	saved := g.mode
	g.mode = modeReserve
	for _, o := range configObjects(c) {
		g.object(o)
	}
	g.mode = saved
}

// assign fills in the missing ids of objs, in order.
func (g *idWalker) assign(objs []Object) {
	g.mode = modeAssign
	for _, o := range objs {
		g.object(o)
	}
}

func (g *idWalker) node(n *cib.Node) {
	g.visit(&n.ID, hasAttr(n.Extra, "id"), "", n.Uname, true)
	pfx := n.Uname
	if pfx == "" {
		pfx = n.ID
	}
	for i := range n.Attributes {
		g.set(&n.Attributes[i], pfx, pfx+"-instance_attributes", false)
	}
	for i := range n.Utilization {
		g.set(&n.Utilization[i], pfx, pfx+"-utilization", false)
	}
}

func (g *idWalker) set(s *cib.NVSet, parent, candidate string, fixed bool) {
	g.visit(&s.ID, hasAttr(s.Extra, "id"), s.IDRef, candidate, fixed)
	pfx := prefixOf(s.ID, parent)
	if s.Rule != nil {
		g.rule(s.Rule, pfx)
	}
	for i := range s.Pairs {
		pr := &s.Pairs[i]
		g.visit(&pr.ID, false, pr.IDRef, pfx+"-"+pr.Name, false)
	}
}

func (g *idWalker) sets(ss []cib.NVSet, parent string, kind string) {
	for i := range ss {
		g.set(&ss[i], parent, parent+"-"+kind, false)
	}
}

func (g *idWalker) rule(r *cib.Rule, parent string) {
	g.visit(&r.ID, hasAttr(r.Extra, "id"), r.IDRef, parent+"-rule", false)
	pfx := prefixOf(r.ID, parent)
	for i := range r.Exprs {
		x := &r.Exprs[i]
		if x.Kind == cib.ExprRule {
			// A nested rule is named like any rule under this one; the
			// expression carries the rule's id.
			if x.Rule != nil {
				g.rule(x.Rule, pfx)
				if g.mode == modeAssign {
					x.ID = x.Rule.ID
				}
			}
			continue
		}
		g.visit(&x.ID, hasAttr(x.Extra, "id"), "", pfx+"-expression", false)
		xp := prefixOf(x.ID, pfx)
		if x.DateSpec != nil {
			g.visit(&x.DateSpec.ID, false, "", xp+"-date_spec", false)
		}
		if x.Duration != nil {
			g.visit(&x.Duration.ID, false, "", xp+"-duration", false)
		}
	}
}

func (g *idWalker) resource(r *cib.Resource) {
	g.explicit(r.ID)
	if r.Kind == cib.KindBundle && r.Bundle != nil {
		b := r.Bundle
		if b.Network != nil {
			for i := range b.Network.PortMappings {
				g.visit(&b.Network.PortMappings[i].ID, false, "", r.ID, false)
			}
		}
		g.explicit(b.StorageID)
		spfx := prefixOf(b.StorageID, r.ID)
		for i := range b.Storage {
			g.visit(&b.Storage[i].ID, false, "", spfx, false)
		}
	}
	g.sets(r.Instance, r.ID, "instance_attributes")
	g.sets(r.Meta, r.ID, "meta_attributes")
	g.sets(r.Utilization, r.ID, "utilization")
	g.explicit(r.OpsID)
	opfx := prefixOf(r.OpsID, r.ID)
	for i := range r.Ops {
		op := &r.Ops[i]
		cand := opfx + "-" + op.Name
		if op.Interval != "" {
			cand += "-" + op.Interval
		}
		g.visit(&op.ID, hasAttr(op.Extra, "id"), "", cand, false)
		p := prefixOf(op.ID, opfx)
		g.sets(op.Instance, p, "instance_attributes")
		g.sets(op.Meta, p, "meta_attributes")
	}
}

func (g *idWalker) constraint(c *cib.Constraint) {
	g.explicit(c.ID)
	for i := range c.Sets {
		s := &c.Sets[i]
		g.visit(&s.ID, hasAttr(s.Extra, "id"), s.IDRef, c.ID, false)
	}
	for i := range c.Rules {
		g.rule(&c.Rules[i], c.ID)
	}
	for i := range c.Lifetime {
		g.rule(&c.Lifetime[i], c.ID)
	}
}

func (g *idWalker) alert(a *cib.Alert) {
	g.explicit(a.ID)
	g.sets(a.Instance, a.ID, "instance_attributes")
	g.sets(a.Meta, a.ID, "meta_attributes")
	if a.Select != nil {
		for i := range a.Select.Children {
			c := &a.Select.Children[i]
			if c.Name != "select_attributes" {
				continue
			}
			for j := range c.Children {
				at := &c.Children[j]
				if at.Name == "attribute" && len(at.Attrs) > 0 && at.Attrs[0].Name == "id" {
					g.visit(&at.Attrs[0].Value, false, "", a.ID, false)
				}
			}
		}
	}
	for i := range a.Recipients {
		rc := &a.Recipients[i]
		g.visit(&rc.ID, hasAttr(rc.Extra, "id"), "", a.ID+"-recipient-"+strconv.Itoa(i+1), false)
		p := prefixOf(rc.ID, a.ID)
		g.sets(rc.Instance, p, "instance_attributes")
		g.sets(rc.Meta, p, "meta_attributes")
	}
}

// element notes the ids of an element kept verbatim.
func (g *idWalker) element(el *cib.Element) {
	for _, a := range el.Attrs {
		if a.Name == "id" {
			g.explicit(a.Value)
		}
	}
	for i := range el.Children {
		g.element(&el.Children[i])
	}
}

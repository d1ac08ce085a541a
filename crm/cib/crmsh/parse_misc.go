package crmsh

import (
	"strconv"
	"strings"

	"pacer/crm/cib"
)

// Default set ids, from crmsh's cib_object_map.
const (
	defaultPropertyID    = "cib-bootstrap-options"
	defaultRscDefaultsID = "rsc-options"
	defaultOpDefaultsID  = "op-options"
)

// propertySet reads
//
//	property [<id>: | $id=<id>] [rule ...] <name>=<value> ...
//	rsc_defaults [<id>: | $id=<id>] [rule ...] <name>=<value> ...
//	op_defaults [<id>: | $id=<id>] [rule ...] <name>=<value> ...
//
// A bare `rsc_defaults` or `op_defaults` (an error in crmsh) is pacer's
// way of writing the empty section Pacemaker's tools leave behind.
func (p *parser) propertySet(kw token) Object {
	obj := &SetObject{Section: Section(strings.ToLower(kw.text)), pos: kw.pos}
	kind := cib.MetaAttributes
	if obj.Section == SectionProperty {
		kind = cib.PropertySet
	}
	if p.atEnd() {
		if obj.Section == SectionProperty {
			p.errorf(p.peek(), "expected <name>=<value>")
			return nil
		}
		return obj
	}
	var headID string
	if id, ok := nodeIDTok(p.peek()); ok {
		p.i++
		headID = id
		p.name(string(obj.Section), id)
	}
	s := p.attrList(kind, kw, nil)
	if headID != "" {
		if s.ID != "" && s.ID != noID || hasAttr(s.Extra, "id") {
			p.errorf(kw, "two ids (%s: and $id=)", headID)
		}
		s.ID = headID
	}
	s.Pos = kw.pos
	obj.Anonymous = s.ID == "" && !hasAttr(s.Extra, "id")
	if obj.Anonymous {
		p.object = string(obj.Section)
	} else {
		p.name(string(obj.Section), s.ID)
	}
	if p.err == nil && !p.atEnd() {
		p.errorf(p.peek(), "unexpected %q (want <name>=<value>)", p.peek().text)
	}
	if p.err != nil {
		return nil
	}
	obj.Set = &s
	return obj
}

// fencingTopology reads
//
//	fencing_topology [<target>:|attr:<name>=<value>|pattern:<regex>] <devices> ...
//
// where <devices> is a comma-separated list of stonith resources, one
// level; levels count from 1 per target. Without any target the levels
// apply to every node. `$index=<n>` and `$id=<id>` before a level set
// those (pacer's extension).
func (p *parser) fencingTopology(kw token) Object {
	obj := &FencingObject{pos: kw.pos}
	var cur *levelKey
	next := map[levelKey]int{}
	var ovs []override
	for p.err == nil && !p.atEnd() {
		t := p.next()
		if o, ok := overrideToken(t); ok {
			if cur == nil {
				p.errorf(t, "%q: a level without a target takes no attributes", t.text)
				break
			}
			ovs = append(ovs, o)
			continue
		}
		if k, ok := targetKey(t); ok {
			cur = &k
			continue
		}
		if cur == nil {
			if len(obj.Levels) > 0 {
				p.errorf(t, "level %q has no target but earlier ones do", t.text)
				break
			}
			l := cib.FencingLevel{Pos: t.pos}
			setAttr(cib.FencingLevelFields, &l, &l.Extra, "devices", t.text)
			obj.anyNode = append(obj.anyNode, l)
			continue
		}
		if len(obj.anyNode) > 0 {
			p.errorf(t, "levels without a target cannot be mixed with targets")
			break
		}
		n := next[*cur]
		if n == 0 {
			n = 1
		}
		l := newLevel(*cur, n, t.text)
		l.Pos = t.pos
		applyOverrides(p, cib.FencingLevelFields, &l, &l.Extra, ovs)
		ovs = nil
		next[*cur] = nextIndex(l.Index, n)
		obj.Levels = append(obj.Levels, l)
	}
	if len(ovs) > 0 && p.err == nil {
		p.errorf(ovs[0].tok, "%q is not followed by a level", ovs[0].tok.text)
	}
	if p.err != nil {
		return nil
	}
	return obj
}

// levelKey is a fencing target as written: a node, a node attribute
// (attr:<name>=<value>) or a pattern (pattern:<regex>).
type levelKey struct{ kind, a, b string }

// targetKey recognises a target word.
func targetKey(t token) (levelKey, bool) {
	switch {
	case hasPrefixFold(t.text, "attr:") && hasEq(t):
		n, v, _ := splitNV(t.text[len("attr:"):])
		return levelKey{kind: "attr", a: n, b: v}, true
	case hasPrefixFold(t.text, "pattern:") && len(t.text) > len("pattern:"):
		return levelKey{kind: "pattern", a: t.text[len("pattern:"):]}, true
	case len(t.text) > 1 && strings.HasSuffix(t.text, ":"):
		return levelKey{kind: "node", a: t.text[:len(t.text)-1]}, true
	}
	return levelKey{}, false
}

// newLevel is the level a devices word makes under target k with index n.
func newLevel(k levelKey, n int, devices string) cib.FencingLevel {
	var l cib.FencingLevel
	switch k.kind {
	case "attr":
		setAttr(cib.FencingLevelFields, &l, &l.Extra, "target-attribute", k.a)
		setAttr(cib.FencingLevelFields, &l, &l.Extra, "target-value", k.b)
	case "pattern":
		setAttr(cib.FencingLevelFields, &l, &l.Extra, "target-pattern", k.a)
	default:
		setAttr(cib.FencingLevelFields, &l, &l.Extra, "target", k.a)
	}
	l.Index = strconv.Itoa(n)
	setAttr(cib.FencingLevelFields, &l, &l.Extra, "devices", devices)
	return l
}

// nextIndex is the index the next level of a target gets when this one
// has index: one more, counting on from an explicit number.
func nextIndex(index string, n int) int {
	if v, err := strconv.Atoi(index); err == nil && v < 1<<30 {
		return v + 1
	}
	return n + 1
}

// expandAllNodes gives levels written without a target to every node, as
// crmsh does: each node gets the levels in order, indexes from 1.
func expandAllNodes(f *FencingObject, nodes []cib.Node) *Error {
	if len(f.anyNode) == 0 {
		return nil
	}
	if len(nodes) == 0 {
		return &Error{Line: f.pos.Line, Col: f.pos.Col, Object: "fencing_topology", Msg: "levels without a target need the nodes to apply to; no node is defined"}
	}
	for _, n := range nodes {
		name := n.Uname
		if name == "" {
			name = n.ID
		}
		for i, l := range f.anyNode {
			l.Target = name
			l.Index = strconv.Itoa(i + 1)
			l.Extra = append([]cib.Attr(nil), l.Extra...)
			f.Levels = append(f.Levels, l)
		}
	}
	f.anyNode = nil
	return nil
}

// tag reads `tag <id>[:] <ref> ...`; a bare `tag` is an empty tags
// section (pacer).
func (p *parser) tag(kw token) Object {
	obj := &TagObject{pos: kw.pos}
	if p.atEnd() {
		return obj
	}
	id := p.next()
	t := &cib.Tag{ID: strings.TrimSuffix(id.text, ":"), Pos: kw.pos}
	if t.ID == "" {
		p.errorf(id, "expected a tag name")
		return nil
	}
	p.name("tag", t.ID)
	for p.err == nil && !p.atEnd() {
		r := p.next()
		if hasEq(r) {
			p.errorf(r, "expected a resource or constraint id, got %q", r.text)
			break
		}
		t.Refs = append(t.Refs, r.text)
	}
	if p.err != nil {
		return nil
	}
	obj.Tag = t
	return obj
}

// alert reads
//
//	alert <id> <path> [description=<text>] [attributes ...] [meta ...]
//	    [select nodes|fencing|resources|attributes { <name> ... } ...]
//	    [to [{] <recipient> [attributes ...] [meta ...] [}] ...]
//
// A bare `alert` is an empty alerts section (pacer).
func (p *parser) alert(kw token) Object {
	obj := &AlertObject{pos: kw.pos}
	if p.atEnd() {
		return obj
	}
	a := &cib.Alert{Pos: kw.pos}
	id := p.objectID("alert")
	a.ID = id.text
	path := p.want("the alert agent's path")
	if p.err != nil {
		return nil
	}
	setAttr(cib.AlertFields, a, &a.Extra, "path", path.text)
	ovs := p.headAttrs(true)
	for p.err == nil && !p.atEnd() {
		t := p.next()
		switch {
		case isKw(t, "attributes"):
			if len(a.Recipients) > 0 {
				p.errorf(t, "alert attributes go before the first `to`")
				break
			}
			a.Instance = append(a.Instance, p.attrList(cib.InstanceAttributes, t, alertKeywords))
		case isKw(t, "meta"):
			if len(a.Recipients) > 0 {
				p.errorf(t, "alert meta attributes go before the first `to`")
				break
			}
			a.Meta = append(a.Meta, p.attrList(cib.MetaAttributes, t, alertKeywords))
		case isKw(t, "select"):
			if a.Select != nil {
				p.errorf(t, "more than one select")
				break
			}
			a.Select = p.alertSelect()
		case isKw(t, "to"):
			a.Recipients = append(a.Recipients, p.recipient())
		default:
			p.errorf(t, "unexpected %q (want attributes, meta, select or to)", t.text)
		}
	}
	noIDOverride(p, ovs)
	applyOverrides(p, cib.AlertFields, a, &a.Extra, ovs)
	if p.err != nil {
		return nil
	}
	obj.Alert = a
	return obj
}

// alertSelect reads the selectors after `select` into the <select>
// element the model keeps.
func (p *parser) alertSelect() *cib.Element {
	sel := &cib.Element{Name: "select"}
	for p.err == nil {
		t := p.peek()
		if !isKw(t, "nodes", "fencing", "resources", "attributes") {
			break
		}
		name := strings.ToLower(t.text)
		if name == "attributes" {
			if !isKw(p.peekAt(1), "{") {
				break // the alert's attribute list
			}
			p.i += 2
			el := cib.Element{Name: "select_attributes"}
			var id string
			for p.err == nil {
				u := p.want("an attribute name or }")
				if isKw(u, "}") {
					break
				}
				if o, ok := overrideToken(u); ok && o.name == "id" && !o.unset {
					id = o.value
					continue
				}
				attrs := []cib.Attr{{Name: "id", Value: id}, {Name: "name", Value: u.text}}
				el.Children = append(el.Children, cib.Element{Name: "attribute", Attrs: attrs})
				id = ""
			}
			sel.Children = append(sel.Children, el)
			continue
		}
		p.i++
		sel.Children = append(sel.Children, cib.Element{Name: "select_" + name})
	}
	return sel
}

// recipient reads what follows `to`.
func (p *parser) recipient() cib.Recipient {
	var rc cib.Recipient
	_, brace := p.acceptKw("{")
	v := p.want("a recipient")
	setAttr(cib.RecipientFields, &rc, &rc.Extra, "value", v.text)
	ovs := p.headAttrs(true)
	stop := []string{"attributes", "meta", "to", "select", "}"}
	for p.err == nil {
		t, ok := p.acceptKw("attributes", "meta")
		if !ok {
			break
		}
		if strings.EqualFold(t.text, "attributes") {
			rc.Instance = append(rc.Instance, p.attrList(cib.InstanceAttributes, t, stop))
		} else {
			rc.Meta = append(rc.Meta, p.attrList(cib.MetaAttributes, t, stop))
		}
	}
	if brace {
		if _, ok := p.acceptKw("}"); !ok {
			p.errorf(p.peek(), "expected } to end the recipient")
		}
	}
	applyOverrides(p, cib.RecipientFields, &rc, &rc.Extra, ovs)
	return rc
}

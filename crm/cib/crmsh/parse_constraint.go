package crmsh

import (
	"strings"

	"pacer/crm/cib"
)

// constraint reads location, colocation, order and rsc_ticket.
func (p *parser) constraint(kw token) Object {
	c := &cib.Constraint{Pos: kw.pos}
	switch strings.ToLower(kw.text) {
	case "location":
		c.Kind = cib.KindLocation
	case "colocation", "collocation":
		c.Kind = cib.KindColocation
	case "order":
		c.Kind = cib.KindOrder
	case "rsc_ticket":
		c.Kind = cib.KindTicket
	}
	id := p.objectID(constraintKeyword(c.Kind))
	if p.err != nil {
		return nil
	}
	c.ID = id.text
	switch c.Kind {
	case cib.KindLocation:
		p.location(c)
	default:
		p.setConstraint(c)
	}
	if p.err != nil {
		return nil
	}
	return &ConstraintObject{Constraint: c}
}

// location reads
//
//	location <id> <rsc> [<attribute>=<value> ...] <score>: <node>
//	location <id> <rsc> [<attribute>=<value> ...] rule ... [rule ...]
//
// where <rsc> is a resource, /<pattern>/ or { <resource sets> }, and the
// attributes are role= and resource-discovery= (or pacer's $name=value).
func (p *parser) location(c *cib.Constraint) {
	t := p.want("a resource, /pattern/ or { resource sets }")
	if p.err != nil {
		return
	}
	var ovs []override
	switch {
	case t.bare && strings.HasPrefix(t.text, "{"):
		rest := strings.TrimPrefix(t.text, "{")
		sp := newSetParser(p, "role")
		if rest != "" {
			sp.piece(token{text: rest, pos: t.pos, bare: true})
		}
		closed := false
		for p.err == nil && !p.atEnd() {
			u := p.next()
			if u.bare && strings.HasSuffix(u.text, "}") {
				if s := strings.TrimSuffix(u.text, "}"); s != "" {
					sp.piece(token{text: s, pos: u.pos, bare: true})
				}
				closed = true
				break
			}
			sp.piece(u)
		}
		if !closed {
			p.errorf(p.peek(), "resource sets: missing }")
			return
		}
		c.Sets = sp.finish()
		if len(c.Sets) == 0 {
			p.errorf(t, "empty resource set")
		}
		p.checkOuter(c, sp.outer)
		ovs = append(ovs, sp.outer...)
	case len(t.text) >= 3 && strings.HasPrefix(t.text, "/") && strings.HasSuffix(t.text, "/"):
		setAttr(cib.LocationFields, c, &c.Extra, "rsc-pattern", t.text[1:len(t.text)-1])
	default:
		if hasEq(t) || isKw(t, "rule") {
			p.errorf(t, "expected a resource, got %q", t.text)
			return
		}
		setAttr(cib.LocationFields, c, &c.Extra, "rsc", t.text)
	}
	ovs = append(ovs, p.constraintAttrs(c)...)
	if s, ok := scoreTok(p.peek()); ok {
		st := p.next()
		v, kind := interpretScore(s)
		if kind != scoreNumber {
			p.errorf(st, "score %q: want an integer, inf or -inf", s)
			return
		}
		c.Score = v
		n := p.want("a node name after the score")
		setAttr(cib.LocationFields, c, &c.Extra, "node", n.text)
		// crmsh used to take the role after the node; it still does.
		ovs = append(ovs, p.constraintAttrs(c)...)
	}
	for p.err == nil {
		t, ok := p.acceptKw("rule")
		if !ok {
			break
		}
		c.Rules = append(c.Rules, p.rule(t))
	}
	if p.err == nil && !p.atEnd() {
		p.errorf(p.peek(), "unexpected %q", p.peek().text)
	}
	noIDOverride(p, ovs)
	applyOverrides(p, cib.LocationFields, c, &c.Extra, ovs)
	// Judge by the result, not the words, so that what Print writes for
	// a location reads back whatever `$`-words it needed.
	some := c.Node != "" || c.Score != "" || len(c.Rules) > 0 || len(c.Extra) > 0 || c.Role != "" || c.ResourceDiscovery != ""
	if !some && p.err == nil && !p.lenient {
		p.errorf(p.peek(), "expected <score>: <node> or rule")
	}
}

// constraintAttrs reads `<attribute>=<value>` words naming attributes of
// the constraint's kind, and pacer's `$name=value` for any attribute.
func (p *parser) constraintAttrs(c *cib.Constraint) []override {
	var ovs []override
	fs := cib.ConstraintFields(c.Kind)
	for p.err == nil {
		t := p.peek()
		if o, ok := overrideToken(t); ok {
			p.i++
			ovs = append(ovs, o)
			continue
		}
		if t.eof || !hasEq(t) {
			break
		}
		n, v, _ := splitNV(t.text)
		n = strings.TrimPrefix(n, "$")
		if !modelled(fs, n) || n == "id" {
			p.errorf(t, "unknown %s attribute %q", constraintKeyword(c.Kind), n)
			break
		}
		p.i++
		ovs = append(ovs, override{name: n, value: v, tok: t})
	}
	return ovs
}

// setConstraint reads colocation, order and rsc_ticket:
//
//	colocation <id> <score>: <rsc>[:<role>] <with-rsc>[:<role>] [node-attribute=<attr>]
//	order <id> [<kind>:] <first>[:<action>] <then>[:<action>] [symmetrical=<bool>]
//	rsc_ticket <id> <ticket>: <rsc>[:<role>] [loss-policy=<policy>]
//
// or the same with resource sets in place of the resources.
func (p *parser) setConstraint(c *cib.Constraint) {
	fs := cib.ConstraintFields(c.Kind)
	if s, ok := scoreTok(p.peek()); ok {
		st := p.next()
		switch c.Kind {
		case cib.KindColocation:
			v, kind := interpretScore(s)
			if kind != scoreNumber {
				p.errorf(st, "score %q: want an integer, inf or -inf", s)
				return
			}
			c.Score = v
		case cib.KindOrder:
			switch {
			case oneOf(s, []string{"Mandatory", "Optional", "Serialize"}):
				c.OrderKind = s
			default:
				// crmsh 4 turns an order score into a kind: 0 is
				// Optional, anything else Mandatory.
				v, kind := interpretScore(s)
				if kind != scoreNumber {
					p.errorf(st, "order kind %q: want Mandatory, Optional, Serialize or a score", s)
					return
				}
				c.OrderKind = "Mandatory"
				if v == "0" || v == "+0" || v == "-0" {
					c.OrderKind = "Optional"
				}
			}
		case cib.KindTicket:
			c.Ticket = s
		}
	} else if c.Kind == cib.KindTicket {
		p.errorf(p.peek(), "expected <ticket>:")
		return
	}
	qual := "role"
	if c.Kind == cib.KindOrder {
		qual = "action"
	}
	sp := newSetParser(p, qual)
	for p.err == nil && !p.atEnd() {
		sp.piece(p.next())
	}
	sets := sp.finish()
	if p.err != nil {
		return
	}
	ovs := sp.outer
	p.checkOuter(c, ovs)
	if p.err != nil {
		return
	}
	simple := 2
	if c.Kind == cib.KindTicket {
		simple = 1
	}
	if refs, ok := sp.simpleRefs(); ok && len(refs) == simple {
		switch c.Kind {
		case cib.KindColocation:
			p.setRef(c, "rsc", "rsc-role", refs[0])
			p.setRef(c, "with-rsc", "with-rsc-role", refs[1])
		case cib.KindOrder:
			p.setRef(c, "first", "first-action", refs[0])
			p.setRef(c, "then", "then-action", refs[1])
		case cib.KindTicket:
			p.setRef(c, "rsc", "rsc-role", refs[0])
		}
	} else {
		c.Sets = sets
	}
	noIDOverride(p, ovs)
	applyOverrides(p, fs, c, &c.Extra, ovs)
	// Judge by the result, as for locations.
	refs := c.Rsc + c.WithRsc + c.First + c.Then + c.RscRole + c.WithRscRole + c.FirstAction + c.ThenAction
	if len(c.Sets) == 0 && len(c.Extra) == 0 && refs == "" && p.err == nil && !p.lenient {
		p.errorf(p.peek(), "expected resources")
	}
}

// checkOuter rejects attribute words outside brackets that are not the
// constraint's: `sequential=false` goes inside ( ) or [ ].
func (p *parser) checkOuter(c *cib.Constraint, ovs []override) {
	fs := cib.ConstraintFields(c.Kind)
	for _, o := range ovs {
		if !strings.HasPrefix(o.tok.text, "$") && (!modelled(fs, o.name) || o.name == "id") {
			p.errorf(o.tok, "unknown %s attribute %q", constraintKeyword(c.Kind), o.name)
			return
		}
	}
}

func (p *parser) setRef(c *cib.Constraint, attr, qualAttr string, r setRef) {
	fs := cib.ConstraintFields(c.Kind)
	setAttr(fs, c, &c.Extra, attr, r.id)
	if r.qual != "" {
		setAttr(fs, c, &c.Extra, qualAttr, r.qual)
	}
}

// setRef is one `<rsc>[:<role>|:<action>]` word.
type setRef struct {
	id, qual string
	tok      token
}

// setParser reads resource sets the way crmsh's ResourceSet does:
// consecutive resources with the same role (action) form one set, "( ... )"
// is a set with sequential=false and "[ ... ]" one with require-all=false
// as well. pacer adds attributes inside brackets (`( a b $id=s1
// sequential=true )`) for what the brackets cannot say, and reads
// attributes outside brackets as the constraint's (node-attribute=...).
type setParser struct {
	p     *parser
	qual  string // "role" or "action"
	sets  []cib.ResourceSet
	refs  []setRef // all references, for the simple form
	cur   *cib.ResourceSet
	open  byte // 0, '(' or '['
	ovs   []override
	outer []override // constraint attributes
	// simpleOK stays true while the input could be the simple form.
	simpleOK bool
}

func newSetParser(p *parser, qual string) *setParser {
	return &setParser{p: p, qual: qual, simpleOK: true}
}

// piece takes one word, splitting brackets glued to names as crmsh does.
func (sp *setParser) piece(t token) {
	if sp.p.err != nil {
		return
	}
	if t.bare && len(t.text) > 1 && (t.text[0] == '(' || t.text[0] == '[') {
		sp.one(token{text: t.text[:1], pos: t.pos, bare: true})
		t2 := t
		t2.text, t2.pos.Col = t.text[1:], t.pos.Col+1
		sp.piece(t2)
		return
	}
	if t.bare && len(t.text) > 1 && (t.text[len(t.text)-1] == ')' || t.text[len(t.text)-1] == ']') {
		t2 := t
		t2.text = t.text[:len(t.text)-1]
		sp.piece(t2)
		sp.one(token{text: t.text[len(t.text)-1:], pos: cib.Pos{Line: t.pos.Line, Col: t.pos.Col + len(t.text) - 1}, bare: true})
		return
	}
	sp.one(t)
}

func (sp *setParser) one(t token) {
	p := sp.p
	switch {
	case t.bare && t.text == "_rsc_set_":
		sp.simpleOK = false
	case t.bare && (t.text == "(" || t.text == "["):
		if sp.open != 0 {
			p.errorf(t, "cannot nest resource sets")
			return
		}
		sp.flush()
		sp.simpleOK = false
		sp.open = t.text[0]
		s := cib.ResourceSet{Pos: t.pos, Sequential: "false"}
		if sp.open == '[' {
			s.RequireAll = "false"
		}
		sp.cur = &s
		sp.ovs = nil
	case t.bare && (t.text == ")" || t.text == "]"):
		if sp.open == 0 {
			p.errorf(t, "unmatched %s", t.text)
			return
		}
		if (sp.open == '(') != (t.text == ")") {
			p.errorf(t, "%s closes %c", t.text, sp.open)
			return
		}
		if len(sp.cur.Resources) == 0 && len(sp.ovs) == 0 && !p.lenient {
			p.errorf(t, "empty resource set")
			return
		}
		applyOverrides(p, cib.ResourceSetFields, sp.cur, &sp.cur.Extra, sp.ovs)
		sp.sets = append(sp.sets, *sp.cur)
		sp.cur, sp.open, sp.ovs = nil, 0, nil
	default:
		if o, ok := overrideToken(t); ok {
			sp.attr(o)
			return
		}
		if t.bare && strings.HasPrefix(t.text, "$") {
			// Not $name=value nor $-name (an empty name, or one with
			// ':'): no attribute could carry it.
			sp.p.errorf(t, "%q: want $NAME=VALUE or $-NAME, NAME without ':'", t.text)
			return
		}
		if hasEq(t) {
			n, v, _ := splitNV(t.text)
			sp.attr(override{name: n, value: v, tok: t})
			return
		}
		sp.ref(t)
	}
}

// attr is an attribute word: of the open set, or else of the constraint.
func (sp *setParser) attr(o override) {
	if sp.open == 0 {
		sp.outer = append(sp.outer, o)
		return
	}
	if !strings.HasPrefix(o.tok.text, "$") && !modelled(cib.ResourceSetFields, o.name) {
		sp.p.errorf(o.tok, "unknown resource set attribute %q", o.name)
		return
	}
	sp.simpleOK = false
	sp.ovs = append(sp.ovs, o)
}

func (sp *setParser) ref(t token) {
	p := sp.p
	id, qual := t.text, ""
	if i := strings.LastIndexByte(t.text, ':'); i >= 0 {
		id, qual = t.text[:i], t.text[i+1:]
		valid := roles
		if sp.qual == "action" {
			valid = actions
		}
		if !oneOf(qual, valid) {
			p.errorf(t, "invalid %s %q for %q", sp.qual, qual, id)
			return
		}
	}
	if id == "" || strings.ContainsRune(id, ':') {
		p.errorf(t, "%q is not a resource id", id)
		return
	}
	sp.refs = append(sp.refs, setRef{id: id, qual: qual, tok: t})
	if sp.open != 0 {
		if len(sp.cur.Resources) > 0 && !strings.EqualFold(sp.curQual(), qual) {
			p.errorf(t, "all resources in ( ) or [ ] share one %s", sp.qual)
			return
		}
		if len(sp.cur.Resources) == 0 && qual != "" {
			setAttr(cib.ResourceSetFields, sp.cur, &sp.cur.Extra, sp.qual, qual)
		}
		sp.cur.Resources = append(sp.cur.Resources, id)
		return
	}
	if sp.cur == nil || sp.curQual() != qual {
		sp.flush()
		s := cib.ResourceSet{Pos: t.pos}
		if qual != "" {
			setAttr(cib.ResourceSetFields, &s, &s.Extra, sp.qual, qual)
		}
		sp.cur = &s
	}
	sp.cur.Resources = append(sp.cur.Resources, id)
}

func (sp *setParser) curQual() string {
	if sp.qual == "action" {
		return sp.cur.Action
	}
	return sp.cur.Role
}

// flush ends the plain set being built, if any.
func (sp *setParser) flush() {
	if sp.cur != nil && sp.open == 0 {
		sp.sets = append(sp.sets, *sp.cur)
		sp.cur = nil
	}
}

func (sp *setParser) finish() []cib.ResourceSet {
	if sp.open != 0 {
		sp.p.errorf(sp.p.peek(), "unmatched %c", sp.open)
		return nil
	}
	sp.flush()
	return sp.sets
}

// simpleRefs returns the references if the words could be the simple
// (set-less) form: plain resources only.
func (sp *setParser) simpleRefs() ([]setRef, bool) {
	return sp.refs, sp.simpleOK
}

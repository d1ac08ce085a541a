package crmsh

import (
	"strconv"
	"strings"

	"pacer/crm/cib"
)

// Printing constraints and their resource sets.

// refOK reports whether id can be written as a resource reference;
// otherwise the constraint's `$`-words carry it.
func refOK(id string) bool {
	return id != "" && id != "_rsc_set_" && !strings.ContainsRune(id, ':')
}

// refWord is `<rsc>[:<qualifier>]`.
func refWord(id, qual string, valid []string) string {
	w := quoteWord(id)
	if qual != "" && oneOf(qual, valid) {
		w += ":" + qual
	}
	return w
}

func (pr *printer) constraint(c *cib.Constraint) (*stmt, error) {
	kw := constraintKeyword(c.Kind)
	obj := kw + " " + strconv.Quote(c.ID)
	if c.ID == "" {
		return nil, &printError{object: kw, msg: "a constraint without an id has no crm syntax"}
	}
	if len(c.Lifetime) > 0 {
		return nil, &printError{object: obj, msg: "lifetime rules have no crm syntax"}
	}
	if c.Kind != cib.KindLocation && len(c.Rules) > 0 {
		return nil, &printError{object: obj, msg: "only locations have rules"}
	}
	qual, valid := "role", roles
	if c.Kind == cib.KindOrder {
		qual, valid = "action", actions
	}
	build := func(force bool) (*stmt, int, error) {
		var sets []string
		if len(c.Sets) > 0 {
			w, err := pr.setWords(obj, c.Sets, qual, valid, force)
			if err != nil {
				return nil, 0, err
			}
			sets = w
		}
		head := append([]string{kw, quoteWord(c.ID)}, constraintWords(c, sets, valid)...)
		st := &stmt{}
		st.add(0, head...)
		for i := range c.Rules {
			w, err := pr.ruleWords(obj, &c.Rules[i])
			if err != nil {
				return nil, 0, err
			}
			st.add(1, w...)
		}
		return st, len(head), nil
	}
	reparse := func(st *stmt) (*cib.Constraint, bool) {
		o, ok := reparseStatement(st.words())
		got, isC := o.(*ConstraintObject)
		if !ok || !isC {
			return nil, false
		}
		return got.Constraint, sameSets(got.Constraint.Sets, c.Sets)
	}
	var st *stmt
	var slot int
	var got *cib.Constraint
	for _, force := range []bool{false, true} {
		var err error
		st, slot, err = build(force)
		if err != nil {
			return nil, err
		}
		g, ok := reparse(st)
		if !ok && g != nil && len(g.Sets) == 0 && len(c.Sets) > 0 && c.Kind != cib.KindLocation {
			// The sets read as the simple form: mark them as sets, as
			// crmsh does.
			st.lines[0] = insert(st.lines[0], setsStart(st.lines[0]), "_rsc_set_")
			slot++
			g, ok = reparse(st)
		}
		if ok {
			got = g
			break
		}
	}
	if got == nil {
		return nil, &printError{object: obj, msg: "cannot print the resource sets"}
	}
	fix := patchAttrs(cib.ConstraintFields(c.Kind), got, c, withoutID(got.Extra), c.Extra)
	st.lines[0] = insert(st.lines[0], slot, fix...)
	return st, nil
}

// constraintWords is a constraint's head after its id, in crmsh's words:
//
//	location:   <rsc> [role=..] [resource-discovery=..] [<score>: <node>]
//	colocation: [<score>:] <rsc>[:<role>] <with-rsc>[:<role>] [node-attribute=..]
//	order:      [<kind>:] <first>[:<action>] <then>[:<action>] [symmetrical=..]
//	rsc_ticket: <ticket>: <rsc>[:<role>] [loss-policy=..]
//
// with the printed resource sets, if any, in place of the resources.
func constraintWords(c *cib.Constraint, sets []string, valid []string) []string {
	var w []string
	if c.Kind == cib.KindLocation {
		switch {
		case len(c.Sets) > 0:
			w = append(append(append(w, "{"), sets...), "}")
		case c.Rsc != "":
			w = append(w, quoteWord(c.Rsc))
		case c.RscPattern != "":
			w = append(w, quoteWord("/"+c.RscPattern+"/"))
		default:
			w = append(w, `""`)
		}
		if c.Role != "" {
			w = append(w, nv("role", c.Role))
		}
		if c.ResourceDiscovery != "" {
			w = append(w, nv("resource-discovery", c.ResourceDiscovery))
		}
		if c.Node != "" {
			s, ok := scoreWord(c.Score)
			if !ok {
				s = "0" // the $-words give the real score
			}
			w = append(w, s+":", quoteWord(c.Node))
		}
		return w
	}
	var refs, tail []string
	switch c.Kind {
	case cib.KindColocation:
		if s, ok := scoreWord(c.Score); ok && c.Score != "" {
			w = append(w, s+":")
		}
		if refOK(c.Rsc) && refOK(c.WithRsc) {
			refs = []string{refWord(c.Rsc, c.RscRole, valid), refWord(c.WithRsc, c.WithRscRole, valid)}
		}
		if c.NodeAttribute != "" {
			tail = append(tail, nv("node-attribute", c.NodeAttribute))
		}
		if c.Influence != "" {
			tail = append(tail, nv("influence", c.Influence))
		}
	case cib.KindOrder:
		if oneOf(c.OrderKind, []string{"Mandatory", "Optional", "Serialize"}) {
			w = append(w, c.OrderKind+":")
		}
		if refOK(c.First) && refOK(c.Then) {
			refs = []string{refWord(c.First, c.FirstAction, valid), refWord(c.Then, c.ThenAction, valid)}
		}
		if c.Symmetrical != "" {
			tail = append(tail, nv("symmetrical", c.Symmetrical))
		}
		if c.RequireAll != "" {
			tail = append(tail, nv("require-all", c.RequireAll))
		}
	case cib.KindTicket:
		t := "ticket:" // the $-words give the real ticket
		if _, ok := scoreTok(token{text: c.Ticket + ":"}); ok {
			t = quoteWord(c.Ticket) + ":"
		}
		w = append(w, t)
		if refOK(c.Rsc) {
			refs = []string{refWord(c.Rsc, c.RscRole, valid)}
		}
		if c.LossPolicy != "" {
			tail = append(tail, nv("loss-policy", c.LossPolicy))
		}
	}
	if len(c.Sets) > 0 {
		refs = sets
	}
	return append(append(w, refs...), tail...)
}

// setsStart is where the resources start in a colocation, order or
// ticket head: after the keyword, the id and the score, kind or ticket.
func setsStart(head []string) int {
	at := 2
	if at < len(head) {
		if _, ok := scoreTok(token{text: strings.Trim(head[at], `"`)}); ok {
			at++
		}
	}
	return at
}

// sameSets compares resource sets apart from ids (ids.go owns those).
func sameSets(a, b []cib.ResourceSet) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.IDRef != y.IDRef || x.Sequential != y.Sequential || x.RequireAll != y.RequireAll ||
			x.Ordering != y.Ordering || x.Action != y.Action || x.Role != y.Role || x.Score != y.Score ||
			x.Kind != y.Kind || !sameAttrs(withoutID(x.Extra), withoutID(y.Extra)) || len(x.Resources) != len(y.Resources) {
			return false
		}
		for j := range x.Resources {
			if x.Resources[j] != y.Resources[j] {
				return false
			}
		}
	}
	return true
}

// setWords prints resource sets: plain words where crmsh's grammar says it
// all, brackets with attribute words where it does not.
func (pr *printer) setWords(obj string, sets []cib.ResourceSet, qual string, valid []string, force bool) ([]string, error) {
	var words []string
	prevPlain, prevQual := false, ""
	for i := range sets {
		s := &sets[i]
		q, other := s.Role, s.Action
		if qual == "action" {
			q, other = s.Action, s.Role
		}
		refsOK := true
		for _, r := range s.Resources {
			if strings.ContainsRune(r, ':') || r == "" || r == "_rsc_set_" || strings.ContainsRune(r, '=') {
				refsOK = false
			}
		}
		plain := !force && s.Sequential == "" && s.RequireAll == "" && s.Ordering == "" && s.Score == "" &&
			s.Kind == "" && s.IDRef == "" && len(s.Extra) == 0 && pr.ids.elide[&s.ID] && len(s.Resources) > 0 &&
			other == "" && (q == "" || oneOf(q, valid)) && refsOK && !(prevPlain && strings.EqualFold(prevQual, q))
		if plain {
			for _, r := range s.Resources {
				words = append(words, refWord(r, q, valid))
			}
			prevPlain, prevQual = true, q
			continue
		}
		prevPlain = false
		open, close := "(", ")"
		if s.RequireAll == "false" {
			open, close = "[", "]"
		}
		body := []string{open}
		for _, r := range s.Resources {
			if strings.ContainsRune(r, ':') {
				return nil, &printError{object: obj, msg: "resource reference " + strconv.Quote(r) + " has no crm syntax"}
			}
			body = append(body, refWord(r, q, valid))
		}
		if w, ok := pr.idWord(&s.ID); ok {
			body = append(body, w)
		}
		p := &parser{lenient: true}
		sp := newSetParser(p, qual)
		rp, ok := reparser(append(append([]string{}, body...), close))
		if !ok {
			return nil, &printError{object: obj, msg: "cannot print a resource set"}
		}
		for _, t := range rp.toks {
			sp.piece(t)
		}
		got := sp.finish()
		if p.err != nil || len(got) != 1 {
			return nil, &printError{object: obj, msg: "cannot print a resource set"}
		}
		body = append(body, patchAttrs(cib.ResourceSetFields, &got[0], s, withoutID(got[0].Extra), s.Extra)...)
		if len(body) == 1 {
			// An empty set reads only with a word inside; restate what
			// the bracket implies.
			body = append(body, "$sequential="+quoteValue(s.Sequential))
		}
		words = append(words, append(body, close)...)
	}
	return words, nil
}

package crmsh

import (
	"strconv"
	"strings"

	"pacer/crm/cib"
)

func (pr *printer) node(n *cib.Node) (*stmt, error) {
	obj := "node " + strconv.Quote(n.Uname)
	head := []string{"node"}
	if w, ok := pr.idWord(&n.ID); ok {
		if n.ID != "" && noQuotes(n.ID) {
			w = n.ID + ":"
		}
		head = append(head, w)
	}
	u := n.Uname
	if n.Type != "" {
		u += ":" + n.Type
	}
	head = append(head, quoteWord(u))
	slot := len(head)
	st := &stmt{}
	st.add(0, head...)
	if n.Description != "" {
		st.add(1, nv("description", n.Description))
	}
	for i := range n.Attributes {
		w, err := pr.nvsetWords(obj, "attributes", &n.Attributes[i], nodeKeywords)
		if err != nil {
			return nil, err
		}
		st.add(1, w...)
	}
	for i := range n.Utilization {
		w, err := pr.nvsetWords(obj, "utilization", &n.Utilization[i], nodeKeywords)
		if err != nil {
			return nil, err
		}
		st.add(1, w...)
	}
	o, ok := reparseStatement(st.words())
	got, isNode := o.(*NodeObject)
	if !ok || !isNode {
		return nil, &printError{object: obj, msg: "cannot print node"}
	}
	fix := patchAttrs(nodeFields, &got.Node, n, withoutID(got.Node.Extra), n.Extra)
	st.lines[0] = insert(st.lines[0], slot, fix...)
	return st, nil
}

// agentWord is the agent as crmsh writes it: ocf:heartbeat:X as X.
func agentWord(r *cib.Resource) string {
	switch {
	case r.Template != "" && r.Kind == cib.KindPrimitive:
		return "@" + quoteWord(r.Template)
	case r.Class == "ocf" && r.Provider == "heartbeat" && r.Type != "":
		return quoteWord(r.Type)
	case r.Provider != "":
		return quoteWord(r.Class + ":" + r.Provider + ":" + r.Type)
	case r.Class != "":
		return quoteWord(r.Class + ":" + r.Type)
	}
	return quoteWord(r.Type)
}

func (pr *printer) resource(o *ResourceObject) (*stmt, error) {
	r := o.Resource
	kw := resourceKeyword(r.Kind)
	obj := kw + " " + strconv.Quote(r.ID)
	head := []string{kw, quoteWord(r.ID)}
	switch r.Kind {
	case cib.KindPrimitive, cib.KindTemplate:
		head = append(head, agentWord(r))
	case cib.KindGroup:
		if len(o.ChildIDs) == 0 {
			return nil, &printError{object: obj, msg: "a group without members has no crm syntax"}
		}
		for _, c := range o.ChildIDs {
			head = append(head, quoteWord(c))
		}
	case cib.KindClone, cib.KindMaster:
		if len(o.ChildIDs) != 1 {
			return nil, &printError{object: obj, msg: "a clone holds exactly one resource in crm syntax"}
		}
		head = append(head, quoteWord(o.ChildIDs[0]))
	case cib.KindBundle:
	default:
		return nil, &printError{object: obj, msg: "unknown resource kind " + strconv.Quote(string(r.Kind))}
	}
	slot := len(head)
	st := &stmt{}
	st.add(0, head...)
	if r.Description != "" {
		st.add(1, nv("description", r.Description))
	}
	stop := primitiveKeywords
	if r.Kind == cib.KindBundle {
		stop = bundleKeywords
		if err := pr.bundleLines(obj, st, o); err != nil {
			return nil, err
		}
	}
	for _, part := range []struct {
		kw   string
		sets []cib.NVSet
	}{{"params", r.Instance}, {"meta", r.Meta}, {"utilization", r.Utilization}} {
		for i := range part.sets {
			w, err := pr.nvsetWords(obj, part.kw, &part.sets[i], stop)
			if err != nil {
				return nil, err
			}
			st.add(1, w...)
		}
	}
	agent := r.Kind == cib.KindPrimitive || r.Kind == cib.KindTemplate
	if !agent && (len(r.Ops) > 0 || r.OpsID != "" || r.OpsIDRef != "" || r.HasOps) {
		return nil, &printError{object: obj, msg: "operations belong to primitives"}
	}
	if r.OpsID != "" || r.OpsIDRef != "" || (r.HasOps && len(r.Ops) == 0) {
		w := []string{"operations"}
		if r.OpsID != "" {
			w = append(w, "$id="+quoteValue(r.OpsID))
		}
		if r.OpsIDRef != "" {
			w = append(w, "$id-ref="+quoteValue(r.OpsIDRef))
		}
		st.add(1, w...)
	}
	for i := range r.Ops {
		lines, err := pr.opLines(obj, &r.Ops[i])
		if err != nil {
			return nil, err
		}
		for _, l := range lines {
			st.add(1, l...)
		}
	}
	po, ok := reparseStatement(st.words())
	got, isRsc := po.(*ResourceObject)
	if !ok || !isRsc {
		return nil, &printError{object: obj, msg: "cannot print resource"}
	}
	fix := patchAttrs(resourceFields(r.Kind), got.Resource, r, withoutID(got.Resource.Extra), r.Extra)
	st.lines[0] = insert(st.lines[0], slot, fix...)
	return st, nil
}

// opLines prints an op and its op_params and op_meta sets.
func (pr *printer) opLines(obj string, op *cib.Op) ([][]string, error) {
	w := []string{"op", quoteWord(op.Name)}
	if !pr.ids.elide[&op.ID] {
		switch {
		case pr.ids.none[&op.ID]:
			w = append(w, "$-id")
		case op.ID != "":
			w = append(w, nv("id", op.ID))
		}
	}
	for _, fl := range opFields[2:] {
		if v := *fl.ptr(op); v != "" {
			w = append(w, nv(fl.name, v))
		}
	}
	lines := [][]string{w}
	for i := range op.Instance {
		sw, err := pr.nvsetWords(obj, "op_params", &op.Instance[i], primitiveKeywords)
		if err != nil {
			return nil, err
		}
		lines = append(lines, sw)
	}
	for i := range op.Meta {
		sw, err := pr.nvsetWords(obj, "op_meta", &op.Meta[i], primitiveKeywords)
		if err != nil {
			return nil, err
		}
		lines = append(lines, sw)
	}
	var all []string
	for _, l := range lines {
		all = append(all, l...)
	}
	p, ok := reparser(all[1:])
	if !ok {
		return nil, &printError{object: obj, msg: "cannot print op " + op.Name}
	}
	got := p.op(token{})
	if p.err != nil || !p.atEnd() || len(got.Instance) != len(op.Instance) || len(got.Meta) != len(op.Meta) {
		return nil, &printError{object: obj, msg: "cannot print op " + op.Name}
	}
	lines[0] = append(lines[0], patchAttrs(opFields, &got, op, withoutID(got.Extra), op.Extra)...)
	return lines, nil
}

// bundleLines prints a bundle's container, network, storage and
// primitive the way crmsh 4 does, one attribute per line under the
// container and one mapping per line.
func (pr *printer) bundleLines(obj string, st *stmt, o *ResourceObject) error {
	b := o.Resource.Bundle
	attrWords := func(attrs []cib.Attr) ([]string, error) {
		var out []string
		for _, a := range attrs {
			if a.Name == "" || strings.ContainsRune(a.Name, '=') {
				return nil, &printError{object: obj, msg: "bundle attribute " + strconv.Quote(a.Name) + " has no crm syntax"}
			}
			out = append(out, nv(a.Name, a.Value))
		}
		return out, nil
	}
	mapping := func(kw string, id *string, attrs []cib.Attr) ([]string, error) {
		w := []string{kw}
		if !pr.ids.elide[id] && (*id != "" || pr.ids.none[id]) {
			w = append(w, nv("id", *id))
		}
		for _, a := range attrs {
			if a.Name == "id" {
				return nil, &printError{object: obj, msg: kw + " with two ids"}
			}
		}
		aw, err := attrWords(attrs)
		return append(w, aw...), err
	}
	if b != nil {
		if b.Runtime != "" {
			if !oneOf(b.Runtime, []string{"docker", "podman", "rkt"}) || b.Runtime != strings.ToLower(b.Runtime) {
				return &printError{object: obj, msg: "container runtime " + strconv.Quote(b.Runtime) + " has no crm syntax"}
			}
			aw, err := attrWords(b.RuntimeAttrs)
			if err != nil {
				return err
			}
			if len(aw) == 0 {
				st.add(1, b.Runtime)
			} else {
				st.add(1, b.Runtime, aw[0])
				for _, w := range aw[1:] {
					st.add(2, w)
				}
			}
		} else if len(b.RuntimeAttrs) > 0 {
			return &printError{object: obj, msg: "container attributes without a runtime"}
		}
		if b.Network != nil {
			aw, err := attrWords(b.Network.Attrs)
			if err != nil {
				return err
			}
			st.add(1, append([]string{"network"}, aw...)...)
			for i := range b.Network.PortMappings {
				m := &b.Network.PortMappings[i]
				w, err := mapping("port-mapping", &m.ID, m.Attrs)
				if err != nil {
					return err
				}
				st.add(2, w...)
			}
		}
		if b.HasStorage || b.StorageID != "" || len(b.Storage) > 0 {
			w := []string{"storage"}
			if b.StorageID != "" {
				w = append(w, "$id="+quoteValue(b.StorageID))
			}
			st.add(1, w...)
			for i := range b.Storage {
				m := &b.Storage[i]
				w, err := mapping("storage-mapping", &m.ID, m.Attrs)
				if err != nil {
					return err
				}
				st.add(2, w...)
			}
		}
	}
	switch len(o.ChildIDs) {
	case 0:
	case 1:
		st.add(1, "primitive", quoteWord(o.ChildIDs[0]))
	default:
		return &printError{object: obj, msg: "a bundle holds one primitive"}
	}
	return nil
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
		head := []string{kw, quoteWord(c.ID)}
		var setWords []string
		if len(c.Sets) > 0 {
			w, err := pr.setWords(obj, c.Sets, qual, valid, force)
			if err != nil {
				return nil, 0, err
			}
			setWords = w
		}
		var tail []string
		switch c.Kind {
		case cib.KindLocation:
			switch {
			case len(c.Sets) > 0:
				head = append(head, "{")
				head = append(head, setWords...)
				head = append(head, "}")
			case c.Rsc != "":
				head = append(head, quoteWord(c.Rsc))
			case c.RscPattern != "":
				head = append(head, quoteWord("/"+c.RscPattern+"/"))
			default:
				head = append(head, `""`)
			}
			if c.Role != "" {
				head = append(head, nv("role", c.Role))
			}
			if c.ResourceDiscovery != "" {
				head = append(head, nv("resource-discovery", c.ResourceDiscovery))
			}
			if c.Node != "" {
				w, ok := scoreWord(c.Score)
				if !ok {
					w = "0"
				}
				head = append(head, w+":", quoteWord(c.Node))
			}
		default:
			switch c.Kind {
			case cib.KindColocation:
				if w, ok := scoreWord(c.Score); ok && c.Score != "" {
					head = append(head, w+":")
				}
				if len(c.Sets) == 0 {
					tail = append(tail, refWord(c.Rsc, c.RscRole, valid), refWord(c.WithRsc, c.WithRscRole, valid))
				}
				if c.NodeAttribute != "" {
					tail = append(tail, nv("node-attribute", c.NodeAttribute))
				}
				if c.Influence != "" {
					tail = append(tail, nv("influence", c.Influence))
				}
			case cib.KindOrder:
				if oneOf(c.OrderKind, []string{"Mandatory", "Optional", "Serialize"}) {
					head = append(head, c.OrderKind+":")
				}
				if len(c.Sets) == 0 {
					tail = append(tail, refWord(c.First, c.FirstAction, valid), refWord(c.Then, c.ThenAction, valid))
				}
				if c.Symmetrical != "" {
					tail = append(tail, nv("symmetrical", c.Symmetrical))
				}
				if c.RequireAll != "" {
					tail = append(tail, nv("require-all", c.RequireAll))
				}
			case cib.KindTicket:
				t := "ticket:"
				if _, ok := scoreTok(token{text: c.Ticket + ":"}); ok {
					t = quoteWord(c.Ticket) + ":"
				}
				head = append(head, t)
				if len(c.Sets) == 0 {
					tail = append(tail, refWord(c.Rsc, c.RscRole, valid))
				}
				if c.LossPolicy != "" {
					tail = append(tail, nv("loss-policy", c.LossPolicy))
				}
			}
			head = append(head, setWords...)
			head = append(head, tail...)
		}
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
	fix := patchAttrs(constraintFields(c.Kind), got, c, withoutID(got.Extra), c.Extra)
	st.lines[0] = insert(st.lines[0], slot, fix...)
	return st, nil
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
		body = append(body, patchAttrs(resourceSetFields, &got[0], s, withoutID(got[0].Extra), s.Extra)...)
		if len(body) == 1 {
			// An empty set reads only with a word inside; restate what
			// the bracket implies.
			body = append(body, "$sequential="+quoteValue(s.Sequential))
		}
		words = append(words, append(body, close)...)
	}
	return words, nil
}

func (pr *printer) setObject(o *SetObject) (*stmt, error) {
	st := &stmt{}
	kw := string(o.Section)
	if o.Set == nil {
		if o.Section == SectionProperty {
			return nil, &printError{object: kw, msg: "an empty property statement has no crm syntax"}
		}
		st.add(0, kw)
		return st, nil
	}
	s := o.Set
	obj := kw + " " + strconv.Quote(s.ID)
	head := []string{kw}
	switch {
	case s.ID != "" && noQuotes(s.ID):
		head = append(head, s.ID+":")
	case s.ID != "":
		head = append(head, "$id="+quoteValue(s.ID))
	case s.IDRef == "" && !hasAttr(s.Extra, "id"):
		head = append(head, "$-id")
	}
	if s.IDRef != "" {
		head = append(head, "$id-ref="+quoteValue(s.IDRef))
	}
	slot := len(head)
	st.add(0, head...)
	if s.Score != "" {
		if _, ok := scoreTok(token{text: s.Score + ":"}); ok {
			st.lines[0] = append(st.lines[0], s.Score+":")
		}
	}
	if s.Rule != nil {
		w, err := pr.ruleWords(obj, s.Rule)
		if err != nil {
			return nil, err
		}
		st.add(1, w...)
	}
	for i := range s.Pairs {
		w, err := pr.pairWord(obj, &s.Pairs[i], i == 0 && s.Rule != nil, nil)
		if err != nil {
			return nil, err
		}
		st.add(1, w)
	}
	po, ok := reparseStatement(st.words())
	got, isSet := po.(*SetObject)
	if !ok || !isSet || got.Set == nil || len(got.Set.Pairs) != len(s.Pairs) {
		return nil, &printError{object: obj, msg: "cannot print the set"}
	}
	fix := patchAttrs(nvsetFields, got.Set, s, withoutID(got.Set.Extra), s.Extra)
	st.lines[0] = insert(st.lines[0], slot, fix...)
	return st, nil
}

func (pr *printer) fencing(o *FencingObject) (*stmt, error) {
	st := &stmt{}
	st.add(0, "fencing_topology")
	if len(o.Levels) == 0 {
		return st, nil
	}
	words := []string{"fencing_topology"}
	type key struct{ kind, a, b string }
	var cur *key
	for i := range o.Levels {
		l := &o.Levels[i]
		obj := "fencing_topology"
		var k key
		var kw string
		switch {
		case l.TargetPattern != "":
			k, kw = key{"pattern", l.TargetPattern, ""}, quoteWord("pattern:"+l.TargetPattern)
		case l.TargetAttribute != "":
			k, kw = key{"attr", l.TargetAttribute, l.TargetValue}, "attr:"+quoteLight(l.TargetAttribute)+"="+quoteLight(l.TargetValue)
		case l.Target != "" && !strings.HasSuffix(l.Target, ":"):
			k, kw = key{"node", l.Target, ""}, quoteWord(l.Target)+":"
		case cur != nil:
			k = *cur
		default:
			k, kw = key{"node", "-", ""}, "-:"
		}
		if cur == nil || k != *cur {
			if kw == "" {
				kw = quoteWord(k.a) + ":"
			}
			words = append(words, kw)
			st.add(1, kw)
			cur = &k
		}
		var lw []string
		if w, ok := pr.idWord(&l.ID); ok {
			lw = append(lw, w)
		}
		dev := quoteWord(l.Devices)
		if strings.HasSuffix(l.Devices, ":") || strings.HasPrefix(l.Devices, "$") ||
			hasPrefixFold(l.Devices, "attr:") || hasPrefixFold(l.Devices, "pattern:") {
			dev = `""`
		}
		po, ok := reparseStatement(append(append(append([]string{}, words...), lw...), dev))
		got, isF := po.(*FencingObject)
		if !ok || !isF || len(got.Levels) != i+1 {
			return nil, &printError{object: obj, msg: "cannot print fencing level " + l.ID}
		}
		g := got.Levels[i]
		lw = append(lw, patchAttrs(fencingLevelFields, &g, l, withoutID(g.Extra), l.Extra)...)
		lw = append(lw, dev)
		words = append(words, lw...)
		last := len(st.lines) - 1
		st.lines[last] = append(st.lines[last], lw...)
	}
	return st, nil
}

func (pr *printer) tag(o *TagObject) (*stmt, error) {
	st := &stmt{}
	if o.Tag == nil {
		st.add(0, "tag")
		return st, nil
	}
	t := o.Tag
	if t.ID == "" || strings.HasSuffix(t.ID, ":") {
		return nil, &printError{object: "tag " + strconv.Quote(t.ID), msg: "this tag name has no crm syntax"}
	}
	w := []string{"tag", quoteWord(t.ID)}
	for _, r := range t.Refs {
		if strings.ContainsRune(r, '=') {
			return nil, &printError{object: "tag " + strconv.Quote(t.ID), msg: "reference " + strconv.Quote(r) + " has no crm syntax"}
		}
		w = append(w, quoteWord(r))
	}
	st.add(0, w...)
	return st, nil
}

func (pr *printer) alert(o *AlertObject) (*stmt, error) {
	st := &stmt{}
	if o.Alert == nil {
		st.add(0, "alert")
		return st, nil
	}
	a := o.Alert
	obj := "alert " + strconv.Quote(a.ID)
	head := []string{"alert", quoteWord(a.ID), quoteValue(a.Path)}
	slot := len(head)
	st.add(0, head...)
	if a.Description != "" {
		st.add(1, nv("description", a.Description))
	}
	for i := range a.Instance {
		w, err := pr.nvsetWords(obj, "attributes", &a.Instance[i], alertKeywords)
		if err != nil {
			return nil, err
		}
		st.add(1, w...)
	}
	for i := range a.Meta {
		w, err := pr.nvsetWords(obj, "meta", &a.Meta[i], alertKeywords)
		if err != nil {
			return nil, err
		}
		st.add(1, w...)
	}
	if a.Select != nil {
		w, err := pr.selectWords(obj, a.Select)
		if err != nil {
			return nil, err
		}
		st.add(1, w...)
	}
	for i := range a.Recipients {
		w, err := pr.recipientWords(obj, &a.Recipients[i])
		if err != nil {
			return nil, err
		}
		st.add(1, w...)
	}
	po, ok := reparseStatement(st.words())
	got, isA := po.(*AlertObject)
	if !ok || !isA || got.Alert == nil || len(got.Alert.Recipients) != len(a.Recipients) {
		return nil, &printError{object: obj, msg: "cannot print alert"}
	}
	if (got.Alert.Select == nil) != (a.Select == nil) || a.Select != nil && !sameSelect(got.Alert.Select, a.Select) {
		return nil, &printError{object: obj, msg: "this alert select has no crm syntax"}
	}
	fix := patchAttrs(alertFields, got.Alert, a, withoutID(got.Alert.Extra), a.Extra)
	st.lines[0] = insert(st.lines[0], slot, fix...)
	return st, nil
}

func (pr *printer) recipientWords(obj string, rc *cib.Recipient) ([]string, error) {
	w := []string{"to", quoteValue(rc.Value)}
	if id, ok := pr.idWord(&rc.ID); ok {
		w = append(w, id)
	}
	slot := len(w)
	if rc.Description != "" {
		w = append(w, nv("description", rc.Description))
	}
	stop := []string{"attributes", "meta", "to", "select", "}"}
	for i := range rc.Instance {
		sw, err := pr.nvsetWords(obj, "attributes", &rc.Instance[i], stop)
		if err != nil {
			return nil, err
		}
		w = append(w, sw...)
	}
	for i := range rc.Meta {
		sw, err := pr.nvsetWords(obj, "meta", &rc.Meta[i], stop)
		if err != nil {
			return nil, err
		}
		w = append(w, sw...)
	}
	p, ok := reparser(w[1:])
	if !ok {
		return nil, &printError{object: obj, msg: "cannot print recipient " + rc.ID}
	}
	got := p.recipient()
	if p.err != nil || !p.atEnd() {
		return nil, &printError{object: obj, msg: "cannot print recipient " + rc.ID}
	}
	return insert(w, slot, patchAttrs(recipientFields, &got, rc, withoutID(got.Extra), rc.Extra)...), nil
}

// selectWords prints an alert's <select> as crmsh does:
// select nodes fencing resources attributes { <name> ... }.
func (pr *printer) selectWords(obj string, sel *cib.Element) ([]string, error) {
	bad := &printError{object: obj, msg: "this alert select has no crm syntax"}
	if sel.Name != "select" || len(sel.Attrs) > 0 || sel.Text != "" {
		return nil, bad
	}
	w := []string{"select"}
	for i := range sel.Children {
		c := &sel.Children[i]
		if len(c.Attrs) > 0 || c.Text != "" {
			return nil, bad
		}
		switch c.Name {
		case "select_nodes", "select_fencing", "select_resources":
			if len(c.Children) > 0 {
				return nil, bad
			}
			w = append(w, strings.TrimPrefix(c.Name, "select_"))
		case "select_attributes":
			w = append(w, "attributes", "{")
			for j := range c.Children {
				at := &c.Children[j]
				if at.Name != "attribute" || len(at.Attrs) != 2 || at.Attrs[0].Name != "id" || at.Attrs[1].Name != "name" ||
					len(at.Children) > 0 || at.Text != "" || at.Attrs[0].Value == "" {
					return nil, bad
				}
				if !pr.ids.elide[&at.Attrs[0].Value] {
					w = append(w, "$id="+quoteValue(at.Attrs[0].Value))
				}
				w = append(w, quoteWord(at.Attrs[1].Value))
			}
			w = append(w, "}")
		default:
			return nil, bad
		}
	}
	return w, nil
}

// sameSelect compares a reread select with the model's, ids aside.
func sameSelect(a, b *cib.Element) bool {
	if a.Name != b.Name || len(a.Children) != len(b.Children) {
		return false
	}
	for i := range a.Children {
		x, y := &a.Children[i], &b.Children[i]
		if x.Name != y.Name || len(x.Children) != len(y.Children) {
			return false
		}
		for j := range x.Children {
			if len(x.Children[j].Attrs) != 2 || len(y.Children[j].Attrs) != 2 ||
				x.Children[j].Attrs[1] != y.Children[j].Attrs[1] {
				return false
			}
		}
	}
	return true
}

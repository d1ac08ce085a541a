package crmsh

import (
	"strconv"
	"strings"

	"pacer/crm/cib"
)

// Printing property sets, fencing_topology, tags and alerts.

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
	case s.IDRef == "":
		// No id: say so, which also keeps the statement from reading as
		// a bare (empty section) one.
		head = append(head, "$-id")
	}
	if s.IDRef != "" {
		head = append(head, "$id-ref="+quoteValue(s.IDRef))
	}
	slot := len(head)
	st.add(0, head...)
	if s.Score != "" {
		if _, ok := scoreTok(token{text: s.Score + ":"}); ok {
			st.lines[0] = append(st.lines[0], quoteLight(s.Score+":"))
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
	fix := patchAttrs(cib.NVSetFields, got.Set, s, withoutID(got.Set.Extra), s.Extra)
	st.lines[0] = insert(st.lines[0], slot, fix...)
	return st, nil
}

func (pr *printer) fencing(o *FencingObject) (*stmt, error) {
	st := &stmt{}
	st.add(0, "fencing_topology")
	if len(o.Levels) == 0 {
		return st, nil
	}
	// The parser's state, followed level by level: the current target
	// and each target's next index.
	var cur *levelKey
	next := map[levelKey]int{}
	for i := range o.Levels {
		l := &o.Levels[i]
		var kw string
		switch {
		case l.TargetPattern != "":
			kw = quoteWord("pattern:" + l.TargetPattern)
		case l.TargetAttribute != "":
			kw = "attr:" + quoteLight(l.TargetAttribute) + "=" + quoteLight(l.TargetValue)
		case l.Target != "" && !strings.HasSuffix(l.Target, ":"):
			kw = quoteWord(l.Target) + ":"
		case cur == nil:
			kw = "-:" // a level with no target at all: the $-words say so
		}
		if kw != "" {
			k, ok := targetKey(wordToken(kw))
			if !ok {
				return nil, &printError{object: "fencing_topology", msg: "cannot print the target of level " + l.ID}
			}
			if cur == nil || k != *cur {
				st.add(1, kw)
				cur = &k
			}
		}
		var lw []string
		if w, ok := pr.idWord(&l.ID); ok {
			lw = append(lw, w)
		}
		dev := quoteWord(l.Devices)
		if _, isTarget := targetKey(wordToken(dev)); isTarget || strings.HasPrefix(l.Devices, "$") {
			dev = `""`
		}
		n := next[*cur]
		if n == 0 {
			n = 1
		}
		got := newLevel(*cur, n, wordToken(dev).text)
		lw = append(lw, patchAttrs(cib.FencingLevelFields, &got, l, withoutID(got.Extra), l.Extra)...)
		lw = append(lw, dev)
		next[*cur] = nextIndex(l.Index, n)
		last := len(st.lines) - 1
		st.lines[last] = append(st.lines[last], lw...)
	}
	return st, nil
}

// wordToken reads one printed word back as the lexer would.
func wordToken(w string) token {
	toks, err := tokenize(line{text: []byte(w)})
	if err != nil || len(toks) != 1 {
		return token{text: w}
	}
	return toks[0]
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
	if a.ID == "" {
		return nil, &printError{object: "alert", msg: "an alert without an id has no crm syntax"}
	}
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
	fix := patchAttrs(cib.AlertFields, got.Alert, a, withoutID(got.Alert.Extra), a.Extra)
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
	return insert(w, slot, patchAttrs(cib.RecipientFields, &got, rc, withoutID(got.Extra), rc.Extra)...), nil
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

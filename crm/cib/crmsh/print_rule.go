package crmsh

import (
	"strings"

	"pacer/crm/cib"
)

// nvsetWords prints an attribute set after its keyword (kw):
//
//	params [$id=<id>] [<score>:] [rule ...] name=value ...
//
// stop are the keywords of the enclosing statement.
func (pr *printer) nvsetWords(obj, kw string, s *cib.NVSet, stop []string) ([]string, error) {
	head := []string{kw}
	if w, ok := pr.idWord(&s.ID); ok {
		head = append(head, w)
	}
	if s.IDRef != "" {
		head = append(head, "$id-ref="+quoteValue(s.IDRef))
	}
	slot := len(head)
	var body []string
	if s.Score != "" {
		if _, ok := scoreTok(token{text: s.Score + ":"}); ok {
			body = append(body, quoteLight(s.Score+":"))
		}
	}
	if s.Rule != nil {
		rw, err := pr.ruleWords(obj, s.Rule)
		if err != nil {
			return nil, err
		}
		body = append(body, rw...)
	}
	for i := range s.Pairs {
		w, err := pr.pairWord(obj, &s.Pairs[i], i == 0 && s.Rule != nil, stop)
		if err != nil {
			return nil, err
		}
		body = append(body, w)
	}
	words := append(head, body...)
	p, ok := reparser(words[1:])
	if !ok {
		return nil, &printError{object: obj, msg: "cannot print attribute set " + s.ID}
	}
	got := p.attrList(s.Kind, token{}, stop)
	if p.err != nil || !p.atEnd() || len(got.Pairs) != len(s.Pairs) || (got.Rule == nil) != (s.Rule == nil) {
		return nil, &printError{object: obj, msg: "cannot print attribute set " + s.ID}
	}
	fix := patchAttrs(cib.NVSetFields, &got, s, withoutID(got.Extra), s.Extra)
	return insert(words, slot, fix...), nil
}

// pairWord prints one nvpair, with crmsh's `$id:name=value` when its id
// is not the one the parser would make up, and `@ref:name` for a
// reference.
func (pr *printer) pairWord(obj string, p *cib.NVPair, afterRule bool, stop []string) (string, error) {
	val := ""
	if p.HasValue {
		val = "=" + quoteValue(p.Value)
	}
	bad := func(msg string) (string, error) {
		return "", &printError{object: obj, msg: "nvpair " + p.Name + ": " + msg}
	}
	if strings.ContainsRune(p.Name, '=') {
		return bad("a name with '=' has no crm syntax")
	}
	if p.IDRef != "" {
		if p.ID != "" {
			return bad("an nvpair with both id and id-ref has no crm syntax")
		}
		w := "@" + p.IDRef
		if p.Name != "" || p.HasValue {
			w += ":" + p.Name
		}
		return quoteName(w) + val, nil
	}
	// explicit: write `$id:name=value`, because the id is not the
	// generated one or because the plain form would read differently.
	explicit := !pr.ids.elide[&p.ID] || p.Name == "" || strings.HasPrefix(p.Name, "$") || strings.HasPrefix(p.Name, "@")
	if !p.HasValue && (strings.ContainsRune(p.Name, ':') || reserved[strings.ToLower(p.Name)] || isKw(token{text: p.Name, bare: true}, stop...)) {
		explicit = true
	}
	if afterRule && (!p.HasValue || oneOf(p.Name, dateSpecKeys) || oneOf(p.Name, []string{"start", "end", "interval"})) {
		// A date or op expression ending the rule would take this pair,
		// and a bare name could read as an expression.
		explicit = true
	}
	if explicit {
		if p.Name == "" {
			return bad("an nvpair without a name has no crm syntax")
		}
		id := p.ID
		if id == "" || strings.ContainsAny(id, "=: \t\r\n\v\f'\"\\") {
			// A quoted id ends at its quote: the word cannot read as
			// `$name=value`, and a ':' in the id is the id's.
			id = dquote(id)
		}
		return "$" + id + ":" + quoteName(p.Name) + val, nil
	}
	return quoteName(p.Name) + val, nil
}

// scoreWord is a score as crmsh writes it: INFINITY as inf.
func scoreWord(s string) (string, bool) {
	w := s
	switch s {
	case "INFINITY":
		w = "inf"
	case "+INFINITY":
		w = "+inf"
	case "-INFINITY":
		w = "-inf"
	}
	if v, k := interpretScore(w); k != scoreNumber || v != s {
		return "", false
	}
	return w, true
}

// ruleWords prints a rule:
//
//	rule [$id=<id>] [$role=<role>] [<score>:] <expr> [and|or <expr> ...]
func (pr *printer) ruleWords(obj string, r *cib.Rule) ([]string, error) {
	words := []string{"rule"}
	if w, ok := pr.idWord(&r.ID); ok {
		words = append(words, w)
	}
	if r.IDRef != "" {
		words = append(words, "$id-ref="+quoteValue(r.IDRef))
	}
	if r.Role != "" {
		words = append(words, "$role="+quoteValue(r.Role))
	}
	slot := len(words)
	if r.IDRef != "" {
		if len(r.Exprs) > 0 {
			return nil, &printError{object: obj, msg: "a rule with id-ref and expressions has no crm syntax"}
		}
	} else {
		var exprs [][]string
		prefixed := false
		for i := range r.Exprs {
			ew, pre, err := pr.exprWords(obj, &r.Exprs[i])
			if err != nil {
				return nil, err
			}
			if i == 0 && pre {
				prefixed = true
			}
			exprs = append(exprs, ew)
		}
		score := ""
		if v, k := interpretScore(r.ScoreAttribute); r.ScoreAttribute != "" && k == scoreAttribute && v == r.ScoreAttribute {
			if _, ok := scoreTok(token{text: r.ScoreAttribute + ":"}); ok {
				score = quoteLight(r.ScoreAttribute + ":")
			}
		} else if w, ok := scoreWord(r.Score); ok && (r.Score != "INFINITY" || prefixed) {
			score = w + ":"
		}
		if score == "" && prefixed {
			score = "inf:"
		}
		if score != "" {
			words = append(words, score)
		}
		join := "and"
		if strings.EqualFold(r.BooleanOp, "or") || strings.EqualFold(r.BooleanOp, "and") {
			join = r.BooleanOp
		}
		for i, ew := range exprs {
			if i > 0 {
				words = append(words, join)
			}
			words = append(words, ew...)
		}
	}
	p, ok := reparser(words[1:])
	if !ok {
		return nil, &printError{object: obj, msg: "cannot print rule " + r.ID}
	}
	got := p.rule(token{})
	if p.err != nil || !p.atEnd() || len(got.Exprs) != len(r.Exprs) {
		return nil, &printError{object: obj, msg: "cannot print rule " + r.ID}
	}
	fix := patchAttrs(cib.RuleFields, &got, r, withoutID(got.Extra), r.Extra)
	return insert(words, slot, fix...), nil
}

// exprWords prints one expression with its `$`-words in front; pre
// reports whether there are any (the rule then spells out its score so
// the words are not taken for the rule's own).
func (pr *printer) exprWords(obj string, x *cib.Expr) (words []string, pre bool, err error) {
	bad := &printError{object: obj, msg: "expression " + x.ID + ": no crm syntax for it"}
	if x.Kind == cib.ExprRule {
		if x.Rule == nil || x.ID != x.Rule.ID || len(x.Extra) > 0 {
			return nil, false, &printError{object: obj, msg: "nested rule " + x.ID + ": no crm syntax for it"}
		}
		rw, err := pr.ruleWords(obj, x.Rule)
		if err != nil {
			return nil, false, err
		}
		return append(append([]string{"("}, rw[1:]...), ")"), false, nil
	}
	fs := cib.ExprFields(x.Kind)
	if fs == nil {
		return nil, false, bad
	}
	var prefix []string
	if w, ok := pr.idWord(&x.ID); ok {
		prefix = append(prefix, w)
	}
	try := func(body []string) (*cib.Expr, bool) {
		p, ok := reparser(append(append([]string{}, prefix...), body...))
		if !ok {
			return nil, false
		}
		got := p.expr()
		if p.err != nil || !p.atEnd() || got.Kind != x.Kind {
			return nil, false
		}
		return &got, true
	}
	body, err := pr.exprBody(x)
	if err != nil {
		return nil, false, err
	}
	got, ok := try(body)
	if !ok {
		body = exprFallback(x)
		if got, ok = try(body); !ok {
			return nil, false, bad
		}
	}
	if !sameDateSpec(got.DateSpec, x.DateSpec) || !sameDateSpec(got.Duration, x.Duration) {
		return nil, false, bad
	}
	prefix = append(prefix, patchAttrs(fs, got, x, withoutID(got.Extra), x.Extra)...)
	return append(prefix, body...), len(prefix) > 0, nil
}

func sameDateSpec(a, b *cib.DateSpec) bool {
	if (a == nil) != (b == nil) {
		return false
	}
	return a == nil || sameAttrs(a.Attrs, b.Attrs)
}

// exprBody is an expression in crm words, before any patching.
func (pr *printer) exprBody(x *cib.Expr) ([]string, error) {
	switch x.Kind {
	case cib.ExprAttribute:
		if oneOf(x.Operation, unaryOps) && x.Value == "" && x.Type == "" && x.ValueSource == "" {
			a := quoteWord(x.Attribute)
			if isBinop(token{text: a, bare: true}) {
				a = dquote(a) // `defined eq` would read as a comparison
			}
			return []string{x.Operation, a}, nil
		}
		op := x.Operation
		if !oneOf(op, binaryOps) {
			op = "eq"
		}
		if x.Type != "" && oneOf(x.Type, exprTypes) {
			op = x.Type + ":" + op
		}
		val := x.Value
		if x.ValueSource != "" && !strings.ContainsAny(x.ValueSource, " \t\n{}") {
			val = x.ValueSource + "{" + val + "}"
		}
		return []string{quoteWord(x.Attribute), op, quoteLight(val)}, nil
	case cib.ExprDate:
		op := strings.ToLower(x.Operation)
		switch op {
		case "lt":
			return []string{"date", x.Operation, quoteValue(x.End)}, nil
		case "gt":
			return []string{"date", x.Operation, quoteValue(x.Start)}, nil
		case "in_range":
			w := []string{"date", x.Operation}
			if x.Operation == "in_range" {
				w[1] = "in"
			}
			if x.Start != "" {
				w = append(w, nv("start", x.Start))
			}
			if x.End != "" {
				w = append(w, nv("end", x.End))
			}
			w = append(w, pr.dateSpecWords(x.Duration)...)
			if len(w) == 2 {
				w = append(w, `start=""`)
			}
			return w, nil
		case "date_spec":
			w := []string{"date", x.Operation}
			if x.Operation == "date_spec" {
				w[1] = "spec"
			}
			return append(w, pr.dateSpecWords(x.DateSpec)...), nil
		}
		return exprFallback(x), nil
	case cib.ExprResource:
		return []string{"resource", quoteWord(x.Class + ":" + x.Provider + ":" + x.AgentType)}, nil
	case cib.ExprOp:
		w := []string{"op", quoteWord(x.Name)}
		if x.Interval != "" {
			w = append(w, nv("interval", x.Interval))
		}
		return w, nil
	}
	return nil, &printError{object: "expression " + x.ID, msg: "unknown kind"}
}

// exprFallback is a placeholder expression of x's kind for the patch
// words to fill in when x's own words would not read back.
func exprFallback(x *cib.Expr) []string {
	switch x.Kind {
	case cib.ExprDate:
		return []string{"date", "lt", `""`}
	case cib.ExprResource:
		return []string{"resource", "::"}
	case cib.ExprOp:
		return []string{"op", `""`}
	}
	return []string{`""`, "eq", `""`}
}

// dateSpecWords prints a date_spec or duration: its id if not generated,
// then its fields (pacer's `$name=value` for a name crmsh does not know).
func (pr *printer) dateSpecWords(d *cib.DateSpec) []string {
	if d == nil {
		return nil
	}
	var w []string
	if d.ID == "" || !pr.ids.elide[&d.ID] || len(d.Attrs) == 0 {
		w = append(w, "$id="+quoteValue(d.ID))
	}
	for _, a := range d.Attrs {
		if oneOf(a.Name, dateSpecKeys) {
			w = append(w, nv(a.Name, a.Value))
		} else {
			w = append(w, "$"+nv(a.Name, a.Value))
		}
	}
	return w
}

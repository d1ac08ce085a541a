package crmsh

import (
	"regexp"
	"strings"

	"pacer/crm/cib"
)

var (
	binaryOps = []string{"lt", "gt", "lte", "gte", "eq", "ne"}
	exprTypes = []string{"string", "integer", "number", "version"}
	unaryOps  = []string{"defined", "not_defined"}
	dateOps   = []string{"lt", "gt", "in_range", "in", "date_spec", "spec"}
	// dateSpecKeys are the attributes of <date_spec> and <duration>.
	dateSpecKeys = []string{"hours", "monthdays", "weekdays", "yeardays", "months", "weeks", "years", "weekyears", "moon", "minutes", "seconds"}
	// valueSourceRE is crmsh's `source{value}` form of expression values.
	valueSourceRE = regexp.MustCompile(`(?s)^([^\s{}]+)\{(.*)\}$`)
)

// binop splits `[type:]op`; ok is false if t is not an operator.
func binop(t token) (typ, op string, ok bool) {
	if !t.bare || t.eof {
		return "", "", false
	}
	typ, op, hasType := strings.Cut(t.text, ":")
	if !hasType {
		typ, op = "", t.text
	} else if !oneOf(typ, exprTypes) {
		return "", "", false
	}
	if !oneOf(op, binaryOps) {
		return "", "", false
	}
	return typ, op, true
}

// rule reads a rule after the `rule` keyword:
//
//	rule [$id=<id>|$id-ref=<id>] [$role=<role>] [<score>:] <expr> [and|or <expr> ...]
//
// A rule without a score gets INFINITY, as in crmsh. A score that is not a
// number is the name of the node attribute that holds it.
func (p *parser) rule(at token) cib.Rule {
	r := cib.Rule{Pos: at.pos}
	var ovs []override
	for p.err == nil {
		t := p.peek()
		if o, ok := overrideToken(t); ok {
			p.i++
			ovs = append(ovs, o)
			continue
		}
		if !t.eof && hasPrefixFold(t.text, "role=") {
			p.i++
			ovs = append(ovs, override{name: "role", value: t.text[len("role="):], tok: t})
			continue
		}
		break
	}
	for _, o := range ovs {
		if o.name == "id-ref" && !o.unset && o.value != "" {
			// A reference is the whole rule (crmsh reads nothing more).
			applyOverrides(p, cib.RuleFields, &r, &r.Extra, ovs)
			return r
		}
	}
	if s, ok := scoreTok(p.peek()); ok {
		p.i++
		v, kind := interpretScore(s)
		if kind == scoreNumber {
			r.Score = v
		} else {
			r.ScoreAttribute = v
		}
	} else {
		r.Score = "INFINITY"
	}
	if p.exprStarts() || !p.ruleMayEnd() {
		r.Exprs = append(r.Exprs, p.expr())
		var join string
		for p.err == nil {
			t, ok := p.acceptKw("and", "or")
			if !ok {
				break
			}
			if join != "" && !strings.EqualFold(join, t.text) {
				p.errorf(t, "mixing %q and %q in one rule; use two rules", join, t.text)
				break
			}
			join = t.text
			r.Exprs = append(r.Exprs, p.expr())
		}
		if join != "" && !strings.EqualFold(join, "and") {
			r.BooleanOp = join
		}
	}
	applyOverrides(p, cib.RuleFields, &r, &r.Extra, ovs)
	return r
}

// maxRuleDepth bounds nested rules, so that a line of parentheses cannot
// exhaust the stack.
const maxRuleDepth = 32

// exprStarts reports whether an expression begins here (after any
// `$name=value` tokens that belong to it).
func (p *parser) exprStarts() bool {
	n := 0
	for {
		if _, ok := overrideToken(p.peekAt(n)); !ok {
			break
		}
		n++
	}
	t := p.peekAt(n)
	if t.eof {
		return false
	}
	if isKw(t, "date", "defined", "not_defined", "resource", "op", "(") {
		return true
	}
	_, _, ok := binop(p.peekAt(n + 1))
	return ok && !hasEq(t)
}

// ruleMayEnd reports whether a rule may end here without any expression:
// at the end of the statement or before what follows a rule (a keyword, a
// name=value pair, a `$`-word). Elsewhere a missing expression is reported
// as such rather than as an unexpected word.
func (p *parser) ruleMayEnd() bool {
	t := p.peek()
	if t.eof || (t.bare && reserved[strings.ToLower(t.text)]) || hasEq(t) {
		return true
	}
	return strings.HasPrefix(t.text, "$") || strings.HasPrefix(t.text, "@") || isKw(t, alertKeywords...) || isKw(t, nodeKeywords...)
}

// expr reads one expression:
//
//	<attribute> [<type>:]<op> <value>      #uname eq node1, pingd gt 0
//	defined|not_defined <attribute>
//	date lt|gt <date> | date in start=<date> [end=<date>] [<duration>...]
//	     | date spec <date_spec>...
//	resource [<class>]:[<provider>]:[<type>]   (pacer: rsc_expression)
//	op <name> [interval=<interval>]            (pacer: op_expression)
//
// Leading `$name=value` tokens set the expression's own attributes, its
// id among them (pacer's extension: crmsh has no place for these).
func (p *parser) expr() cib.Expr {
	ovs := p.headAttrs(false)
	t := p.peek()
	x := cib.Expr{Pos: t.pos}
	switch {
	case isKw(t, "("):
		// A nested rule (pacer; pcs writes them the same way).
		p.i++
		if len(ovs) > 0 {
			p.errorf(ovs[0].tok, "a nested rule takes its attributes inside the parentheses")
			return x
		}
		if p.depth >= maxRuleDepth {
			p.errorf(t, "rules nest deeper than %d", maxRuleDepth)
			return x
		}
		p.depth++
		r := p.rule(t)
		p.depth--
		if _, ok := p.acceptKw(")"); !ok && p.err == nil {
			p.errorf(p.peek(), "expected ) to end the nested rule")
		}
		x.Kind, x.ID, x.Rule = cib.ExprRule, r.ID, &r
		return x
	case isKw(t, "date"):
		p.i++
		x.Kind = cib.ExprDate
		p.dateExpr(&x)
	case isKw(t, "defined", "not_defined") && !isBinop(p.peekAt(1)):
		p.i++
		x.Kind = cib.ExprAttribute
		x.Operation = t.text
		a := p.want("an attribute name")
		setAttr(cib.AttrExprFields, &x, &x.Extra, "attribute", a.text)
	case isKw(t, "resource") && !isBinop(p.peekAt(1)):
		p.i++
		x.Kind = cib.ExprResource
		a := p.want("class:provider:type")
		parts := strings.Split(a.text, ":")
		switch len(parts) {
		case 1:
			x.AgentType = parts[0]
		case 2:
			x.Class, x.AgentType = parts[0], parts[1]
		case 3:
			x.Class, x.Provider, x.AgentType = parts[0], parts[1], parts[2]
		default:
			p.errorf(a, "resource %q: want [<class>]:[<provider>]:[<type>]", a.text)
		}
	case isKw(t, "op") && !isBinop(p.peekAt(1)):
		p.i++
		x.Kind = cib.ExprOp
		n := p.want("an operation name")
		setAttr(cib.OpExprFields, &x, &x.Extra, "name", n.text)
		if v := p.peek(); !v.eof && hasPrefixFold(v.text, "interval=") {
			p.i++
			setAttr(cib.OpExprFields, &x, &x.Extra, "interval", v.text[len("interval="):])
		}
	default:
		x.Kind = cib.ExprAttribute
		a := p.want("an expression")
		typ, op, ok := binop(p.peek())
		if !ok {
			if p.peek().eof {
				p.errorf(p.peek(), "expression %q: expected an operator (lt, gt, lte, gte, eq, ne, or defined <attr>)", a.text)
			} else {
				p.errorf(p.peek(), "expected an operator (lt, gt, lte, gte, eq, ne), got %q", p.peek().text)
			}
			return x
		}
		p.i++
		v := p.want("a value")
		setAttr(cib.AttrExprFields, &x, &x.Extra, "attribute", a.text)
		x.Operation, x.Type = op, typ
		if m := valueSourceRE.FindStringSubmatch(v.text); m != nil {
			x.ValueSource = m[1]
			setAttr(cib.AttrExprFields, &x, &x.Extra, "value", m[2])
		} else {
			setAttr(cib.AttrExprFields, &x, &x.Extra, "value", v.text)
		}
	}
	applyOverrides(p, cib.ExprFields(x.Kind), &x, &x.Extra, ovs)
	return x
}

func isBinop(t token) bool {
	_, _, ok := binop(t)
	return ok
}

// dateExpr reads what follows `date`.
func (p *parser) dateExpr(x *cib.Expr) {
	t := p.want("a date operation (lt, gt, in, spec)")
	if p.err != nil {
		return
	}
	if !t.bare || !oneOf(t.text, dateOps) {
		p.errorf(t, "unknown date operation %q (want lt, gt, in_range, date_spec)", t.text)
		return
	}
	op := strings.ToLower(t.text)
	switch op {
	case "lt", "gt":
		x.Operation = t.text
		v := p.want("a date")
		if op == "lt" {
			setAttr(cib.DateExprFields, x, &x.Extra, "end", v.text)
		} else {
			setAttr(cib.DateExprFields, x, &x.Extra, "start", v.text)
		}
	case "in", "in_range":
		x.Operation = "in_range"
		if op == "in_range" {
			x.Operation = t.text
		}
		var d cib.DateSpec
		n := 0
		seen := map[string]bool{}
		for p.err == nil {
			k := p.peek()
			name, val, ok := splitNV(k.text)
			if k.eof || !ok {
				break
			}
			if seen[strings.ToLower(name)] {
				p.errorf(k, "date: %s given twice", name)
				break
			}
			seen[strings.ToLower(name)] = true
			switch {
			case strings.EqualFold(name, "start") || strings.EqualFold(name, "end"):
				setAttr(cib.DateExprFields, x, &x.Extra, strings.ToLower(name), val)
			default:
				ok = dateSpecWord(&d, name, val)
			}
			if !ok {
				break
			}
			p.i++
			n++
		}
		if n == 0 {
			p.errorf(p.peek(), "date in: expected start=<date> [end=<date>] or a duration")
		}
		if d.ID != "" || len(d.Attrs) > 0 {
			x.Duration = &d
		}
	case "spec", "date_spec":
		x.Operation = "date_spec"
		if op == "date_spec" {
			x.Operation = t.text
		}
		d := &cib.DateSpec{}
		seen := map[string]bool{}
		for p.err == nil {
			k := p.peek()
			name, val, ok := splitNV(k.text)
			if k.eof || !ok {
				break
			}
			if seen[strings.ToLower(name)] {
				p.errorf(k, "date spec: %s given twice", name)
				break
			}
			seen[strings.ToLower(name)] = true
			ok = dateSpecWord(d, name, val)
			if !ok {
				break
			}
			p.i++
		}
		x.DateSpec = d
	}
}

// dateSpecWord takes one name=value word of a date_spec or a duration: a
// field (hours, weekdays, ...), $id, or a $name carried verbatim. It
// reports whether the word was one of those.
func dateSpecWord(d *cib.DateSpec, name, val string) bool {
	switch {
	case oneOf(name, dateSpecKeys):
		d.Attrs = append(d.Attrs, cib.Attr{Name: name, Value: val})
	case name == "$id":
		d.ID = val
		if val == "" {
			d.ID = noID
		}
	case strings.HasPrefix(name, "$") && len(name) > 1 && !strings.ContainsRune(name, ':'):
		d.Attrs = append(d.Attrs, cib.Attr{Name: name[1:], Value: val})
	default:
		return false
	}
	return true
}

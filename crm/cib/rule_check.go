package cib

import (
	"strconv"
	"strings"
)

// ruleContext says where a rule sits.
type ruleContext struct {
	location bool      // a location constraint's rule: score matters
	nv       nvContext // the nvset holding the rule, if any
}

var exprOperations = []string{"lt", "gt", "lte", "gte", "eq", "ne", "defined", "not_defined"}

var exprTypes = []string{"string", "integer", "number", "version"}

var dateOperations = []string{"in_range", "gt", "lt", "date_spec"}

// dateSpecRanges are the date_spec fields and the values each may take.
var dateSpecRanges = map[string][2]int64{
	"hours": {0, 23}, "minutes": {0, 59}, "seconds": {0, 59},
	"monthdays": {1, 31}, "weekdays": {1, 7}, "yeardays": {1, 366},
	"months": {1, 12}, "weeks": {1, 53}, "years": {0, 9999}, "weekyears": {0, 9999},
	"moon": {0, 7},
}

// durationFields are the fields of a date_expression's <duration>.
var durationFields = []string{"years", "months", "weeks", "days", "hours", "minutes", "seconds"}

func (v *validator) rule(r *Rule, ctx ruleContext) {
	obj := describeRef("rule", r.ID, r.IDRef)
	if r.IDRef != "" {
		v.checkRef(r.Pos, obj, "id-ref", r.IDRef, idRule)
		if len(r.Exprs) > 0 {
			v.add(r.Pos, obj, "id-ref", "a rule with id-ref takes its expressions from the referenced rule and has none of its own")
		}
		return
	}
	if r.Score != "" && r.ScoreAttribute != "" {
		v.add(r.Pos, obj, "score-attribute", "use either score or score-attribute, not both")
	}
	if r.Score != "" {
		v.score(r.Pos, obj, "score", r.Score)
	}
	if r.BooleanOp != "" && !oneOf(r.BooleanOp, true, "and", "or") {
		v.add(r.Pos, obj, "boolean-op", "%q is not a boolean-op (want \"and\" or \"or\")", r.BooleanOp)
	}
	v.role(r.Pos, obj, "role", r.Role)
	for i := range r.Exprs {
		v.expr(&r.Exprs[i], ctx)
	}
}

func (v *validator) expr(e *Expr, ctx ruleContext) {
	obj := describe(string(e.Kind), e.ID)
	switch e.Kind {
	case ExprRule:
		if e.Rule == nil {
			v.add(e.Pos, obj, "", "empty nested rule")
			return
		}
		v.rule(e.Rule, ctx)
	case ExprAttribute:
		v.attrExpr(e, obj)
	case ExprDate:
		v.dateExpr(e, obj)
	case ExprResource:
		if ctx.nv != ctxRscDefaults && ctx.nv != ctxOpDefaults {
			v.add(e.Pos, obj, "", "rsc_expression is only allowed in rules of rsc_defaults and op_defaults")
		}
		if e.Class != "" && !oneOf(e.Class, false, KnownClasses...) {
			v.add(e.Pos, obj, "class", "%q is not a resource class (want one of %s)", e.Class, wantList(KnownClasses...))
		}
		if e.Provider != "" && e.Class != "" && e.Class != "ocf" {
			v.add(e.Pos, obj, "provider", "only ocf resources have a provider, not %s ones", e.Class)
		}
	case ExprOp:
		if ctx.nv != ctxOpDefaults {
			v.add(e.Pos, obj, "", "op_expression is only allowed in rules of op_defaults")
		}
		if e.Name == "" {
			v.add(e.Pos, obj, "name", "missing (the operation's name)")
		}
		if e.Interval != "" {
			if _, err := ParseInterval(e.Interval); err != nil {
				v.add(e.Pos, obj, "interval", "%s", err)
			}
		}
	default:
		v.add(e.Pos, obj, "", "unknown expression kind %q", e.Kind)
	}
}

func (v *validator) attrExpr(e *Expr, obj string) {
	if e.Attribute == "" {
		v.add(e.Pos, obj, "attribute", "missing (the node attribute to test, e.g. #uname)")
	}
	switch {
	case e.Operation == "":
		v.add(e.Pos, obj, "operation", "missing (want one of %s)", wantList(exprOperations...))
	case !oneOf(e.Operation, false, exprOperations...):
		v.add(e.Pos, obj, "operation", "%q is not one of %s", e.Operation, wantList(exprOperations...))
	}
	unary := e.Operation == "defined" || e.Operation == "not_defined"
	if !unary && e.Operation != "" && e.Value == "" {
		v.add(e.Pos, obj, "value", "operation %s needs a value", e.Operation)
	}
	v.enum(e.Pos, obj, "type", e.Type, true, exprTypes...)
	v.enum(e.Pos, obj, "value-source", e.ValueSource, false, "literal", "param", "meta")
	// The value is not checked against the type: when it does not parse,
	// Pacemaker compares the values as strings (the scheduler regression
	// tests rule-dbl-parse-fail-* and rule-int-parse-fail-* rely on it),
	// and it reads "3.6" as the integer 3 (rule-dbl-as-integer-*).
}

func (v *validator) dateExpr(e *Expr, obj string) {
	op := e.Operation
	if op == "" {
		op = "in_range" // Pacemaker's default
	}
	if !oneOf(op, false, dateOperations...) {
		v.add(e.Pos, obj, "operation", "%q is not one of %s", e.Operation, wantList(dateOperations...))
		return
	}
	date := func(attr, s string) {
		if s == "" {
			return
		}
		if _, err := ParseISODate(s); err != nil {
			v.add(e.Pos, obj, attr, "%s", err)
		}
	}
	date("start", e.Start)
	date("end", e.End)
	switch op {
	case "in_range":
		switch {
		case e.Start == "" && e.End == "":
			v.add(e.Pos, obj, "start", "in_range needs start, end, or start and a duration")
		case e.Duration != nil && e.Start == "":
			v.add(e.Pos, obj, "start", "a duration needs start")
		case e.Duration != nil && e.End != "":
			v.add(e.Pos, obj, "end", "use either end or a duration, not both")
		}
		if e.Start != "" && e.End != "" {
			s, err1 := ParseISODate(e.Start)
			t, err2 := ParseISODate(e.End)
			if err1 == nil && err2 == nil && t.Before(s) {
				v.add(e.Pos, obj, "end", "end %s is before start %s", e.End, e.Start)
			}
		}
	case "gt":
		if e.Start == "" {
			v.add(e.Pos, obj, "start", "operation gt needs start")
		}
	case "lt":
		if e.End == "" {
			v.add(e.Pos, obj, "end", "operation lt needs end")
		}
	case "date_spec":
		if e.DateSpec == nil {
			v.add(e.Pos, obj, "", "operation date_spec needs a date_spec element")
		}
	}
	if e.DateSpec != nil {
		v.dateSpec(e, e.DateSpec)
		if op != "date_spec" {
			v.add(e.Pos, obj, "", "a date_spec is only used with operation date_spec")
		}
	}
	if e.Duration != nil {
		v.durationSpec(e, e.Duration)
		if op != "in_range" {
			v.add(e.Pos, obj, "", "a duration is only used with operation in_range")
		}
	}
}

func (v *validator) dateSpec(e *Expr, d *DateSpec) {
	obj := describe("date_spec", d.ID)
	if d.ID == "" {
		v.add(e.Pos, obj, "id", "missing id")
	}
	for _, a := range d.Attrs {
		lim, ok := dateSpecRanges[a.Name]
		if !ok {
			v.add(e.Pos, obj, a.Name, "is not a date_spec field (want hours, minutes, seconds, monthdays, weekdays, yeardays, months, weeks, years, weekyears or moon)")
			continue
		}
		if err := checkRange(a.Value, lim[0], lim[1]); err != "" {
			v.add(e.Pos, obj, a.Name, "%s", err)
		}
	}
}

func (v *validator) durationSpec(e *Expr, d *DateSpec) {
	obj := describe("duration", d.ID)
	if d.ID == "" {
		v.add(e.Pos, obj, "id", "missing id")
	}
	for _, a := range d.Attrs {
		if !oneOf(a.Name, false, durationFields...) {
			v.add(e.Pos, obj, a.Name, "is not a duration field (want %s)", wantList(durationFields...))
			continue
		}
		if _, err := parseInteger(a.Value); err != nil {
			v.add(e.Pos, obj, a.Name, "%s", err)
		}
	}
}

// checkRange checks a date_spec value: N, N-M, N- or -M within [lo, hi].
// It returns "" when the value is fine.
func checkRange(s string, lo, hi int64) string {
	t := strings.TrimSpace(s)
	bad := "\"" + s + "\" is not a value or range (want e.g. 9 or 9-17)"
	if t == "" {
		return bad
	}
	parts := []string{t}
	if i := strings.IndexByte(t[1:], '-'); i >= 0 {
		parts = []string{t[:i+1], t[i+2:]}
	} else if t[0] == '-' {
		parts = []string{"", t[1:]}
	}
	var nums []int64
	for _, p := range parts {
		if p == "" {
			continue
		}
		n, err := parseInteger(p)
		if err != nil {
			return bad
		}
		if n < lo || n > hi {
			return "\"" + s + "\" is out of range " + itoa(lo) + "-" + itoa(hi)
		}
		nums = append(nums, n)
	}
	if len(nums) == 0 {
		return bad
	}
	if len(nums) == 2 && nums[0] > nums[1] {
		return "\"" + s + "\" is an empty range (start after end)"
	}
	return ""
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

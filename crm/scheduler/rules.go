package scheduler

import (
	"strconv"
	"strings"

	"pacer/crm/cib"
)

// ruleRsc gives rules the resource parameters and meta-attributes that
// value-source="param"/"meta" refer to, and the submatches of the
// rsc-pattern that selected the resource (%0 to %9 in attribute names).
type ruleRsc struct {
	params  func() map[string]string // evaluated on first use
	meta    map[string]string
	matches []string
}

// expandMatches is pe_expand_re_matches: %0..%9 in an attribute name
// become the rsc-pattern's submatches.
func (rr *ruleRsc) expandMatches(attr string) string {
	if rr == nil || rr.matches == nil || !strings.Contains(attr, "%") {
		return attr
	}
	var b strings.Builder
	for i := 0; i < len(attr); i++ {
		if attr[i] == '%' && i+1 < len(attr) && attr[i+1] >= '0' && attr[i+1] <= '9' {
			if k := int(attr[i+1] - '0'); k < len(rr.matches) {
				b.WriteString(rr.matches[k])
			}
			i++
			continue
		}
		b.WriteByte(attr[i])
	}
	return b.String()
}

// evalRule evaluates a rule against node attributes (nil outside a node
// context), as Pacemaker's pe_test_rule does.
func (ws *workingSet) evalRule(r *cib.Rule, attrs map[string]string, rr *ruleRsc) bool {
	if r == nil {
		return true
	}
	or := strings.EqualFold(r.BooleanOp, "or")
	if len(r.Exprs) == 0 {
		return true
	}
	for i := range r.Exprs {
		ok := ws.evalExpr(&r.Exprs[i], attrs, rr)
		if or && ok {
			return true
		}
		if !or && !ok {
			return false
		}
	}
	return !or
}

func (ws *workingSet) evalExpr(e *cib.Expr, attrs map[string]string, rr *ruleRsc) bool {
	switch e.Kind {
	case cib.ExprRule:
		return ws.evalRule(e.Rule, attrs, rr)
	case cib.ExprAttribute:
		return evalAttrExpr(e, attrs, rr)
	case cib.ExprDate:
		return ws.evalDateExpr(e)
	case cib.ExprResource, cib.ExprOp:
		return false
	}
	return false
}

func evalAttrExpr(e *cib.Expr, attrs map[string]string, rr *ruleRsc) bool {
	hval, have := attrs[rr.expandMatches(e.Attribute)]
	value := e.Value
	src := strings.ToLower(e.ValueSource)
	if rr != nil && (src == "param" || src == "meta") {
		m := rr.meta
		if src == "param" {
			m = rr.params()
		}
		v, ok := m[e.Value]
		if !ok {
			return false
		}
		value = v
	}
	op := strings.ToLower(e.Operation)
	switch op {
	case "defined":
		return have
	case "not_defined":
		return !have
	}
	if !have {
		return op == "ne"
	}
	typ := strings.ToLower(e.Type)
	if typ == "" {
		switch op {
		case "lt", "lte", "gt", "gte":
			if strings.Contains(hval, ".") || strings.Contains(value, ".") {
				typ = "number"
			} else {
				typ = "integer"
			}
		default:
			typ = "string"
		}
	}
	cmp := compareValues(typ, hval, value)
	switch op {
	case "eq":
		return cmp == 0
	case "ne":
		return cmp != 0
	case "lt":
		return cmp < 0
	case "lte":
		return cmp <= 0
	case "gt":
		return cmp > 0
	case "gte":
		return cmp >= 0
	}
	return false
}

// scanInt reads a leading integer as strtoll does; ok is false when no
// digits were read.
func scanInt(s string) (int64, bool) {
	s = strings.TrimLeft(s, " \t\n")
	end := 0
	if end < len(s) && (s[end] == '+' || s[end] == '-') {
		end++
	}
	start := end
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	if end == start {
		return 0, false
	}
	v, err := strconv.ParseInt(s[:end], 10, 64)
	if err != nil {
		return 0, false
	}
	return v, true
}

// scanFloat reads a leading floating-point number as strtod does.
func scanFloat(s string) (float64, bool) {
	s = strings.TrimLeft(s, " \t\n")
	for end := len(s); end > 0; end-- {
		if v, err := strconv.ParseFloat(s[:end], 64); err == nil {
			return v, true
		}
	}
	return 0, false
}

func compareValues(typ, l, r string) int {
	switch typ {
	case "integer":
		a, ok1 := scanInt(l)
		b, ok2 := scanInt(r)
		if ok1 && ok2 {
			return cmp3(a < b, a > b)
		}
	case "number":
		a, ok1 := scanFloat(l)
		b, ok2 := scanFloat(r)
		if ok1 && ok2 {
			return cmp3(a < b, a > b)
		}
	case "version":
		return compareVersion(l, r)
	}
	return cmp3(strings.ToLower(l) < strings.ToLower(r), strings.ToLower(l) > strings.ToLower(r))
}

func cmp3(lt, gt bool) int {
	if lt {
		return -1
	}
	if gt {
		return 1
	}
	return 0
}

func compareVersion(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		var x, y int64
		if i < len(as) {
			x, _ = scanInt(as[i])
		}
		if i < len(bs) {
			y, _ = scanInt(bs[i])
		}
		if c := cmp3(x < y, x > y); c != 0 {
			return c
		}
	}
	return 0
}

func (ws *workingSet) evalDateExpr(e *cib.Expr) bool {
	op := strings.ToLower(e.Operation)
	if op == "" {
		op = "in_range"
	}
	now := ws.now
	switch op {
	case "gt":
		t, err := cib.ParseISODate(e.Start)
		return err == nil && now.After(t)
	case "lt":
		t, err := cib.ParseISODate(e.End)
		return err == nil && now.Before(t)
	case "in_range":
		if e.Start != "" {
			t, err := cib.ParseISODate(e.Start)
			if err != nil || now.Before(t) {
				return false
			}
		}
		if e.End != "" {
			t, err := cib.ParseISODate(e.End)
			if err != nil || now.After(t) {
				return false
			}
		}
		return e.Start != "" || e.End != ""
	}
	return false
}

package cibxml

import (
	"strconv"

	"pacer/crm/cib"
)

func (w *writer) constraint(c *cib.Constraint) {
	if c == nil {
		w.fail("nil constraint")
		return
	}
	fs := cib.ConstraintFields(c.Kind)
	if fs == nil {
		w.elem, w.elemID = "constraints", ""
		w.fail("constraint " + strconv.Quote(c.ID) + " has unknown kind " + strconv.Quote(string(c.Kind)))
		return
	}
	name := string(c.Kind)
	w.open(name)
	writeFields(w, c, fs, c.Extra)
	switch {
	case len(c.Rules) > 0 && c.Kind != cib.KindLocation:
		w.fail("only location constraints have rules")
		return
	case len(c.Lifetime) > 0 && c.Kind == cib.KindTicket:
		w.fail("a ticket constraint has no lifetime")
		return
	}
	if len(c.Sets)+len(c.Rules)+len(c.Lifetime) == 0 {
		w.end()
		return
	}
	w.begin()
	for i := range c.Sets {
		w.resourceSet(&c.Sets[i])
	}
	for i := range c.Rules {
		w.rule(&c.Rules[i])
	}
	if len(c.Lifetime) > 0 {
		w.open("lifetime")
		w.begin()
		for i := range c.Lifetime {
			w.rule(&c.Lifetime[i])
		}
		w.close("lifetime")
	}
	w.close(name)
}

func (w *writer) resourceSet(s *cib.ResourceSet) {
	w.open("resource_set")
	writeFields(w, s, cib.ResourceSetFields, s.Extra)
	if len(s.Resources) == 0 {
		w.end()
		return
	}
	w.begin()
	for _, id := range s.Resources {
		w.open("resource_ref")
		if id != "" {
			w.attr("id", id)
		}
		w.end()
	}
	w.close("resource_set")
}

func (w *writer) rule(r *cib.Rule) {
	w.open("rule")
	writeFields(w, r, cib.RuleFields, r.Extra)
	if len(r.Exprs) == 0 {
		w.end()
		return
	}
	w.begin()
	for i := range r.Exprs {
		w.expr(&r.Exprs[i])
	}
	w.close("rule")
}

func (w *writer) expr(x *cib.Expr) {
	if x.Kind == cib.ExprRule {
		if x.Rule == nil {
			w.elem, w.elemID = "rule", x.ID
			w.fail("nested rule expression without a Rule")
			return
		}
		w.rule(x.Rule)
		return
	}
	fs := cib.ExprFields(x.Kind)
	if fs == nil {
		w.elem, w.elemID = "rule", ""
		w.fail("expression " + strconv.Quote(x.ID) + " has unknown kind " + strconv.Quote(string(x.Kind)))
		return
	}
	name := string(x.Kind)
	w.open(name)
	writeFields(w, x, fs, x.Extra)
	if x.Kind != cib.ExprDate && (x.DateSpec != nil || x.Duration != nil) {
		w.fail("only date expressions have a date_spec or duration")
		return
	}
	if x.DateSpec == nil && x.Duration == nil {
		w.end()
		return
	}
	w.begin()
	if x.DateSpec != nil {
		w.open("date_spec")
		w.attrs(x.DateSpec.ID, x.DateSpec.Attrs)
		w.end()
	}
	if x.Duration != nil {
		w.open("duration")
		w.attrs(x.Duration.ID, x.Duration.Attrs)
		w.end()
	}
	w.close(name)
}

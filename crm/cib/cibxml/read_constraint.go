package cibxml

import "pacer/crm/cib"

func (r *reader) constraint(e *start) (*cib.Constraint, error) {
	c := &cib.Constraint{Kind: cib.ConstraintKind(e.name), Pos: e.pos}
	if err := readAttrs(r, e, c, cib.ConstraintFields(c.Kind), &c.Extra); err != nil {
		return c, err
	}
	var lifetime bool
	for {
		ch, err := r.next(e, nil)
		if err != nil {
			return c, err
		}
		if ch == nil {
			return c, nil
		}
		switch {
		case ch.name == "resource_set":
			s, err := r.resourceSet(ch)
			if err != nil {
				return c, err
			}
			c.Sets = append(c.Sets, s)
		case ch.name == "rule" && c.Kind == cib.KindLocation:
			rule, err := r.rule(ch)
			if err != nil {
				return c, err
			}
			c.Rules = append(c.Rules, rule)
		case ch.name == "lifetime" && c.Kind != cib.KindTicket:
			// Deprecated but honoured by Pacemaker 2.1.5: the constraint
			// applies while any of the rules holds. One element at most,
			// with at least one rule, so the flat list round-trips.
			if lifetime {
				return c, r.duplicate(e, ch)
			}
			lifetime = true
			if err := r.noAttrs(ch); err != nil {
				return c, err
			}
			for {
				rc, err := r.next(ch, nil)
				if err != nil {
					return c, err
				}
				if rc == nil {
					break
				}
				if rc.name != "rule" {
					return c, r.unexpected(ch, rc)
				}
				rule, err := r.rule(rc)
				if err != nil {
					return c, err
				}
				c.Lifetime = append(c.Lifetime, rule)
			}
			if len(c.Lifetime) == 0 {
				return c, r.errAt(ch, ch.pos, "", "<lifetime> without a <rule>", nil)
			}
		default:
			return c, r.unexpected(e, ch)
		}
	}
}

func (r *reader) resourceSet(e *start) (cib.ResourceSet, error) {
	s := cib.ResourceSet{Pos: e.pos}
	if err := readAttrs(r, e, &s, cib.ResourceSetFields, &s.Extra); err != nil {
		return s, err
	}
	if err := r.children(e, func(ch *start) error {
		if ch.name != "resource_ref" {
			return r.unexpected(e, ch)
		}
		id, err := r.idOnly(ch)
		if err != nil {
			return err
		}
		s.Resources = append(s.Resources, id)
		if err := r.empty(ch); err != nil {
			return err
		}
		return nil
	}); err != nil {
		return s, err
	}
	return s, nil
}

func (r *reader) rule(e *start) (cib.Rule, error) {
	rule := cib.Rule{Pos: e.pos}
	if err := readAttrs(r, e, &rule, cib.RuleFields, &rule.Extra); err != nil {
		return rule, err
	}
	if err := r.children(e, func(ch *start) error {
		x, err := r.expr(e, ch)
		if err != nil {
			return err
		}
		rule.Exprs = append(rule.Exprs, x)
		return nil
	}); err != nil {
		return rule, err
	}
	return rule, nil
}

func (r *reader) expr(parent, e *start) (cib.Expr, error) {
	x := cib.Expr{Kind: cib.ExprKind(e.name), Pos: e.pos}
	switch x.Kind {
	case cib.ExprRule:
		rule, err := r.rule(e)
		if err != nil {
			return x, err
		}
		x.ID, x.Rule = rule.ID, &rule
		return x, nil
	case cib.ExprAttribute, cib.ExprResource, cib.ExprOp:
		if err := readAttrs(r, e, &x, cib.ExprFields(x.Kind), &x.Extra); err != nil {
			return x, err
		}
		return x, r.empty(e)
	case cib.ExprDate:
		if err := readAttrs(r, e, &x, cib.DateExprFields, &x.Extra); err != nil {
			return x, err
		}
		if err := r.children(e, func(ch *start) error {
			var dst **cib.DateSpec
			switch ch.name {
			case "date_spec":
				dst = &x.DateSpec
			case "duration":
				dst = &x.Duration
			default:
				return r.unexpected(e, ch)
			}
			if *dst != nil {
				return r.duplicate(e, ch)
			}
			id, attrs := r.splitID(ch)
			*dst = &cib.DateSpec{ID: id, Attrs: attrs}
			if err := r.empty(ch); err != nil {
				return err
			}
			return nil
		}); err != nil {
			return x, err
		}
		return x, nil
	}
	return x, r.unexpected(parent, e)
}

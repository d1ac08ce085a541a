package cib

import (
	"fmt"
	"regexp"
)

// orderActions are the actions an order constraint or resource set may
// name (the schema's attribute-actions).
var orderActions = []string{"start", "stop", "promote", "demote"}

var orderKinds = []string{"Mandatory", "Optional", "Serialize"}

func (v *validator) constraint(c *Constraint) {
	obj := describe(string(c.Kind), c.ID)
	switch c.Kind {
	case KindLocation:
		v.location(c, obj)
	case KindColocation:
		v.colocation(c, obj)
	case KindOrder:
		v.order(c, obj)
	case KindTicket:
		v.ticket(c, obj)
	default:
		v.add(c.Pos, obj, "", "unknown constraint kind %q", c.Kind)
	}
	for i := range c.Sets {
		v.resourceSet(c, &c.Sets[i])
	}
	for i := range c.Lifetime {
		v.rule(&c.Lifetime[i], ruleContext{})
	}
}

func (v *validator) location(c *Constraint, obj string) {
	subjects := 0
	for _, s := range []bool{c.Rsc != "", c.RscPattern != "", len(c.Sets) > 0} {
		if s {
			subjects++
		}
	}
	switch {
	case subjects == 0:
		v.add(c.Pos, obj, "rsc", "a location constraint needs rsc, rsc-pattern or resource sets")
	case subjects > 1:
		v.add(c.Pos, obj, "rsc", "use only one of rsc, rsc-pattern and resource sets")
	}
	if c.Rsc != "" {
		v.checkRscRef(c.Pos, obj, "rsc", c.Rsc)
	}
	if c.RscPattern != "" {
		if err := checkRegexp(c.RscPattern); err != nil {
			v.add(c.Pos, obj, "rsc-pattern", "%s", err)
		}
	}
	v.role(c.Pos, obj, "role", c.Role)
	v.enum(c.Pos, obj, "resource-discovery", c.ResourceDiscovery, false, "always", "never", "exclusive")
	hasNode := c.Node != "" || c.Score != ""
	switch {
	case hasNode && len(c.Rules) > 0:
		v.add(c.Pos, obj, "node", "a location constraint has either node and score, or rules, not both")
	case !hasNode && len(c.Rules) == 0:
		v.add(c.Pos, obj, "node", "a location constraint needs node and score, or rules")
	case hasNode && c.Node == "":
		v.add(c.Pos, obj, "node", "missing (score without node)")
	case hasNode && c.Score == "":
		v.add(c.Pos, obj, "score", "missing (node without score)")
	}
	if c.Score != "" {
		v.score(c.Pos, obj, "score", c.Score)
	}
	for i := range c.Rules {
		v.rule(&c.Rules[i], ruleContext{location: true})
	}
	v.noneOf(c, obj, "with-rsc", c.WithRsc, "first", c.First, "then", c.Then, "ticket", c.Ticket)
}

func (v *validator) colocation(c *Constraint, obj string) {
	if len(c.Sets) > 0 {
		if c.Rsc != "" || c.WithRsc != "" {
			v.add(c.Pos, obj, "rsc", "a colocation has either rsc and with-rsc, or resource sets, not both")
		}
	} else {
		v.checkRscRef(c.Pos, obj, "rsc", c.Rsc)
		v.checkRscRef(c.Pos, obj, "with-rsc", c.WithRsc)
		if c.Rsc != "" && c.Rsc == c.WithRsc {
			v.add(c.Pos, obj, "with-rsc", "a resource cannot be colocated with itself (%q)", c.Rsc)
		}
	}
	if c.Score != "" {
		v.score(c.Pos, obj, "score", c.Score)
	}
	v.role(c.Pos, obj, "rsc-role", c.RscRole)
	v.role(c.Pos, obj, "with-rsc-role", c.WithRscRole)
	v.boolean(c.Pos, obj, "influence", c.Influence)
	v.noneOf(c, obj, "first", c.First, "then", c.Then, "node", c.Node, "ticket", c.Ticket)
}

func (v *validator) order(c *Constraint, obj string) {
	if len(c.Sets) > 0 {
		if c.First != "" || c.Then != "" {
			v.add(c.Pos, obj, "first", "an order has either first and then, or resource sets, not both")
		}
	} else {
		v.checkRscRef(c.Pos, obj, "first", c.First)
		v.checkRscRef(c.Pos, obj, "then", c.Then)
	}
	v.enum(c.Pos, obj, "first-action", c.FirstAction, false, orderActions...)
	v.enum(c.Pos, obj, "then-action", c.ThenAction, false, orderActions...)
	if c.OrderKind != "" && c.Score != "" {
		v.add(c.Pos, obj, "kind", "use either kind or the deprecated score, not both")
	}
	if c.OrderKind != "" && !oneOf(c.OrderKind, true, orderKinds...) {
		v.add(c.Pos, obj, "kind", "%q is not one of %s (Pacemaker would treat it as Mandatory)", c.OrderKind, wantList(orderKinds...))
	}
	if c.Score != "" {
		v.score(c.Pos, obj, "score", c.Score)
	}
	v.boolean(c.Pos, obj, "symmetrical", c.Symmetrical)
	v.boolean(c.Pos, obj, "require-all", c.RequireAll)
	v.noneOf(c, obj, "with-rsc", c.WithRsc, "node", c.Node, "ticket", c.Ticket)
}

func (v *validator) ticket(c *Constraint, obj string) {
	if c.Ticket == "" {
		v.add(c.Pos, obj, "ticket", "missing (the ticket's name)")
	}
	if len(c.Sets) > 0 {
		if c.Rsc != "" {
			v.add(c.Pos, obj, "rsc", "a ticket constraint has either rsc or resource sets, not both")
		}
	} else {
		v.checkRscRef(c.Pos, obj, "rsc", c.Rsc)
	}
	v.role(c.Pos, obj, "rsc-role", c.RscRole)
	v.enum(c.Pos, obj, "loss-policy", c.LossPolicy, false, "stop", "demote", "fence", "freeze")
	v.noneOf(c, obj, "with-rsc", c.WithRsc, "first", c.First, "then", c.Then, "node", c.Node)
}

// noneOf reports attributes that belong to another kind of constraint:
// they would be silently ignored, which usually means a mix-up.
func (v *validator) noneOf(c *Constraint, obj string, pairs ...string) {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			v.add(c.Pos, obj, pairs[i], "is not an attribute of %s", c.Kind)
		}
	}
}

func (v *validator) resourceSet(c *Constraint, s *ResourceSet) {
	obj := describeRef("resource_set", s.ID, s.IDRef)
	if s.IDRef != "" {
		v.checkRef(s.Pos, obj, "id-ref", s.IDRef, idSet)
		return
	}
	if len(s.Resources) == 0 {
		v.add(s.Pos, obj, "", "a resource set needs at least one resource_ref")
	}
	for _, r := range s.Resources {
		v.checkRscRef(s.Pos, obj, "resource_ref", r)
	}
	v.boolean(s.Pos, obj, "sequential", s.Sequential)
	v.boolean(s.Pos, obj, "require-all", s.RequireAll)
	v.enum(s.Pos, obj, "ordering", s.Ordering, false, "group", "listed")
	v.enum(s.Pos, obj, "action", s.Action, false, orderActions...)
	v.role(s.Pos, obj, "role", s.Role)
	if s.Score != "" && s.Kind != "" {
		v.add(s.Pos, obj, "kind", "use either kind or score, not both")
	}
	if s.Score != "" {
		v.score(s.Pos, obj, "score", s.Score)
	}
	if s.Kind != "" && !oneOf(s.Kind, true, orderKinds...) {
		v.add(s.Pos, obj, "kind", "%q is not one of %s", s.Kind, wantList(orderKinds...))
	}
}

// checkRegexp checks a pattern Pacemaker compiles as a POSIX extended
// regular expression (rsc-pattern, target-pattern). Go's syntax differs
// only in corners; a pattern neither accepts is reported.
func checkRegexp(p string) error {
	if _, err := regexp.Compile(p); err != nil {
		if _, err2 := regexp.CompilePOSIX(p); err2 != nil {
			return fmt.Errorf("%q is not a regular expression: %v", p, err)
		}
	}
	return nil
}

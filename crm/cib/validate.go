package cib

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ValidationError is one problem found by Validate: which object, which of
// its attributes, where it was read from, and what is wrong.
type ValidationError struct {
	Object    string // e.g. `primitive "vip"`, `rsc_location "loc-1"`
	Attribute string // e.g. "score"; empty when the object as a whole is wrong
	Pos       Pos    // zero when the object was built in memory
	File      string // set by WithFile
	Msg       string
}

// Error formats the error as
//
//	cib.xml:12:5: rsc_location "loc-1": attribute "score": "abc" is not a score (...)
//
// leaving out whatever is unknown.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString(e.Pos.Where(e.File))
	if e.Object != "" {
		b.WriteString(e.Object)
		b.WriteString(": ")
	}
	if e.Attribute != "" {
		fmt.Fprintf(&b, "attribute %q: ", e.Attribute)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Validate checks a whole CIB: the configuration as ValidateConfiguration
// does, the version attributes and, lightly, the status section. It returns
// nil or every problem found, as an errors.Join of *ValidationError in
// document order; errors.As finds the first and ValidationErrors lists them.
func Validate(c *CIB) error {
	v := newValidator()
	v.cib(c)
	v.configuration(&c.Configuration)
	v.status(&c.Status)
	return v.result()
}

// ValidateConfiguration checks a configuration section on its own: ids,
// references, resources, constraints, rules, values. See docs/validation.md
// for the list of checks.
func ValidateConfiguration(cfg *Configuration) error {
	v := newValidator()
	v.configuration(cfg)
	return v.result()
}

// ValidationErrors lists the *ValidationError values in err (as returned by
// Validate), in order. Other errors in the tree are skipped.
func ValidationErrors(err error) []*ValidationError {
	var out []*ValidationError
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		if ve, ok := e.(*ValidationError); ok {
			out = append(out, ve)
			return
		}
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}

// WithFile returns err with File set to file on every *ValidationError in
// it (copies; err itself is not changed). Other errors pass through.
func WithFile(err error, file string) error {
	if err == nil {
		return nil
	}
	var walk func(error) error
	walk = func(e error) error {
		if ve, ok := e.(*ValidationError); ok {
			c := *ve
			c.File = file
			return &c
		}
		if u, ok := e.(interface{ Unwrap() []error }); ok {
			var errs []error
			for _, x := range u.Unwrap() {
				errs = append(errs, walk(x))
			}
			return errors.Join(errs...)
		}
		return e
	}
	return walk(err)
}

// idKind classifies the objects whose ids share the configuration's
// namespace, so that an id-ref can be checked to point at the right kind.
type idKind string

const (
	idResource   idKind = "resource"
	idTemplate   idKind = "template"
	idNVSet      idKind = "nvset"
	idNVPair     idKind = "nvpair"
	idOp         idKind = "op"
	idOperations idKind = "operations"
	idConstraint idKind = "constraint"
	idSet        idKind = "resource_set"
	idRule       idKind = "rule"
	idExpr       idKind = "expression"
	idTag        idKind = "tag"
	idAlert      idKind = "alert"
	idLevel      idKind = "fencing-level"
	idOther      idKind = "other"
)

type idEntry struct {
	kind idKind
	obj  string
	pos  Pos
	rsc  *Resource // for idResource and idTemplate
}

type validator struct {
	errs []*ValidationError
	ids  map[string]idEntry
}

func newValidator() *validator {
	return &validator{ids: map[string]idEntry{}}
}

func (v *validator) add(pos Pos, obj, attr, format string, args ...any) {
	v.errs = append(v.errs, &ValidationError{Object: obj, Attribute: attr, Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) result() error {
	if len(v.errs) == 0 {
		return nil
	}
	// Document order: by position when every error has one (objects read
	// from a file), else the order of the walk, which follows the document.
	positioned := true
	for _, e := range v.errs {
		if e.Pos.Line == 0 {
			positioned = false
			break
		}
	}
	if positioned {
		sort.SliceStable(v.errs, func(i, j int) bool {
			a, b := v.errs[i].Pos, v.errs[j].Pos
			if a.Line != b.Line {
				return a.Line < b.Line
			}
			return a.Col < b.Col
		})
	}
	errs := make([]error, len(v.errs))
	for i, e := range v.errs {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// describe names an object for error messages: `primitive "vip"`.
func describe(kind, id string) string {
	if id == "" {
		return kind
	}
	return fmt.Sprintf("%s %q", kind, id)
}

// describeRef names an object that has an id-ref instead of an id.
func describeRef(kind, id, idref string) string {
	if id == "" && idref != "" {
		return fmt.Sprintf("%s (id-ref %q)", kind, idref)
	}
	return describe(kind, id)
}

// ---- pass 1: ids ----

// register records a configuration id and reports a missing, malformed or
// duplicate one.
func (v *validator) register(id string, kind idKind, obj string, pos Pos, rsc *Resource) {
	if id == "" {
		v.add(pos, obj, "id", "missing id")
		return
	}
	if !IsValidID(id) {
		v.add(pos, obj, "id", "%s", idSyntaxMsg(id))
	}
	if prev, ok := v.ids[id]; ok {
		where := ""
		if prev.pos.Line > 0 {
			where = fmt.Sprintf(" at line %d", prev.pos.Line)
		}
		v.add(pos, obj, "id", "id %q is already used by %s%s (ids are unique across the whole configuration)", id, prev.obj, where)
		return
	}
	v.ids[id] = idEntry{kind: kind, obj: obj, pos: pos, rsc: rsc}
}

// registerOptional is register for objects that have either an id or an
// id-ref (nvsets, nvpairs, rules, resource sets).
func (v *validator) registerOptional(id, idref string, kind idKind, obj string, pos Pos) {
	if id == "" && idref != "" {
		return
	}
	if id != "" && idref != "" {
		v.add(pos, obj, "id-ref", "has both id and id-ref (use one)")
	}
	v.register(id, kind, obj, pos, nil)
}

func (v *validator) collectIDs(cfg *Configuration) {
	for i := range cfg.CRMConfig {
		v.collectNVSet(&cfg.CRMConfig[i])
	}
	for i := range cfg.Nodes {
		n := &cfg.Nodes[i]
		for j := range n.Attributes {
			v.collectNVSet(&n.Attributes[j])
		}
		for j := range n.Utilization {
			v.collectNVSet(&n.Utilization[j])
		}
	}
	for _, r := range cfg.Resources {
		v.collectResource(r)
	}
	for _, c := range cfg.Constraints {
		if c == nil {
			continue
		}
		v.register(c.ID, idConstraint, describe(string(c.Kind), c.ID), c.Pos, nil)
		for i := range c.Sets {
			s := &c.Sets[i]
			v.registerOptional(s.ID, s.IDRef, idSet, describeRef("resource_set", s.ID, s.IDRef), s.Pos)
		}
		for i := range c.Rules {
			v.collectRule(&c.Rules[i])
		}
		for i := range c.Lifetime {
			v.collectRule(&c.Lifetime[i])
		}
	}
	for i := range cfg.RscDefaults {
		v.collectNVSet(&cfg.RscDefaults[i])
	}
	for i := range cfg.OpDefaults {
		v.collectNVSet(&cfg.OpDefaults[i])
	}
	for i := range cfg.FencingTopology {
		l := &cfg.FencingTopology[i]
		v.register(l.ID, idLevel, describe("fencing-level", l.ID), l.Pos, nil)
	}
	for i := range cfg.Tags {
		t := &cfg.Tags[i]
		v.register(t.ID, idTag, describe("tag", t.ID), t.Pos, nil)
	}
	for i := range cfg.Alerts {
		a := &cfg.Alerts[i]
		v.register(a.ID, idAlert, describe("alert", a.ID), a.Pos, nil)
		for j := range a.Instance {
			v.collectNVSet(&a.Instance[j])
		}
		for j := range a.Meta {
			v.collectNVSet(&a.Meta[j])
		}
		for j := range a.Recipients {
			rc := &a.Recipients[j]
			v.register(rc.ID, idOther, describe("recipient", rc.ID), a.Pos, nil)
			for k := range rc.Instance {
				v.collectNVSet(&rc.Instance[k])
			}
			for k := range rc.Meta {
				v.collectNVSet(&rc.Meta[k])
			}
		}
	}
}

func (v *validator) collectResource(r *Resource) {
	if r == nil {
		return
	}
	kind := idResource
	if r.Kind == KindTemplate {
		kind = idTemplate
	}
	v.register(r.ID, kind, describe(string(r.Kind), r.ID), r.Pos, r)
	for _, sets := range [][]NVSet{r.Instance, r.Meta, r.Utilization} {
		for i := range sets {
			v.collectNVSet(&sets[i])
		}
	}
	if r.OpsID != "" {
		v.register(r.OpsID, idOperations, describe("operations", r.OpsID), r.Pos, nil)
	}
	for i := range r.Ops {
		op := &r.Ops[i]
		v.register(op.ID, idOp, opObject(r, op), op.Pos, nil)
		for j := range op.Instance {
			v.collectNVSet(&op.Instance[j])
		}
		for j := range op.Meta {
			v.collectNVSet(&op.Meta[j])
		}
	}
	if b := r.Bundle; b != nil {
		if b.StorageID != "" {
			v.register(b.StorageID, idOther, describe("storage", b.StorageID), r.Pos, nil)
		}
		if b.Network != nil {
			for _, pm := range b.Network.PortMappings {
				v.register(pm.ID, idOther, describe("port-mapping", pm.ID), r.Pos, nil)
			}
		}
		for _, sm := range b.Storage {
			v.register(sm.ID, idOther, describe("storage-mapping", sm.ID), r.Pos, nil)
		}
	}
	for _, c := range r.Children {
		v.collectResource(c)
	}
}

func opObject(r *Resource, op *Op) string {
	if op.ID != "" {
		return describe("op", op.ID)
	}
	return fmt.Sprintf("op %s of %s", op.Name, describe(string(r.Kind), r.ID))
}

func (v *validator) collectNVSet(s *NVSet) {
	kind := string(s.Kind)
	if kind == "" {
		kind = "nvset"
	}
	v.registerOptional(s.ID, s.IDRef, idNVSet, describeRef(kind, s.ID, s.IDRef), s.Pos)
	if s.Rule != nil {
		v.collectRule(s.Rule)
	}
	for i := range s.Pairs {
		p := &s.Pairs[i]
		if p.ID == "" && p.IDRef == "" {
			continue // reported by the nvpair check
		}
		v.registerOptional(p.ID, p.IDRef, idNVPair, nvpairObject(p), p.Pos)
	}
}

func nvpairObject(p *NVPair) string {
	if p.ID == "" && p.IDRef == "" {
		return fmt.Sprintf("nvpair %q", p.Name)
	}
	return describeRef("nvpair", p.ID, p.IDRef)
}

func (v *validator) collectRule(r *Rule) {
	v.registerOptional(r.ID, r.IDRef, idRule, describeRef("rule", r.ID, r.IDRef), r.Pos)
	for i := range r.Exprs {
		e := &r.Exprs[i]
		if e.Kind == ExprRule {
			if e.Rule != nil {
				v.collectRule(e.Rule)
			}
			continue
		}
		v.register(e.ID, idExpr, describe(string(e.Kind), e.ID), e.Pos, nil)
		if e.DateSpec != nil && e.DateSpec.ID != "" {
			v.register(e.DateSpec.ID, idExpr, describe("date_spec", e.DateSpec.ID), e.Pos, nil)
		}
		if e.Duration != nil && e.Duration.ID != "" {
			v.register(e.Duration.ID, idExpr, describe("duration", e.Duration.ID), e.Pos, nil)
		}
	}
}

// ---- reference helpers ----

// checkRef reports an id-ref that does not resolve to an object of kind.
func (v *validator) checkRef(pos Pos, obj, attr, ref string, kinds ...idKind) {
	e, ok := v.ids[ref]
	if !ok {
		v.add(pos, obj, attr, "%q does not exist", ref)
		return
	}
	for _, k := range kinds {
		if e.kind == k {
			return
		}
	}
	v.add(pos, obj, attr, "%q is %s, not %s", ref, e.obj, kindNoun[kinds[0]])
}

var kindNoun = map[idKind]string{
	idResource: "a resource", idTemplate: "a template", idNVSet: "an attribute set",
	idNVPair: "an nvpair", idOp: "an op", idOperations: "an operations element",
	idConstraint: "a constraint", idSet: "a resource_set", idRule: "a rule",
	idExpr: "an expression", idTag: "a tag", idAlert: "an alert", idLevel: "a fencing-level",
	idOther: "that kind of object",
}

// checkRscRef reports a constraint's reference to a resource that does not
// exist. A constraint may name any resource (a group member, a clone's
// child, a bundle, a template: it then applies to every primitive made
// from it) or a tag (it then applies to every resource tagged).
func (v *validator) checkRscRef(pos Pos, obj, attr, ref string) {
	if ref == "" {
		v.add(pos, obj, attr, "missing")
		return
	}
	e, ok := v.ids[ref]
	if !ok {
		v.add(pos, obj, attr, "resource %q does not exist", ref)
		return
	}
	switch e.kind {
	case idResource, idTemplate, idTag:
		return
	}
	v.add(pos, obj, attr, "%q is %s, not a resource, template or tag", ref, e.obj)
}

// ---- value helpers ----

func (v *validator) score(pos Pos, obj, attr, s string) {
	if _, err := ParseScore(s); err != nil {
		v.add(pos, obj, attr, "%q is not a score (want an integer, INFINITY or -INFINITY)", s)
	}
}

func (v *validator) role(pos Pos, obj, attr, s string) {
	if s == "" {
		return
	}
	if _, err := ParseRole(s); err != nil {
		v.add(pos, obj, attr, "%q is not a role (want Stopped, Started, Promoted or Unpromoted; Master and Slave are old names for the last two)", s)
	}
}

func (v *validator) boolean(pos Pos, obj, attr, s string) {
	if s == "" {
		return
	}
	if _, err := ParseBoolean(s); err != nil {
		v.add(pos, obj, attr, "%s", err)
	}
}

func (v *validator) duration(pos Pos, obj, attr, s string) {
	if s == "" {
		return
	}
	if _, err := ParseDuration(s); err != nil {
		v.add(pos, obj, attr, "%s", err)
	}
}

func (v *validator) enum(pos Pos, obj, attr, s string, fold bool, allowed ...string) {
	if s == "" || oneOf(s, fold, allowed...) {
		return
	}
	v.add(pos, obj, attr, "%q is not one of %s", s, wantList(allowed...))
}

func (v *validator) integer(pos Pos, obj, attr, s string, min int64) {
	if s == "" {
		return
	}
	n, err := parseInteger(s)
	if err != nil {
		v.add(pos, obj, attr, "%s", err)
		return
	}
	if n < min {
		v.add(pos, obj, attr, "%s is below %d", s, min)
	}
}

// ---- the CIB element and the status ----

func (v *validator) cib(c *CIB) {
	obj := "cib"
	for _, a := range []struct{ name, val string }{
		{"admin_epoch", c.AdminEpoch}, {"epoch", c.Epoch}, {"num_updates", c.NumUpdates},
	} {
		v.integer(c.Pos, obj, a.name, a.val, 0)
	}
	v.boolean(c.Pos, obj, "have-quorum", c.HaveQuorum)
	v.integer(c.Pos, obj, "execution-date", c.ExecutionDate, 0)
}

// status checks the status section lightly: it is written by the cluster,
// not by people, and the scheduler needs its numbers to be numbers.
func (v *validator) status(s *Status) {
	for i := range s.Nodes {
		ns := &s.Nodes[i]
		if ns.LRM == nil {
			continue
		}
		for j := range ns.LRM.Resources {
			lr := &ns.LRM.Resources[j]
			robj := fmt.Sprintf("lrm_resource %q on node_state %q", lr.ID, ns.ID)
			if lr.ID == "" {
				v.add(ns.Pos, robj, "id", "missing id")
			}
			for k := range lr.Ops {
				op := &lr.Ops[k]
				oobj := fmt.Sprintf("lrm_rsc_op %q on node_state %q", op.ID, ns.ID)
				if op.ID == "" {
					v.add(ns.Pos, oobj, "id", "missing id")
				}
				if op.Operation == "" {
					v.add(ns.Pos, oobj, "operation", "missing")
				}
				v.integer(ns.Pos, oobj, "rc-code", op.RCCode, -1<<31)
				v.integer(ns.Pos, oobj, "op-status", op.OpStatus, -1<<31)
				v.integer(ns.Pos, oobj, "call-id", op.CallID, -1<<31)
				v.integer(ns.Pos, oobj, "interval", op.Interval, 0)
			}
		}
	}
}

// ---- the configuration ----

func (v *validator) configuration(cfg *Configuration) {
	v.collectIDs(cfg)
	for i := range cfg.CRMConfig {
		v.nvset(&cfg.CRMConfig[i], ctxProperties)
	}
	v.nodes(cfg.Nodes)
	for _, r := range cfg.Resources {
		v.resource(r, nil)
	}
	for _, c := range cfg.Constraints {
		if c != nil {
			v.constraint(c)
		}
	}
	for i := range cfg.RscDefaults {
		v.nvset(&cfg.RscDefaults[i], ctxRscDefaults)
	}
	for i := range cfg.OpDefaults {
		v.nvset(&cfg.OpDefaults[i], ctxOpDefaults)
	}
	v.fencingTopology(cfg.FencingTopology)
	for i := range cfg.Tags {
		t := &cfg.Tags[i]
		obj := describe("tag", t.ID)
		if len(t.Refs) == 0 {
			v.add(t.Pos, obj, "", "a tag needs at least one obj_ref")
		}
		for _, ref := range t.Refs {
			if _, ok := v.ids[ref]; !ok {
				v.add(t.Pos, obj, "obj_ref", "%q does not exist", ref)
			}
		}
	}
	for i := range cfg.Alerts {
		v.alert(&cfg.Alerts[i])
	}
}

func (v *validator) nodes(nodes []Node) {
	byID := map[string]bool{}
	byName := map[string]bool{}
	for i := range nodes {
		n := &nodes[i]
		obj := describe("node", n.Uname)
		if n.Uname == "" {
			obj = describe("node", n.ID)
			v.add(n.Pos, obj, "uname", "missing")
		} else if byName[n.Uname] {
			v.add(n.Pos, obj, "uname", "node %q is defined twice", n.Uname)
		}
		byName[n.Uname] = true
		if n.ID == "" {
			v.add(n.Pos, obj, "id", "missing id")
		} else if byID[n.ID] {
			v.add(n.Pos, obj, "id", "node id %q is used by another node", n.ID)
		}
		byID[n.ID] = true
		// "normal" is the pre-1.1 name of member, upgraded on load.
		v.enum(n.Pos, obj, "type", n.Type, false, "member", "remote", "ping", "normal")
		if n.Score != "" {
			v.score(n.Pos, obj, "score", n.Score)
		}
		for j := range n.Attributes {
			v.nvset(&n.Attributes[j], ctxNodeAttrs)
		}
		for j := range n.Utilization {
			v.nvset(&n.Utilization[j], ctxUtilization)
		}
	}
}

func (v *validator) fencingTopology(levels []FencingLevel) {
	for i := range levels {
		l := &levels[i]
		obj := describe("fencing-level", l.ID)
		if l.Index == "" {
			v.add(l.Pos, obj, "index", "missing")
		} else if n, err := parseInteger(l.Index); err != nil || n < 1 || n > 9 {
			v.add(l.Pos, obj, "index", "%q is not a level index (want 1 to 9)", l.Index)
		}
		targets := 0
		for _, t := range []string{l.Target, l.TargetPattern, l.TargetAttribute} {
			if t != "" {
				targets++
			}
		}
		switch {
		case targets == 0:
			v.add(l.Pos, obj, "target", "a fencing level needs target, target-pattern or target-attribute")
		case targets > 1:
			v.add(l.Pos, obj, "target", "use only one of target, target-pattern and target-attribute")
		}
		if l.TargetAttribute != "" && l.TargetValue == "" {
			v.add(l.Pos, obj, "target-value", "target-attribute needs target-value")
		}
		if l.TargetValue != "" && l.TargetAttribute == "" {
			v.add(l.Pos, obj, "target-value", "target-value is only used with target-attribute")
		}
		if l.TargetPattern != "" {
			if err := checkRegexp(l.TargetPattern); err != nil {
				v.add(l.Pos, obj, "target-pattern", "%s", err)
			}
		}
		if strings.TrimSpace(l.Devices) == "" {
			v.add(l.Pos, obj, "devices", "missing (want a comma-separated list of fence devices)")
			continue
		}
		for _, d := range strings.Split(l.Devices, ",") {
			e, ok := v.ids[d]
			switch {
			case d == "":
				v.add(l.Pos, obj, "devices", "%q has an empty device name", l.Devices)
			case !ok:
				v.add(l.Pos, obj, "devices", "fence device %q does not exist", d)
			case e.kind != idResource || e.rsc == nil || e.rsc.Kind != KindPrimitive:
				v.add(l.Pos, obj, "devices", "%q is %s, not a fence device", d, e.obj)
			case !strings.EqualFold(e.rsc.Class, "stonith") && e.rsc.Template == "":
				v.add(l.Pos, obj, "devices", "%q is %s of class %s, not a fence device (class stonith)", d, e.obj, e.rsc.Class)
			}
		}
	}
}

func (v *validator) alert(a *Alert) {
	obj := describe("alert", a.ID)
	if a.Path == "" {
		v.add(a.Pos, obj, "path", "missing (want the alert agent's path)")
	}
	for j := range a.Instance {
		v.nvset(&a.Instance[j], ctxOther)
	}
	for j := range a.Meta {
		v.nvset(&a.Meta[j], ctxAlertMeta)
	}
	for j := range a.Recipients {
		rc := &a.Recipients[j]
		robj := describe("recipient", rc.ID)
		if rc.Value == "" {
			v.add(a.Pos, robj, "value", "missing")
		}
		for k := range rc.Instance {
			v.nvset(&rc.Instance[k], ctxOther)
		}
		for k := range rc.Meta {
			v.nvset(&rc.Meta[k], ctxAlertMeta)
		}
	}
}

package cib

import "strings"

// nvContext says where an nvset sits, which decides what its names mean.
type nvContext int

const (
	ctxOther nvContext = iota
	ctxProperties
	ctxNodeAttrs
	ctxUtilization
	ctxInstance
	ctxRscMeta
	ctxOpMeta
	ctxRscDefaults
	ctxOpDefaults
	ctxAlertMeta
)

// KnownClasses are the resource classes (standards) Pacemaker 2.1's schema
// accepts. pacer runs ocf, lsb, systemd, service and stonith.
var KnownClasses = []string{"ocf", "lsb", "systemd", "service", "stonith", "heartbeat", "nagios", "upstart"}

// KnownOps are the operation names an op may have: the OCF actions the
// cluster runs, plus status (the LSB spelling of monitor).
var KnownOps = []string{
	"start", "stop", "monitor", "status", "promote", "demote", "notify",
	"migrate_to", "migrate_from", "reload", "reload-agent", "meta-data", "validate-all",
}

var onFailValues = []string{"ignore", "block", "stop", "restart", "standby", "fence", "demote", "restart-container"}

func (v *validator) resource(r *Resource, parent *Resource) {
	if r == nil {
		return
	}
	obj := describe(string(r.Kind), r.ID)
	switch r.Kind {
	case KindPrimitive, KindTemplate:
		v.primitive(r, obj)
	case KindGroup:
		if len(r.Children) == 0 {
			v.add(r.Pos, obj, "", "a group needs at least one primitive")
		}
		for _, c := range r.Children {
			if c != nil && c.Kind != KindPrimitive {
				v.add(c.Pos, describe(string(c.Kind), c.ID), "", "a group's members must be primitives, not a %s (in group %q)", c.Kind, r.ID)
			}
		}
	case KindClone, KindMaster:
		switch {
		case len(r.Children) == 0:
			v.add(r.Pos, obj, "", "a %s needs exactly one primitive or group, it has none", r.Kind)
		case len(r.Children) > 1:
			v.add(posOf(r.Children[1], r.Pos), obj, "", "a %s has exactly one primitive or group, it has %d", r.Kind, len(r.Children))
		}
		for _, c := range r.Children {
			if c != nil && c.Kind != KindPrimitive && c.Kind != KindGroup {
				v.add(c.Pos, describe(string(c.Kind), c.ID), "", "a %s can hold a primitive or a group, not a %s (in %s %q)", r.Kind, c.Kind, r.Kind, r.ID)
			}
		}
	case KindBundle:
		v.bundle(r, obj)
	default:
		v.add(r.Pos, obj, "", "unknown resource kind %q", r.Kind)
	}
	if parent != nil && r.Kind == KindTemplate {
		v.add(r.Pos, obj, "", "a template may only appear at the top of resources")
	}
	if r.Kind != KindPrimitive && r.Kind != KindTemplate {
		if len(r.Ops) > 0 {
			v.add(r.Ops[0].Pos, obj, "", "only primitives and templates have operations")
		}
		if r.Class != "" || r.Type != "" || r.Provider != "" || r.Template != "" {
			v.add(r.Pos, obj, "class", "only primitives and templates name an agent")
		}
	}
	for i := range r.Instance {
		v.nvset(&r.Instance[i], ctxInstance)
	}
	for i := range r.Meta {
		v.nvset(&r.Meta[i], ctxRscMeta)
	}
	for i := range r.Utilization {
		v.nvset(&r.Utilization[i], ctxUtilization)
	}
	for _, c := range r.Children {
		v.resource(c, r)
	}
}

func (v *validator) primitive(r *Resource, obj string) {
	if r.Template != "" {
		if r.Kind == KindTemplate {
			v.add(r.Pos, obj, "template", "a template cannot itself use a template")
		} else {
			v.checkRef(r.Pos, obj, "template", r.Template, idTemplate)
		}
		if r.Class != "" || r.Type != "" || r.Provider != "" {
			v.add(r.Pos, obj, "template", "a primitive names either a template or class and type, not both")
		}
	} else {
		v.agent(r.Pos, obj, r.Class, r.Provider, r.Type)
	}
	if r.OpsIDRef != "" {
		v.checkRef(r.Pos, obj, "operations id-ref", r.OpsIDRef, idOperations)
	}
	seen := map[string]*Op{}
	for i := range r.Ops {
		op := &r.Ops[i]
		v.op(r, op)
		iv, err := ParseInterval(op.Interval)
		if err != nil || op.Name == "" {
			continue
		}
		if iv == 0 {
			continue // Pacemaker checks recurring ops only
		}
		key := op.Name + "/" + iv.String()
		if first, ok := seen[key]; ok {
			v.add(op.Pos, opObject(r, op), "interval", "duplicates %s: name %s and interval %s are used twice (Pacemaker ignores the second)",
				opObject(r, first), op.Name, iv)
			continue
		}
		seen[key] = op
	}
}

// agent checks class:provider:type.
func (v *validator) agent(pos Pos, obj, class, provider, typ string) {
	switch {
	case class == "":
		v.add(pos, obj, "class", "missing (want one of %s)", wantList(KnownClasses...))
	case !oneOf(class, false, KnownClasses...):
		v.add(pos, obj, "class", "%q is not a resource class (want one of %s)", class, wantList(KnownClasses...))
	case class == "ocf" && provider == "":
		v.add(pos, obj, "provider", "an ocf resource needs a provider (e.g. ocf:heartbeat:%s)", typ)
	case class != "ocf" && provider != "":
		v.add(pos, obj, "provider", "only ocf resources have a provider, not %s ones", class)
	}
	if typ == "" {
		v.add(pos, obj, "type", "missing (the agent's name)")
	}
}

func (v *validator) op(r *Resource, op *Op) {
	obj := opObject(r, op)
	switch {
	case op.Name == "":
		v.add(op.Pos, obj, "name", "missing")
	case !oneOf(op.Name, false, KnownOps...):
		v.add(op.Pos, obj, "name", "%q is not an operation (want one of %s)", op.Name, wantList(KnownOps...))
	}
	if op.Interval == "" {
		v.add(op.Pos, obj, "interval", "missing (use 0 for a non-recurring op)")
	} else if _, err := ParseInterval(op.Interval); err != nil {
		v.add(op.Pos, obj, "interval", "%s", err)
	}
	v.duration(op.Pos, obj, "timeout", op.Timeout)
	v.duration(op.Pos, obj, "start-delay", op.StartDelay)
	if op.StartDelay != "" && op.IntervalOrigin != "" {
		v.add(op.Pos, obj, "interval-origin", "use either start-delay or interval-origin, not both")
	}
	if op.IntervalOrigin != "" {
		if _, err := ParseISODate(op.IntervalOrigin); err != nil {
			v.add(op.Pos, obj, "interval-origin", "%s", err)
		}
	}
	v.role(op.Pos, obj, "role", op.Role)
	v.enum(op.Pos, obj, "on-fail", op.OnFail, false, onFailValues...)
	v.enum(op.Pos, obj, "requires", op.Requires, false, "nothing", "quorum", "fencing", "unfencing")
	v.boolean(op.Pos, obj, "record-pending", op.RecordPending)
	v.boolean(op.Pos, obj, "enabled", op.Enabled)
	for i := range op.Instance {
		v.nvset(&op.Instance[i], ctxOther)
	}
	for i := range op.Meta {
		v.nvset(&op.Meta[i], ctxOpMeta)
	}
}

func (v *validator) bundle(r *Resource, obj string) {
	b := r.Bundle
	if b == nil {
		v.add(r.Pos, obj, "", "a bundle needs a container (docker, podman or rkt)")
	} else {
		v.enum(r.Pos, obj, "container", b.Runtime, false, "docker", "podman", "rkt")
		if b.Runtime == "" {
			v.add(r.Pos, obj, "container", "a bundle needs a container (docker, podman or rkt)")
		}
		image := false
		for _, a := range b.RuntimeAttrs {
			switch a.Name {
			case "image":
				image = a.Value != ""
			case "replicas", "replicas-per-host", "promoted-max", "masters":
				v.integer(r.Pos, obj, a.Name, a.Value, 0)
			}
		}
		if b.Runtime != "" && !image {
			v.add(r.Pos, obj, "image", "a bundle's %s needs an image", b.Runtime)
		}
		if b.Network != nil {
			for _, a := range b.Network.Attrs {
				switch a.Name {
				case "control-port", "host-netmask":
					v.integer(r.Pos, obj, a.Name, a.Value, 0)
				case "add-host":
					v.boolean(r.Pos, obj, a.Name, a.Value)
				}
			}
		}
	}
	if len(r.Children) > 1 {
		v.add(posOf(r.Children[1], r.Pos), obj, "", "a bundle holds at most one primitive, it has %d", len(r.Children))
	}
	for _, c := range r.Children {
		if c != nil && c.Kind != KindPrimitive {
			v.add(c.Pos, describe(string(c.Kind), c.ID), "", "a bundle can hold a primitive, not a %s (in bundle %q)", c.Kind, r.ID)
		}
	}
}

// ---- nvsets ----

func (v *validator) nvset(s *NVSet, ctx nvContext) {
	kind := string(s.Kind)
	if kind == "" {
		kind = "nvset"
	}
	obj := describeRef(kind, s.ID, s.IDRef)
	if s.IDRef != "" {
		v.checkRef(s.Pos, obj, "id-ref", s.IDRef, idNVSet)
		if len(s.Pairs) > 0 || s.Rule != nil {
			v.add(s.Pos, obj, "id-ref", "a set with id-ref takes its contents from the referenced set and has none of its own")
		}
	}
	if s.Score != "" {
		v.score(s.Pos, obj, "score", s.Score)
	}
	if s.Rule != nil {
		v.rule(s.Rule, ruleContext{nv: ctx})
	}
	for i := range s.Pairs {
		p := &s.Pairs[i]
		pobj := nvpairObject(p)
		if p.IDRef != "" {
			v.checkRef(p.Pos, pobj, "id-ref", p.IDRef, idNVPair)
			continue
		}
		if p.ID == "" {
			v.add(p.Pos, pobj, "id", "missing id")
		}
		if p.Name == "" {
			v.add(p.Pos, pobj, "name", "missing")
			continue
		}
		// "#default" unsets a value (Pacemaker drops the pair).
		if p.HasValue && !strings.EqualFold(p.Value, "#default") {
			v.nvValue(p.Pos, pobj, ctx, p.Name, p.Value)
		}
	}
}

// nvValue checks the value of a name Pacemaker interprets in ctx.
func (v *validator) nvValue(pos Pos, obj string, ctx nvContext, name, val string) {
	attr := "value"
	switch ctx {
	case ctxUtilization:
		v.integer(pos, obj, attr, val, 0)
	case ctxRscMeta, ctxRscDefaults:
		v.metaValue(pos, obj, name, val)
	case ctxOpMeta, ctxOpDefaults:
		v.opMetaValue(pos, obj, name, val)
	case ctxProperties:
		v.propertyValue(pos, obj, name, val)
	case ctxAlertMeta:
		if name == "timeout" {
			v.duration(pos, obj, attr, val)
		}
	}
}

func (v *validator) metaValue(pos Pos, obj, name, val string) {
	const attr = "value"
	switch name {
	case "target-role":
		v.role(pos, obj, attr, val)
	case "is-managed", "maintenance", "notify", "globally-unique", "promotable", "interleave",
		"ordered", "allow-migrate", "critical", "remote-allow-migrate", "allow-unhealthy-nodes":
		v.boolean(pos, obj, attr, val)
	case "resource-stickiness", "migration-threshold", "priority":
		v.scoreValue(pos, obj, attr, val)
	case "failure-timeout", "remote-connect-timeout":
		v.duration(pos, obj, attr, val)
	case "multiple-active":
		v.enum(pos, obj, attr, val, false, "block", "stop_only", "stop_start", "stop_unexpected")
	case "requires":
		v.enum(pos, obj, attr, val, false, "nothing", "quorum", "fencing", "unfencing")
	case "clone-max", "clone-node-max", "clone-min", "promoted-max", "promoted-node-max",
		"master-max", "master-node-max":
		v.integer(pos, obj, attr, val, 0)
	}
}

func (v *validator) opMetaValue(pos Pos, obj, name, val string) {
	const attr = "value"
	switch name {
	case "timeout", "start-delay":
		v.duration(pos, obj, attr, val)
	case "interval":
		if _, err := ParseInterval(val); err != nil {
			v.add(pos, obj, attr, "%s", err)
		}
	case "on-fail":
		v.enum(pos, obj, attr, val, false, onFailValues...)
	case "record-pending", "enabled":
		v.boolean(pos, obj, attr, val)
	case "role":
		v.role(pos, obj, attr, val)
	}
}

func (v *validator) propertyValue(pos Pos, obj, name, val string) {
	const attr = "value"
	switch name {
	case "stonith-enabled", "symmetric-cluster", "maintenance-mode", "start-failure-is-fatal",
		"enable-startup-probes", "stop-orphan-resources", "stop-orphan-actions", "stop-all-resources",
		"startup-fencing", "concurrent-fencing", "shutdown-lock", "enable-acl":
		v.boolean(pos, obj, attr, val)
	case "stonith-timeout", "cluster-delay", "cluster-recheck-interval", "dc-deadtime",
		"election-timeout", "shutdown-escalation", "join-integration-timeout",
		"join-finalization-timeout", "transition-delay", "shutdown-lock-limit", "priority-fencing-delay":
		v.duration(pos, obj, attr, val)
	case "no-quorum-policy":
		v.enum(pos, obj, attr, val, false, "stop", "freeze", "ignore", "demote", "suicide")
	case "placement-strategy":
		v.enum(pos, obj, attr, val, false, "default", "utilization", "minimal", "balanced")
	case "stonith-action":
		v.enum(pos, obj, attr, val, false, "reboot", "off", "poweroff")
	case "node-health-strategy":
		v.enum(pos, obj, attr, val, false, "none", "migrate-on-red", "only-green", "progressive", "custom")
	case "node-health-green", "node-health-yellow", "node-health-red", "node-health-base":
		v.scoreValue(pos, obj, attr, val)
	}
}

// scoreValue checks a score given as an nvpair value. Pacemaker reads the
// leading integer of such values, so "1.0" (seen in old CIBs) means 1 and
// is accepted; "1.5" would silently become 1 and is refused.
func (v *validator) scoreValue(pos Pos, obj, attr, s string) {
	t := strings.TrimSpace(s)
	if i := strings.IndexByte(t, '.'); i > 0 && strings.Trim(t[i+1:], "0") == "" && t[i+1:] != "" {
		t = t[:i]
	}
	if _, err := ParseScore(t); err != nil {
		v.add(pos, obj, attr, "%q is not a score (want an integer, INFINITY or -INFINITY)", s)
	}
}

// posOf is r's position, or def when r is nil or was built in memory.
func posOf(r *Resource, def Pos) Pos {
	if r == nil || r.Pos.Line == 0 {
		return def
	}
	return r.Pos
}

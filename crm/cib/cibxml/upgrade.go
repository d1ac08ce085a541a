package cibxml

import (
	"sort"
	"strconv"
	"strings"

	"pacer/crm/cib"
)

// Change is one thing the schema upgrade did to a CIB, or deliberately
// left alone where Pacemaker would have dropped it. Callers log them.
type Change struct {
	Pos    cib.Pos // of the object read, zero for one built in memory
	Object string  // e.g. `<nvpair id="opt-1">`
	Msg    string
}

func (c Change) String() string {
	var b strings.Builder
	if c.Pos.Line > 0 {
		b.WriteString(strconv.Itoa(c.Pos.Line))
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(c.Pos.Col))
		b.WriteString(": ")
	}
	b.WriteString(c.Object)
	b.WriteString(": ")
	b.WriteString(c.Msg)
	return b.String()
}

// upgradePrefix is what Pacemaker's upgrade-2.10.xsl puts in front of the
// ids of the elements it creates; using the same ids keeps a CIB upgraded
// by pacer comparable with one upgraded by Pacemaker.
const upgradePrefix = "_2TO3_"

// Upgrade rewrites, in place, a CIB whose validate-with names a schema
// older than pacemaker-3.0, the way Pacemaker 2.1.5 does when it loads one
// (xml/upgrade-2.10.xsl; the 1.x ACL transform is not applied because ACLs
// are not modelled). It returns what it changed, in document order.
// CIBs for pacemaker-3.x, "none" (Pacemaker skips the upgrade then too)
// or anything unrecognised are left alone. ValidateWith is never changed.
//
// The edits are the ones the scheduler would otherwise get wrong:
//
//   - node type="normal" becomes "member";
//   - underscore spellings of cluster options are renamed
//     (stonith_enabled to stonith-enabled, transition_idle_timeout to
//     cluster-delay, ...);
//   - the old defaults in crm_config move to where Pacemaker 2 reads them:
//     default-resource-stickiness and is-managed-default to rsc_defaults
//     (resource-stickiness, is-managed), default-action-timeout to
//     op_defaults (timeout), default-resource-failure-stickiness=-INFINITY
//     to rsc_defaults migration-threshold=1 - into the first plain
//     meta_attributes there, or a new one, unless already set there;
//   - requires= on a start or promote op moves to the resource's
//     meta_attributes (the last one given wins, as in the XSL).
//
// Where Pacemaker drops something that has no effect (cluster options
// such as expected-quorum-votes or notification-agent, requires on other
// operations, a colocation's score-attribute), pacer keeps it and records
// a Change: nothing an administrator wrote is lost, and the scheduler
// ignores those values either way. Upgrade is idempotent, so Read, Write
// and Read again give the same model.
func Upgrade(c *cib.CIB) []Change {
	if c == nil || !preThree(c.ValidateWith) {
		return nil
	}
	u := &upgrader{conf: &c.Configuration}
	u.nodes()
	u.properties()
	for _, r := range c.Configuration.Resources {
		u.resource(r)
	}
	u.colocations()
	// Report in document order; changes to objects built in memory (no
	// position) keep the order they were made in.
	sort.SliceStable(u.changes, func(i, j int) bool {
		a, b := u.changes[i].Pos, u.changes[j].Pos
		return a.Line < b.Line || (a.Line == b.Line && a.Col < b.Col)
	})
	return u.changes
}

// preThree reports whether v is "pacemaker-X.Y" with X < 3.
func preThree(v string) bool {
	rest, ok := strings.CutPrefix(v, "pacemaker-")
	if !ok {
		return false
	}
	major, _, ok := strings.Cut(rest, ".")
	if !ok {
		return false
	}
	n, err := strconv.Atoi(major)
	return err == nil && n >= 0 && n < 3
}

type upgrader struct {
	conf    *cib.Configuration
	changes []Change
	// names caches the pair names of each move target, so a hostile
	// crm_config with thousands of movable options stays linear.
	names map[target]map[string]bool
}

type target struct {
	where string
	index int
}

func (u *upgrader) note(pos cib.Pos, object, msg string) {
	u.changes = append(u.changes, Change{Pos: pos, Object: object, Msg: msg})
}

func obj(elem, id string) string {
	if id == "" {
		return "<" + elem + ">"
	}
	return "<" + elem + " id=" + strconv.Quote(id) + ">"
}

func (u *upgrader) nodes() {
	for i := range u.conf.Nodes {
		n := &u.conf.Nodes[i]
		if n.Type == "normal" {
			n.Type = "member"
			u.note(n.Pos, obj("node", n.ID), `type "normal" is now "member"`)
		}
	}
}

// propRule is one row of upgrade-2.10.xsl's cluster-properties table.
type propRule struct {
	from    string
	to      string   // new name; "" when Pacemaker drops the option
	where   string   // "", "rsc_defaults" or "op_defaults": move there
	ifValue []string // the row applies only to these values
	value   string   // the value the moved pair gets, if not its own
	why     string   // for a dropped option: why it has no effect
}

var propRules = []propRule{
	{from: "cluster-infrastructure", ifValue: []string{"heartbeat", "openais", "classic openais", "classic openais (with plugin)", "cman"},
		why: "corosync 2+ is the infrastructure now and the value is not used"},
	{from: "cluster_recheck_interval", to: "cluster-recheck-interval"},
	{from: "dc_deadtime", to: "dc-deadtime"},
	{from: "default-action-timeout", to: "timeout", where: "op_defaults"},
	{from: "default_action_timeout", to: "timeout", where: "op_defaults"},
	{from: "default-migration-threshold", why: "use migration-threshold in rsc_defaults"},
	{from: "default_migration_threshold", why: "use migration-threshold in rsc_defaults"},
	{from: "default-resource-stickiness", to: "resource-stickiness", where: "rsc_defaults"},
	{from: "default_resource_stickiness", to: "resource-stickiness", where: "rsc_defaults"},
	{from: "default-resource-failure-stickiness", to: "migration-threshold", where: "rsc_defaults", ifValue: []string{"-INFINITY"}, value: "1"},
	{from: "default-resource-failure-stickiness", why: "use migration-threshold in rsc_defaults"},
	{from: "default_resource_failure_stickiness", to: "migration-threshold", where: "rsc_defaults", ifValue: []string{"-INFINITY"}, value: "1"},
	{from: "default_resource_failure_stickiness", why: "use migration-threshold in rsc_defaults"},
	{from: "election_timeout", to: "election-timeout"},
	{from: "expected-quorum-votes", why: "corosync 2+ tracks quorum itself"},
	{from: "is-managed-default", to: "is-managed", where: "rsc_defaults"},
	{from: "is_managed_default", to: "is-managed", where: "rsc_defaults"},
	{from: "no_quorum_policy", to: "no-quorum-policy"},
	{from: "notification-agent", why: "use alerts"},
	{from: "notification-recipient", why: "use alerts"},
	{from: "remove_after_stop", to: "remove-after-stop"},
	{from: "shutdown_escalation", to: "shutdown-escalation"},
	{from: "startup_fencing", to: "startup-fencing"},
	{from: "stonith_action", to: "stonith-action"},
	{from: "stonith_enabled", to: "stonith-enabled"},
	{from: "stop_orphan_actions", to: "stop-orphan-actions"},
	{from: "stop_orphan_resources", to: "stop-orphan-resources"},
	{from: "symmetric_cluster", to: "symmetric-cluster"},
	{from: "transition_idle_timeout", to: "cluster-delay"},
}

// propRuleFor picks the row for a name and value as the XSL does: a row
// whose value list matches wins; otherwise the row without a value list.
func propRuleFor(name, value string) *propRule {
	var fallback *propRule
	for i := range propRules {
		r := &propRules[i]
		if r.from != name {
			continue
		}
		if r.ifValue == nil {
			if fallback == nil {
				fallback = r
			}
			continue
		}
		for _, v := range r.ifValue {
			if v == value {
				return r
			}
		}
	}
	return fallback
}

func (u *upgrader) properties() {
	for si := range u.conf.CRMConfig {
		// A fresh slice: the pairs that stay, in order. Moved ones are
		// appended to rsc_defaults or op_defaults by move.
		pairs := u.conf.CRMConfig[si].Pairs
		kept := pairs[:0:0]
		for _, p := range pairs {
			rule := propRuleFor(p.Name, p.Value)
			switch {
			case rule == nil:
				kept = append(kept, p)
			case rule.where == "" && rule.to != "":
				u.note(p.Pos, obj("nvpair", p.ID), "cluster option "+p.Name+" renamed "+rule.to)
				p.Name = rule.to
				kept = append(kept, p)
			case rule.where == "":
				u.note(p.Pos, obj("nvpair", p.ID), "cluster option "+p.Name+" kept, but it has no effect ("+rule.why+"); Pacemaker drops it")
				kept = append(kept, p)
			default:
				if u.move(si, p, rule) {
					continue
				}
				kept = append(kept, p)
			}
		}
		if len(kept) == 0 {
			kept = nil // as Read leaves an empty set
		}
		u.conf.CRMConfig[si].Pairs = kept
	}
}

// move puts a crm_config pair into rsc_defaults or op_defaults. It reports
// false, and the pair stays where it was, when the target already sets the
// name (Pacemaker would drop the pair; it has no effect in crm_config).
func (u *upgrader) move(si int, p cib.NVPair, rule *propRule) bool {
	src := &u.conf.CRMConfig[si]
	list := &u.conf.RscDefaults
	has := &u.conf.HasRscDefaults
	if rule.where == "op_defaults" {
		list, has = &u.conf.OpDefaults, &u.conf.HasOpDefaults
	}
	ti := -1
	for i := range *list {
		s := &(*list)[i]
		if src.Rule == nil && s.Rule == nil && s.IDRef == "" {
			ti = i
			break
		}
		if src.Rule != nil && s.ID == upgradePrefix+src.ID {
			ti = i
			break
		}
	}
	if ti >= 0 {
		if u.targetNames(rule.where, ti, (*list)[ti].Pairs)[rule.to] {
			u.note(p.Pos, obj("nvpair", p.ID), "cluster option "+p.Name+" kept, but it has no effect: "+rule.where+" already sets "+rule.to+"; Pacemaker drops it")
			return false
		}
	} else {
		// No plain set to extend: make one, with the XSL's ids. A
		// conditional property set moves under a copy of its rule.
		ns := cib.NVSet{Kind: cib.MetaAttributes, ID: upgradePrefix + "-" + strings.ReplaceAll(rule.where, "_", "-")}
		if src.Rule != nil {
			ns.ID = upgradePrefix + src.ID
			ns.Rule = cloneRule(src.Rule, upgradePrefix)
		}
		*list = append(*list, ns)
		ti = len(*list) - 1
		*has = false
	}
	q := p
	q.Name = rule.to
	if rule.value != "" {
		q.Value, q.HasValue = rule.value, true
	}
	(*list)[ti].Pairs = append((*list)[ti].Pairs, q)
	u.targetNames(rule.where, ti, (*list)[ti].Pairs)[q.Name] = true
	msg := "cluster option " + p.Name + " moved to " + rule.where + " as " + rule.to
	if rule.value != "" {
		msg += "=" + rule.value
	}
	u.note(p.Pos, obj("nvpair", p.ID), msg)
	return true
}

// targetNames returns the set of pair names of a move target, built on
// first use from pairs.
func (u *upgrader) targetNames(where string, index int, pairs []cib.NVPair) map[string]bool {
	k := target{where, index}
	if m, ok := u.names[k]; ok {
		return m
	}
	if u.names == nil {
		u.names = map[target]map[string]bool{}
	}
	m := make(map[string]bool, len(pairs))
	for _, p := range pairs {
		m[p.Name] = true
	}
	u.names[k] = m
	return m
}

// cloneRule deep-copies a rule, prefixing every id so the copy does not
// clash with the original.
func cloneRule(r *cib.Rule, prefix string) *cib.Rule {
	if r == nil {
		return nil
	}
	c := *r
	c.ID = prefixed(prefix, r.ID)
	c.Extra = append([]cib.Attr(nil), r.Extra...)
	c.Exprs = make([]cib.Expr, len(r.Exprs))
	for i, x := range r.Exprs {
		x.ID = prefixed(prefix, x.ID)
		x.Extra = append([]cib.Attr(nil), x.Extra...)
		x.Rule = cloneRule(x.Rule, prefix)
		if x.DateSpec != nil {
			d := *x.DateSpec
			d.ID = prefixed(prefix, d.ID)
			d.Attrs = append([]cib.Attr(nil), d.Attrs...)
			x.DateSpec = &d
		}
		if x.Duration != nil {
			d := *x.Duration
			d.ID = prefixed(prefix, d.ID)
			d.Attrs = append([]cib.Attr(nil), d.Attrs...)
			x.Duration = &d
		}
		c.Exprs[i] = x
	}
	return &c
}

func prefixed(prefix, id string) string {
	if id == "" {
		return ""
	}
	return prefix + id
}

func (u *upgrader) resource(r *cib.Resource) {
	if r == nil {
		return
	}
	if r.Kind == cib.KindPrimitive || r.Kind == cib.KindTemplate {
		u.opRequires(r)
	}
	for _, c := range r.Children {
		u.resource(c)
	}
}

// opRequires moves requires from start/promote operations to the
// resource's meta attributes. As in the XSL, an op attribute beats an
// nvpair in an op's meta_attributes, and a later op beats an earlier one.
func (u *upgrader) opRequires(r *cib.Resource) {
	type source struct {
		op, set, pair int // set/pair -1: the op's requires attribute
		value         string
	}
	var attrWin, metaWin *source
	var losers []source
	for oi := range r.Ops {
		op := &r.Ops[oi]
		counts := op.Name == "start" || op.Name == "promote"
		if op.Requires != "" {
			if !counts {
				u.note(op.Pos, obj("op", op.ID), "requires on a "+op.Name+" operation kept, but it has no effect; Pacemaker drops it")
			} else {
				if attrWin != nil {
					losers = append(losers, *attrWin)
				}
				attrWin = &source{op: oi, set: -1, pair: -1, value: op.Requires}
			}
		}
		for si := range op.Meta {
			s := &op.Meta[si]
			if s.Rule != nil {
				continue
			}
			for pi, p := range s.Pairs {
				if p.Name != "requires" {
					continue
				}
				if !counts {
					u.note(p.Pos, obj("nvpair", p.ID), "requires on a "+op.Name+" operation kept, but it has no effect; Pacemaker drops it")
					continue
				}
				if metaWin != nil {
					losers = append(losers, *metaWin)
				}
				metaWin = &source{op: oi, set: si, pair: pi, value: p.Value}
			}
		}
	}
	win := attrWin
	if win == nil {
		win = metaWin
	} else if metaWin != nil {
		losers = append(losers, *metaWin)
	}
	if win == nil {
		return
	}
	for _, s := range r.Meta {
		if s.Rule != nil || s.IDRef != "" {
			continue
		}
		for _, p := range s.Pairs {
			if p.Name == "requires" {
				losers = append(losers, *win)
				win = nil
				break
			}
		}
		if win == nil {
			break
		}
	}
	for _, l := range losers {
		op := &r.Ops[l.op]
		u.note(op.Pos, obj("op", op.ID), "requires="+l.value+" kept, but it has no effect: another definition wins; Pacemaker drops it")
	}
	if win == nil {
		return
	}
	op := &r.Ops[win.op]
	if win.set < 0 {
		r.Meta = append(r.Meta, cib.NVSet{
			Kind: cib.MetaAttributes,
			ID:   upgradePrefix + r.ID + "-meta",
			Pairs: []cib.NVPair{{
				ID: upgradePrefix + op.ID + "-meta-requires", Name: "requires", Value: win.value, HasValue: true,
			}},
		})
		op.Requires = ""
	} else {
		set := &op.Meta[win.set]
		p := set.Pairs[win.pair]
		set.Pairs = append(set.Pairs[:win.pair:win.pair], set.Pairs[win.pair+1:]...)
		if len(set.Pairs) == 0 {
			set.Pairs = nil
		}
		r.Meta = append(r.Meta, cib.NVSet{Kind: cib.MetaAttributes, ID: upgradePrefix + set.ID, Pairs: []cib.NVPair{p}})
	}
	u.note(op.Pos, obj("op", op.ID), "requires="+win.value+" moved to the meta attributes of "+string(r.Kind)+" "+r.ID)
}

func (u *upgrader) colocations() {
	for _, c := range u.conf.Constraints {
		if c == nil || c.Kind != cib.KindColocation {
			continue
		}
		for _, a := range c.Extra {
			if a.Name == "score-attribute" || a.Name == "score-attribute-mangle" {
				u.note(c.Pos, obj("rsc_colocation", c.ID), a.Name+" kept, but it never had an effect; Pacemaker drops it")
			}
		}
	}
}

package scheduler

import (
	"strings"

	"pacer/crm/cib"
)

type orderFlags uint32

const (
	orderOptional orderFlags = 1 << iota
	orderImpliesThen
	orderImpliesFirst
	orderRunnableLeft
	orderRestart
	orderImpliesThenPrinted
	orderImpliesFirstPrinted
	orderAsymmetrical
	orderOneOrMore
	orderSerializeOnly
	// orderThenCancelsFirst: a required 'then' (a stop or demote) makes
	// 'first' (a reload) unnecessary.
	orderThenCancelsFirst
	// orderPromotedImpliesFirst: a required 'then' (a stop) of a
	// Promoted resource makes 'first' (its demote) required.
	orderPromotedImpliesFirst
	// orderLoad: a utilization ordering (stop, load_stopped, start);
	// in the graph only between actions on the same node and when
	// 'first' is required.
	orderLoad
	// orderImpliesFirstMigratable: a 'then' (stop or start of a
	// migration) that cannot migrate makes 'first' (migrate_from or
	// migrate_to) unrunnable; a required one makes it required.
	orderImpliesFirstMigratable
	// orderPseudoLeft: when 'first' (migrate_from) cannot run, 'then'
	// (the start) is no longer a pseudo-action and cannot migrate.
	orderPseudoLeft
	// orderPreserve: an ordering the cluster made (fencing before the
	// stops it implies); it changes no flags but is kept in the graph.
	orderPreserve
	// orderSameNode: the ordering holds only between actions on the
	// same node (pe_order_same_node); others are dropped.
	orderSameNode
	// orderAntiColocation: one side of a -INFINITY colocation gives
	// up its role before the other takes its own; it changes no flags
	// and is kept in the graph only between actions on one node (or
	// a collective's) and when 'first' is required.
	orderAntiColocation
)

// ordering is an ordering between resource actions by key, or between
// concrete actions, resolved by applyOrderings.
type ordering struct {
	firstRsc    *resource
	firstKey    string
	firstAction *action
	thenRsc     *resource
	thenKey     string
	thenAction  *action
	flags       orderFlags
}

func (ws *workingSet) newOrdering(fr *resource, fkey string, fa *action, tr *resource, tkey string, ta *action, flags orderFlags) {
	ws.orderings = append(ws.orderings, &ordering{fr, fkey, fa, tr, tkey, ta, flags})
}

func (ws *workingSet) orderRsc(first *resource, ftask string, then *resource, ttask string, flags orderFlags) {
	ws.newOrdering(first, opKey(first.id, ftask, 0), nil, then, opKey(then.id, ttask, 0), nil, flags)
}

// internalConstraints adds each resource's implicit orderings and
// colocations (stop before start; group member chains).
func (ws *workingSet) internalConstraints() {
	for _, r := range ws.resources {
		ws.rscInternal(r)
	}
}

func (ws *workingSet) rscInternal(r *resource) {
	if r.isClone() {
		ws.cloneInternal(r)
		return
	}
	if !r.isGroup() {
		ws.orderRsc(r, "stop", r, "start", orderOptional|orderImpliesThen|orderRestart)
		if r.isPromotableInstance() || r.role > cib.RoleUnpromoted {
			ws.orderRsc(r, "demote", r, "stop", orderPromotedImpliesFirst)
			ws.orderRsc(r, "start", r, "promote", orderRunnableLeft)
		}
		ws.unfenceConstraints(r)
		if ws.usesUtilization() && len(r.utilization) > 0 {
			// Only a resource that uses some capacity waits for
			// the stops that free it (load_stopped).
			ws.createUtilizationConstraints(r)
		}
		return
	}
	ws.orderRsc(r, "stopped", r, "start", orderOptional)
	ws.orderRsc(r, "stop", r, "stopped", orderRunnableLeft)
	ws.orderRsc(r, "start", r, "running", orderRunnableLeft)
	var last, lastActive *resource
	for _, c := range r.children {
		ws.rscInternal(c)
		stop := orderFlags(0)
		stopped := orderImpliesThenPrinted
		start := orderImpliesThen | orderRunnableLeft
		started := orderRunnableLeft | orderImpliesThen | orderImpliesThenPrinted
		if last == nil {
			if r.ordered {
				stop |= orderOptional
				stopped = orderImpliesThen
			}
		} else if r.colocated {
			ws.newColocation("group:internal_colocation", infinity, c, last, "", "", c.critical)
		}
		if r.inPromotable() {
			ws.orderRsc(r, "demote", c, "demote", stop|orderImpliesFirstPrinted)
			ws.orderRsc(c, "demote", r, "demoted", stopped)
			ws.orderRsc(c, "promote", r, "promoted", started)
			ws.orderRsc(r, "promote", c, "promote", orderImpliesFirstPrinted)
		}
		ws.orderRsc(r, "start", c, "start", orderImpliesFirstPrinted)
		ws.orderRsc(r, "stop", c, "stop", stop|orderImpliesFirstPrinted)
		ws.orderRsc(c, "stop", r, "stopped", stopped)
		ws.orderRsc(c, "start", r, "running", started)
		if !r.ordered {
			ws.orderRsc(r, "start", c, "start", start|orderImpliesFirstPrinted)
		} else if last != nil {
			ws.orderRsc(last, "start", c, "start", start)
			ws.orderRsc(c, "stop", last, "stop", orderOptional|orderRestart)
		}
		// A partially active ordered group shuts down in sequence: a
		// member active after an inactive one stops before the last
		// active member before it.
		if len(c.running) > 0 {
			if r.ordered && last != nil && len(last.running) == 0 && lastActive != nil && len(lastActive.running) > 0 {
				ws.orderRsc(c, "stop", lastActive, "stop", orderOptional)
			}
			lastActive = c
		}
		last = c
	}
}

func invertTask(t string) string {
	switch t {
	case "start":
		return "stop"
	case "stop":
		return "start"
	case "promote":
		return "demote"
	case "demote":
		return "promote"
	case "promoted":
		return "demoted"
	case "demoted":
		return "promoted"
	case "running":
		return "stopped"
	case "stopped":
		return "running"
	}
	return t
}

type orderKind int

const (
	kindMandatory orderKind = iota
	kindOptional
	kindSerialize
)

type symmetry int

const (
	symAsymmetric symmetry = iota
	symSymmetric
	symInverse
)

func flagsForKind(kind orderKind, first string, sym symmetry) orderFlags {
	f := orderOptional
	switch kind {
	case kindSerialize:
		f |= orderSerializeOnly
	case kindMandatory:
		switch sym {
		case symAsymmetric:
			f |= orderAsymmetrical
		case symSymmetric:
			f |= orderImpliesThen
			if first == "start" || first == "promote" {
				f |= orderRunnableLeft
			}
		case symInverse:
			f |= orderImpliesFirst
		}
	}
	return f
}

func orderKindOf(c *cib.Constraint) orderKind {
	switch strings.ToLower(c.OrderKind) {
	case "optional":
		return kindOptional
	case "serialize":
		return kindSerialize
	case "mandatory":
		return kindMandatory
	}
	if c.OrderKind == "" && c.Score != "" {
		if s, err := cib.ParseScore(c.Score); err == nil && s == 0 {
			return kindOptional
		}
	}
	return kindMandatory
}

func symmetricOf(c *cib.Constraint, kind orderKind) bool {
	if c.Symmetrical != "" {
		return isTrue(c.Symmetrical) && kind != kindSerialize
	}
	return kind != kindSerialize
}

func taskOr(t, def string) string {
	if t == "" {
		return def
	}
	return t
}

// unpackOrders reads rsc_order constraints, with resource sets.
func (ws *workingSet) unpackOrders() {
	for _, c := range ws.cib.Configuration.Constraints {
		if c.Kind == cib.KindColocation {
			ws.unpackAntiColocationOrders(c)
			continue
		}
		if c.Kind != cib.KindOrder {
			continue
		}
		kind := orderKindOf(c)
		sym := symmetricOf(c, kind)
		if len(c.Sets) == 0 {
			first, then := ws.all[c.First], ws.all[c.Then]
			if first == nil || then == nil {
				continue
			}
			fa, ta := taskOr(c.FirstAction, "start"), taskOr(c.ThenAction, taskOr(c.FirstAction, "start"))
			s := symAsymmetric
			if sym {
				s = symSymmetric
			}
			// handle_restart_type: the deprecated restart-type=restart
			// on 'then' makes an optional ordering restart it with
			// 'first' (and stop it before 'first' stops).
			restart := kind == kindOptional && strings.EqualFold(then.meta["restart-type"], "restart")
			flags := flagsForKind(kind, fa, s)
			if restart {
				flags |= orderImpliesThen
			}
			if min := minimumFirstInstances(first, c); min > 0 {
				ws.cloneMinOrdering(c.ID, first, fa, then, ta, flags, min)
			} else {
				ws.orderRsc(first, fa, then, ta, flags)
			}
			if sym {
				ifa, ita := invertTask(fa), invertTask(ta)
				inv := flagsForKind(kind, ifa, symInverse)
				if restart {
					inv |= orderImpliesFirst
				}
				ws.orderRsc(then, ita, first, ifa, inv)
			}
			continue
		}
		var last *cib.ResourceSet
		for i := range c.Sets {
			set := &c.Sets[i]
			ws.orderSet(c, set, kind, sym)
			if last != nil {
				ws.orderSets(c, last, set, kind, false, sym)
				if sym {
					ws.orderSets(c, set, last, kind, true, sym)
				}
			}
			last = set
		}
	}
}

func (ws *workingSet) orderSet(c *cib.Constraint, set *cib.ResourceSet, kind orderKind, sym bool) {
	if set.Kind != "" {
		switch strings.ToLower(set.Kind) {
		case "optional":
			kind = kindOptional
		case "serialize":
			kind = kindSerialize
		case "mandatory":
			kind = kindMandatory
		}
	}
	if !boolDefault(set.Sequential, true) {
		return
	}
	act := taskOr(set.Action, "start")
	rs := ws.setResources(set)
	s := symAsymmetric
	if sym {
		s = symSymmetric
	}
	flags := flagsForKind(kind, act, s)
	for i := 1; i < len(rs); i++ {
		ws.orderRsc(rs[i-1], act, rs[i], act, flags)
	}
	if !sym {
		return
	}
	inv := invertTask(act)
	flags = flagsForKind(kind, inv, symInverse)
	for i := 1; i < len(rs); i++ {
		ws.orderRsc(rs[i], inv, rs[i-1], inv, flags)
	}
}

func (ws *workingSet) orderSets(c *cib.Constraint, set1, set2 *cib.ResourceSet, kind orderKind, invert, sym bool) {
	a1, a2 := taskOr(set1.Action, "start"), taskOr(set2.Action, "start")
	if invert {
		a1, a2 = invertTask(a1), invertTask(a2)
	}
	s := symSymmetric
	if invert {
		s = symInverse
	} else if !sym {
		s = symAsymmetric
	}
	flags := flagsForKind(kind, a1, s)
	r1s, r2s := ws.setResources(set1), ws.setResources(set2)
	if !boolDefault(set1.RequireAll, true) {
		// One or more of set1 must be runnable: order through a pseudo action.
		p := ws.customAction(nil, "one-or-more:"+set1.ID, "one-or-more:"+set1.ID, nil, false)
		p.flags |= flagPseudo | flagRequiresAny
		p.requiredRunnableBefore = 1
		for _, r := range r1s {
			ws.newOrdering(r, opKey(r.id, a1, 0), nil, nil, "", p, orderOneOrMore|orderImpliesThenPrinted)
		}
		for _, r := range r2s {
			ws.newOrdering(nil, "", p, r, opKey(r.id, a2, 0), nil, flags)
		}
		return
	}
	// Between sets only an explicit sequential="true" picks one member
	// (pcmk__xe_attr_is_true); otherwise every member is ordered.
	var r1, r2 *resource
	if isTrue(set1.Sequential) && len(r1s) > 0 {
		if invert {
			r1 = r1s[0]
		} else {
			r1 = r1s[len(r1s)-1]
		}
	}
	if isTrue(set2.Sequential) && len(r2s) > 0 {
		if invert {
			r2 = r2s[len(r2s)-1]
		} else {
			r2 = r2s[0]
		}
	}
	switch {
	case r1 != nil && r2 != nil:
		ws.orderRsc(r1, a1, r2, a2, flags)
	case r1 != nil:
		for _, b := range r2s {
			ws.orderRsc(r1, a1, b, a2, flags)
		}
	case r2 != nil:
		for _, a := range r1s {
			ws.orderRsc(a, a1, r2, a2, flags)
		}
	default:
		for _, a := range r1s {
			for _, b := range r2s {
				ws.orderRsc(a, a1, b, a2, flags)
			}
		}
	}
}

func (ws *workingSet) actionsByKey(r *resource, key string) []*action {
	var out []*action
	for _, a := range r.actions {
		if a.key == key {
			out = append(out, a)
		}
	}
	return out
}

// orderActions adds an edge between two actions, once per type.
func (ws *workingSet) orderActions(first, then *action, flags orderFlags) {
	if first == nil || then == nil || first == then {
		return
	}
	for _, e := range first.after {
		if e.then == then && e.typ&flags != 0 {
			return
		}
	}
	e := &actionEdge{first: first, then: then, typ: flags}
	first.after = append(first.after, e)
	then.before = append(then.before, e)
}

// applyOrderings resolves orderings to actions (pcmk__apply_orderings).
func (ws *workingSet) applyOrderings() {
	for _, o := range ws.orderings {
		var firsts []*action
		if o.firstAction != nil {
			firsts = []*action{o.firstAction}
		} else if o.firstRsc != nil {
			firsts = ws.actionsByKey(o.firstRsc, o.firstKey)
			if len(firsts) == 0 && o.firstRsc == o.thenRsc {
				continue
			}
			if len(firsts) == 0 {
				task := keyTask(o.firstRsc.id, o.firstKey)
				if o.firstRsc.role == cib.RoleStopped && task == "stop" {
					continue
				}
				firsts = []*action{ws.customAction(o.firstRsc, o.firstKey, task, nil, true)}
			}
		}
		// A collective 'first' orders others after its completion
		// pseudo-action (start -> running, stop -> stopped).
		var original []*action
		if o.firstRsc != nil && o.firstRsc.isCollective() && o.thenRsc != o.firstRsc && (o.thenRsc == nil || o.thenRsc.parent != o.firstRsc) {
			original = append([]*action(nil), firsts...)
			for i, f := range firsts {
				if done := completionTask(f.task); done != "" {
					// rsc_expand_action: for an outermost clone with
					// notifications, after the confirmed
					// post-notification of that completion.
					if r := o.firstRsc; r.parent == nil && r.isClone() && r.clone.notify {
						if a := ws.findAction(r, notifyKey(r.id, "confirmed-post", done), nil); a != nil {
							firsts[i] = a
							continue
						}
					}
					if a := ws.findAction(o.firstRsc, opKey(o.firstRsc.id, done, 0), nil); a != nil {
						firsts[i] = a
					}
				}
			}
		}
		var thens []*action
		if o.thenAction != nil {
			thens = []*action{o.thenAction}
		} else if o.thenRsc != nil {
			thens = ws.actionsByKey(o.thenRsc, o.thenKey)
		}
		if len(thens) == 0 {
			continue
		}
		for i, f := range firsts {
			for _, t := range thens {
				if o.flags&orderSameNode != 0 && f.node != nil && t.node != nil && f.node != t.node {
					continue
				}
				ws.orderActions(f, t, o.flags&^orderSameNode)
				if original != nil && original[i] != f {
					// Pacemaker makes this switch while updating the
					// actions and disables the ordering it replaces,
					// which stays among the original's 'after'
					// actions: a change of the original still has
					// 'then' re-processed.
					original[i].after = append(original[i].after, &actionEdge{first: original[i], then: t})
				}
			}
		}
	}
}

// keyTask extracts the task from an operation key rsc_task_interval.
func keyTask(rsc, key string) string {
	s := strings.TrimPrefix(key, rsc+"_")
	if i := strings.LastIndex(s, "_"); i >= 0 {
		return s[:i]
	}
	return s
}

// groupFlags is a group pseudo-action's effective flags, derived from its
// members' actions (pcmk__group_action_flags). It also updates the group
// action itself, as Pacemaker does.
func (ws *workingSet) effectiveFlags(a *action) actionFlags {
	return ws.effectiveFlagsOn(a, nil)
}

// effectiveFlagsOn is the resource's action_flags method for node n (nil:
// any node): a group's or clone's action takes its flags from its
// members' (instances') actions on that node.
func (ws *workingSet) effectiveFlagsOn(a *action, n *node) actionFlags {
	if a.rsc == nil || !a.rsc.isCollective() {
		return a.flags
	}
	if a.rsc.isClone() {
		return ws.cloneActionFlagsOn(a, n)
	}
	flags := flagOptional | flagRunnable | flagPseudo
	for _, c := range a.rsc.children {
		task := complexTask(c, a.task)
		var ca *action
		for _, x := range c.actions {
			if x.task == task && (n == nil || x.node == nil || x.node == n) {
				ca = x
				break
			}
		}
		if ca == nil {
			if task != "stop" && task != "demote" {
				flags &^= flagRunnable
			}
			continue
		}
		cf := ws.effectiveFlagsOn(ca, n)
		if flags&flagOptional != 0 && cf&flagOptional == 0 {
			flags &^= flagOptional
			a.flags &^= flagOptional
		}
		if task != a.task && flags&flagRunnable != 0 && cf&flagRunnable == 0 {
			flags &^= flagRunnable
			a.flags &^= flagRunnable
		}
	}
	return flags | (a.flags & flagPrintAlways)
}

func unrunnableReason(first *action) string {
	if first.rsc == nil {
		return "unrunnable " + reasonTask(first)
	}
	return "unrunnable " + first.rsc.id + " " + reasonTask(first)
}

// reasonTask is an action's task as a reason names it: every fencing
// action, whatever it does to the node (reboot, off, on), is Pacemaker's
// "stonith" operation.
func reasonTask(a *action) string {
	if a.fencing {
		return "stonith"
	}
	return a.task
}

func (ws *workingSet) clearRunnable(then, first *action) bool {
	if !then.is(flagRunnable) {
		return false
	}
	then.flags &^= flagRunnable
	// clear_action_flag_because: only another resource's action is a
	// reason, and it does not replace one already given.
	if then.rsc != first.rsc && then.reason == "" {
		then.reason = unrunnableReason(first)
	}
	return true
}

// clearMigratable takes away an action's part in a live migration; the
// reason, from another resource's action, replaces any earlier one
// (pe_action_set_reason with overwrite for migrate_runnable).
func (ws *workingSet) clearMigratable(a, because *action) bool {
	if !a.is(flagMigrateRunnable) {
		return false
	}
	a.flags &^= flagMigrateRunnable
	if because != nil && a.rsc != because.rsc {
		a.reason = unrunnableReason(because)
	}
	return true
}

func (ws *workingSet) clearOptional(a, because *action) bool {
	if !a.is(flagOptional) {
		return false
	}
	a.flags &^= flagOptional
	// clear_action_flag_because: an action made required by another
	// resource's action records "required <rsc> <task>" unless it
	// already has a reason.
	if because != nil && a.rsc != because.rsc && a.reason == "" {
		a.reason = "required"
		if because.rsc != nil {
			a.reason += " " + because.rsc.id
		}
		a.reason += " " + reasonTask(because)
	}
	return true
}

// thenTargets are the actions an ordering's 'then' update reaches: the
// action itself and, for a group, the members' actions of the same task.
func thenTargets(then *action) []*action {
	out := []*action{then}
	if then.rsc != nil && then.rsc.isCollective() {
		for _, c := range then.rsc.children {
			for _, x := range c.actions {
				if x.task == then.task {
					out = append(out, thenTargets(x)...)
					break
				}
			}
		}
	}
	return out
}

// updateActions propagates required and runnable along the orderings
// until nothing changes (Pacemaker's update_action loop). Flags only ever
// move one way, so the fixed point does not depend on the visiting order.
func (ws *workingSet) updateActions() {
	// pcmk__apply_orderings blocks the dependents of what cannot start
	// before updating the actions for their orderings.
	for i := len(ws.actions) - 1; i >= 0; i-- {
		ws.blockColocationDependents(ws.actions[i], 0)
	}
	// pcmk__update_action_for_orderings over data_set->actions, which
	// Pacemaker keeps newest first: the order decides which reason an
	// action records first. A final pass to the fixed point makes sure
	// nothing a cut-off recursion left behind is missed.
	for i := len(ws.actions) - 1; i >= 0; i-- {
		ws.updateForOrderings(ws.actions[i], 0)
	}
	for changed := true; changed; {
		changed = false
		for _, then := range ws.actions {
			if ws.updateRequiresAny(then) {
				changed = true
			}
			for _, e := range then.before {
				if ws.updateEdge(e, -1) {
					changed = true
				}
			}
		}
	}
}

// updateRequiresAny makes an action that needs some of its inputs
// runnable (require-all=false, clone-min) unrunnable when too few are.
func (ws *workingSet) updateRequiresAny(then *action) bool {
	if !then.is(flagRequiresAny) {
		return false
	}
	n := 0
	for _, e := range then.before {
		if e.typ&orderOneOrMore != 0 && ws.effectiveFlags(e.first)&flagRunnable != 0 {
			n++
		}
	}
	if n < then.requiredRunnableBefore && then.is(flagRunnable) {
		then.flags &^= flagRunnable
		return true
	}
	return false
}

// updateForOrderings is pcmk__update_action_for_orderings: each ordering
// where the action is 'then' (newest first), re-processing what follows
// an action whose flags changed, depth first.
func (ws *workingSet) updateForOrderings(then *action, depth int) {
	if depth > 2000 {
		return // the fixed-point pass finishes what is left
	}
	// Setting print-always does not count as a change ("don't bother
	// marking 'first' as changed just for this"); neither does a group
	// action's own flags following its members' as they are read.
	start := then.flags &^ flagPrintAlways
	ws.updateRequiresAny(then)
	thenChanged := false
	for i := len(then.before) - 1; i >= 0; i-- {
		e := then.before[i]
		first := e.first
		firstChanged, tc, _ := ws.updateEdgeSides(e, depth)
		thenChanged = thenChanged || tc
		if firstChanged {
			for j := len(first.after) - 1; j >= 0; j-- {
				ws.updateForOrderings(first.after[j].then, depth+1)
			}
			ws.updateForOrderings(first, depth+1)
		}
	}
	if then.is(flagRequiresAny) {
		thenChanged = then.flags&^flagPrintAlways != start
	}
	if thenChanged {
		if start&flagRunnable != 0 && !then.is(flagRunnable) {
			ws.blockColocationDependents(then, depth+1)
		}
		ws.updateForOrderings(then, depth+1)
		for j := len(then.after) - 1; j >= 0; j-- {
			ws.updateForOrderings(then.after[j].then, depth+1)
		}
	}
}

// settle is the end of pcmk__update_ordered_actions: a 'then' action of a
// resource inside another (a group member, a clone instance) whose flags
// an ordering changed has its own orderings updated at once, depth first,
// before the next ordering is looked at. That order decides which reason
// an action records first. A negative depth (the fixed-point pass) skips
// it.
func (ws *workingSet) settle(t *action, before actionFlags, depth int) {
	if depth < 0 || t.flags&^flagPrintAlways == before&^flagPrintAlways || t.rsc == nil || t.rsc.parent == nil {
		return
	}
	ws.updateForOrderings(t, depth+1)
}

// updateEdge applies one ordering and says whether any flags changed.
func (ws *workingSet) updateEdge(e *actionEdge, depth int) bool {
	_, _, any := ws.updateEdgeSides(e, depth)
	return any
}

// updateEdgeSides is update_action_for_ordering_flags: it applies one
// ordering and says whether it changed 'first' or 'then' (a group's
// 'then' changes when one of its members' actions does). Flags a group
// action takes from its members while they are read, and print-always,
// are no change; any says whether anything at all changed.
func (ws *workingSet) updateEdgeSides(e *actionEdge, depth int) (firstChanged, thenChanged, any bool) {
	first, then := e.first, e.then
	f0, t0 := first.flags, then.flags
	if canInterleave(first, then) {
		any = ws.interleaveEdge(e)
		return first.flags&^flagPrintAlways != f0&^flagPrintAlways, then.flags&^flagPrintAlways != t0&^flagPrintAlways, any
	}
	var targets []*action
	var f1, t1 actionFlags
	var tf1 []actionFlags
	any = ws.applyOrdering(e, depth, func() {
		f1, t1 = first.flags, then.flags
		targets = thenTargets(then)
		tf1 = make([]actionFlags, len(targets))
		for i, t := range targets {
			tf1[i] = t.flags
		}
	})
	firstChanged = first.flags&^flagPrintAlways != f1&^flagPrintAlways
	thenChanged = then.flags&^flagPrintAlways != t1&^flagPrintAlways
	for i, t := range targets {
		if t.flags&^flagPrintAlways != tf1[i]&^flagPrintAlways {
			thenChanged = true
		}
	}
	return firstChanged, thenChanged, any || first.flags != f0 || then.flags != t0
}

// applyOrdering applies one (not interleaved) ordering's flags; read is
// called once the flags the ordering sees are taken.
func (ws *workingSet) applyOrdering(e *actionEdge, depth int, read func()) bool {
	first, then, typ := e.first, e.then, e.typ
	// pcmk__update_action_for_orderings: a group's start stands on the
	// node the group is placed on, so a clone on the other side is seen
	// through its instances there only.
	firstNode, thenNode := first.node, then.node
	if first.rsc != nil && first.rsc.isGroup() && first.task == "start" && first.rsc.assigned != nil {
		firstNode = first.rsc.assigned
	}
	if then.rsc != nil && then.rsc.isGroup() && then.task == "start" && then.rsc.assigned != nil {
		thenNode = then.rsc.assigned
	}
	ff := ws.flagsForOrdering(first, thenNode)
	tf := ws.flagsForOrdering(then, firstNode)
	read()
	changed := false
	if typ&orderImpliesThen != 0 && ff&flagOptional == 0 && !first.is(flagMigrateRunnable) {
		for _, t := range thenTargets(then) {
			before := t.flags
			changed = ws.clearOptional(t, first) || changed
			ws.settle(t, before, depth)
		}
	}
	if typ&orderRestart != 0 && first.rsc != nil && then.rsc != nil && !first.rsc.isCollective() {
		before := then.flags
		reason := false
		if !then.is(flagOptional) {
			reason = true
		}
		if !then.is(flagRunnable) && then.rsc.managed && first.rsc == then.rsc {
			reason = true
		}
		if reason {
			if first.is(flagRunnable) || !then.is(flagOptional) {
				changed = ws.clearOptional(first, then) || changed
			}
			if !then.is(flagMigrateRunnable) {
				changed = ws.clearMigratable(first, then) || changed
			}
			if !first.is(flagOptional) && !first.is(flagRunnable) {
				changed = ws.clearRunnable(then, first) || changed
			}
		}
		ws.settle(then, before, depth)
	}
	if typ&orderImpliesFirst != 0 && !then.is(flagOptional) {
		// pcmk__update_ordered_actions: 'first' is made required only
		// when its flags as the ordering sees them say required while
		// its own say optional, which happens only for a collective
		// 'first' (summary flags: some member's action is required). A
		// group's 'stopped' with no member stopping stays optional.
		if ff&flagOptional == 0 && first.is(flagOptional) {
			changed = ws.clearOptional(first, then) || changed
		}
		if first.is(flagMigrateRunnable) && !then.is(flagMigrateRunnable) {
			changed = ws.clearMigratable(first, then) || changed
		}
	}
	if typ&orderImpliesFirstMigratable != 0 {
		if !then.is(flagMigrateRunnable) || !then.is(flagRunnable) {
			changed = ws.clearRunnable(first, then) || changed
		}
		if !then.is(flagOptional) {
			changed = ws.clearOptional(first, then) || changed
		}
	}
	if typ&orderPseudoLeft != 0 && !first.is(flagRunnable) {
		before := then.flags
		changed = ws.clearMigratable(then, first) || changed
		if then.is(flagPseudo) {
			then.flags &^= flagPseudo
			changed = true
		}
		ws.settle(then, before, depth)
	}
	if typ&orderPromotedImpliesFirst != 0 && then.rsc != nil && then.rsc.role == cib.RolePromoted && tf&flagOptional == 0 {
		changed = ws.clearOptional(first, then) || changed
	}
	if typ&orderRunnableLeft != 0 && ff&flagRunnable == 0 {
		for _, t := range thenTargets(then) {
			before := t.flags
			changed = ws.clearRunnable(t, first) || changed
			changed = ws.clearMigratable(t, first) || changed
			ws.settle(t, before, depth)
		}
	}
	if typ&orderAsymmetrical != 0 && ff&flagRunnable == 0 && then.rsc != nil {
		skip := false
		thenRole := then.rsc.role
		if thenRole == cib.RoleStopped && then.task == "stop" {
			skip = true
		} else if thenRole >= cib.RoleStarted && then.task == "start" && then.is(flagOptional) &&
			len(then.rsc.running) == 1 && then.node == then.rsc.running[0] {
			skip = true
		}
		if !skip {
			changed = ws.clearRunnable(then, first) || changed
		}
	}
	if typ&orderThenCancelsFirst != 0 && tf&flagOptional == 0 && !first.is(flagOptional) {
		first.flags |= flagOptional
		if first.task == "reload-agent" && first.rsc != nil {
			first.rsc.reload = false
		}
		changed = true
	}
	if first.is(flagRunnable) && typ&orderImpliesThenPrinted != 0 && ff&flagOptional == 0 {
		then.flags |= flagPrintAlways
	}
	if typ&orderImpliesFirstPrinted != 0 && tf&flagOptional == 0 {
		first.flags |= flagPrintAlways
	}
	// A stop that cannot run because its resource is blocked holds back
	// whatever it implies or restarts (no reason is recorded for it).
	if typ&(orderImpliesThen|orderImpliesFirst|orderRestart) != 0 && first.rsc != nil && !first.rsc.managed &&
		first.rsc.blocked && !first.is(flagRunnable) && first.task == "stop" && then.is(flagRunnable) {
		then.flags &^= flagRunnable
		changed = true
	}
	return changed
}

// complexTask is get_complex_task for a collective's action as its child
// r sees it: a primitive's completion (running, stopped, promoted,
// demoted) folds into its action; a collective child keeps its own.
func complexTask(r *resource, task string) string {
	if r.isCollective() {
		return task
	}
	switch task {
	case "running":
		return "start"
	case "stopped":
		return "stop"
	case "promoted":
		return "promote"
	case "demoted":
		return "demote"
	}
	return task
}

func completionTask(t string) string {
	switch t {
	case "start":
		return "running"
	case "stop":
		return "stopped"
	case "promote":
		return "promoted"
	case "demote":
		return "demoted"
	}
	return ""
}

// blockColocationDependents is pcmk__block_colocation_dependents: when a
// start (or promote) cannot run on any instance of its resource, what
// must be colocated with that resource (mandatorily) cannot start there
// either: its starts become unrunnable "due to colocation with" it (or
// its promotes, for a colocation of the Promoted role).
func (ws *workingSet) blockColocationDependents(a *action, depth int) {
	if a.is(flagRunnable) || a.rsc == nil || depth > 2000 {
		return
	}
	isStart := a.task == "start"
	if !isStart && a.task != "promote" {
		return
	}
	rsc := a.rsc.top()
	for _, child := range rsc.children {
		var ca *action
		for _, x := range child.actions {
			if x.task == a.task {
				ca = x
				break
			}
		}
		if ca == nil || ca.is(flagRunnable) {
			return // some instance can still reach the role
		}
	}
	for _, c := range rsc.withThis {
		if c.score < infinity {
			continue
		}
		if !isStart && c.primRole != cib.RolePromoted {
			continue
		}
		task := "start"
		if c.depRole == cib.RolePromoted {
			task = "promote"
		}
		ws.markActionBlocked(c.dependent, task, a.rsc, depth)
	}
}

// markActionBlocked is mark_action_blocked: the resource's (and all its
// children's) actions of that task cannot run, "due to colocation with"
// the resource that cannot reach its role.
func (ws *workingSet) markActionBlocked(r *resource, task string, reason *resource, depth int) {
	for _, x := range r.actions {
		if x.task != task || !x.is(flagRunnable) {
			continue
		}
		x.flags &^= flagRunnable
		if x.reason == "" {
			x.reason = "colocation with " + reason.id
		}
		ws.blockColocationDependents(x, depth+1)
		ws.updateForOrderings(x, depth+1)
	}
	for _, c := range r.children {
		ws.markActionBlocked(c, task, reason, depth)
	}
}

package scheduler

import (
	"time"

	"pacer/crm/cib"
)

type actionFlags uint32

const (
	flagOptional actionFlags = 1 << iota
	flagRunnable
	flagPseudo
	flagPrintAlways
	flagRequiresAny
	flagDumped
	// flagMigrateRunnable: the action can take part in a live migration
	// (pe_action_migrate_runnable).
	flagMigrateRunnable
)

type action struct {
	seq      int
	key      string
	rsc      *resource
	task     string
	interval time.Duration
	node     *node
	flags    actionFlags
	reason   string
	targetRC int  // -1 when unset
	cluster  bool // a controller action (do_shutdown, fencing)
	fencing  bool // a node's fencing
	// meta holds the action's extra variables (notify_* for a
	// notification).
	meta map[string]string
	// reschedule: a recurring action whose definition changed, so it is
	// required even where it is already active.
	reschedule bool

	before []*actionEdge // orderings where this is 'then'
	after  []*actionEdge // orderings where this is 'first'

	requiredRunnableBefore int
	graphID                int
}

type actionEdge struct {
	first, then *action
	typ         orderFlags
}

func (a *action) is(f actionFlags) bool { return a.flags&f != 0 }

func sameNode(a, b *node) bool { return a == b }

// customAction finds or creates an action, as Pacemaker's custom_action:
// an action with the same key on the same node is reused, and asking for
// it as required makes it required.
func (ws *workingSet) customAction(r *resource, key, task string, n *node, optional bool) *action {
	if r != nil {
		for _, a := range r.actions {
			if a.key != key {
				continue
			}
			switch {
			case n == nil && !r.isCollective():
				// find_actions without a node matches any node.
			case a.node == nil && n != nil && !r.isCollective():
				// An action scheduled before its node was known
				// (force_restart) takes the node it is asked for.
				a.node = n
				ws.setRunnable(a)
			case !sameNode(a.node, n):
				continue
			}
			if !optional {
				a.flags &^= flagOptional
			}
			// custom_action applies its resource's state again to an
			// action it finds: an action of a resource that has become
			// unmanaged since (multiple-active=block, on-fail=block)
			// is optional, even if it was required when created.
			if !r.isCollective() && a.node != nil && !r.managed && a.task != "monitor" && a.task != "cancel" {
				a.flags |= flagOptional
			}
			ws.rescanReason(a)
			return a
		}
	}
	a := &action{seq: len(ws.actions), key: key, rsc: r, task: task, node: n, targetRC: -1}
	if optional {
		a.flags |= flagOptional
	}
	ws.actions = append(ws.actions, a)
	if r != nil {
		r.actions = append(r.actions, a)
	}
	ws.setRunnable(a)
	return a
}

// setRunnable sets a new action's runnable flag (and pseudo for a
// group's actions) as custom_action does from its resource and node.
func (ws *workingSet) setRunnable(a *action) {
	r, n, task := a.rsc, a.node, a.task
	switch {
	case r == nil:
		a.flags |= flagRunnable
	case r.isCollective():
		a.flags |= flagPseudo | flagRunnable
	case n == nil:
		// unrunnable until it is given a node
	case !r.managed && task != "monitor" && task != "cancel":
		a.flags |= flagOptional
		a.flags &^= flagRunnable
	case !n.online:
		// A managed resource's stop that cannot run on a node that is
		// down but not known unclean makes it unclean: it is fenced
		// instead (custom_action).
		if r.managed && task == "stop" && !n.unclean {
			ws.fenceNode(n, "stop is unrunnable")
		}
	case n.pending:
	case ws.actionNeeds(r, task) == "nothing":
		// requires=nothing: starting needs neither quorum nor fencing.
		a.flags |= flagRunnable
	case (task == "start" || task == "promote") && !ws.haveQuorum && ws.noQuorumPolicy == "stop":
		a.reason = "no quorum"
	case (task == "start" || task == "promote") && !ws.haveQuorum && ws.noQuorumPolicy == "freeze" &&
		(len(r.running) == 0 || r.nextRole > r.role):
		a.reason = "quorum freeze"
	default:
		a.flags |= flagRunnable
	}
}

// rescanReason is the part of update_resource_action_runnable that runs
// again each time an action is asked for: on an available node, an
// action that needs neither quorum nor fencing loses any reason it had
// (a start forced by a definition change of a resource that requires
// nothing is then an ordinary restart).
func (ws *workingSet) rescanReason(a *action) {
	if a.rsc == nil || a.is(flagPseudo) || a.node == nil || !a.node.online || a.node.pending {
		return
	}
	if a.rsc.isCollective() {
		return
	}
	if ws.actionNeeds(a.rsc, a.task) == "nothing" {
		a.reason = ""
	}
}

func (ws *workingSet) pseudoAction(r *resource, task string, optional bool) *action {
	a := ws.customAction(r, opKey(r.id, task, 0), task, nil, optional)
	a.flags |= flagPseudo | flagRunnable
	return a
}

// createActions is the create_actions stage for every resource.
func (ws *workingSet) createActions() {
	if ws.startupProbes {
		ws.scheduleProbes()
	}
	for _, r := range ws.resources {
		ws.createRscActions(r)
	}
	ws.scheduleFencing()
	ws.scheduleShutdowns()
}

func (ws *workingSet) createRscActions(r *resource) {
	if r.isClone() {
		ws.createCloneActions(r)
		return
	}
	if r.isGroup() {
		for _, c := range r.children {
			ws.createRscActions(c)
		}
		ws.pseudoAction(r, "start", true)
		ws.pseudoAction(r, "running", true)
		ws.pseudoAction(r, "stop", true)
		ws.pseudoAction(r, "stopped", true)
		if r.inPromotable() {
			// group_create_actions for a "stateful" group (one in a
			// promotable clone): its role changes are pseudo-actions
			// too.
			ws.pseudoAction(r, "demote", true)
			ws.pseudoAction(r, "demoted", true)
			ws.pseudoAction(r, "promote", true)
			ws.pseudoAction(r, "promoted", true)
		}
		return
	}
	ws.createPrimitiveActions(r)
}

func (ws *workingSet) startAction(r *resource, n *node, optional bool) *action {
	return ws.customAction(r, opKey(r.id, "start", 0), "start", n, optional)
}

func (ws *workingSet) stopAction(r *resource, n *node, optional bool) *action {
	return ws.customAction(r, opKey(r.id, "stop", 0), "stop", n, optional)
}

// isExpectedNode is is_expected_node: with multiple-active=stop_unexpected
// a multiply active resource that is being restarted keeps running on
// the node it is assigned to; only its other copies are stopped.
func (r *resource) isExpectedNode(n *node) bool {
	return r.stopUnexpected && r.restarting && r.nextRole > cib.RoleStopped && n != nil && r.assigned == n
}

func (ws *workingSet) stopResource(r *resource, optional bool) {
	for _, cur := range r.running {
		if r.isExpectedNode(cur) {
			continue
		}
		stop := ws.stopAction(r, cur, optional)
		if r.assigned != nil && r.stopUnexpected && r.restarting {
			stop.reason = "being multiply active"
		}
		if r.assigned == nil {
			if stop.reason == "" {
				stop.reason = "node availability"
			}
		}
		if !r.managed {
			stop.flags &^= flagRunnable
		}
	}
}

func (ws *workingSet) startResource(r *resource, n *node, optional bool) {
	if n == nil {
		return
	}
	start := ws.startAction(r, n, true)
	ws.orderVsUnfence(r, n, start, orderImpliesThen)
	if start.is(flagRunnable) && !optional {
		start.flags &^= flagOptional
	}
	if r.isExpectedNode(n) {
		// It already runs there: the start is a pseudo-action.
		start.flags |= flagPseudo
	}
}

// createPrimitiveActions is pcmk__primitive_create_actions: the actions
// that take the resource down from its current role (optional unless a
// stop is needed: moving, failed, blocked, multiply active, a Promoted
// instance's forced restart), back up to it, and then on to its next
// role, each step as the role matrices say (roleSteps, roleTask).
func (ws *workingSet) createPrimitiveActions(r *resource) {
	if r.nextRole == cib.RoleUnknown {
		if r.assigned == nil {
			r.nextRole = cib.RoleStopped
		} else {
			r.nextRole = cib.RoleStarted
		}
	}
	current := r.currentNode()
	needStop, needPromote := false, false
	r.stopUnexpected = false
	if len(r.running) > 1 {
		switch r.meta["multiple-active"] {
		case "block":
		case "stop_unexpected":
			needStop, r.stopUnexpected = true, true
		default:
			needStop = true
		}
	}
	switch {
	case current != nil && r.assigned != nil && current != r.assigned && r.nextRole >= cib.RoleStarted:
		needStop = true // moving
	case r.failed && current != nil:
		if r.failedStop || !r.isPromotableInstance() {
			needStop = true
		} else if r.nextRole == cib.RolePromoted {
			needPromote = true // recovery by demotion
		}
	case r.role > cib.RoleStarted && current != nil && r.assigned != nil:
		// A Promoted instance whose start is required is restarted.
		if start := ws.startAction(r, r.assigned, true); !start.is(flagOptional) {
			needStop = true
		}
	}
	if r.startPending && r.assigned != nil {
		// create_pending_start
		start := ws.startAction(r, r.assigned, true)
		start.flags |= flagPrintAlways
	}
	// Down from the current role to Stopped (schedule_restart_actions).
	r.restarting = true
	role := r.role
	for role != cib.RoleStopped && role != cib.RoleUnknown {
		next := roleSteps[role][cib.RoleStopped]
		if !ws.roleStep(r, role, next, current, !needStop) {
			break
		}
		role = next
	}
	// Back up to the current role.
	for r.role <= r.nextRole && role != r.role && !r.blocked {
		required := needStop
		next := roleSteps[role][r.role]
		if next == cib.RolePromoted && needPromote {
			required = true
		}
		if !ws.roleStep(r, role, next, r.assigned, !required) {
			break
		}
		role = next
	}
	// Then from the current role to the next.
	role = r.role
	for role != r.nextRole {
		next := roleSteps[role][r.nextRole]
		if !ws.roleStep(r, role, next, r.assigned, false) {
			break
		}
		role = next
	}
	ws.createRecurring(r)
	moving := current != nil && r.assigned != nil && current != r.assigned
	if isTrue(r.meta["allow-migrate"]) && moving && r.managed && !r.failed && !r.startPending &&
		!current.unclean && r.nextRole >= cib.RoleStarted {
		ws.migrationActions(r, current, r.assigned)
	}
}

// migrationActions is handle_migration_actions: a resource that can
// migrate moves by migrate_to on its node then migrate_from on the
// target, its start becoming a pseudo-action; every one of those is
// migrate-runnable until an ordering with something that cannot migrate
// takes that away, and the move falls back to a stop and a start.
func (ws *workingSet) migrationActions(r *resource, current, chosen *node) {
	start := ws.startAction(r, chosen, true)
	stop := ws.stopAction(r, current, true)
	to := ws.customAction(r, opKey(r.id, "migrate_to", 0), "migrate_to", current, true)
	from := ws.customAction(r, opKey(r.id, "migrate_from", 0), "migrate_from", chosen, true)
	for _, a := range []*action{start, stop, to, from} {
		a.flags |= flagMigrateRunnable
	}
	start.flags |= flagPseudo
	to.meta = map[string]string{"migrate_source": current.name, "migrate_target": chosen.name, "record-pending": "true"}
	from.meta = map[string]string{"migrate_source": current.name, "migrate_target": chosen.name}
	ws.orderRsc(r, "monitor", r, "migrate_to", orderOptional)
	ws.orderRsc(r, "migrate_to", r, "migrate_from", orderOptional|orderImpliesFirstMigratable)
	ws.orderRsc(r, "migrate_from", r, "stop", orderOptional|orderImpliesFirstMigratable)
	ws.orderRsc(r, "migrate_from", r, "start", orderOptional|orderImpliesFirstMigratable|orderPseudoLeft)
}

// isPromotableInstance says r is an instance of a promotable clone.
func (r *resource) isPromotableInstance() bool {
	return r.parent != nil && r.parent.isClone() && r.parent.clone.promotable
}

// roleStep is rsc_action_matrix: the action taking r from one role to
// the next (StopRsc, StartRsc, PromoteRsc, DemoteRsc). It reports false
// where the matrix has nothing to do (NullOp) or no such step.
func (ws *workingSet) roleStep(r *resource, from, to cib.Role, n *node, optional bool) bool {
	switch roleTask(from, to) {
	case "stop":
		ws.stopResource(r, optional)
	case "start":
		ws.startResource(r, n, optional)
	case "demote":
		for _, cur := range r.running {
			ws.customAction(r, opKey(r.id, "demote", 0), "demote", cur, optional)
		}
	case "promote":
		if n == nil {
			return false
		}
		runnable := true
		for _, a := range r.actions {
			if a.task == "start" && a.node == n && !a.is(flagRunnable) {
				runnable = false
			}
		}
		if runnable {
			ws.customAction(r, opKey(r.id, "promote", 0), "promote", n, optional)
			return true
		}
		for _, a := range r.actions {
			if a.task == "promote" && a.node == n {
				a.flags &^= flagRunnable
			}
		}
	default:
		return false
	}
	return true
}

// opCannotRecur lists the actions that are never recurring.
func opCannotRecur(name string) bool {
	switch name {
	case "stop", "start", "demote", "promote", "reload-agent", "migrate_to", "migrate_from":
		return true
	}
	return false
}

// recurringOp says whether a configured op is a usable recurring action
// (is_recurring_history): a positive interval, a name that can recur, no
// other op with the same name and interval, and enabled.
func (r *resource) recurringOp(op opDef) bool {
	if op.interval <= 0 || opCannotRecur(op.name) || !op.enabled {
		return false
	}
	n := 0
	for _, o := range r.ops {
		if o.name == op.name && o.interval == op.interval {
			n++
		}
	}
	return n == 1
}

// createRecurring is pcmk__create_recurring_actions: for each configured
// recurring op, in order, the action for the active role (where the
// resource will run) and the one for the Stopped role (everywhere else).
func (ws *workingSet) createRecurring(r *resource) {
	if r.blocked {
		return
	}
	var start *action
	if r.assigned != nil && !r.assigned.maintenance && (r.nextRole != cib.RoleStopped || !r.managed) {
		start = ws.startAction(r, r.assigned, true)
	}
	for _, op := range r.ops {
		if start != nil {
			ws.recurringForActive(r, start, op)
		}
		ws.recurringForInactive(r, op)
	}
}

// recurringForActive is recurring_op_for_active: a monitor for the role
// the resource will have, optional when already active and the start is
// optional; an active monitor configured for another role is cancelled.
func (ws *workingSet) recurringForActive(r *resource, start *action, op opDef) {
	if op.role == cib.RoleStopped || !r.recurringOp(op) {
		return
	}
	n := r.assigned
	existing := ws.findAction(r, op.key, n)
	optional := start.is(flagOptional) && existing != nil && !existing.reschedule
	if (op.role != cib.RoleUnknown && op.role != r.nextRole) || (op.role == cib.RoleUnknown && r.nextRole == cib.RolePromoted) {
		if optional {
			cancel := ws.cancelAction(r, op, n)
			after := ""
			switch r.role {
			case cib.RoleUnpromoted, cib.RoleStarted:
				if r.nextRole == cib.RolePromoted {
					after = "promote"
				} else if r.nextRole == cib.RoleStopped {
					after = "stop"
				}
			case cib.RolePromoted:
				after = "demote"
			}
			if after != "" {
				ws.newOrdering(r, "", cancel, r, opKey(r.id, after, 0), nil, orderRunnableLeft)
			}
		}
		return
	}
	mon := ws.customAction(r, op.key, op.name, n, optional)
	mon.interval = op.interval
	if !start.is(flagRunnable) || !n.online || n.unclean {
		mon.flags &^= flagRunnable
	}
	if r.managed {
		ws.orderActions(start, mon, orderImpliesThen|orderRunnableLeft)
		// A monitor of the role the resource goes to waits for the
		// role change.
		switch {
		case r.nextRole == cib.RolePromoted:
			ws.newOrdering(r, opKey(r.id, "promote", 0), nil, r, "", mon, orderOptional|orderRunnableLeft)
		case r.role == cib.RolePromoted:
			ws.newOrdering(r, opKey(r.id, "demote", 0), nil, r, "", mon, orderOptional|orderRunnableLeft)
		}
	}
}

// cancelAction is pcmk__new_cancel_action. It shares the operation key of
// the recurring action it cancels, so it is that (active) action, made
// required and turned into a cancel.
func (ws *workingSet) cancelAction(r *resource, op opDef, n *node) *action {
	a := ws.customAction(r, op.key, "cancel", n, false)
	a.task = "cancel"
	a.interval = op.interval
	a.flags |= flagRunnable
	return a
}

// recurringForInactive is recurring_op_for_inactive: a monitor configured
// for the Stopped role runs on every node where the resource will not
// (after any probe and stop there), and is cancelled where it will run.
func (ws *workingSet) recurringForInactive(r *resource, op opDef) {
	if op.role != cib.RoleStopped || !r.recurringOp(op) {
		return
	}
	for _, n := range ws.nodes {
		if n == r.assigned {
			if ws.findAction(r, op.key, n) != nil {
				cancel := ws.cancelAction(r, op, n)
				if r.nextRole == cib.RoleStarted || r.nextRole == cib.RoleUnpromoted {
					ws.newOrdering(r, "", cancel, r, opKey(r.id, "start", 0), nil, orderRunnableLeft)
				}
			}
			continue
		}
		optional := ws.findAction(r, op.key, n) != nil
		mon := ws.customAction(r, op.key, op.name, n, optional)
		mon.interval = op.interval
		mon.targetRC = 7
		if r.managed {
			if p := ws.findAction(r, opKey(r.id, "monitor", 0), n); p != nil {
				ws.orderActions(p, mon, orderRunnableLeft)
			}
		}
		if stop := ws.findAction(r, opKey(r.id, "stop", 0), n); stop != nil {
			if !stop.is(flagOptional) && !mon.is(flagOptional) && !r.managed {
				mon.flags |= flagOptional
			}
			if !stop.is(flagRunnable) {
				mon.flags &^= flagRunnable
			}
			if r.managed {
				ws.orderActions(stop, mon, orderImpliesThen|orderRunnableLeft)
			}
		}
		if !n.online || n.unclean {
			mon.flags &^= flagRunnable
		}
	}
}

func (ws *workingSet) findAction(r *resource, key string, n *node) *action {
	for _, a := range r.actions {
		if a.key == key && (n == nil || a.node == n) {
			return a
		}
	}
	return nil
}

// scheduleProbes probes each resource on every online node where its
// state is unknown.
func (ws *workingSet) scheduleProbes() {
	for _, n := range ws.nodes {
		if !n.online || n.unclean {
			continue
		}
		for _, r := range ws.resources {
			ws.probe(r, n)
		}
	}
}

func (ws *workingSet) probe(r *resource, n *node) bool {
	if r.isClone() {
		return ws.probeClone(r, n)
	}
	if r.isGroup() {
		any := false
		for _, c := range r.children {
			if ws.probe(c, n) {
				any = true
			}
		}
		return any
	}
	if r.orphan || r.knownOn.has(n) {
		return false
	}
	key := opKey(r.id, "monitor", 0)
	p := ws.customAction(r, key, "monitor", n, false)
	p.flags &^= flagOptional
	ws.orderVsUnfence(r, n, p, orderOptional)
	p.targetRC = 7
	// The probe comes before the resource's own start (a clone's start
	// for a clone instance; pacer has no clones yet). A probe that cannot
	// run prevents the start of a resource that is not active anywhere.
	flags := orderOptional
	if !p.is(flagRunnable) && len(r.running) == 0 {
		flags |= orderRunnableLeft
	}
	top := r
	if r.parent != nil && r.parent.isClone() {
		top = r.parent
	}
	ws.newOrdering(r, "", p, top, opKey(top.id, "start", 0), nil, flags)
	return true
}

// scheduleShutdowns adds do_shutdown for nodes shutting down cleanly.
// The DC shuts down after every other node (schedule_fencing_and_shutdowns),
// so that the cluster does not elect a new DC more than once.
func (ws *workingSet) scheduleShutdowns() {
	var dcDown *action
	var others []*action
	for _, n := range ws.nodes {
		if !n.online || !n.shutdown || n.unclean {
			continue
		}
		down := ws.customAction(nil, "do_shutdown-"+n.name, "do_shutdown", n, false)
		down.cluster = true
		down.flags |= flagRunnable
		ws.orderStopsBeforeShutdown(n, down)
		if n.isDC {
			dcDown = down
		} else {
			others = append(others, down)
		}
	}
	if dcDown != nil {
		for _, d := range others {
			ws.orderActions(d, dcDown, orderOptional)
		}
	}
}

// orderStopsBeforeShutdown orders every stop on n before n's do_shutdown,
// as pcmk__order_stops_before_shutdown: the stop becomes required, and an
// unrunnable stop makes the shutdown unrunnable (runnable_left). Resources
// in maintenance, and those on a node in maintenance, are left out.
// Pacemaker leaves out "unmanaged or blocked" resources with a test that
// skips only those neither managed nor blocked, so a resource blocked by
// a failure still holds the shutdown back; that is what its regression
// cases expect, and what this does.
func (ws *workingSet) orderStopsBeforeShutdown(n *node, down *action) {
	for _, r := range ws.allInOrder() {
		if r.isCollective() {
			continue
		}
		for _, a := range r.actions {
			if a.task != "stop" || a.node != n {
				continue
			}
			if isTrue(ws.props["maintenance-mode"]) || isTrue(r.meta["maintenance"]) || n.maintenance || (!r.managed && !r.blocked) {
				continue
			}
			a.flags &^= flagOptional
			ws.newOrdering(r, "", a, nil, "", down, orderOptional|orderRunnableLeft)
		}
	}
}

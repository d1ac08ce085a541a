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
	cluster  bool // a controller action (do_shutdown)

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
			if a.key == key && sameNode(a.node, n) {
				if !optional {
					a.flags &^= flagOptional
				}
				return a
			}
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
	switch {
	case r == nil:
		a.flags |= flagRunnable
	case r.isGroup():
		a.flags |= flagPseudo | flagRunnable
	case n == nil:
		a.reason = ""
	case !r.managed && task != "monitor" && task != "cancel":
		a.flags |= flagOptional
		a.flags &^= flagRunnable
	case !n.online:
	case n.pending:
	case (task == "start" || task == "promote") && !ws.haveQuorum && ws.noQuorumPolicy == "stop":
		a.reason = "no quorum"
	case (task == "start" || task == "promote") && !ws.haveQuorum && ws.noQuorumPolicy == "freeze" &&
		(len(r.running) == 0 || r.nextRole > r.role):
	default:
		a.flags |= flagRunnable
	}
	return a
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
	ws.scheduleShutdowns()
}

func (ws *workingSet) createRscActions(r *resource) {
	if r.isGroup() {
		for _, c := range r.children {
			ws.createRscActions(c)
		}
		ws.pseudoAction(r, "start", true)
		ws.pseudoAction(r, "running", true)
		ws.pseudoAction(r, "stop", true)
		ws.pseudoAction(r, "stopped", true)
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

func (ws *workingSet) stopResource(r *resource, optional bool) {
	for _, cur := range r.running {
		stop := ws.stopAction(r, cur, optional)
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
	if start.is(flagRunnable) && !optional {
		start.flags &^= flagOptional
	}
}

// createPrimitiveActions is pcmk__primitive_create_actions for the roles
// Stopped and Started.
func (ws *workingSet) createPrimitiveActions(r *resource) {
	if r.nextRole == cib.RoleUnknown {
		if r.assigned == nil {
			r.nextRole = cib.RoleStopped
		} else {
			r.nextRole = cib.RoleStarted
		}
	}
	current := r.currentNode()
	needStop := false
	if current != nil && r.assigned != nil && current != r.assigned && r.nextRole >= cib.RoleStarted {
		needStop = true
	}
	if len(r.running) > 1 {
		needStop = true
	}
	if !needStop && r.failed && current != nil {
		needStop = true
	}
	// Bring the resource down, then back up to its current role.
	if r.role != cib.RoleStopped {
		ws.stopResource(r, !needStop)
	}
	if r.role <= r.nextRole && r.role != cib.RoleStopped && r.assigned != nil {
		ws.startResource(r, r.assigned, !needStop)
	}
	// Then from the current role to the next.
	switch {
	case r.role == cib.RoleStopped && r.nextRole >= cib.RoleStarted:
		ws.startResource(r, r.assigned, false)
	case r.role >= cib.RoleStarted && r.nextRole == cib.RoleStopped:
		ws.stopResource(r, false)
	}
	ws.createRecurring(r)
}

// createRecurring schedules the configured recurring monitors.
func (ws *workingSet) createRecurring(r *resource) {
	if r.assigned == nil || r.nextRole == cib.RoleStopped {
		return
	}
	start := ws.findAction(r, opKey(r.id, "start", 0), r.assigned)
	if start == nil {
		return
	}
	for _, op := range r.ops {
		if op.name != "monitor" || op.interval <= 0 || !op.enabled {
			continue
		}
		if op.role == cib.RoleStopped {
			continue
		}
		if op.role != cib.RoleUnknown && op.role != cib.RoleStarted && op.role != r.nextRole {
			continue
		}
		optional := true
		if !start.is(flagOptional) {
			optional = false
		} else if !r.activeRecurring[op.key+"@"+r.assigned.name] {
			optional = false
		}
		mon := ws.customAction(r, op.key, op.name, r.assigned, optional)
		mon.interval = op.interval
		if !start.is(flagRunnable) || !r.assigned.online {
			mon.flags &^= flagRunnable
		}
		ws.orderActions(start, mon, orderImpliesThen|orderRunnableLeft)
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
	if r.isGroup() {
		any := false
		for _, c := range r.children {
			if ws.probe(c, n) {
				any = true
			}
		}
		return any
	}
	if r.orphan || r.knownOn[n] {
		return false
	}
	key := opKey(r.id, "monitor", 0)
	p := ws.customAction(r, key, "monitor", n, false)
	p.flags &^= flagOptional
	p.targetRC = 7
	top := r.top()
	ws.newOrdering(r, "", p, top, opKey(top.id, "start", 0), nil, orderOptional)
	return true
}

// scheduleShutdowns adds do_shutdown for nodes shutting down cleanly.
func (ws *workingSet) scheduleShutdowns() {
	for _, n := range ws.nodes {
		if !n.online || !n.shutdown || n.unclean {
			continue
		}
		down := ws.customAction(nil, "do_shutdown-"+n.name, "do_shutdown", n, false)
		down.cluster = true
		down.flags |= flagRunnable
		for _, r := range ws.allInOrder() {
			if r.isGroup() {
				continue
			}
			for _, a := range r.actions {
				if a.task == "stop" && a.node == n {
					ws.orderActions(a, down, orderOptional)
				}
			}
		}
	}
}

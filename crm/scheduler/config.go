package scheduler

import (
	"time"

	"pacer/crm/cib"
)

// Configuration changes (pcmk__handle_rsc_config_changes): before
// assignment, each available node's operation history is held against
// the configuration. A resource whose agent changed is cleaned up (and
// restarted where active); an active resource whose parameters changed
// since an operation ran is restarted, reloaded or has its recurring
// operation rescheduled; a recurring operation no longer configured is
// cancelled.

// statusOf finds the node_state of n.
func (ws *workingSet) statusOf(n *node) *cib.NodeState {
	for i := range ws.cib.Status.Nodes {
		st := &ws.cib.Status.Nodes[i]
		if st.ID == n.id || (st.ID == "" && st.Uname == n.name) {
			return st
		}
	}
	for i := range ws.cib.Status.Nodes {
		st := &ws.cib.Status.Nodes[i]
		if ws.byNodeID[st.ID] == nil && st.Uname == n.name {
			return st
		}
	}
	return nil
}

// checkConfigChanges is pcmk__handle_rsc_config_changes: nodes that can
// run resources (or are in maintenance), in node order, their resource
// histories in status order.
//
// A history entry is checked against every primitive whose id, or the
// name its history was found under, is the entry's id
// (pcmk__rscs_matching_id), not only the one it was unpacked into: an
// entry "rsc:0" on a node where it found an orphan instance is also
// checked against the configured instance rsc:0.
func (ws *workingSet) checkConfigChanges() {
	byName := map[string][]*resource{}
	var walk func(r *resource)
	walk = func(r *resource) {
		byName[r.id] = append(byName[r.id], r)
		if r.cloneName != "" && r.cloneName != r.id {
			byName[r.cloneName] = append(byName[r.cloneName], r)
		}
		for _, c := range r.children {
			walk(c)
		}
	}
	for _, r := range ws.resources {
		walk(r)
	}
	for _, n := range ws.nodes {
		if !n.maintenance && !n.canRun() {
			continue
		}
		st := ws.statusOf(n)
		if st == nil || st.LRM == nil {
			continue
		}
		for j := range st.LRM.Resources {
			lr := &st.LRM.Resources[j]
			if len(lr.Ops) == 0 {
				continue
			}
			// pcmk__rscs_matching_id prepends: the last match first.
			matches := byName[lr.ID]
			for i := len(matches) - 1; i >= 0; i-- {
				if r := matches[i]; !r.isCollective() {
					ws.processRscHistory(r, n, lr)
				}
			}
		}
	}
}

// processRscHistory is process_rsc_history.
func (ws *workingSet) processRscHistory(r *resource, n *node, lr *cib.LRMResource) {
	if r.orphan {
		// An orphaned instance of an anonymous clone is left to be
		// stopped; only a resource gone from the configuration is
		// cleaned up.
		if !r.top().anonymous() {
			ws.scheduleCleanup(r, n)
		}
		return
	}
	active := false
	for _, x := range r.running {
		if x == n {
			active = true
		}
	}
	if !active {
		if ws.agentChanged(r, n, lr, false) {
			ws.scheduleCleanup(r, n)
		}
		return
	}
	if ws.agentChanged(r, n, lr, true) {
		ws.scheduleCleanup(r, n)
	}
	ops := r.historyOn(n)
	start, stop := activeOpsRange(ops)
	if start < stop {
		return
	}
	for i, o := range ops {
		if i < start {
			continue
		}
		switch {
		case o.interval > 0 && (n.maintenance || !r.managed && isTrue(r.meta["maintenance"])):
			ws.scheduleCancel(r, o.task, o.interval, n)
		case o.interval > 0 || o.task == "monitor" || o.task == "start" || o.task == "promote" || o.task == "migrate_from":
			// A failed operation whose definition changed is
			// retried fresh: its fail count is cleared.
			if ws.checkActionConfig(r, n, o) && ws.failCount(r, n) > 0 {
				ws.clearFailcount(r, n)
			}
		}
	}
}

// agentChanged is pcmk__rsc_agent_changed: the history was recorded for
// another class, provider or type. Where the resource is active, it is
// stopped there and its start becomes pending.
func (ws *workingSet) agentChanged(r *resource, n *node, lr *cib.LRMResource, activeOnNode bool) bool {
	if r.class == lr.Class && r.provider == lr.Provider && r.typ == lr.Type {
		return false
	}
	// A fence device whose agent changed unfences its node again.
	ws.triggerUnfencing(r, n, "Device definition changed", nil)
	if activeOnNode {
		ws.stopAction(r, n, false)
		r.startPending = true
	}
	return true
}

// scheduleCleanup is pcmk__schedule_cleanup (DeleteRsc): forget the
// resource's history on a node, after it stops there and before it
// starts again.
func (ws *workingSet) scheduleCleanup(r *resource, n *node) {
	if r.failed || n == nil || n.unclean || !n.online {
		return
	}
	ws.customAction(r, opKey(r.id, "delete", 0), "delete", n, false)
	ws.orderRsc(r, "stop", r, "delete", orderOptional)
	ws.orderRsc(r, "delete", r, "start", orderOptional)
}

// scheduleCancel is pcmk__schedule_cancel: cancel a recurring operation
// on a node, after any stop of the resource.
func (ws *workingSet) scheduleCancel(r *resource, task string, intervalMs int64, n *node) {
	iv := time.Duration(intervalMs) * time.Millisecond
	cancel := ws.cancelAction(r, opDef{name: task, interval: iv, key: opKey(r.id, task, iv)}, n)
	ws.newOrdering(r, opKey(r.id, "stop", 0), nil, nil, "", cancel, orderOptional)
}

// checkActionConfig is pcmk__check_action_config for one history entry.
func (ws *workingSet) checkActionConfig(r *resource, n *node, o lrmOp) bool {
	if o.interval > 0 && ws.findOpConfig(r, o.task, o.interval, false) == nil {
		if boolDefault(ws.props["stop-orphan-actions"], true) {
			ws.scheduleCancel(r, o.task, o.interval, n)
		}
		return true
	}
	task := o.task
	if o.interval == 0 && (task == "monitor" || task == "migrate_from" || task == "promote") {
		task = "start"
	}
	res, d := ws.compareDigests(r, n, o)
	if res != digestMatch && !ws.liveCIB && o.op.OpSecureDigest != "" && d.secure == o.op.OpSecureDigest {
		// only_sanitized_changed: a CIB copied for troubleshooting has
		// its private parameters masked; when only they differ, the
		// definition did not change.
		res = digestMatch
	}
	switch res {
	case digestMatch:
		return false
	case digestRestart:
		ws.forceRestart(r, task, o.interval, n)
	case digestAll, digestUnknown:
		switch {
		case o.interval > 0:
			ws.triggerUnfencing(r, n, "Device parameters changed (reschedule)", nil)
			iv := time.Duration(o.interval) * time.Millisecond
			a := ws.customAction(r, opKey(r.id, task, iv), task, n, true)
			a.interval = iv
			a.reschedule = true
		case o.op.OpRestartDigest != "":
			ws.triggerUnfencing(r, n, "Device parameters changed (reload)", nil)
			ws.scheduleReload(r, n)
		default:
			ws.forceRestart(r, task, o.interval, n)
		}
	}
	return true
}

// compareDigests is rsc_action_digest_cmp.
func (ws *workingSet) compareDigests(r *resource, n *node, o lrmOp) (digestResult, opDigests) {
	d := ws.computeDigests(r, n, o.task, o.interval, o.op)
	if o.expired {
		// check_operation_expiry forces the restart digest to differ
		// so that the expired recurring operation is rescheduled.
		return digestRestart, d
	}
	rec := o.op
	switch {
	case rec.OpRestartDigest != "" && d.restart != "" && d.restart != rec.OpRestartDigest:
		return digestRestart, d
	case rec.OpDigest == "":
		return digestUnknown, d
	case rec.OpDigest != d.all:
		if o.interval == 0 && d.restartForced {
			return digestRestart, d
		}
		return digestAll, d
	}
	return digestMatch, d
}

// forceRestart is force_restart: the action (a start, for a start-like
// one) is required, on whichever node it will be scheduled.
// A fence device whose parameters changed unfences its node again.
func (ws *workingSet) forceRestart(r *resource, task string, intervalMs int64, n *node) {
	iv := time.Duration(intervalMs) * time.Millisecond
	a := ws.customAction(r, opKey(r.id, task, iv), task, nil, false)
	a.interval = iv
	a.reason = "resource definition change"
	ws.triggerUnfencing(r, n, "Device parameters changed", nil)
}

// scheduleReload is schedule_reload: reload the agent in place unless a
// required stop or demote makes it moot; with a start pending, restart.
func (ws *workingSet) scheduleReload(r *resource, n *node) {
	if n == nil || !r.managed || r.failed {
		return
	}
	if r.startPending {
		ws.stopAction(r, n, false)
		return
	}
	r.reload = true
	reload := ws.customAction(r, opKey(r.id, "reload-agent", 0), "reload-agent", n, false)
	if reload.reason == "" {
		reload.reason = "resource definition change"
	}
	ws.newOrdering(nil, "", reload, r, opKey(r.id, "stop", 0), nil, orderOptional|orderThenCancelsFirst)
	ws.newOrdering(nil, "", reload, r, opKey(r.id, "demote", 0), nil, orderOptional|orderThenCancelsFirst)
}

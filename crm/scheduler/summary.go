package scheduler

import (
	"pacer/crm/cib"
)

// SummaryLine is one Transition Summary line: what happens to a resource
// and why.
type SummaryLine struct {
	Change  string // Start, Stop, Move, Restart, Recover, ...
	Rsc     string
	Details string // "node1", "node1 -> node2"
	Reason  string // "due to node availability", "blocked", ...
}

// nodeChanges lists the required fencing actions, newest first as
// crm_simulate walks its action list.
func (ws *workingSet) nodeChanges() []NodeChange {
	var out []NodeChange
	for i := len(ws.actions) - 1; i >= 0; i-- {
		a := ws.actions[i]
		if !a.fencing || a.is(flagOptional) {
			continue
		}
		out = append(out, NodeChange{Action: "Fence (" + a.task + ")", Node: a.node.name, Reason: a.reason})
	}
	return out
}

func (ws *workingSet) summary() []SummaryLine {
	var out []SummaryLine
	var walk func(r *resource)
	walk = func(r *resource) {
		if r.isCollective() {
			for _, c := range r.children {
				walk(c)
			}
			return
		}
		out = append(out, ws.rscSummary(r)...)
	}
	for _, r := range ws.resources {
		walk(r)
	}
	return out
}

func (ws *workingSet) rscActions(r *resource, n *node, task string) *action {
	for _, a := range r.actions {
		if a.task == task && a.interval == 0 && (n == nil || a.node == n) {
			return a
		}
	}
	return nil
}

func item(change string, r *resource, origin, dest *node, act, source *action) SummaryLine {
	if source == nil {
		source = act
	}
	needRole := r.role > cib.RoleStarted || r.nextRole > cib.RoleUnpromoted
	sameHost := origin != nil && dest != nil && origin == dest
	sameRole := r.role == r.nextRole
	var details string
	name := func(n *node) string {
		if n == nil {
			return ""
		}
		return n.name
	}
	switch {
	case needRole && origin == nil:
		details = r.role.String() + " -> " + r.nextRole.String() + " " + name(dest)
	case origin == nil:
		details = name(dest)
	case needRole && dest == nil:
		details = r.role.String() + " " + name(origin)
	case dest == nil:
		details = name(origin)
	case needRole && sameRole && sameHost:
		details = r.role.String() + " " + name(origin)
	case sameRole && sameHost:
		details = name(origin)
	case needRole && sameRole:
		details = name(origin) + " -> " + name(dest) + " " + r.role.String()
	case sameRole:
		details = name(origin) + " -> " + name(dest)
	case sameHost:
		details = r.role.String() + " -> " + r.nextRole.String() + " " + name(origin)
	default:
		details = r.role.String() + " " + name(origin) + " -> " + r.nextRole.String() + " " + name(dest)
	}
	line := SummaryLine{Change: change, Rsc: r.id, Details: details}
	runnable := act != nil && act.is(flagRunnable)
	switch {
	case source != nil && source.reason != "" && !runnable:
		line.Reason = "due to " + source.reason + " (blocked)"
	case source != nil && source.reason != "":
		line.Reason = "due to " + source.reason
	case !runnable:
		line.Reason = "blocked"
	}
	return line
}

// rscSummary is Pacemaker's rsc_action_default for one primitive.
func (ws *workingSet) rscSummary(r *resource) []SummaryLine {
	current, next := r.currentNode(), r.assigned
	if !r.managed || (current == nil && next == nil) {
		return nil
	}
	moving := current != nil && next != nil && current != next
	start := ws.rscActions(r, next, "start")
	var startNode *node
	if start != nil && start.is(flagRunnable) {
		startNode = current
	}
	stop := ws.rscActions(r, startNode, "stop")
	if stop == nil && r.stopUnexpected {
		// Multiply active with multiple-active=stop_unexpected: not
		// stopping where it stays, but stopping elsewhere.
		stop = ws.rscActions(r, nil, "stop")
	}
	if r.role == r.nextRole {
		if next == nil {
			return nil
		}
		promote, demote := ws.rscActions(r, next, "promote"), ws.rscActions(r, next, "demote")
		migrate := ws.rscActions(r, next, "migrate_from")
		switch {
		case migrate != nil && current != nil && migrate.is(flagRunnable):
			return []SummaryLine{item("Migrate", r, current, next, start, nil)}
		case r.reload:
			return []SummaryLine{item("Reload", r, current, next, start, nil)}
		case start == nil || start.is(flagOptional):
			if demote != nil && promote != nil && !demote.is(flagOptional) && !promote.is(flagOptional) {
				return []SummaryLine{item("Re-promote", r, current, next, promote, demote)}
			}
			return nil
		case !start.is(flagRunnable):
			src := start
			if stop != nil && stop.reason != "" {
				src = stop
			}
			return []SummaryLine{item("Stop", r, current, nil, stop, src)}
		case moving && current != nil:
			ch := "Move"
			if r.failed {
				ch = "Recover"
			}
			return []SummaryLine{item(ch, r, current, next, stop, nil)}
		case r.failed:
			return []SummaryLine{item("Recover", r, current, nil, stop, nil)}
		default:
			return []SummaryLine{item("Restart", r, current, next, start, nil)}
		}
	}
	if stop != nil && (r.nextRole == cib.RoleStopped || (start != nil && !start.is(flagRunnable))) {
		var out []SummaryLine
		for _, n := range r.running {
			so := ws.rscActions(r, n, "stop")
			src := start
			if so != nil && so.reason != "" {
				src = so
			}
			if so == nil {
				continue
			}
			out = append(out, item("Stop", r, n, nil, so, src))
		}
		return out
	}
	switch {
	case stop != nil && r.failed && r.failedStop:
		return []SummaryLine{item("Recover", r, current, next, stop, start)}
	case moving:
		return []SummaryLine{item("Move", r, current, next, stop, nil)}
	case r.reload:
		return []SummaryLine{item("Reload", r, current, next, start, nil)}
	case stop != nil && !stop.is(flagOptional):
		return []SummaryLine{item("Restart", r, current, next, start, nil)}
	case r.role == cib.RolePromoted:
		return []SummaryLine{item("Demote", r, current, next, ws.rscActions(r, next, "demote"), nil)}
	case r.nextRole == cib.RolePromoted:
		return []SummaryLine{item("Promote", r, current, next, ws.rscActions(r, next, "promote"), nil)}
	case r.role == cib.RoleStopped && r.nextRole > cib.RoleStopped:
		return []SummaryLine{item("Start", r, current, next, start, nil)}
	}
	return nil
}

package scheduler

import (
	"strings"

	"pacer/crm/cib"
)

// onFail is what a failed operation makes the cluster do (enum
// action_fail_response), in increasing severity: when a resource's
// history on a node holds several failures, the most severe wins.
type onFail int

const (
	onFailIgnore onFail = iota
	onFailDemote
	onFailRecover // "restart"
	onFailResetRemote
	onFailRestartContainer
	onFailMigrate
	onFailBlock
	onFailStop
	onFailStandby
	onFailFence
)

func maxOnFail(a, b onFail) onFail {
	if b > a {
		return b
	}
	return a
}

// opOnFail is the on-fail of an operation of r (unpack_operation): the
// op's own on-fail (attribute, then meta_attributes), else op_defaults';
// by default a failed stop fences the node when fencing is enabled and
// blocks the resource otherwise, and any other failure recovers it.
// on-fail=fence without fencing means stop; standby is not allowed for
// a stop.
func (ws *workingSet) opOnFail(r *resource, task string, intervalMs int64) onFail {
	v := ""
	if op := ws.findOpConfig(r, task, intervalMs, false); op != nil {
		v = op.OnFail
		if v == "" {
			v = ws.nvsets(op.Meta, nil)["on-fail"]
		}
	}
	if v == "" && task == "demote" {
		// unpack_operation: a demote without an on-fail of its own
		// takes the explicit on-fail of the Promoted role's recurring
		// monitor (never "demote").
		for _, op := range ws.configuredOps(r) {
			if op.Name != "monitor" || op.OnFail == "" || strings.EqualFold(op.OnFail, "demote") {
				continue
			}
			if role, err := cib.ParseRole(op.Role); err != nil || role != cib.RolePromoted {
				continue
			}
			if iv, _ := cib.ParseInterval(op.Interval); iv <= 0 || !boolDefault(op.Enabled, true) {
				continue
			}
			v = op.OnFail
		}
	}
	if v == "" {
		v = ws.nvsets(ws.cib.Configuration.OpDefaults, nil)["on-fail"]
	}
	v = strings.ToLower(strings.TrimSpace(v))
	if task == "stop" && v == "standby" {
		v = ""
	}
	switch v {
	case "block":
		return onFailBlock
	case "fence":
		if !ws.stonithEnabled {
			return onFailStop
		}
		return onFailFence
	case "standby":
		return onFailStandby
	case "ignore", "nothing":
		return onFailIgnore
	case "migrate":
		return onFailMigrate
	case "stop":
		return onFailStop
	case "restart":
		return onFailRecover
	case "demote":
		return onFailDemote
	}
	if task == "stop" {
		if ws.stonithEnabled {
			return onFailFence
		}
		return onFailBlock
	}
	return onFailRecover
}

// applyOnFail is process_rsc_state's response to the failures in a
// resource's history on a node (already ignore on an unclean node). The
// resource counts as failed only where it is still active (or for
// on-fail=demote).
func (ws *workingSet) applyOnFail(r *resource, n *node, f onFail, active bool) {
	switch f {
	case onFailIgnore:
		return
	case onFailFence:
		// Treated as still running, and the node is fenced.
		ws.fenceNode(n, r.id+" failed there")
	case onFailStandby:
		n.standby, n.standbyOnFail = true, true
	case onFailBlock:
		r.managed, r.blocked = false, true
	case onFailMigrate:
		// Make sure it comes up somewhere else, or not at all.
		r.allowed[n.idx] = nodeWeight{present: true, score: -infinity}
	case onFailStop:
		r.nextRole = cib.RoleStopped
	case onFailRecover:
		// The recovery's stop is scheduled now, while the history is
		// read (it is older than every probe).
		if active {
			ws.stopAction(r, n, false)
		}
	case onFailDemote:
		ws.customAction(r, opKey(r.id, "demote", 0), "demote", n, false)
	}
	if active || f == onFailDemote {
		r.failed = true
		r.failedStop = f != onFailDemote && f != onFailBlock
	}
}

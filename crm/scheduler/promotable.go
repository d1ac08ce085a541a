package scheduler

import (
	"sort"
	"strings"

	"pacer/crm/cib"
)

// Building blocks of promotable clones (Pacemaker's pcmk_sched_promotable.c).
// They are not wired into Schedule yet: unpackClone still refuses a
// promotable clone.

// promotedLimits is the promoted-max and promoted-node-max of a clone's
// meta attributes, falling back to the deprecated master-max and
// master-node-max names; each defaults to 1, and a negative value counts
// as 0.
func promotedLimits(meta map[string]string) (max, nodeMax int) {
	get := func(name, legacy string) int {
		v, ok := meta[name]
		if !ok {
			v, ok = meta[legacy]
		}
		if !ok {
			return 1
		}
		n, valid := scanInt(v)
		if !valid {
			return 1
		}
		if n < 0 {
			return 0
		}
		return int(n)
	}
	return get("promoted-max", "master-max"), get("promoted-node-max", "master-node-max")
}

// promotionAttr is the node attribute holding a resource's promotion
// score (pcmk_promotion_score_name).
func promotionAttr(name string) string { return "master-" + name }

// promotionScore is promotion_score for a primitive instance on a node:
// the node attribute master-NAME, NAME being the name the instance's
// history was found under (else its id); for an anonymous clone with no
// such attribute, the id without its ":N" suffix is tried. isDefault says
// no attribute was found (the score is then 0). A value that is not a
// score counts as 0.
func promotionScore(id, historyName string, unique bool, attrs map[string]string) (score cib.Score, isDefault bool) {
	name := historyName
	if name == "" {
		name = id
	}
	v, ok := attrs[promotionAttr(name)]
	if !ok && !unique {
		if base := cloneStrip(id); base != id {
			v, ok = attrs[promotionAttr(base)]
		}
	}
	if !ok {
		return 0, true
	}
	s, err := cib.ParseScore(strings.TrimSpace(v))
	if err != nil {
		return 0, false
	}
	return s, false
}

// promotionCandidate is one instance of a promotable clone as
// pcmk__set_instance_roles sees it after assignment.
type promotionCandidate struct {
	id        string
	node      int // index of the assigned node, -1 when unassigned
	priority  cib.Score
	promoted  bool // the instance's next role is already Promoted
	canRunOn  bool // the assigned node can run resources
	sortIndex cib.Score
}

// instancePriority is set_instance_priority without constraints: an
// instance that will be active gets its promotion score, or -1 when it
// has none (so that only a score or a constraint makes it promotable);
// an instance already chosen to be Promoted sorts first (INFINITY).
func instancePriority(score cib.Score, isDefault, promoted bool) (priority, sortIndex cib.Score) {
	priority = score
	if isDefault {
		priority = -1
	}
	sortIndex = priority
	if promoted {
		sortIndex = infinity
	}
	return priority, sortIndex
}

// choosePromoted is the selection of pcmk__set_instance_roles: the
// candidates, highest sort index first (stable), are promoted while fewer
// than max are and their node has fewer than nodeMax promoted instances;
// a negative sort index or no usable node keeps an instance Unpromoted.
// It returns the ids chosen for promotion in that order.
func choosePromoted(cands []promotionCandidate, max, nodeMax, nodes int) []string {
	list := append([]promotionCandidate(nil), cands...)
	sort.SliceStable(list, func(i, j int) bool { return list[i].sortIndex > list[j].sortIndex })
	perNode := make([]int, nodes)
	var out []string
	for _, c := range list {
		if c.sortIndex < 0 || len(out) >= max || c.node < 0 || !c.canRunOn {
			continue
		}
		if perNode[c.node] >= nodeMax {
			continue
		}
		perNode[c.node]++
		out = append(out, c.id)
	}
	return out
}

// roleSteps is rsc_state_matrix: the immediate next role on the way from
// a current role (row) to a target role (column), in cib.Role order
// (Unknown, Stopped, Started, Unpromoted, Promoted). Going from
// Unpromoted to Started passes through Stopped; Promoted is always left
// through Unpromoted (a demote).
var roleSteps = [5][5]cib.Role{
	cib.RoleUnknown:    {cib.RoleUnknown, cib.RoleStopped, cib.RoleStopped, cib.RoleStopped, cib.RoleStopped},
	cib.RoleStopped:    {cib.RoleStopped, cib.RoleStopped, cib.RoleStarted, cib.RoleUnpromoted, cib.RoleUnpromoted},
	cib.RoleStarted:    {cib.RoleStopped, cib.RoleStopped, cib.RoleStarted, cib.RoleUnpromoted, cib.RolePromoted},
	cib.RoleUnpromoted: {cib.RoleStopped, cib.RoleStopped, cib.RoleStopped, cib.RoleUnpromoted, cib.RolePromoted},
	cib.RolePromoted:   {cib.RoleStopped, cib.RoleUnpromoted, cib.RoleUnpromoted, cib.RoleUnpromoted, cib.RolePromoted},
}

// roleTask is rsc_action_matrix: the action that moves a resource
// directly from one role to the next ("" when none is needed, "error" for
// a transition that cannot happen directly).
func roleTask(from, to cib.Role) string {
	switch {
	case from == to && from != cib.RoleUnknown:
		return ""
	case to == cib.RoleStopped && from != cib.RolePromoted:
		return "stop"
	case from == cib.RolePromoted && to != cib.RoleUnknown:
		return "demote"
	case from == cib.RoleStopped && (to == cib.RoleStarted || to == cib.RoleUnpromoted):
		return "start"
	case from == cib.RoleStarted && to == cib.RoleUnpromoted:
		return ""
	case (from == cib.RoleStarted || from == cib.RoleUnpromoted) && to == cib.RolePromoted:
		return "promote"
	case from == cib.RoleUnpromoted && to == cib.RoleStarted:
		return "stop"
	}
	return "error"
}

// roleActions lists the actions taking a resource from one role to a
// target, following roleSteps and roleTask (as
// pcmk__primitive_create_actions walks the matrices).
func roleActions(from, target cib.Role) []string {
	var out []string
	for from != target {
		next := roleSteps[from][target]
		task := roleTask(from, next)
		if task == "error" {
			return append(out, task)
		}
		if task != "" {
			out = append(out, task)
		}
		if next == from {
			break
		}
		from = next
	}
	return out
}

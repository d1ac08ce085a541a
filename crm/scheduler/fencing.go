package scheduler

import "strings"

// Fencing (Pacemaker's pe_fence_node, pe_fence_op, pe_can_fence,
// schedule_fencing_and_shutdowns and pcmk__order_vs_fence). A node that
// is unclean (lost from the membership, its controller gone, a failure
// with on-fail=fence, a resource thought active on it while it is down)
// is fenced before anything it may still run is recovered elsewhere: its
// resources' stops there become pseudo-actions implied by the fencing,
// ordered after it, and every start that requires fencing waits for it.

// stonithAction is the cluster's stonith-action: reboot by default;
// the deprecated "poweroff" means "off".
func (ws *workingSet) stonithAction() string {
	a := strDefault(ws.props["stonith-action"], "reboot")
	if a == "poweroff" {
		a = "off"
	}
	return a
}

// canFence is pe_can_fence: fencing is enabled, a fence device is
// configured, and the cluster has quorum, ignores its loss, or the node
// is still in this partition's membership.
func (ws *workingSet) canFence(n *node) bool {
	switch {
	case !ws.stonithEnabled || !ws.haveStonith:
		return false
	case ws.haveQuorum || ws.noQuorumPolicy == "ignore":
		return true
	}
	return n != nil && n.online
}

// fenceNode is pe_fence_node for a cluster node: the first reason a node
// is found unclean is the one its fencing action reports.
func (ws *workingSet) fenceNode(n *node, reason string) {
	if n.unclean {
		return
	}
	n.unclean = true
	ws.fenceOp(n, true, reason)
}

// fenceOp is pe_fence_op: the node's one fencing action, created on first
// use. Asked for as required it becomes required when the node can be
// fenced; the reason is kept from the first caller that gave one.
func (ws *workingSet) fenceOp(n *node, optional bool, reason string) *action {
	if n.fence == nil {
		act := ws.stonithAction()
		a := ws.customAction(nil, "stonith-"+n.name+"-"+act, act, n, true)
		a.cluster, a.fencing = true, true
		a.flags |= flagRunnable
		n.fence = a
	}
	a := n.fence
	if !optional && ws.canFence(n) {
		a.flags &^= flagOptional
	}
	if a.reason == "" {
		a.reason = reason
	}
	return a
}

// anyManaged is any_managed_resources: without a managed resource there
// is nothing fencing would protect.
func (ws *workingSet) anyManaged() bool {
	for _, r := range ws.resources {
		if r.managed {
			return true
		}
	}
	return false
}

// scheduleFencing is the fencing half of schedule_fencing_and_shutdowns:
// every unclean node that can be fenced gets a required fencing action,
// ordered against every managed resource's actions. Without
// concurrent-fencing the fencing actions run one after another; the DC's
// own fencing comes after the others either way.
func (ws *workingSet) scheduleFencing() {
	haveManaged := ws.anyManaged()
	concurrent := boolDefault(ws.props["concurrent-fencing"], true)
	var dcDown *action
	var fencings []*action
	for _, n := range ws.nodes {
		if !haveManaged || !n.unclean || !ws.canFence(n) {
			continue
		}
		f := ws.fenceOp(n, false, "node is unclean")
		ws.orderVsFence(f)
		if n.isDC {
			dcDown = f
			continue
		}
		if !concurrent && len(fencings) > 0 {
			ws.orderActions(fencings[len(fencings)-1], f, orderOptional)
		}
		fencings = append(fencings, f)
	}
	if dcDown == nil {
		return
	}
	if concurrent {
		for _, f := range fencings {
			ws.orderActions(f, dcDown, orderOptional)
		}
	} else if len(fencings) > 0 {
		ws.orderActions(fencings[len(fencings)-1], dcDown, orderOptional)
	}
}

// orderVsFence is pcmk__order_vs_fence: each managed primitive's actions
// against the fencing of a node.
func (ws *workingSet) orderVsFence(fence *action) {
	var walk func(r *resource)
	walk = func(r *resource) {
		if len(r.children) > 0 {
			for _, c := range r.children {
				walk(c)
			}
			return
		}
		if !r.managed {
			return
		}
		ws.orderStartVsFencing(r, fence)
		ws.orderStopVsFencing(r, fence)
	}
	for _, r := range ws.resources {
		walk(r)
	}
}

// actionNeeds is what an action of r needs before it may run (action
// 'needs'): only starts and promotes need anything.
func (ws *workingSet) actionNeeds(r *resource, task string) string {
	if task != "start" && task != "promote" {
		return "nothing"
	}
	return ws.needsOf(r)
}

// needsOf is the resource's requires, unpacked on first use.
func (ws *workingSet) needsOf(r *resource) string {
	if r.needs == "" {
		r.needs = ws.unpackRequires(r)
	}
	return r.needs
}

// orderStartVsFencing: a start that requires fencing waits for any
// fencing; a start that requires only quorum waits for the fencing of a
// node where the resource's state is unknown (it may be active there).
func (ws *workingSet) orderStartVsFencing(r *resource, fence *action) {
	target := fence.node
	for _, a := range r.actions {
		switch ws.actionNeeds(r, a.task) {
		case "fencing", "unfencing":
			ws.orderActions(fence, a, orderOptional)
		case "quorum":
			if a.task == "start" && r.allowed[target.idx].present && !r.isKnownOn(target) {
				ws.orderActions(fence, a, orderOptional|orderRunnableLeft)
			}
		}
	}
}

// isKnownOn is rsc_is_known_on: the resource's state on the node is
// known from its history (an anonymous clone instance also counts its
// clone's).
func (r *resource) isKnownOn(n *node) bool {
	if r.knownOn.has(n) {
		return true
	}
	return r.parent != nil && r.parent.anonymous() && r.parent.knownOnAny(n)
}

// orderStopVsFencing: the resource's stops on the fenced node cannot run
// there; they become pseudo-actions the fencing implies, and when the
// resource requires fencing they (and its top-level parent's stop) are
// ordered after it.
func (ws *workingSet) orderStopVsFencing(r *resource, fence *action) {
	target := fence.node
	var stops []*action
	for _, a := range r.actions {
		if a.task == "stop" && a.node == target {
			stops = append(stops, a)
		}
	}
	needs := ws.needsOf(r)
	implicit := needs == "fencing" || needs == "unfencing"
	var parentStop *action
	if len(stops) > 0 && implicit {
		top := r
		for top.parent != nil {
			top = top.parent
		}
		for i := len(top.actions) - 1; i >= 0; i-- {
			if top.actions[i].task == "stop" {
				parentStop = top.actions[i]
				break
			}
		}
	}
	for _, stop := range stops {
		stop.flags |= flagPseudo | flagRunnable
		if implicit {
			ws.orderActions(fence, stop, orderPreserve)
			ws.orderActions(fence, parentStop, orderPreserve)
		}
	}
	var demotes []*action
	for _, a := range r.actions {
		if a.task == "demote" && a.node == target {
			demotes = append(demotes, a)
		}
	}
	for _, d := range demotes {
		if !d.node.online || d.node.unclean || r.failed {
			d.flags |= flagPseudo | flagRunnable
			if implicit {
				ws.orderActions(fence, d, orderPreserve|orderOptional)
			}
		}
	}
}

// unpackRequires is unpack_requires: what a resource's start needs.
// Without an explicit (valid) value, a fence device needs quorum, other
// resources fencing when it is enabled, else nothing when quorum loss is
// ignored, else quorum.
func (ws *workingSet) unpackRequires(r *resource) string {
	v := strings.ToLower(strings.TrimSpace(r.meta["requires"]))
	switch v {
	case "nothing", "quorum", "fencing":
		return v
	case "unfencing":
		if r.isStonith || !ws.stonithEnabled {
			return "quorum"
		}
		return v
	}
	switch {
	case r.isStonith:
		return "quorum"
	case ws.unfencing && !ws.stonithEnabled:
		return "quorum"
	case ws.unfencing:
		return "unfencing"
	case ws.stonithEnabled:
		return "fencing"
	case ws.noQuorumPolicy == "ignore":
		return "nothing"
	}
	return "quorum"
}

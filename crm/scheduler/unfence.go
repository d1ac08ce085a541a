package scheduler

// Unfencing: fence devices such as fence_scsi cut a node off storage
// until the node is "unfenced" (fence action "on"), so a node must be
// unfenced before it probes or starts anything that needs it. Pacemaker
// turns this on for the whole cluster as soon as any nvpair in the CIB
// says provides=unfencing or requires=unfencing (unpack_config); then
// resources require unfencing by default, and the devices themselves are
// probed and started only on unfenced nodes.

import (
	"strings"

	"pacer/crm/cib"
)

// detectUnfencing is unpack_config's search for an nvpair
// provides=unfencing or requires=unfencing anywhere in the configuration.
func (ws *workingSet) detectUnfencing() {
	match := func(sets []cib.NVSet) bool {
		for _, s := range sets {
			for _, p := range s.Pairs {
				if (p.Name == "provides" || p.Name == "requires") && strings.EqualFold(strings.TrimSpace(p.Value), "unfencing") {
					return true
				}
			}
		}
		return false
	}
	conf := &ws.cib.Configuration
	if match(conf.CRMConfig) || match(conf.RscDefaults) || match(conf.OpDefaults) {
		ws.unfencing = true
		return
	}
	var walk func(r *cib.Resource) bool
	walk = func(r *cib.Resource) bool {
		if match(r.Meta) || match(r.Instance) {
			return true
		}
		for _, op := range ws.defOps(r) {
			if match(op.Meta) || match(op.Instance) {
				return true
			}
		}
		for _, c := range r.Children {
			if walk(c) {
				return true
			}
		}
		return false
	}
	for _, r := range conf.Resources {
		if walk(r) {
			ws.unfencing = true
			return
		}
	}
}

// nodeUnfenced is pcmk__node_unfenced: the node attribute #node-unfenced
// is set and not "0".
func nodeUnfenced(n *node) bool {
	v, ok := n.attrs["#node-unfenced"]
	return ok && v != "0"
}

// unfenceOp is pe_fence_op for the action "on": the node's one unfencing
// action, created on first use, optional until something requires it
// and the node can be fenced.
func (ws *workingSet) unfenceOp(n *node, optional bool, reason string) *action {
	if n.unfence == nil {
		a := ws.customAction(nil, "stonith-"+n.name+"-on", "on", n, true)
		a.cluster, a.fencing = true, true
		a.flags |= flagRunnable
		n.unfence = a
	}
	a := n.unfence
	if !optional && ws.canFence(n) {
		a.flags &^= flagOptional
	}
	if a.reason == "" {
		a.reason = reason
	}
	return a
}

// needsUnfencing says r's starts and probes wait for its node's
// unfencing: a fence device when unfencing is in use, or a resource that
// requires unfencing.
func (ws *workingSet) needsUnfencing(r *resource) bool {
	if !ws.unfencing {
		return false
	}
	return r.isStonith || ws.needsOf(r) == "unfencing"
}

// orderVsUnfence is pcmk__order_vs_unfence: the node's unfencing comes
// before action; it is required only if the node has never been
// unfenced (requiring it otherwise would unfence a node, and stop all it
// runs, whenever a resource is added).
func (ws *workingSet) orderVsUnfence(r *resource, n *node, a *action, flags orderFlags) {
	if n == nil || !ws.needsUnfencing(r) {
		return
	}
	unfence := ws.unfenceOp(n, true, "")
	ws.orderActions(unfence, a, flags)
	if !nodeUnfenced(n) {
		ws.triggerUnfencing(nil, n, "required by "+r.id+" "+a.task, nil)
	}
}

// triggerUnfencing is trigger_unfencing: unfence a node that is online,
// clean and not shutting down (for a fence device given without a node:
// each such node it may run on), before dependency if one is given.
func (ws *workingSet) triggerUnfencing(r *resource, n *node, reason string, dependency *action) {
	switch {
	case !ws.unfencing:
	case r != nil && !r.isStonith:
	case n != nil && n.online && !n.unclean && !n.shutdown:
		u := ws.unfenceOp(n, false, reason)
		if dependency != nil {
			ws.orderActions(u, dependency, orderOptional)
		}
	case r != nil:
		for _, x := range ws.nodes {
			if r.allowed[x.idx].present && x.online && !x.unclean && !x.shutdown {
				ws.triggerUnfencing(r, x, reason, dependency)
			}
		}
	}
}

// unfenceConstraints is the unfencing part of native_internal_constraints
// for a resource (not a fence device) that requires unfencing: on every
// node it may run on (by name), its stop comes before the node's
// unfencing and its start after it, on that node.
func (ws *workingSet) unfenceConstraints(r *resource) {
	if r.isStonith || !ws.unfencing || ws.needsOf(r) != "unfencing" {
		return
	}
	for _, n := range ws.nodes { // sorted by name, as allowed_nodes_as_list
		if !r.allowed[n.idx].present {
			continue
		}
		u := ws.unfenceOp(n, true, "")
		ws.newOrdering(r, opKey(r.id, "stop", 0), nil, nil, "", u, orderOptional|orderSameNode)
		// pe_order_implies_then_on_node: the unfencing, once required,
		// requires the start on its own node.
		ws.newOrdering(nil, "", u, r, opKey(r.id, "start", 0), nil, orderImpliesThen|orderSameNode)
	}
}

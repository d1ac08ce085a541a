package scheduler

import (
	"sort"
	"strconv"

	"pacer/crm/cib"
)

// Utilization and placement-strategy (Pacemaker's
// pcmk_sched_utilization.c). Nodes declare capacities and resources
// what they use, in <utilization> sets of numbers. With the default
// strategy they are ignored; otherwise a resource is only placed where
// the capacity left covers it (with whatever must run with it), and the
// capacity left goes down as resources are placed. "utilization" does
// just that; "minimal" also stops spreading resources by count;
// "balanced" prefers the node with the most capacity left.

// usesUtilization says the placement strategy takes utilization into
// account.
func (ws *workingSet) usesUtilization() bool {
	return ws.placement != "" && ws.placement != "default"
}

// utilizationOf reads a <utilization> set list as numbers (a value that
// is not a number counts as 0, as utilization_value does).
func (ws *workingSet) utilizationOf(sets []cib.NVSet) map[string]int {
	out := map[string]int{}
	for k, v := range ws.nvsets(sets, nil) {
		n, _ := strconv.Atoi(v)
		out[k] = n
	}
	return out
}

// unpackUtilization reads the nodes' capacities and the primitives'
// utilization.
func (ws *workingSet) unpackUtilization() {
	if !ws.usesUtilization() {
		return
	}
	for _, cn := range ws.cib.Configuration.Nodes {
		if n := ws.byNodeID[cn.ID]; n != nil {
			n.capacity = ws.utilizationOf(cn.Utilization)
		}
	}
	for _, r := range ws.all {
		if r.def != nil && !r.isCollective() {
			r.utilization = ws.utilizationOf(r.def.Utilization)
		}
	}
}

// haveEnoughCapacity is have_enough_capacity: the node's capacity left
// covers every amount required.
func haveEnoughCapacity(n *node, need map[string]int) bool {
	for k, v := range need {
		if n.capacity[k] < v {
			return false
		}
	}
	return true
}

// colocatedResources is pcmk__colocated_resources: r and everything
// bound to it by mandatory colocations that affect placement, followed
// both ways.
func (ws *workingSet) colocatedResources(r, orig *resource, acc []*resource) []*resource {
	if r.isGroup() {
		// pcmk__group_colocated_resources: a colocated or cloned
		// group's members' chains (the first member's otherwise),
		// then the group's own.
		if r.colocated || (r.parent != nil && r.parent.isClone()) {
			for _, c := range r.children {
				acc = ws.colocatedResources(c, orig, acc)
			}
		} else if len(r.children) > 0 {
			acc = ws.colocatedResources(r.children[0], orig, acc)
		}
	}
	for _, x := range acc {
		if x == r {
			return acc
		}
	}
	acc = append(acc, r)
	for _, c := range r.thisWith {
		if c.primary == orig || c.score < infinity {
			continue
		}
		acc = ws.colocatedResources(c.primary, orig, acc)
	}
	for _, c := range r.withThis {
		if c.dependent == orig || c.score < infinity {
			continue
		}
		if r.isClone() && !c.dependent.isClone() {
			continue
		}
		acc = ws.colocatedResources(c.dependent, orig, acc)
	}
	return acc
}

// banInsufficientCapacity is pcmk__ban_insufficient_capacity: where some
// node can take r with everything colocated with it that is not placed
// yet, r is banned from the nodes that cannot; otherwise from the nodes
// that cannot take r alone.
func (ws *workingSet) banInsufficientCapacity(r *resource) {
	colocated := ws.colocatedResources(r, r, nil)
	// sum_unallocated_utilization: what each resource of the chain not
	// placed yet adds (its add_utilization method).
	sum := map[string]int{}
	for _, x := range colocated {
		ws.addUtilization(x, colocated, sum)
	}
	available := func(n *node) bool {
		w := r.allowed[n.idx]
		return w.present && w.score >= 0 && n.canRun()
	}
	anyCapable := false
	for _, n := range ws.nodes {
		if available(n) && haveEnoughCapacity(n, sum) {
			anyCapable = true
		}
	}
	need := sum
	if !anyCapable {
		need = r.utilization
	}
	for _, n := range ws.nodes {
		if available(n) && !haveEnoughCapacity(n, need) {
			r.allowed[n.idx].score = -infinity
		}
	}
}

// addUtilization is the add_utilization method: r's part of the
// utilization of a colocated chain (all) not placed yet. A clone adds
// its instances that are in the chain (through a cloned group's members
// too), or else its first instance: one instance goes with the chain. A
// colocated or cloned group adds its members not in the chain, another
// group its first member.
func (ws *workingSet) addUtilization(r *resource, all []*resource, sum map[string]int) {
	if !r.provisional {
		return
	}
	in := func(x *resource) bool {
		for _, y := range all {
			if y == x {
				return true
			}
		}
		return false
	}
	switch {
	case r.isClone():
		existing := false
		for _, child := range r.children {
			if in(child) {
				existing = true
				continue
			}
			for _, m := range child.children {
				if in(m) {
					ws.addUtilization(child, all, sum)
					existing = true
					break
				}
			}
		}
		if !existing && len(r.children) > 0 {
			ws.addUtilization(r.children[0], all, sum)
		}
	case r.isGroup():
		members := r.children
		if !r.colocated && (r.parent == nil || !r.parent.isClone()) && len(members) > 0 {
			members = members[:1]
		}
		for _, m := range members {
			if m.provisional && !in(m) {
				ws.addUtilization(m, all, sum)
			}
		}
	default:
		for k, v := range r.utilization {
			sum[k] += v
		}
	}
}

// consumeCapacity is pcmk__consume_node_capacity.
func consumeCapacity(n *node, r *resource) {
	if n.capacity == nil {
		n.capacity = map[string]int{}
	}
	for k, v := range r.utilization {
		n.capacity[k] -= v
	}
}

// releaseCapacity undoes consumeCapacity (an assignment taken back).
func releaseCapacity(n *node, r *resource) {
	for k, v := range r.utilization {
		n.capacity[k] += v
	}
}

// compareCapacity is pcmk__compare_node_capacities: negative when a has
// more capacity left than b, counted attribute by attribute.
func compareCapacity(a, b *node) int {
	result := 0
	cmp := func(k string) {
		switch va, vb := a.capacity[k], b.capacity[k]; {
		case va > vb:
			result--
		case va < vb:
			result++
		}
	}
	for k := range a.capacity {
		cmp(k)
	}
	for k := range b.capacity {
		if _, ok := a.capacity[k]; !ok {
			cmp(k)
		}
	}
	return result
}

// sortForUtilization is pcmk__sort_resources: with a utilization
// strategy, resources are placed highest priority first, then the one
// with the higher score on its current node, then the one with the
// higher score on the first node where they differ (nodes in placement
// order), scores including what the resources must be colocated with.
func (ws *workingSet) sortForUtilization() {
	nodes := append([]*node(nil), ws.nodes...)
	sort.SliceStable(nodes, func(i, j int) bool { return ws.nodeBefore(nodes[i], nodes[j]) })
	scores := map[*resource][]nodeWeight{}
	for _, r := range ws.resources {
		scores[r] = ws.mergeForward(r, r.allowed, "", 1, true)
	}
	at := func(r *resource, n *node) cib.Score {
		if w := scores[r][n.idx]; w.present {
			return w.score
		}
		return -infinity
	}
	sort.SliceStable(ws.resources, func(i, j int) bool {
		a, b := ws.resources[i], ws.resources[j]
		if a.priority != b.priority {
			return a.priority > b.priority
		}
		sa, sb := cib.Score(-infinity), cib.Score(-infinity)
		if cur := a.currentNode(); cur != nil {
			sa = at(a, cur)
		}
		if cur := b.currentNode(); cur != nil {
			sb = at(b, cur)
		}
		if sa != sb {
			return sa > sb
		}
		for _, n := range nodes {
			if x, y := at(a, n), at(b, n); x != y {
				return x > y
			}
		}
		return false
	})
}

// nodeBefore orders nodes for placement without a resource (sort_node_
// weight with equal weights): capacity for "balanced", then fewer
// resources, then name.
func (ws *workingSet) nodeBefore(a, b *node) bool {
	ra, rb := a.canRun(), b.canRun()
	if ra != rb {
		return ra
	}
	if ws.placement == "minimal" {
		return a.name < b.name
	}
	if ws.placement == "balanced" {
		if c := compareCapacity(a, b); c != 0 {
			return c < 0
		}
	}
	if a.numRsc != b.numRsc {
		return a.numRsc < b.numRsc
	}
	return a.name < b.name
}

// mergeForward is pcmk__native_merge_weights with pe_weights_forward:
// the scores of what r is colocated with, merged into r's own (on the
// first call nodes are r's own scores and are not added again).
func (ws *workingSet) mergeForward(r *resource, nodes []nodeWeight, attr string, factor float64, first bool) []nodeWeight {
	if r.merging {
		return nodes
	}
	r.merging = true
	defer func() { r.merging = false }()
	work := append([]nodeWeight(nil), nodes...)
	if !first {
		ws.addScoresMatchingAttr(work, r, attr, factor, false)
	}
	if !ws.canRunAny(work) {
		if !first {
			return nodes
		}
		return work
	}
	mult := 1.0
	if factor < 0 {
		mult = -1
	}
	for _, c := range r.thisWith {
		work = ws.mergeForward(c.primary, work, c.nodeAttr, mult*float64(c.score)/float64(infinity), false)
	}
	return work
}

// createUtilizationConstraints is pcmk__create_utilization_constraints:
// the resource's stops on its current nodes come before the node's
// load_stopped pseudo-action, which comes before its start (or
// migration) on every allowed node, so that capacity is freed before it
// is used.
func (ws *workingSet) createUtilizationConstraints(r *resource) {
	for _, n := range r.running {
		ws.newOrdering(r, opKey(r.id, "stop", 0), nil, nil, "", ws.loadStopped(n), orderLoad)
	}
	for _, n := range ws.nodes {
		if !r.allowed[n.idx].present {
			continue
		}
		ls := ws.loadStopped(n)
		ws.newOrdering(nil, "", ls, r, opKey(r.id, "start", 0), nil, orderLoad)
		ws.newOrdering(nil, "", ls, r, opKey(r.id, "migrate_to", 0), nil, orderLoad)
	}
}

// loadStopped is a node's load_stopped pseudo-action (one per node).
func (ws *workingSet) loadStopped(n *node) *action {
	if n.loadStopped == nil {
		a := ws.customAction(nil, "load_stopped_"+n.name, "load_stopped", n, false)
		a.flags |= flagPseudo | flagRunnable
		n.loadStopped = a
	}
	return n.loadStopped
}

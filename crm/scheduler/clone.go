package scheduler

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"pacer/crm/cib"
)

// cloneInfo is a clone's configuration and assignment bookkeeping.
type cloneInfo struct {
	base       string // the child's configured id (instances are base:N)
	max        int    // clone-max
	nodeMax    int    // clone-node-max
	unique     bool   // globally-unique
	ordered    bool
	interleave bool
	promotable bool
	notify     bool
	// promotionAdded: the instances' promotion scores have been added
	// to their node scores and priorities (pcmk__add_promotion_scores
	// runs once).
	promotionAdded bool
	counts         []int // instances assigned per node (pe_node_t.count)
	// notif holds each notified operation's pseudo-actions (start,
	// stop, promote, demote), in the order they were created.
	notif []*notifyData
}

// unpackClone is clone_unpack: a clone of a primitive gets clone-max
// instances (default: one per cluster node) named base:0 ... base:N-1,
// each a primitive with the clone's meta attributes under its own.
func (ws *workingSet) unpackClone(r *resource, walk func(*cib.Resource, *resource) (*resource, error)) error {
	def := r.def
	if len(def.Children) != 1 || (def.Children[0].Kind != cib.KindPrimitive && def.Children[0].Kind != cib.KindGroup) {
		return fmt.Errorf("schedule: resource %s: a clone must hold one primitive or group", def.ID)
	}
	child := def.Children[0]
	ci := &cloneInfo{base: child.ID, max: len(ws.nodes), nodeMax: 1}
	if v, ok := scanInt(r.meta["clone-max"]); ok && v >= 0 {
		ci.max = int(v)
	}
	if v, ok := scanInt(r.meta["clone-node-max"]); ok && v >= 0 {
		ci.nodeMax = int(v)
	}
	ci.unique = isTrue(r.meta["globally-unique"])
	if ci.unique && !uniqueCapable(child) {
		// pe__force_anon: only OCF and stonith agents can be globally
		// unique; a clone of anything else (lsb, systemd, ...) is made
		// anonymous, one instance per node at most.
		ci.unique = false
		ci.nodeMax = 1
		if ci.max > len(ws.nodes) {
			ci.max = len(ws.nodes)
		}
	}
	ci.ordered = isTrue(r.meta["ordered"])
	ci.interleave = isTrue(r.meta["interleave"])
	ci.notify = isTrue(r.meta["notify"])
	ci.promotable = isTrue(r.meta["promotable"]) || def.Kind == cib.KindMaster
	r.clone = ci
	// clone_unpack: a clone's instances stick to where they run by
	// default (resource-stickiness 1) unless a stickiness is configured
	// for it, by rsc_defaults or (older CIBs) default-resource-stickiness.
	_, own := r.meta["resource-stickiness"]
	_, oldMeta := r.meta["default-resource-stickiness"]
	_, oldProp := ws.props["default-resource-stickiness"]
	if !own && !oldMeta && !oldProp {
		r.meta["resource-stickiness"] = "1"
		r.stickiness = 1
	}
	for i := 0; i < ci.max; i++ {
		if _, err := ws.newInstance(r, walk); err != nil {
			return err
		}
	}
	for _, m := range child.Children {
		ws.cloneByBase[m.ID] = r
	}
	ws.cloneByBase[child.ID] = r
	return nil
}

// newInstance is pe__create_clone_child: the clone's next instance, the
// child with ":N" on its id (and on its members' ids for a cloned group),
// N counting every instance created so far. Instances beyond clone-max
// are orphans.
func (ws *workingSet) newInstance(r *resource, walk func(*cib.Resource, *resource) (*resource, error)) (*resource, error) {
	child := r.def.Children[0]
	suffix := ":" + strconv.Itoa(len(r.children))
	cp := *child
	cp.ID = child.ID + suffix
	if child.Kind == cib.KindGroup {
		cp.Children = make([]*cib.Resource, len(child.Children))
		for j, m := range child.Children {
			mc := *m
			mc.ID = m.ID + suffix
			cp.Children[j] = &mc
		}
	}
	c, err := walk(&cp, r)
	if err != nil {
		return nil, err
	}
	r.children = append(r.children, c)
	return c, nil
}

// anonymousOrphan is create_anonymous_orphan: history of an anonymous
// clone on a node where no instance is left for it (all are active
// elsewhere, or clone-max is lower than it was) gets a new instance
// beyond clone-max, flagged orphan with all its members, so that what
// runs there is stopped and its state there counts as known.
func (ws *workingSet) anonymousOrphan(clone *resource, base string) *resource {
	c, err := ws.newInstance(clone, ws.walk)
	if err != nil {
		return nil
	}
	var mark func(x *resource)
	mark = func(x *resource) {
		x.orphan = true
		x.allowed = make([]nodeWeight, len(ws.nodes))
		if ws.symmetric {
			for i := range x.allowed {
				x.allowed[i] = nodeWeight{present: true, score: ws.nodes[i].base}
			}
		}
		for _, m := range x.children {
			mark(m)
		}
	}
	mark(c)
	if !c.isGroup() {
		return c
	}
	for _, m := range c.children {
		if cloneStrip(m.id) == base {
			return m
		}
	}
	return nil
}

// anonymous says r is an anonymous (not globally-unique) clone.
func (r *resource) anonymous() bool { return r.isClone() && !r.clone.unique }

// cloneStrip drops a ":N" instance suffix.
func cloneStrip(id string) string {
	if i := strings.LastIndexByte(id, ':'); i >= 0 {
		return id[:i]
	}
	return id
}

// historyResource is unpack_find_resource: the resource an lrm_resource
// entry on node n belongs to. For an anonymous clone the entry (named
// base or base:N) is matched to an instance as find_anonymous_clone
// does: the instance already active only on n, else the first inactive
// one. isInstance says the entry belongs to a clone even when no
// instance was left for it.
func (ws *workingSet) historyResource(n *node, id string) (r *resource, isInstance bool) {
	r = ws.all[id]
	var clone *resource
	switch {
	case r == nil:
		clone = ws.cloneByBase[cloneStrip(id)]
		if clone == nil {
			clone = ws.cloneByBase[id]
		}
		if clone == nil || clone.clone.unique {
			return nil, false
		}
	case r.isCollective():
		// History under the id of a group or clone is of a primitive
		// that once had that id: an orphan (unpack_find_resource).
		return nil, false
	case r.parent != nil && r.parent.anonymous():
		clone = r.parent
	case r.parent != nil && r.parent.isGroup() && r.parent.parent != nil && r.parent.parent.anonymous():
		clone = r.parent.parent
	default:
		return r, false
	}
	base := cloneStrip(id)
	// member is the instance's resource the history belongs to: the
	// instance itself, or the member of a cloned group with that name.
	member := func(c *resource) *resource {
		if !c.isGroup() {
			return c
		}
		for _, m := range c.children {
			if cloneStrip(m.id) == base {
				return m
			}
		}
		return nil
	}
	// An instance that does not need fencing, found on a node that is
	// offline or unclean, does not use up an instance number (unless
	// the clone runs on every node): it is an orphan, so that an
	// instance can start elsewhere.
	checkUnclean := func(x *resource) *resource {
		if (!n.online || n.unclean) && !clone.isUniversal(len(ws.nodes)) {
			if needs := ws.needsOf(x); needs != "fencing" && needs != "unfencing" {
				return ws.anonymousOrphan(clone, base)
			}
		}
		return x
	}
	// find_anonymous_clone: an instance located here (running, or with
	// an operation pending here) takes the history if its member of
	// that name is not running yet; a second history of a member
	// already running here is an orphan, even with inactive instances
	// left. Otherwise the first inactive instance takes it, unless an
	// operation of it is pending on another node.
	var inactive *resource
	skipInactive := false
	for _, c := range clone.children {
		if locs := c.locatedNodes(); len(locs) > 0 {
			if locs[0] != n {
				continue
			}
			m := member(c)
			if m == nil {
				continue
			}
			if len(m.running) > 0 {
				skipInactive = true
				continue
			}
			return checkUnclean(m), true
		}
		if !skipInactive && inactive == nil && !c.blocked {
			inactive = member(c)
			if inactive != nil && inactive.pendingNode != nil && inactive.pendingNode != n {
				inactive = nil
			}
		}
	}
	if skipInactive || inactive == nil {
		return ws.anonymousOrphan(clone, base), true
	}
	return checkUnclean(inactive), true
}

// locatedNodes is native_location with current=2: where the resource
// (a group: any member) runs, and the node of an operation of it that is
// still pending.
func (r *resource) locatedNodes() []*node {
	var out []*node
	add := func(x *resource) {
		for _, n := range x.running {
			if !containsNode(out, n) {
				out = append(out, n)
			}
		}
		if x.pendingNode != nil && !containsNode(out, x.pendingNode) {
			out = append(out, x.pendingNode)
		}
	}
	if !r.isGroup() {
		add(r)
		return out
	}
	for _, m := range r.children {
		add(m)
	}
	return out
}

// isUniversal is pe__is_universal_clone: clone-max equals the number of
// nodes.
func (r *resource) isUniversal(nodes int) bool {
	return r.isClone() && r.clone.max == nodes
}

// activeNodes is where a resource (any member of a group) is active.
func (r *resource) activeNodes() []*node {
	if !r.isGroup() {
		return r.running
	}
	var out []*node
	for _, m := range r.children {
		for _, n := range m.running {
			if !containsNode(out, n) {
				out = append(out, n)
			}
		}
	}
	return out
}

func containsNode(list []*node, n *node) bool {
	for _, x := range list {
		if x == n {
			return true
		}
	}
	return false
}

// assignClone is pcmk__clone_allocate: the clone's colocation primaries
// are assigned first, its dependents' preferences merged in, then the
// instances are distributed over the nodes.
func (ws *workingSet) assignClone(r *resource, prefer *node) *node {
	if !r.provisional || r.allocating {
		return nil
	}
	if r.clone.promotable {
		ws.addPromotionScores(r)
	}
	r.allocating = true
	for _, c := range r.thisWith {
		ws.assign(c.primary, prefer)
	}
	for _, c := range r.withThis {
		if !c.hasInfluence(nil) {
			continue
		}
		ws.traced(func() string { return dependentLabel(c) }, []*resource{r}, func() {
			r.allowed = ws.mergeWeights(c.dependent, r.allowed, c.nodeAttr, float64(c.score)/float64(infinity), mergeRollback|mergePositive)
		})
	}
	ws.recordScores(stageClone, r)
	ws.traced(func() string {
		return "clone " + r.id + ": its instances' placement (clone-node-max, instances already placed)"
	},
		[]*resource{r}, func() { ws.distributeInstances(r) })
	if r.clone.promotable {
		ws.setInstanceRoles(r)
	}
	r.allocating, r.provisional = false, false
	return nil
}

// sortedInstances orders a clone's instances for assignment as
// sort_clone_instance does: active before inactive (less multiply active
// first), not active on a disallowed node, higher priority, current node
// able to run resources, clone allowed there, fewer instances there, not
// failed, then by id.
func (ws *workingSet) sortedInstances(r *resource) []*resource {
	list := append([]*resource(nil), r.children...)
	activeCount := func(c *resource) map[*node]int {
		m := map[*node]int{}
		for _, x := range r.children {
			if cur := x.currentNode(); cur != nil {
				m[cur]++
			}
		}
		return m
	}(nil)
	cmp := func(a, b *resource) int {
		na, nb := len(a.running), len(b.running)
		if na > 0 && nb > 0 && na != nb {
			if na < nb {
				return -1
			}
			return 1
		}
		n1, n2 := a.currentNode(), b.currentNode()
		allowed := func(c *resource, n **node) bool {
			if *n == nil {
				return true
			}
			if w := c.allowed[(*n).idx]; !w.present || w.score < 0 {
				*n = nil
				return false
			}
			return true
		}
		c1, c2 := allowed(a, &n1), allowed(b, &n2)
		if c1 != c2 {
			if c1 {
				return -1
			}
			return 1
		}
		if a.priority != b.priority {
			if a.priority > b.priority {
				return -1
			}
			return 1
		}
		switch {
		case n1 == nil && n2 == nil:
			return 0
		case n1 == nil:
			return 1
		case n2 == nil:
			return -1
		}
		if r1, r2 := n1.canRun(), n2.canRun(); r1 != r2 {
			if r1 {
				return -1
			}
			return 1
		}
		p1, p2 := r.allowed[n1.idx].present, r.allowed[n2.idx].present
		switch {
		case !p1 && !p2:
			return 0
		case !p1:
			return 1
		case !p2:
			return -1
		}
		if activeCount[n1] != activeCount[n2] {
			if activeCount[n1] < activeCount[n2] {
				return -1
			}
			return 1
		}
		if a.failed != b.failed {
			if !a.failed {
				return -1
			}
			return 1
		}
		// cmp_instance_by_colocation: the instance whose current
		// node scores higher once the clone's colocations are applied
		// to it comes first.
		if s1, s2 := ws.colocatedScoreOn(r, n1), ws.colocatedScoreOn(r, n2); s1 != s2 {
			if s1 > s2 {
				return -1
			}
			return 1
		}
		return cmpInstanceNumber(a.id, b.id)
	}
	sort.SliceStable(list, func(i, j int) bool { return cmp(list[i], list[j]) < 0 })
	return list
}

// distributeInstances is distribute_children: first every active,
// healthy instance is assigned to its current node where that node still
// has room (at most clone-max / available nodes each), then the others
// are assigned in order until clone-max instances are placed; the rest
// are banned everywhere.
func (ws *workingSet) distributeInstances(r *resource) {
	ci := r.clone
	ci.counts = make([]int, len(ws.nodes))
	available := 0
	for _, n := range ws.nodes {
		if r.allowed[n.idx].present && n.canRun() {
			available++
		}
	}
	allColoc := ci.max < available
	loopMax := 1
	if available > 0 && ci.max/available > 1 {
		loopMax = ci.max / available
	}
	list := ws.sortedInstances(r)
	assigned := 0
	for _, c := range list {
		if assigned >= ci.max {
			break
		}
		cur := c.currentNode()
		if cur == nil || !c.provisional || c.failed || !cur.canRun() {
			continue
		}
		if r.allowed[cur.idx].present && ci.counts[cur.idx] >= loopMax {
			continue
		}
		if ws.assignInstance(r, c, cur, allColoc) {
			assigned++
		}
	}
	for _, c := range list {
		if !c.provisional {
			continue
		}
		if assigned >= ci.max {
			for i := range c.allowed {
				if c.allowed[i].present {
					c.allowed[i].score = -infinity
				}
			}
			ws.finalize(c, nil, true)
			continue
		}
		if ws.assignInstance(r, c, nil, allColoc) {
			assigned++
		}
	}
}

// assignInstance is allocate_instance: the instance inherits the clone's
// colocations (positive ones only when not every node gets an instance),
// is banned where the clone cannot run another instance, and is
// assigned; an early assignment to prefer that picks another node is
// undone.
func (ws *workingSet) assignInstance(r, c *resource, prefer *node, allColoc bool) bool {
	if !c.provisional {
		return c.assigned != nil
	}
	if c.allocating {
		return false
	}
	for _, k := range r.thisWith {
		if allColoc || k.score < 0 || k.score == infinity {
			c.thisWith = append([]*colocation{k}, c.thisWith...)
		}
	}
	for _, k := range r.withThis {
		if !k.hasInfluence(c) {
			continue
		}
		if allColoc || k.score < 0 {
			c.withThis = append([]*colocation{k}, c.withThis...)
		}
	}
	if prefer != nil {
		if w := c.allowed[prefer.idx]; !w.present || w.score < 0 {
			return false
		}
	}
	ws.canRunInstance(r, c)
	backup := saveAllowed(c)
	var chosen *node
	if c.isGroup() {
		chosen = ws.assign(c, prefer)
	} else {
		chosen = ws.assignPrimitive(c, prefer)
	}
	if chosen != nil && prefer != nil && chosen != prefer {
		// Not pre-assigning to prefer: undo, and try again later.
		restoreAllowed(c, backup)
		undoAssignment(c)
		chosen = nil
	}
	if chosen != nil && r.allowed[chosen.idx].present {
		r.clone.counts[chosen.idx]++
	}
	return chosen != nil
}

// saveAllowed copies the scores of r and its members.
func saveAllowed(r *resource) map[*resource][]nodeWeight {
	out := map[*resource][]nodeWeight{r: append([]nodeWeight(nil), r.allowed...)}
	for _, c := range r.children {
		out[c] = append([]nodeWeight(nil), c.allowed...)
	}
	return out
}

func restoreAllowed(r *resource, saved map[*resource][]nodeWeight) {
	for x, a := range saved {
		x.allowed = a
	}
}

// undoAssignment makes r (and its members) unassigned and provisional
// again.
func undoAssignment(r *resource) {
	if r.assigned != nil && !r.isGroup() {
		r.assigned.numRsc--
		// pcmk__unassign_resource gives the node back the capacity
		// the assignment took.
		if r.consumedOn != nil {
			releaseCapacity(r.consumedOn, r)
			r.consumedOn = nil
		}
	}
	r.provisional, r.assigned, r.nextRole = true, nil, cib.RoleUnknown
	for _, c := range r.children {
		undoAssignment(c)
	}
}

// canRunInstance is can_run_instance over every allowed node: a node
// that cannot run resources, or where the clone is not allowed or already
// has clone-node-max instances, is banned; a negative clone score is
// added to the instance's.
func (ws *workingSet) canRunInstance(r, c *resource) {
	for _, n := range ws.nodes {
		w := c.allowed[n.idx]
		if !w.present {
			continue
		}
		pw := r.allowed[n.idx]
		switch {
		case !n.canRun() || c.orphan || !pw.present:
			updateScore(c, n.idx, -infinity)
		case pw.score < 0:
			updateScore(c, n.idx, pw.score)
		case r.clone.counts[n.idx] >= r.clone.nodeMax:
			updateScore(c, n.idx, -infinity)
		}
	}
}

// updateScore is common_update_score: add a score for a node to a
// resource and every member of it.
func updateScore(r *resource, idx int, score cib.Score) {
	if w := &r.allowed[idx]; w.present {
		if score <= -infinity {
			w.score = -infinity
		} else {
			w.score = w.score.Add(score)
		}
	}
	for _, c := range r.children {
		updateScore(c, idx, score)
	}
}

// createCloneActions is clone_create_actions: the instances' actions,
// then the clone's start/running/stop/stopped pseudo-actions, optional
// unless an instance starts or stops; running is runnable only when an
// instance is active or starting.
func (ws *workingSet) createCloneActions(r *resource) {
	active, starting, stopping := false, false, false
	for _, c := range r.children {
		ws.createRscActions(c)
		// clone_update_pseudo_status, over a cloned group's members.
		for _, p := range c.primitives() {
			if len(p.running) > 0 {
				active = true
			}
			for _, a := range p.actions {
				if a.is(flagOptional) {
					continue
				}
				switch a.task {
				case "stop":
					stopping = true
				case "start":
					if a.is(flagRunnable) {
						starting = true
					}
				}
			}
		}
	}
	ws.pseudoAction(r, "start", !starting)
	running := ws.pseudoAction(r, "running", !starting)
	if !active && !starting {
		running.flags &^= flagRunnable
	}
	stop := ws.pseudoAction(r, "stop", !stopping)
	stopped := ws.pseudoAction(r, "stopped", !stopping)
	var startN, stopN *notifyData
	if r.clone.notify {
		startN = ws.notifPseudoOps(r, "start", ws.findAction(r, opKey(r.id, "start", 0), nil), running)
		stopN = ws.notifPseudoOps(r, "stop", stop, stopped)
		ws.orderActions(stopN.postDone, startN.pre, orderOptional)
	}
	if r.clone.promotable {
		// pcmk__create_promotable_actions: the clone's promote and
		// demote pseudo-actions, required when any instance's is.
		promoting, demoting := false, false
		for _, c := range r.children {
			for _, a := range c.actions {
				if a.is(flagOptional) {
					continue
				}
				switch a.task {
				case "promote":
					promoting = true
				case "demote":
					demoting = true
				}
			}
		}
		promote := ws.pseudoAction(r, "promote", !promoting)
		promoted := ws.pseudoAction(r, "promoted", !promoting)
		demote := ws.pseudoAction(r, "demote", !demoting)
		demoted := ws.pseudoAction(r, "demoted", !demoting)
		if r.clone.notify {
			promoteN := ws.notifPseudoOps(r, "promote", promote, promoted)
			demoteN := ws.notifPseudoOps(r, "demote", demote, demoted)
			ws.orderActions(stopN.postDone, promoteN.pre, orderOptional)
			ws.orderActions(startN.postDone, promoteN.pre, orderOptional)
			ws.orderActions(demoteN.postDone, promoteN.pre, orderOptional)
			ws.orderActions(demoteN.postDone, startN.pre, orderOptional)
			ws.orderActions(demoteN.postDone, stopN.pre, orderOptional)
		}
		// "restore the correct priority": the promotion scores that
		// ordered the instances for assignment no longer apply.
		for _, c := range r.children {
			c.priority = r.priority
		}
	}
	if r.clone.ordered {
		var lastStop, lastStart *action
		for _, c := range r.children {
			if a := requiredAction(c, "stop"); a != nil {
				if lastStop != nil {
					ws.orderActions(a, lastStop, orderOptional)
				}
				lastStop = a
			}
			if a := requiredAction(c, "start"); a != nil {
				if lastStart != nil {
					ws.orderActions(lastStart, a, orderOptional)
				}
				lastStart = a
			}
		}
	}
}

// requiredAction is the single required action of a task, if exactly one.
func requiredAction(r *resource, task string) *action {
	var match *action
	for _, a := range r.actions {
		if a.task != task || a.is(flagOptional) {
			continue
		}
		if match != nil {
			return nil
		}
		match = a
	}
	return match
}

// cloneInternal is clone_internal_constraints.
func (ws *workingSet) cloneInternal(r *resource) {
	ws.orderRsc(r, "stopped", r, "start", orderOptional)
	ws.orderRsc(r, "start", r, "running", orderRunnableLeft)
	ws.orderRsc(r, "stop", r, "stopped", orderRunnableLeft)
	if r.clone.promotable {
		ws.orderRsc(r, "demoted", r, "stop", orderOptional)
		ws.orderRsc(r, "running", r, "promote", orderRunnableLeft)
	}
	var last *resource
	for _, c := range r.children {
		ws.rscInternal(c)
		ws.orderRsc(r, "start", c, "start", orderRunnableLeft|orderImpliesFirstPrinted)
		ws.orderRsc(c, "start", r, "running", orderImpliesThenPrinted)
		if r.clone.ordered && last != nil {
			ws.orderRsc(last, "start", c, "start", orderOptional)
		}
		ws.orderRsc(r, "stop", c, "stop", orderImpliesFirstPrinted)
		ws.orderRsc(c, "stop", r, "stopped", orderImpliesThenPrinted)
		if r.clone.ordered && last != nil {
			ws.orderRsc(c, "stop", last, "stop", orderOptional)
		}
		last = c
	}
	if r.clone.promotable {
		ws.promotableInternal(r)
	}
}

// promotableInternal is pcmk__order_promotable_instances: the clone's
// restart orderings (everything stopped or demoted before starting or
// promoting, all started before promoting) and, per instance, demote
// before promote, the clone's promote/promoted and demote/demoted around
// the instance's, in sequence for an ordered clone.
func (ws *workingSet) promotableInternal(r *resource) {
	ws.orderRsc(r, "stopped", r, "start", orderOptional)
	ws.orderRsc(r, "stopped", r, "promote", orderOptional)
	ws.orderRsc(r, "demoted", r, "start", orderOptional)
	ws.orderRsc(r, "running", r, "promote", orderOptional)
	ws.orderRsc(r, "demoted", r, "stop", orderOptional)
	ws.orderRsc(r, "demote", r, "demoted", orderOptional)
	ws.orderRsc(r, "demoted", r, "promote", orderOptional)
	var last *resource
	for _, c := range r.children {
		ws.orderRsc(c, "demote", c, "promote", orderOptional)
		ws.orderRsc(r, "promote", c, "promote", orderOptional)
		ws.orderRsc(c, "promote", r, "promoted", orderOptional)
		if r.clone.ordered && last != nil {
			ws.orderRsc(last, "promote", c, "promote", orderOptional)
		}
		ws.orderRsc(r, "demote", c, "demote", orderImpliesFirstPrinted)
		ws.orderRsc(c, "demote", r, "demoted", orderImpliesThenPrinted)
		if r.clone.ordered && last != nil {
			ws.orderRsc(c, "demote", last, "demote", orderOptional)
		}
		last = c
	}
}

// probeClone is clone_create_probe: a unique clone probes every
// instance; an anonymous clone probes one instance per node, none when
// an instance's state there is known: the one assigned there, else the
// first.
func (ws *workingSet) probeClone(r *resource, n *node) bool {
	if len(r.children) == 0 {
		return false
	}
	if r.clone.unique {
		any := false
		for _, c := range r.children {
			if ws.probe(c, n) {
				any = true
			}
		}
		return any
	}
	for _, c := range r.children {
		if c.knownOnTree(n) {
			return false
		}
	}
	child := r.children[0]
	for _, c := range r.children {
		if c.assigned == n {
			child = c
			break
		}
	}
	return ws.probe(child, n)
}

// cloneActionFlags is summary_action_flags: a clone action is required
// when any instance's matching action is, and runnable when any is.
func (ws *workingSet) cloneActionFlags(a *action) actionFlags {
	return ws.cloneActionFlagsOn(a, nil)
}

// flagsForOrdering is action_flags_for_ordering: a clone's action seen
// from an action on a node has the flags of its instances' actions on
// that node, except that it stays runnable if it is runnable anywhere.
func (ws *workingSet) flagsForOrdering(a *action, n *node) actionFlags {
	flags := ws.effectiveFlags(a)
	if n == nil || a.rsc == nil || !a.rsc.isClone() {
		return flags
	}
	runnable := flags&flagRunnable != 0
	flags = ws.cloneActionFlagsOn(a, n)
	if runnable {
		flags |= flagRunnable
	}
	return flags
}

// cloneActionFlagsOn is summary_action_flags for the instances' actions
// on node n (every node when n is nil): required when any is, runnable
// when any is. It also updates the clone action itself.
func (ws *workingSet) cloneActionFlagsOn(a *action, n *node) actionFlags {
	flags := flagOptional | flagRunnable | flagPseudo
	task := a.task
	if task == "notify" || task == "notified" {
		// clone_child_action: a notification stands for the operation
		// it notifies about (RSC_TYPE_notify_OPERATION_0).
		k := strings.TrimSuffix(a.key, "_0")
		if i := strings.LastIndex(k, "_notify_"); i >= 0 {
			task = k[i+len("_notify_"):]
		}
	}
	// get_complex_task: only a primitive's completion folds into its
	// action; a cloned group's instance has its own 'running' (not
	// runnable unless every member's start is).
	if len(a.rsc.children) > 0 {
		task = complexTask(a.rsc.children[0], task)
	}
	anyRunnable := false
	for _, c := range a.rsc.children {
		var ca *action
		for _, x := range c.actions {
			if x.task == task && (n == nil || len(c.children) > 0 || x.node == n) {
				ca = x
				break
			}
		}
		if ca == nil {
			continue
		}
		cf := ws.effectiveFlagsOn(ca, n)
		if flags&flagOptional != 0 && cf&flagOptional == 0 {
			flags &^= flagOptional
			a.flags &^= flagOptional
		}
		if cf&flagRunnable != 0 {
			anyRunnable = true
		}
	}
	if !anyRunnable {
		flags &^= flagRunnable
		if n == nil {
			a.flags &^= flagRunnable
		}
	}
	return flags | (a.flags & flagPrintAlways)
}

// knownOnTree says r's (or, for a group, any member's) state on n is
// known.
func (r *resource) knownOnTree(n *node) bool {
	if r.knownOn.has(n) {
		return true
	}
	for _, c := range r.children {
		if c.knownOnTree(n) {
			return true
		}
	}
	return false
}

// knownOnAny says some instance's state on n is known.
func (r *resource) knownOnAny(n *node) bool {
	for _, c := range r.children {
		if c.knownOnTree(n) {
			return true
		}
	}
	return false
}

// knownName is pe_find_resource with renamed matching: some resource
// has id as its id or as the name its history was found under.
func (ws *workingSet) knownName(id string) bool {
	if ws.all[id] != nil {
		return true
	}
	for _, r := range ws.all {
		if r.cloneName == id {
			return true
		}
	}
	return false
}

// minimumFirstInstances is get_minimum_first_instances: how many
// instances of a clone ordered first must be runnable for 'then' (the
// clone's clone-min, else 1 for the deprecated require-all=false).
func minimumFirstInstances(first *resource, c *cib.Constraint) int {
	if !first.isClone() {
		return 0
	}
	if v, ok := first.meta["clone-min"]; ok {
		n, _ := scanInt(v)
		if n < 0 {
			n = 0
		}
		return int(n)
	}
	if c.RequireAll != "" && !isTrue(c.RequireAll) {
		return 1
	}
	return 0
}

// cloneMinOrdering is clone_min_ordering: each instance's first action
// comes before a "clone-one-or-more:ID" pseudo-action, runnable once min
// of them are, which comes before 'then'.
func (ws *workingSet) cloneMinOrdering(id string, first *resource, fa string, then *resource, ta string, flags orderFlags, min int) {
	key := "clone-one-or-more:" + id
	p := ws.customAction(nil, key, key, nil, true)
	p.flags |= flagPseudo | flagRunnable | flagRequiresAny
	p.requiredRunnableBefore = min
	for _, c := range first.children {
		ws.newOrdering(c, opKey(c.id, fa, 0), nil, nil, "", p, orderOneOrMore|orderImpliesThenPrinted)
	}
	ws.newOrdering(nil, "", p, then, opKey(then.id, ta, 0), nil, flags|orderRunnableLeft)
}

// canInterleave is can_interleave_actions: an ordering between two
// different clones is applied instance by instance when the relevant
// clone (first's for a stop or demote, then's otherwise) has
// interleave=true.
func canInterleave(first, then *action) bool {
	if first.rsc == nil || then.rsc == nil || first.rsc == then.rsc || !first.rsc.isClone() || !then.rsc.isClone() {
		return false
	}
	r := then.rsc
	if then.task == "stop" || then.task == "demote" {
		r = first.rsc
	}
	return isTrue(r.meta["interleave"])
}

// compatibleInstance is find_compatible_child: the instance of clone r
// on the node local (an instance of another clone) is, or will be,
// on (current: is now), trying local's allowed nodes best first when
// it has no node.
func (ws *workingSet) compatibleInstance(local, r *resource, current bool) *resource {
	where := func(c *resource) *node {
		if current {
			if len(c.running) == 1 {
				return c.running[0]
			}
			return nil
		}
		return c.assigned
	}
	byNode := func(n *node) *resource {
		for _, c := range r.children {
			if where(c) == n {
				return c
			}
		}
		return nil
	}
	if n := where(local); n != nil {
		return byNode(n)
	}
	var nodes []*node
	for _, n := range ws.nodes {
		if local.allowed[n.idx].present {
			nodes = append(nodes, n)
		}
	}
	sort.SliceStable(nodes, func(i, j int) bool {
		return local.allowed[nodes[i].idx].score > local.allowed[nodes[j].idx].score
	})
	for _, n := range nodes {
		if c := byNode(n); c != nil {
			return c
		}
	}
	return nil
}

// childTask is the instance task a clone action stands for.
// notifiedTask is clone_child_action's look into a notification: for a
// notify pseudo-action (clone_confirmed-post_notify_running_0) the task it
// notifies about (running); any other action's own task.
func notifiedTask(a *action) string {
	if a.task != "notify" && a.task != "notified" {
		return a.task
	}
	k := a.key
	i := strings.LastIndexByte(k, '_')
	if i <= 0 {
		return a.task
	}
	j := strings.LastIndexByte(k[:i], '_')
	if j < 0 {
		return a.task
	}
	return k[j+1 : i]
}

func childTask(task string) string {
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

// interleaveEdge is multi_update_interleave_actions: each instance of
// then's clone is ordered after the instance of first's clone on the same
// node; an instance with none there cannot start when the ordering is
// mandatory.
func (ws *workingSet) interleaveEdge(e *actionEdge) bool {
	first, then, typ := e.first, e.then, e.typ
	// "Fix this - lazy": the key decides, so a notification pseudo-action
	// about stopped or demoted instances counts too.
	current := strings.HasSuffix(first.key, "_stopped_0") || strings.HasSuffix(first.key, "_demoted_0")
	changed := false
	for _, tc := range then.rsc.children {
		fc := ws.compatibleInstance(tc, first.rsc, current)
		if fc == nil {
			if !current && typ&(orderRunnableLeft|orderImpliesThen) != 0 && tc.assigned != nil {
				ws.unassign(tc)
				changed = true
			}
			continue
		}
		fa := firstTaskAction(fc, childTask(notifiedTask(first)))
		ta := firstTaskAction(tc, then.task)
		if fa == nil || ta == nil {
			continue
		}
		n := len(ta.before)
		ws.orderActions(fa, ta, typ)
		if len(ta.before) != n {
			changed = true
		}
	}
	return changed
}

func firstTaskAction(r *resource, task string) *action {
	for _, a := range r.actions {
		if a.task == task {
			return a
		}
	}
	return nil
}

// unassign is native_assign_node with no node after actions exist: the
// resource stops, and its start and recurring actions cannot run.
func (ws *workingSet) unassign(r *resource) {
	if r.assigned != nil {
		r.assigned.numRsc--
	}
	r.assigned = nil
	r.nextRole = cib.RoleStopped
	for _, a := range r.actions {
		if a.task == "start" || (a.interval > 0 && a.task != "cancel") {
			a.flags &^= flagRunnable
		}
	}
}

// colocatedScoreOn is apply_parent_colocations on a table holding only n:
// n's score once the clone's colocations with other resources, and those
// of others with it (positive only), are merged in.
func (ws *workingSet) colocatedScoreOn(clone *resource, n *node) cib.Score {
	table := make([]nodeWeight, len(ws.nodes))
	table[n.idx] = nodeWeight{present: true}
	for _, c := range clone.thisWith {
		table = ws.mergeWeights(c.primary, table, c.nodeAttr, float64(c.score)/float64(infinity), 0)
	}
	for _, c := range clone.withThis {
		if !c.hasInfluence(nil) {
			continue
		}
		table = ws.mergeWeights(c.dependent, table, c.nodeAttr, float64(c.score)/float64(infinity), mergePositive)
	}
	return table[n.idx].score
}

// cmpInstanceNumber is pcmk__cmp_instance_number: instances by the number
// after their last colon.
func cmpInstanceNumber(a, b string) int {
	num := func(id string) int64 {
		if i := strings.LastIndexByte(id, ':'); i >= 0 {
			if v, err := strconv.ParseInt(id[i+1:], 10, 64); err == nil {
				return v
			}
		}
		return 0
	}
	na, nb := num(a), num(b)
	switch {
	case na < nb:
		return -1
	case na > nb:
		return 1
	}
	return strings.Compare(a, b)
}

// uniqueCapable says every primitive of a clone's child is of a class
// that can be globally unique (pcmk_ra_cap_unique: OCF and stonith).
func uniqueCapable(def *cib.Resource) bool {
	if len(def.Children) > 0 {
		for _, c := range def.Children {
			if !uniqueCapable(c) {
				return false
			}
		}
		return true
	}
	switch strings.ToLower(def.Class) {
	case "ocf", "stonith", "":
		return true
	}
	return false
}

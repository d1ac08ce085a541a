package scheduler

import (
	"math"
	"sort"

	"pacer/crm/cib"
)

const infinity = cib.Score(cib.Infinity)

// allocateAll assigns every resource in priority order.
func (ws *workingSet) allocateAll() {
	// Every resource records a score per node, most of them once, some
	// (group members) twice: size the record for that up front.
	ws.scores = make([]scoreRecord, 0, len(ws.all)*len(ws.nodes)*5/4)
	if ws.usesUtilization() {
		ws.sortForUtilization()
	}
	for _, r := range ws.resources {
		ws.assign(r, nil)
	}
}

func (ws *workingSet) assign(r *resource, prefer *node) *node {
	if r.isGroup() {
		return ws.assignGroup(r, prefer)
	}
	if r.isClone() {
		return ws.assignClone(r, prefer)
	}
	return ws.assignPrimitive(r, prefer)
}

// scoreStage is the Pacemaker function that printed a score.
type scoreStage uint8

const (
	stagePrimitive scoreStage = iota // pcmk__primitive_assign
	stageGroup                       // pcmk__group_assign
	stageClone                       // pcmk__clone_allocate
	stagePromotion                   // a promotable instance's promotion score
)

func (s scoreStage) String() string {
	switch s {
	case stageGroup:
		return "pcmk__group_assign"
	case stageClone:
		return "pcmk__clone_allocate"
	case stagePromotion:
		return "promotion"
	}
	return "pcmk__primitive_assign"
}

// scoreRecord is one recorded score, compact (see Transition.Scores).
type scoreRecord struct {
	rsc   *resource
	score cib.Score
	node  int32
	stage scoreStage
}

func (ws *workingSet) recordScores(stage scoreStage, r *resource) {
	if r.orphan {
		return // pe__show_node_weights_as: no scores shown for orphans
	}
	mark := ws.markPrinted(r)
	for _, n := range ws.nodes {
		if w := r.allowed[n.idx]; w.present {
			if mark >= 0 {
				ws.explain.printed[len(ws.scores)] = mark
			}
			ws.scores = append(ws.scores, scoreRecord{rsc: r, node: int32(n.idx), stage: stage, score: w.score})
		}
	}
	for _, c := range r.children {
		ws.recordScores(stage, c)
	}
}

func (ws *workingSet) assignGroup(r *resource, prefer *node) *node {
	if !r.provisional {
		return r.assigned
	}
	if r.allocating {
		return nil
	}
	if len(r.children) == 0 {
		r.provisional = false
		return nil
	}
	r.allocating = true
	first, last := r.children[0], r.children[len(r.children)-1]
	r.role = first.role
	// expand_group_colocations: "group with R" is "first member with R"
	// and "R with group" is "R with last member", each merged into the
	// member's list in its priority order (pcmk__add_this_with).
	for _, c := range r.thisWith {
		first.thisWith = insertSorted(first.thisWith, c, func(c *colocation) *resource { return c.primary })
	}
	// Once a member is unmanaged (and may stay active where it is), the
	// internal colocations no longer carry the group's mandatory ones to
	// the members after it: those get them too.
	anyUnmanaged := !first.managed
	for _, m := range r.children[1:] {
		if !anyUnmanaged {
			anyUnmanaged = !m.managed
			continue
		}
		for _, c := range r.thisWith {
			if c.score >= infinity {
				m.thisWith = insertSorted(m.thisWith, c, func(c *colocation) *resource { return c.primary })
			}
		}
	}
	r.thisWith = nil
	for _, c := range r.withThis {
		last.withThis = insertSorted(last.withThis, c, func(c *colocation) *resource { return c.dependent })
	}
	r.withThis = nil
	ws.recordScores(stageGroup, r)
	var groupNode *node
	for _, c := range r.children {
		n := ws.assign(c, prefer)
		if groupNode == nil {
			groupNode = n
		}
	}
	r.nextRole = first.nextRole
	r.allocating, r.provisional = false, false
	r.assigned = groupNode
	if r.colocated {
		return groupNode
	}
	return nil
}

func (ws *workingSet) assignPrimitive(r *resource, prefer *node) *node {
	if r.parent != nil && !r.parent.allocating && r.parent.provisional {
		ws.assign(r.parent, prefer)
	}
	if !r.provisional {
		return r.assigned
	}
	if r.allocating {
		return nil
	}
	r.allocating = true

	for _, c := range r.thisWith {
		var archive []nodeWeight
		if c.depRole >= cib.RolePromoted || (c.score < 0 && c.score > -infinity) {
			archive = append([]nodeWeight(nil), r.allowed...)
		}
		ws.assign(c.primary, nil)
		ws.traced(func() string { return colocationLabel(c) }, []*resource{r}, func() { ws.applyColocation(r, c) })
		if archive != nil && !ws.anyAvailable(r.allowed) {
			r.allowed = archive
		}
	}
	for _, c := range r.withThis {
		if !c.hasInfluence(nil) {
			continue
		}
		ws.traced(func() string { return dependentLabel(c) }, []*resource{r}, func() {
			r.allowed = ws.mergeWeights(c.dependent, r.allowed, c.nodeAttr, float64(c.score)/float64(infinity), mergeRollback)
		})
	}
	if r.nextRole == cib.RoleStopped {
		ws.traced(func() string { return "to be stopped (target-role, or failed beyond recovery)" }, []*resource{r}, func() {
			for i := range r.allowed {
				r.allowed[i] = nodeWeight{present: true, score: -infinity}
			}
		})
	}
	ws.recordScores(stagePrimitive, r)

	managed := r.managed
	if ws.stonithEnabled && !ws.haveStonith {
		managed = false
		r.managed = false
	}
	if managed && !ws.stopAll && ws.usesUtilization() {
		ws.banInsufficientCapacity(r)
	}
	switch {
	case !managed:
		r.nextRole = r.role
		ws.finalize(r, r.currentNode(), true)
	case ws.stopAll:
		ws.finalize(r, nil, true)
	default:
		ws.chooseNode(r, prefer)
	}
	r.allocating = false
	return r.assigned
}

func (ws *workingSet) anyAvailable(ws2 []nodeWeight) bool {
	for i, w := range ws2 {
		if w.present && w.score >= 0 && ws.nodes[i].canRun() {
			return true
		}
	}
	return false
}

// sortedCandidates orders a resource's allowed nodes as Pacemaker's
// pcmk__sort_nodes: score (unavailable nodes count as -INFINITY), fewer
// assigned resources, the current node, then name.
func (ws *workingSet) sortedCandidates(r *resource, current *node) []*node {
	var list []*node
	for _, n := range ws.nodes {
		if r.allowed[n.idx].present {
			list = append(list, n)
		}
	}
	eff := func(n *node) cib.Score {
		if !n.canRun() {
			return -infinity
		}
		return r.allowed[n.idx].score
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if ea, eb := eff(a), eff(b); ea != eb {
			return ea > eb
		}
		switch ws.placement {
		case "minimal":
			return a.name < b.name
		case "balanced":
			if c := compareCapacity(a, b); c != 0 {
				return c < 0
			}
		}
		if a.numRsc != b.numRsc {
			return a.numRsc < b.numRsc
		}
		if current != nil {
			if a == current {
				return true
			}
			if b == current {
				return false
			}
		}
		return a.name < b.name
	})
	return list
}

func (ws *workingSet) chooseNode(r *resource, prefer *node) {
	current := r.currentNode()
	nodes := ws.sortedCandidates(r, current)
	var chosen *node
	if prefer != nil && len(nodes) > 0 {
		best := nodes[0]
		if w := r.allowed[prefer.idx]; w.present && w.score >= r.allowed[best.idx].score && prefer.canRun() && w.score >= 0 {
			chosen = prefer
		}
	}
	if chosen == nil && len(nodes) > 0 {
		chosen = nodes[0]
		if r.allowed[chosen.idx].score > 0 && chosen.canRun() && current != nil && current.canRun() && r.allowed[current.idx].score >= 0 {
			for _, n := range nodes[1:] {
				if r.allowed[n.idx].score != r.allowed[chosen.idx].score {
					break
				}
				if n == current {
					chosen = n
				}
			}
		}
	}
	ws.finalize(r, chosen, false)
}

// finalize is pcmk__finalize_assignment.
func (ws *workingSet) finalize(r *resource, chosen *node, force bool) {
	if !force && chosen != nil {
		if w := r.allowed[chosen.idx]; w.score < 0 || !chosen.canRun() {
			r.nextRole = cib.RoleStopped
			chosen = nil
		}
	}
	r.provisional = false
	r.assigned = nil
	if chosen == nil {
		r.nextRole = cib.RoleStopped
		return
	}
	r.assigned = chosen
	chosen.numRsc++
	if ws.usesUtilization() {
		consumeCapacity(chosen, r)
		r.consumedOn = chosen
	}
}

// primaryFor resolves which resource stands for a group primary.
func primaryFor(p *resource, score cib.Score) *resource {
	if !p.isGroup() || len(p.children) == 0 {
		return p
	}
	if score >= infinity {
		return p.children[len(p.children)-1]
	}
	return p.children[0]
}

// applyColocation applies colocation c to dependent primitive dep once the
// primary is assigned (pcmk__apply_coloc_to_weights).
func (ws *workingSet) applyColocation(dep *resource, c *colocation) {
	p := c.primary
	if p.provisional {
		return
	}
	p = primaryFor(p, c.score)
	if p.provisional || !dep.provisional {
		return
	}
	if p.isClone() {
		ws.applyCloneColocation(dep, c, p)
		return
	}
	ws.applyColocationWith(dep, c, p)
}

// applyCloneColocation is pcmk__clone_apply_coloc_score for a primitive
// dependent: a mandatory colocation bans the dependent from every node
// no instance is assigned to; an optional one applies each instance's
// node in turn.
func (ws *workingSet) applyCloneColocation(dep *resource, c *colocation, p *resource) {
	// clone_rsc_colocation_rh: a colocation with a role of a promotable
	// clone is applied by its role (promotable_colocation_rh) before,
	// and instead of, any interleaving.
	if p.clone.promotable && c.primRole != cib.RoleUnknown {
		ws.colocateWithPromotable(dep, c, p)
		return
	}
	if d := c.dependent; d.isClone() && isTrue(d.meta["interleave"]) && d.clone.nodeMax == p.clone.nodeMax {
		// Interleaved: pair the instance with the primary's instance
		// on the same node.
		if pi := ws.compatibleInstance(dep, p, false); pi != nil {
			ws.applyColocationWith(dep, c, pi)
		} else if c.score >= infinity {
			for i := range dep.allowed {
				if dep.allowed[i].present {
					dep.allowed[i].score = -infinity
				}
			}
		}
		return
	}
	if p.clone.promotable && c.primRole != cib.RoleUnknown {
		ws.colocateWithPromotable(dep, c, p)
		return
	}
	if c.score >= infinity {
		on := map[*node]bool{}
		for _, ch := range p.children {
			if ch.assigned != nil && !ch.blocked {
				on[ch.assigned] = true
			}
		}
		for i := range dep.allowed {
			if dep.allowed[i].present && !on[ws.nodes[i]] {
				dep.allowed[i].score = -infinity
			}
		}
		return
	}
	for _, ch := range p.children {
		ws.applyColocationWith(dep, c, ch)
	}
}

// colocateWithPromotable is promotable_colocation_rh for a dependent
// being placed: the nodes of the instances that will have the
// colocation's role are the ones it may run on (mandatory colocation;
// their instances' scores are added) or that it prefers (optional; each
// such instance is applied as the primary in turn). A
// Promoted-with-Promoted colocation bans nothing, so that Unpromoted
// dependent instances can still start.
func (ws *workingSet) colocateWithPromotable(dep *resource, c *colocation, p *resource) {
	affected := map[*node]cib.Score{}
	for _, ch := range p.children {
		if ch.assigned == nil || ch.nextRole != c.primRole {
			continue
		}
		if c.score < infinity {
			ws.applyColocationWith(dep, c, ch)
		}
		affected[ch.assigned] = ch.allowed[ch.assigned.idx].score
	}
	if c.score < infinity || (c.depRole == cib.RolePromoted && c.primRole == cib.RolePromoted) {
		return
	}
	for i := range dep.allowed {
		w := &dep.allowed[i]
		n := ws.nodes[i]
		if s, ok := affected[n]; ok {
			if w.present {
				w.score = w.score.Add(s)
			} else {
				*w = nodeWeight{present: true, score: -infinity}
			}
			continue
		}
		*w = nodeWeight{present: true, score: -infinity}
	}
}

// applyColocationWith applies colocation c to dep with primary p (a
// primitive, or the member of a group standing for it).
func (ws *workingSet) applyColocationWith(dep *resource, c *colocation, p *resource) {
	if c.score > 0 && c.depRole != cib.RoleUnknown && c.depRole != dep.nextRole {
		return
	}
	if c.score < 0 && c.depRole != cib.RoleUnknown && c.depRole == dep.nextRole {
		return
	}
	if c.score > 0 && c.primRole != cib.RoleUnknown && c.primRole != p.nextRole {
		return
	}
	if c.score < 0 && c.primRole != cib.RoleUnknown && c.primRole == p.nextRole {
		return
	}
	attr := c.nodeAttr
	if attr == "" {
		attr = "#uname"
	}
	var value string
	if p.assigned != nil {
		value, _ = nodeAttr(p.assigned, attr)
	} else if c.score < 0 {
		return
	}
	work := append([]nodeWeight(nil), dep.allowed...)
	for i := range work {
		if !work[i].present {
			continue
		}
		n := ws.nodes[i]
		v, ok := nodeAttr(n, attr)
		switch {
		case p.assigned == nil:
			work[i].score = -infinity
		case ok && v == value:
			if c.score < infinity {
				work[i].score = work[i].score.Add(c.score)
			}
		case c.score >= infinity:
			work[i].score = -infinity
		}
	}
	if c.score <= -infinity || c.score >= infinity || ws.anyAvailable(work) {
		dep.allowed = work
	}
}

// infinityHack is Pacemaker's INFINITY_HACK: a node score below
// -INFINITY that marks a node unusable during a positive-only merge.
const infinityHack = cib.Score(-100 * cib.Infinity)

const (
	mergeRollback = 1 << iota
	mergePositive
	mergeInit
)

// mergeWeights is pcmk__native_merge_weights: fold a dependent's node
// preferences into a primary's, scaled by factor.
func (ws *workingSet) mergeWeights(r *resource, nodes []nodeWeight, attr string, factor float64, flags int) []nodeWeight {
	if r.merging {
		return nodes
	}
	r.merging = true
	defer func() { r.merging = false }()
	if r.isGroup() && len(r.children) > 0 {
		// pcmk__group_merge_weights: the first member stands for the
		// group and brings in, through the group's internal
		// colocations, the other members at full strength; then the
		// colocations with the group itself.
		first := r.children[0]
		work := ws.mergeWeights(first, nodes, attr, factor, flags)
		for _, c := range r.withThis {
			if !c.hasInfluence(nil) {
				continue
			}
			work = ws.mergeWeights(c.dependent, work, c.nodeAttr, float64(c.score)/float64(infinity), flags)
		}
		return work
	}
	work := append([]nodeWeight(nil), nodes...)
	ws.addScoresMatchingAttr(work, r, attr, factor, flags&mergePositive != 0)
	if flags&mergePositive != 0 {
		// A node a positive-only merge would have made negative counts
		// as 1 once this resource's merge is done (INFINITY_HACK).
		defer func() {
			for i := range work {
				if work[i].present && work[i].score == infinityHack {
					work[i].score = 1
				}
			}
		}()
	}
	if ws.canRunAny(work) {
		mult := 1.0
		if factor < 0 {
			mult = -1
		}
		for _, c := range r.withThis {
			if !c.hasInfluence(nil) {
				continue
			}
			work = ws.mergeWeights(c.dependent, work, c.nodeAttr, mult*float64(c.score)/float64(infinity), flags|mergeRollback)
		}
	} else if flags&mergeRollback != 0 {
		return nodes
	}
	return work
}

func (ws *workingSet) canRunAny(w []nodeWeight) bool {
	for i, x := range w {
		if x.present && x.score >= 0 && ws.nodes[i].canRun() {
			return true
		}
	}
	return false
}

func (ws *workingSet) addScoresMatchingAttr(work []nodeWeight, r *resource, attr string, factor float64, onlyPositive bool) {
	if attr == "" {
		attr = "#uname"
	}
	for i := range work {
		if !work[i].present || work[i].score == infinityHack {
			continue
		}
		n := ws.nodes[i]
		val, _ := nodeAttr(n, attr)
		score := -infinity
		for j, w := range r.allowed {
			if !w.present || w.score <= score || !ws.nodes[j].canRun() {
				continue
			}
			if v, _ := nodeAttr(ws.nodes[j], attr); v == val {
				score = w.score
			}
		}
		if factor < 0 && score < 0 {
			continue
		}
		wf := factor * float64(score)
		weight := int64(math.Floor(wf + 0.5))
		if wf < 0 {
			weight = int64(math.Ceil(wf - 0.5))
		}
		if weight == 0 && score != 0 {
			if factor > 0 {
				weight = 1
			} else if factor < 0 {
				weight = -1
			}
		}
		ns := cib.Score(clampScore(weight)).Add(work[i].score)
		if onlyPositive && ns < 0 && work[i].score > 0 {
			// add_node_scores_matching_attr: a positive node that
			// would turn negative is marked unusable for the rest of
			// this merge, then counts as 1.
			work[i].score = infinityHack
			continue
		}
		if onlyPositive && ns < 0 && work[i].score == 0 {
			continue
		}
		work[i].score = ns
	}
}

func clampScore(v int64) int64 {
	if v > cib.Infinity {
		return cib.Infinity
	}
	if v < -cib.Infinity {
		return -cib.Infinity
	}
	return v
}

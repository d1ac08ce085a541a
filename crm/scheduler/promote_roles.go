package scheduler

import (
	"sort"

	"pacer/crm/cib"
)

// Choosing which instances of a promotable clone are promoted
// (pcmk__set_instance_roles and promotion_order of Pacemaker 2.1.5), run
// once the clone's instances are assigned to nodes.

// nodeScore is a score for one node (a location constraint's node list).
type nodeScore struct {
	node  *node
	score cib.Score
}

// recordPromotionScore keeps the "INSTANCE promotion score on NODE:
// SCORE" line of crm_simulate -s (NODE "none" for an unassigned one).
func (ws *workingSet) recordPromotionScore(c *resource) {
	n := int32(-1)
	if c.assigned != nil {
		n = int32(c.assigned.idx)
	}
	ws.scores = append(ws.scores, scoreRecord{rsc: c, node: n, stage: stagePromotion, score: c.sortIndex})
}

// setInstanceRoles is pcmk__set_instance_roles: each assigned instance's
// promotion priority (its promotion score, the role=Promoted location
// scores, its role-based colocations), then the clone-wide promotion
// order, then the first promoted-max eligible instances are promoted
// (at most promoted-node-max per node) and the others are Unpromoted.
func (ws *workingSet) setInstanceRoles(r *resource) {
	max, nodeMax := promotedLimits(r.meta)
	counts := make([]int, len(ws.nodes))
	for _, c := range r.children {
		if currentRole(c) == cib.RoleStarted {
			setCurrentRoleUnpromoted(c)
		}
		chosen := c.assigned
		if chosen == nil {
			continue // never promoted; its sort index stays 0
		}
		next := c.nextRole
		if c.isGroup() {
			// group_resource_state: a group's next role is its
			// members' highest (a member that will be stopped makes
			// it Stopped at least).
			next = cib.RoleUnknown
			for _, m := range c.children {
				if m.nextRole > next {
					next = m.nextRole
				}
			}
		}
		switch next {
		case cib.RoleStarted, cib.RoleUnknown:
			score, isDefault := ws.instancePromotionScore(c, chosen)
			c.promoPriority = score
			if isDefault {
				c.promoPriority = -1
			}
		case cib.RoleUnpromoted, cib.RoleStopped:
			c.promoPriority = -infinity
		}
		applyPromotedLocations(c, c.promotedLocs, chosen)
		applyPromotedLocations(c, r.promotedLocs, chosen)
		for _, k := range c.thisWith {
			ws.applyColocToPriority(c, k.primary, k)
		}
		c.sortIndex = c.promoPriority
		if next == cib.RolePromoted {
			c.sortIndex = infinity
		}
	}
	order := ws.promotionOrder(r)
	promoted := 0
	for _, c := range order {
		var chosen *node
		if c.sortIndex >= 0 && (promoted < max || !r.managed) {
			chosen = ws.nodeToPromoteOn(r, c, counts, nodeMax)
		}
		ws.recordPromotionScore(c)
		if chosen == nil {
			setRoleUnpromoted(c)
			continue
		}
		if c.role < cib.RolePromoted && !ws.haveQuorum && ws.noQuorumPolicy == "freeze" {
			setRoleUnpromoted(c)
			continue
		}
		counts[chosen.idx]++
		setRolePromoted(c)
		promoted++
	}
}

// setRoleUnpromoted is set_next_role_unpromoted: an instance that will
// run is Unpromoted, one that will not is Stopped, and so is each member
// of a cloned group instance.
func setRoleUnpromoted(c *resource) {
	if c.assigned != nil {
		c.nextRole = cib.RoleUnpromoted
	} else {
		c.nextRole = cib.RoleStopped
	}
	for _, m := range c.children {
		setRoleUnpromoted(m)
	}
}

// setRolePromoted is set_next_role_promoted: the instance, and each
// member of a cloned group instance, is to be Promoted unless its next
// role is already decided.
func setRolePromoted(c *resource) {
	if c.nextRole == cib.RoleUnknown || c.isGroup() {
		c.nextRole = cib.RolePromoted
	}
	for _, m := range c.children {
		setRolePromoted(m)
	}
}

// applyPromotedLocations is apply_promoted_location: role=Promoted
// location scores for the instance's node raise its priority.
func applyPromotedLocations(c *resource, locs []nodeScore, chosen *node) {
	for _, l := range locs {
		if l.node == chosen {
			c.promoPriority = c.promoPriority.Add(l.score)
		}
	}
}

// applyColocToPriority is pcmk__apply_coloc_to_priority: an instance's
// colocation with a primary on the same node adds to (or, for a
// colocation of the Unpromoted role, subtracts from) its promotion
// priority; a mandatory colocation of the Promoted role with a primary
// elsewhere forbids promotion.
func (ws *workingSet) applyColocToPriority(dep, primary *resource, c *colocation) {
	p := primaryFor(primary, c.score)
	if p.assigned == nil || dep.assigned == nil {
		return
	}
	attr := c.nodeAttr
	if attr == "" {
		attr = "#id"
	}
	dv, _ := nodeAttr(dep.assigned, attr)
	pv, _ := nodeAttr(p.assigned, attr)
	if dv != pv {
		if c.score >= infinity && c.depRole == cib.RolePromoted {
			dep.promoPriority = -infinity
		}
		return
	}
	if c.primRole != cib.RoleUnknown && c.primRole != p.nextRole {
		return
	}
	mult := cib.Score(1)
	if c.depRole == cib.RoleUnpromoted {
		mult = -1
	}
	dep.promoPriority = (mult * c.score).Add(dep.promoPriority)
}

// promotionOrder is promotion_order: the instances' sort indexes are
// added to the clone's scores for their nodes, the location preferences
// of what a Promoted instance is colocated with (and of what wants to be
// with one) are merged in, each instance takes its node's resulting
// score as its sort index, and it returns the instances sorted by it.
// The clone's own list keeps its order: crm_simulate's summary and
// graph list the instances in configuration order.
func (ws *workingSet) promotionOrder(r *resource) []*resource {
	for _, c := range r.children {
		if c.assigned == nil || c.sortIndex < 0 {
			continue
		}
		w := &r.allowed[c.assigned.idx]
		w.present = true
		w.score = c.sortIndex.Add(w.score)
	}
	r.merging = true
	for _, k := range r.thisWith {
		if k.depRole != cib.RolePromoted {
			continue
		}
		flags := mergeRollback
		if k.score >= infinity {
			flags = 0
		}
		r.allowed = ws.mergeWeights(k.primary, r.allowed, k.nodeAttr, float64(k.score)/float64(infinity), flags)
	}
	for _, k := range r.withThis {
		if !k.hasInfluence(nil) || k.primRole != cib.RolePromoted {
			continue
		}
		r.allowed = ws.mergeWeights(k.dependent, r.allowed, k.nodeAttr, float64(k.score)/float64(infinity), mergeRollback|mergePositive)
	}
	r.merging = false
	for _, c := range r.children {
		switch {
		case !c.managed && c.nextRole == cib.RolePromoted:
			// set_sort_index_to_node_score: an unmanaged Promoted
			// instance stays first, whatever its node's score.
			c.sortIndex = infinity
		case c.managed && c.promoPriority < 0:
			c.sortIndex = -infinity
		case c.assigned == nil || c.sortIndex < 0:
		default:
			c.sortIndex = r.allowed[c.assigned.idx].score
		}
	}
	byInstance := ws.instanceOrder(r)
	order := append([]*resource(nil), r.children...)
	sort.SliceStable(order, func(i, j int) bool {
		a, b := order[i], order[j]
		if a.sortIndex != b.sortIndex {
			return a.sortIndex > b.sortIndex
		}
		if a.role != b.role {
			return a.role > b.role
		}
		return byInstance[a] < byInstance[b]
	})
	return order
}

// instanceOrder ranks a clone's instances as sort_clone_instance would
// sort them, for ties in the promotion order.
func (ws *workingSet) instanceOrder(r *resource) map[*resource]int {
	rank := map[*resource]int{}
	for i, c := range ws.sortedInstances(r) {
		rank[c] = i
	}
	return rank
}

// nodeToPromoteOn is can_be_promoted: the instance's node, if it will be
// active there, is managed (or already Promoted), has a non-negative
// priority, a node able to run resources where the clone is allowed and
// that has room for another Promoted instance.
func (ws *workingSet) nodeToPromoteOn(r, c *resource, counts []int, nodeMax int) *node {
	n := c.assigned
	switch {
	case n == nil:
		return nil
	case !c.managed:
		if c.role != cib.RolePromoted {
			return nil
		}
	case c.promoPriority < 0:
		return nil
	case !n.canRun():
		return nil
	}
	if !r.allowed[n.idx].present {
		return nil
	}
	if counts[n.idx] >= nodeMax && c.managed {
		return nil
	}
	return n
}

// addPromotionScores is pcmk__add_promotion_scores, done once before a
// promotable clone's instances are assigned: on every node able to run
// resources, an instance's positive promotion score is added to its
// score there, and its priority (which orders the instances for
// assignment) becomes its highest promotion score.
func (ws *workingSet) addPromotionScores(r *resource) {
	if r.clone.promotionAdded {
		return
	}
	r.clone.promotionAdded = true
	for _, c := range r.children {
		for i, w := range c.allowed {
			if !w.present {
				continue
			}
			n := ws.nodes[i]
			if !n.canRun() {
				continue // never promoted there: no shuffling for it
			}
			score, _ := ws.instancePromotionScore(c, n)
			if score > 0 {
				c.allowed[i].score = w.score.Add(score)
			}
			if int(score) > c.priority {
				c.priority = int(score)
			}
		}
	}
}

// instancePromotionScore is promotion_score: a cloned group instance's is
// the sum of its members'; a primitive's is its promotion attribute on
// the node (promotionScore) where the score applies there. isDefault: no
// attribute counted.
func (ws *workingSet) instancePromotionScore(c *resource, n *node) (cib.Score, bool) {
	if len(c.children) > 0 {
		var sum cib.Score
		isDefault := true
		for _, m := range c.children {
			s, d := ws.instancePromotionScore(m, n)
			if !d {
				isDefault = false
			}
			sum = sum.Add(s)
		}
		return sum, isDefault
	}
	if !ws.promotionScoreApplies(c, n) {
		return 0, true
	}
	top := c.top()
	return promotionScore(c.id, c.cloneName, top.isClone() && top.clone.unique, n.attrs)
}

// promotionScoreApplies is promotion_score_applies: an anonymous
// instance's score counts on a node where it is active, or where no
// instance is active but the clone has been probed; any instance's counts
// everywhere while the resource is known nowhere (cluster start), else
// only where its state is known. Always only where it is allowed.
func (ws *workingSet) promotionScoreApplies(c *resource, n *node) bool {
	top := c.top()
	base := cloneStrip(c.id)
	allowed := func() bool {
		w := c.allowed[n.idx]
		return w.present && w.score >= 0
	}
	if top.isClone() && !top.clone.unique {
		active := activeAnonInstance(top, base, n)
		if active == c {
			return allowed()
		}
		if active == nil && anonymousKnownOn(top, base, n) {
			return allowed()
		}
	}
	if len(c.running) == 0 && c.knownOn.empty() {
		return allowed()
	}
	if c.knownOn.has(n) || containsNode(c.running, n) {
		return allowed()
	}
	return false
}

// cloneMember is find_rsc with pe_find_clone: the instance itself, or the
// member of a cloned group instance, whose id without instance number is
// base.
func cloneMember(inst *resource, base string) *resource {
	if !inst.isGroup() {
		if cloneStrip(inst.id) == base {
			return inst
		}
		return nil
	}
	for _, m := range inst.children {
		if cloneStrip(m.id) == base {
			return m
		}
	}
	return nil
}

// activeAnonInstance is find_active_anon_instance: the clone's member
// named base that runs on n.
func activeAnonInstance(clone *resource, base string, n *node) *resource {
	for _, inst := range clone.children {
		if m := cloneMember(inst, base); m != nil && containsNode(m.running, n) {
			return m
		}
	}
	return nil
}

// anonymousKnownOn is anonymous_known_on: some instance's member named
// base has a known state on n.
func anonymousKnownOn(clone *resource, base string, n *node) bool {
	for _, inst := range clone.children {
		if m := cloneMember(inst, base); m != nil && m.knownOn.has(n) {
			return true
		}
	}
	return false
}

// currentRole is the resource's role now (native/group_resource_state):
// a group's is its members' highest.
func currentRole(r *resource) cib.Role {
	if !r.isGroup() {
		return r.role
	}
	role := cib.RoleUnknown
	for _, m := range r.children {
		if x := currentRole(m); x > role {
			role = x
		}
	}
	return role
}

// setCurrentRoleUnpromoted is set_current_role_unpromoted: a promotable
// clone's instance (and each member of a cloned group instance) that is
// Started is Unpromoted.
func setCurrentRoleUnpromoted(r *resource) {
	if r.role == cib.RoleStarted {
		r.role = cib.RoleUnpromoted
	}
	for _, m := range r.children {
		setCurrentRoleUnpromoted(m)
	}
}

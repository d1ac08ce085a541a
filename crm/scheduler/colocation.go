package scheduler

import (
	"fmt"
	"sort"
	"strings"

	"pacer/crm/cib"
)

// colocation places dependent relative to primary.
type colocation struct {
	id                string
	dependent         *resource
	primary           *resource
	score             cib.Score
	depRole, primRole cib.Role
	nodeAttr          string
	influence         bool
}

func (ws *workingSet) newColocation(id string, score cib.Score, dep, prim *resource, depRole, primRole string, influence bool) {
	if dep == nil || prim == nil || score == 0 {
		return
	}
	c := &colocation{id: id, dependent: dep, primary: prim, score: score, influence: influence}
	defer func() {
		if ws.antiColocationPass && score <= -infinity {
			ws.antiColocationOrder(dep, c.depRole, prim, c.primRole)
			ws.antiColocationOrder(prim, c.primRole, dep, c.depRole)
		}
	}()
	if depRole != "" {
		c.depRole, _ = cib.ParseRole(depRole)
		if c.depRole == cib.RoleStarted {
			c.depRole = cib.RoleUnknown
		}
	}
	if primRole != "" {
		c.primRole, _ = cib.ParseRole(primRole)
		if c.primRole == cib.RoleStarted {
			c.primRole = cib.RoleUnknown
		}
	}
	if ws.antiColocationPass {
		return
	}
	ws.colocations = append(ws.colocations, c)
	dep.thisWith = insertSorted(dep.thisWith, c, func(c *colocation) *resource { return c.primary })
	prim.withThis = insertSorted(prim.withThis, c, func(c *colocation) *resource { return c.dependent })
}

// insertSorted keeps a colocation list ordered as Pacemaker's
// cmp_dependent_priority / cmp_primary_priority do: higher priority first,
// then collective before primitive, then by id.
func insertSorted(list []*colocation, c *colocation, other func(*colocation) *resource) []*colocation {
	less := func(a, b *colocation) int {
		ra, rb := other(a), other(b)
		if ra.priority != rb.priority {
			if ra.priority > rb.priority {
				return -1
			}
			return 1
		}
		if ra.variant != rb.variant {
			if ra.variant > rb.variant {
				return -1
			}
			return 1
		}
		return strings.Compare(ra.id, rb.id)
	}
	i := sort.Search(len(list), func(i int) bool { return less(list[i], c) > 0 })
	list = append(list, nil)
	copy(list[i+1:], list[i:])
	list[i] = c
	return list
}

func (ws *workingSet) influence(c *cib.Constraint, r *resource) bool {
	if c.Influence != "" {
		return isTrue(c.Influence)
	}
	return r.critical
}

// unpackColocations reads rsc_colocation constraints, with resource sets.
func (ws *workingSet) unpackColocations() {
	for _, c := range ws.cib.Configuration.Constraints {
		if c.Kind == cib.KindColocation {
			ws.unpackColocation(c)
		}
	}
}

// unpackColocation reads one rsc_colocation constraint.
func (ws *workingSet) unpackColocation(c *cib.Constraint) {
	score := cib.Score(0)
	if c.Score != "" {
		score, _ = cib.ParseScore(c.Score)
	}
	if len(c.Sets) == 0 {
		dep, prim := ws.all[c.Rsc], ws.all[c.WithRsc]
		if dep == nil || prim == nil {
			return
		}
		ws.newColocationAttr(c.ID, score, dep, prim, c.RscRole, c.WithRscRole, c.NodeAttribute, ws.influence(c, dep))
		return
	}
	var last *cib.ResourceSet
	for i := range c.Sets {
		set := &c.Sets[i]
		ws.colocationSet(c, set, score)
		if last != nil {
			ws.colocateSets(c, last, set, score)
		}
		last = set
	}
}

// unpackAntiColocationOrders creates, for a -INFINITY colocation, the
// orderings pcmk__new_colocation adds (anti_colocation_order, both
// ways): one resource gives up its role before the other takes its
// own. They are made where Pacemaker makes them, among the orderings
// in constraint order, while the colocations themselves are read later.
func (ws *workingSet) unpackAntiColocationOrders(c *cib.Constraint) {
	ws.antiColocationPass = true
	ws.unpackColocation(c)
	ws.antiColocationPass = false
}

// antiColocationOrder orders the actions that make first lose its role
// before those that make then gain its role (pe_order_anti_colocation:
// kept in the graph only on one node and when the first is required).
func (ws *workingSet) antiColocationOrder(first *resource, firstRole cib.Role, then *resource, thenRole cib.Role) {
	var firstTasks, thenTasks []string
	switch firstRole {
	case cib.RolePromoted:
		firstTasks = []string{"demote"}
	case cib.RoleUnpromoted:
		firstTasks = []string{"stop", "promote"}
	default:
		firstTasks = []string{"stop"}
	}
	switch thenRole {
	case cib.RolePromoted:
		thenTasks = []string{"promote"}
	case cib.RoleUnpromoted:
		thenTasks = []string{"start", "demote"}
	default:
		thenTasks = []string{"start"}
	}
	for _, ft := range firstTasks {
		for _, tt := range thenTasks {
			ws.orderRsc(first, ft, then, tt, orderAntiColocation)
		}
	}
}

func (ws *workingSet) newColocationAttr(id string, score cib.Score, dep, prim *resource, depRole, primRole, attr string, infl bool) {
	n := len(ws.colocations)
	ws.newColocation(id, score, dep, prim, depRole, primRole, infl)
	if len(ws.colocations) > n {
		ws.colocations[n].nodeAttr = attr
	}
}

func (ws *workingSet) setResources(set *cib.ResourceSet) []*resource {
	var out []*resource
	for _, id := range set.Resources {
		if r := ws.all[id]; r != nil {
			out = append(out, r)
		}
	}
	return out
}

func (ws *workingSet) colocationSet(c *cib.Constraint, set *cib.ResourceSet, score cib.Score) {
	local := score
	if set.Score != "" {
		local, _ = cib.ParseScore(set.Score)
	}
	if local == 0 || !boolDefault(set.Sequential, true) {
		return
	}
	rscs := ws.setResources(set)
	if local < 0 {
		// unpack_colocation_set: anti-colocating each member with
		// every prior one is the only way to make sure no two members
		// of the set run together.
		for i, r := range rscs {
			for _, with := range rscs[:i] {
				ws.newColocationAttr(set.ID, local, r, with, set.Role, set.Role, c.NodeAttribute, ws.influence(c, r))
			}
		}
		return
	}
	var with *resource
	for _, r := range rscs {
		if with != nil {
			ws.newColocationAttr(set.ID, local, r, with, set.Role, set.Role, c.NodeAttribute, ws.influence(c, r))
		}
		with = r
	}
}

func (ws *workingSet) colocateSets(c *cib.Constraint, set1, set2 *cib.ResourceSet, score cib.Score) {
	if score == 0 {
		return
	}
	r1s, r2s := ws.setResources(set1), ws.setResources(set2)
	var r1, r2 *resource
	if boolDefault(set1.Sequential, true) && len(r1s) > 0 {
		r1 = r1s[0]
	}
	if boolDefault(set2.Sequential, true) && len(r2s) > 0 {
		r2 = r2s[len(r2s)-1]
	}
	add := func(a, b *resource) {
		ws.newColocationAttr(c.ID, score, a, b, set1.Role, set2.Role, c.NodeAttribute, ws.influence(c, a))
	}
	switch {
	case r1 != nil && r2 != nil:
		add(r1, r2)
	case r1 != nil:
		for _, b := range r2s {
			add(r1, b)
		}
	case r2 != nil:
		for _, a := range r1s {
			add(a, r2)
		}
	default:
		for _, a := range r1s {
			for _, b := range r2s {
				add(a, b)
			}
		}
	}
}

// hasInfluence is pcmk__colocation_has_influence.
func (c *colocation) hasInfluence(r *resource) bool {
	if r == nil {
		r = c.primary
	}
	return c.influence || len(r.running) == 0
}

// attrValue is the node attribute colocation compares (#uname by default).
func nodeAttr(n *node, attr string) (string, bool) {
	v, ok := n.attrs[attr]
	return v, ok
}

// colocationLabel names, in an explanation, a colocation applied to its
// dependent once the primary is placed.
func colocationLabel(c *colocation) string {
	where := "not placed"
	if n := c.primary.assigned; n != nil {
		where = "on " + n.name
	} else if c.primary.isClone() {
		var on []string
		for _, ch := range c.primary.children {
			if ch.assigned != nil && !containsString(on, ch.assigned.name) {
				on = append(on, ch.assigned.name)
			}
		}
		if len(on) > 0 {
			where = "instances on " + strings.Join(on, ", ")
		}
	}
	return fmt.Sprintf("colocation %s: with %s (%s), score %s", c.id, c.primary.id, where, c.score)
}

// dependentLabel names the merge of a dependent's preferences into its
// primary's scores.
func dependentLabel(c *colocation) string {
	return fmt.Sprintf("colocation %s: %s's own preferences, weighted by the colocation's score %s", c.id, c.dependent.id, c.score)
}

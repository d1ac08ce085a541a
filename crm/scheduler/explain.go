package scheduler

// Placement explanations: for each resource and node, the chain of
// steps that made the allocation score pacer prints (and Pacemaker's
// crm_simulate -s prints without saying why). Recording is off unless
// Input.Explain asks for it: it copies a resource's node scores around
// every step that may change them, which a 10,000-resource schedule
// should not pay for.
//
// A step is recorded as the score before and after it, not as a delta:
// INFINITY arithmetic and colocation merges do not add up, but a chain of
// values always ends at the printed score.

import (
	"fmt"
	"strings"

	"pacer/crm/cib"
)

// scoreStep is one change of one resource's score on one node.
type scoreStep struct {
	rsc           *resource
	node          int
	label         string
	before, after nodeWeight
}

// explainer holds what Input.Explain records.
type explainer struct {
	initial map[*resource][]nodeWeight
	// last is each resource's scores as the steps so far leave them.
	last  map[*resource][]nodeWeight
	steps []scoreStep
	// scopes are the labels of the traced calls in progress, innermost
	// last: a change found inside one is that scope's doing.
	scopes []func() string
	// printed is, per printed score (its index in the working set's
	// scores), how many steps were recorded then: later steps do not
	// explain it. A clone instance may be assigned, and printed, twice.
	printed map[int]int
}

func newExplainer() *explainer {
	return &explainer{initial: map[*resource][]nodeWeight{}, last: map[*resource][]nodeWeight{}, printed: map[int]int{}}
}

// withDescendants lists rs and everything under them.
func withDescendants(rs ...*resource) []*resource {
	var out []*resource
	var walk func(r *resource)
	walk = func(r *resource) {
		out = append(out, r)
		for _, c := range r.children {
			walk(c)
		}
	}
	for _, r := range rs {
		walk(r)
	}
	return out
}

// snapshotInitial keeps the scores of every resource not seen before as
// its starting point: the symmetric-cluster default (each node's own
// score), nothing in an opt-in cluster, or what an orphan was created
// with.
func (ws *workingSet) snapshotInitial() {
	if ws.explain == nil {
		return
	}
	for _, r := range ws.all {
		ws.explain.seen(r)
	}
}

func (ex *explainer) seen(r *resource) bool {
	if _, ok := ex.last[r]; ok {
		return true
	}
	ex.initial[r] = append([]nodeWeight(nil), r.allowed...)
	ex.last[r] = append([]nodeWeight(nil), r.allowed...)
	return false
}

// flush records r's changes since the last step, named by label.
func (ex *explainer) flush(r *resource, label func() string) {
	if !ex.seen(r) {
		return
	}
	last := ex.last[r]
	name := ""
	for n := range r.allowed {
		var b nodeWeight
		if n < len(last) {
			b = last[n]
		}
		if a := r.allowed[n]; a != b {
			if name == "" {
				name = label()
			}
			ex.steps = append(ex.steps, scoreStep{rsc: r, node: n, label: name, before: b, after: a})
		}
	}
	ex.last[r] = append(last[:0], r.allowed...)
}

// traced runs fn and, when explaining, records how it changed the scores
// of rs (and of everything under them) as steps named label. label is
// called only when something changed.
func (ws *workingSet) traced(label func() string, rs []*resource, fn func()) {
	ex := ws.explain
	if ex == nil {
		fn()
		return
	}
	// Changes made before this step, inside the step that encloses it,
	// are the enclosing step's.
	outer := func() string { return "assignment" }
	if len(ex.scopes) > 0 {
		outer = ex.scopes[len(ex.scopes)-1]
	}
	for _, r := range withDescendants(rs...) {
		ex.flush(r, outer)
	}
	ex.scopes = append(ex.scopes, label)
	fn()
	ex.scopes = ex.scopes[:len(ex.scopes)-1]
	for _, r := range withDescendants(rs...) {
		ex.flush(r, label)
	}
}

// allResources lists every resource, for steps that touch many.
func (ws *workingSet) allResources() []*resource {
	var top []*resource
	for _, r := range ws.resources {
		top = append(top, r)
	}
	return top
}

// markPrinted records what the traced step in progress changed so far
// of r's scores, before they are printed, and returns how many steps
// explain them (-1 when not explaining).
func (ws *workingSet) markPrinted(r *resource) int {
	ex := ws.explain
	if ex == nil {
		return -1
	}
	label := func() string { return "assignment" }
	if len(ex.scopes) > 0 {
		label = ex.scopes[len(ex.scopes)-1]
	}
	ex.flush(r, label)
	return len(ex.steps)
}

// ScoreExplanation is why a resource has its allocation score on a node.
type ScoreExplanation struct {
	Rsc, Node string
	Score     cib.Score
	// Start is the score before any constraint: the symmetric-cluster
	// default (the node's own score), or Allowed false in an opt-in
	// cluster.
	Start        cib.Score
	StartAllowed bool
	Steps        []ExplanationStep
}

// ExplanationStep is one change: what made it and the score after it.
type ExplanationStep struct {
	What    string
	Before  cib.Score
	After   cib.Score
	Allowed bool // false: the step took the node out of the resource's reach
}

// Explanations returns, for every primitive allocation score printed, the
// steps that made it. It is empty unless the schedule ran with
// Input.Explain. only limits it to the named resources (and their
// instances and members) when not empty.
func (t *Transition) Explanations(only ...string) []ScoreExplanation {
	ex := t.ws.explain
	if ex == nil {
		return nil
	}
	want := func(r *resource) bool {
		if len(only) == 0 {
			return true
		}
		for x := r; x != nil; x = x.parent {
			for _, id := range only {
				if x.id == id || cloneStrip(x.id) == id {
					return true
				}
			}
		}
		return false
	}
	var out []ScoreExplanation
	for i, s := range t.ws.scores {
		if s.stage != stagePrimitive || !want(s.rsc) {
			continue
		}
		r, n := s.rsc, int(s.node)
		e := ScoreExplanation{Rsc: r.id, Node: t.ws.nodes[n].name, Score: s.score}
		if init := ex.initial[r]; n < len(init) {
			e.Start, e.StartAllowed = init[n].score, init[n].present
		}
		limit, ok := ex.printed[i]
		if !ok {
			limit = len(ex.steps)
		}
		for _, st := range ex.steps[:limit] {
			if st.rsc != r || st.node != n {
				continue
			}
			e.Steps = append(e.Steps, ExplanationStep{What: st.label, Before: st.before.score, After: st.after.score, Allowed: st.after.present})
		}
		out = append(out, e)
	}
	return out
}

// String renders an explanation as crm_simulate-style text: the score,
// then one indented line per step.
func (e ScoreExplanation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s on %s: %s\n", e.Rsc, e.Node, e.Score)
	if e.StartAllowed {
		fmt.Fprintf(&b, "    %-10s node's own score (symmetric cluster)\n", e.Start)
	} else {
		fmt.Fprintf(&b, "    %-10s not allowed until a constraint allows it (opt-in cluster)\n", "-")
	}
	for _, s := range e.Steps {
		fmt.Fprintf(&b, "    %-10s %s%s\n", s.After, s.What, change(s.Before, s.After))
	}
	return b.String()
}

// change describes a step's effect when it is plain addition.
func change(before, after cib.Score) string {
	if before >= infinity || before <= -infinity || after >= infinity || after <= -infinity {
		return ""
	}
	d := int64(after) - int64(before)
	if d >= 0 {
		return fmt.Sprintf(" (+%d)", d)
	}
	return fmt.Sprintf(" (%d)", d)
}

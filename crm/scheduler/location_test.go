package scheduler_test

import (
	"strings"
	"testing"

	"pacer/crm/scheduler"
)

// TestLocationPatterns checks unpack_simple_location's rsc-pattern: it
// selects top-level resources; a leading '!' selects those that do not
// match; %N in a rule's attribute names is the pattern's Nth submatch;
// value-source="param" compares with the resource's parameters as they
// are evaluated for each node (a parameter set with a node rule).
func TestLocationPatterns(t *testing.T) {
	nodes := `<nodes><node id="1" uname="node1"><instance_attributes id="n1"><nvpair id="n1a" name="fake" value="1"/><nvpair id="n1b" name="want-web" value="yes"/></instance_attributes></node>` +
		`<node id="2" uname="node2"><instance_attributes id="n2"><nvpair id="n2a" name="fake" value="2"/><nvpair id="n2b" name="want-db" value="yes"/></instance_attributes></node></nodes>`
	h := strings.Replace(head, `<nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes>`, nodes, 1)
	withParams := func(id, params string) string {
		return `<primitive id="` + id + `" class="ocf" provider="heartbeat" type="Dummy">` + params + `</primitive>`
	}
	tests := []struct{ name, rscs, loc, want string }{
		{"inverted pattern", prim("app-a", "") + prim("other", ""),
			`<rsc_location id="l" rsc-pattern="!^app"><rule id="r" score="-INFINITY"><expression id="e" attribute="#uname" operation="eq" value="node1"/></rule></rsc_location>`,
			"Start app-a node1; Start other node2"},
		{"submatch in attribute", prim("web", "") + prim("db", ""),
			`<rsc_location id="l" rsc-pattern="^(web|db)$"><rule id="r" score="INFINITY"><expression id="e" attribute="want-%1" operation="eq" value="yes"/></rule></rsc_location>`,
			"Start web node1; Start db node2"},
		{"per-node parameter", withParams("p", `<instance_attributes id="pa" score="10"><nvpair id="pa1" name="fake" value="1"/></instance_attributes>`+
			`<instance_attributes id="pb" score="20"><rule id="pr" score="INFINITY"><expression id="pe" attribute="#uname" operation="eq" value="node2"/></rule><nvpair id="pb1" name="fake" value="2"/></instance_attributes>`),
			// fake is 1 on node1 and 2 on node2, equal to each node's
			// own: both get 100 and node2's extra 50 decides. Evaluated
			// without a node, fake would be 1 and node1 would win.
			`<rsc_location id="l" rsc="p"><rule id="r" score="100"><expression id="e" attribute="fake" operation="eq" value="fake" value-source="param"/></rule></rsc_location>` +
				`<rsc_location id="l2" rsc="p"><rule id="r2" score="50"><expression id="e2" attribute="#uname" operation="eq" value="node2"/></rule></rsc_location>`,
			"Start p node2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			xml := h + `<resources>` + tc.rscs + `</resources><constraints>` + tc.loc + `</constraints></configuration>` + online
			if got := summary(schedule(t, xml)); got != tc.want {
				t.Errorf("summary %q, want %q", got, tc.want)
			}
		})
	}
}

// TestAntiColocationSet: a sequential colocation set with a negative
// score anti-colocates every member with every prior one (not just the
// previous one), so no two members share a node: on two nodes the third
// member cannot run.
func TestAntiColocationSet(t *testing.T) {
	xml := head + `<resources>` + prim("a", "") + prim("b", "") + prim("c", "") + `</resources><constraints>` +
		`<rsc_colocation id="apart" score="-INFINITY"><resource_set id="s"><resource_ref id="a"/><resource_ref id="b"/><resource_ref id="c"/></resource_set></rsc_colocation>` +
		`</constraints></configuration>` + online
	if got, want := summary(schedule(t, xml)), "Start a node1; Start b node2"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
}

// TestNodeBaseScore: a node's own score (<node score=...>) is where every
// resource's score on it starts in a symmetric cluster.
func TestNodeBaseScore(t *testing.T) {
	h := strings.Replace(head, `<node id="2" uname="node2"/>`, `<node id="2" uname="node2" score="100"/>`, 1)
	tr := schedule(t, h+`<resources>`+prim("a", "")+`</resources><constraints/></configuration>`+online)
	if got := scoreOf(tr, "pcmk__primitive_assign", "a", "node2"); got != "100" {
		t.Errorf("score on node2 %q, want 100", got)
	}
	if got, want := summary(tr), "Start a node2"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
}

// TestGroupDependentScores: a group colocated with another resource is
// merged into that resource's scores through its first member, which
// brings the other members in through the group's internal colocations
// at full strength (pcmk__group_merge_weights): two members sticky on
// node2 at 1000 each, colocated with score 4000, add 4 + 1000.
func TestGroupDependentScores(t *testing.T) {
	group := `<group id="g"><meta_attributes id="gm"><nvpair id="gs" name="resource-stickiness" value="1000"/></meta_attributes>` + prim("g1", "") + prim("g2", "") + `</group>`
	xml := head + `<resources>` + prim("p", "") + group + `</resources><constraints>` +
		`<rsc_colocation id="c" rsc="g" with-rsc="p" score="4000"/></constraints></configuration>` +
		withStatus(history(1, map[string][]op{"p": stopped, "g1": stopped, "g2": stopped}, "p", "g1", "g2"),
			history(2, map[string][]op{"p": stopped, "g1": started, "g2": started}, "p", "g1", "g2"))
	tr := schedule(t, xml)
	if got := scoreOf(tr, "pcmk__primitive_assign", "p", "node2"); got != "1004" {
		t.Errorf("p's score on node2 %q, want 1004", got)
	}
}

func scoreOf(tr *scheduler.Transition, stage, rsc, node string) string {
	for _, s := range tr.Scores() {
		if s.Stage == stage && s.Rsc == rsc && s.Node == node {
			return s.Score.String()
		}
	}
	return ""
}

// TestOrderSetsWithoutSequential: between two ordered sets, a set picks
// a single member to order by only when sequential="true" is written
// (order_rsc_sets uses pcmk__xe_attr_is_true); otherwise every member of
// one set is ordered with every member of the other. With b already
// running, c's start then still waits for a's.
func TestOrderSetsWithoutSequential(t *testing.T) {
	for _, tc := range []struct {
		seq  string
		want bool
	}{{``, true}, {` sequential="true"`, false}} {
		xml := head + `<resources>` + prim("a", "") + prim("b", "") + prim("c", "") + `</resources><constraints>` +
			`<rsc_order id="o"><resource_set id="s1"` + tc.seq + `><resource_ref id="a"/><resource_ref id="b"/></resource_set><resource_set id="s2"><resource_ref id="c"/></resource_set></rsc_order>` +
			`</constraints></configuration>` +
			withStatus(history(1, map[string][]op{"a": stopped, "b": started, "c": stopped}, "a", "b", "c"),
				history(2, map[string][]op{"a": stopped, "b": stopped, "c": stopped}, "a", "b", "c"))
		tr := schedule(t, xml)
		byID := map[int]*scheduler.Action{}
		for _, a := range tr.Actions {
			byID[a.ID] = a
		}
		got := false
		for _, a := range tr.Actions {
			if a.Key != "c_start_0" {
				continue
			}
			for _, in := range a.Inputs {
				if x := byID[in]; x != nil && x.Key == "a_start_0" {
					got = true
				}
			}
		}
		if got != tc.want {
			t.Errorf("sequential%q: c start waits for a start = %v, want %v", tc.seq, got, tc.want)
		}
	}
}

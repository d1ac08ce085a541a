package scheduler_test

import (
	"strings"
	"testing"
)

// clone wraps primitive "c" in clone "cl" with the given meta pairs.
func clone(meta ...string) string {
	var b strings.Builder
	b.WriteString(`<clone id="cl"><meta_attributes id="clm">`)
	for i := 0; i+1 < len(meta); i += 2 {
		b.WriteString(`<nvpair id="clm` + meta[i] + `" name="` + meta[i] + `" value="` + meta[i+1] + `"/>`)
	}
	b.WriteString(`</meta_attributes>` + prim("c", "") + `</clone>`)
	return b.String()
}

func cloneCIB(rscs, constraints string, states ...string) string {
	st := online
	if len(states) > 0 {
		st = withStatus(states...)
	}
	return head + `<resources>` + rscs + `</resources><constraints>` + constraints + `</constraints></configuration>` + st
}

// TestCloneAssignment checks pcmk__clone_allocate / distribute_children:
// clone-max instances (default one per node) named c:N, at most
// clone-node-max per node, active instances kept where they run, the
// rest banned once clone-max are placed.
func TestCloneAssignment(t *testing.T) {
	tests := []struct{ name, xml, want string }{
		{"one instance per node by default", cloneCIB(clone(), ""),
			"Start c:0 node1; Start c:1 node2"},
		{"clone-max limits the instances", cloneCIB(clone("clone-max", "1"), ""),
			"Start c:0 node1"},
		{"clone-node-max allows several per node",
			cloneCIB(clone("clone-max", "3", "clone-node-max", "2"), `<rsc_location id="l" rsc="cl" node="node2" score="-INFINITY"/>`),
			"Start c:0 node1; Start c:1 node1"},
		{"an active instance stays, another starts",
			cloneCIB(clone(), "", history(2, map[string][]op{"c:0": started}, "c:0"), history(1, map[string][]op{"c:0": stopped}, "c:0")),
			"Start c:1 node1"},
		{"a banned node loses its instance",
			cloneCIB(clone(), `<rsc_location id="l" rsc="cl" node="node1" score="-INFINITY"/>`,
				history(1, map[string][]op{"c": started}, "c"), history(2, map[string][]op{"c": started}, "c")),
			"Stop c:0 node1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := summary(schedule(t, tc.xml)); got != tc.want {
				t.Errorf("summary %q, want %q", got, tc.want)
			}
		})
	}
}

// TestCloneHistory checks find_anonymous_clone: an anonymous clone's
// history (named c or c:N) goes to the instance active on that node,
// else to the first inactive instance, so a node where an instance was
// probed is not probed again and the new instance there takes the next
// number.
func TestCloneHistory(t *testing.T) {
	tr := schedule(t, cloneCIB(clone(), "",
		history(2, map[string][]op{"c:0": started}, "c:0"), history(1, map[string][]op{"c:0": stopped}, "c:0")))
	if got, want := executed(tr), "cl_start_0 c:1_start_0@node1 cl_running_0"; got != want {
		t.Errorf("executed %q, want %q", got, want)
	}
}

// TestCloneActions checks the clone pseudo-actions and their orderings
// (clone_internal_constraints): probes of one instance per node come
// before the clone's start, instances start between cl_start_0 and
// cl_running_0 and stop between cl_stop_0 and cl_stopped_0.
func TestCloneActions(t *testing.T) {
	tests := []struct{ name, xml, want string }{
		{"start", cloneCIB(clone(), ""),
			"c:0_monitor_0@node1 c:1_monitor_0@node2 cl_start_0 c:0_start_0@node1 c:1_start_0@node2 cl_running_0"},
		{"stop", cloneCIB(clone("target-role", "Stopped"), "",
			history(1, map[string][]op{"c": started}, "c"), history(2, map[string][]op{"c": started}, "c")),
			"cl_stop_0 c:0_stop_0@node1 c:1_stop_0@node2 cl_stopped_0"},
		{"unique clones probe every instance", cloneCIB(clone("globally-unique", "true", "clone-max", "1"), ""),
			"c:0_monitor_0@node2 c:0_monitor_0@node1 cl_start_0 c:0_start_0@node1 cl_running_0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := executed(schedule(t, tc.xml)); got != tc.want {
				t.Errorf("executed %q, want %q", got, tc.want)
			}
		})
	}
}

// TestCloneStatus checks pe__clone_default's collapsed lines: healthy
// started instances as "Started: [ ... ]", and the nodes without an
// instance as "Stopped: [ ... ]" only while fewer than clone-max
// instances are active; a unique clone lists every instance.
func TestCloneStatus(t *testing.T) {
	tests := []struct{ name, xml, want, not string }{
		{"collapsed", cloneCIB(clone(), "", history(1, map[string][]op{"c": started}, "c"), history(2, map[string][]op{"c": stopped}, "c")),
			"* Clone Set: cl [c]:\n      * Started: [ node1 ]\n      * Stopped: [ node2 ]\n", ""},
		{"all active hides Stopped", cloneCIB(clone("clone-max", "1"), "", history(1, map[string][]op{"c": started}, "c"), history(2, map[string][]op{"c": stopped}, "c")),
			"* Clone Set: cl [c]:\n      * Started: [ node1 ]\n", "Stopped: [ node2 ]"},
		{"unique", cloneCIB(clone("globally-unique", "true", "clone-max", "2"), "", history(1, map[string][]op{"c:1": started}, "c:1")),
			"* Clone Set: cl [c] (unique):\n      * c:0\t(ocf:heartbeat:Dummy):\t Stopped\n      * c:1\t(ocf:heartbeat:Dummy):\t Started node1\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := simulated(t, schedule(t, tc.xml))
			cur := out[:strings.Index(out, "Transition Summary")]
			if !strings.Contains(cur, tc.want) {
				t.Errorf("status lacks %q:\n%s", tc.want, cur)
			}
			if tc.not != "" && strings.Contains(cur, tc.not) {
				t.Errorf("status has %q:\n%s", tc.not, cur)
			}
		})
	}
}

// TestCloneColocation checks pcmk__clone_apply_coloc_score for a
// primitive colocated with a clone: a mandatory colocation keeps it to
// the nodes an instance is assigned to.
func TestCloneColocation(t *testing.T) {
	xml := cloneCIB(clone("clone-max", "1")+prim("p", ""),
		`<rsc_location id="l" rsc="cl" node="node2" score="100"/><rsc_colocation id="co" rsc="p" with-rsc="cl" score="INFINITY"/>`)
	if got, want := summary(schedule(t, xml)), "Start c:0 node2; Start p node2"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
}

// TestCloneMinOrdering checks clone_min_ordering: with clone-min (or
// the deprecated require-all=false, meaning 1) on a clone ordered first,
// 'then' waits for a clone-one-or-more pseudo-action that is runnable
// once enough instances can start.
func TestCloneMinOrdering(t *testing.T) {
	order := `<rsc_order id="o" first="cl" then="p"/>`
	relaxed := `<rsc_order id="o" first="cl" then="p" require-all="false"/>`
	ban := `<rsc_location id="l" rsc="cl" node="node2" score="-INFINITY"/>`
	tests := []struct{ name, xml, want string }{
		{"clone-min met", cloneCIB(clone("clone-min", "2")+prim("p", ""), order),
			"Start c:0 node1; Start c:1 node2; Start p node1"},
		{"clone-min not met blocks then", cloneCIB(clone("clone-min", "2")+prim("p", ""), order+ban),
			"Start c:0 node1"},
		{"require-all=false needs one", cloneCIB(clone()+prim("p", ""), relaxed+ban),
			"Start c:0 node1; Start p node2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := schedule(t, tc.xml)
			var got []string
			for _, l := range tr.Summary {
				if l.Reason == "" {
					got = append(got, l.Change+" "+l.Rsc+" "+l.Details)
				}
			}
			if s := strings.Join(got, "; "); s != tc.want {
				t.Errorf("summary %q, want %q", s, tc.want)
			}
		})
	}
	tr := schedule(t, cloneCIB(clone("clone-min", "1")+prim("p", ""), order))
	if !strings.Contains(executed(tr), "clone-one-or-more:o") {
		t.Errorf("no clone-one-or-more pseudo-action in %q", executed(tr))
	}
}

// TestCloneActionName checks how crm_simulate names an anonymous
// instance's actions: by the configured id when some history was
// recorded under it, else by the instance id.
func TestCloneActionName(t *testing.T) {
	tests := []struct{ name, xml, want string }{
		{"history under the base name", cloneCIB(clone("target-role", "Stopped"), "", history(1, map[string][]op{"c": started}, "c")),
			"Resource action: c               stop on node1"},
		{"no such history", cloneCIB(clone(), ""),
			"Resource action: c:0             start on node1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if out := simulated(t, schedule(t, tc.xml)); !strings.Contains(out, tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, out)
			}
		})
	}
}

// twoClones is clone "a" (primitive "ap") and clone "b" (primitive
// "bp"), both with the given meta pairs.
func twoClones(meta string) string {
	m := func(id string) string {
		return `<meta_attributes id="` + id + `m">` + meta + `</meta_attributes>`
	}
	return `<clone id="a">` + m("a") + prim("ap", "") + `</clone><clone id="b">` + m("b") + prim("bp", "") + `</clone>`
}

// TestCloneInterleave checks interleave=true: an ordering between
// clones applies instance by instance on each node
// (multi_update_interleave_actions), and an instance of 'then' with no
// instance of 'first' on its node does not start; without interleave a
// 'then' instance waits for the whole 'first' clone.
func TestCloneInterleave(t *testing.T) {
	inter := `<nvpair id="il" name="interleave" value="true"/>`
	order := `<rsc_order id="o" first="a" then="b"/>`
	banA := `<rsc_location id="l" rsc="a" node="node2" score="-INFINITY"/>`
	tests := []struct{ name, xml, want string }{
		{"interleaved: b waits for a on its node only", cloneCIB(twoClones(inter), order+banA),
			"Start ap:0 node1; Start bp:1 node1"},
		{"not interleaved: b starts where a does not", cloneCIB(twoClones(""), order+banA),
			"Start ap:0 node1; Start bp:0 node2; Start bp:1 node1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := summary(schedule(t, tc.xml)); got != tc.want {
				t.Errorf("summary %q, want %q", got, tc.want)
			}
		})
	}
	// The instance-level ordering: each bp instance starts after the ap
	// instance on its node.
	tr := schedule(t, cloneCIB(twoClones(inter), order))
	for _, a := range tr.Actions {
		if strings.HasPrefix(a.Rsc, "bp:") && a.Task == "start" {
			found := false
			for _, in := range a.Inputs {
				if p := tr.Actions[in]; strings.HasPrefix(p.Rsc, "ap:") && p.Task == "start" && p.Node == a.Node {
					found = true
				}
			}
			if !found {
				t.Errorf("%s start on %s is not ordered after the ap start there", a.Rsc, a.Node)
			}
		}
	}
}

// TestCloneInterleaveColocation checks pcmk__clone_apply_coloc_score
// with an interleaved dependent clone: each instance follows the
// primary's instance on the same node.
func TestCloneInterleaveColocation(t *testing.T) {
	inter := `<nvpair id="il" name="interleave" value="true"/>`
	xml := cloneCIB(twoClones(inter), `<rsc_location id="l" rsc="a" node="node2" score="-INFINITY"/><rsc_colocation id="c" rsc="b" with-rsc="a" score="INFINITY"/>`)
	if got, want := summary(schedule(t, xml)), "Start ap:0 node1; Start bp:0 node1"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
}

// TestClonedGroup: a clone of a group gets instances grp:N whose members
// are m:N; each instance is placed as a group (its members together,
// one instance per node), history named m or m:N is matched to an
// instance, and an instance whose members all run on one node shows in
// the collapsed Started list.
func TestClonedGroup(t *testing.T) {
	clone := `<clone id="cl"><group id="g">` + prim("m1", "") + prim("m2", "") + `</group></clone>`
	xml := head + `<resources>` + clone + `</resources><constraints/></configuration>` +
		withStatus(history(1, map[string][]op{"m1": started, "m2": started}, "m1", "m2"),
			history(2, map[string][]op{"m1": stopped, "m2": stopped}, "m1", "m2"))
	tr := schedule(t, xml)
	if got, want := summary(tr), "Start m1:1 node2; Start m2:1 node2"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	out := simulated(t, tr)
	if !strings.Contains(out, "    * Clone Set: cl [g]:\n      * Started: [ node1 ]\n      * Stopped: [ node2 ]\n") {
		t.Errorf("current status does not collapse the active instance:\n%s", out)
	}
	if !strings.Contains(out, "      * Started: [ node1 node2 ]\n") {
		t.Errorf("revised status:\n%s", out)
	}
}

// TestAnonymousInstanceShownByConfiguredID: an anonymous clone instance
// listed on its own (here FAILED, so not collapsed) shows under the
// primitive's configured id, as rsc_printable_id does.
func TestAnonymousInstanceShownByConfiguredID(t *testing.T) {
	failedMonitor := []op{{"monitor", 0, 7, 1}, {"start", 0, 0, 2}, {"monitor", 10000, 1, 3}}
	clone := `<clone id="cl">` + prim("p", "") + `</clone>`
	xml := head + `<resources>` + clone + `</resources><constraints/></configuration>` +
		withStatus(history(1, map[string][]op{"p": failedMonitor}, "p"), history(2, map[string][]op{"p": started}, "p"))
	out := simulated(t, schedule(t, xml))
	if !strings.Contains(out, "      * p\t(ocf:heartbeat:Dummy):\t FAILED node1\n") {
		t.Errorf("failed instance not shown as p:\n%s", out)
	}
}

// TestNumberedHistoryName: an anonymous instance whose history was
// found under a numbered name (p:1) keeps that name for its actions
// while it is active there (add_resource_details' ID_LONG); a stopped
// instance's numbered name is dropped (process_rsc_state).
func TestNumberedHistoryName(t *testing.T) {
	clone := `<clone id="cl"><meta_attributes id="clm"><nvpair id="clm1" name="clone-max" value="1"/></meta_attributes>` + prim("p", "") + `</clone>`
	n1 := strings.ReplaceAll(history(1, map[string][]op{"p": started}, "p"), `"p_`, `"p:1_`)
	n1 = strings.Replace(n1, `<lrm_resource id="p"`, `<lrm_resource id="p:1"`, 1)
	standby := `<nodes><node id="1" uname="node1"><instance_attributes id="n1"><nvpair id="n1s" name="standby" value="on"/></instance_attributes></node><node id="2" uname="node2"/></nodes>`
	h := strings.Replace(head, `<nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes>`, standby, 1)
	xml := h + `<resources>` + clone + `</resources><constraints/></configuration>` + withStatus(n1, history(2, map[string][]op{"p": stopped}, "p"))
	tr := schedule(t, xml)
	found := false
	for _, a := range tr.Actions {
		if a.Task == "stop" && a.Node == "node1" {
			found = true
			if a.RscName != "p:1" {
				t.Errorf("stop on node1 named %q, want p:1 (the history's name)", a.RscName)
			}
		}
	}
	if !found {
		t.Errorf("no stop on node1: %s", executed(tr))
	}
}

// TestCloneDefaultStickiness: a clone's instances stick to where they run
// with resource-stickiness 1 unless a stickiness is configured (here by
// rsc_defaults); checked against crm_simulate 2.1.5's scores.
func TestCloneDefaultStickiness(t *testing.T) {
	states := []string{history(1, map[string][]op{"c": started}, "c"), history(2, map[string][]op{"c": started}, "c")}
	score := func(xml string) string {
		for _, s := range schedule(t, xml).Scores() {
			if s.Stage == "pcmk__clone_allocate" && s.Rsc == "c:0" && s.Node == "node1" {
				return s.Score.String()
			}
		}
		return "none"
	}
	if got := score(cloneCIB(clone(), "", states...)); got != "1" {
		t.Errorf("default: c:0 on node1 scores %s, want 1", got)
	}
	defaults := strings.Replace(cloneCIB(clone(), "", states...), "<resources>",
		`<rsc_defaults><meta_attributes id="rd"><nvpair id="rd1" name="resource-stickiness" value="50"/></meta_attributes></rsc_defaults><resources>`, 1)
	if got := score(defaults); got != "50" {
		t.Errorf("rsc_defaults resource-stickiness=50: c:0 on node1 scores %s, want 50", got)
	}
}

// TestForcedAnonymousClone checks pe__force_anon: only OCF and stonith
// agents can be globally unique; a clone of an LSB (or systemd, ...)
// resource marked globally-unique is made anonymous, with at most one
// instance per node and no more instances than nodes. (The scenario of
// conformance case force-anon-clone-max.)
func TestForcedAnonymousClone(t *testing.T) {
	lsb := `<clone id="cl"><meta_attributes id="clm"><nvpair id="clm-u" name="globally-unique" value="true"/>` +
		`<nvpair id="clm-m" name="clone-max" value="5"/><nvpair id="clm-n" name="clone-node-max" value="3"/></meta_attributes>` +
		`<primitive id="c" class="lsb" type="LSBDummy"/></clone>`
	tr := schedule(t, cloneCIB(lsb, ""))
	got := summary(tr)
	if got != "Start c:0 node1; Start c:1 node2" {
		t.Errorf("summary %q: want one anonymous instance per node", got)
	}
	for _, s := range tr.Scores() {
		if s.Rsc == "c:2" {
			t.Fatalf("an instance beyond the node count exists: %+v", s)
		}
	}
	if out := simulated(t, tr); strings.Contains(out, "(unique)") {
		t.Errorf("shown as unique:\n%s", out)
	}
}

// TestClonePendingInstanceShown: crm_mon (pending shown) lists on its own
// an anonymous clone instance with an operation in flight ("Starting"),
// while a pending notification is not a pending task of the resource.
// (Checked against crm_simulate 2.1.5.)
func TestClonePendingInstanceShown(t *testing.T) {
	pending := func(s string) string {
		return strings.ReplaceAll(s, `rc-code="-1" op-status="0"`, `rc-code="-1" op-status="-1"`)
	}
	node2start := pending(history(2, map[string][]op{"c": {{"monitor", 0, 7, 1}, {"start", 0, -1, -1}}}, "c"))
	out := simulated(t, schedule(t, cloneCIB(clone(), "", history(1, map[string][]op{"c": started}, "c"), node2start)))
	cur := out[:strings.Index(out, "Transition Summary")]
	if !strings.Contains(cur, "c\t(ocf:heartbeat:Dummy):\t Starting node2") {
		t.Errorf("pending start not shown on its own:\n%s", cur)
	}
	node2notify := pending(history(2, map[string][]op{"c": {{"start", 0, 0, 1}, {"notify", 0, -1, -1}}}, "c"))
	out = simulated(t, schedule(t, cloneCIB(clone(), "", history(1, map[string][]op{"c": started}, "c"), node2notify)))
	cur = out[:strings.Index(out, "Transition Summary")]
	if !strings.Contains(cur, "Started: [ node1 node2 ]") {
		t.Errorf("a pending notification changed how the instance is shown:\n%s", cur)
	}
}

// TestInterleaveAfterNotifyingClone: an ordering after a clone with
// notifications starts from its confirmed-post_notify_running
// pseudo-action; interleaving reads the task it notifies about (running:
// the instances' start, clone_child_action), so the dependent instance on
// the node where the first clone's instance is recovered restarts too.
// (Checked against crm_simulate 2.1.5.)
func TestInterleaveAfterNotifyingClone(t *testing.T) {
	a := `<clone id="A"><meta_attributes id="Am"><nvpair id="Am-n" name="notify" value="true"/></meta_attributes>` + prim("a", "") + `</clone>`
	b := `<clone id="B"><meta_attributes id="Bm"><nvpair id="Bm-i" name="interleave" value="true"/></meta_attributes>` + prim("b", "") + `</clone>`
	failed := []op{{"start", 0, 0, 1}, {"monitor", 10000, 1, 2}}
	xml := cloneCIB(a+b, `<rsc_order id="ab" first="A" then="B"/>`,
		history(1, map[string][]op{"a": failed, "b": {{"start", 0, 0, 3}}}, "a", "b"),
		history(2, map[string][]op{"a": started, "b": started}, "a", "b"))
	got := summary(schedule(t, xml))
	if !strings.Contains(got, "Recover a:0 node1") || !strings.Contains(got, "Restart b:0 node1") || strings.Contains(got, "node2") {
		t.Errorf("summary %q: want a:0 recovered and b:0 restarted on node1 only", got)
	}
}

// TestGroupAfterCloneSeesItsNode: in an ordering "clone then group", the
// group's start stands on the group's node, so the clone is seen through
// its instance there: a new instance starting elsewhere does not restart
// the group. (Checked against crm_simulate 2.1.5.)
func TestGroupAfterCloneSeesItsNode(t *testing.T) {
	g := `<group id="G">` + prim("g1", "") + prim("g2", "") + `</group>`
	xml := cloneCIB(clone()+g, `<rsc_colocation id="gc" rsc="G" with-rsc="cl" score="INFINITY"/><rsc_order id="og" first="cl" then="G"/>`,
		history(1, map[string][]op{"c": started, "g1": {{"start", 0, 0, 3}}, "g2": {{"start", 0, 0, 4}}}, "c", "g1", "g2"),
		history(2, map[string][]op{"c": stopped, "g1": stopped, "g2": stopped}, "c", "g1", "g2"))
	if got := summary(schedule(t, xml)); got != "Start c:1 node2" {
		t.Errorf("summary %q: want only the new instance started", got)
	}
}

// TestClonedGroupChainStops checks three rules on a chain of clones P ->
// G -> H where G and H are cloned groups and P is disabled: a cloned
// group's completion is its instances' own 'running' (get_complex_task
// folds only a primitive's), which cannot run while a member cannot
// start, so H stops instead of restarting; the ordering on P's start,
// switched to P's running while the actions are updated, leaves the
// original among P's start's 'after' actions, so G's start is looked at
// again when P's start changes; and each member's reason is the first
// one it was given. (Checked against crm_simulate 2.1.5.)
func TestClonedGroupChainStops(t *testing.T) {
	rscs := `<clone id="P">` + disabled + prim("p", "") + `</clone>` +
		`<clone id="G"><group id="g">` + prim("g1", "") + prim("g2", "") + `</group></clone>` +
		`<clone id="H"><group id="h">` + prim("h1", "") + prim("h2", "") + `</group></clone>`
	all := map[string][]op{}
	for i, id := range []string{"p", "g1", "g2", "h1", "h2"} {
		all[id] = []op{{"start", 0, 0, i + 1}}
	}
	xml := cloneCIB(rscs, `<rsc_order id="o1" first="P" then="G"/><rsc_order id="o2" first="G" then="H"/>`,
		history(1, all, "p", "g1", "g2", "h1", "h2"), history(2, all, "p", "g1", "g2", "h1", "h2"))
	var got []string
	for _, l := range schedule(t, xml).Summary {
		got = append(got, l.Change+" "+l.Rsc+" "+l.Details+" "+l.Reason)
	}
	want := []string{
		"Stop p:0 node1 due to node availability", "Stop p:1 node2 due to node availability",
		"Stop g1:0 node1 due to unrunnable P running", "Stop g2:0 node1 due to required g1:0 start",
		"Stop g1:1 node2 due to unrunnable P running", "Stop g2:1 node2 due to required g1:1 start",
		"Stop h1:0 node1 due to required G running", "Stop h2:0 node1 due to required h1:0 stop",
		"Stop h1:1 node2 due to required G running", "Stop h2:1 node2 due to required h1:1 stop",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("summary:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

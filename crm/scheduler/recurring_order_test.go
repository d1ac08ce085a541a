package scheduler_test

import (
	"pacer/crm/cib"
	"strings"
	"testing"
)

// TestActiveRecurringBeforeRecovery checks unpack_lrm_resource's order:
// process_recurring makes the active recurring actions before
// process_rsc_state schedules a failed resource's recovery stop, and the
// graph lists a resource's actions newest first. So a recurring monitor
// no longer configured (cancelled after the stop) runs right after the
// stop, before the start that waits for the probe elsewhere too.
func TestActiveRecurringBeforeRecovery(t *testing.T) {
	failedMonitor := []op{{"start", 0, 0, 1}, {"monitor", 1000, 1, 2}}
	xml := cloneCIB(prim("r", ""), "", history(1, map[string][]op{"r": failedMonitor}, "r"), history(2, nil))
	tr := schedule(t, xml)
	if got, want := strings.TrimSpace(summary(tr)), "Recover r node1"; !strings.HasPrefix(got, "Recover r") {
		t.Fatalf("summary %q, want %q", got, want)
	}
	got := executed(tr)
	want := "r_monitor_0@node2 r_stop_0@node1 r_cancel_1000@node1 r_start_0@node1"
	if got != want {
		t.Errorf("executed\n  %s\nwant\n  %s", got, want)
	}
}

// TestImpliesFirstNeedsRequiredMembers checks the implies-first rule of an
// ordering's inverse (then's stop required => first's stop required): a
// collective 'first' is made required only when its flags as orderings
// see them are required, i.e. some member's own action is. A stopped
// group ordered after a clone whose instance stops keeps its stop and
// stopped pseudo-actions optional: they are not in the graph.
func TestImpliesFirstNeedsRequiredMembers(t *testing.T) {
	stoppedRole := `<meta_attributes id="gm"><nvpair id="gm-tr" name="target-role" value="Stopped"/></meta_attributes>`
	g := `<group id="g">` + stoppedRole + prim("g1", "") + prim("g2", "") + `</group>`
	xml := cloneCIB(clone()+g,
		`<rsc_location id="ban" rsc="cl" node="node1" score="-INFINITY"/><rsc_order id="o" first="cl" then="g"/>`,
		history(1, map[string][]op{"c": started, "g1": stopped, "g2": stopped}, "c", "g1", "g2"),
		history(2, map[string][]op{"c": started, "g1": stopped, "g2": stopped}, "c", "g1", "g2"))
	got := executed(schedule(t, xml))
	if !strings.Contains(got, "c:0_stop_0@node1") && !strings.Contains(got, "c:1_stop_0@node1") {
		t.Fatalf("executed %q: the instance on node1 does not stop", got)
	}
	for _, not := range []string{"g_stop_0", "g_stopped_0"} {
		if strings.Contains(got, not) {
			t.Errorf("executed %q has %s: the stopped group's pseudo-actions are optional", got, not)
		}
	}
}

// TestFailedPromoteDemoteRoles checks unpack_rsc_op_failure's roles: a
// failed demote leaves the instance Unpromoted (Stopped if it returned
// "not running"), failed and active, so it is recovered; a failed
// promote leaves it Promoted and failed. Neither leaves it unknown (to
// be probed and started as if it never ran).
func TestFailedPromoteDemoteRoles(t *testing.T) {
	tests := []struct {
		name, summary, status string
	}{
		{"failed demote: recovered as Unpromoted", "Recover", "FAILED node2"},
		{"demote found it not running: stopped, started again", "Start", ""},
		{"failed promote: Promoted and failed", "Recover", "FAILED Promoted node2"},
	}
	ops := [][]op{{{"demote", 0, 1, 3}}, {{"demote", 0, 7, 3}}, {{"start", 0, 0, 2}, {"promote", 0, 1, 3}}}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			xml := cloneCIB(clone("promotable", "true"), "",
				history(1, map[string][]op{"c": started}, "c"), history(2, map[string][]op{"c": ops[i]}, "c"))
			tr := schedule(t, xml)
			got := summary(tr)
			if !strings.Contains(got, tc.summary+" c:") || !strings.Contains(got, "node2") {
				t.Errorf("summary %q, want %s of an instance on node2", got, tc.summary)
			}
			out := simulated(t, tr)
			if tc.status != "" && !strings.Contains(out, tc.status) {
				t.Errorf("status lacks %q:\n%s", tc.status, out)
			}
			if strings.Contains(executed(tr), "monitor_0@node2") {
				t.Errorf("executed %q probes node2, where the history is known", executed(tr))
			}
		})
	}
}

// TestUnmanagedPromotedKeepsItsPlace checks set_sort_index_to_node_score:
// an unmanaged instance that stays Promoted (its demote failed with
// on-fail=block) keeps the first place in the promotion order, so it
// uses up promoted-max and no other instance is promoted, even where the
// node's score would rank it last (its node banned by a location here).
func TestUnmanagedPromotedKeepsItsPlace(t *testing.T) {
	cl := `<clone id="cl"><meta_attributes id="clm"><nvpair id="clm-p" name="promotable" value="true"/></meta_attributes>` +
		`<primitive id="c" class="ocf" provider="heartbeat" type="Dummy"><operations>` +
		`<op id="c-demote" name="demote" interval="0" on-fail="block"/></operations></primitive></clone>`
	node1 := history(1, map[string][]op{"c": {{"start", 0, 0, 2}, {"promote", 0, 0, 3}, {"demote", 0, 1, 4}}}, "c")
	node2 := strings.Replace(history(2, map[string][]op{"c": started}, "c"), "</node_state>",
		`<transient_attributes id="2"><instance_attributes id="st2"><nvpair id="st2-m" name="master-c" value="5"/></instance_attributes></transient_attributes></node_state>`, 1)
	tr := schedule(t, cloneCIB(cl, `<rsc_location id="ban" rsc="cl" node="node1" score="-INFINITY"/>`, node1, node2))
	if got := summary(tr); strings.Contains(got, "Promote") {
		t.Errorf("summary %q: nothing may be promoted while the blocked instance stays Promoted", got)
	}
	if out := simulated(t, tr); !strings.Contains(out, "FAILED Promoted node1 (blocked)") {
		t.Errorf("status:\n%s", out)
	}
}

// TestHardStopFailureUnfenceable checks check_recoverable and what crm_mon
// shows of it. A stop that failed hard (rc 2-6: invalid or missing
// configuration, privileges, not installed) can be recovered only by
// fencing; with no fence device the resource is blocked (unmanaged). An
// ordinary stop failure (rc 1) is not blocked by that rule. A clone whose
// only active instance is such a blocked one on a node that is down has
// no node of its own (native_add_running adds an unmanaged member's node
// to its parents only while the node is online), so it is not listed.
// (Each expectation checked against crm_simulate 2.1.5 on the same CIB.)
func TestHardStopFailureUnfenceable(t *testing.T) {
	fencingOn := strings.Replace(head, `name="stonith-enabled" value="false"`, `name="stonith-enabled" value="true"`, 1)
	down := func(s string) string {
		return strings.Replace(s, `in_ccm="true" crmd="online" join="member" expected="member"`, `crmd="offline" join="down"`, 1)
	}
	build := func(rc int, node1 []op) string {
		node2 := down(history(2, map[string][]op{"c": {{"start", 0, 0, 2}, {"stop", 0, rc, 3}}}, "c"))
		return fencingOn + `<resources>` + clone() + `</resources><constraints/></configuration>` +
			withStatus(history(1, map[string][]op{"c": node1}, "c"), node2)
	}
	out := simulated(t, schedule(t, build(5, stopped)))
	if !strings.Contains(out, "1 BLOCKED") {
		t.Errorf("a stop that failed with 'not installed' on an unfenceable node is not blocked:\n%s", out)
	}
	if strings.Contains(out, "Clone Set: cl") || !strings.Contains(out, "* No resources") {
		t.Errorf("the clone is listed though its only active instance is blocked on a node that is down:\n%s", out)
	}
	out = simulated(t, schedule(t, build(1, stopped)))
	if strings.Contains(out, "BLOCKED") || !strings.Contains(out, "Clone Set: cl") {
		t.Errorf("an ordinary stop failure: want it listed and not blocked:\n%s", out)
	}
	// With another instance running the clone is listed: the blocked
	// instance on its own line, and its node, not the clone's, in the
	// Stopped list.
	out = simulated(t, schedule(t, build(5, started)))
	cur := out[:strings.Index(out, "Transition Summary")]
	if !strings.Contains(cur, "Started node2 (UNCLEAN, blocked)") || !strings.Contains(cur, "Stopped: [ node2 ]") {
		t.Errorf("clone with a running instance and a blocked one on a node that is down:\n%s", cur)
	}
}

// TestPromotionScoresInAssignment checks pcmk__add_promotion_scores: before
// a promotable clone's instances are assigned, each instance's positive
// promotion score on a node (where it applies: at cluster start, before
// any probe, on every allowed node) is added to its score there, and its
// highest one becomes its priority. With promoted-max 2 and
// promoted-node-max 1 over two nodes, the instances with the higher scores
// get assigned first and promoted, one per node.
func TestPromotionScoresInAssignment(t *testing.T) {
	attrs := func(n string, kv ...string) string {
		s := `<node_state id="` + n + `" uname="node` + n + `" in_ccm="true" crmd="online" join="member" expected="member"><transient_attributes id="t` + n + `"><instance_attributes id="ta` + n + `">`
		for i := 0; i+1 < len(kv); i += 2 {
			s += `<nvpair id="ta` + n + kv[i] + `" name="` + kv[i] + `" value="` + kv[i+1] + `"/>`
		}
		return s + `</instance_attributes></transient_attributes></node_state>`
	}
	cl := clone("promotable", "true", "clone-max", "4", "clone-node-max", "2", "promoted-max", "2", "globally-unique", "true")
	tr := schedule(t, cloneCIB(cl, "",
		attrs("1", "master-c:0", "20", "master-c:2", "10"), attrs("2", "master-c:1", "10", "master-c:3", "20")))
	want := map[string]cib.Score{"c:0@node1": 20, "c:2@node1": 10, "c:1@node2": 10, "c:3@node2": 20}
	for _, s := range tr.Scores() {
		if s.Stage != "pcmk__clone_allocate" {
			continue
		}
		if w, ok := want[s.Rsc+"@"+s.Node]; ok && s.Score != w {
			t.Errorf("%s on %s: clone_allocate score %v, want %v (promotion score added)", s.Rsc, s.Node, s.Score, w)
		}
	}
	got := summary(tr)
	for _, w := range []string{"Promote c:0", "Promote c:3"} {
		if !strings.Contains(got, w) {
			t.Errorf("summary %q lacks %s", got, w)
		}
	}
}

// TestOtherFailuresAndRestartType checks two rules of older CIBs (both
// compared with crm_simulate 2.1.5 on these CIBs): a failed operation of
// any other task (here a "fail" with rc 60) is a failure of an active
// resource, recovered in place; and with the deprecated meta-attribute
// restart-type=restart on 'then', an optional ordering restarts 'then'
// when 'first' restarts (handle_restart_type).
func TestOtherFailuresAndRestartType(t *testing.T) {
	sticky := `<nvpair id="m-b-st" name="resource-stickiness" value="100"/>`
	restartType := `<meta_attributes id="m-b"><nvpair id="m-b-rt" name="restart-type" value="restart"/>` + sticky + `</meta_attributes>`
	build := func(meta string) string {
		return head + `<resources>` + prim("a", "") + prim("b", meta) + `</resources><constraints>` +
			`<rsc_order id="ord" first="a" then="b" kind="Optional"/></constraints></configuration>` +
			withStatus(history(1, map[string][]op{"a": {{"start", 0, 0, 1}, {"fail", 0, 60, 2}}, "b": {{"start", 0, 0, 3}}}, "a", "b"), history(2, map[string][]op{"a": stopped, "b": stopped}, "a", "b"))
	}
	got := summary(schedule(t, build(restartType)))
	if !strings.Contains(got, "Recover a node1") || !strings.Contains(got, "Restart b node1") {
		t.Errorf("with restart-type=restart: summary %q, want a recovered and b restarted", got)
	}
	got = summary(schedule(t, build(`<meta_attributes id="m-b">`+sticky+`</meta_attributes>`)))
	if !strings.Contains(got, "Recover a node1") || strings.Contains(got, "b ") {
		t.Errorf("without: summary %q, want a recovered and b left alone", got)
	}
}

// TestPromotableGroupRoles checks a promotable clone of a group: the
// instance chosen for promotion has every member promoted
// (set_next_role_promoted reaches the members, so a member that is only
// now starting is promoted too, and the one already Promoted is not
// restarted); and a group's next role is its members' highest
// (group_resource_state), so an instance with a member that cannot run is
// not promoted. (Both transition summaries checked against crm_simulate
// 2.1.5; in the second, crm_simulate leaves the group's and the clone's
// demoted pseudo-actions out of the graph and pacer runs them: a known
// difference.)
func TestPromotableGroupRoles(t *testing.T) {
	g := `<clone id="ms"><meta_attributes id="msm"><nvpair id="msm-p" name="promotable" value="true"/><nvpair id="msm-u" name="globally-unique" value="true"/>` +
		`<nvpair id="msm-mx" name="clone-max" value="1"/></meta_attributes><group id="g">` + prim("a", "") + prim("b", "") + `</group></clone>`
	promo := `<rsc_location id="lp" rsc="ms"><rule id="lp-r" role="Promoted" score="100"><expression id="lp-e" attribute="#uname" operation="eq" value="node1"/></rule></rsc_location>`
	node1 := history(1, map[string][]op{"a:0": {{"start", 0, 0, 2}, {"promote", 0, 0, 3}}}, "a:0")
	tr := schedule(t, cloneCIB(g, promo, node1, history(2, nil)))
	got := summary(tr)
	if !strings.Contains(got, "Promote b:0") || strings.Contains(got, "a:0") {
		t.Errorf("summary %q: want b:0 started and promoted with a:0 left Promoted", got)
	}
	// b is to be stopped (target-role): the group's next role is
	// Stopped, so the instance is not promoted and a is demoted.
	stopped := strings.Replace(g, prim("b", ""), prim("b", `<meta_attributes id="bm"><nvpair id="bm-t" name="target-role" value="Stopped"/></meta_attributes>`), 1)
	got = summary(schedule(t, cloneCIB(stopped, promo, node1, history(2, nil))))
	if strings.Contains(got, "Promote ") || !strings.Contains(got, "Demote a:0") {
		t.Errorf("summary %q: want no promotion and a:0 demoted", got)
	}
}

// TestPromotableGroupCurrentRole checks set_current_role_unpromoted: the
// Started members of a promotable cloned group's instance count as
// Unpromoted (its current role is its members' highest), so a stop is
// shown from Unpromoted. (Checked against crm_simulate 2.1.5.)
func TestPromotableGroupCurrentRole(t *testing.T) {
	g := `<clone id="ms"><meta_attributes id="msm"><nvpair id="msm-p" name="promotable" value="true"/><nvpair id="msm-u" name="globally-unique" value="true"/>` +
		`<nvpair id="msm-mx" name="clone-max" value="1"/></meta_attributes><group id="g">` + prim("a", "") + prim("b", "") + `</group></clone>`
	node1 := history(1, map[string][]op{"a:0": started, "b:0": started}, "a:0", "b:0")
	tr := schedule(t, cloneCIB(g, `<rsc_location id="ban" rsc="ms" node="node1" score="-INFINITY"/><rsc_location id="ban2" rsc="ms" node="node2" score="-INFINITY"/>`, node1, history(2, nil)))
	for _, l := range tr.Summary {
		if l.Change == "Stop" && !strings.Contains(l.Details, "Unpromoted") {
			t.Errorf("%s %s %s: want the stop shown from Unpromoted", l.Change, l.Rsc, l.Details)
		}
	}
	if got := summary(tr); !strings.Contains(got, "Stop a:0") || !strings.Contains(got, "Stop b:0") {
		t.Errorf("summary %q: want both members stopped", got)
	}
}

// TestPositiveMergeMarksNodeUnusable checks add_node_scores_matching_attr's
// positive-only merge (a dependent colocated with the Promoted role
// weighing in on the promotion order): a node with a positive score that
// the dependent's -INFINITY there would make negative is marked unusable
// and ends at 1, not left as it was. So the instance on the node the
// dependent can use is promoted, though its promotion score is lower.
// (Checked against crm_simulate 2.1.5.)
func TestPositiveMergeMarksNodeUnusable(t *testing.T) {
	attr := func(n, v string) string {
		return strings.Replace(history(mustAtoi(n), map[string][]op{"c": started}, "c"), "</node_state>",
			`<transient_attributes id="t`+n+`"><instance_attributes id="ta`+n+`"><nvpair id="ta`+n+`m" name="master-c" value="`+v+`"/></instance_attributes></transient_attributes></node_state>`, 1)
	}
	cons := `<rsc_location id="d-not-2" rsc="d" node="node2" score="-INFINITY"/>` +
		`<rsc_colocation id="d-with-promoted" rsc="d" with-rsc="cl" with-rsc-role="Promoted" score="INFINITY"/>`
	tr := schedule(t, cloneCIB(clone("promotable", "true")+prim("d", ""), cons, attr("1", "50"), attr("2", "75")))
	got := summary(tr)
	if !strings.Contains(got, "Promote c:0 Unpromoted -> Promoted node1") || !strings.Contains(got, "Start d node1") {
		t.Errorf("summary %q: want the instance on node1 promoted and d started there", got)
	}
}

func mustAtoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// TestColocationWithUnpromotedRole: a colocation with a promotable clone's
// Unpromoted role is a role-specific colocation like one with Promoted
// (pcmk__update_dependent_with_promotable): "never with Unpromoted" bans
// only the nodes where an instance will be Unpromoted, so a resource
// wanted with the Promoted instance and never with an Unpromoted one
// starts where the Promoted instance is. (Checked against crm_simulate
// 2.1.5.)
func TestColocationWithUnpromotedRole(t *testing.T) {
	attr := func(n, v string) string {
		return strings.Replace(history(mustAtoi(n), map[string][]op{"c": started}, "c"), "</node_state>",
			`<transient_attributes id="t`+n+`"><instance_attributes id="ta`+n+`"><nvpair id="ta`+n+`m" name="master-c" value="`+v+`"/></instance_attributes></transient_attributes></node_state>`, 1)
	}
	cons := `<rsc_colocation id="d-with-promoted" rsc="d" with-rsc="cl" with-rsc-role="Promoted" score="INFINITY"/>` +
		`<rsc_colocation id="d-never-unpromoted" rsc="d" with-rsc="cl" with-rsc-role="Unpromoted" score="-INFINITY"/>`
	got := summary(schedule(t, cloneCIB(clone("promotable", "true")+prim("d", ""), cons, attr("1", "50"), attr("2", "75"))))
	if !strings.Contains(got, "Promote c:1 Unpromoted -> Promoted node2") || !strings.Contains(got, "Start d node2") {
		t.Errorf("summary %q: want c:1 promoted on node2 and d started there", got)
	}
}

// TestOperationsByReference: an <operations id-ref="X"/> stands for the
// <operations id="X"> block of another resource (expand_idref), so the
// recurring monitor it defines is known and not cancelled as an orphan.
func TestOperationsByReference(t *testing.T) {
	ops := `<operations id="shared-ops"><op id="shared-mon" name="monitor" interval="5s"/></operations>`
	rscs := `<primitive id="a" class="ocf" provider="heartbeat" type="Dummy">` + ops + `</primitive>` +
		`<primitive id="b" class="ocf" provider="heartbeat" type="Dummy"><operations id-ref="shared-ops"/></primitive>`
	node1 := history(1, map[string][]op{"a": {{"start", 0, 0, 1}, {"monitor", 5000, 0, 2}}, "b": {{"start", 0, 0, 3}, {"monitor", 5000, 0, 4}}}, "a", "b")
	got := executed(schedule(t, cloneCIB(rscs, "", node1, history(2, map[string][]op{"a": stopped, "b": stopped}, "a", "b"))))
	if strings.Contains(got, "cancel") {
		t.Errorf("executed %q: the referenced monitor was cancelled as an orphan", got)
	}
}

// TestMaskedProbeFailure checks pcmk_xe_mask_probe_failure: a probe that
// found the agent not installed (rc 5) or its parameters invalid (rc 2)
// means "not running" there (not a failure to recover), and the resource
// is banned from that node. (Checked against crm_simulate 2.1.5.)
func TestMaskedProbeFailure(t *testing.T) {
	for _, rc := range []int{5, 2} {
		node1 := history(1, map[string][]op{"r": {{"monitor", 0, rc, 1}}}, "r")
		tr := schedule(t, cloneCIB(prim("r", ""), `<rsc_location id="pref" rsc="r" node="node1" score="100"/>`, node1, history(2, map[string][]op{"r": stopped}, "r")))
		if got := summary(tr); got != "Start r node2" {
			t.Errorf("probe rc %d on node1: summary %q, want r started on node2", rc, got)
		}
		if out := simulated(t, tr); strings.Contains(out, "FAILED") {
			t.Errorf("probe rc %d shown as a failure:\n%s", rc, out)
		}
	}
}

// TestDemoteOnFailDefault checks unpack_operation's default for demote: a
// demote with no on-fail of its own takes the explicit on-fail of the
// Promoted role's recurring monitor, so with on-fail=stop there a failed
// demote stops instead of recovering; and a failure whose role after
// failure is Stopped bans an anonymous clone's instance's whole clone
// (unpack_rsc_op_failure), so the healthy instance stops too. (Checked
// against crm_simulate 2.1.5.)
func TestDemoteOnFailDefault(t *testing.T) {
	cl := `<clone id="cl"><meta_attributes id="clm"><nvpair id="clm-p" name="promotable" value="true"/></meta_attributes>` +
		`<primitive id="c" class="ocf" provider="heartbeat" type="Dummy"><operations>` +
		`<op id="c-mon-p" name="monitor" interval="10s" role="Promoted" on-fail="stop"/>` +
		`<op id="c-mon-u" name="monitor" interval="20s" role="Unpromoted"/></operations></primitive></clone>`
	node2 := history(2, map[string][]op{"c": {{"start", 0, 0, 2}, {"promote", 0, 0, 3}, {"demote", 0, 1, 4}}}, "c")
	got := summary(schedule(t, cloneCIB(cl, "", history(1, map[string][]op{"c": started}, "c"), node2)))
	if !strings.Contains(got, "Stop c:0") || !strings.Contains(got, "Stop c:1") || strings.Contains(got, "Recover") {
		t.Errorf("summary %q: want both instances stopped (on-fail=stop of an anonymous clone's instance), none recovered", got)
	}
}

// TestMemberReasonFollowsSettledOrderings checks the end of
// pcmk__update_ordered_actions: a group member's action that an ordering
// changed has its own orderings updated at once, before the next member.
// Group g2 after g1, which cannot run: a's start becomes unrunnable, which
// makes a's stop and then a's start required, so b's start is first made
// required by a's start (its recorded reason) before it is made
// unrunnable. Only the first reason is kept; a group action's flags
// following its members' are not a change of its own. (Checked against
// crm_simulate 2.1.5.)
func TestMemberReasonFollowsSettledOrderings(t *testing.T) {
	g1 := `<group id="g1">` + prim("x1", "") + prim("x2", disabled) + `</group>`
	g2 := `<group id="g2">` + prim("a", "") + prim("b", "") + `</group>`
	xml := cloneCIB(g1+g2, `<rsc_order id="o" first="g1" then="g2"/><rsc_location id="l" rsc="g2" node="node1" score="100"/>`,
		history(1, map[string][]op{"x1": started, "x2": stopped, "a": started, "b": started}, "x1", "x2", "a", "b"),
		history(2, map[string][]op{"x1": stopped, "x2": stopped, "a": stopped, "b": stopped}, "x1", "x2", "a", "b"))
	tr := schedule(t, xml)
	var got []string
	for _, l := range tr.Summary {
		got = append(got, l.Change+" "+l.Rsc+": "+l.Reason)
	}
	want := []string{"Stop a: due to unrunnable g1 running", "Stop b: due to required a start"}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("summary %q, want %q", got, want)
	}
}

package scheduler_test

import (
	"strings"
	"testing"
)

// TestAnonymousCloneOrphan checks create_anonymous_orphan: history of an
// anonymous clone on a node where every instance is already active
// elsewhere (clone-max lowered, or more histories than instances) gets a
// new instance beyond clone-max, flagged orphaned: if it runs it is
// stopped and shown on its own line as ORPHANED, it is never cleaned up
// (deleted) like a resource gone from the configuration, and its state
// on that node counts as known, so the clone is not probed there again.
func TestAnonymousCloneOrphan(t *testing.T) {
	tests := []struct {
		name        string
		node2       []op
		summary     string
		wantExec    []string
		notExec     []string
		wantDisplay string
	}{
		{"running beyond clone-max is stopped", started,
			"Stop c:1 node2",
			[]string{"c:1_stop_0@node2"}, []string{"delete"},
			"c\t(ocf:heartbeat:Dummy):\t ORPHANED Started node2"},
		{"stopped beyond clone-max is known, not probed", stopped,
			"", nil, []string{"c_monitor_0@node2", "delete"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			xml := cloneCIB(clone("clone-max", "1"), "",
				history(1, map[string][]op{"c": started}, "c"), history(2, map[string][]op{"c": tc.node2}, "c"))
			tr := schedule(t, xml)
			if got := summary(tr); strings.TrimSpace(got) != tc.summary {
				t.Errorf("summary %q, want %q", got, tc.summary)
			}
			got := executed(tr)
			for _, w := range tc.wantExec {
				if !strings.Contains(got, w) {
					t.Errorf("executed %q lacks %s", got, w)
				}
			}
			for _, w := range tc.notExec {
				if strings.Contains(got, w) {
					t.Errorf("executed %q has %s", got, w)
				}
			}
			if tc.wantDisplay != "" {
				if out := simulated(t, tr); !strings.Contains(out, tc.wantDisplay) {
					t.Errorf("status lacks %q:\n%s", tc.wantDisplay, out)
				}
			}
		})
	}
}

// TestHistoryUnderCollectiveID: history kept under the id that is now a
// clone's (a primitive renamed and cloned) belongs to no configured
// resource: it is an orphan primitive, cleaned up (deleted) when
// stopped, and it does not hide the clone of the same id.
func TestHistoryUnderCollectiveID(t *testing.T) {
	old := strings.Replace(history(1, map[string][]op{"cl": {{"stop", 0, 0, 3}}}, "cl"), `id="cl_stop_0"`, `id="cl_last_0"`, 1)
	tr := schedule(t, cloneCIB(clone(), "", old, failNode("2")))
	got := executed(tr)
	for _, w := range []string{"cl_delete_0@node1", "c:0_start_0@node1", "cl_running_0"} {
		if !strings.Contains(got, w) {
			t.Errorf("executed %q lacks %s", got, w)
		}
	}
}

// TestAnonymousFailCountNames checks generate_fail_regex for anonymous
// clones: a fail count recorded with an instance number
// (fail-count-c:0, from the instance that failed, or from when the clone
// was globally unique) counts for every instance of the clone on that
// node, so migration-threshold bans the clone there; a primitive's
// fail count must match its id exactly.
func TestAnonymousFailCountNames(t *testing.T) {
	mt := `<meta_attributes id="m"><nvpair id="mt" name="migration-threshold" value="1"/></meta_attributes>`
	cl := `<clone id="cl"><meta_attributes id="clm"><nvpair id="clm1" name="clone-max" value="1"/></meta_attributes>` + prim("c", mt) + `</clone>`
	loc := `<rsc_location id="l" rsc="cl" node="node1" score="100"/>`
	tests := []struct{ name, attr, want string }{
		{"numbered attribute", "fail-count-c:0", "Start c:0 node2"},
		{"numbered per-op attribute", "fail-count-c:3#monitor_10000", "Start c:0 node2"},
		{"plain attribute", "fail-count-c", "Start c:0 node2"},
		{"another resource's", "fail-count-cx:0", "Start c:0 node1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := schedule(t, cloneCIB(cl, loc, failNode("1", tc.attr, "1"), failNode("2")))
			if got := summary(tr); got != tc.want {
				t.Errorf("summary %q, want %q", got, tc.want)
			}
		})
	}
}

// TestHistoryCheckedByName checks pcmk__rscs_matching_id: a history
// entry is checked against every primitive of that id, not only the one
// it was unpacked into. Entry "c:0" on node2, stopped, with another
// agent type, where the only instance c:0 is active on node1, became an
// orphan instance; it is still checked against the configured c:0, whose
// agent differs, so the history is cleaned up (deleted) on node2.
func TestHistoryCheckedByName(t *testing.T) {
	n1 := strings.ReplaceAll(history(1, map[string][]op{"c:0": started}, "c:0"), `type="Dummy"`, `type="Dummy"`)
	n2 := strings.Replace(history(2, map[string][]op{"c:0": stopped}, "c:0"), `type="Dummy"`, `type="Stateful"`, 1)
	tr := schedule(t, cloneCIB(clone("clone-max", "1"), "", n1, n2))
	if got := executed(tr); !strings.Contains(got, "c:0_delete_0@node2") {
		t.Errorf("executed %q: the history of c:0 on node2 was not cleaned up", got)
	}
}

// TestCloneStoppedListCountsListedInstances checks pe__clone_default's
// Stopped list: only instances collapsed into the Started (or Promoted)
// list count as active, so with a failed instance shown on its own the
// nodes running no instance are still listed as Stopped.
func TestCloneStoppedListCountsListedInstances(t *testing.T) {
	head3 := strings.Replace(head, `<node id="2" uname="node2"/>`, `<node id="2" uname="node2"/><node id="3" uname="node3"/>`, 1)
	failed := []op{{"monitor", 0, 7, 1}, {"start", 0, 0, 2}, {"monitor", 10000, 1, 3}}
	cl := `<clone id="cl"><meta_attributes id="clm"><nvpair id="clm1" name="clone-max" value="2"/></meta_attributes>` +
		`<primitive id="c" class="ocf" provider="heartbeat" type="Dummy"><operations><op id="cm" name="monitor" interval="10s"/></operations></primitive></clone>`
	node3 := `<node_state id="3" uname="node3" in_ccm="true" crmd="online" join="member" expected="member"/>`
	xml := head3 + `<resources>` + cl + `</resources><constraints/></configuration>` +
		withStatus(history(1, map[string][]op{"c": started}, "c"), history(2, map[string][]op{"c": failed}, "c"), node3)
	out := simulated(t, schedule(t, xml))
	cur := out[:strings.Index(out, "Transition Summary")]
	for _, want := range []string{"c\t(ocf:heartbeat:Dummy):\t FAILED node2", "Started: [ node1 ]", "Stopped: [ node3 ]"} {
		if !strings.Contains(cur, want) {
			t.Errorf("current status lacks %q:\n%s", want, cur)
		}
	}
}

// TestCloneInstanceOnUncleanNode checks pe__clone_default: an instance
// active on a node that is offline and unclean is shown on its own, as
// "(UNCLEAN)", not collapsed into the Started list.
func TestCloneInstanceOnUncleanNode(t *testing.T) {
	fenced := strings.Replace(head, `value="false"/>`, `value="true"/>`, 1)
	st := `<primitive id="st" class="stonith" type="fence_dummy"/>`
	down := strings.Replace(history(2, map[string][]op{"c": started}, "c"), `in_ccm="true" crmd="online"`, `in_ccm="false" crmd="offline"`, 1)
	xml := fenced + `<resources>` + st + clone() + `</resources><constraints/></configuration>` +
		withStatus(history(1, map[string][]op{"c": started, "st": started}, "st", "c"), down)
	out := simulated(t, schedule(t, xml))
	cur := out[:strings.Index(out, "Transition Summary")]
	for _, want := range []string{"c\t(ocf:heartbeat:Dummy):\t Started node2 (UNCLEAN)", "Started: [ node1 ]"} {
		if !strings.Contains(cur, want) {
			t.Errorf("current status lacks %q:\n%s", want, cur)
		}
	}
}

// TestTargetRoleAboveStarted checks get_target_role: target-role=Promoted
// on an instance of a promotable clone is left to the promotion scores
// (no score, no promotion), and on a resource that is not in a
// promotable clone it is ignored (the resource starts as usual).
func TestTargetRoleAboveStarted(t *testing.T) {
	promoted := `<meta_attributes id="m"><nvpair id="tr" name="target-role" value="Promoted"/></meta_attributes>`
	ms := `<clone id="ms"><meta_attributes id="msm"><nvpair id="msm1" name="promotable" value="true"/><nvpair id="msm2" name="clone-max" value="1"/></meta_attributes>` + prim("s", promoted) + `</clone>`
	tests := []struct{ name, rscs, want string }{
		{"promotable instance without a score", ms, "Start s:0 node1"},
		{"plain primitive", prim("a", promoted), "Start a node1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := schedule(t, cloneCIB(tc.rscs, ""))
			if got := summary(tr); got != tc.want {
				t.Errorf("summary %q, want %q", got, tc.want)
			}
		})
	}
}

// TestPromotableGroupMemberShownUnpromoted checks
// native_displayable_role: a started resource whose top-level resource
// is a promotable clone (here a member of a cloned group) shows as
// Unpromoted.
func TestPromotableGroupMemberShownUnpromoted(t *testing.T) {
	ms := `<clone id="ms"><meta_attributes id="msm"><nvpair id="msm1" name="promotable" value="true"/><nvpair id="msm2" name="globally-unique" value="true"/><nvpair id="msm3" name="clone-max" value="1"/></meta_attributes>` +
		`<group id="g">` + prim("m", "") + `</group></clone>`
	out := simulated(t, schedule(t, cloneCIB(ms, "", history(1, map[string][]op{"m:0": started}, "m:0"), history(2, map[string][]op{"m:0": stopped}, "m:0"))))
	cur := out[:strings.Index(out, "Transition Summary")]
	if want := "m:0\t(ocf:heartbeat:Dummy):\t Unpromoted node1"; !strings.Contains(cur, want) {
		t.Errorf("current status lacks %q:\n%s", want, cur)
	}
}

// TestPromotableGroupRolePseudoActions checks group_create_actions and
// group_internal_constraints for a group in a promotable clone: the
// group has demote/demoted (and promote/promoted) pseudo-actions, its
// members' demotes come between them, and the clone's demote comes
// first.
func TestPromotableGroupRolePseudoActions(t *testing.T) {
	ms := `<clone id="ms"><meta_attributes id="msm"><nvpair id="msm1" name="promotable" value="true"/><nvpair id="msm2" name="globally-unique" value="true"/><nvpair id="msm3" name="clone-max" value="1"/></meta_attributes>` +
		`<group id="g">` + prim("m", "") + `</group></clone>`
	wasPromoted := []op{{"monitor", 0, 7, 1}, {"start", 0, 0, 2}, {"promote", 0, 0, 3}}
	standby := strings.Replace(history(1, map[string][]op{"m:0": wasPromoted}, "m:0"), `<lrm id="1">`,
		`<transient_attributes id="t1"><instance_attributes id="ta1"><nvpair id="sb" name="standby" value="on"/></instance_attributes></transient_attributes><lrm id="1">`, 1)
	got := executed(schedule(t, cloneCIB(ms, "", standby, history(2, map[string][]op{"m:0": stopped}, "m:0"))))
	order := []string{"ms_demote_0", "g:0_demote_0", "m:0_demote_0@node1", "g:0_demoted_0", "ms_demoted_0"}
	last := -1
	for _, w := range order {
		i := strings.Index(got, w)
		if i < 0 || i < last {
			t.Fatalf("executed %q: want %v in that order", got, order)
		}
		last = i
	}
}

// TestQuorumOnlyInstanceOnUncleanNode checks find_anonymous_clone's rule
// for instances that do not need fencing (requires=quorum): one found
// active on an offline, unclean node does not use up an instance number
// (the clone does not run everywhere), it is an orphan, stopped by the
// fencing, so that another instance can start elsewhere; its stop
// pseudo-action is shown under the name its history was found under.
func TestQuorumOnlyInstanceOnUncleanNode(t *testing.T) {
	fenced := strings.Replace(head, `value="false"/>`, `value="true"/>`, 1)
	fenced = strings.Replace(fenced, `<node id="2" uname="node2"/>`, `<node id="2" uname="node2"/><node id="3" uname="node3"/>`, 1)
	st := `<primitive id="st" class="stonith" type="fence_dummy"/>`
	q := `<meta_attributes id="q"><nvpair id="q1" name="requires" value="quorum"/></meta_attributes>`
	cl := `<clone id="cl"><meta_attributes id="clm"><nvpair id="clm1" name="clone-max" value="2"/></meta_attributes>` + prim("c", q) + `</clone>`
	down := strings.Replace(history(2, map[string][]op{"c": started}, "c"), `in_ccm="true" crmd="online"`, `in_ccm="false" crmd="offline"`, 1)
	n3 := `<node_state id="3" uname="node3" in_ccm="true" crmd="online" join="member" expected="member"/>`
	tr := schedule(t, fenced+`<resources>`+st+cl+`</resources><constraints/></configuration>`+
		withStatus(history(1, map[string][]op{"c": started, "st": started}, "st", "c"), down, n3))
	if got := summary(tr); !strings.Contains(got, "Start c:1 node3") || !strings.Contains(got, "Stop c:2 node2") {
		t.Errorf("summary %q: want the unclean node's instance stopped as orphan c:2 and c:1 started on node3", got)
	}
	out := simulated(t, tr)
	if !strings.Contains(out, "Pseudo action:   c_stop_0") {
		t.Errorf("no pseudo stop under the history name c:\n%s", out)
	}
}

// TestAnonymousHistoryMatching checks find_anonymous_clone's order: a
// node's history entries are matched to instances in status order, each
// to the first instance not yet running anywhere (so a history named c:1
// may land on instance c:0), and a second entry on a node where the
// clone already runs is an orphan, even with inactive instances left. The
// instance then keeps the name its history runs under: the summary says
// instance c:1, the executed stop the history name c:0.
func TestAnonymousHistoryMatching(t *testing.T) {
	node2 := history(2, map[string][]op{"c:0": stopped, "c:1": started}, "c:0", "c:1")
	node1 := history(1, map[string][]op{"c:0": started, "c:1": stopped}, "c:0", "c:1")
	xml := cloneCIB(clone(), `<rsc_location id="ban" rsc="cl" node="node1" score="-INFINITY"/>`, node2, node1)
	tr := schedule(t, xml)
	if got, want := strings.TrimSpace(summary(tr)), "Stop c:1 node1"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	if got := executed(tr); !strings.Contains(got, "c:1_stop_0@node1") || strings.Contains(got, "@node2") {
		t.Errorf("executed %q: want instance c:1 stopped on node1, nothing on node2", got)
	}
	if out := simulated(t, tr); !strings.Contains(out, "Resource action: c:0             stop on node1") {
		t.Errorf("the stop on node1 is not shown under its history name c:0:\n%s", out)
	}
}

// TestExecNames checks add_resource_details: the node is given an
// anonymous clone instance by its instance-free id (with the history
// name, or the instance id, as the long id), so whichever DC places the
// instance its history on a node stays under one name; a primitive by
// its id.
func TestExecNames(t *testing.T) {
	tr := schedule(t, cloneCIB(clone()+prim("p", ""), ""))
	seen := map[string]bool{}
	for _, a := range tr.Execute() {
		if a.Task != "start" {
			continue
		}
		seen[a.Rsc] = true
		switch {
		case strings.HasPrefix(a.Rsc, "c:"):
			if a.ExecID != "c" || a.ExecLongID != a.Rsc {
				t.Errorf("%s: exec names %q/%q, want c/%s", a.Key, a.ExecID, a.ExecLongID, a.Rsc)
			}
		case a.Rsc == "p":
			if a.ExecID != "p" || a.ExecLongID != "" {
				t.Errorf("%s: exec names %q/%q, want p and none", a.Key, a.ExecID, a.ExecLongID)
			}
		}
	}
	if !seen["c:0"] || !seen["c:1"] || !seen["p"] {
		t.Fatalf("starts: %v", seen)
	}
	// An instance whose history is under a numbered name keeps it as the
	// long id.
	tr = schedule(t, cloneCIB(clone(), "", history(1, map[string][]op{"c:1": started}, "c:1")))
	for _, a := range tr.Execute() {
		if a.Task == "monitor" && a.Node == "node1" && a.Interval == 0 {
			t.Errorf("probe of a known instance: %s", a.Key)
		}
	}
	for _, a := range tr.Execute() {
		if a.Task == "start" && a.Node == "node2" && (a.ExecID != "c" || !strings.HasPrefix(a.ExecLongID, "c:")) {
			t.Errorf("%s on node2: exec names %q/%q", a.Key, a.ExecID, a.ExecLongID)
		}
	}
}

// TestOrphanManagement: with stop-orphan-resources=false a resource gone
// from the configuration is left alone (unmanaged), but an orphaned
// instance of a configured clone (beyond clone-max) is managed like the
// clone's other instances: it is stopped, and shown without
// "(unmanaged)". (Checked against crm_simulate 2.1.5.)
func TestOrphanManagement(t *testing.T) {
	keep := strings.Replace(head, `<nvpair id="o1" name="stonith-enabled" value="false"/>`,
		`<nvpair id="o1" name="stonith-enabled" value="false"/><nvpair id="o2" name="stop-orphan-resources" value="false"/>`, 1)
	xml := keep + `<resources>` + clone("clone-max", "1") + `</resources><constraints/></configuration>` +
		withStatus(history(1, map[string][]op{"c": started, "gone": started}, "c", "gone"), history(2, map[string][]op{"c": started}, "c"))
	tr := schedule(t, xml)
	out := simulated(t, tr)
	if !strings.Contains(out, "ORPHANED Started node2\n") {
		t.Errorf("the orphaned instance is not shown as managed:\n%s", out)
	}
	if !strings.Contains(out, "gone\t(ocf:heartbeat:Dummy):\t ORPHANED Started node1 (unmanaged)") {
		t.Errorf("the orphaned primitive is not shown unmanaged:\n%s", out)
	}
	if got := summary(tr); !strings.Contains(got, "Stop c:1 node2") || strings.Contains(got, "gone") {
		t.Errorf("summary %q: want the orphaned instance stopped and the orphaned primitive left alone", got)
	}
}

// TestNoScoresForOrphans: allocation scores are not shown for an orphaned
// instance (pe__show_node_weights_as skips orphans).
func TestNoScoresForOrphans(t *testing.T) {
	tr := schedule(t, cloneCIB(clone("clone-max", "1"), "",
		history(1, map[string][]op{"c": started}, "c"), history(2, map[string][]op{"c": started}, "c")))
	n := 0
	for _, s := range tr.Scores() {
		if s.Rsc == "c:1" {
			t.Errorf("score shown for the orphan: %+v", s)
		}
		if s.Rsc == "c:0" {
			n++
		}
	}
	if n == 0 {
		t.Errorf("no scores for c:0")
	}
}

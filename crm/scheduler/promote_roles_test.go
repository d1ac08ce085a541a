package scheduler_test

import (
	"strings"
	"testing"
)

// promotableCIB is a two-node cluster with a promotable clone "ms" of
// "p" (promoted-max 1), both instances running Unpromoted, the given
// promotion scores (master-p transient attributes) per node, and extra
// resources and constraints.
func promotableCIB(score1, score2, rscs, cons string) string {
	clone := `<clone id="ms"><meta_attributes id="msm"><nvpair id="msm1" name="promotable" value="true"/></meta_attributes>` + prim("p", "") + `</clone>`
	state := func(n int, score string) string {
		h := history(n, map[string][]op{"p": started}, "p")
		if score == "" {
			return h
		}
		return strings.Replace(h, `<lrm id=`, `<transient_attributes id="t`+score+`"><instance_attributes id="ta`+score+`"><nvpair id="tam`+score+`" name="master-p" value="`+score+`"/></instance_attributes></transient_attributes><lrm id=`, 1)
	}
	return head + `<resources>` + clone + rscs + `</resources><constraints>` + cons + `</constraints></configuration>` +
		withStatus(state(1, score1), state(2, score2))
}

// TestPromotable checks pcmk__set_instance_roles and the promote
// actions: the instance on the node with the higher promotion score is
// promoted; a role=Promoted location constraint adds to that score; no
// score at all promotes nothing; a resource colocated with the Promoted
// role follows the promoted instance.
func TestPromotable(t *testing.T) {
	promotedOnNode2 := `<rsc_location id="l" rsc="ms"><rule id="r" role="Promoted" score="100"><expression id="e" attribute="#uname" operation="eq" value="node2"/></rule></rsc_location>`
	tests := []struct {
		name, s1, s2, rscs, cons, want string
	}{
		{"higher score wins", "10", "5", "", "", "Promote p:0 Unpromoted -> Promoted node1"},
		{"promoted location", "10", "5", "", promotedOnNode2, "Promote p:1 Unpromoted -> Promoted node2"},
		{"no scores", "", "", "", "", ""},
		{"follower", "5", "10", prim("fs", ""), `<rsc_colocation id="c" rsc="fs" with-rsc="ms" with-rsc-role="Promoted" score="INFINITY"/>`,
			"Promote p:1 Unpromoted -> Promoted node2; Start fs node2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := schedule(t, promotableCIB(tc.s1, tc.s2, tc.rscs, tc.cons))
			if got := summary(tr); got != tc.want {
				t.Errorf("summary %q, want %q", got, tc.want)
			}
		})
	}
}

// TestOnFailDemote: a failed Promoted monitor with on-fail=demote is
// answered by demoting the instance (no stop, "Demote" in the summary),
// and the monitor of the new role waits for the demote.
func TestOnFailDemote(t *testing.T) {
	clone := `<clone id="ms"><meta_attributes id="msm"><nvpair id="msm1" name="promotable" value="true"/></meta_attributes>` +
		`<primitive id="p" class="ocf" provider="heartbeat" type="Dummy"><operations>` +
		`<op id="pm1" name="monitor" interval="10s" role="Promoted" on-fail="demote"/><op id="pm2" name="monitor" interval="11s" role="Unpromoted"/>` +
		`</operations></primitive></clone>`
	promotedFailed := []op{{"monitor", 0, 7, 1}, {"start", 0, 0, 2}, {"promote", 0, 0, 3}, {"monitor", 10000, 1, 4}}
	xml := head + `<resources>` + clone + `</resources><constraints/></configuration>` +
		withStatus(history(1, map[string][]op{"p": promotedFailed}, "p"), history(2, map[string][]op{"p": started}, "p"))
	tr := schedule(t, xml)
	if got := summary(tr); !strings.HasPrefix(got, "Demote p:0 Promoted -> Unpromoted node1") {
		t.Errorf("summary %q, want a Demote of p:0 first", got)
	}
	order := executed(tr)
	if d, m := strings.Index(order, "p:0_demote_0@node1"), strings.Index(order, "p:0_monitor_11000@node1"); d < 0 || m < d {
		t.Errorf("the Unpromoted monitor should follow the demote: %s", order)
	}
}

// TestInterleavedCloneWithPromotedRole checks clone_rsc_colocation_rh:
// a colocation of an interleaved clone with the Promoted role of a
// promotable clone is applied by role before any interleaving, so with
// no instance to be promoted (no promotion score) the dependent clone
// has nowhere to run.
func TestInterleavedCloneWithPromotedRole(t *testing.T) {
	ms := `<clone id="ms"><meta_attributes id="msm"><nvpair id="msm1" name="promotable" value="true"/></meta_attributes>` + prim("p", "") + `</clone>`
	dep := `<clone id="dc"><meta_attributes id="dcm"><nvpair id="dcm1" name="interleave" value="true"/></meta_attributes>` + prim("d", "") + `</clone>`
	cons := `<rsc_colocation id="dc-with-ms" rsc="dc" with-rsc="ms" with-rsc-role="Promoted" score="INFINITY"/>`
	tr := schedule(t, cloneCIB(ms+dep, cons))
	if got := summary(tr); strings.Contains(got, "Start d:") {
		t.Errorf("summary %q: the dependent clone started with nothing promoted", got)
	}
}

// TestCloneFlagsSeenFromANode checks action_flags_for_ordering: a
// clone's action, seen from an action on a node, has the flags of its
// instances' actions on that node. A promotion on node1 does not make
// the start of a resource already running on node2, ordered after the
// clone's promote, required (no restart there).
func TestCloneFlagsSeenFromANode(t *testing.T) {
	ms := `<clone id="ms"><meta_attributes id="msm"><nvpair id="msm1" name="promotable" value="true"/></meta_attributes>` + prim("p", "") + `</clone>`
	cons := `<rsc_order id="ms-then-a" first="ms" first-action="promote" then="a" then-action="start"/>` +
		`<rsc_location id="prom" rsc="ms" role="Promoted" node="node1" score="10"/><rsc_location id="a2" rsc="a" node="node2" score="10"/>`
	unprom := []op{{"monitor", 0, 7, 1}, {"start", 0, 0, 2}}
	tr := schedule(t, cloneCIB(ms+prim("a", ""), cons,
		history(1, map[string][]op{"p:0": unprom, "a": stopped}, "p:0", "a"), history(2, map[string][]op{"p:1": unprom, "a": started}, "p:1", "a")))
	got := summary(tr)
	if !strings.Contains(got, "Promote p:0") || strings.Contains(got, "Restart a") {
		t.Errorf("summary %q: want p:0 promoted and a left running", got)
	}
}

// TestClonedGroupFlagsSeenFromANode: the same for a clone of groups,
// where an instance's flags on a node come from its members' actions on
// that node (group_action_flags with a node): a member starting on
// node1 does not restart a resource on node2 ordered after the clone.
func TestClonedGroupFlagsSeenFromANode(t *testing.T) {
	cl := `<clone id="cl"><group id="g">` + prim("m", "") + `</group></clone>`
	cons := `<rsc_order id="cl-then-a" first="cl" then="a"/><rsc_location id="a2" rsc="a" node="node2" score="10"/>`
	tr := schedule(t, cloneCIB(cl+prim("a", ""), cons,
		history(1, map[string][]op{"m:0": stopped, "a": stopped}, "m:0", "a"), history(2, map[string][]op{"m:1": started, "a": started}, "m:1", "a")))
	got := summary(tr)
	if !strings.Contains(got, "node1") || strings.Contains(got, "Restart a") {
		t.Errorf("summary %q: want an instance started on node1 and a left running on node2", got)
	}
}

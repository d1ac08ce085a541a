package scheduler_test

import (
	"strings"
	"testing"

	"pacer/crm/scheduler"
)

// fencedCIB is a two-node cluster with fencing enabled and a fence
// device, rsc "a" started on node2 and node2 in the given node_state
// (attributes of node_state only; its history is added).
func fencedCIB(props, node2State, rscs string, node2Ops map[string][]op) string {
	h := strings.Replace(head, `value="false"/>`, `value="true"/>`+props, 1)
	conf := h + `<resources><primitive id="fence" class="stonith" type="fence_dummy"/>` + rscs + `</resources><constraints/></configuration>`
	n1 := strings.Replace(history(1, map[string][]op{"fence": started}, "fence"),
		`class="ocf" provider="heartbeat" type="Dummy"`, `class="stonith" type="fence_dummy"`, 1)
	var order []string
	for id := range node2Ops {
		order = append(order, id)
	}
	n2 := history(2, node2Ops, order...)
	n2 = strings.Replace(n2, `in_ccm="true" crmd="online" join="member" expected="member"`, node2State, 1)
	return conf + withStatus(n1, n2)
}

func fenceLines(tr *scheduler.Transition) string {
	var out []string
	for _, c := range tr.NodeChanges {
		out = append(out, c.Action+" "+c.Node+" '"+c.Reason+"'")
	}
	return strings.Join(out, "; ")
}

// TestFenceLostNode: a node that left the membership while a resource
// was active there is fenced (determine_online_status_fencing's reason);
// the resource's stop there becomes a pseudo-action implied by the
// fencing, and its start elsewhere runs only after the fencing.
func TestFenceLostNode(t *testing.T) {
	lost := `in_ccm="false" crmd="offline" join="member" expected="member"`
	tr := schedule(t, fencedCIB("", lost, prim("a", ""), map[string][]op{"a": started}))
	if got, want := fenceLines(tr), "Fence (reboot) node2 'peer is no longer part of the cluster'"; got != want {
		t.Errorf("fencing: %q, want %q", got, want)
	}
	if got, want := summary(tr), "Move a node2 -> node1"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	// The start must come after the fencing, the stop is a pseudo-action.
	order := executed(tr)
	if fi, si := strings.Index(order, "stonith-node2-reboot"), strings.Index(order, "a_start_0@node1"); fi < 0 || si < fi {
		t.Errorf("start before fencing: %s", order)
	}
	for _, a := range tr.Execute() {
		if a.Key == "a_stop_0" && a.Kind != scheduler.PseudoAction {
			t.Errorf("a's stop on the fenced node is %v, want a pseudo-action", a.Kind)
		}
	}
	out := simulated(t, tr)
	for _, want := range []string{"  * Fencing node2 (reboot)\n", "  * Pseudo action:   a_stop_0\n", "OFFLINE: [ node2 ]", "a\t(ocf:heartbeat:Dummy):\t Started node1"} {
		if !strings.Contains(out, want) {
			t.Errorf("simulated output lacks %q:\n%s", want, out)
		}
	}
}

// TestFenceAction: stonith-action names the fencing action; the
// deprecated "poweroff" means "off".
func TestFenceAction(t *testing.T) {
	lost := `in_ccm="false" crmd="offline" join="member" expected="member"`
	for _, tc := range []struct{ value, want string }{{"off", "off"}, {"poweroff", "off"}, {"reboot", "reboot"}} {
		props := `<nvpair id="sa" name="stonith-action" value="` + tc.value + `"/>`
		tr := schedule(t, fencedCIB(props, lost, prim("a", ""), map[string][]op{"a": started}))
		if got := fenceLines(tr); !strings.HasPrefix(got, "Fence ("+tc.want+") node2") {
			t.Errorf("stonith-action=%s: %q", tc.value, got)
		}
	}
}

// TestNoFencingWithoutMeans: without a fence device, or without quorum
// for a node outside this partition, the unclean node is not fenced and
// its resources cannot be recovered (their stops cannot run).
func TestNoFencingWithoutMeans(t *testing.T) {
	lost := `in_ccm="false" crmd="offline" join="member" expected="member"`
	noDevice := strings.Replace(fencedCIB("", lost, prim("a", ""), map[string][]op{"a": started}),
		`<primitive id="fence" class="stonith" type="fence_dummy"/>`, ``, 1)
	noDevice = strings.Replace(noDevice, `<lrm_resource id="fence" class="ocf" provider="heartbeat" type="Dummy"><lrm_rsc_op id="fence_monitor_0_0"`, `<lrm_resource id="fence" class="ocf" provider="heartbeat" type="Dummy"><lrm_rsc_op id="fence_monitor_0_0"`, 1)
	noQuorum := strings.Replace(fencedCIB("", lost, prim("a", ""), map[string][]op{"a": started}), `have-quorum="1"`, `have-quorum="0"`, 1)
	for name, xml := range map[string]string{"no device": noDevice, "no quorum": noQuorum} {
		tr := schedule(t, xml)
		if got := fenceLines(tr); got != "" {
			t.Errorf("%s: fencing %q, want none", name, got)
		}
		if strings.Contains(executed(tr), "a_start_0") {
			t.Errorf("%s: a started elsewhere without fencing: %s", name, executed(tr))
		}
	}
}

// TestOnFail: the on-fail of a failed operation decides the response
// (process_rsc_state): fence fences the node ('RSC failed there'),
// block leaves the resource blocked, standby puts the node in standby,
// stop stops the resource, and a failed stop fences by default when
// fencing is enabled.
func TestOnFail(t *testing.T) {
	failedStop := []op{{"monitor", 0, 7, 1}, {"start", 0, 0, 2}, {"stop", 0, 1, 3}}
	failedMonitor := []op{{"monitor", 0, 7, 1}, {"start", 0, 0, 2}, {"monitor", 10000, 1, 3}}
	withOp := func(name, interval, onFail string) string {
		return `<primitive id="a" class="ocf" provider="heartbeat" type="Dummy"><operations><op id="a-op" name="` + name + `" interval="` + interval + `"` + onFail + `/></operations></primitive>`
	}
	member := `in_ccm="true" crmd="online" join="member" expected="member"`
	tests := []struct {
		name, rsc string
		ops       []op
		fence     string // expected fencing line
		summary   string
	}{
		{"stop fails, default fence", prim("a", ""), failedStop, "Fence (reboot) node2 'a failed there'", "Recover a node2 -> node1"},
		{"on-fail=fence", withOp("monitor", "10s", ` on-fail="fence"`), failedMonitor, "Fence (reboot) node2 'a failed there'", "Recover a node2 -> node1"},
		{"on-fail=block", withOp("monitor", "10s", ` on-fail="block"`), failedMonitor, "", ""},
		{"on-fail=stop", withOp("monitor", "10s", ` on-fail="stop"`), failedMonitor, "", "Stop a node2"},
		{"on-fail=standby", withOp("monitor", "10s", ` on-fail="standby"`), failedMonitor, "", "Recover a node2 -> node1"},
		{"on-fail=restart", withOp("monitor", "10s", ` on-fail="restart"`), failedMonitor, "", "Recover a node2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := schedule(t, fencedCIB("", member, tc.rsc, map[string][]op{"a": tc.ops}))
			if got := fenceLines(tr); got != tc.fence {
				t.Errorf("fencing %q, want %q", got, tc.fence)
			}
			if got := summary(tr); got != tc.summary {
				t.Errorf("summary %q, want %q", got, tc.summary)
			}
		})
	}
}

// TestUnrunnableReasonSameResource: an action made unrunnable by another
// action of the same resource takes no reason from it
// (clear_action_flag_because): the stop of a resource on a lost node
// that cannot be fenced (no quorum, no-quorum-policy=freeze) is just
// "blocked".
func TestUnrunnableReasonSameResource(t *testing.T) {
	lost := `in_ccm="false" crmd="offline" join="member" expected="member"`
	freeze := `<nvpair id="nq" name="no-quorum-policy" value="freeze"/>`
	xml := strings.Replace(fencedCIB(freeze, lost, prim("a", ""), map[string][]op{"a": started}), `have-quorum="1"`, `have-quorum="0"`, 1)
	tr := schedule(t, xml)
	if len(tr.Summary) != 1 || tr.Summary[0].Change != "Stop" || tr.Summary[0].Reason != "blocked" {
		t.Errorf("summary %+v, want one Stop line, reason \"blocked\"", tr.Summary)
	}
}

// TestFailedOnlyWhereActive: a failure in a resource's history makes it
// FAILED only while it is still active there; a failed start followed by
// a successful stop leaves it simply stopped.
func TestFailedOnlyWhereActive(t *testing.T) {
	member := `in_ccm="true" crmd="online" join="member" expected="member"`
	ops := []op{{"monitor", 0, 7, 1}, {"start", 0, 1, 2}, {"stop", 0, 0, 3}}
	tr := schedule(t, fencedCIB("", member, prim("a", ""), map[string][]op{"a": ops}))
	for _, r := range tr.CurrentStatus().Resources {
		if r.ID == "a" && r.Failed {
			t.Errorf("a is shown FAILED though it stopped after the failure")
		}
	}
}

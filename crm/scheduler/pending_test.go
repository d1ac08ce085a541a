package scheduler_test

import (
	"strings"
	"testing"
)

// TestPendingOps checks operations in flight (op-status -1): a pending
// start makes the resource active with its start still scheduled
// (pe_rsc_start_pending), shown as "Starting" and, once the simulated
// start has run, "Started" on that one node; a pending recurring monitor
// adds "(Monitoring)". A resource active nowhere shows the pending
// operation's node.
func TestPendingOps(t *testing.T) {
	state := func(op string) string {
		return `<node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member"><lrm id="1"><lrm_resources><lrm_resource id="a" class="ocf" provider="heartbeat" type="Dummy">` +
			op + `</lrm_resource></lrm_resources></lrm></node_state>` + failNode("2")
	}
	start := `<lrm_rsc_op id="a_start_0" operation="start" interval="0" rc-code="14" op-status="-1" call-id="-1" transition-key="1:1:0:x" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>`
	mon := `<lrm_rsc_op id="a_start_0" operation="start" interval="0" rc-code="0" op-status="0" call-id="2" transition-key="1:1:0:x" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>` +
		`<lrm_rsc_op id="a_monitor_10000" operation="monitor" interval="10000" rc-code="14" op-status="-1" call-id="-1" transition-key="1:1:0:x" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>`
	loc := `<rsc_location id="l" rsc="a" node="node1" score="100"/>`
	tests := []struct{ name, xml, current, revised string }{
		{"pending start", cloneCIB(prim("a", ""), loc, state(start)),
			"a\t(ocf:heartbeat:Dummy):\t Starting node1\n", "a\t(ocf:heartbeat:Dummy):\t Started node1\n"},
		{"pending monitor", cloneCIB(prim("a", ""), loc, state(mon)),
			"a\t(ocf:heartbeat:Dummy):\t Started node1 (Monitoring)\n", "a\t(ocf:heartbeat:Dummy):\t Started node1\n"},
		// The revised status is printed without pending operations
		// (crm_simulate prints it with no show options), and a
		// pending start whose entry no simulated result replaced
		// (an old-style id, a_start_0, not a_last_0) stays the last
		// word on its node, even after a simulated stop there.
		{"pending start outlives a stop", cloneCIB(prim("a", disabled), loc, state(start)),
			"a\t(ocf:heartbeat:Dummy):\t Starting node1 (disabled)\n", "a\t(ocf:heartbeat:Dummy):\t Started node1 (disabled)\n"},
		{"pending start under a_last_0 is replaced", cloneCIB(prim("a", disabled), loc, state(strings.Replace(start, `id="a_start_0"`, `id="a_last_0"`, 1))),
			"a\t(ocf:heartbeat:Dummy):\t Starting node1 (disabled)\n", "a\t(ocf:heartbeat:Dummy):\t Stopped (disabled)\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := simulated(t, schedule(t, tc.xml))
			i := strings.Index(out, "Revised Cluster Status")
			if !strings.Contains(out[:i], tc.current) {
				t.Errorf("current status lacks %q:\n%s", tc.current, out)
			}
			if !strings.Contains(out[i:], tc.revised) {
				t.Errorf("revised status lacks %q:\n%s", tc.revised, out)
			}
		})
	}
}

func TestPendingNodeShown(t *testing.T) {
	// A stop in flight for a resource found stopped: active nowhere,
	// it is shown on the node of the pending operation.
	st := `<node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member"><lrm id="1"><lrm_resources><lrm_resource id="a" class="ocf" provider="heartbeat" type="Dummy">` +
		`<lrm_rsc_op id="a_monitor_0" operation="monitor" interval="0" rc-code="7" op-status="0" call-id="1" transition-key="1:1:7:x" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>` +
		`<lrm_rsc_op id="a_stop_0" operation="stop" interval="0" rc-code="14" op-status="-1" call-id="-1" transition-key="1:1:0:x" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>` +
		`</lrm_resource></lrm_resources></lrm></node_state>` + failNode("2")
	out := simulated(t, schedule(t, cloneCIB(prim("a", ""), "", st)))
	if want := "a\t(ocf:heartbeat:Dummy):\t Stopping node1\n"; !strings.Contains(out, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
}

// TestPendingProbeIsNotKnown: a probe still in flight (op-status -1)
// does not make the resource's state known on that node, so the probe
// is scheduled again (process_rsc_state sets known_on only for a role).
func TestPendingProbeIsNotKnown(t *testing.T) {
	pending := `<node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member"><lrm id="1"><lrm_resources>` +
		`<lrm_resource id="a" class="ocf" provider="heartbeat" type="Dummy"><lrm_rsc_op id="a_monitor_0" operation="monitor" interval="0" rc-code="-1" op-status="-1" call-id="1" transition-key="1:1:7:x" transition-magic="-1:-1;1:1:7:x" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/></lrm_resource>` +
		`</lrm_resources></lrm></node_state>`
	xml := head + `<resources>` + prim("a", "") + `</resources><constraints/></configuration>` + withStatus(pending, history(2, map[string][]op{"a": stopped}, "a"))
	if got := executed(schedule(t, xml)); !strings.Contains(got, "a_monitor_0@node1") {
		t.Errorf("executed %q: no new probe on node1", got)
	}
}

// TestPendingOlderThanDoneOp checks sort_op_by_callid for a pending
// operation (call-id -1) against a completed one of the same transition
// series: they sort by transition number, so a start left pending by
// transition 8 comes before the stop transition 9 completed, and the
// resource is stopped there: nothing to stop.
func TestPendingOlderThanDoneOp(t *testing.T) {
	ops := `<lrm_rsc_op id="a_start_0" operation="start" interval="0" rc-code="-1" op-status="-1" call-id="-1" transition-key="1:8:0:u" transition-magic="-1:-1;1:8:0:u" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>` +
		`<lrm_rsc_op id="a_stop_0" operation="stop" interval="0" rc-code="0" op-status="0" call-id="5" transition-key="2:9:0:u" transition-magic="0:0;2:9:0:u" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>`
	st := `<node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member"><lrm id="1"><lrm_resources><lrm_resource id="a" class="ocf" provider="heartbeat" type="Dummy">` +
		ops + `</lrm_resource></lrm_resources></lrm></node_state>`
	tr := schedule(t, cloneCIB(prim("a", disabled), "", st, failNode("2")))
	if got := executed(tr); strings.Contains(got, "a_stop_0") {
		t.Errorf("executed %q: a is taken as active on node1 (its pending start sorted last)", got)
	}
}

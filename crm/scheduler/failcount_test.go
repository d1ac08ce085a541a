package scheduler_test

import (
	"strings"
	"testing"
	"time"

	"pacer/crm/cib/cibxml"
	"pacer/crm/scheduler"
)

// failNode renders node n's state with transient attributes.
func failNode(n string, attrs ...string) string {
	s := `<node_state id="` + n + `" uname="node` + n + `" in_ccm="true" crmd="online" join="member" expected="member"><transient_attributes id="t` + n + `"><instance_attributes id="ta` + n + `">`
	for i := 0; i+1 < len(attrs); i += 2 {
		s += `<nvpair id="ta` + n + attrs[i] + `" name="` + attrs[i] + `" value="` + attrs[i+1] + `"/>`
	}
	return s + `</instance_attributes></transient_attributes></node_state>`
}

// TestMigrationThreshold checks check_failure_threshold: a resource
// whose fail count on a node (fail-count-RSC and fail-count-RSC#op_ms
// summed) reaches migration-threshold is banned there, unless every
// failure is older than failure-timeout; an anonymous clone is banned as
// a whole.
func TestMigrationThreshold(t *testing.T) {
	meta := func(pairs string) string { return `<meta_attributes id="m">` + pairs + `</meta_attributes>` }
	mt := func(v string) string { return `<nvpair id="mt" name="migration-threshold" value="` + v + `"/>` }
	ft := `<nvpair id="ft" name="failure-timeout" value="60s"/>`
	loc := `<rsc_location id="l" rsc="a" node="node1" score="100"/>`
	tests := []struct{ name, xml, want string }{
		{"below the threshold stays", cloneCIB(prim("a", meta(mt("3"))), loc, failNode("1", "fail-count-a#start_0", "2"), failNode("2")),
			"Start a node1"},
		{"reaching it bans the node", cloneCIB(prim("a", meta(mt("3"))), loc, failNode("1", "fail-count-a#start_0", "2", "fail-count-a#monitor_10000", "1"), failNode("2")),
			"Start a node2"},
		{"legacy attribute name", cloneCIB(prim("a", meta(mt("1"))), loc, failNode("1", "fail-count-a", "1"), failNode("2")),
			"Start a node2"},
		{"no threshold, no ban", cloneCIB(prim("a", ""), loc, failNode("1", "fail-count-a", "5"), failNode("2")),
			"Start a node1"},
		{"expired failures are ignored", cloneCIB(prim("a", meta(mt("1")+ft)), loc, failNode("1", "fail-count-a", "1", "last-failure-a", "100"), failNode("2")),
			"Start a node1"},
		{"unexpired failures count", cloneCIB(prim("a", meta(mt("1")+ft)), loc, failNode("1", "fail-count-a", "1", "last-failure-a", "990"), failNode("2")),
			"Start a node2"},
		{"an anonymous clone is banned as a whole", cloneCIB(`<clone id="cl"><meta_attributes id="clm"><nvpair id="cm" name="clone-max" value="1"/><nvpair id="mt" name="migration-threshold" value="1"/></meta_attributes>`+prim("c", "")+`</clone>`,
			`<rsc_location id="l" rsc="cl" node="node1" score="100"/>`, failNode("1", "fail-count-c#start_0", "1"), failNode("2")),
			"Start c:0 node2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// "now" (the execution date) is 1000 s past the epoch.
			xml := strings.Replace(tc.xml, "<cib ", `<cib execution-date="1000" `, 1)
			if got := summary(schedule(t, xml)); got != tc.want {
				t.Errorf("summary %q, want %q", got, tc.want)
			}
		})
	}
}

// TestFailedMonitor checks remap_operation for a recurring monitor that
// returns "not running" (7) where its transition-key expected 0: a
// failure, the resource stays active (FAILED) and is recovered; where 7
// was expected, it is simply stopped.
func TestFailedMonitor(t *testing.T) {
	lrm := func(target string) string {
		return `<node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member"><lrm id="1"><lrm_resources><lrm_resource id="a" class="ocf" provider="heartbeat" type="Dummy">` +
			`<lrm_rsc_op id="a_start_0" operation="start" interval="0" rc-code="0" op-status="0" call-id="2" transition-key="1:1:0:x" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>` +
			`<lrm_rsc_op id="a_monitor_10000" operation="monitor" interval="10000" rc-code="7" op-status="4" call-id="3" transition-key="1:1:` + target + `:x" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>` +
			`</lrm_resource></lrm_resources></lrm></node_state>` + failNode("2")
	}
	tests := []struct{ name, target, want, status string }{
		{"unexpected: failed and recovered", "0", "Recover a node1", "FAILED node1"},
		{"expected: stopped", "7", "Start a node1", "a\t(ocf:heartbeat:Dummy):\t Stopped"},
	}
	// A monitor for role Stopped (expecting 7) that finds the resource
	// running (0) is a failure too.
	running := `<node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member"><lrm id="1"><lrm_resources><lrm_resource id="a" class="ocf" provider="heartbeat" type="Dummy">` +
		`<lrm_rsc_op id="a_monitor_20000" operation="monitor" interval="20000" rc-code="0" op-status="4" call-id="3" transition-key="1:1:7:x" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>` +
		`</lrm_resource></lrm_resources></lrm></node_state>` + failNode("2")
	if out := simulated(t, schedule(t, cloneCIB(prim("a", ""), "", running))); !strings.Contains(out, "FAILED node1") {
		t.Errorf("a running where a Stopped-role monitor expected it stopped is not FAILED:\n%s", out)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := schedule(t, cloneCIB(prim("a", ""), `<rsc_location id="l" rsc="a" node="node1" score="100"/>`, lrm(tc.target)))
			if got := summary(tr); got != tc.want {
				t.Errorf("summary %q, want %q", got, tc.want)
			}
			if out := simulated(t, tr); !strings.Contains(out, tc.status) {
				t.Errorf("status lacks %q:\n%s", tc.status, out)
			}
		})
	}
}

// TestClearFailcountOnDefinitionChange: a resource with a fail count
// whose operation's definition changed gets its fail count cleared
// (clear_failcount) so it is retried fresh (check_actions_for).
func TestClearFailcountOnDefinitionChange(t *testing.T) {
	changed := `<primitive id="a" class="ocf" provider="heartbeat" type="Dummy"><instance_attributes id="ia"><nvpair id="ia1" name="state" value="/x"/></instance_attributes></primitive>`
	n1 := strings.Replace(history(1, map[string][]op{"a": started}, "a"), `<lrm id=`,
		`<transient_attributes id="t1"><instance_attributes id="ta1"><nvpair id="fc" name="fail-count-a#monitor_10000" value="1"/></instance_attributes></transient_attributes><lrm id=`, 1)
	xml := head + `<resources>` + changed + `</resources><constraints/></configuration>` + withStatus(n1, history(2, map[string][]op{"a": stopped}, "a"))
	tr := schedule(t, xml)
	found := false
	for _, a := range tr.Actions {
		if a.Task == "clear_failcount" && a.Rsc == "a" && a.Node == "node1" && a.Kind == scheduler.ClusterAction {
			found = true
		}
	}
	if !found {
		t.Errorf("no clear_failcount for a on node1: %s", executed(tr))
	}
}

// TestLaterSuccessClearsFailure: a failure followed in the history by a
// successful start no longer makes the resource FAILED or recovered
// (update_resource_state's clear_past_failure).
func TestLaterSuccessClearsFailure(t *testing.T) {
	ops := []op{{"monitor", 0, 7, 1}, {"start", 0, 0, 2}, {"monitor", 10000, 1, 3}, {"stop", 0, 0, 4}, {"start", 0, 0, 5}}
	xml := head + `<resources>` + prim("a", "") + `</resources><constraints/></configuration>` +
		withStatus(history(1, map[string][]op{"a": ops}, "a"), history(2, map[string][]op{"a": stopped}, "a"))
	tr := schedule(t, xml)
	if got := summary(tr); got != "" {
		t.Errorf("summary %q, want nothing to do", got)
	}
	for _, r := range tr.CurrentStatus().Resources {
		if r.ID == "a" && r.Failed {
			t.Errorf("a shown FAILED after a successful restart")
		}
	}
}

// TestBlockedFailureNeverExpires: failure-timeout does not apply to a
// failure of an operation configured with on-fail=block (block_failure):
// the failure stays (FAILED, blocked) long after the timeout, while the
// same failure without on-fail=block expires and its fail count is
// cleared.
func TestBlockedFailureNeverExpires(t *testing.T) {
	rsc := func(onFail string) string {
		return `<primitive id="a" class="ocf" provider="heartbeat" type="Dummy"><meta_attributes id="am"><nvpair id="aft" name="failure-timeout" value="10"/></meta_attributes>` +
			`<operations><op id="am1" name="monitor" interval="10s"` + onFail + `/></operations></primitive>`
	}
	failed := `<lrm_resource id="a" class="ocf" provider="heartbeat" type="Dummy">` +
		`<lrm_rsc_op id="a_last_0" operation="start" interval="0" rc-code="0" op-status="0" call-id="2" transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x" last-rc-change="1000" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>` +
		`<lrm_rsc_op id="a_monitor_10000" operation="monitor" interval="10000" rc-code="1" op-status="4" call-id="3" transition-key="2:1:0:x" transition-magic="4:1;2:1:0:x" last-rc-change="1010" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/></lrm_resource>`
	n1 := `<node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member"><transient_attributes id="t1"><instance_attributes id="ta1">` +
		`<nvpair id="fc" name="fail-count-a#monitor_10000" value="1"/><nvpair id="lf" name="last-failure-a#monitor_10000" value="1010"/></instance_attributes></transient_attributes>` +
		`<lrm id="1"><lrm_resources>` + failed + `</lrm_resources></lrm></node_state>`
	for _, tc := range []struct {
		onFail      string
		wantFailed  bool
		wantClearFC bool
	}{{` on-fail="block"`, true, false}, {``, false, true}} {
		xml := head + `<resources>` + rsc(tc.onFail) + `</resources><constraints/></configuration>` + withStatus(n1, history(2, map[string][]op{"a": stopped}, "a"))
		c, err := cibxml.Read(strings.NewReader(xml), "test")
		if err != nil {
			t.Fatal(err)
		}
		tr, err := scheduler.Schedule(scheduler.Input{CIB: c, Now: time.Unix(100000, 0)})
		if err != nil {
			t.Fatal(err)
		}
		failedNow := false
		for _, r := range tr.CurrentStatus().Resources {
			if r.ID == "a" {
				failedNow = r.Failed
			}
		}
		cleared := strings.Contains(executed(tr), "a_clear_failcount_0")
		if failedNow != tc.wantFailed || cleared != tc.wantClearFC {
			t.Errorf("on-fail%q: failed=%v cleared=%v, want %v %v", tc.onFail, failedNow, cleared, tc.wantFailed, tc.wantClearFC)
		}
	}
}

// TestTimedOutOperationIsAFailure: an operation that timed out
// (op-status 2, rc -2) is a failure like an error.
func TestTimedOutOperationIsAFailure(t *testing.T) {
	h := history(1, map[string][]op{"a": {{"monitor", 0, 7, 1}, {"start", 0, 0, 2}, {"monitor", 10000, -2, 3}}}, "a")
	h = strings.Replace(h, `id="a_monitor_10000" operation="monitor" interval="10000" rc-code="-2" op-status="0"`, `id="a_monitor_10000" operation="monitor" interval="10000" rc-code="-2" op-status="2"`, 1)
	xml := head + `<resources>` + prim("a", "") + `</resources><constraints/></configuration>` + withStatus(h, history(2, map[string][]op{"a": stopped}, "a"))
	if got := summary(schedule(t, xml)); got != "Recover a node1" {
		t.Errorf("summary %q, want Recover a node1", got)
	}
}

// TestFailCountBeingClearedDoesNotBan checks check_failure_threshold's
// failcount_clear_action_exists: when the last failure was of a start
// whose parameters have changed since (so its fail count is cleared),
// the fail count that reached migration-threshold does not ban the
// node.
func TestFailCountBeingClearedDoesNotBan(t *testing.T) {
	st := failNode("1", "fail-count-a", "INFINITY", "last-failure-a", "100")
	st = strings.Replace(st, `</node_state>`, `<lrm id="1"><lrm_resources><lrm_resource id="a" class="ocf" provider="heartbeat" type="Dummy">`+
		`<lrm_rsc_op id="a_last_0" operation="stop" interval="0" rc-code="0" op-status="0" call-id="3" transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>`+
		`<lrm_rsc_op id="a_last_failure_0" operation="start" interval="0" rc-code="1" op-status="4" call-id="2" transition-key="1:1:0:x" transition-magic="4:1;1:1:0:x" op-digest="00000000000000000000000000000000"/>`+
		`</lrm_resource></lrm_resources></lrm></node_state>`, 1)
	loc := `<rsc_location id="l" rsc="a" node="node1" score="100"/>`
	tr := schedule(t, cloneCIB(prim("a", ""), loc, st, failNode("2")))
	if got := summary(tr); got != "Start a node1" {
		t.Errorf("summary %q, want a started on node1 (its fail count is being cleared)", got)
	}
	if got := executed(tr); !strings.Contains(got, "clear_failcount") {
		t.Errorf("executed %q: no clear_failcount", got)
	}
}

package scheduler_test

import (
	"strings"
	"testing"

	"pacer/crm/scheduler"
)

// TestShutdownWaitsForStops checks pcmk__order_stops_before_shutdown: a
// node shutting down gets do_shutdown after every stop on it, and a stop
// that cannot run (a resource blocked by an on-fail=block failure) keeps
// the shutdown from running too, rather than leaving it behind.
func TestShutdownWaitsForStops(t *testing.T) {
	block := `<operations><op id="am" name="monitor" interval="10s" on-fail="block"/></operations>`
	failedMon := []op{{"monitor", 0, 7, 1}, {"start", 0, 0, 2}, {"monitor", 10000, 1, 3}}
	down := func(a []op) string {
		st := history(1, map[string][]op{"a": a, "b": started}, "a", "b")
		return strings.Replace(st, `<lrm id="1">`, `<transient_attributes id="t1"><instance_attributes id="ta1"><nvpair id="sd" name="shutdown" value="1"/></instance_attributes></transient_attributes><lrm id="1">`, 1)
	}
	res := `<primitive id="a" class="ocf" provider="heartbeat" type="Dummy">` + block + `</primitive>` + prim("b", "")
	tests := []struct {
		name         string
		a            []op
		wantShutdown bool
	}{
		{"all stops runnable", started, true},
		{"a blocked stop holds the shutdown", failedMon, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			xml := head + `<resources>` + res + `</resources><constraints/></configuration>` +
				withStatus(down(tc.a), history(2, map[string][]op{"a": stopped, "b": stopped}, "a", "b"))
			got := executed(schedule(t, xml))
			if !strings.Contains(got, "b_stop_0@node1") {
				t.Errorf("executed %q: b not stopped on node1", got)
			}
			if has := strings.Contains(got, "do_shutdown"); has != tc.wantShutdown {
				t.Errorf("executed %q: do_shutdown scheduled %v, want %v", got, has, tc.wantShutdown)
			}
		})
	}
}

// TestUnmanagedActionStaysOptional checks that custom_action applies a
// resource's state again to an action it finds: a stop made required
// while the history was read (the failure's recovery) becomes optional
// once the resource is found active on a second node with
// multiple-active=block, so nothing of the blocked group runs, not even
// the group's stop pseudo-action.
func TestUnmanagedActionStaysOptional(t *testing.T) {
	failed := []op{{"monitor", 0, 7, 1}, {"start", 0, 0, 2}, {"monitor", 10000, 1, 3}}
	grp := `<group id="g"><meta_attributes id="gm"><nvpair id="gm1" name="multiple-active" value="block"/></meta_attributes>` +
		`<primitive id="a" class="ocf" provider="heartbeat" type="Dummy"><operations><op id="am" name="monitor" interval="10s"/></operations></primitive></group>`
	xml := head + `<resources>` + grp + `</resources><constraints/></configuration>` +
		withStatus(history(1, map[string][]op{"a": started}, "a"), history(2, map[string][]op{"a": failed}, "a"))
	if got := executed(schedule(t, xml)); got != "" {
		t.Errorf("executed %q, want nothing for a blocked group", got)
	}
}

// TestStartupProbesOption checks the cluster option
// enable-startup-probes: false schedules no probes (the start is not
// held back by any); the default is true.
func TestStartupProbesOption(t *testing.T) {
	off := strings.Replace(head, `</cluster_property_set>`, `<nvpair id="o9" name="enable-startup-probes" value="false"/></cluster_property_set>`, 1)
	for _, tc := range []struct {
		name, head string
		probes     bool
	}{{"default", head, true}, {"disabled", off, false}} {
		t.Run(tc.name, func(t *testing.T) {
			got := executed(schedule(t, tc.head+`<resources>`+prim("a", "")+`</resources><constraints/></configuration>`+online))
			if has := strings.Contains(got, "a_monitor_0"); has != tc.probes {
				t.Errorf("executed %q: probes %v, want %v", got, has, tc.probes)
			}
		})
	}
}

// TestMultipleActiveStopUnexpected checks multiple-active=stop_unexpected:
// a resource found active on two nodes is stopped only where it is not
// expected (not on the node it is assigned to, where its start is a
// pseudo-action), the stop giving the reason "being multiply active".
func TestMultipleActiveStopUnexpected(t *testing.T) {
	meta := `<meta_attributes id="m"><nvpair id="ma" name="multiple-active" value="stop_unexpected"/></meta_attributes>`
	loc := `<rsc_location id="l" rsc="a" node="node1" score="100"/>`
	xml := head + `<resources>` + prim("a", meta) + `</resources><constraints>` + loc + `</constraints></configuration>` +
		withStatus(history(1, map[string][]op{"a": started}, "a"), history(2, map[string][]op{"a": started}, "a"))
	tr := schedule(t, xml)
	got := executed(tr)
	if !strings.Contains(got, "a_stop_0@node2") || strings.Contains(got, "a_stop_0@node1") {
		t.Errorf("executed %q: want a stopped on node2 only", got)
	}
	for _, a := range tr.Actions {
		if a.Key == "a_stop_0" && a.Reason != "being multiply active" {
			t.Errorf("stop reason %q, want being multiply active", a.Reason)
		}
		if a.Key == "a_start_0" && a.Kind != scheduler.PseudoAction {
			t.Errorf("start on %s is a real action, want a pseudo-action", a.Node)
		}
	}
}

// TestBlockedStopHoldsBackOrderedStop checks pcmk__update_ordered_actions'
// rule for a blocked resource: b's stop failed (on-fail=block without
// fencing), so b is blocked and its stop cannot run; a, ordered before
// b (so stopping after it) and now disabled, cannot stop either: its
// stop is shown blocked and not run.
func TestBlockedStopHoldsBackOrderedStop(t *testing.T) {
	failedStop := []op{{"monitor", 0, 7, 1}, {"start", 0, 0, 2}, {"stop", 0, 1, 3}}
	cons := `<rsc_order id="a-then-b" first="a" then="b"/>`
	xml := head + `<resources>` + prim("a", disabled) + prim("b", "") + `</resources><constraints>` + cons + `</constraints></configuration>` +
		withStatus(history(1, map[string][]op{"a": started, "b": failedStop}, "a", "b"), history(2, map[string][]op{"a": stopped, "b": stopped}, "a", "b"))
	tr := schedule(t, xml)
	if got := executed(tr); strings.Contains(got, "a_stop_0") {
		t.Errorf("executed %q: a stopped before the blocked b", got)
	}
	for _, l := range tr.Summary {
		if l.Rsc == "a" && (l.Change != "Stop" || !strings.HasSuffix(l.Reason, "(blocked)")) {
			t.Errorf("a: %s %q, want a blocked Stop", l.Change, l.Reason)
		}
	}
}

// TestDCShutsDownLast checks schedule_fencing_and_shutdowns: when the DC
// shuts down with other nodes, its do_shutdown is ordered after theirs,
// so that the cluster elects a new DC once.
func TestDCShutsDownLast(t *testing.T) {
	dc := strings.Replace(head, `<cib `, `<cib dc-uuid="1" `, 1)
	sd := func(n string) string {
		return `<node_state id="` + n + `" uname="node` + n + `" in_ccm="true" crmd="online" join="member" expected="member"><transient_attributes id="t` + n + `"><instance_attributes id="ta` + n + `"><nvpair id="sd` + n + `" name="shutdown" value="1"/></instance_attributes></transient_attributes></node_state>`
	}
	tr := schedule(t, dc+`<resources/><constraints/></configuration>`+withStatus(sd("1"), sd("2")))
	got := executed(tr)
	i, j := strings.Index(got, "do_shutdown-node2"), strings.Index(got, "do_shutdown-node1")
	if i < 0 || j < 0 || i > j {
		t.Errorf("executed %q: want node2's shutdown before the DC's (node1)", got)
	}
	for _, a := range tr.Actions {
		if a.Key == "do_shutdown-node1" && len(a.Inputs) == 0 {
			t.Errorf("the DC's do_shutdown waits for nothing")
		}
	}
}

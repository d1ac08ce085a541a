package scheduler_test

import (
	"strings"
	"testing"
)

// TestRequiredReasonFollowsTraversal: when several orderings make an
// action required, the reason it records is the first one Pacemaker's
// update loop reaches (pcmk__update_action_for_orderings over the
// actions newest first, each action's orderings newest first, depth
// first). A resource ordered after a group whose member fails restarts
// "due to required" the group's running, not its own stop.
func TestRequiredReasonFollowsTraversal(t *testing.T) {
	failedMonitor := []op{{"monitor", 0, 7, 1}, {"start", 0, 0, 2}, {"monitor", 10000, 1, 3}}
	group := `<group id="g">` + prim("a", "") + prim("b", "") + `</group>`
	xml := head + `<resources>` + group + prim("d", "") + `</resources><constraints>` +
		`<rsc_order id="o" first="g" then="d"/><rsc_colocation id="c" rsc="d" with-rsc="g" score="INFINITY"/></constraints></configuration>` +
		withStatus(history(1, map[string][]op{"a": failedMonitor, "b": started, "d": started}, "a", "b", "d"),
			history(2, map[string][]op{"a": stopped, "b": stopped, "d": stopped}, "a", "b", "d"))
	tr := schedule(t, xml)
	for _, l := range tr.Summary {
		if l.Rsc == "d" && l.Reason != "due to required g running" {
			t.Errorf("%s d: reason %q, want \"due to required g running\"", l.Change, l.Reason)
		}
	}
}

// TestUserOrderingsBeforeInternal: user orderings are applied before the
// resources' internal ones (pcmk__unpack_constraints runs first), so a
// start an ordering creates for a resource that is stopping is linked to
// that resource's stop, becomes required, and makes what follows it
// required: A, ordered after a disabled C, stops "due to required C
// start".
func TestUserOrderingsBeforeInternal(t *testing.T) {
	cdis := prim("c", `<meta_attributes id="cm"><nvpair id="ctr" name="target-role" value="Stopped"/></meta_attributes>`)
	xml := head + `<resources>` + prim("a", "") + cdis + `</resources><constraints><rsc_order id="o" first="c" then="a"/></constraints></configuration>` +
		withStatus(history(1, map[string][]op{"a": started, "c": started}, "a", "c"), history(2, map[string][]op{"a": stopped, "c": stopped}, "a", "c"))
	tr := schedule(t, xml)
	found := false
	for _, l := range tr.Summary {
		if l.Rsc == "a" {
			found = true
			if l.Change != "Stop" || l.Reason != "due to required c start" {
				t.Errorf("a: %+v, want Stop due to required c start", l)
			}
		}
	}
	if !found {
		t.Errorf("no summary line for a: %+v", tr.Summary)
	}
}

// TestPrintAlwaysIsNotAChange checks that marking an action
// print-always (implies_then_printed, implies_first_printed) does not
// count as changing it in pcmk__update_action_for_orderings: a group
// whose first member is recovered restarts each later member "due to
// required <previous member> start", not with the reason of the stop
// chain reached through the group's stopped pseudo-action.
func TestPrintAlwaysIsNotAChange(t *testing.T) {
	mon := `<operations><op id="%s-mon" name="monitor" interval="5s"/></operations>`
	member := func(id string) string {
		return `<primitive id="` + id + `" class="ocf" provider="heartbeat" type="Dummy">` + strings.ReplaceAll(mon, "%s", id) + `</primitive>`
	}
	up := []op{{"monitor", 0, 7, 1}, {"start", 0, 0, 2}, {"monitor", 5000, 0, 3}}
	failed := []op{{"monitor", 0, 7, 1}, {"start", 0, 0, 2}, {"monitor", 5000, 1, 3}}
	xml := head + `<resources><group id="g">` + member("a") + member("b") + member("c") + `</group></resources><constraints/></configuration>` +
		withStatus(history(1, map[string][]op{"a": failed, "b": up, "c": up}, "a", "b", "c"), history(2, map[string][]op{"a": stopped, "b": stopped, "c": stopped}, "a", "b", "c"))
	tr := schedule(t, xml)
	want := map[string]string{"b": "Restart due to required a start", "c": "Restart due to required b start"}
	for _, l := range tr.Summary {
		if w, ok := want[l.Rsc]; ok {
			if got := l.Change + " " + l.Reason; got != w {
				t.Errorf("%s: %q, want %q", l.Rsc, got, w)
			}
			delete(want, l.Rsc)
		}
	}
	for rsc := range want {
		t.Errorf("no summary line for %s: %s", rsc, summary(tr))
	}
}

package scheduler_test

import "testing"

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

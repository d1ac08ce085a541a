package scheduler_test

import (
	"strings"
	"testing"

	"pacer/crm/scheduler"
)

// TestAntiColocationOrdering checks anti_colocation_order: with a
// -INFINITY colocation, the actions that make one resource leave a node
// come before those that make the other take it. a and b swap nodes:
// a's start on node2 waits for b's stop on node2, and b's start on
// node1 for a's stop on node1.
func TestAntiColocationOrdering(t *testing.T) {
	cons := `<rsc_colocation id="apart" rsc="a" with-rsc="b" score="-INFINITY"/>` +
		`<rsc_location id="a2" rsc="a" node="node2" score="1000"/><rsc_location id="b1" rsc="b" node="node1" score="1000"/>`
	xml := head + `<resources>` + prim("a", "") + prim("b", "") + `</resources><constraints>` + cons + `</constraints></configuration>` +
		withStatus(history(1, map[string][]op{"a": started, "b": stopped}, "a", "b"), history(2, map[string][]op{"a": stopped, "b": started}, "a", "b"))
	tr := schedule(t, xml)
	byKey := map[string]*scheduler.Action{}
	for _, a := range tr.Actions {
		byKey[a.Key+"@"+a.Node] = a
	}
	waits := func(then, first string) bool {
		t, f := byKey[then], byKey[first]
		if t == nil || f == nil {
			return false
		}
		for _, in := range t.Inputs {
			if in == f.ID {
				return true
			}
		}
		return false
	}
	for _, c := range []struct {
		then, first string
		want        bool
	}{
		{"a_start_0@node2", "b_stop_0@node2", true},
		{"b_start_0@node1", "a_stop_0@node1", true},
	} {
		if got := waits(c.then, c.first); got != c.want {
			t.Errorf("%s waits for %s: %v, want %v", c.then, c.first, got, c.want)
		}
	}
}

// TestBlockColocationDependents checks pcmk__block_colocation_dependents:
// a start that cannot run (a follows a disabled x by a mandatory order)
// makes the starts of what is mandatorily colocated with it unrunnable
// too, so b, running with a, stops "due to colocation with a" instead
// of staying where a no longer runs.
func TestBlockColocationDependents(t *testing.T) {
	cons := `<rsc_order id="x-then-a" first="x" then="a"/><rsc_colocation id="b-with-a" rsc="b" with-rsc="a" score="INFINITY"/>`
	xml := head + `<resources>` + prim("x", disabled) + prim("a", "") + prim("b", "") + `</resources><constraints>` + cons + `</constraints></configuration>` +
		withStatus(history(1, map[string][]op{"x": started, "a": started, "b": started}, "x", "a", "b"), history(2, map[string][]op{"x": stopped, "a": stopped, "b": stopped}, "x", "a", "b"))
	tr := schedule(t, xml)
	var got string
	for _, l := range tr.Summary {
		if l.Rsc == "b" {
			got = l.Change + " " + l.Reason
		}
	}
	if got != "Stop due to colocation with a" {
		t.Errorf("b: %q, want Stop due to colocation with a (summary %s)", got, summary(tr))
	}
}

// TestBlockedColocationReachesInstances checks mark_action_blocked: when
// a primitive cannot start, what must run with it cannot start either,
// and that reaches a clone's instances (its children), each start
// unrunnable "due to colocation with" the primitive.
func TestBlockedColocationReachesInstances(t *testing.T) {
	cons := `<rsc_order id="x-then-a" first="x" then="a"/><rsc_colocation id="cl-with-a" rsc="cl" with-rsc="a" score="INFINITY"/>`
	xml := head + `<resources>` + prim("x", disabled) + prim("a", "") + clone("clone-max", "1") + `</resources><constraints>` + cons + `</constraints></configuration>` + online
	tr := schedule(t, xml)
	found := false
	for _, l := range tr.Summary {
		if strings.HasPrefix(l.Rsc, "c:") {
			found = true
			if l.Reason != "due to colocation with a (blocked)" {
				t.Errorf("%s %s: reason %q, want due to colocation with a (blocked)", l.Change, l.Rsc, l.Reason)
			}
		}
	}
	if !found {
		t.Errorf("no line for the clone instance: %s", summary(tr))
	}
}

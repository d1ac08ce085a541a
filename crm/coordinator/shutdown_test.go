package coordinator

import (
	"context"
	"testing"

	"pacer/crm/store"
	"pacer/membership"
)

// A node that asks to shut down (its shutdown attribute) has its resources
// moved, is committed expected down by do_shutdown, and once gone is
// recorded cleanly down, its transient attributes cleared, without being
// fenced. A node lost without asking is fenced (the contrast).
func TestCleanShutdownNotFenced(t *testing.T) {
	for _, tt := range []struct {
		name      string
		shutdown  bool
		wantFence int
	}{
		{"shutdown requested", true, 0},
		{"lost without asking", false, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tc := newCluster(t, fenced, "alpha", "bravo", "charlie")
			tc.elect("alpha", 1)
			if got := tc.runsOn("d1"); got != "bravo" {
				t.Fatalf("d1 on %s, want bravo", got)
			}
			tc.eventually("DC idle", func() bool { return tc.idle("alpha") })
			if tt.shutdown {
				if _, err := tc.store.handle().ProposeStatus(context.Background(), store.StatusUpdate{Node: "bravo",
					Attrs: []store.AttrUpdate{{Name: "shutdown", Op: store.AttrSet, Value: "1700000000"}}}); err != nil {
					t.Fatal(err)
				}
				tc.eventually("bravo expected down, d1 moved", func() bool {
					ns := nodeState(tc.store.snapshot(), "bravo")
					w := tc.world.where("d1")
					return ns != nil && ns.Expected == "down" && len(w) == 1 && w[0] != "bravo"
				})
				if n := tc.logged("node may shut down: its resources are stopped; expected down", map[string]any{"node": "bravo"}); n != 1 {
					t.Errorf("do_shutdown logged %d times", n)
				}
				tc.eventually("DC idle", func() bool { return tc.idle("alpha") })
			}
			tc.kill("bravo")
			tc.eventually("bravo down", func() bool {
				ns := nodeState(tc.store.snapshot(), "bravo")
				w := tc.world.where("d1")
				return ns != nil && ns.Join == "down" && ns.InCCM == "false" && len(w) == 1 && w[0] != "bravo"
			})
			tc.eventually("DC idle", func() bool { return tc.idle("alpha") })
			if n := tc.fencer.callCount(); n != tt.wantFence {
				t.Errorf("fenced %d times, want %d", n, tt.wantFence)
			}
			ns := nodeState(tc.store.snapshot(), "bravo")
			if tt.shutdown {
				if ns.Expected != "down" || ns.Crmd != "offline" || attr(tc.store.snapshot(), "bravo", "shutdown") != "" {
					t.Errorf("bravo's node_state after a clean leave: %+v", ns)
				}
				if tc.logged("node left cleanly: down as expected, not fenced", map[string]any{"node": "bravo"}) != 1 {
					t.Errorf("no 'node left cleanly' line")
				}
			}
		})
	}
}

// A node that restarts while its shutdown is under way (pacerd killed and
// started again before membership declared it dead) comes back with a new
// boot epoch: its join clears its transient attributes, the old shutdown
// request among them, so it is not shut down again and rejoins as a
// member.
func TestRestartClearsShutdownRequest(t *testing.T) {
	tc := newCluster(t, fenced, "alpha", "bravo", "charlie")
	tc.elect("alpha", 1)
	tc.eventually("DC idle", func() bool { return tc.idle("alpha") })
	if _, err := tc.store.handle().ProposeStatus(context.Background(), store.StatusUpdate{Node: "bravo",
		Attrs: []store.AttrUpdate{{Name: "shutdown", Op: store.AttrSet, Value: "1700000000"}, {Name: "color", Op: store.AttrSet, Value: "blue"}}}); err != nil {
		t.Fatal(err)
	}
	tc.eventually("bravo expected down", func() bool {
		ns := nodeState(tc.store.snapshot(), "bravo")
		return ns != nil && ns.Expected == "down"
	})
	tc.eventually("DC idle", func() bool { return tc.idle("alpha") })
	tc.memb.set(tc.id("bravo"), membership.NodeStateUp) // a new boot epoch, never declared dead
	tc.eventually("bravo rejoined without its attributes", func() bool {
		ns := nodeState(tc.store.snapshot(), "bravo")
		return ns != nil && ns.Expected == "member" && attr(tc.store.snapshot(), "bravo", "shutdown") == "" &&
			attr(tc.store.snapshot(), "bravo", "color") == ""
	})
	tc.eventually("DC idle", func() bool { return tc.idle("alpha") })
	if ns := nodeState(tc.store.snapshot(), "bravo"); ns.Expected != "member" {
		t.Errorf("bravo expected %q after it rejoined, want member (shut down again?)", ns.Expected)
	}
	if n := tc.fencer.callCount(); n != 0 {
		t.Errorf("fenced %d times", n)
	}
	if tc.logged("node rebooted: its transient attributes cleared", map[string]any{"node": "bravo"}) != 1 {
		t.Errorf("no 'node rebooted' line")
	}
}

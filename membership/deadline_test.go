package membership

import (
	"testing"
	"time"
)

func kinds(trs []Transition) []TransitionKind {
	var out []TransitionKind
	for _, tr := range trs {
		out = append(out, tr.Kind)
	}
	return out
}

func TestNextDeadline(t *testing.T) {
	tests := []struct {
		name  string
		setup func(tr *Tracker)
		want  time.Time // zero: none
	}{
		{"never heard: initdead", func(*Tracker) {}, t0.Add(initdead)},
		{"heard on one link: warn of that link", func(tr *Tracker) {
			tr.Observe(Observation{Node: 2, Link: "ring0", Epoch: 1, At: t0.Add(time.Second)})
		}, t0.Add(time.Second + warntime)},
		{"warned node: its death", func(tr *Tracker) {
			tr.Observe(Observation{Node: 2, Link: "ring0", Epoch: 1, At: t0})
			tr.Observe(Observation{Node: 2, Link: "serial0", Epoch: 1, At: t0})
			tr.Advance(t0.Add(warntime))
		}, t0.Add(deadtime)},
		{"dead node: nothing", func(tr *Tracker) {
			tr.Observe(Observation{Node: 2, Link: "ring0", Epoch: 1, At: t0})
			tr.Observe(Observation{Node: 2, Link: "serial0", Epoch: 1, At: t0})
			tr.Advance(t0.Add(deadtime))
		}, time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTestTracker(t, peerB)
			tc.setup(tr)
			got, ok := tr.NextDeadline()
			if ok != !tc.want.IsZero() || (ok && !got.Equal(tc.want)) {
				t.Fatalf("NextDeadline = %v, %v; want %v", got.Sub(t0), ok, tc.want.Sub(t0))
			}
		})
	}
}

// A driver that sleeps until the next deadline: nothing changes before it,
// the change happens at it, and waking far later than planned is a stall
// of this node that does not count against its peers.
func TestAdvanceDue(t *testing.T) {
	tr := newTestTracker(t, peerB)
	tr.AdvanceDue(t0, t0)
	tr.Observe(Observation{Node: 2, Link: "ring0", Epoch: 1, At: t0})
	tr.Observe(Observation{Node: 2, Link: "serial0", Epoch: 1, At: t0})

	due, _ := tr.NextDeadline()
	if got := kinds(tr.AdvanceDue(due.Add(-time.Millisecond), due)); len(got) != 0 {
		t.Fatalf("before the deadline: %v", got)
	}
	if got := kinds(tr.AdvanceDue(due, due)); len(got) == 0 || got[len(got)-1] != NodeWarn {
		t.Fatalf("at the warn deadline: %v, want link warns then NodeWarn", got)
	}

	// This node stalls for 3x deadtime past its next deadline; the peer's
	// frame is applied when it wakes, before judgement.
	due, _ = tr.NextDeadline()
	woke := due.Add(3 * deadtime)
	tr.Observe(Observation{Node: 2, Link: "ring0", Epoch: 1, At: woke})
	trs := tr.AdvanceDue(woke, due)
	if len(trs) == 0 || trs[0].Kind != LocalLate || trs[0].Late != 3*deadtime {
		t.Fatalf("stall: %v", trs)
	}
	for _, x := range trs {
		if x.Kind == NodeDead {
			t.Fatalf("stall counted against a healthy peer: %v", trs)
		}
	}

	// Genuine silence after the stall: dead at the deadline.
	for i := 0; i < 10; i++ {
		d, ok := tr.NextDeadline()
		if !ok {
			break
		}
		for _, x := range tr.AdvanceDue(d, d) {
			if x.Kind == NodeDead {
				if want := woke.Add(deadtime); !d.Equal(want) {
					t.Fatalf("declared dead at +%v, want one deadtime after the last frame (+%v)", d.Sub(t0), want.Sub(t0))
				}
				return
			}
		}
	}
	t.Fatal("silent peer never declared dead")
}

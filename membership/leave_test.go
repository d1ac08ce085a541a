package membership

import (
	"testing"
	"time"

	"pacer/internal/cluster"
)

// TestLeave: a node that announces its clean leave is down at once (left,
// not silent for deadtime); later frames of the same boot epoch do not
// bring it back, a newer epoch does.
func TestLeave(t *testing.T) {
	type step struct {
		at      time.Duration
		epoch   cluster.BootEpoch
		leaving bool
		want    []TransitionKind
		state   NodeState
		left    bool
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{"leave then restart", []step{
			{at: 0, epoch: 1, want: []TransitionKind{NodeJoined}, state: NodeStateUp},
			{at: time.Second, epoch: 1, leaving: true, want: []TransitionKind{NodeLeft}, state: NodeStateDead, left: true},
			{at: 1500 * time.Millisecond, epoch: 1, state: NodeStateDead, left: true},                // a heartbeat sent before the leave
			{at: 1600 * time.Millisecond, epoch: 1, leaving: true, state: NodeStateDead, left: true}, // the leave repeated
			{at: 3 * time.Second, epoch: 2, want: []TransitionKind{NodeJoined}, state: NodeStateUp},
		}},
		{"leave while pending", []step{
			{at: 0, epoch: 3, leaving: true, want: []TransitionKind{NodeLeft}, state: NodeStateDead, left: true},
			{at: time.Second, epoch: 3, state: NodeStateDead, left: true},
		}},
		{"an older epoch's leave is stale", []step{
			{at: 0, epoch: 5, want: []TransitionKind{NodeJoined}, state: NodeStateUp},
			{at: time.Second, epoch: 4, leaving: true, state: NodeStateUp},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTestTracker(t, peerC)
			for i, s := range tc.steps {
				got := tr.Observe(Observation{Node: 3, Link: "ring0", Epoch: s.epoch, At: t0.Add(s.at), Leaving: s.leaving})
				var kinds []TransitionKind
				for _, g := range got {
					kinds = append(kinds, g.Kind)
				}
				if len(kinds) != len(s.want) || (len(kinds) > 0 && kinds[0] != s.want[0]) {
					t.Fatalf("step %d: transitions %v, want %v", i, kinds, s.want)
				}
				n, _ := tr.View().Node(3)
				if n.State != s.state || n.Left != s.left {
					t.Fatalf("step %d: state %v left %v, want %v left %v", i, n.State, n.Left, s.state, s.left)
				}
				// Advancing time never resurrects nor re-kills a left node.
				for _, a := range tr.Advance(t0.Add(s.at)) {
					if a.Kind == NodeDead && s.left {
						t.Fatalf("step %d: a left node declared dead again", i)
					}
				}
			}
		})
	}
}

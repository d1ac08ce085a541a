package membership

import (
	"slices"
	"testing"
	"time"

	"pacer/internal/cluster"
)

// pathSelector is heartbeat.PathSelector, restated: membership must not
// import heartbeat, and both View and Service must satisfy it.
type pathSelector interface {
	Paths(peer cluster.NodeID) []cluster.LinkName
}

var (
	_ pathSelector = View{}
	_ pathSelector = (*Service)(nil)
)

func TestViewPaths(t *testing.T) {
	tests := []struct {
		name  string
		peer  Peer
		steps []step
		want  []cluster.LinkName
	}{
		{
			name:  "both up: configured order",
			peer:  peerB,
			steps: []step{{at: 0, hear: bBoth}},
			want:  []cluster.LinkName{"ring0", "serial0"},
		},
		{
			name:  "configured order is kept, whatever the names",
			peer:  Peer{ID: 2, Name: "b", Links: []cluster.LinkName{"serial0", "ring0"}},
			steps: []step{{at: 0, hear: bBoth}},
			want:  []cluster.LinkName{"serial0", "ring0"},
		},
		{
			name: "up before warn",
			peer: peerB,
			steps: []step{
				{at: 0, hear: bBoth},
				{at: 2 * time.Second, hear: []beat{bSerial}},
				{at: 3 * time.Second},
			},
			want: []cluster.LinkName{"serial0", "ring0"},
		},
		{
			name: "both in warn: configured order",
			peer: peerB,
			steps: []step{
				{at: 0, hear: bBoth},
				{at: 3 * time.Second},
			},
			want: []cluster.LinkName{"ring0", "serial0"},
		},
		{
			name: "down link left out",
			peer: peerB,
			steps: []step{
				{at: 0, hear: bBoth},
				{at: 6 * time.Second, keep: []beat{bSerial}},
			},
			want: []cluster.LinkName{"serial0"},
		},
		{
			name:  "link never heard on left out",
			peer:  peerB,
			steps: []step{{at: 0, hear: []beat{bRing}}},
			want:  []cluster.LinkName{"ring0"},
		},
		{
			name:  "dead node: none",
			peer:  peerB,
			steps: []step{{at: 0, hear: bBoth}, {at: deadtime}},
		},
		{
			name:  "never-heard node: none",
			peer:  peerB,
			steps: []step{{at: time.Second}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTestTracker(t, tc.peer)
			play(t, tr, tc.steps, false)
			v := tr.View()
			if got := v.Paths(2); !slices.Equal(got, tc.want) {
				t.Errorf("Paths(2) = %v, want %v", got, tc.want)
			}
			if got := v.Paths(1); len(got) != 0 {
				t.Errorf("Paths(self) = %v, want none", got)
			}
			if got := v.Paths(99); len(got) != 0 {
				t.Errorf("Paths(unknown) = %v, want none", got)
			}
		})
	}
}

func TestViewPathsIsTheCallersSlice(t *testing.T) {
	tr := newTestTracker(t, peerB)
	play(t, tr, []step{{at: 0, hear: bBoth}}, false)
	v := tr.View()
	v.Paths(2)[0] = "scribbled"
	if got := v.Paths(2); got[0] != "ring0" {
		t.Fatalf("a caller's write reached the view: %v", got)
	}
}

func TestViewVersion(t *testing.T) {
	tr := newTestTracker(t, peerB, peerC)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	// tickTo advances every tick up to d, so no stall is seen.
	last := time.Duration(0)
	tickTo := func(d time.Duration) {
		for ; last < d; last += tick {
			tr.Advance(at(last + tick))
		}
	}
	steps := []struct {
		name   string
		do     func()
		bumped bool
	}{
		{"advance, nothing changes", func() { tr.Advance(at(0)) }, false},
		{"b joins", func() { tr.Observe(Observation{Node: 2, Link: "ring0", Epoch: 1, At: at(0)}) }, true},
		{"heartbeat of an up node on an up link", func() { tr.Observe(Observation{Node: 2, Link: "ring0", Epoch: 1, At: at(0)}) }, false},
		{"b serial0 comes up", func() { tr.Observe(Observation{Node: 2, Link: "serial0", Epoch: 1, At: at(0)}) }, true},
		{"c joins", func() { tr.Observe(Observation{Node: 3, Link: "ring0", Epoch: 1, At: at(0)}) }, true},
		{"ticks within warntime", func() { tickTo(2 * time.Second) }, false},
		{"c heartbeat", func() { tr.Observe(Observation{Node: 3, Link: "ring0", Epoch: 1, At: at(2 * time.Second)}) }, false},
		{"b links and b warn, one step", func() { tickTo(3 * time.Second) }, true},
		{"b recovers on ring0", func() {
			tr.Observe(Observation{Node: 2, Link: "ring0", Epoch: 1, At: at(3500 * time.Millisecond)})
		}, true},
		{"b ring0 again", func() {
			tr.Observe(Observation{Node: 2, Link: "ring0", Epoch: 1, At: at(3600 * time.Millisecond)})
		}, false},
		{"b serial0 back from warn", func() {
			tr.Observe(Observation{Node: 2, Link: "serial0", Epoch: 1, At: at(3700 * time.Millisecond)})
		}, true},
		{"b restarts", func() {
			tr.Observe(Observation{Node: 2, Link: "ring0", Epoch: 2, At: at(3800 * time.Millisecond)})
		}, true},
		{"stale epoch", func() {
			tr.Observe(Observation{Node: 2, Link: "ring0", Epoch: 1, At: at(3900 * time.Millisecond)})
		}, false},
		{"unknown node", func() { tr.Observe(Observation{Node: 9, Link: "ring0", Epoch: 1, At: at(4 * time.Second)}) }, false},
	}
	prev := tr.View()
	if prev.Version != 1 {
		t.Fatalf("first view has Version %d, want 1", prev.Version)
	}
	for _, s := range steps {
		s.do()
		v := tr.View()
		if bumped := v.Version > prev.Version; bumped != s.bumped || v.Version > prev.Version+1 {
			t.Errorf("%s: Version %d -> %d, want bumped=%t (by one)", s.name, prev.Version, v.Version, s.bumped)
		}
		prev = v
	}
}

func TestViewIsImmutable(t *testing.T) {
	tr := newTestTracker(t, peerB)
	tr.Observe(Observation{Node: 2, Link: "ring0", Epoch: 1, At: t0})
	old := tr.View()
	play(t, tr, []step{{at: deadtime}}, false)
	if n, _ := old.Node(2); n.State != NodeStateUp || n.Links[0].State != LinkStateUp {
		t.Fatalf("an old view changed: node %v, ring0 %v", n.State, n.Links[0].State)
	}
	if n, _ := tr.View().Node(2); n.State != NodeStateDead {
		t.Fatalf("new view: node %v, want dead", n.State)
	}
}

func TestTrackerView(t *testing.T) {
	tests := []struct {
		name  string
		self  cluster.NodeID
		peers []Peer
		want  []cluster.NodeID
	}{
		{"self first", 1, []Peer{peerC, peerB}, []cluster.NodeID{1, 2, 3}},
		{"self in the middle", 2, []Peer{{ID: 3, Name: "c", Links: []cluster.LinkName{"ring0"}}, {ID: 1, Name: "x", Links: []cluster.LinkName{"ring0"}}}, []cluster.NodeID{1, 2, 3}},
		{"self last", 7, []Peer{peerC, peerB}, []cluster.NodeID{2, 3, 7}},
		{"no peers", 1, nil, []cluster.NodeID{1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(tc.peers...)
			cfg.Self, cfg.SelfName = tc.self, "me"
			tr, err := NewTracker(cfg, t0)
			if err != nil {
				t.Fatal(err)
			}
			v := tr.View()
			var ids []cluster.NodeID
			for _, n := range v.Nodes {
				ids = append(ids, n.ID)
			}
			if !slices.Equal(ids, tc.want) {
				t.Fatalf("node ids = %v, want %v", ids, tc.want)
			}
			self, ok := v.Node(tc.self)
			if !ok || self.Name != "me" || self.State != NodeStateUp || len(self.Links) != 0 || v.Self != tc.self {
				t.Fatalf("self = %+v (in view %t, View.Self %d)", self, ok, v.Self)
			}
			if got := v.Alive(); !slices.Equal(got, []cluster.NodeID{tc.self}) {
				t.Errorf("Alive = %v, want only self", got)
			}
			if _, ok := v.Node(99); ok {
				t.Error("Node(99) found")
			}
		})
	}
}

func TestViewNodeStatus(t *testing.T) {
	d := Peer{ID: 4, Name: "d", Links: []cluster.LinkName{"ring0"}}
	tr := newTestTracker(t, peerB, peerC, d)
	play(t, tr, []step{
		{at: 0, hear: []beat{bRing, hb(3, "ring0"), hb(4, "ring0")}},
		{at: deadtime - time.Second, keep: []beat{hb(2, "ring0")}, hear: []beat{hbe(2, "ring0", 7)}},
		{at: deadtime + 2*time.Second, keep: []beat{hbe(2, "ring0", 7), hb(4, "ring0")}},
	}, false)
	v := tr.View()
	if got, want := v.Alive(), []cluster.NodeID{1, 2, 4}; !slices.Equal(got, want) {
		t.Errorf("Alive = %v, want %v", got, want)
	}
	b, _ := v.Node(2)
	want := NodeStatus{
		ID: 2, Name: "b", State: NodeStateUp, Epoch: 7, LastHeard: t0.Add(deadtime + 2*time.Second),
		Links: []LinkStatus{
			{Name: "ring0", State: LinkStateUp, LastHeard: t0.Add(deadtime + 2*time.Second)},
			{Name: "serial0", State: LinkStatePending},
		},
	}
	if b.ID != want.ID || b.Name != want.Name || b.State != want.State || b.Epoch != want.Epoch ||
		!b.LastHeard.Equal(want.LastHeard) || !slices.Equal(b.Links, want.Links) {
		t.Errorf("node b =\n %+v\nwant\n %+v", b, want)
	}
	if c, _ := v.Node(3); c.State != NodeStateDead || c.Links[0].State != LinkStateDead || !c.LastHeard.Equal(t0) {
		t.Errorf("node c = %+v, want dead, last heard at t0", c)
	}
}

func TestStateStrings(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{NodeStatePending.String(), "pending"}, {NodeStateUp.String(), "up"},
		{NodeStateWarn.String(), "warn"}, {NodeStateDead.String(), "dead"},
		{LinkStatePending.String(), "pending"}, {LinkStateUp.String(), "up"},
		{LinkStateWarn.String(), "warn"}, {LinkStateDead.String(), "dead"},
		{NodeState(9).String(), "unknown"}, {LinkState(9).String(), "unknown"},
		{NodeJoined.String(), "node joined"}, {NodeRecovered.String(), "node recovered"},
		{NodeWarn.String(), "node warn"}, {NodeDead.String(), "node dead"},
		{NodeRestarted.String(), "node restarted"}, {LinkUp.String(), "link up"},
		{LinkWarn.String(), "link warn"}, {LinkDown.String(), "link down"},
		{LocalLate.String(), "local late"}, {TransitionKind(0).String(), "unknown"},
		{Majority.String(), "majority"}, {TwoNode.String(), "two_node"},
		{Witness.String(), "witness"}, {QuorumMode(9).String(), "unknown"},
	} {
		if tc.got != tc.want {
			t.Errorf("String() = %q, want %q", tc.got, tc.want)
		}
	}
}

// A link is preferred only once the peer says it hears this node there:
// a cable plugged back in can carry one direction for a while before the
// other (seen in the lab: ~0.6 s), and messages sent into the dead
// direction are lost.
func TestViewPathsPreferLinksHeardBothWays(t *testing.T) {
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	obs := func(link cluster.LinkName, d time.Duration, r Reverse) Observation {
		return Observation{Node: 2, Link: link, Epoch: 1, At: at(d), Reverse: r}
	}
	tests := []struct {
		name string
		obs  []Observation
		want []cluster.LinkName
	}{
		{"neither said: configured order", []Observation{obs("ring0", 0, ReverseUnknown), obs("serial0", 0, ReverseUnknown)},
			[]cluster.LinkName{"ring0", "serial0"}},
		{"both heard both ways", []Observation{obs("ring0", 0, ReverseHears), obs("serial0", 0, ReverseHears)},
			[]cluster.LinkName{"ring0", "serial0"}},
		{"ring0 one way only: serial0 first", []Observation{obs("ring0", 0, ReverseDeaf), obs("serial0", 0, ReverseHears)},
			[]cluster.LinkName{"serial0", "ring0"}},
		{"ring0 heard back later", []Observation{obs("ring0", 0, ReverseDeaf), obs("serial0", 0, ReverseHears), obs("ring0", keepalive, ReverseHears)},
			[]cluster.LinkName{"ring0", "serial0"}},
		{"a message says nothing of the other way", []Observation{obs("ring0", 0, ReverseHears), obs("serial0", 0, ReverseHears), obs("ring0", keepalive, ReverseUnknown)},
			[]cluster.LinkName{"ring0", "serial0"}},
		{"the peer stops hearing us on ring0", []Observation{obs("ring0", 0, ReverseHears), obs("serial0", 0, ReverseHears), obs("ring0", keepalive, ReverseDeaf)},
			[]cluster.LinkName{"serial0", "ring0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTestTracker(t, peerB)
			for _, o := range tc.obs {
				tr.Observe(o)
			}
			if got := tr.View().Paths(2); !slices.Equal(got, tc.want) {
				t.Errorf("Paths(2) = %v, want %v", got, tc.want)
			}
		})
	}

	// A link declared down must be heard both ways again: a frame that
	// brings it back up without saying so leaves it behind serial0.
	tr := newTestTracker(t, peerB)
	tr.Observe(obs("ring0", 0, ReverseHears))
	tr.Observe(obs("serial0", 0, ReverseHears))
	for d := tick; d <= deadtime+tick; d += tick {
		tr.Observe(obs("serial0", d, ReverseHears))
		tr.Advance(at(d))
	}
	if ls := tr.View().Nodes[1].Links[0]; ls.State != LinkStateDead || ls.PeerHears {
		t.Fatalf("ring0 after deadtime of silence: %v, peer hears %v", ls.State, ls.PeerHears)
	}
	back := deadtime + 2*tick
	tr.Observe(obs("ring0", back, ReverseUnknown))
	tr.Observe(obs("serial0", back, ReverseHears))
	if got, want := tr.View().Paths(2), []cluster.LinkName{"serial0", "ring0"}; !slices.Equal(got, want) {
		t.Errorf("ring0 back, not yet heard both ways: Paths(2) = %v, want %v", got, want)
	}
	if got := tr.View().Hears("ring0"); !slices.Equal(got, []cluster.NodeID{2}) {
		t.Errorf("Hears(ring0) = %v, want [2]", got)
	}
}

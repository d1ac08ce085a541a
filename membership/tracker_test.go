package membership

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"pacer/internal/cluster"
)

// The timeouts every test runs with. tolerance = max(tick, keepalive/2) =
// 500ms.
const (
	keepalive = time.Second
	warntime  = 3 * time.Second
	deadtime  = 5 * time.Second
	initdead  = 10 * time.Second
	tick      = 250 * time.Millisecond
)

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

var (
	peerB = Peer{ID: 2, Name: "b", Links: []cluster.LinkName{"ring0", "serial0"}}
	peerC = Peer{ID: 3, Name: "c", Links: []cluster.LinkName{"ring0"}}
)

func testConfig(peers ...Peer) Config {
	return Config{
		Self: 1, SelfName: "a", Peers: peers,
		Keepalive: keepalive, Warntime: warntime, Deadtime: deadtime, Initdead: initdead, Tick: tick,
	}
}

func newTestTracker(t testing.TB, peers ...Peer) *Tracker {
	t.Helper()
	tr, err := NewTracker(testConfig(peers...), t0)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// beat is a frame from node on link, sent by boot epoch; age is how long
// before it is observed it was received (0: just now).
type beat struct {
	node  cluster.NodeID
	link  cluster.LinkName
	epoch cluster.BootEpoch
	age   time.Duration
}

func hb(node cluster.NodeID, link cluster.LinkName) beat {
	return beat{node: node, link: link, epoch: 1}
}

func hbe(node cluster.NodeID, link cluster.LinkName, epoch cluster.BootEpoch) beat {
	return beat{node: node, link: link, epoch: epoch}
}

var (
	bRing   = hb(2, "ring0")
	bSerial = hb(2, "serial0")
	bBoth   = []beat{bRing, bSerial}
)

// step drives the tracker from the previous step to at, as the Service
// does: Advance every tick (at multiples of tick since t0) and once at at.
// keep frames arrive every keepalive on the way; hear frames arrive at at,
// just before its Advance. jump: this node stalled, so there is no Advance
// between the previous step and at. want is every transition on the way,
// formatted by format.
type step struct {
	at   time.Duration
	jump bool
	keep []beat
	hear []beat
	want []string
	view func(t *testing.T, v View) // optional check of the view after the step
}

// play runs steps against tr; check compares the transitions with want.
func play(t *testing.T, tr *Tracker, steps []step, check bool) {
	t.Helper()
	prev := -tick
	for i, s := range steps {
		var got []string
		call := func(at time.Duration, beats []beat) {
			now := t0.Add(at)
			for _, b := range beats {
				got = append(got, formatAll(t, now, tr.Observe(Observation{
					Node: b.node, Link: b.link, Epoch: b.epoch, At: now.Add(-b.age),
				}))...)
			}
			got = append(got, formatAll(t, now, tr.Advance(now))...)
		}
		keepAt := func(at time.Duration) []beat {
			if at%keepalive == 0 {
				return s.keep
			}
			return nil
		}
		if !s.jump {
			for at := (prev/tick + 1) * tick; at < s.at; at += tick {
				call(at, keepAt(at))
			}
		}
		var last []beat
		if !s.jump {
			last = append(last, keepAt(s.at)...)
		}
		call(s.at, append(last, s.hear...))
		prev = s.at
		if check && !slices.Equal(got, s.want) {
			t.Fatalf("step %d (at %v): transitions\n got: %q\nwant: %q", i, s.at, got, s.want)
		}
		if s.view != nil {
			s.view(t, tr.View())
		}
	}
}

// formatAll formats trs, checking that each happened at now.
func formatAll(t *testing.T, now time.Time, trs []Transition) []string {
	t.Helper()
	var out []string
	for _, tr := range trs {
		if !tr.At.Equal(now) {
			t.Errorf("%s: At = %v, want %v", format(tr), tr.At.Sub(t0), now.Sub(t0))
		}
		out = append(out, format(tr))
	}
	return out
}

func format(tr Transition) string {
	switch tr.Kind {
	case NodeJoined:
		return fmt.Sprintf("node joined %s link=%s epoch=%d return=%t", tr.Name, tr.Link, tr.Epoch, tr.Return)
	case NodeRecovered:
		return fmt.Sprintf("node recovered %s link=%s silent=%v", tr.Name, tr.Link, tr.SilentFor)
	case NodeWarn:
		return fmt.Sprintf("node warn %s silent=%v", tr.Name, tr.SilentFor)
	case NodeDead:
		return fmt.Sprintf("node dead %s links=%v silent=%v", tr.Name, tr.Links, tr.SilentFor)
	case NodeRestarted:
		return fmt.Sprintf("node restarted %s link=%s epoch=%d", tr.Name, tr.Link, tr.Epoch)
	case LinkUp:
		return fmt.Sprintf("link up %s %s", tr.Name, tr.Link)
	case LinkWarn:
		return fmt.Sprintf("link warn %s %s silent=%v", tr.Name, tr.Link, tr.SilentFor)
	case LinkDown:
		return fmt.Sprintf("link down %s %s silent=%v", tr.Name, tr.Link, tr.SilentFor)
	case LocalLate:
		return fmt.Sprintf("local late late=%v", tr.Late)
	}
	return fmt.Sprintf("unknown kind %d", tr.Kind)
}

func wantNode(id cluster.NodeID, state NodeState, paths ...cluster.LinkName) func(*testing.T, View) {
	return func(t *testing.T, v View) {
		t.Helper()
		n, ok := v.Node(id)
		if !ok {
			t.Fatalf("node %d not in view", id)
		}
		if n.State != state {
			t.Errorf("node %d state = %v, want %v", id, n.State, state)
		}
		if got := v.Paths(id); !slices.Equal(got, paths) {
			t.Errorf("Paths(%d) = %v, want %v", id, got, paths)
		}
	}
}

func TestTracker(t *testing.T) {
	joinedB := []string{"node joined b link=ring0 epoch=1 return=false", "link up b serial0"}
	warnB := []string{"link warn b ring0 silent=3s", "link warn b serial0 silent=3s", "node warn b silent=3s"}
	deadB := "node dead b links=[ring0 serial0] silent=5s"

	tests := []struct {
		name  string
		peers []Peer
		steps []step
		stats Stats
	}{
		{
			name: "first frame joins the node, its other link comes up",
			steps: []step{
				{at: 0, hear: bBoth, want: joinedB, view: wantNode(2, NodeStateUp, "ring0", "serial0")},
				{at: 20 * time.Second, keep: bBoth},
			},
		},
		{
			name: "warn once per episode, then recovery",
			steps: []step{
				{at: 0, hear: bBoth, want: joinedB},
				{at: 3*time.Second - 1},
				{at: 3 * time.Second, want: warnB, view: wantNode(2, NodeStateWarn, "ring0", "serial0")},
				{at: 4 * time.Second, hear: []beat{bRing}, want: []string{"node recovered b link=ring0 silent=4s"},
					view: wantNode(2, NodeStateUp, "ring0", "serial0")},
				{at: 5 * time.Second, want: []string{"link down b serial0 silent=5s"}},
				{at: 7*time.Second - 1},
				{at: 7 * time.Second, want: []string{"link warn b ring0 silent=3s", "node warn b silent=3s"}},
			},
		},
		{
			name: "dead exactly at deadtime, not before",
			steps: []step{
				{at: 0, hear: bBoth, want: joinedB},
				{at: 5*time.Second - 1, want: warnB, view: wantNode(2, NodeStateWarn, "ring0", "serial0")},
				{at: 5 * time.Second, want: []string{deadB}, view: wantNode(2, NodeStateDead)},
				{at: 30 * time.Second},
			},
		},
		{
			name: "one link cut: link down, node stays up; second cut: node dead with both links",
			steps: []step{
				{at: 0, hear: bBoth, want: joinedB},
				{at: 10 * time.Second, keep: bBoth},
				{at: 15 * time.Second, keep: []beat{bSerial},
					want: []string{"link warn b ring0 silent=3s", "link down b ring0 silent=5s"},
					view: wantNode(2, NodeStateUp, "serial0")},
				{at: 20 * time.Second,
					want: []string{"link warn b serial0 silent=3s", "node warn b silent=3s",
						"node dead b links=[ring0 serial0] silent=5s"},
					view: wantNode(2, NodeStateDead)},
			},
		},
		{
			name: "return after death",
			steps: []step{
				{at: 0, hear: bBoth, want: joinedB},
				{at: 5 * time.Second, want: append(slices.Clone(warnB), deadB)},
				{at: 7 * time.Second, hear: []beat{bRing}, want: []string{"node joined b link=ring0 epoch=1 return=true"},
					view: wantNode(2, NodeStateUp, "ring0")},
				{at: 7*time.Second + 500*time.Millisecond, hear: []beat{bSerial}, want: []string{"link up b serial0"},
					view: wantNode(2, NodeStateUp, "ring0", "serial0")},
				{at: 20 * time.Second, keep: bBoth},
			},
		},
		{
			name: "return with a new epoch is a join, not a restart",
			steps: []step{
				{at: 0, hear: bBoth, want: joinedB},
				{at: 5 * time.Second, want: append(slices.Clone(warnB), deadB)},
				{at: 6 * time.Second, hear: []beat{hbe(2, "ring0", 2)}, want: []string{"node joined b link=ring0 epoch=2 return=true"}},
			},
		},
		{
			name: "frame received before the death does not undo it",
			steps: []step{
				{at: 0, hear: bBoth, want: joinedB},
				{at: 5 * time.Second, want: append(slices.Clone(warnB), deadB)},
				{at: 6 * time.Second, hear: []beat{{node: 2, link: "ring0", epoch: 1, age: 2 * time.Second}},
					view: wantNode(2, NodeStateDead)},
				{at: 6*time.Second + 500*time.Millisecond, hear: []beat{bRing},
					want: []string{"node joined b link=ring0 epoch=1 return=true"}},
			},
			stats: Stats{Stale: 1},
		},
		{
			name: "never-heard peer is dead at initdead, not deadtime",
			steps: []step{
				{at: initdead - 1, view: wantNode(2, NodeStatePending)},
				{at: initdead, want: []string{"node dead b links=[ring0 serial0] silent=10s"}, view: wantNode(2, NodeStateDead)},
			},
		},
		{
			name: "after first contact deadtime applies, a link never heard on does not hold the node",
			steps: []step{
				{at: time.Second, hear: []beat{bRing}, want: []string{"node joined b link=ring0 epoch=1 return=false"},
					view: wantNode(2, NodeStateUp, "ring0")},
				{at: 6*time.Second - 1, want: []string{"link warn b ring0 silent=3s", "node warn b silent=3s"}},
				{at: 6 * time.Second, want: []string{deadB}},
			},
		},
		{
			name: "link never heard on is down at initdead",
			steps: []step{
				{at: 0, hear: []beat{bRing}, want: []string{"node joined b link=ring0 epoch=1 return=false"}},
				{at: 12 * time.Second, keep: []beat{bRing}, want: []string{"link down b serial0 silent=10s"},
					view: wantNode(2, NodeStateUp, "ring0")},
				{at: 13 * time.Second, hear: []beat{bSerial}, want: []string{"link up b serial0"}},
			},
		},
		{
			name: "new epoch from an up node is a restart",
			steps: []step{
				{at: 0, hear: bBoth, want: joinedB},
				{at: time.Second, hear: []beat{hbe(2, "ring0", 2), hbe(2, "serial0", 2)},
					want: []string{"node restarted b link=ring0 epoch=2"}},
				{at: 10 * time.Second, keep: []beat{hbe(2, "ring0", 2), hbe(2, "serial0", 2)},
					view: func(t *testing.T, v View) {
						if n, _ := v.Node(2); n.Epoch != 2 || n.State != NodeStateUp {
							t.Errorf("node b = epoch %d %v, want epoch 2 up", n.Epoch, n.State)
						}
					}},
			},
		},
		{
			name: "new epoch from a node in warn is a restart",
			steps: []step{
				{at: 0, hear: bBoth, want: joinedB},
				{at: 3 * time.Second, want: warnB},
				{at: 4 * time.Second, hear: []beat{hbe(2, "ring0", 2)}, want: []string{"node restarted b link=ring0 epoch=2"},
					view: wantNode(2, NodeStateUp, "ring0", "serial0")},
			},
		},
		{
			name: "older epoch ignored",
			steps: []step{
				{at: 0, hear: []beat{hbe(2, "ring0", 2), hbe(2, "serial0", 2)},
					want: []string{"node joined b link=ring0 epoch=2 return=false", "link up b serial0"}},
				{at: 3 * time.Second, want: warnB},
				{at: 4 * time.Second, hear: []beat{hbe(2, "ring0", 1)}, view: wantNode(2, NodeStateWarn, "ring0", "serial0")},
				{at: 5 * time.Second, want: []string{deadB}},
			},
			stats: Stats{Stale: 1},
		},
		{
			name: "unknown node, unknown link and self ignored",
			steps: []step{
				{at: 0, hear: []beat{hb(9, "ring0"), hb(2, "ring9"), hb(1, "ring0")}, view: wantNode(2, NodeStatePending)},
			},
			stats: Stats{Unknown: 3},
		},
		{
			name: "local stall of 3x deadtime: peers heard right after are not declared dead",
			steps: []step{
				{at: 0, hear: bBoth, want: joinedB},
				{at: 2 * time.Second, keep: bBoth},
				{at: 17 * time.Second, jump: true, hear: bBoth, want: []string{"local late late=14.75s"},
					view: wantNode(2, NodeStateUp, "ring0", "serial0")},
				{at: 30 * time.Second, keep: bBoth},
			},
		},
		{
			name: "local stall of 3x deadtime: tick before the queued frames, still not dead",
			steps: []step{
				{at: 0, hear: bBoth, want: joinedB},
				{at: 2 * time.Second, keep: bBoth},
				{at: 17 * time.Second, jump: true, want: []string{"local late late=14.75s"},
					view: wantNode(2, NodeStateUp, "ring0", "serial0")},
				{at: 17*time.Second + 100*time.Millisecond, hear: bBoth},
				{at: 30 * time.Second, keep: bBoth},
			},
		},
		{
			name: "local stall, then genuine silence: dead one deadtime after the stall",
			steps: []step{
				{at: 0, hear: bBoth, want: joinedB},
				{at: 2 * time.Second, keep: bBoth},
				{at: 17 * time.Second, jump: true, want: []string{"local late late=14.75s"}},
				// judged from 2s+14.75s = 16.75s: warn at 19.75s, dead at 21.75s;
				// SilentFor is wall time since last heard (2s).
				{at: 21750*time.Millisecond - 1, want: []string{
					"link warn b ring0 silent=17.75s", "link warn b serial0 silent=17.75s", "node warn b silent=17.75s"}},
				{at: 21750 * time.Millisecond, want: []string{"node dead b links=[ring0 serial0] silent=19.75s"}},
			},
		},
		{
			name: "local stall postpones initdead of a never-heard peer",
			steps: []step{
				{at: time.Second},
				{at: 9 * time.Second, jump: true, want: []string{"local late late=7.75s"}},
				{at: 17750*time.Millisecond - 1},
				{at: 17750 * time.Millisecond, want: []string{"node dead b links=[ring0 serial0] silent=17.75s"}},
			},
		},
		{
			name: "lateness within tolerance is not a stall",
			steps: []step{
				{at: 0, hear: bBoth, want: joinedB},
				{at: time.Second, keep: bBoth},
				{at: 1750 * time.Millisecond, jump: true},
				{at: 2500*time.Millisecond + 1, jump: true, want: []string{"local late late=500.000001ms"}},
			},
		},
		{
			name:  "peers are judged independently, in id order",
			peers: []Peer{peerC, peerB},
			steps: []step{
				{at: 0, hear: []beat{hb(3, "ring0"), bRing, bSerial},
					want: []string{"node joined c link=ring0 epoch=1 return=false", "node joined b link=ring0 epoch=1 return=false", "link up b serial0"}},
				{at: 5 * time.Second, keep: []beat{hb(3, "ring0")}, want: append(slices.Clone(warnB), deadB),
					view: wantNode(3, NodeStateUp, "ring0")},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			peers := tc.peers
			if peers == nil {
				peers = []Peer{peerB}
			}
			tr := newTestTracker(t, peers...)
			play(t, tr, tc.steps, true)
			if got := tr.Stats(); got != tc.stats {
				t.Errorf("Stats = %+v, want %+v", got, tc.stats)
			}
		})
	}
}

func TestTrackerFirstAdvanceIsBaseline(t *testing.T) {
	// The driver may start ticking well after the tracker was made: the first
	// Advance has no previous one to be late against.
	tr := newTestTracker(t, peerB)
	if got := tr.Advance(t0.Add(2 * time.Second)); len(got) != 0 {
		t.Fatalf("first Advance = %v, want nothing", got)
	}
}

func TestTrackerObserveUpNodeDoesNotAllocate(t *testing.T) {
	tr := newTestTracker(t, peerB, peerC)
	o := Observation{Node: 3, Link: "ring0", Epoch: 1, At: t0}
	tr.Observe(o)
	allocs := testing.AllocsPerRun(1000, func() {
		o.At = o.At.Add(time.Millisecond)
		if trs := tr.Observe(o); trs != nil {
			t.Fatalf("Observe = %v", trs)
		}
	})
	if allocs != 0 {
		t.Fatalf("Observe of an up node on an up link: %v allocs, want 0", allocs)
	}
}

func BenchmarkTrackerObserve(b *testing.B) {
	peers := []Peer{peerB}
	for id := cluster.NodeID(3); id < 34; id++ {
		peers = append(peers, Peer{ID: id, Name: cluster.NodeName(fmt.Sprintf("n%d", id)),
			Links: []cluster.LinkName{"ring0", "ring1", "serial0"}})
	}
	tr := newTestTracker(b, peers...)
	o := Observation{Node: 20, Link: "serial0", Epoch: 1, At: t0}
	tr.Observe(o)
	b.ReportAllocs()
	for b.Loop() {
		o.At = o.At.Add(time.Microsecond)
		tr.Observe(o)
	}
}

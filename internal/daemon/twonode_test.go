package daemon

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.etcd.io/raft/v3"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"pacer/crm/cib"
	"pacer/crm/store"
	"pacer/heartbeat"
	"pacer/heartbeat/memlink"
	"pacer/internal/clock"
	"pacer/internal/cluster"
	"pacer/internal/config"
)

// fenceLab is a test fence device shared by the nodes of a test: fencing
// a node "powers it off" (stops its daemon and cuts it from the network);
// a powered-off node cannot fence anybody; a node can be told to fail its
// next attempts. It records every attempt.
type fenceLab struct {
	mu    sync.Mutex
	net   *memlink.Network
	ids   map[string]cluster.NodeID
	off   map[string]bool
	fails map[string]int // attempts left to fail, by fencing node
	kill  map[string]func()
	calls []string // "by>target ok" or "by>target failed"
}

func newFenceLab(net *memlink.Network, names []string) *fenceLab {
	l := &fenceLab{net: net, ids: map[string]cluster.NodeID{}, off: map[string]bool{}, fails: map[string]int{}, kill: map[string]func(){}}
	for i, n := range names {
		l.ids[n] = cluster.NodeID(i + 1)
	}
	return l
}

type labFencer struct {
	lab  *fenceLab
	self string
}

func (f labFencer) Fence(_ context.Context, node string) error {
	l := f.lab
	l.mu.Lock()
	if l.off[f.self] {
		l.calls = append(l.calls, f.self+">"+node+" failed")
		l.mu.Unlock()
		return errors.New("fence device unreachable: the fencing node is powered off")
	}
	if l.fails[f.self] > 0 {
		l.fails[f.self]--
		l.calls = append(l.calls, f.self+">"+node+" failed")
		l.mu.Unlock()
		return errors.New("fence device timed out (test)")
	}
	l.off[node] = true
	l.calls = append(l.calls, f.self+">"+node+" ok")
	kill := l.kill[node]
	l.mu.Unlock()
	l.net.Isolate(l.ids[node])
	if kill != nil {
		kill()
	}
	return nil
}

func (l *fenceLab) log() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.calls)
}

type twoNodeRig struct {
	t     *testing.T
	net   *memlink.Network
	lab   *fenceLab
	names []string
	cfgs  []config.Config
	ds    []*Daemon
	logs  []*observer.ObservedLogs
	stop  []context.CancelFunc
	done  []chan error
}

func newTwoNodeRig(t *testing.T, delays [2]time.Duration) *twoNodeRig {
	r := &twoNodeRig{t: t, names: []string{"alpha", "bravo"}}
	r.net = memlink.NewNetwork(clock.Real{}, 1)
	r.lab = newFenceLab(r.net, r.names)
	r.ds, r.logs = make([]*Daemon, 2), make([]*observer.ObservedLogs, 2)
	r.stop, r.done = make([]context.CancelFunc, 2), make([]chan error, 2)
	for i := range r.names {
		cfg := testConfig(t, i, r.names)
		cfg.Raft = config.RaftConfig{Tick: config.Duration{Duration: 20 * time.Millisecond}, ElectionTicks: 10, HeartbeatTicks: 1}
		cfg.Quorum.TwoNode, cfg.Quorum.WaitForAll = true, true
		cfg.Quorum.FenceAgent = "fence_test" // replaced by the lab's device
		cfg.Quorum.FenceDelay = config.Duration{Duration: delays[i]}
		cfg.Quorum.FenceRetry = config.Duration{Duration: 100 * time.Millisecond}
		r.cfgs = append(r.cfgs, cfg)
		r.start(i)
	}
	t.Cleanup(func() {
		for i := range r.ds {
			r.halt(i)
		}
	})
	return r
}

func (r *twoNodeRig) start(i int) {
	r.t.Helper()
	core, obs := observer.New(zap.InfoLevel)
	d, err := New(r.cfgs[i], Deps{Logger: zap.New(core), Keyring: keyring(),
		Links: []heartbeat.Link{r.net.Link(cluster.NodeID(i+1), "ring0")}, Fencer: labFencer{r.lab, r.names[i]}})
	if err != nil {
		r.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.ds[i], r.logs[i], r.stop[i], r.done[i] = d, obs, cancel, make(chan error, 1)
	r.net.HealAll() // powered on: its links are back
	r.lab.mu.Lock()
	r.lab.off[r.names[i]] = false
	r.lab.kill[r.names[i]] = cancel
	r.lab.mu.Unlock()
	go func(done chan error) { done <- d.Run(ctx) }(r.done[i])
}

// halt stops daemon i (a crash, as far as the other can tell) and waits.
func (r *twoNodeRig) halt(i int) {
	if r.stop[i] == nil {
		return
	}
	r.stop[i]()
	if err := <-r.done[i]; err != nil {
		r.t.Errorf("%s stopped with %v", r.names[i], err)
	}
	r.stop[i] = nil
}

func (r *twoNodeRig) running(i int) bool {
	select {
	case <-r.ds[i].store.Done():
		return false
	default:
		return r.stop[i] != nil
	}
}

// waitFor polls cond; the deadline is a hang guard.
func (r *twoNodeRig) waitFor(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			for i, d := range r.ds {
				r.t.Logf("%s: running %v status %+v", r.names[i], r.running(i), d.store.Status())
			}
			r.t.Logf("fence log %v", r.lab.log())
			r.t.Fatalf("never happened: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (r *twoNodeRig) leads(i int, voters ...uint64) func() bool {
	return func() bool {
		st := r.ds[i].store.Status()
		return st.State == raft.StateLeader && slices.Equal(st.Voters, voters)
	}
}

func (r *twoNodeRig) commit(i int, rsc string) []string {
	r.t.Helper()
	st := r.ds[i].store
	for try := 0; ; try++ {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		cur, v, err := st.ReadConfig(ctx)
		var ids []string
		if err == nil {
			c := *cur
			c.Configuration.Resources = append(slices.Clone(c.Configuration.Resources),
				&cib.Resource{Kind: cib.KindPrimitive, ID: rsc, Class: "ocf", Provider: "pacemaker", Type: "Dummy"})
			for _, r := range c.Configuration.Resources {
				ids = append(ids, r.ID)
			}
			_, err = st.ProposeConfig(ctx, v, &c)
		}
		cancel()
		if err == nil {
			// The proposer hears of the apply just before the applied
			// copy is published.
			r.waitFor(rsc+" applied on "+r.names[i], func() bool { return slices.Equal(rscIDs(r.t, st), ids) })
			return ids
		}
		if try > 50 {
			r.t.Fatalf("commit %s through %s: %v", rsc, r.names[i], err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func rscIDs(t *testing.T, st *store.Node) []string {
	t.Helper()
	c, _, err := st.Local()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range c.Configuration.Resources {
		ids = append(ids, r.ID)
	}
	return ids
}

func logged(obs *observer.ObservedLogs, msg string) int { return obs.FilterMessage(msg).Len() }

// The peer dies: the survivor fences it (the device records it), forces a
// single-voter configuration only then, leads alone with every committed
// change, and commits more. The dead node, restarted on its data_dir,
// is addressed by a new raft id, rejoins as a learner with the changes it
// missed and is promoted back to voter.
func TestTwoNodePeerDiesIsFencedAndRejoins(t *testing.T) {
	r := newTwoNodeRig(t, [2]time.Duration{0, 0})
	r.waitFor("a DC", func() bool { return r.leads(0, 1, 2)() || r.leads(1, 1, 2)() })
	for i := range r.ds {
		r.waitFor("wait_for_all released on "+r.names[i], r.ds[i].ActionsAllowed)
	}
	want := r.commit(0, "r1")
	if n := len(r.lab.log()); n != 0 {
		t.Fatalf("fenced with both nodes up: %v", r.lab.log())
	}
	r.halt(1)
	r.waitFor("alpha leads alone", r.leads(0, 1))
	if got := r.lab.log(); !slices.Equal(got, []string{"alpha>bravo ok"}) {
		t.Fatalf("fence log %v, want alpha fencing bravo once", got)
	}
	if got := rscIDs(t, r.ds[0].store); !slices.Equal(got, want) {
		t.Fatalf("after the force alpha has %v, want %v", got, want)
	}
	forced := r.logs[0].FilterMessage("forced single-voter raft configuration").All()
	if len(forced) != 1 {
		t.Fatalf("%d forced-configuration lines", len(forced))
	}
	f := forced[0]
	if f.Level != zap.WarnLevel || f.ContextMap()["applied"] == nil || f.ContextMap()["committed"] == nil ||
		f.ContextMap()["last"] == nil || f.ContextMap()["term"] == nil {
		t.Fatalf("forced line %v %v lacks an index", f.Level, f.ContextMap())
	}
	fencedAt := r.logs[0].FilterMessage("fencing succeeded").All()[0].Time
	if forced[0].Time.Before(fencedAt) {
		t.Fatal("forced before fencing succeeded")
	}
	want = r.commit(0, "r2")
	r.waitFor("bravo's name gets a new raft id", func() bool {
		return slices.ContainsFunc(r.ds[0].store.Members(), func(m store.Member) bool { return m.Name == "bravo" && m.ID > 2 && !m.Removed })
	})

	// bravo comes back on its data_dir with its old raft id 2.
	r.start(1)
	r.waitFor("bravo rejoined and promoted", func() bool {
		b := r.ds[1].store.Status()
		a := r.ds[0].store.Status()
		return b.ID > 2 && slices.Equal(a.Voters, []uint64{1, b.ID}) && len(a.Learners) == 0 && b.Applied >= a.Applied
	})
	if got := rscIDs(t, r.ds[1].store); !slices.Equal(got, want) {
		t.Fatalf("rejoined bravo has %v, want %v", got, want)
	}
	if logged(r.logs[1], "the DC addresses this node by a new raft id: this node was removed from the raft group (fenced) and rejoins as a learner") != 1 {
		t.Fatal("bravo did not log its rejoin")
	}
	// Both vote again: alpha alone is no quorum any more.
	want = r.commit(1, "r3")
	r.waitFor("alpha has r3", func() bool { return slices.Equal(rscIDs(t, r.ds[0].store), want) })

	// alpha dies in turn: bravo fences it and leads alone under its new
	// raft id, and names itself DC (the name comes from the store's
	// members, not from the configured node ids).
	r.halt(0)
	r.waitFor("bravo leads alone", func() bool { l := r.ds[1].DC(); return l.ID != 0 && l.ID == r.ds[1].store.ID() })
	if l := r.ds[1].DC(); l.Name != "bravo" || l.ID <= 2 {
		t.Fatalf("bravo's DC under its new raft id: %+v, want bravo", l)
	}
}

// A failed fencing attempt forces nothing; it is retried, and the force
// follows the first success.
func TestTwoNodeFenceFailsNoForceRetried(t *testing.T) {
	r := newTwoNodeRig(t, [2]time.Duration{0, 0})
	r.waitFor("a DC", func() bool { return r.leads(0, 1, 2)() || r.leads(1, 1, 2)() })
	r.lab.mu.Lock()
	r.lab.fails["alpha"] = 2
	r.lab.mu.Unlock()
	r.halt(1)
	for n := 1; n <= 2; n++ {
		r.waitFor(fmt.Sprintf("%d failed attempts", n), func() bool { return len(r.lab.log()) >= n })
		if st := r.ds[0].store.Status(); len(st.Voters) != 2 || logged(r.logs[0], "forced single-voter raft configuration") != 0 {
			t.Fatalf("after %d failed fencing attempts: voters %v, forced lines %d", n, st.Voters, logged(r.logs[0], "forced single-voter raft configuration"))
		}
	}
	r.waitFor("alpha leads alone", r.leads(0, 1))
	if got := r.lab.log(); !slices.Equal(got, []string{"alpha>bravo failed", "alpha>bravo failed", "alpha>bravo ok"}) {
		t.Fatalf("fence log %v", got)
	}
	if n := logged(r.logs[0], "fencing failed"); n != 2 {
		t.Fatalf("%d 'fencing failed' lines, want 2", n)
	}
}

// Split both ways: each side sees the other dead. Only the side whose
// fencing succeeds goes on; the other is powered off by it.
func TestTwoNodeSplitOnlyFencingWinnerContinues(t *testing.T) {
	for _, tc := range []struct {
		name        string
		delays      [2]time.Duration
		alphaFails  int
		winner, lsr int
	}{
		{"bravo delays, alpha wins", [2]time.Duration{0, 300 * time.Millisecond}, 0, 0, 1},
		{"alpha's device fails, bravo wins after its delay", [2]time.Duration{0, 300 * time.Millisecond}, 1000, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newTwoNodeRig(t, tc.delays)
			r.waitFor("a DC", func() bool { return r.leads(0, 1, 2)() || r.leads(1, 1, 2)() })
			want := r.commit(0, "before")
			r.lab.mu.Lock()
			r.lab.fails["alpha"] = tc.alphaFails
			r.lab.mu.Unlock()
			r.net.Partition(1, 2)
			w := uint64(tc.winner + 1)
			r.waitFor(r.names[tc.winner]+" leads alone", r.leads(tc.winner, w))
			r.waitFor(r.names[tc.lsr]+" powered off", func() bool { return !r.running(tc.lsr) })
			for _, c := range r.lab.log() {
				if strings.HasPrefix(c, r.names[tc.lsr]+">") && strings.HasSuffix(c, " ok") {
					t.Fatalf("the loser fenced too: %v", r.lab.log())
				}
			}
			if logged(r.logs[tc.lsr], "forced single-voter raft configuration") != 0 {
				t.Fatal("the loser forced a configuration")
			}
			if got := rscIDs(t, r.ds[tc.winner].store); !slices.Equal(got, want) {
				t.Fatalf("winner has %v, want %v", got, want)
			}
			r.commit(tc.winner, "after")
		})
	}
}

// A node that boots alone: with wait_for_all it neither fences its
// never-seen peer nor acts (it may hold an older CIB than the peer went on
// with), until the peer shows up; without wait_for_all it fences the peer
// once initdead is over and leads alone.
func TestTwoNodeBootAlone(t *testing.T) {
	for _, waitForAll := range []bool{true, false} {
		t.Run(fmt.Sprintf("wait_for_all=%v", waitForAll), func(t *testing.T) {
			names := []string{"alpha", "bravo"}
			net := memlink.NewNetwork(clock.Real{}, 1)
			lab := newFenceLab(net, names)
			cfgs := make([]config.Config, 2)
			for i := range cfgs {
				cfg := testConfig(t, i, names)
				cfg.Initdead = config.Duration{Duration: 300 * time.Millisecond}
				cfg.Raft = config.RaftConfig{Tick: config.Duration{Duration: 20 * time.Millisecond}, ElectionTicks: 10, HeartbeatTicks: 1}
				cfg.Quorum.TwoNode, cfg.Quorum.WaitForAll, cfg.Quorum.FenceAgent = true, waitForAll, "fence_test"
				cfgs[i] = cfg
			}
			run := func(i int) (*Daemon, *observer.ObservedLogs) {
				core, obs := observer.New(zap.InfoLevel)
				d, err := New(cfgs[i], Deps{Logger: zap.New(core), Keyring: keyring(),
					Links: []heartbeat.Link{net.Link(cluster.NodeID(i+1), "ring0")}, Fencer: labFencer{lab, names[i]}})
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan error, 1)
				go func() { done <- d.Run(ctx) }()
				t.Cleanup(func() {
					cancel()
					<-done
				})
				return d, obs
			}
			d, obs := run(0)
			if d.ActionsAllowed() == waitForAll {
				t.Fatalf("actions allowed at boot: %v", d.ActionsAllowed())
			}
			deadline := time.Now().Add(20 * time.Second)
			if waitForAll {
				for obs.FilterMessage("wait_for_all: the peer was not seen since boot and is dead; not fencing it and not acting: "+
					"this node may hold an older CIB than the peer; start the peer, or set wait_for_all = false to go on alone").Len() == 0 {
					if time.Now().After(deadline) {
						t.Fatal("the waiting node never said why it waits")
					}
					time.Sleep(5 * time.Millisecond)
				}
				time.Sleep(300 * time.Millisecond) // a few fence retries' worth
				if got := lab.log(); len(got) != 0 || d.ActionsAllowed() || d.store.Status().Lead != 0 {
					t.Fatalf("alone under wait_for_all: fence log %v, allowed %v, status %+v", got, d.ActionsAllowed(), d.store.Status())
				}
				run(1)
				for !d.ActionsAllowed() || d.store.Status().Lead == 0 {
					if time.Now().After(deadline) {
						t.Fatalf("the peer came and still: allowed %v status %+v", d.ActionsAllowed(), d.store.Status())
					}
					time.Sleep(5 * time.Millisecond)
				}
				if got := lab.log(); len(got) != 0 {
					t.Fatalf("fenced: %v", got)
				}
				return
			}
			for d.store.Status().State != raft.StateLeader {
				if time.Now().After(deadline) {
					t.Fatalf("never led alone; fence log %v status %+v", lab.log(), d.store.Status())
				}
				time.Sleep(5 * time.Millisecond)
			}
			if got := lab.log(); !slices.Equal(got, []string{"alpha>bravo ok"}) {
				t.Fatalf("fence log %v", got)
			}
			if st := d.store.Status(); !slices.Equal(st.Voters, []uint64{1}) {
				t.Fatalf("voters %v", st.Voters)
			}
		})
	}
}

type fakeLeaders struct{ ch chan store.Leadership }

func (f fakeLeaders) WatchLeader() (<-chan store.Leadership, func()) { return f.ch, func() {} }

// Under wait_for_all the coordinator is shown no DC while this node leads,
// until the gate opens; others' leadership passes through.
func TestWaitForAllGatesLeadership(t *testing.T) {
	tn := &twoNode{lg: zap.NewNop(), released: make(chan struct{})}
	src := fakeLeaders{ch: make(chan store.Leadership, 1)}
	watch, cancel := tn.gate(src, func() uint64 { return 1 })()
	defer cancel()
	next := func() store.Leadership {
		t.Helper()
		select {
		case l := <-watch:
			return l
		case <-time.After(10 * time.Second): // hang guard
			t.Fatal("no leadership update")
		}
		return store.Leadership{}
	}
	src.ch <- store.Leadership{ID: 2, Name: "bravo", Term: 3}
	if l := next(); l.ID != 2 {
		t.Fatalf("the peer's leadership hidden: %+v", l)
	}
	src.ch <- store.Leadership{ID: 1, Name: "alpha", Term: 4}
	if l := next(); l.ID != 0 {
		t.Fatalf("own leadership shown before wait_for_all: %+v", l)
	}
	tn.release("peer seen")
	if l := next(); l.ID != 1 || l.Term != 4 {
		t.Fatalf("own leadership after release: %+v", l)
	}
}

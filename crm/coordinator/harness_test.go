package coordinator

// A cluster of coordinators on fakes: one replicated CIB (fakeStore, which
// applies status updates with the store's own code), an in-memory network,
// a membership the test sets, a shared fake clock, the real executor on a
// runner that simulates agents per node (world), and a fencer that
// powers nodes off in that world.

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"pacer/agents"
	"pacer/crm/cib"
	"pacer/crm/cib/cibxml"
	"pacer/crm/cib/crmsh"
	"pacer/crm/store"
	"pacer/fencing"
	"pacer/heartbeat"
	"pacer/internal/clock"
	"pacer/internal/cluster"
	"pacer/membership"
	"pacer/resources"
)

// ---- store ----

type fakeStore struct {
	mu      sync.Mutex
	cib     *cib.CIB
	ver     store.Version
	lead    store.Leadership
	handles []*storeHandle
	seq     *atomic.Int64
	// fencedAt records, per node, the event number of the status update
	// that committed it fenced.
	fencedAt map[string]int64
	updates  []store.StatusUpdate
	// handOver, when set, is what a DC's HandOver does (raft's leader
	// transfer): it returns the transferee's id.
	handOver    func() uint64
	handOverLog []uint64
}

type storeHandle struct {
	s       *fakeStore
	changed chan struct{}
	mu      sync.Mutex
	watch   []chan store.Leadership
}

func newFakeStore(t *testing.T, seq *atomic.Int64, config string) *fakeStore {
	conf, err := crmsh.ParseConfiguration([]byte(config), "test")
	if err != nil {
		t.Fatalf("configuration: %v", err)
	}
	return &fakeStore{cib: &cib.CIB{AdminEpoch: "0", Epoch: "1", NumUpdates: "0", Configuration: *conf},
		ver: store.Version{Epoch: 1}, seq: seq, fencedAt: map[string]int64{}}
}

// setConfig replaces the configuration (a configuration CAS).
func (s *fakeStore) setConfig(t *testing.T, config string) {
	conf, err := crmsh.ParseConfiguration([]byte(config), "test")
	if err != nil {
		t.Fatalf("configuration: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cib.Configuration = *conf
	s.ver.Epoch++
	s.ver.NumUpdates = 0
	s.notify()
}

func (s *fakeStore) handle() *storeHandle {
	h := &storeHandle{s: s, changed: make(chan struct{}, 1)}
	s.mu.Lock()
	s.handles = append(s.handles, h)
	s.mu.Unlock()
	return h
}

func copyCIB(c *cib.CIB) *cib.CIB {
	var b bytes.Buffer
	if err := cibxml.Write(&b, c); err != nil {
		panic(err)
	}
	out, err := cibxml.Read(&b, "copy")
	if err != nil {
		panic(err)
	}
	return out
}

func (s *fakeStore) notify() {
	for _, h := range s.handles {
		select {
		case h.changed <- struct{}{}:
		default:
		}
	}
}

func (s *fakeStore) setLeader(id cluster.NodeID, name string, term uint64) {
	s.mu.Lock()
	s.lead = store.Leadership{ID: uint64(id), Name: cluster.NodeName(name), Term: term}
	hs := append([]*storeHandle(nil), s.handles...)
	s.mu.Unlock()
	for _, h := range hs {
		h.mu.Lock()
		for _, ch := range h.watch {
			select {
			case <-ch:
			default:
			}
			ch <- s.lead
		}
		h.mu.Unlock()
	}
}

// snapshot is a copy of the CIB.
func (s *fakeStore) snapshot() *cib.CIB {
	s.mu.Lock()
	defer s.mu.Unlock()
	return copyCIB(s.cib)
}

func (h *storeHandle) Local() (*cib.CIB, store.Version, error) {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	return copyCIB(h.s.cib), h.s.ver, nil
}

func (h *storeHandle) ProposeStatus(ctx context.Context, us ...store.StatusUpdate) (store.Version, error) {
	s := h.s
	s.mu.Lock()
	if err := store.ApplyStatus(s.cib, us...); err != nil {
		s.mu.Unlock()
		return store.Version{}, err
	}
	s.ver.NumUpdates++
	for _, u := range us {
		if u.ClearLRM && u.State != nil && u.State.Join == "down" {
			s.fencedAt[u.Node] = s.seq.Add(1)
		}
		s.updates = append(s.updates, u)
	}
	v := s.ver
	s.notify()
	s.mu.Unlock()
	return v, nil
}

func (h *storeHandle) WatchLeader() (<-chan store.Leadership, func()) {
	ch := make(chan store.Leadership, 1)
	h.s.mu.Lock()
	ch <- h.s.lead
	h.s.mu.Unlock()
	h.mu.Lock()
	h.watch = append(h.watch, ch)
	h.mu.Unlock()
	return ch, func() {}
}

func (h *storeHandle) Changed() <-chan struct{} { return h.changed }

var _ LeaderHandOver = (*storeHandle)(nil)

// HandOver is the leader transfer the test scripts (fakeStore.handOver);
// without a script there is no other voter (0).
func (h *storeHandle) HandOver(ctx context.Context) (uint64, error) {
	h.s.mu.Lock()
	f := h.s.handOver
	h.s.mu.Unlock()
	if f == nil {
		return 0, nil
	}
	to := f()
	h.s.mu.Lock()
	h.s.handOverLog = append(h.s.handOverLog, to)
	h.s.mu.Unlock()
	return to, nil
}

// ---- network ----

type fakeNet struct {
	mu     sync.Mutex
	coords map[cluster.NodeID]*Coordinator
	down   map[cluster.NodeID]bool
}

type netEnd struct {
	n    *fakeNet
	self cluster.NodeID
}

func (e netEnd) Send(to cluster.NodeID, data []byte) error {
	e.n.mu.Lock()
	c := e.n.coords[to]
	cut := e.n.down[e.self] || e.n.down[to]
	e.n.mu.Unlock()
	if cut || c == nil {
		return heartbeat.ErrNoPath
	}
	b := append([]byte(nil), data...)
	go c.Receive(e.self, b)
	return nil
}

// ---- membership ----

type fakeMembership struct {
	mu    sync.Mutex
	nodes []membership.NodeStatus
	ver   uint64
	subs  []*memberSub
}

type memberSub struct {
	self cluster.NodeID
	ch   chan membership.View
}

type memberHandle struct {
	m    *fakeMembership
	self cluster.NodeID
}

func (m *fakeMembership) viewFor(self cluster.NodeID) membership.View {
	return membership.View{Version: m.ver, Self: self, Nodes: append([]membership.NodeStatus(nil), m.nodes...)}
}

func (m *fakeMembership) set(id cluster.NodeID, st membership.NodeState) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ver++
	for i := range m.nodes {
		if m.nodes[i].ID == id {
			m.nodes[i].State = st
			if st == membership.NodeStateUp {
				m.nodes[i].Epoch++
			}
		}
	}
	for _, s := range m.subs {
		select {
		case <-s.ch:
		default:
		}
		s.ch <- m.viewFor(s.self)
	}
}

func (h memberHandle) View() membership.View {
	h.m.mu.Lock()
	defer h.m.mu.Unlock()
	return h.m.viewFor(h.self)
}

func (h memberHandle) Subscribe() (<-chan membership.View, func()) {
	h.m.mu.Lock()
	defer h.m.mu.Unlock()
	s := &memberSub{self: h.self, ch: make(chan membership.View, 1)}
	s.ch <- h.m.viewFor(h.self)
	h.m.subs = append(h.m.subs, s)
	return s.ch, func() {
		h.m.mu.Lock()
		defer h.m.mu.Unlock()
		for i, x := range h.m.subs {
			if x == s {
				h.m.subs = append(h.m.subs[:i], h.m.subs[i+1:]...)
				break
			}
		}
	}
}

// ---- agents ----

// world is what really runs where: the agents every node's runner
// simulates act on it.
type world struct {
	mu      sync.Mutex
	seq     *atomic.Int64
	running map[string]bool // "node/rsc"
	starts  []startEvent
	gates   map[string]chan struct{} // "node/rsc/action": held until closed
	hang    map[string]bool          // "node/rsc/action": never returns
	calls   map[string]int           // "node/rsc/action"
	fail    map[string]int           // "node/rsc/action": rc to return
}

type startEvent struct {
	node, rsc string
	seq       int64
}

func newWorld(seq *atomic.Int64) *world {
	return &world{seq: seq, running: map[string]bool{}, gates: map[string]chan struct{}{},
		hang: map[string]bool{}, calls: map[string]int{}, fail: map[string]int{}}
}

type nodeRunner struct {
	w    *world
	node string
}

var _ agents.Runner = nodeRunner{}

func (r nodeRunner) Run(ctx context.Context, req agents.Request) (agents.Result, error) {
	if req.Action == "meta-data" {
		return agents.Result{RC: 3}, nil
	}
	key := r.node + "/" + req.Instance + "/" + req.Action
	r.w.mu.Lock()
	r.w.calls[key]++
	gate, hang := r.w.gates[key], r.w.hang[key]
	r.w.mu.Unlock()
	if hang {
		<-ctx.Done()
		return agents.Result{RC: 1, Cancelled: true}, ctx.Err()
	}
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return agents.Result{RC: 1, Cancelled: true}, ctx.Err()
		}
	}
	r.w.mu.Lock()
	defer r.w.mu.Unlock()
	if rc, ok := r.w.fail[key]; ok {
		return agents.Result{RC: rc, ExitReason: "told to fail"}, nil
	}
	k := r.node + "/" + req.Instance
	switch req.Action {
	case "start":
		r.w.running[k] = true
		r.w.starts = append(r.w.starts, startEvent{r.node, req.Instance, r.w.seq.Add(1)})
	case "stop":
		delete(r.w.running, k)
	case "monitor", "status":
		if !r.w.running[k] {
			return agents.Result{RC: 7}, nil
		}
	}
	return agents.Result{RC: 0}, nil
}

func (w *world) where(rsc string) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for k := range w.running {
		if n, r, _ := strings.Cut(k, "/"); r == rsc {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func (w *world) setRunning(node, rsc string, on bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if on {
		w.running[node+"/"+rsc] = true
	} else {
		delete(w.running, node+"/"+rsc)
	}
}

func (w *world) hold(node, rsc, action string) func() {
	ch := make(chan struct{})
	w.mu.Lock()
	w.gates[node+"/"+rsc+"/"+action] = ch
	w.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			w.mu.Lock()
			delete(w.gates, node+"/"+rsc+"/"+action)
			w.mu.Unlock()
			close(ch)
		})
	}
}

func (w *world) count(node, rsc, action string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.calls[node+"/"+rsc+"/"+action]
}

func (w *world) startsOf(rsc string) []startEvent {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []startEvent
	for _, s := range w.starts {
		if s.rsc == rsc {
			out = append(out, s)
		}
	}
	return out
}

// powerOff is what fencing does to a node: nothing runs there any more.
func (w *world) powerOff(node string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for k := range w.running {
		if strings.HasPrefix(k, node+"/") {
			delete(w.running, k)
		}
	}
}

// ---- fencer ----

type fakeFencer struct {
	mu       sync.Mutex
	w        *world
	seq      *atomic.Int64
	failures int           // fail this many requests first
	gate     chan struct{} // when set, requests wait for it to close
	calls    []fencing.Request
	doneAt   map[string]int64
	// onFence, when set, runs after a fencing succeeded (with f.mu
	// held), e.g. to take the node out of the network as a power-off.
	onFence func(target string)
}

var _ Fencer = (*fakeFencer)(nil)

func (f *fakeFencer) Fence(ctx context.Context, req fencing.Request) (fencing.Result, error) {
	f.mu.Lock()
	f.calls = append(f.calls, req)
	gate := f.gate
	f.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return fencing.Result{}, ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failures > 0 {
		f.failures--
		return fencing.Result{}, fmt.Errorf("device fence1: %w", fencing.ErrFailed)
	}
	f.w.powerOff(req.Target)
	f.doneAt[req.Target] = f.seq.Add(1)
	if f.onFence != nil {
		f.onFence(req.Target)
	}
	return fencing.Result{Target: req.Target, Action: req.Action, Devices: []string{"fence1"}, Executor: req.Origin}, nil
}

// fakeHistory is fencings done outside the coordinator (Deps.FenceHistory).
type fakeHistory struct {
	mu      sync.Mutex
	entries []fencing.HistoryEntry
}

func (h *fakeHistory) History() []fencing.HistoryEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]fencing.HistoryEntry(nil), h.entries...)
}

func (h *fakeHistory) add(e fencing.HistoryEntry) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.entries = append(h.entries, e)
}

// heardAt sets when membership last heard node.
func (tc *testCluster) heardAt(name string, at time.Time) {
	m := tc.memb
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.nodes {
		if m.nodes[i].ID == tc.id(name) {
			m.nodes[i].LastHeard = at
		}
	}
}

func (f *fakeFencer) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

// ---- cluster ----

type testCluster struct {
	t      *testing.T
	clk    *clock.Fake
	seq    *atomic.Int64
	store  *fakeStore
	net    *fakeNet
	memb   *fakeMembership
	world  *world
	fencer *fakeFencer
	hist   *fakeHistory
	logs   *observer.ObservedLogs
	nodes  []NodeRef
	coords map[string]*Coordinator
	execs  map[string]*resources.Executor
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newCluster(t *testing.T, config string, names ...string) *testCluster {
	t.Helper()
	seq := &atomic.Int64{}
	clk := clock.NewFake(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	core, logs := observer.New(zapcore.DebugLevel)
	tc := &testCluster{t: t, clk: clk, seq: seq, store: newFakeStore(t, seq, config),
		net:  &fakeNet{coords: map[cluster.NodeID]*Coordinator{}, down: map[cluster.NodeID]bool{}},
		memb: &fakeMembership{}, world: newWorld(seq), logs: logs,
		coords: map[string]*Coordinator{}, execs: map[string]*resources.Executor{}}
	tc.fencer = &fakeFencer{w: tc.world, seq: seq, doneAt: map[string]int64{}}
	tc.hist = &fakeHistory{}
	for i, n := range names {
		ref := NodeRef{ID: cluster.NodeID(i + 1), Name: n}
		tc.nodes = append(tc.nodes, ref)
		tc.memb.nodes = append(tc.memb.nodes, membership.NodeStatus{ID: ref.ID, Name: cluster.NodeName(n), State: membership.NodeStateUp, Epoch: 1})
	}
	ctx, cancel := context.WithCancel(context.Background())
	tc.cancel = cancel
	for _, ref := range tc.nodes {
		lg := zap.New(core).Named("coordinator").With(zap.String("on", ref.Name))
		ecfg := resources.DefaultConfig()
		ecfg.NodeName = ref.Name
		ex, err := resources.New(ecfg, nodeRunner{tc.world, ref.Name}, clk, zap.NewNop())
		if err != nil {
			t.Fatal(err)
		}
		cfg := DefaultConfig()
		cfg.Self, cfg.SelfName, cfg.Nodes = ref.ID, ref.Name, tc.nodes
		cfg.ClusterDelay = 5 * time.Second
		c, err := New(cfg, Deps{Store: tc.store.handle(), Membership: memberHandle{tc.memb, ref.ID},
			Transport: netEnd{tc.net, ref.ID}, Executor: ex, Fencer: tc.fencer, FenceHistory: tc.hist, Clock: clk, Logger: lg})
		if err != nil {
			t.Fatal(err)
		}
		tc.net.coords[ref.ID] = c
		tc.coords[ref.Name] = c
		tc.execs[ref.Name] = ex
	}
	for _, c := range tc.coords {
		tc.wg.Add(1)
		go func() {
			defer tc.wg.Done()
			if err := c.Run(ctx); err != nil {
				t.Errorf("run: %v", err)
			}
		}()
	}
	t.Cleanup(func() {
		tc.cancel()
		for _, ex := range tc.execs {
			ex.Close()
		}
		tc.wg.Wait()
		if t.Failed() {
			for _, e := range tc.logs.All() {
				t.Logf("%s %s %v", e.Level, e.Message, e.ContextMap())
			}
		}
	})
	return tc
}

func (tc *testCluster) id(name string) cluster.NodeID {
	for _, n := range tc.nodes {
		if n.Name == name {
			return n.ID
		}
	}
	tc.t.Fatalf("no node %s", name)
	return 0
}

func (tc *testCluster) elect(name string, term uint64) {
	tc.store.setLeader(tc.id(name), name, term)
}

// kill makes a node unreachable and dead to membership (its pacerd
// killed: what it runs keeps running, the world says).
func (tc *testCluster) kill(name string) {
	tc.net.mu.Lock()
	tc.net.down[tc.id(name)] = true
	tc.net.mu.Unlock()
	tc.memb.set(tc.id(name), membership.NodeStateDead)
}

// revive brings a killed node back: reachable, alive with a new boot
// epoch.
func (tc *testCluster) revive(name string) {
	tc.net.mu.Lock()
	delete(tc.net.down, tc.id(name))
	tc.net.mu.Unlock()
	tc.memb.set(tc.id(name), membership.NodeStateUp)
}

// eventually waits (in real time, as a hang guard) for cond.
func (tc *testCluster) eventually(what string, cond func() bool) {
	tc.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tc.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// advanceUntil moves the fake clock by step until cond holds.
func (tc *testCluster) advanceUntil(what string, step time.Duration, cond func() bool) {
	tc.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tc.t.Fatalf("timed out waiting for %s (fake clock at %v)", what, tc.clk.Now())
		}
		tc.clk.Advance(step)
		time.Sleep(2 * time.Millisecond)
	}
}

// idle reports whether name is the DC and has nothing to do: every node
// joined, no transition running, none to plan.
func (tc *testCluster) idle(name string) bool {
	c := tc.coords[name]
	c.mu.Lock()
	d := c.dc
	c.mu.Unlock()
	return d != nil && d.idle.Load()
}

// logged counts log entries with msg whose fields include want.
func (tc *testCluster) logged(msg string, want map[string]any) int {
	n := 0
	for _, e := range tc.logs.FilterMessage(msg).All() {
		m := e.ContextMap()
		match := true
		for k, v := range want {
			if fmt.Sprint(m[k]) != fmt.Sprint(v) {
				match = false
			}
		}
		if match {
			n++
		}
	}
	return n
}

// history returns a node's lrm_rsc_op of rsc with id.
func history(c *cib.CIB, node, rsc, id string) (cib.LRMOp, bool) {
	ns := nodeState(c, node)
	if ns == nil || ns.LRM == nil {
		return cib.LRMOp{}, false
	}
	for _, r := range ns.LRM.Resources {
		if r.ID == rsc {
			for _, o := range r.Ops {
				if o.ID == id {
					return o, true
				}
			}
		}
	}
	return cib.LRMOp{}, false
}

func attr(c *cib.CIB, node, name string) string {
	ns := nodeState(c, node)
	if ns == nil {
		return ""
	}
	for _, s := range ns.Transient {
		for _, p := range s.Pairs {
			if p.Name == name {
				return p.Value
			}
		}
	}
	return ""
}

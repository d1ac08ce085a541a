package store

// A cluster of Nodes for tests: real Ready loops on bbolt files in a temp
// dir, the in-memory network delivering from a goroutine, and a fake clock
// the harness advances one tick at a time, only once every node has
// finished with what it had (settle), so raft's timing never depends on how
// fast the machine is. Hooks record what every node applied and who led
// which term, for the invariant checks.

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"go.etcd.io/raft/v3"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"pacer/crm/cib"
	"pacer/internal/clock"
	"pacer/internal/cluster"
)

const testTick = 100 * time.Millisecond

type clusterOpts struct {
	n               int // initial voters, ids 1..n
	seed            uint64
	maxVoters       int
	snapshotEntries uint64
	tail            uint64
	depth           int // per-link queue
	snapTimeout     int // SnapshotTimeoutTicks; 0: 50
	lg              *zap.Logger
}

type testCluster struct {
	t     *testing.T
	opts  clusterOpts
	clk   *clock.Fake
	net   *MemNetwork
	dir   string
	lg    *zap.Logger
	nodes map[uint64]*testNode
	// faults, when set, is the fault log dump prints.
	faults *[]string

	netCancel context.CancelFunc
	netDone   chan struct{}

	mu sync.Mutex
	// leaders[term] is every node that was leader in term.
	leaders map[uint64]map[uint64]bool
	// applied[id] is what node id applied, in order, across restarts.
	applied map[uint64][]appliedEntry
	// applyCount[id][index] counts applications of index by node id.
	applyCount map[uint64]map[uint64]int
}

type appliedEntry struct {
	index uint64
	typ   entryType
	req   reqID
	ver   Version
	err   error
	// expected is a config entry's CAS version.
	expected Version
}

type testNode struct {
	id    uint64
	name  cluster.NodeName
	path  string
	peers []Peer
	log   *Log
	node  *Node
	errc  chan error
}

func newCluster(t *testing.T, o clusterOpts) *testCluster {
	t.Helper()
	if o.depth == 0 {
		o.depth = 256
	}
	if o.lg == nil {
		o.lg = zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
	}
	c := &testCluster{
		t: t, opts: o,
		clk:        clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)),
		net:        NewMemNetwork(o.seed, o.depth),
		dir:        t.TempDir(),
		lg:         o.lg,
		nodes:      map[uint64]*testNode{},
		netDone:    make(chan struct{}),
		leaders:    map[uint64]map[uint64]bool{},
		applied:    map[uint64][]appliedEntry{},
		applyCount: map[uint64]map[uint64]int{},
	}
	var ctx context.Context
	ctx, c.netCancel = context.WithCancel(context.Background())
	go func() {
		defer close(c.netDone)
		c.net.Run(ctx)
	}()
	var peers []Peer
	for id := uint64(1); id <= uint64(o.n); id++ {
		peers = append(peers, Peer{ID: id, Name: nodeName(id)})
	}
	for _, p := range peers {
		c.start(p.ID, peers)
	}
	t.Cleanup(c.close)
	return c
}

func nodeName(id uint64) cluster.NodeName { return cluster.NodeName(fmt.Sprintf("node%d", id)) }

func (c *testCluster) config(id uint64, peers []Peer) Config {
	cfg := DefaultConfig(id, nodeName(id))
	cfg.Peers = peers
	cfg.TickInterval = testTick
	cfg.MaxVoters = c.opts.maxVoters
	cfg.SnapshotEntries = c.opts.snapshotEntries
	cfg.CompactionTail = c.opts.tail
	cfg.SnapshotTimeoutTicks = cmp.Or(c.opts.snapTimeout, 50)
	return cfg
}

// start opens (or reopens) id's bolt file and runs a node on it.
func (c *testCluster) start(id uint64, peers []Peer) *testNode {
	c.t.Helper()
	tn := c.nodes[id]
	if tn == nil {
		tn = &testNode{id: id, name: nodeName(id), path: filepath.Join(c.dir, fmt.Sprintf("node%d.db", id)), peers: peers}
		c.nodes[id] = tn
	}
	if tn.node != nil {
		c.t.Fatalf("node %d already running", id)
	}
	l, err := Open(tn.path)
	if err != nil {
		c.t.Fatal(err)
	}
	n, err := New(c.config(id, tn.peers), l, c.net.Transport(id), c.clk, c.lg.Named("store"))
	if err != nil {
		c.t.Fatal(err)
	}
	n.onApply = func(index uint64, d decodedEntry, r result) {
		c.mu.Lock()
		defer c.mu.Unlock()
		e := appliedEntry{index: index, typ: d.typ, req: d.req(), ver: r.ver, err: r.err}
		if d.config != nil {
			e.expected = Version{AdminEpoch: d.config.AdminEpoch, Epoch: d.config.Epoch}
		}
		c.applied[id] = append(c.applied[id], e)
		if c.applyCount[id] == nil {
			c.applyCount[id] = map[uint64]int{}
		}
		c.applyCount[id][index]++
	}
	n.onState = func(term uint64, st raft.StateType) {
		if st != raft.StateLeader {
			return
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.leaders[term] == nil {
			c.leaders[term] = map[uint64]bool{}
		}
		c.leaders[term][id] = true
	}
	tn.log, tn.node, tn.errc = l, n, make(chan error, 1)
	c.net.Register(n)
	go func() { tn.errc <- n.Run(context.Background()) }()
	return tn
}

// crash stops id's node and closes its file, as a killed process leaves it.
func (c *testCluster) crash(id uint64) {
	c.t.Helper()
	tn := c.nodes[id]
	if tn == nil || tn.node == nil {
		c.t.Fatalf("crash %d: not running", id)
	}
	c.net.Unregister(id)
	tn.node.Stop()
	if err := <-tn.errc; err != nil {
		c.t.Fatalf("node %d stopped with %v", id, err)
	}
	if err := tn.log.Close(); err != nil {
		c.t.Fatal(err)
	}
	tn.node, tn.log = nil, nil
}

func (c *testCluster) restart(id uint64) *testNode { return c.start(id, nil) }

func (c *testCluster) close() {
	for _, tn := range c.nodes {
		if tn.node != nil {
			c.crash(tn.id)
		}
	}
	c.netCancel()
	<-c.netDone
}

func (c *testCluster) running() []*testNode {
	var out []*testNode
	for _, tn := range c.nodes {
		if tn.node != nil {
			out = append(out, tn)
		}
	}
	slices.SortFunc(out, func(a, b *testNode) int { return int(a.id) - int(b.id) })
	return out
}

func (c *testCluster) node(id uint64) *Node {
	c.t.Helper()
	tn := c.nodes[id]
	if tn == nil || tn.node == nil {
		c.t.Fatalf("node %d not running", id)
	}
	return tn.node
}

// settle waits until every running node is idle with empty inboxes and the
// network has nothing queued. The deadline is a hang guard, not a timing
// assertion.
func (c *testCluster) settle() {
	c.t.Helper()
	quiet := func() bool {
		if c.net.Pending() > 0 {
			return false
		}
		for _, tn := range c.running() {
			n := tn.node
			if !n.idle.Load() || len(n.recvc)+len(n.propc)+len(n.readc)+len(n.wake) > 0 {
				return false
			}
		}
		return true
	}
	deadline := time.Now().Add(30 * time.Second)
	for streak := 0; streak < 3; {
		c.checkAlive()
		if quiet() {
			streak++
		} else {
			streak = 0
		}
		if time.Now().After(deadline) {
			c.t.Fatal("cluster does not settle")
		}
		runtime.Gosched()
		time.Sleep(20 * time.Microsecond)
	}
}

// checkAlive fails the test if a node's loop stopped by itself.
func (c *testCluster) checkAlive() {
	c.t.Helper()
	for _, tn := range c.running() {
		select {
		case <-tn.node.Done():
			c.t.Fatalf("node %d loop ended: %v", tn.id, tn.node.Err())
		default:
		}
	}
}

// tick advances the clock one tick, waits for every node to take it, then
// settles.
func (c *testCluster) tick() {
	c.t.Helper()
	nodes := c.running()
	before := make([]uint64, len(nodes))
	for i, tn := range nodes {
		before[i] = tn.node.ticks.Load()
	}
	c.clk.Advance(testTick)
	deadline := time.Now().Add(30 * time.Second)
	for i, tn := range nodes {
		for tn.node.ticks.Load() == before[i] {
			c.checkAlive()
			if time.Now().After(deadline) {
				c.t.Fatalf("node %d does not take its tick", tn.id)
			}
			runtime.Gosched()
			time.Sleep(20 * time.Microsecond)
		}
	}
	c.settle()
}

// waitFor ticks until cond holds, at most maxTicks ticks of fake time.
func (c *testCluster) waitFor(what string, maxTicks int, cond func() bool) int {
	c.t.Helper()
	for i := 0; i <= maxTicks; i++ {
		c.settle()
		if cond() {
			return i
		}
		c.tick()
	}
	c.dump()
	c.t.Fatalf("after %d ticks: %s never happened", maxTicks, what)
	return 0
}

// dump logs every node's state, for a failure's post-mortem.
func (c *testCluster) dump() {
	ids := slices.Sorted(maps.Keys(c.nodes))
	for _, id := range ids {
		tn := c.nodes[id]
		if tn.node == nil {
			c.t.Logf("node %d: down", id)
			continue
		}
		st := tn.node.Status()
		c.t.Logf("node %d: %v lead %d term %d commit %d applied %d voters %v learners %v members %+v",
			id, st.State, st.Lead, st.Term, st.Commit, st.Applied, st.Voters, st.Learners, tn.node.Members())
	}
	if c.faults != nil {
		c.t.Logf("faults: %v", *c.faults)
	}
}

// leader waits for a leader every running voter agrees on.
func (c *testCluster) leader() *Node {
	c.t.Helper()
	var lead uint64
	c.waitFor("a leader all running nodes agree on", 300, func() bool {
		lead = 0
		for _, tn := range c.running() {
			st := tn.node.Status()
			if st.Lead == 0 || (lead != 0 && st.Lead != lead) {
				return false
			}
			lead = st.Lead
		}
		tn := c.nodes[lead]
		return tn != nil && tn.node != nil && tn.node.Status().State == raft.StateLeader
	})
	return c.nodes[lead].node
}

// async runs fn in a goroutine; the returned channel gets its result.
func async[T any](fn func() (T, error)) chan asyncResult[T] {
	ch := make(chan asyncResult[T], 1)
	go func() {
		v, err := fn()
		ch <- asyncResult[T]{v, err}
	}()
	return ch
}

type asyncResult[T any] struct {
	v   T
	err error
}

// await ticks until ch has a result.
func await[T any](c *testCluster, what string, ch chan asyncResult[T]) asyncResult[T] {
	c.t.Helper()
	var r asyncResult[T]
	c.waitFor(what, 300, func() bool {
		select {
		case r = <-ch:
			return true
		default:
			return false
		}
	})
	return r
}

func (c *testCluster) proposeConfig(n *Node, expected Version, newCIB *cib.CIB) (Version, error) {
	c.t.Helper()
	r := await(c, "config proposal", async(func() (Version, error) {
		return n.ProposeConfig(context.Background(), expected, newCIB)
	}))
	return r.v, r.err
}

func (c *testCluster) proposeStatus(n *Node, u ...StatusUpdate) (Version, error) {
	c.t.Helper()
	r := await(c, "status proposal", async(func() (Version, error) {
		return n.ProposeStatus(context.Background(), u...)
	}))
	return r.v, r.err
}

// waitApplied waits until every running node has applied as far as n.
func (c *testCluster) waitApplied(n *Node) {
	c.t.Helper()
	want := n.Status().Applied
	c.waitFor(fmt.Sprintf("every node applied %d", want), 300, func() bool {
		for _, tn := range c.running() {
			if tn.node.Status().Applied < want {
				return false
			}
		}
		return true
	})
}

// configWith is a CIB whose configuration has one primitive per id.
func configWith(base *cib.CIB, ids ...string) *cib.CIB {
	c := *base
	c.Configuration.Resources = slices.Clone(c.Configuration.Resources)
	for _, id := range ids {
		c.Configuration.Resources = append(c.Configuration.Resources,
			&cib.Resource{Kind: cib.KindPrimitive, ID: id, Class: "ocf", Provider: "pacemaker", Type: "Dummy"})
	}
	return &c
}

func resourceIDs(c *cib.CIB) []string {
	var out []string
	for _, r := range c.Configuration.Resources {
		out = append(out, r.ID)
	}
	return out
}

// checkInvariants checks what must hold at every step: at most one leader
// per term; every two nodes applied the same thing at every index both
// applied; config versions only grow; no index applied twice by a node; no
// two config CAS won on the same version.
func (c *testCluster) checkInvariants() {
	c.t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for term, ls := range c.leaders {
		if len(ls) > 1 {
			c.t.Fatalf("term %d has leaders %v", term, ls)
		}
	}
	at := map[uint64]appliedEntry{} // index -> what the first node applied
	winners := map[[2]uint64]uint64{}
	for id, es := range c.applied {
		var last Version
		var lastIndex uint64
		for _, e := range es {
			if e.index <= lastIndex {
				c.t.Fatalf("node %d applied %d after %d", id, e.index, lastIndex)
			}
			lastIndex = e.index
			if o, ok := at[e.index]; ok {
				if o.typ != e.typ || o.req != e.req || o.ver != e.ver || (o.err == nil) != (e.err == nil) {
					c.t.Fatalf("index %d: node %d applied %+v, another node %+v", e.index, id, e, o)
				}
			} else {
				at[e.index] = e
			}
			if e.ver.AdminEpoch < last.AdminEpoch || e.ver.AdminEpoch == last.AdminEpoch && e.ver.Epoch < last.Epoch {
				c.t.Fatalf("node %d: config version went back from %s to %s at %d", id, last, e.ver, e.index)
			}
			last = e.ver
			if e.typ == entryConfig && e.err == nil {
				// A winner was based on the version it replaced (the
				// tests never raise admin_epoch).
				if e.ver.AdminEpoch != e.expected.AdminEpoch || e.ver.Epoch != e.expected.Epoch+1 {
					c.t.Fatalf("node %d index %d: CAS expecting %s won and made %s", id, e.index, e.expected, e.ver)
				}
				k := [2]uint64{e.ver.AdminEpoch, e.ver.Epoch}
				if w, ok := winners[k]; ok && w != e.index {
					c.t.Fatalf("config version %s won at indexes %d and %d", e.ver, w, e.index)
				}
				winners[k] = e.index
			}
		}
		for index, n := range c.applyCount[id] {
			if n > 1 {
				c.t.Fatalf("node %d applied index %d %d times", id, index, n)
			}
		}
	}
}

func fakeClock() *clock.Fake { return clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) }

func testLogger(t *testing.T) *zap.Logger { return zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)) }

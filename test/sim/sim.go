// Package sim is the deterministic simulator of the replicated CIB
// (crm/store): N store nodes in one goroutine, over in-memory links, on a
// fake clock, with every random choice drawn from one seeded source. The
// nodes are real crm/store Nodes (the Ready loop's own code, stepped by
// store.Driver) on store.MemLog disks whose writes survive a crash only
// once synced. Faults: crashes and restarts (keeping or losing unsynced
// writes), partitions, one-way and two-way link loss, message drop, delay
// and duplication, slow and failing disks. Clients: config compare-and-swap
// writers (some racing on one version) and status writers. The invariants
// (check.go) are checked after every event. The same seed replays the same
// run, event for event: Result.Trace is a hash of it.
//
// Raft draws its election jitter from crypto/rand; a caller that wants a
// seed to replay sets crypto/rand to the seed first
// (testing/cryptotest.SetGlobalRandom; sim_test.go does).
package sim

import (
	"container/heap"
	"errors"
	"fmt"
	"hash"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"pacer/crm/cib"
	"pacer/crm/store"
	"pacer/internal/clock"
	"pacer/internal/cluster"
)

// Sim time is in milliseconds.
const (
	tickMS = 100 // one raft tick (store.Config.TickInterval)
)

// Options shape one run. Zero fields take defaults drawn from the seed or
// fixed below.
type Options struct {
	Seed uint64
	// Voters is 3 or 5; 0 draws it from the seed.
	Voters int
	// Learners join (AddMemberID) once the cluster runs; MaxVoters is
	// Voters, so they stay learners. 0 draws 0 or 1; -1 is none.
	Learners int
	// Ticks is the length of the fault phase.
	Ticks int
	// LiveTicks bounds the ticks a connected majority may go without a
	// leader committing a write; HealTicks the ticks the healed cluster
	// has to converge.
	LiveTicks int
	HealTicks int
	// Log, when set, gets the nodes' logs (replaying a failed seed).
	Log *zap.Logger
	// SendBeforeSync breaks persist-before-send: messages leave before
	// the writes made ahead of them are synced, so a crash can lose what
	// a node already acknowledged. For testing that the checker catches
	// it; never set otherwise.
	SendBeforeSync bool
	// NoReplayCheck delivers both copies of a duplicated message, which
	// store.Transport forbids (raft would commit a duplicated proposal
	// twice). For testing the simulator only.
	NoReplayCheck bool
}

func (o *Options) defaults(rng *rand.Rand) {
	if o.Voters == 0 {
		o.Voters = []int{3, 5}[rng.IntN(2)]
	}
	switch {
	case o.Learners == 0:
		o.Learners = rng.IntN(2)
	case o.Learners < 0:
		o.Learners = 0
	}
	if o.Ticks == 0 {
		o.Ticks = 300
	}
	if o.LiveTicks == 0 {
		o.LiveTicks = 100
	}
	if o.HealTicks == 0 {
		o.HealTicks = 300
	}
	if o.Log == nil {
		o.Log = zap.NewNop()
	}
}

// Result is what one run did.
type Result struct {
	Seed       uint64
	Voters     int
	Learners   int
	Steps      uint64            // events processed
	Faults     map[string]uint64 // injected, by kind
	Violations []string
	Trace      uint64 // hash of every event and the nodes' states after it
	// Committed entries (with a payload), config changes acknowledged,
	// status updates acknowledged, elections (leader, term).
	Committed, ConfigAcked, StatusAcked, Elections int
	// Snapshots sent to a lagging or new node.
	Snapshots int
	// MaxLiveTicks is the longest a connected majority waited for
	// progress.
	MaxLiveTicks int
}

// event is one thing that happens at a time; equal times run in the order
// they were scheduled.
type event struct {
	at  int64
	seq uint64
	fn  func()
}

type queue []*event

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	return q[i].at < q[j].at || q[i].at == q[j].at && q[i].seq < q[j].seq
}
func (q queue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(*event)) }
func (q *queue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// link is the state of one direction between two nodes.
type link struct {
	cut      bool
	drop     float64 // probability a message is lost
	dup      float64 // probability a message arrives twice
	delay    int64   // extra delay, up to this many ms (reorders)
	inflight int
}

func (l *link) clean() bool { return l.drop == 0 && l.dup == 0 && l.delay == 0 }

const linkDepth = 512 // messages in flight per link before it counts as full

// simNode is one node: its disk outlives its incarnations.
type simNode struct {
	id      uint64
	name    cluster.NodeName
	peers   []store.Peer
	voter   bool
	log     *store.MemLog
	drv     *store.Driver // nil while down
	inc     int           // incarnation, bumped on every start
	diskMS  int64         // how long a sync takes
	diskBad bool          // writes fail
	frozen  bool          // in a sync: the loop is blocked in a write
	syncGen uint64
	// deferred is what arrived while frozen (messages, proposals), run in
	// order when the sync ends; tickDue a tick that came meanwhile.
	deferred []func()
	tickDue  bool
	// held are messages sent after writes not yet synced: they leave once
	// writes <= the synced count (persist, then send).
	held []heldMsgs
	// acks are client results waiting, likewise, for the disk.
	acks []heldAck
	// applied is the last index this node applied (reset to the durable
	// applied index at a crash: it re-applies from there).
	applied uint64
}

type heldMsgs struct {
	writes uint64
	msgs   []*pb.Message
}

type heldAck struct {
	writes uint64
	fn     func()
}

// Sim is one run.
type Sim struct {
	o     Options
	rng   *rand.Rand
	now   int64
	seq   uint64
	q     queue
	clk   *clock.Fake
	start time.Time
	nodes []*simNode // by id-1
	links map[[2]uint64]*link
	trace hash.Hash64
	res   Result
	ck    *checker
	// phase: faults until the fault phase ends, then heal.
	healing bool
	stopped bool

	writers []*cfgWriter
	status  []*pendingOp
	joins   []*pendingOp
	nextRsc int
	// liveness
	live liveState
}

// Run runs one seed and returns what happened.
func Run(o Options) Result {
	s := newSim(o)
	s.run()
	return s.res
}

func newSim(o Options) *Sim {
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x5eed5eed5eed5eed))
	o.defaults(rng)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := &Sim{
		o: o, rng: rng, clk: clock.NewFake(start), start: start,
		links: map[[2]uint64]*link{},
		trace: fnv.New64a(),
		res:   Result{Seed: o.Seed, Voters: o.Voters, Learners: o.Learners, Faults: map[string]uint64{}},
	}
	s.ck = newChecker(s)
	s.live.since = -1
	var peers []store.Peer
	for id := uint64(1); id <= uint64(o.Voters); id++ {
		peers = append(peers, store.Peer{ID: id, Name: nodeName(id)})
	}
	for _, p := range peers {
		s.addNode(p.ID, peers, true)
	}
	return s
}

func nodeName(id uint64) cluster.NodeName { return cluster.NodeName(fmt.Sprintf("node%d", id)) }

func (s *Sim) addNode(id uint64, peers []store.Peer, voter bool) *simNode {
	n := &simNode{id: id, name: nodeName(id), peers: peers, voter: voter, log: store.NewMemLog(string(nodeName(id)))}
	n.log.SetAutoSync(false)
	n.diskMS = s.normalDisk()
	s.nodes = append(s.nodes, n)
	for _, o := range s.nodes {
		if o.id != id {
			s.links[[2]uint64{id, o.id}] = &link{}
			s.links[[2]uint64{o.id, id}] = &link{}
		}
	}
	s.startNode(n)
	// Each node ticks on its own phase.
	s.every(int64(s.rng.IntN(tickMS))+1, tickMS, func() { s.tick(n) })
	return n
}

func (s *Sim) normalDisk() int64 { return 1 + int64(s.rng.IntN(4)) }

func (s *Sim) node(id uint64) *simNode {
	if id == 0 || id > uint64(len(s.nodes)) {
		return nil
	}
	return s.nodes[id-1]
}

func (s *Sim) at(delay int64, fn func()) {
	s.seq++
	heap.Push(&s.q, &event{at: s.now + delay, seq: s.seq, fn: fn})
}

// every runs fn first after delay, then every period until the run ends.
func (s *Sim) every(delay, period int64, fn func()) {
	var loop func()
	loop = func() {
		fn()
		s.at(period, loop)
	}
	s.at(delay, loop)
}

func (s *Sim) fault(kind string) { s.res.Faults[kind]++ }

// hashf adds one line to the trace.
func (s *Sim) hashf(format string, args ...any) {
	fmt.Fprintf(s.trace, "%d ", s.now)
	fmt.Fprintf(s.trace, format, args...)
	s.trace.Write([]byte{'\n'})
}

func (s *Sim) run() {
	s.every(1, tickMS, s.monitor)
	s.scheduleFaults()
	s.startClients()
	s.at(int64(s.o.Ticks)*tickMS, s.heal)
	for !s.stopped && s.q.Len() > 0 && len(s.res.Violations) == 0 {
		e := heap.Pop(&s.q).(*event)
		s.now = e.at
		s.clk.AdvanceTo(s.start.Add(time.Duration(s.now) * time.Millisecond))
		e.fn()
		s.res.Steps++
	}
	if len(s.res.Violations) == 0 {
		s.ck.final()
	}
	s.res.Trace = s.trace.Sum64()
	s.res.Committed = len(s.ck.committed)
}

// startNode starts a new incarnation of n on its disk.
func (s *Sim) startNode(n *simNode) {
	n.inc++
	cfg := store.DefaultConfig(n.id, n.name)
	cfg.Peers = n.peers
	cfg.TickInterval = tickMS * time.Millisecond
	cfg.MaxVoters = s.o.Voters
	cfg.SnapshotEntries = 40
	cfg.CompactionTail = 10
	cfg.SnapshotTimeoutTicks = 50
	cfg.MaxInflightMsgs = 64
	lg := s.o.Log.Named("store").With(zap.Uint64("sim_node", n.id))
	node, err := store.New(cfg, n.log, &transport{s: s, n: n}, s.clk, lg)
	if err != nil {
		s.violate("node %d: start: %v", n.id, err)
		return
	}
	drv, err := store.NewDriver(node)
	if err != nil {
		s.violate("node %d: driver: %v", n.id, err)
		return
	}
	n.drv = drv
	n.applied = n.log.DurableApplied()
	inc := n.inc
	drv.OnApply(func(a store.Applied) { s.ck.applied(n, a) })
	drv.OnState(func(term uint64, st raft.StateType) {
		if n.inc == inc {
			s.ck.state(n, term, st)
		}
	})
	s.hashf("start %d inc %d", n.id, n.inc)
	s.call(n, "start", drv.Start)
}

// call runs one event on n's loop, then lets the disk and the network
// catch up with what it did.
func (s *Sim) call(n *simNode, what string, fn func() error) {
	if n.drv == nil {
		return
	}
	err := func() (err error) {
		defer func() {
			// Raft panics on a log it finds corrupted, truncated or
			// lost: the invariant it checks was broken.
			if p := recover(); p != nil {
				err = fmt.Errorf("%w: %v", errPanic, p)
			}
		}()
		return fn()
	}()
	if errors.Is(err, errPanic) {
		s.violate("node %d panicked in %s: %v", n.id, what, err)
		n.drv = nil
		return
	}
	if err != nil {
		if n.drv.Err() != nil {
			// The loop stopped (a failed write): the process exits.
			s.hashf("node %d stopped: %v", n.id, n.drv.Err())
			s.crash(n, "disk-failure-stop")
			s.restartLater(n)
			return
		}
		s.hashf("node %d %s: %v", n.id, what, err)
	}
	s.afterCall(n)
}

var errPanic = errors.New("panic")

// afterCall: writes made and not synced freeze the node for its disk's
// sync time; messages and acks wait for them.
func (s *Sim) afterCall(n *simNode) {
	if n.drv == nil {
		return
	}
	s.pollAcks(n)
	st := n.drv.Node().Status()
	s.hashf("node %d %v term %d lead %d commit %d applied %d w %d/%d", n.id, st.State, st.Term, st.Lead, st.Commit, st.Applied, n.log.Writes(), n.log.Synced())
	s.ck.step(n, st)
	if n.log.Writes() > n.log.Synced() {
		if !n.frozen {
			n.frozen = true
			n.syncGen++
			gen := n.syncGen
			s.at(n.diskMS, func() { s.syncDone(n, gen) })
		}
		return
	}
	s.release(n)
}

func (s *Sim) syncDone(n *simNode, gen uint64) {
	if n.drv == nil || !n.frozen || n.syncGen != gen {
		return
	}
	n.log.Sync()
	n.frozen = false
	s.hashf("sync %d", n.id)
	s.release(n)
	// The loop takes what waited: a tick (the ticker holds one), then the
	// rest, in order, until a write blocks it again.
	if n.tickDue {
		n.tickDue = false
		s.call(n, "tick", n.drv.Tick)
	}
	for !n.frozen && n.drv != nil && len(n.deferred) > 0 {
		fn := n.deferred[0]
		n.deferred = n.deferred[1:]
		fn()
	}
}

// release sends the held messages and answers the held acks whose writes
// are synced.
func (s *Sim) release(n *simNode) {
	synced := n.log.Synced()
	var keep []heldMsgs
	for _, h := range n.held {
		if h.writes > synced {
			keep = append(keep, h)
			continue
		}
		for _, m := range h.msgs {
			s.send(n, m)
		}
	}
	n.held = keep
	var acks []heldAck
	for _, a := range n.acks {
		if a.writes > synced {
			acks = append(acks, a)
			continue
		}
		a.fn()
	}
	n.acks = acks
}

// whenUp runs fn on n's loop now, or when its write is done.
func (s *Sim) whenUp(n *simNode, fn func()) {
	if n.drv == nil {
		return
	}
	if n.frozen {
		n.deferred = append(n.deferred, fn)
		return
	}
	fn()
}

func (s *Sim) tick(n *simNode) {
	if n.drv == nil {
		return
	}
	if n.frozen {
		n.tickDue = true
		return
	}
	s.call(n, "tick", n.drv.Tick)
}

// crash kills n's process: unsynced writes are lost, or some kept (the
// disk got to them), messages it had not sent yet are gone.
func (s *Sim) crash(n *simNode, kind string) {
	if n.drv == nil {
		return
	}
	unsynced := int(n.log.Writes() - n.log.Synced())
	keep := 0
	if unsynced > 0 {
		keep = s.rng.IntN(unsynced + 1)
		switch {
		case keep == unsynced:
			kind += "-kept-unsynced"
		case keep == 0:
			kind += "-lost-unsynced"
		default:
			kind += "-kept-some-unsynced"
		}
	}
	n.log.Crash(keep)
	s.fault(kind)
	// What the loop had sent before the crash (its writes were synced
	// when it sent) is on the wire; the rest never left.
	synced := n.log.Synced()
	for _, h := range n.held {
		if h.writes <= synced {
			for _, m := range h.msgs {
				s.send(n, m)
			}
		}
	}
	n.held, n.acks, n.deferred, n.tickDue, n.frozen = nil, nil, nil, false, false
	n.drv = nil
	n.applied = n.log.DurableApplied()
	s.hashf("crash %d keep %d/%d", n.id, keep, unsynced)
	s.ck.crashed(n)
}

// transport is a node's side of the network: it holds what the loop sends
// until the writes made before it are synced.
type transport struct {
	s *Sim
	n *simNode
}

func (t *transport) Send(msgs []*pb.Message) {
	if len(msgs) == 0 {
		return
	}
	// A copy, as the wire makes.
	cp := make([]*pb.Message, len(msgs))
	for i, m := range msgs {
		cp[i] = proto.Clone(m).(*pb.Message)
	}
	w := t.n.log.Writes()
	if t.s.o.SendBeforeSync {
		w = 0
	}
	t.n.held = append(t.n.held, heldMsgs{writes: w, msgs: cp})
}

// frame is one message on the wire, in however many copies.
type frame struct{ delivered bool }

// send puts m on the wire from n.
func (s *Sim) send(from *simNode, m *pb.Message) {
	l := s.links[[2]uint64{from.id, m.GetTo()}]
	if l == nil {
		return
	}
	if l.cut {
		s.fault("msg-cut")
		return
	}
	if l.drop > 0 && s.rng.Float64() < l.drop {
		s.fault("msg-drop")
		return
	}
	if l.inflight >= linkDepth {
		// A full queue: the transport drops and reports it.
		s.fault("msg-queue-full")
		if from.drv != nil {
			from.drv.Node().ReportUnreachable(m.GetTo())
			if m.GetType() == pb.MsgSnap {
				from.drv.Node().ReportSnapshot(m.GetTo(), raft.SnapshotFailure)
			}
		}
		return
	}
	if m.GetType() == pb.MsgSnap {
		s.res.Snapshots++
	}
	copies := 1
	if l.dup > 0 && s.rng.Float64() < l.dup {
		copies = 2
		s.fault("msg-dup")
	}
	// The receiving transport drops a second copy, as the heartbeat
	// mux's replay window does (store.Transport: at most once).
	f := &frame{}
	for range copies {
		d := 1 + int64(s.rng.IntN(3))
		if l.delay > 0 {
			d += int64(s.rng.IntN(int(l.delay) + 1))
			s.fault("msg-delay")
		}
		l.inflight++
		mm := m
		if copies > 1 {
			mm = proto.Clone(m).(*pb.Message)
		}
		s.at(d, func() {
			l.inflight--
			if f.delivered && !s.o.NoReplayCheck {
				s.fault("msg-dup-rejected")
				return
			}
			f.delivered = true
			s.deliver(mm)
		})
	}
}

func (s *Sim) deliver(m *pb.Message) {
	to := s.node(m.GetTo())
	if to == nil || to.drv == nil {
		return
	}
	s.whenUp(to, func() {
		s.call(to, "receive", func() error { return to.drv.Receive(m) })
	})
}

// ----- clients -----

// pendingOp is a proposal a client waits on.
type pendingOp struct {
	node    *simNode
	inc     int
	p       *store.Pending
	since   int64
	rsc     string // config: the resource it adds
	base    store.Version
	status  bool
	ttl     int64 // ms before the client gives up
	done    bool
	onReply func(v store.Version, err error)
}

type cfgWriter struct {
	id  int
	ops []*pendingOp
}

func (s *Sim) startClients() {
	// Config writes are the expensive ones to apply (the CIB is parsed).
	for i := range 2 {
		w := &cfgWriter{id: i}
		s.writers = append(s.writers, w)
		s.every(100+int64(s.rng.IntN(1000)), 600+int64(s.rng.IntN(1400)), func() { s.configWrite(w) })
	}
	s.every(50+int64(s.rng.IntN(500)), 150+int64(s.rng.IntN(300)), s.statusWrite)
	for i := range s.o.Learners {
		j := &joiner{id: uint64(s.o.Voters + 1 + i)}
		s.every(1000+int64(s.rng.IntN(4000)), 1000, func() { s.join(j) })
	}
}

// joiner adds a learner: AddMemberID until the member table has it, then
// the node starts, empty, and catches up from the leader.
type joiner struct {
	id      uint64
	op      *pendingOp
	started bool
}

func (s *Sim) join(j *joiner) {
	if j.started || j.op != nil && !j.op.done {
		return
	}
	up := s.upNodes()
	if len(up) == 0 {
		return
	}
	n := up[s.rng.IntN(len(up))]
	op := &pendingOp{node: n, inc: n.inc, since: s.now, ttl: 5000}
	op.onReply = func(_ store.Version, err error) {
		s.hashf("join %d: %v", j.id, err)
		if (err == nil || errors.Is(err, store.ErrIDUsed)) && !j.started {
			j.started = true
			s.fault("learner-join")
			s.addNode(j.id, nil, false)
		}
	}
	j.op = op
	s.joins = append(s.joins, op)
	s.whenUp(n, func() {
		if n.inc != op.inc {
			return
		}
		s.call(n, "add member", func() error {
			p, err := n.drv.AddMember(j.id, nodeName(j.id))
			op.p = p
			return err
		})
	})
}

func (s *Sim) upNodes() []*simNode {
	var out []*simNode
	for _, n := range s.nodes {
		if n.drv != nil {
			out = append(out, n)
		}
	}
	return out
}

// configWrite: read the CIB on a node, add a resource, compare-and-swap
// it on the version read; sometimes a second writer races on the same
// version through another node.
func (s *Sim) configWrite(w *cfgWriter) {
	if s.stopped {
		return
	}
	w.ops = slices.DeleteFunc(w.ops, func(op *pendingOp) bool { return op.done })
	if len(w.ops) > 0 {
		return
	}
	up := s.upNodes()
	if len(up) == 0 {
		return
	}
	n := up[s.rng.IntN(len(up))]
	base, v, err := n.drv.Node().Local()
	if err != nil {
		s.violate("node %d: local read: %v", n.id, err)
		return
	}
	targets := []*simNode{n}
	if s.rng.IntN(3) == 0 && len(up) > 1 {
		targets = append(targets, up[s.rng.IntN(len(up))])
		s.fault("cas-race")
	}
	for _, t := range targets {
		s.nextRsc++
		rsc := fmt.Sprintf("w%d-r%d", w.id, s.nextRsc)
		op := &pendingOp{node: t, inc: t.inc, since: s.now, rsc: rsc, base: v, ttl: 20_000}
		op.onReply = func(nv store.Version, err error) { s.ck.configReply(op, nv, err) }
		w.ops = append(w.ops, op)
		c := withResource(base, rsc)
		s.whenUp(t, func() {
			if t.inc != op.inc {
				return
			}
			s.call(t, "propose config", func() error {
				p, err := t.drv.ProposeConfig(v, c)
				op.p = p
				return err
			})
			s.hashf("config %s on %d at %s", rsc, t.id, v)
		})
	}
}

func withResource(base *cib.CIB, id string) *cib.CIB {
	c := *base
	c.Configuration.Resources = append(slices.Clone(c.Configuration.Resources),
		&cib.Resource{Kind: cib.KindPrimitive, ID: id, Class: "ocf", Provider: "pacemaker", Type: "Dummy"})
	return &c
}

// statusWrite: a fail count increment on a random node's status.
func (s *Sim) statusWrite() {
	if s.stopped {
		return
	}
	s.status = slices.DeleteFunc(s.status, func(op *pendingOp) bool { return op.done })
	if len(s.status) > 8 {
		return
	}
	up := s.upNodes()
	if len(up) == 0 {
		return
	}
	n := up[s.rng.IntN(len(up))]
	s.proposeStatus(n, fmt.Sprint("node", 1+s.rng.IntN(len(s.nodes))), nil)
}

func (s *Sim) proposeStatus(n *simNode, about string, onReply func(store.Version, error)) *pendingOp {
	op := &pendingOp{node: n, inc: n.inc, since: s.now, status: true, ttl: 20_000}
	op.onReply = func(v store.Version, err error) {
		s.ck.statusReply(op, v, err)
		if onReply != nil {
			onReply(v, err)
		}
	}
	s.status = append(s.status, op)
	u := store.StatusUpdate{Node: about, Attrs: []store.AttrUpdate{{Name: "fail-count-sim", Op: store.AttrAdd, Delta: 1}}}
	s.whenUp(n, func() {
		if n.inc != op.inc {
			return
		}
		s.call(n, "propose status", func() error {
			p, err := n.drv.ProposeStatus(u)
			op.p = p
			return err
		})
	})
	return op
}

// pollAcks collects the results the node produced in the last call; they
// reach the client once the node's writes are synced.
func (s *Sim) pollAcks(n *simNode) {
	visit := func(op *pendingOp) {
		if op.done || op.p == nil || op.node != n || op.inc != n.inc {
			return
		}
		v, err, ok := op.p.Result()
		if !ok {
			return
		}
		op.done = true
		n.acks = append(n.acks, heldAck{writes: n.log.Writes(), fn: func() { op.onReply(v, err) }})
	}
	for _, w := range s.writers {
		for _, op := range w.ops {
			visit(op)
		}
	}
	for _, op := range s.status {
		visit(op)
	}
	for _, op := range s.joins {
		visit(op)
	}
	if s.live.probe != nil {
		visit(s.live.probe)
	}
}

// expireOps gives up on proposals whose node crashed or that never came
// back (a proposal forwarded to a leader that lost it is never answered:
// real callers carry deadlines).
func (s *Sim) expireOps() {
	expire := func(op *pendingOp) {
		if op.done {
			return
		}
		if op.node.inc != op.inc || op.node.drv == nil || s.now-op.since > op.ttl {
			op.done = true
			s.ck.unknown(op)
		}
	}
	for _, w := range s.writers {
		for _, op := range w.ops {
			expire(op)
		}
	}
	for _, op := range s.status {
		expire(op)
	}
	for _, op := range s.joins {
		expire(op)
	}
	if p := s.live.probe; p != nil {
		expire(p)
	}
}

// ----- faults -----

var faultKinds = []struct {
	kind   string
	weight int
}{
	{"crash", 10}, {"partition", 6}, {"link-down", 5}, {"link-oneway", 5},
	{"drop", 5}, {"dup", 4}, {"delay", 5}, {"slow-disk", 6}, {"disk-fail", 2},
	{"heal", 6}, {"crash-in-sync", 4},
}

func (s *Sim) scheduleFaults() {
	total := 0
	for _, f := range faultKinds {
		total += f.weight
	}
	var next func()
	next = func() {
		if s.healing {
			return
		}
		r := s.rng.IntN(total)
		for _, f := range faultKinds {
			if r < f.weight {
				s.inject(f.kind)
				break
			}
			r -= f.weight
		}
		s.at(100+int64(s.rng.IntN(1500)), next)
	}
	s.at(500+int64(s.rng.IntN(1000)), next)
}

func (s *Sim) randNode() *simNode { return s.nodes[s.rng.IntN(len(s.nodes))] }

func (s *Sim) randLink() (*link, [2]uint64) {
	a := s.randNode()
	b := s.randNode()
	for b == a {
		b = s.randNode()
	}
	k := [2]uint64{a.id, b.id}
	return s.links[k], k
}

// forLater undoes a fault after a while, unless the heal phase did.
func (s *Sim) forLater(minMS, maxMS int, undo func()) {
	s.at(int64(minMS+s.rng.IntN(maxMS-minMS)), func() {
		if !s.healing {
			undo()
		}
	})
}

func (s *Sim) inject(kind string) {
	switch kind {
	case "crash":
		up := s.upNodes()
		if len(up) == 0 {
			return
		}
		n := up[s.rng.IntN(len(up))]
		s.crash(n, "crash")
		s.restartLater(n)
		return // crash counted its own kind
	case "crash-in-sync":
		var frozen []*simNode
		for _, n := range s.upNodes() {
			if n.frozen {
				frozen = append(frozen, n)
			}
		}
		if len(frozen) == 0 {
			return
		}
		n := frozen[s.rng.IntN(len(frozen))]
		s.crash(n, "crash-in-sync")
		s.restartLater(n)
		return
	case "partition":
		perm := s.rng.Perm(len(s.nodes))
		k := 1 + s.rng.IntN(len(s.nodes)-1)
		side := map[uint64]bool{}
		for _, i := range perm[:k] {
			side[uint64(i+1)] = true
		}
		var cut []*link
		for key, l := range s.links {
			if side[key[0]] != side[key[1]] && !l.cut {
				l.cut = true
				cut = append(cut, l)
			}
		}
		s.hashf("partition %v", sortedKeys(side))
		s.forLater(500, 8000, func() {
			for _, l := range cut {
				l.cut = false
			}
		})
	case "link-down", "link-oneway":
		l, k := s.randLink()
		back := s.links[[2]uint64{k[1], k[0]}]
		l.cut = true
		if kind == "link-down" {
			back.cut = true
		}
		s.hashf("%s %v", kind, k)
		s.forLater(300, 6000, func() {
			l.cut = false
			if kind == "link-down" {
				back.cut = false
			}
		})
	case "drop":
		l, k := s.randLink()
		l.drop = []float64{0.05, 0.2, 0.5, 1}[s.rng.IntN(4)]
		s.hashf("drop %v %v", k, l.drop)
		s.forLater(300, 6000, func() { l.drop = 0 })
	case "dup":
		l, k := s.randLink()
		l.dup = []float64{0.1, 0.5}[s.rng.IntN(2)]
		s.hashf("dup %v %v", k, l.dup)
		s.forLater(300, 6000, func() { l.dup = 0 })
	case "delay":
		l, k := s.randLink()
		l.delay = int64([]int{20, 100, 400, 1500}[s.rng.IntN(4)])
		s.hashf("delay %v %v", k, l.delay)
		s.forLater(300, 6000, func() { l.delay = 0 })
	case "slow-disk":
		n := s.randNode()
		n.diskMS = int64([]int{50, 200, 800, 2500}[s.rng.IntN(4)])
		s.hashf("slow disk %d %d", n.id, n.diskMS)
		s.forLater(500, 8000, func() { n.diskMS = s.normalDisk() })
	case "disk-fail":
		n := s.randNode()
		n.log.SetFailWrites(store.ErrDiskFailed)
		s.hashf("disk fail %d", n.id)
		// The node stops at its next write; call restarts it later on
		// a repaired disk.
		s.forLater(200, 3000, func() { n.log.SetFailWrites(nil) })
	case "heal":
		s.healNetwork()
		s.hashf("heal")
	}
	s.fault(kind)
}

func sortedKeys(m map[uint64]bool) []uint64 {
	var out []uint64
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func (s *Sim) healNetwork() {
	for _, k := range s.linkKeys() {
		l := s.links[k]
		l.cut, l.drop, l.dup, l.delay = false, 0, 0, 0
	}
}

func (s *Sim) linkKeys() [][2]uint64 {
	var ks [][2]uint64
	for k := range s.links {
		ks = append(ks, k)
	}
	slices.SortFunc(ks, func(a, b [2]uint64) int {
		if a[0] != b[0] {
			return int(a[0]) - int(b[0])
		}
		return int(a[1]) - int(b[1])
	})
	return ks
}

// restartLater restarts n (down by then) after a while; the heal phase
// restarts everyone anyway.
func (s *Sim) restartLater(n *simNode) {
	s.at(200+int64(s.rng.IntN(5000)), func() {
		if s.healing || n.drv != nil {
			return
		}
		n.log.SetFailWrites(nil)
		s.fault("restart")
		s.startNode(n)
	})
}

// heal ends the fault phase: every fault is undone, every node started;
// the cluster must then converge within HealTicks.
func (s *Sim) heal() {
	s.healing = true
	s.healNetwork()
	for _, n := range s.nodes {
		n.diskMS = s.normalDisk()
		n.log.SetFailWrites(nil)
		if n.drv == nil {
			s.startNode(n)
		}
	}
	s.hashf("heal phase")
	s.ck.healStart = s.now
	s.live.probe = nil
}

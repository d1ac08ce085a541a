package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"pacer/crm/cib"
	"pacer/heartbeat"
	"pacer/heartbeat/memlink"
	"pacer/internal/clock"
	"pacer/internal/cluster"
)

// staticPaths is a PathSelector with the same links, best first, to every
// peer.
type staticPaths []cluster.LinkName

func (p staticPaths) Paths(cluster.NodeID) []cluster.LinkName { return p }

// wireNode is one member of a wired test cluster: a store Node whose raft
// messages go through a Wire, a heartbeat Mux and memlink links.
type wiredNode struct {
	id    uint64
	links map[cluster.LinkName]*memlink.Link
	wire  *Wire
	node  *Node
	log   *Log
	errc  chan error
	stop  context.CancelFunc
	recvd chan struct{}
}

type wiredCluster struct {
	t     *testing.T
	clk   *clock.Fake
	net   *memlink.Network
	nodes []*wiredNode
}

var testKeys = heartbeat.Keyring{Primary: 1, Keys: map[heartbeat.KeyID][]byte{1: []byte("0123456789abcdef0123456789abcdef")}}

// newWiredCluster starts n store nodes over two memlink links, ring0 then
// ring1, with the wire between each node and its mux.
func newWiredCluster(t *testing.T, n int, wcfg WireConfig, mod func(*Config)) *wiredCluster {
	t.Helper()
	c := &wiredCluster{t: t, clk: fakeClock(), net: nil}
	c.net = memlink.NewNetwork(c.clk, 1)
	dir := t.TempDir()
	var peers []Peer
	for id := uint64(1); id <= uint64(n); id++ {
		peers = append(peers, Peer{ID: id, Name: nodeName(id)})
	}
	for _, p := range peers {
		id := p.ID
		wn := &wiredNode{id: id, links: map[cluster.LinkName]*memlink.Link{}, errc: make(chan error, 1), recvd: make(chan struct{})}
		var links []heartbeat.Link
		for _, name := range []cluster.LinkName{"ring0", "ring1"} {
			l := c.net.Link(cluster.NodeID(id), name)
			wn.links[name] = l
			links = append(links, l)
		}
		sealer, err := heartbeat.NewSealer("wired", cluster.NodeID(id), 1, testKeys)
		if err != nil {
			t.Fatal(err)
		}
		ver, err := heartbeat.NewVerifier("wired", cluster.NodeID(id), testKeys, func(cluster.NodeID) bool { return true })
		if err != nil {
			t.Fatal(err)
		}
		stats := &heartbeat.Stats{}
		mux := heartbeat.NewMux(sealer, links, staticPaths{"ring0", "ring1"}, stats)
		if wn.wire, err = NewWire(wcfg, mux, c.clk, testLogger(t)); err != nil {
			t.Fatal(err)
		}
		if wn.log, err = Open(filepath.Join(dir, fmt.Sprintf("node%d.db", id))); err != nil {
			t.Fatal(err)
		}
		cfg := DefaultConfig(id, nodeName(id))
		cfg.Peers = peers
		cfg.TickInterval = testTick
		if mod != nil {
			mod(&cfg)
		}
		if wn.node, err = New(cfg, wn.log, wn.wire, c.clk, testLogger(t).Named("store")); err != nil {
			t.Fatal(err)
		}
		wn.wire.Bind(wn.node)
		recv := heartbeat.NewReceiver(ver, heartbeat.Handlers{
			Message: func(from cluster.NodeID, link cluster.LinkName, m heartbeat.Message) {
				if m.Channel == heartbeat.ChannelRaft {
					wn.wire.Receive(from, link, m)
				}
			},
		}, stats, testLogger(t))
		ctx, cancel := context.WithCancel(context.Background())
		wn.stop = cancel
		go func() {
			defer close(wn.recvd)
			_ = recv.Run(ctx, links)
		}()
		go func() { wn.errc <- wn.node.Run(ctx) }()
		c.nodes = append(c.nodes, wn)
	}
	t.Cleanup(func() {
		for _, wn := range c.nodes {
			wn.node.Stop()
			wn.wire.Close()
			wn.stop()
			for _, l := range wn.links {
				l.Close()
			}
			<-wn.recvd
			if err := <-wn.errc; err != nil {
				t.Errorf("node %d: %v", wn.id, err)
			}
			wn.log.Close()
		}
	})
	return c
}

// waitFor advances the fake clock a tick at a time, letting the goroutines
// (links, receivers, senders, loops) run in between, until cond holds. The
// tick bound is the failure; real time only paces the ticks.
func (c *wiredCluster) waitFor(what string, maxTicks int, cond func() bool) {
	c.t.Helper()
	for range maxTicks {
		if cond() {
			return
		}
		c.clk.Advance(testTick)
		time.Sleep(2 * time.Millisecond)
	}
	if !cond() {
		c.t.Fatalf("%s: not within %d ticks", what, maxTicks)
	}
}

// leader waits for one leader that every node agrees on.
func (c *wiredCluster) leader() *wiredNode {
	c.t.Helper()
	var lead *wiredNode
	c.waitFor("one leader seen by all", 500, func() bool {
		lead = nil
		var id uint64
		for _, wn := range c.nodes {
			l, _ := wn.node.Leader()
			if l == 0 || (id != 0 && l != id) {
				return false
			}
			id = l
			if wn.node.Status().State == raft.StateLeader {
				if lead != nil {
					return false
				}
				lead = wn
			}
		}
		return lead != nil && lead.id == id
	})
	return lead
}

// propose runs ProposeConfig on n while the clock ticks.
func (c *wiredCluster) propose(n *Node, expected Version, newCIB *cib.CIB) (Version, error) {
	c.t.Helper()
	type res struct {
		v   Version
		err error
	}
	ch := make(chan res, 1)
	go func() {
		v, err := n.ProposeConfig(context.Background(), expected, newCIB)
		ch <- res{v, err}
	}()
	var r res
	c.waitFor("proposal answered", 300, func() bool {
		select {
		case r = <-ch:
			return true
		default:
			return false
		}
	})
	return r.v, r.err
}

// converged waits until every node has applied want's resources.
func (c *wiredCluster) converged(want []string) {
	c.t.Helper()
	c.waitFor("every node applied the change", 300, func() bool {
		for _, wn := range c.nodes {
			got, _, err := wn.node.Local()
			if err != nil || !slices.Equal(resourceIDs(got), want) {
				return false
			}
		}
		return true
	})
}

func TestWireThreeNodesElectAndCommitCAS(t *testing.T) {
	c := newWiredCluster(t, 3, DefaultWireConfig(), nil)
	lead := c.leader()
	var fol *wiredNode
	for _, wn := range c.nodes {
		if wn != lead {
			fol = wn
			break
		}
	}
	base, ver, err := fol.node.Local()
	if err != nil {
		t.Fatal(err)
	}
	// A follower's CAS goes to the leader and commits on every node.
	v1, err := c.propose(fol.node, ver, configWith(base, "r1"))
	if err != nil {
		t.Fatalf("CAS: %v", err)
	}
	if v1.Epoch != ver.Epoch+1 {
		t.Fatalf("version %v after %v", v1, ver)
	}
	c.converged([]string{"r1"})
	// The same base again loses to the change that won.
	if _, err := c.propose(lead.node, ver, configWith(base, "r2")); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale CAS: %v, want ErrConflict", err)
	}
	for _, wn := range c.nodes {
		st := wn.wire.Stats()
		if st.Received == 0 || st.Sent == 0 || st.Garbled != 0 || st.Refused != 0 {
			t.Errorf("node %d wire stats %+v", wn.id, st)
		}
	}
}

func TestWireChunksLargeMessages(t *testing.T) {
	wcfg := DefaultWireConfig()
	wcfg.ChunkSize = 4 << 10
	c := newWiredCluster(t, 3, wcfg, nil)
	lead := c.leader()
	base, ver, err := lead.node.Local()
	if err != nil {
		t.Fatal(err)
	}
	// 400 primitives: the entry is several times the chunk size.
	var ids []string
	for i := range 400 {
		ids = append(ids, fmt.Sprintf("rsc%03d", i))
	}
	if _, err := c.propose(lead.node, ver, configWith(base, ids...)); err != nil {
		t.Fatalf("CAS: %v", err)
	}
	c.converged(ids)
	st := lead.wire.Stats()
	if st.Chunks < st.Sent+10 {
		t.Fatalf("leader sent %d messages in %d chunks: the large entry was not chunked", st.Sent, st.Chunks)
	}
	if st.Garbled != 0 || st.Incomplete != 0 {
		t.Fatalf("leader wire stats %+v", st)
	}
}

func TestWireFailsOverToNextLink(t *testing.T) {
	c := newWiredCluster(t, 3, DefaultWireConfig(), nil)
	c.leader()
	// ring0 goes away on every node: sends on it fail and the mux takes
	// ring1; a new leader is elected and commits over it.
	for _, wn := range c.nodes {
		wn.links["ring0"].Close()
	}
	old := c.leader()
	old.node.Stop()
	var rest []*wiredNode
	for _, wn := range c.nodes {
		if wn != old {
			rest = append(rest, wn)
		}
	}
	var lead *wiredNode
	c.waitFor("a new leader over ring1", 500, func() bool {
		for _, wn := range rest {
			if wn.node.Status().State == raft.StateLeader {
				lead = wn
				return true
			}
		}
		return false
	})
	base, ver, err := lead.node.Local()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.propose(lead.node, ver, configWith(base, "after")); err != nil {
		t.Fatalf("CAS over ring1: %v", err)
	}
	c.waitFor("the survivor applied it", 300, func() bool {
		for _, wn := range rest {
			got, _, _ := wn.node.Local()
			if !slices.Equal(resourceIDs(got), []string{"after"}) {
				return false
			}
		}
		return true
	})
}

// fakeMux records what the wire sends, optionally failing.
type fakeMux struct {
	mu    sync.Mutex
	msgs  []heartbeat.Message
	err   error
	full  int // the next this many sends find every link queue full
	tries int
}

func (f *fakeMux) Send(_ cluster.NodeID, m heartbeat.Message) (cluster.LinkName, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tries++
	if f.err != nil {
		return "", f.err
	}
	if f.full > 0 {
		f.full--
		return "", fmt.Errorf("send to node 2: %w", errors.Join(heartbeat.ErrNoPath, fmt.Errorf("link ring0: %w", heartbeat.ErrQueueFull)))
	}
	f.msgs = append(f.msgs, m)
	return "ring0", nil
}

// stepper is a WireNode that records stepped messages and reports.
type stepper struct {
	*recorder
	mu    sync.Mutex
	steps []*pb.Message
	err   error
}

func (s *stepper) Step(_ context.Context, m *pb.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.steps = append(s.steps, m)
	return s.err
}

func TestWireReceiveReassemblesAndCountsGarbled(t *testing.T) {
	clk := fakeClock()
	wcfg := DefaultWireConfig()
	wcfg.ChunkSize = 64
	wcfg.MaxMessage = 1 << 20
	mux := &fakeMux{}
	out, err := NewWire(wcfg, mux, clk, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	big := &pb.Message{Type: pb.MsgApp.Enum(), To: new(uint64(2)), From: new(uint64(1)),
		Entries: []*pb.Entry{{Data: make([]byte, 1000)}}}
	if err := out.send(context.Background(), big); err != nil {
		t.Fatal(err)
	}
	if len(mux.msgs) < 16 {
		t.Fatalf("%d chunks for a 1000-byte entry at 64 bytes a chunk", len(mux.msgs))
	}
	in, err := NewWire(wcfg, &fakeMux{}, clk, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	st := &stepper{recorder: newRecorder()}
	in.Bind(st)
	// Out of order, with a duplicate: one message stepped, intact.
	chunks := slices.Clone(mux.msgs)
	slices.Reverse(chunks)
	chunks = append(chunks[:3], chunks[2:]...)
	for _, m := range chunks {
		in.Receive(1, "ring0", m)
	}
	if len(st.steps) != 1 || !proto.Equal(st.steps[0], big) {
		t.Fatalf("stepped %d messages, want the one sent", len(st.steps))
	}
	// Garbage, a lie about the sender, an impossible chunk: dropped, counted.
	in.Receive(1, "ring0", heartbeat.Message{Channel: heartbeat.ChannelRaft, Data: []byte{0xc1, 0xff}})
	for _, m := range mux.msgs {
		in.Receive(3, "ring0", m) // node 3 forwards node 1's message
	}
	body, _ := heartbeat.EncodeBody(nil, chunk{Msg: 9, Index: 5, Count: 2, Total: 10, Data: []byte("x")})
	in.Receive(1, "ring0", heartbeat.Message{Channel: heartbeat.ChannelRaft, Data: body})
	body, _ = heartbeat.EncodeBody(nil, chunk{Msg: 10, Count: 1, Total: 3, Data: []byte{0xff, 0xff, 0xff}})
	in.Receive(1, "ring0", heartbeat.Message{Channel: heartbeat.ChannelRaft, Data: body})
	if got := in.Stats().Garbled; got != 4 {
		t.Fatalf("garbled %d, want 4", got)
	}
	if len(st.steps) != 1 {
		t.Fatalf("stepped %d messages after garbage, want 1", len(st.steps))
	}
	// Half a message, then silence: forgotten after the timeout.
	k := len(mux.msgs)
	if err := out.send(context.Background(), big); err != nil {
		t.Fatal(err)
	}
	second := mux.msgs[k:]
	in.Receive(1, "ring0", second[0])
	clk.Advance(wcfg.AssemblyTimeout + time.Second)
	in.Receive(1, "ring0", second[1])
	if got := in.Stats().Incomplete; got != 1 {
		t.Fatalf("incomplete %d, want 1", got)
	}
	// A full inbox drops without blocking.
	st.err = fmt.Errorf("store: step: %w", context.Canceled)
	small, _ := heartbeat.EncodeBody(nil, chunk{Msg: 11, Count: 1, Total: uint32(len(mustMarshal(t, msg(2, pb.MsgHeartbeat)))),
		Data: mustMarshal(t, msg(2, pb.MsgHeartbeat))})
	in.Receive(1, "ring0", heartbeat.Message{Channel: heartbeat.ChannelRaft, Data: small})
	if got := in.Stats().InboxFull; got != 1 {
		t.Fatalf("inbox full %d, want 1", got)
	}
}

func mustMarshal(t *testing.T, m *pb.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestWireRefusesOversizeAndReportsLoss(t *testing.T) {
	clk := fakeClock()
	wcfg := DefaultWireConfig()
	wcfg.ChunkSize = 64
	wcfg.MaxMessage = 512
	wcfg.Retries = 0
	mux := &fakeMux{}
	w, err := NewWire(wcfg, mux, clk, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	st := &stepper{recorder: newRecorder()}
	w.Bind(st)
	snap := &pb.Message{Type: pb.MsgSnap.Enum(), To: new(uint64(2)), From: new(uint64(1)),
		Snapshot: &pb.Snapshot{Data: make([]byte, 4096), Metadata: &pb.SnapshotMetadata{Index: new(uint64(5)), Term: new(uint64(1))}}}
	if err := w.send(context.Background(), snap); !errors.Is(err, ErrMessageTooLarge) {
		t.Fatalf("oversize send: %v", err)
	}
	if len(mux.msgs) != 0 || w.Stats().Refused != 1 {
		t.Fatalf("%d chunks sent, stats %+v", len(mux.msgs), w.Stats())
	}
	// Through the queue: the loss is reported to raft as a failed snapshot.
	w.Send([]*pb.Message{snap})
	// A link error on a small message: unreachable.
	mux.mu.Lock()
	mux.err = fmt.Errorf("send: %w", heartbeat.ErrNoPath)
	mux.mu.Unlock()
	w.Send([]*pb.Message{msg(2, pb.MsgHeartbeat)})
	deadline := time.Now().Add(10 * time.Second) // hang guard
	for {
		st.recorder.mu.Lock()
		u, f := st.unreachable[2], st.snaps[raft.SnapshotFailure]
		st.recorder.mu.Unlock()
		if u == 2 && f == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("unreachable %d, snapshot failures %d; want 2 and 1", u, f)
		}
		time.Sleep(time.Millisecond)
	}
	if w.Stats().SendFailed != 2 {
		t.Fatalf("stats %+v", w.Stats())
	}
}

func TestWireConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*WireConfig)
		ok   bool
	}{
		{"default", func(*WireConfig) {}, true},
		{"chunk too large", func(c *WireConfig) { c.ChunkSize = heartbeat.MaxFrameSize }, false},
		{"chunk too small", func(c *WireConfig) { c.ChunkSize = 10 }, false},
		{"max below chunk", func(c *WireConfig) { c.MaxMessage = c.ChunkSize - 1 }, false},
		{"no assemblies", func(c *WireConfig) { c.AssembliesPerPeer = 0 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultWireConfig()
			tt.mod(&c)
			if err := c.Validate(); (err == nil) != tt.ok {
				t.Fatalf("Validate() = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

// Witnesses 1 and 2 lead only while node 3, the one non-witness, is cut
// off; once it is back and caught up, leadership is handed to it and stays.
func TestWitnessHandsLeadershipOver(t *testing.T) {
	c := newWiredCluster(t, 3, DefaultWireConfig(), func(cfg *Config) { cfg.Witnesses = []uint64{1, 2} })
	c.net.Isolate(3)
	var lead *wiredNode
	c.waitFor("a witness leads without node 3", 500, func() bool {
		for _, wn := range c.nodes[:2] {
			if wn.node.Status().State == raft.StateLeader {
				lead = wn
				return true
			}
		}
		return false
	})
	// With no non-witness to hand to, the witness stays DC.
	term := lead.node.Status().Term
	for range 50 {
		c.clk.Advance(testTick)
		time.Sleep(2 * time.Millisecond)
	}
	if st := lead.node.Status(); st.State != raft.StateLeader || st.Term != term {
		t.Fatalf("witness %d gave up leadership with nobody to hand it to: %+v", lead.id, st)
	}
	c.net.HealAll()
	c.waitFor("node 3 leads", 500, func() bool {
		return c.nodes[2].node.Status().State == raft.StateLeader
	})
	term = c.nodes[2].node.Status().Term
	for range 50 {
		c.clk.Advance(testTick)
		time.Sleep(2 * time.Millisecond)
	}
	for _, wn := range c.nodes {
		if id, tm := wn.node.Leader(); id != 3 || tm != term {
			t.Fatalf("node %d sees leader %d term %d, want 3 term %d", wn.id, id, tm, term)
		}
	}
}

// FuzzWireReceive feeds arbitrary chunk bodies from node 1: nothing
// panics, and whatever is stepped claims to come from node 1.
func FuzzWireReceive(f *testing.F) {
	clk := fakeClock()
	wcfg := DefaultWireConfig()
	wcfg.ChunkSize = 64
	wcfg.MaxMessage = 1 << 16
	mux := &fakeMux{}
	out, err := NewWire(wcfg, mux, clk, nil)
	if err != nil {
		f.Fatal(err)
	}
	defer out.Close()
	for _, m := range []*pb.Message{msg(2, pb.MsgHeartbeat),
		{Type: pb.MsgApp.Enum(), To: new(uint64(2)), From: new(uint64(1)), Entries: []*pb.Entry{{Data: make([]byte, 300)}}}} {
		if err := out.send(context.Background(), m); err != nil {
			f.Fatal(err)
		}
	}
	for _, m := range mux.msgs {
		f.Add(m.Data)
	}
	f.Add([]byte{0x85, 0xa1, 'm', 1, 0xa1, 'i', 0, 0xa1, 'n', 0xce, 0xff, 0xff, 0xff, 0xff, 0xa1, 't', 0, 0xa1, 'd', 0xc4, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := NewWire(wcfg, &fakeMux{}, clk, nil)
		if err != nil {
			t.Fatal(err)
		}
		st := &stepper{recorder: newRecorder()}
		in.Bind(st)
		for range 2 { // twice: the second completes what the first began
			in.Receive(1, "ring0", heartbeat.Message{Channel: heartbeat.ChannelRaft, Data: data})
		}
		for _, m := range st.steps {
			if m.GetFrom() != 1 {
				t.Fatalf("stepped a message from %d in a frame of node 1", m.GetFrom())
			}
		}
	})
}

// A full link queue is waited out a few times, then the message is lost.
func TestWireRetriesFullLinkQueues(t *testing.T) {
	wcfg := DefaultWireConfig()
	wcfg.Retries = 3
	wcfg.RetryWait = time.Millisecond
	mux := &fakeMux{full: 3}
	w, err := NewWire(wcfg, mux, clock.Real{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.send(context.Background(), msg(2, pb.MsgHeartbeat)); err != nil {
		t.Fatalf("send after 3 full queues: %v", err)
	}
	if len(mux.msgs) != 1 || mux.tries != 4 {
		t.Fatalf("%d sent in %d tries, want 1 in 4", len(mux.msgs), mux.tries)
	}
	mux.full = 4
	if err := w.send(context.Background(), msg(2, pb.MsgHeartbeat)); !errors.Is(err, heartbeat.ErrQueueFull) {
		t.Fatalf("send after 4 full queues: %v, want ErrQueueFull", err)
	}
	// Another error is not retried.
	mux.err, mux.tries = fmt.Errorf("send: %w", heartbeat.ErrNoPath), 0
	if err := w.send(context.Background(), msg(2, pb.MsgHeartbeat)); !errors.Is(err, heartbeat.ErrNoPath) || mux.tries != 1 {
		t.Fatalf("no path: %v after %d tries", err, mux.tries)
	}
}

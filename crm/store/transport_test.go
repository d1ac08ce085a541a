package store

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"

	"pacer/crm/cib"
)

// recorder is a Reporter that remembers what it was told.
type recorder struct {
	mu          sync.Mutex
	unreachable map[uint64]int
	snaps       map[raft.SnapshotStatus]int
}

func newRecorder() *recorder {
	return &recorder{unreachable: map[uint64]int{}, snaps: map[raft.SnapshotStatus]int{}}
}

func (r *recorder) ReportUnreachable(id uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.unreachable[id]++
}

func (r *recorder) ReportSnapshot(_ uint64, s raft.SnapshotStatus) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.snaps[s]++
}

func msg(to uint64, t pb.MessageType) *pb.Message {
	return &pb.Message{Type: t.Enum(), To: new(to), From: new(uint64(1))}
}

// waitGoroutines waits for the goroutine count to fall back to want; a
// leak fails the test. The deadline is a hang guard, not a timing claim.
func waitGoroutines(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > want {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, want %d:\n%s", runtime.NumGoroutine(), want, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(time.Millisecond)
	}
}

func TestQueuedTransportFullQueueDropsWithoutBlocking(t *testing.T) {
	base := runtime.NumGoroutine()
	rec := newRecorder()
	entered := make(chan struct{}, 1)
	// Peer 2 never drains: its send blocks until the transport closes.
	// Peer 3 is healthy.
	var delivered3 sync.WaitGroup
	send := func(ctx context.Context, m *pb.Message) error {
		if m.GetTo() == 3 {
			delivered3.Done()
			return nil
		}
		select {
		case entered <- struct{}{}:
		default:
		}
		<-ctx.Done()
		return ctx.Err()
	}
	tr := NewQueuedTransport(send, rec, 2)
	tr.Send([]*pb.Message{msg(2, pb.MsgApp)})
	<-entered // the sender holds the first message; the queue is empty

	tests := []struct {
		name string
		m    *pb.Message
		// after: unreachable reports for peer 2, snapshot failures
		unreachable, snapFail int
	}{
		{"queued 1", msg(2, pb.MsgApp), 0, 0},
		{"queued 2", msg(2, pb.MsgHeartbeat), 0, 0},
		{"full: dropped", msg(2, pb.MsgApp), 1, 0},
		{"full: snapshot dropped", msg(2, pb.MsgSnap), 2, 1},
		{"full: dropped again", msg(2, pb.MsgApp), 3, 1},
	}
	for _, tt := range tests {
		delivered3.Add(1)
		// Send returns although peer 2 is stuck, and peer 3 still gets
		// its messages.
		tr.Send([]*pb.Message{tt.m, msg(3, pb.MsgApp)})
		delivered3.Wait()
		rec.mu.Lock()
		u, s := rec.unreachable[2], rec.snaps[raft.SnapshotFailure]
		rec.mu.Unlock()
		if u != tt.unreachable || s != tt.snapFail {
			t.Fatalf("%s: unreachable %d, snapshot failures %d; want %d, %d", tt.name, u, s, tt.unreachable, tt.snapFail)
		}
	}
	if tr.Dropped() != 3 {
		t.Fatalf("dropped %d, want 3", tr.Dropped())
	}
	tr.Close()
	tr.Send([]*pb.Message{msg(2, pb.MsgApp)}) // after Close: nothing, no panic
	waitGoroutines(t, base)
}

// A node whose peers never drain keeps ticking and campaigning: its loop
// never waits on the transport.
func TestNodeLoopNotBlockedByStuckPeers(t *testing.T) {
	c := newCluster(t, clusterOpts{n: 1})
	l, err := Open(t.TempDir() + "/stuck.db")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	send := func(ctx context.Context, _ *pb.Message) error { <-ctx.Done(); return ctx.Err() }
	var n *Node
	rep := reporterFunc(func(id uint64) { n.ReportUnreachable(id) })
	tr := NewQueuedTransport(send, rep, 1)
	defer tr.Close()
	cfg := c.config(1, []Peer{{ID: 1, Name: "a"}, {ID: 2, Name: "b"}, {ID: 3, Name: "c"}})
	n, err = New(cfg, l, tr, c.clk, c.lg)
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- n.Run(context.Background()) }()
	// Every tick is taken although nothing the node sends ever leaves; a
	// loop blocked on the transport would stall here.
	var mid uint64
	for i := range 200 {
		before := n.ticks.Load()
		c.clk.Advance(testTick)
		deadline := time.Now().Add(10 * time.Second)
		for n.ticks.Load() == before {
			if time.Now().After(deadline) {
				t.Fatalf("tick %d not taken: the loop is blocked", i)
			}
			runtime.Gosched()
		}
		if i == 99 {
			mid = n.Stats().Unreachable
		}
	}
	// Pre-votes keep going out and keep being dropped and reported.
	if end := n.Stats().Unreachable; mid == 0 || end <= mid || tr.Dropped() == 0 {
		t.Fatalf("unreachable %d then %d, dropped %d: the full queue was not reported", mid, end, tr.Dropped())
	}
	n.Stop()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

type reporterFunc func(id uint64)

func (f reporterFunc) ReportUnreachable(id uint64)                     { f(id) }
func (f reporterFunc) ReportSnapshot(id uint64, _ raft.SnapshotStatus) { f(id) }

func TestStopEndsEveryGoroutine(t *testing.T) {
	base := runtime.NumGoroutine()
	func() {
		c := newCluster(t, clusterOpts{n: 3})
		lead := c.leader()
		// The leader is cut off. A read on it cannot be confirmed by a
		// quorum and a proposal cannot commit: both wait (a stale read
		// would be a bug), and when the node stops they fail with
		// ErrStopped instead of hanging.
		others := []uint64{}
		for _, tn := range c.running() {
			if tn.id != lead.ID() {
				others = append(others, tn.id)
			}
		}
		c.net.Partition([]uint64{lead.ID()}, others)
		read := async(func() (*cib.CIB, error) {
			got, _, err := lead.ReadConfig(context.Background())
			return got, err
		})
		prop := async(func() (Version, error) {
			return lead.ProposeStatus(context.Background(), StatusUpdate{Node: "x"})
		})
		for range 30 {
			c.tick()
		}
		select {
		case r := <-read:
			t.Fatalf("read on a cut-off leader returned %v", r.err)
		case r := <-prop:
			t.Fatalf("proposal on a cut-off leader returned %v", r.err)
		default:
		}
		c.crash(lead.ID())
		if r := <-read; !errors.Is(r.err, ErrStopped) {
			t.Fatalf("read after stop: %v", r.err)
		}
		if r := <-prop; !errors.Is(r.err, ErrStopped) {
			t.Fatalf("proposal after stop: %v", r.err)
		}
		for _, tn := range c.running() {
			c.crash(tn.id)
		}
		c.netCancel()
		<-c.netDone
	}()
	waitGoroutines(t, base)

	// Stop before Run, and twice.
	l, err := Open(t.TempDir() + "/x.db")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c := &testCluster{t: t, opts: clusterOpts{}}
	n, err := New(c.config(1, []Peer{{ID: 1, Name: "a"}}), l, NewMemNetwork(1, 1).Transport(1), fakeClock(), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	n.Stop()
	n.Stop()
	if err := n.Run(context.Background()); err != nil {
		t.Fatalf("Run after Stop: %v", err)
	}
	if _, err := n.ProposeStatus(context.Background(), StatusUpdate{Node: "a"}); err == nil {
		t.Fatal("proposal on a stopped node succeeded")
	}
	waitGoroutines(t, base)
}

// Run ending by its context (not Stop) still releases every caller.
func TestRunContextEndReleasesCallers(t *testing.T) {
	l, err := Open(t.TempDir() + "/n.db")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c := &testCluster{t: t}
	// Node 1 of three, alone: nothing it proposes can commit.
	n, err := New(c.config(1, []Peer{{ID: 1, Name: "a"}, {ID: 2, Name: "b"}, {ID: 3, Name: "c"}}), l, NewMemNetwork(1, 1).Transport(1), fakeClock(), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- n.Run(ctx) }()
	prop := async(func() (uint64, error) { return n.AddNode(context.Background(), "d") })
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if r := <-prop; !errors.Is(r.err, ErrStopped) && !errors.Is(r.err, ErrNoLeader) {
		t.Fatalf("caller after Run ended: %v", r.err)
	}
	m := msg(1, pb.MsgApp)
	m.From = new(uint64(2))
	if err := n.Step(context.Background(), m); !errors.Is(err, ErrStopped) {
		t.Fatalf("Step after Run ended: %v", err)
	}
}

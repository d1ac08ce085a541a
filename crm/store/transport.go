package store

// The network seam. The Ready loop hands its messages to a Transport and
// must never wait on a link (a 19200-baud serial line, a dead peer): Send
// only enqueues. What could not be delivered is reported back to raft
// (ReportUnreachable, and ReportSnapshot for a snapshot) so the leader
// probes the peer instead of streaming into the void, as etcd's rafthttp
// does.

import (
	"context"
	"sync"
	"sync/atomic"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
)

// Transport carries raft messages to peers. Send must not block. A message
// may be lost, delayed or reordered, but must reach its peer at most once:
// raft appends a proposal it receives twice as two entries, so a status
// update would apply twice (a fail count counted double; found by the
// simulator, test/sim). The heartbeat mux's replay window guarantees it.
type Transport interface {
	Send(msgs []*pb.Message)
}

// Reporter is told what a Transport could not deliver. *Node implements
// it; the calls never block and are safe from any goroutine.
type Reporter interface {
	ReportUnreachable(id uint64)
	ReportSnapshot(id uint64, status raft.SnapshotStatus)
}

var _ Reporter = (*Node)(nil)

// SendFunc delivers one message to its peer (m.GetTo()), blocking as long
// as the link needs; an error means the message is lost.
type SendFunc func(ctx context.Context, m *pb.Message) error

// QueuedTransport is a Transport over a blocking SendFunc: one bounded
// queue and one sender goroutine per peer, so a slow or dead peer costs
// only its own queue. A full queue drops the message and reports the peer
// unreachable (and a dropped snapshot as failed).
type QueuedTransport struct {
	send  SendFunc
	rep   Reporter
	depth int

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	peers  map[uint64]chan *pb.Message
	closed bool

	dropped atomic.Uint64
	failed  atomic.Uint64
}

var _ Transport = (*QueuedTransport)(nil)

// NewQueuedTransport makes a transport with depth messages of queue per
// peer. Sender goroutines start lazily, on a peer's first message; Close
// stops them.
func NewQueuedTransport(send SendFunc, rep Reporter, depth int) *QueuedTransport {
	ctx, cancel := context.WithCancel(context.Background())
	return &QueuedTransport{send: send, rep: rep, depth: max(depth, 1), ctx: ctx, cancel: cancel, peers: map[uint64]chan *pb.Message{}}
}

// Send enqueues msgs without blocking.
func (t *QueuedTransport) Send(msgs []*pb.Message) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	for _, m := range msgs {
		to := m.GetTo()
		q, ok := t.peers[to]
		if !ok {
			q = make(chan *pb.Message, t.depth)
			t.peers[to] = q
			t.wg.Add(1)
			go t.run(to, q)
		}
		select {
		case q <- m:
		default:
			t.dropped.Add(1)
			t.lost(m)
		}
	}
}

// lost reports m as undelivered.
func (t *QueuedTransport) lost(m *pb.Message) {
	t.rep.ReportUnreachable(m.GetTo())
	if m.GetType() == pb.MsgSnap {
		t.rep.ReportSnapshot(m.GetTo(), raft.SnapshotFailure)
	}
}

func (t *QueuedTransport) run(to uint64, q chan *pb.Message) {
	defer t.wg.Done()
	for {
		select {
		case <-t.ctx.Done():
			return
		case m := <-q:
			if err := t.send(t.ctx, m); err != nil {
				t.failed.Add(1)
				t.lost(m)
				continue
			}
			if m.GetType() == pb.MsgSnap {
				t.rep.ReportSnapshot(to, raft.SnapshotFinish)
			}
		}
	}
}

// Dropped counts messages dropped on a full queue; Failed those the
// SendFunc failed.
func (t *QueuedTransport) Dropped() uint64 { return t.dropped.Load() }
func (t *QueuedTransport) Failed() uint64  { return t.failed.Load() }

// Close stops the sender goroutines (cancelling their SendFunc calls) and
// waits for them.
func (t *QueuedTransport) Close() {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	t.cancel()
	t.wg.Wait()
}

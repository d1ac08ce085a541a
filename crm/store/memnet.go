package store

// MemNetwork is the in-memory network for tests and the simulator, after
// rafttest's network and hashicorp raft's InmemTransport: every node's
// Transport enqueues into a bounded queue per link (a full one drops the
// message and reports the peer unreachable, as a real transport must), and
// delivery happens when the test says (Deliver) or from a goroutine (Run).
// Partitions and a seeded drop rate model a bad network; dropped messages
// are silent, as on a real wire.

import (
	"cmp"
	"context"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// MemNetwork connects Nodes in one process.
type MemNetwork struct {
	mu       sync.Mutex
	rng      *rand.Rand
	depth    int
	nodes    map[uint64]*Node
	queues   map[[2]uint64][]*pb.Message // from, to
	cut      map[[2]uint64]bool          // from, to
	dropRate float64
	filter   func(m *pb.Message) bool // true drops m
	inflight int                      // messages taken off a queue, not yet handed over
	kick     chan struct{}

	Stats MemStats
}

// MemStats counts what the network did with messages.
type MemStats struct {
	Sent, Delivered, Full, Cut, Dropped, Refused uint64
}

// NewMemNetwork makes a network whose random drops follow seed, with depth
// messages of queue per link.
func NewMemNetwork(seed uint64, depth int) *MemNetwork {
	return &MemNetwork{
		rng:    rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		depth:  max(depth, 1),
		nodes:  map[uint64]*Node{},
		queues: map[[2]uint64][]*pb.Message{},
		cut:    map[[2]uint64]bool{},
		kick:   make(chan struct{}, 1),
	}
}

// Register makes n reachable under its id (replacing a previous node of
// that id, as a restarted process does).
func (net *MemNetwork) Register(n *Node) {
	net.mu.Lock()
	defer net.mu.Unlock()
	net.nodes[n.ID()] = n
}

// Unregister makes id unreachable (a crashed process); its queued messages
// are lost.
func (net *MemNetwork) Unregister(id uint64) {
	net.mu.Lock()
	defer net.mu.Unlock()
	delete(net.nodes, id)
	for k := range net.queues {
		if k[0] == id || k[1] == id {
			delete(net.queues, k)
		}
	}
}

// Transport is node from's side of the network.
func (net *MemNetwork) Transport(from uint64) Transport { return memTransport{net, from} }

type memTransport struct {
	net  *MemNetwork
	from uint64
}

func (t memTransport) Send(msgs []*pb.Message) {
	net := t.net
	var full []*pb.Message
	net.mu.Lock()
	for _, m := range msgs {
		net.Stats.Sent++
		k := [2]uint64{t.from, m.GetTo()}
		if net.cut[k] {
			net.Stats.Cut++
			continue
		}
		if net.dropRate > 0 && net.rng.Float64() < net.dropRate || net.filter != nil && net.filter(m) {
			net.Stats.Dropped++
			continue
		}
		if len(net.queues[k]) >= net.depth {
			net.Stats.Full++
			full = append(full, m)
			continue
		}
		// A copy, as the wire would make: the receiver must not share
		// the sender's entries.
		net.queues[k] = append(net.queues[k], proto.Clone(m).(*pb.Message))
	}
	rep := net.nodes[t.from]
	net.mu.Unlock()
	if rep != nil {
		for _, m := range full {
			rep.ReportUnreachable(m.GetTo())
			if m.GetType() == pb.MsgSnap {
				rep.ReportSnapshot(m.GetTo(), raft.SnapshotFailure)
			}
		}
	}
	select {
	case net.kick <- struct{}{}:
	default:
	}
}

// Cut stops messages between a and b, both ways.
func (net *MemNetwork) Cut(a, b uint64) {
	net.mu.Lock()
	defer net.mu.Unlock()
	net.cut[[2]uint64{a, b}], net.cut[[2]uint64{b, a}] = true, true
}

// Partition cuts every link between nodes of different groups.
func (net *MemNetwork) Partition(groups ...[]uint64) {
	for i, g := range groups {
		for _, h := range groups[i+1:] {
			for _, a := range g {
				for _, b := range h {
					net.Cut(a, b)
				}
			}
		}
	}
}

// Heal restores every link.
func (net *MemNetwork) Heal() {
	net.mu.Lock()
	defer net.mu.Unlock()
	clear(net.cut)
}

// SetDropRate drops each message with probability p, drawn from the seed.
func (net *MemNetwork) SetDropRate(p float64) {
	net.mu.Lock()
	defer net.mu.Unlock()
	net.dropRate = p
}

// SetFilter drops, silently, every message for which drop returns true
// (nil removes the filter): a lost snapshot, a one-way loss of one type.
// drop runs with the network locked; it must not call the network.
func (net *MemNetwork) SetFilter(drop func(m *pb.Message) bool) {
	net.mu.Lock()
	defer net.mu.Unlock()
	net.filter = drop
}

// Pending is how many messages are queued or being handed over.
func (net *MemNetwork) Pending() int {
	net.mu.Lock()
	defer net.mu.Unlock()
	n := net.inflight
	for _, q := range net.queues {
		n += len(q)
	}
	return n
}

var cancelledCtx = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

// Deliver hands every queued message to its node, in link order, and
// returns how many were accepted. A message for a node that is gone, cut
// off since it was sent, or whose inbox is full is lost.
func (net *MemNetwork) Deliver() int {
	net.mu.Lock()
	type delivery struct {
		to *Node
		m  *pb.Message
	}
	var ds []delivery
	// Link order, so a test's run depends on its seed, not on map order.
	keys := slices.SortedFunc(maps.Keys(net.queues), func(a, b [2]uint64) int {
		return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1]))
	})
	for _, k := range keys {
		q := net.queues[k]
		to := net.nodes[k[1]]
		for _, m := range q {
			if to == nil || net.cut[k] {
				net.Stats.Cut++
				continue
			}
			ds = append(ds, delivery{to, m})
		}
		delete(net.queues, k)
	}
	net.inflight += len(ds)
	net.mu.Unlock()
	accepted := 0
	for _, d := range ds {
		// Never wait: a real receiver drops what it cannot take.
		if d.to.Step(cancelledCtx, d.m) == nil {
			accepted++
		}
	}
	net.mu.Lock()
	net.inflight -= len(ds)
	net.Stats.Delivered += uint64(accepted)
	net.Stats.Refused += uint64(len(ds) - accepted)
	net.mu.Unlock()
	return accepted
}

// Run delivers messages as they are sent until ctx ends.
func (net *MemNetwork) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-net.kick:
			net.Deliver()
		}
	}
}

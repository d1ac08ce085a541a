package store

// Raft over the heartbeat links. A raft message travels as heartbeat
// cluster messages (frame type heartbeat.TypeMessage, channel
// heartbeat.ChannelRaft): sealed with the cluster key, replay-checked and
// sent by the mux over the best live link with failover, like every other
// cluster message. A frame holds at most MaxFrameSize bytes, and raft's
// messages do not: an append carrying a whole CIB or a snapshot of a large
// CIB is bigger. So every message is cut into chunks of ChunkSize bytes and
// put back together on the receiving node; one lost chunk loses the
// message, which raft treats like any lost datagram (it resends appends;
// the leader's snapshot watchdog, SnapshotTimeoutTicks, resends a
// snapshot). Refusing large snapshots instead would leave a node that
// needs one behind for good as soon as the CIB outgrows one frame.
//
// The sending half is a QueuedTransport over Wire.send, so the Ready loop
// never waits on a link; the receiving half, Wire.Receive, is the
// heartbeat receiver's message handler and never blocks either: a message
// the node's inbox cannot take at once is dropped and counted.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"pacer/heartbeat"
	"pacer/internal/clock"
	"pacer/internal/cluster"
	"pacer/internal/logfield"
)

// MessageSender sends one cluster message to a peer: heartbeat.Mux.
type MessageSender interface {
	Send(peer cluster.NodeID, msg heartbeat.Message) (cluster.LinkName, error)
}

var _ MessageSender = (*heartbeat.Mux)(nil)

// WireNode is what the wire needs of the local Node: somewhere to step
// received messages and someone to tell what was lost. *Node is one.
type WireNode interface {
	Reporter
	Step(ctx context.Context, m *pb.Message) error
}

var _ WireNode = (*Node)(nil)

// Router maps raft ids to the nodes that carry them, for a group whose raft
// ids are not all node ids (a node that rejoined under a new raft id). The
// daemon implements it from the member table and the configuration; nil
// means raft ids are node ids.
type Router interface {
	// NodeOf is the node raft id id is sent to; false drops the message
	// (reported unreachable).
	NodeOf(id uint64) (cluster.NodeID, bool)
	// Speaks reports whether node from, which signed the frame, may send
	// as raft id id.
	Speaks(from cluster.NodeID, id uint64) bool
}

// WireConfig sets the chunking and queueing of the raft wire.
type WireConfig struct {
	// ChunkSize is the most bytes of an encoded raft message one frame
	// carries. With the frame's own overhead (under 200 bytes) it must
	// stay under heartbeat.MaxFrameSize. Small messages (votes,
	// heartbeats, append responses) are one small frame, which a serial
	// link also carries when it is the only path left.
	ChunkSize int
	// MaxMessage is the largest encoded raft message sent or accepted;
	// a larger one is refused (reported lost to raft) or dropped.
	MaxMessage int
	// QueueDepth is the per-peer queue of the QueuedTransport.
	QueueDepth int
	// Retries and RetryWait: a chunk that finds every link's send queue
	// full is retried this often, this long apart, before the message
	// is given up.
	Retries   int
	RetryWait time.Duration
	// AssemblyTimeout drops a partly received message whose next chunk
	// has not come for this long; AssembliesPerPeer bounds the messages
	// being put together per sender (the oldest is dropped).
	AssemblyTimeout   time.Duration
	AssembliesPerPeer int
}

// DefaultWireConfig returns the production settings.
func DefaultWireConfig() WireConfig {
	return WireConfig{
		ChunkSize:         32 << 10,
		MaxMessage:        64 << 20,
		QueueDepth:        4096,
		Retries:           50,
		RetryWait:         2 * time.Millisecond,
		AssemblyTimeout:   30 * time.Second,
		AssembliesPerPeer: 4,
	}
}

// maxChunkSize keeps a chunk and its framing inside one frame;
// minChunkSize bounds the chunks a message may claim (and so what the
// receiver allocates for it) to its size over 64.
const (
	maxChunkSize = heartbeat.MaxFrameSize - 1024
	minChunkSize = 64
)

// Validate checks the settings.
func (c WireConfig) Validate() error {
	var errs []error
	if c.ChunkSize < minChunkSize || c.ChunkSize > maxChunkSize {
		errs = append(errs, fmt.Errorf("chunk size %d must be in %d..%d", c.ChunkSize, minChunkSize, maxChunkSize))
	}
	if c.MaxMessage < c.ChunkSize || c.MaxMessage > 1<<30 {
		errs = append(errs, fmt.Errorf("max message %d must be in chunk size %d..1 GiB", c.MaxMessage, c.ChunkSize))
	}
	if c.MaxMessage/c.ChunkSize >= 1<<20 {
		errs = append(errs, fmt.Errorf("max message %d needs more than 2^20 chunks of %d", c.MaxMessage, c.ChunkSize))
	}
	if c.QueueDepth < 1 || c.Retries < 0 || c.RetryWait < 0 {
		errs = append(errs, errors.New("queue depth must be >= 1, retries and retry wait >= 0"))
	}
	if c.AssemblyTimeout <= 0 || c.AssembliesPerPeer < 1 {
		errs = append(errs, errors.New("assembly timeout must be positive and assemblies per peer >= 1"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("raft wire config: %w", err)
	}
	return nil
}

// chunk is the body of one raft cluster message: part Index of Count of
// message Msg, Total bytes in all.
type chunk struct {
	Msg   uint64 `codec:"m"`
	Index uint32 `codec:"i"`
	Count uint32 `codec:"n"`
	Total uint32 `codec:"t"`
	Data  []byte `codec:"d"`
}

type assemblyKey struct {
	from cluster.NodeID
	msg  uint64
}

type assembly struct {
	parts [][]byte
	have  uint32
	size  int
	last  time.Time
	first time.Time
}

// WireStats are the wire's counters.
type WireStats struct {
	Sent       uint64 // raft messages handed to the links in full
	Chunks     uint64 // frames sent
	SendFailed uint64 // messages lost on the way out (no path, queues full)
	Dropped    uint64 // messages dropped on a full per-peer queue
	Refused    uint64 // messages over MaxMessage, not sent
	Received   uint64 // messages stepped into the node
	Garbled    uint64 // chunks or messages that did not decode or did not add up
	Incomplete uint64 // partly received messages given up
	InboxFull  uint64 // received messages the node's inbox could not take
}

// Wire carries raft messages over heartbeat links. Build it, build the
// Node with it as the Transport, Bind the Node, and route the receiver's
// ChannelRaft messages to Receive.
type Wire struct {
	cfg WireConfig
	mux MessageSender
	clk clock.Clock
	lg  *zap.Logger
	qt  *QueuedTransport

	node   atomic.Pointer[wireNode]
	router atomic.Pointer[routerBox]
	next   atomic.Uint64

	mu   sync.Mutex
	asm  map[assemblyKey]*assembly
	byNo map[cluster.NodeID]int // assemblies per sender

	sent, chunks, refused, received, garbled, incomplete, inboxFull, unbound atomic.Uint64
}

type wireNode struct{ WireNode }

type routerBox struct{ Router }

// SetRouter routes by r from now on (nil: raft ids are node ids).
func (w *Wire) SetRouter(r Router) {
	if r == nil {
		w.router.Store(nil)
		return
	}
	w.router.Store(&routerBox{r})
}

// ErrNoRoute is a raft message to a raft id no node is known to carry.
var ErrNoRoute = errors.New("no node carries the raft id")

var (
	_ Transport = (*Wire)(nil)
	_ Reporter  = (*Wire)(nil)
)

// NewWire builds the wire; it starts no goroutine (the per-peer senders
// start with the first message). lg is the store's logger or nil.
func NewWire(cfg WireConfig, mux MessageSender, clk clock.Clock, lg *zap.Logger) (*Wire, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if lg == nil {
		lg = zap.NewNop()
	}
	w := &Wire{cfg: cfg, mux: mux, clk: clk, lg: lg, asm: map[assemblyKey]*assembly{}, byNo: map[cluster.NodeID]int{}}
	// Message numbers start at the boot time so a restarted sender does not
	// collide with chunks of its previous run still in flight.
	w.next.Store(uint64(clk.Now().UnixNano()))
	w.qt = NewQueuedTransport(w.send, w, cfg.QueueDepth)
	return w, nil
}

// Bind attaches the local node: received messages are stepped into it and
// lost ones reported to it. Until then both are dropped.
func (w *Wire) Bind(n WireNode) { w.node.Store(&wireNode{n}) }

// Send enqueues msgs without blocking (Transport).
func (w *Wire) Send(msgs []*pb.Message) { w.qt.Send(msgs) }

// Close stops the senders.
func (w *Wire) Close() { w.qt.Close() }

// ReportUnreachable forwards to the bound node (Reporter).
func (w *Wire) ReportUnreachable(id uint64) {
	if n := w.node.Load(); n != nil {
		n.ReportUnreachable(id)
	}
}

// ReportSnapshot forwards to the bound node (Reporter).
func (w *Wire) ReportSnapshot(id uint64, s raft.SnapshotStatus) {
	if n := w.node.Load(); n != nil {
		n.ReportSnapshot(id, s)
	}
}

// Stats returns the counters.
func (w *Wire) Stats() WireStats {
	return WireStats{
		Sent: w.sent.Load(), Chunks: w.chunks.Load(), SendFailed: w.qt.Failed(), Dropped: w.qt.Dropped(),
		Refused: w.refused.Load(), Received: w.received.Load(), Garbled: w.garbled.Load(),
		Incomplete: w.incomplete.Load(), InboxFull: w.inboxFull.Load() + w.unbound.Load(),
	}
}

// ErrMessageTooLarge refuses a raft message above WireConfig.MaxMessage.
var ErrMessageTooLarge = errors.New("raft message too large for the wire")

// send is the QueuedTransport's SendFunc: it blocks on a full link queue
// for a while, never on the Ready loop.
func (w *Wire) send(ctx context.Context, m *pb.Message) error {
	b, err := proto.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode raft message: %w", err)
	}
	if len(b) > w.cfg.MaxMessage {
		w.refused.Add(1)
		return fmt.Errorf("%w: %v of %d bytes, max %d", ErrMessageTooLarge, m.GetType(), len(b), w.cfg.MaxMessage)
	}
	peer := cluster.NodeID(m.GetTo())
	if r := w.router.Load(); r != nil {
		var ok bool
		if peer, ok = r.NodeOf(m.GetTo()); !ok {
			return fmt.Errorf("%w: %d", ErrNoRoute, m.GetTo())
		}
	}
	count := max(1, (len(b)+w.cfg.ChunkSize-1)/w.cfg.ChunkSize)
	c := chunk{Msg: w.next.Add(1), Count: uint32(count), Total: uint32(len(b))}
	for i := range count {
		c.Index = uint32(i)
		c.Data = b[i*w.cfg.ChunkSize : min(len(b), (i+1)*w.cfg.ChunkSize)]
		body, err := heartbeat.EncodeBody(nil, c)
		if err != nil {
			return err
		}
		if err := w.sendFrame(ctx, peer, body); err != nil {
			w.lg.Debug("raft message not sent", logfield.NodeID(m.GetTo()), zap.Stringer("type", m.GetType()),
				zap.Int("chunk", i), zap.Int("chunks", count), zap.Error(err))
			return err
		}
		w.chunks.Add(1)
	}
	w.sent.Add(1)
	return nil
}

// sendFrame hands one chunk to the mux, waiting out full link queues.
func (w *Wire) sendFrame(ctx context.Context, peer cluster.NodeID, body []byte) error {
	for try := 0; ; try++ {
		_, err := w.mux.Send(peer, heartbeat.Message{Channel: heartbeat.ChannelRaft, Data: body})
		if err == nil || !errors.Is(err, heartbeat.ErrQueueFull) || try >= w.cfg.Retries {
			return err
		}
		t := w.clk.NewTimer(w.cfg.RetryWait)
		select {
		case <-t.C():
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}

// noWait is an ended context: Step with it never waits.
var noWait = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

// Receive handles one ChannelRaft message from a verified frame of from.
// It never blocks (the heartbeat receiver calls it).
func (w *Wire) Receive(from cluster.NodeID, link cluster.LinkName, m heartbeat.Message) {
	var c chunk
	if err := heartbeat.DecodeBody(m.Data, &c); err != nil {
		w.bad(from, link, err)
		return
	}
	if c.Count == 0 || c.Index >= c.Count || int64(c.Total) > int64(w.cfg.MaxMessage) ||
		int64(c.Count) > max(1, (int64(c.Total)+minChunkSize-1)/minChunkSize) {
		w.bad(from, link, fmt.Errorf("chunk %d of %d, %d bytes", c.Index, c.Count, c.Total))
		return
	}
	if c.Count == 1 {
		w.deliver(from, link, c.Data, c.Total)
		return
	}
	if whole := w.assemble(from, link, c); whole != nil {
		w.deliver(from, link, whole, c.Total)
	}
}

// assemble files c and returns the whole message once every chunk is in.
func (w *Wire) assemble(from cluster.NodeID, link cluster.LinkName, c chunk) []byte {
	now := w.clk.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	// Forget messages whose next chunk is overdue: their rest was lost.
	for k, a := range w.asm {
		if now.Sub(a.last) > w.cfg.AssemblyTimeout {
			w.dropAssembly(k)
		}
	}
	k := assemblyKey{from, c.Msg}
	a := w.asm[k]
	if a == nil {
		if w.byNo[from] >= w.cfg.AssembliesPerPeer {
			var oldest assemblyKey
			var at time.Time
			for ok, oa := range w.asm {
				if ok.from == from && (at.IsZero() || oa.first.Before(at)) {
					oldest, at = ok, oa.first
				}
			}
			w.dropAssembly(oldest)
		}
		a = &assembly{parts: make([][]byte, c.Count), first: now}
		w.asm[k] = a
		w.byNo[from]++
	}
	if int(c.Count) != len(a.parts) {
		w.dropAssembly(k)
		w.bad(from, link, fmt.Errorf("message %d: chunk count %d, earlier %d", c.Msg, c.Count, len(a.parts)))
		return nil
	}
	a.last = now
	if a.parts[c.Index] != nil {
		return nil // a duplicate
	}
	a.parts[c.Index] = append([]byte(nil), c.Data...)
	a.have++
	a.size += len(c.Data)
	if a.size > int(c.Total) {
		w.dropAssembly(k)
		w.bad(from, link, fmt.Errorf("message %d: %d bytes in chunks, %d announced", c.Msg, a.size, c.Total))
		return nil
	}
	if a.have < c.Count {
		return nil
	}
	delete(w.asm, k)
	w.byNo[from]--
	whole := make([]byte, 0, a.size)
	for _, p := range a.parts {
		whole = append(whole, p...)
	}
	return whole
}

// dropAssembly forgets a partly received message; w.mu is held.
func (w *Wire) dropAssembly(k assemblyKey) {
	if _, ok := w.asm[k]; !ok {
		return
	}
	delete(w.asm, k)
	w.incomplete.Add(1)
	if w.byNo[k.from]--; w.byNo[k.from] <= 0 {
		delete(w.byNo, k.from)
	}
}

// deliver decodes a whole message and steps it into the node.
func (w *Wire) deliver(from cluster.NodeID, link cluster.LinkName, b []byte, total uint32) {
	if len(b) != int(total) {
		w.bad(from, link, fmt.Errorf("%d bytes, %d announced", len(b), total))
		return
	}
	var m pb.Message
	if err := proto.Unmarshal(b, &m); err != nil {
		w.bad(from, link, err)
		return
	}
	// A frame signed by one node cannot speak for another: raft ids are
	// node ids, or the router knows whose they are.
	if r := w.router.Load(); r != nil {
		if !r.Speaks(from, m.GetFrom()) {
			w.bad(from, link, fmt.Errorf("raft message from raft id %d in a frame of node %d", m.GetFrom(), from))
			return
		}
	} else if m.GetFrom() != uint64(from) {
		w.bad(from, link, fmt.Errorf("raft message from %d in a frame of node %d", m.GetFrom(), from))
		return
	}
	n := w.node.Load()
	if n == nil {
		w.unbound.Add(1)
		return
	}
	err := n.Step(noWait, &m)
	switch {
	case err == nil:
		w.received.Add(1)
	case errors.Is(err, ErrGarbled):
		w.bad(from, link, err) // the node counted it too
	case errors.Is(err, context.Canceled):
		w.inboxFull.Add(1)
	default: // stopped
	}
}

func (w *Wire) bad(from cluster.NodeID, link cluster.LinkName, err error) {
	w.garbled.Add(1)
	w.lg.Debug("garbled raft message", logfield.NodeID(uint64(from)), logfield.Link(string(link)), zap.Error(err))
}

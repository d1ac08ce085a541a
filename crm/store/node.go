package store

// Node is one member of the replicated CIB: its state, construction and
// restore, and the transport's side (Step, Report*). Everything raft touches
// (the RawNode, the FSM, the pending proposals) is owned by the single loop
// goroutine in loop.go; callers (api.go) only hand work into it through
// channels (or a never-blocking mailbox) and read what it publishes
// atomically, so the loop never waits on a caller and a caller never sees
// half an update.

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"go.uber.org/zap"

	"pacer/internal/clock"
	"pacer/internal/cluster"
)

// Node is the replicated CIB on one node. New builds it; Run drives it.
type Node struct {
	cfg Config
	log Storage
	tr  Transport
	clk clock.Clock
	lg  *zap.Logger

	// Loop-owned state.
	rn *raft.RawNode
	// campaignAt: once this index is applied and this node is the only
	// voter, it campaigns at once (after a forced configuration).
	campaignAt uint64
	// readdressed is called (on the wire's goroutine) with a message a
	// leader sent to a newer raft id of this node; see SetReaddressed.
	readdressed atomic.Pointer[func(m *pb.Message)]
	fsm         *fsm
	cs          *pb.ConfState
	applied     uint64
	snapIndex   uint64
	confIndex   uint64 // last conf change entry appended to the log
	leadStart   uint64 // first entry of this node's leadership term; 0 if none
	soft        raft.SoftState
	term        uint64
	proposals   map[reqID]chan result
	reads       map[[16]byte]*readReq
	readsReady  []*readReq // index known, waiting for apply
	lastLead    Leadership
	snapSince   map[uint64]uint64 // peer -> tick its pending snapshot was first seen
	handedTerm  uint64            // last term a witness leader logged its hand-over
	// confWaiters wait for an id to leave the applied configuration.
	confWaiters []confWaiter

	// ticker is made by New, not Run, so a clock.Fake advanced right
	// after Run is started already counts for this node.
	ticker clock.Ticker

	// Channels into the loop.
	recvc chan *pb.Message
	propc chan *proposal
	readc chan *readReq
	wake  chan struct{}
	mbMu  sync.Mutex
	mbox  []func()

	// id is cfg.ID for other goroutines: the loop changes both when the
	// node rejoins under a new raft id (Rejoin).
	id       atomic.Uint64
	seq      atomic.Uint64
	running  atomic.Bool
	stopOnce sync.Once
	stopc    chan struct{}
	done     chan struct{}
	runErr   error // set before done closes

	// Published by the loop.
	view   atomic.Pointer[view]
	status atomic.Pointer[Status]

	watchMu  sync.Mutex
	watchers map[*chan Leadership]struct{}

	stats stats

	// idle is true while the loop waits in select (tests wait for all
	// nodes to be idle before advancing the fake clock); ticks counts the
	// ticks taken (the snapshot watchdog's time, and what tests wait on).
	idle  atomic.Bool
	ticks atomic.Uint64

	// Test hooks, set before Run; called on the loop goroutine.
	onApply func(index uint64, d decodedEntry, r result)
	onState func(term uint64, state raft.StateType)
}

// Leadership is who the DC (the raft leader) is.
type Leadership struct {
	ID   uint64 // 0 when there is none
	Name cluster.NodeName
	Term uint64
}

// Status is a node's raft state, published after every Ready.
type Status struct {
	ID       uint64
	Lead     uint64
	Term     uint64
	State    raft.StateType
	Commit   uint64
	Applied  uint64
	Voters   []uint64
	Learners []uint64
}

// view is the applied state, published after every applied batch.
type view struct {
	xml     []byte
	ver     Version
	applied uint64
	members []Member
}

type proposal struct {
	req  reqID
	data []byte
	done chan result
}

type confWaiter struct {
	id   uint64
	gone chan struct{}
}

type readReq struct {
	key   [16]byte
	index uint64
	done  chan *view
}

type stats struct {
	garbledEntries atomic.Uint64
	badMessages    atomic.Uint64
	droppedProps   atomic.Uint64
	unreachable    atomic.Uint64
	snapFailures   atomic.Uint64
}

// Stats are counters of things that went wrong without stopping the node.
type Stats struct {
	GarbledEntries   uint64 // committed entries that did not decode (no effect)
	BadMessages      uint64 // incoming messages refused or rejected by raft
	DroppedProposals uint64 // proposals raft refused (no leader)
	Unreachable      uint64 // ReportUnreachable calls from the transport
	SnapshotFailures uint64 // snapshots the transport reported lost
}

// New builds a node on an open Storage (the bbolt Log; MemLog in the
// simulator); lg is the component's logger
// (lg.Named("store"); nil logs nothing), raft's own lines go to its child
// "raft". It restores the FSM from the Log (from
// the snapshot if the applied state is older) and, when the Log is empty
// and cfg.Peers is set, bootstraps a new cluster. It starts no goroutine;
// Run does. The caller closes the Log after Run has returned.
func New(cfg Config, l Storage, tr Transport, clk clock.Clock, lg *zap.Logger) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if lg == nil {
		lg = zap.NewNop()
	}
	n := &Node{
		cfg: cfg, log: l, tr: tr, clk: clk, lg: lg,
		proposals: map[reqID]chan result{},
		reads:     map[[16]byte]*readReq{},
		snapSince: map[uint64]uint64{},
		recvc:     make(chan *pb.Message, cfg.InboxLen),
		propc:     make(chan *proposal, cfg.InboxLen),
		readc:     make(chan *readReq, cfg.InboxLen),
		wake:      make(chan struct{}, 1),
		stopc:     make(chan struct{}),
		done:      make(chan struct{}),
		watchers:  map[*chan Leadership]struct{}{},
	}
	// A restarted proposer must not reuse the request ids of its previous
	// run: entries of that run may still be applied after it.
	n.seq.Store(uint64(clk.Now().UnixNano()))
	if saved, err := l.RaftID(); err != nil {
		return nil, fmt.Errorf("store %s: %w", l.Path(), err)
	} else if saved != 0 && saved != cfg.ID {
		// The node rejoined under a new raft id (Rejoin) and the log is
		// that id's: the configured one is retired.
		lg.Info("raft id from the log", zap.Uint64("configured", cfg.ID), zap.Uint64("raft_id", saved))
		cfg.ID, cfg.Peers = saved, nil
		n.cfg = cfg
	}
	n.id.Store(cfg.ID)
	if err := n.restore(); err != nil {
		return nil, fmt.Errorf("store %s: %w", l.Path(), err)
	}
	rn, err := n.newRawNode()
	if err != nil {
		return nil, fmt.Errorf("store %s: start raft: %w", l.Path(), err)
	}
	n.rn = rn
	if last, _ := l.LastIndex(); last == 0 && len(cfg.Peers) > 0 {
		peers := make([]raft.Peer, len(cfg.Peers))
		for i, p := range cfg.Peers {
			// The name rides in the conf change so every node's member
			// table learns it (fsm.noteConfChange).
			peers[i] = raft.Peer{ID: p.ID, Context: []byte(p.Name)}
		}
		if err := rn.Bootstrap(peers); err != nil {
			return nil, fmt.Errorf("store %s: bootstrap: %w", l.Path(), err)
		}
	}
	n.publish()
	n.ticker = clk.NewTicker(cfg.TickInterval)
	return n, nil
}

// newRawNode starts raft on the Log with the node's settings.
func (n *Node) newRawNode() (*raft.RawNode, error) {
	return raft.NewRawNode(&raft.Config{
		ID:                n.cfg.ID,
		ElectionTick:      n.cfg.ElectionTicks,
		HeartbeatTick:     n.cfg.HeartbeatTicks,
		Storage:           n.log,
		Applied:           n.applied,
		MaxSizePerMsg:     n.cfg.MaxSizePerMsg,
		MaxInflightMsgs:   n.cfg.MaxInflightMsgs,
		CheckQuorum:       true,
		PreVote:           true,
		StepDownOnRemoval: true,
		Logger:            newRaftLogger(n.lg.Named("raft")),
	})
}

// restore loads the applied state, or the snapshot when that is newer (a
// crash between saving a received snapshot and restoring it).
func (n *Node) restore() error {
	applied, _, state, err := n.log.AppliedState()
	if err != nil {
		return err
	}
	snap, err := n.log.Snapshot()
	if err != nil {
		return err
	}
	n.snapIndex = snap.GetMetadata().GetIndex()
	if n.snapIndex > applied {
		f, err := restoreFSM(snap.GetData())
		if err != nil {
			return fmt.Errorf("restore snapshot %d: %w", n.snapIndex, err)
		}
		if err := n.log.SaveApplied(n.snapIndex, snap.GetMetadata().GetConfState(), snap.GetData()); err != nil {
			return err
		}
		n.fsm, applied = f, n.snapIndex
	} else if len(state) > 0 {
		if n.fsm, err = restoreFSM(state); err != nil {
			return fmt.Errorf("restore applied state %d: %w", applied, err)
		}
	} else {
		n.fsm = newFSM()
	}
	n.applied = applied
	_, n.cs, err = n.log.InitialState()
	return err
}

// Stop ends Run and waits for it to return. Safe to call more than once
// and before Run (Run then returns at once).
func (n *Node) Stop() {
	n.stopOnce.Do(func() { close(n.stopc) })
	if n.running.Load() {
		<-n.done
	}
}

// Done is closed when Run has returned.
func (n *Node) Done() <-chan struct{} { return n.done }

// Err is the error Run returned, once Done is closed.
func (n *Node) Err() error {
	select {
	case <-n.done:
		return n.runErr
	default:
		return nil
	}
}

// Step hands a message from a peer to the loop, waiting while the inbox is
// full until ctx ends. A nil or misaddressed message is refused and counted.
func (n *Node) Step(ctx context.Context, m *pb.Message) error {
	if m != nil && m.GetTo() > n.id.Load() && m.GetFrom() != 0 && isLeaderMsg(m.GetType()) {
		if fn := n.readdressed.Load(); fn != nil {
			(*fn)(m)
			return fmt.Errorf("store: step: %w: %v from %d to raft id %d, this node is %d", ErrReaddressed,
				m.GetType(), m.GetFrom(), m.GetTo(), n.id.Load())
		}
	}
	if m == nil || m.GetTo() != n.id.Load() || m.GetFrom() == 0 || raft.IsLocalMsg(m.GetType()) {
		n.stats.badMessages.Add(1)
		return fmt.Errorf("store: step: %w: message %v from %d to %d", ErrGarbled, m.GetType(), m.GetFrom(), m.GetTo())
	}
	select { // apart, or select would pick at random between the two
	case <-n.stopc:
		return ErrStopped
	default:
	}
	select {
	case n.recvc <- m:
		return nil
	default:
	}
	select {
	case n.recvc <- m:
		return nil
	case <-n.stopc:
		return ErrStopped
	case <-ctx.Done():
		return fmt.Errorf("store: step: %w", ctx.Err())
	}
}

// post runs fn on the loop without blocking the caller.
func (n *Node) post(fn func()) {
	n.mbMu.Lock()
	n.mbox = append(n.mbox, fn)
	n.mbMu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// ReportUnreachable tells raft that a message to id was lost.
func (n *Node) ReportUnreachable(id uint64) {
	n.stats.unreachable.Add(1)
	n.post(func() { n.rn.ReportUnreachable(id) })
}

// ReportSnapshot tells raft how sending a snapshot to id ended.
func (n *Node) ReportSnapshot(id uint64, status raft.SnapshotStatus) {
	if status == raft.SnapshotFailure {
		n.stats.snapFailures.Add(1)
	}
	n.post(func() { n.rn.ReportSnapshot(id, status) })
}

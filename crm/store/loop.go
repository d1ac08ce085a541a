package store

// The Ready loop: one goroutine owns the RawNode and the FSM. Each Ready is
// handled in the order raft's README requires: persist hard state, entries
// and snapshot in one synced transaction, then send, then restore the
// snapshot and apply the committed entries, saving the applied index in the
// same transaction as the state it produced, then Advance. Time enters only
// through the injected clock's ticker.

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"go.uber.org/zap"

	"pacer/internal/logfield"
)

// Run drives the node until ctx ends or Stop is called (then it returns
// nil). A persistence failure, or a committed entry this version cannot
// apply, stops it with an error: continuing would let this node's state
// diverge from the log.
func (n *Node) Run(ctx context.Context) error {
	if !n.running.CompareAndSwap(false, true) {
		return errors.New("store: run: already running")
	}
	defer n.ticker.Stop()
	var err error
	select {
	case <-n.stopc: // stopped before it ran: do nothing, not even persist
	default:
		err = n.run(ctx)
	}
	if err != nil {
		n.lg.Error("store stopped", zap.Error(err))
	}
	// However the loop ended, callers waiting on it must hear ErrStopped.
	n.stopOnce.Do(func() { close(n.stopc) })
	n.runErr = err
	n.failWaiters()
	close(n.done)
	return err
}

func (n *Node) run(ctx context.Context) error {
	ticker := n.ticker
	for {
		if err := n.handleReady(); err != nil {
			return err
		}
		n.idle.Store(true)
		select {
		case <-ctx.Done():
			return nil
		case <-n.stopc:
			return nil
		case <-ticker.C():
			n.idle.Store(false)
			n.tick()
		case m := <-n.recvc:
			n.idle.Store(false)
			n.step(m)
			n.drainInputs()
		case p := <-n.propc:
			n.idle.Store(false)
			n.proposeLocal(p)
			n.drainInputs()
		case r := <-n.readc:
			n.idle.Store(false)
			n.readLocal(r)
		case <-n.wake:
			n.idle.Store(false)
			n.runMailbox()
		}
	}
}

// maxBatch bounds the messages and proposals taken in one go before the
// next Ready.
const maxBatch = 512

// drainInputs takes what else is already waiting in the inbox and the
// proposal queue, so one Ready (one synced write) carries all of it:
// without it every proposal and every append cost a disk sync of its own.
func (n *Node) drainInputs() {
	for range maxBatch {
		select {
		case m := <-n.recvc:
			n.step(m)
		case p := <-n.propc:
			n.proposeLocal(p)
		default:
			return
		}
	}
}

// tick is one tick of the injected clock: raft's, then the leader's
// periodic duties. (The simulator's Driver calls it too.)
func (n *Node) tick() {
	n.ticks.Add(1)
	n.rn.Tick()
	n.reconcile()
	n.handOff()
	n.watchSnapshots()
}

// failWaiters answers everyone still waiting once the loop is gone.
func (n *Node) failWaiters() {
	for req, ch := range n.proposals {
		ch <- result{err: ErrStopped}
		delete(n.proposals, req)
	}
}

func (n *Node) runMailbox() {
	n.mbMu.Lock()
	fns := n.mbox
	n.mbox = nil
	n.mbMu.Unlock()
	for _, fn := range fns {
		fn()
	}
}

func (n *Node) step(m *pb.Message) {
	if err := n.rn.Step(m); err != nil {
		// A message from a removed or unknown peer, or a local type: raft
		// refuses it and nothing changes.
		n.stats.badMessages.Add(1)
		n.lg.Debug("raft message refused", zap.Stringer("type", m.GetType()), zap.Uint64("from", m.GetFrom()), zap.Error(err))
	}
}

func (n *Node) proposeLocal(p *proposal) {
	if err := n.rn.Propose(p.data); err != nil {
		n.stats.droppedProps.Add(1)
		if errors.Is(err, raft.ErrProposalDropped) {
			err = fmt.Errorf("%w: %w", ErrNoLeader, err)
		}
		p.done <- result{err: err}
		return
	}
	n.proposals[p.req] = p.done
}

func (n *Node) readLocal(r *readReq) {
	n.reads[r.key] = r
	n.rn.ReadIndex(r.key[:])
}

func (n *Node) forgetRead(r *readReq) {
	delete(n.reads, r.key)
	n.readsReady = slices.DeleteFunc(n.readsReady, func(x *readReq) bool { return x == r })
}

// handleReady handles every pending Ready.
func (n *Node) handleReady() error {
	for n.rn.HasReady() {
		rd := n.rn.Ready()

		// 1. Persist, before any message of this Ready leaves.
		if err := n.log.Save(rd.HardState, rd.Entries, rd.Snapshot); err != nil {
			return fmt.Errorf("store: persist ready: %w", err)
		}
		n.noteAppended(rd.Entries)
		if rd.SoftState != nil {
			n.noteSoftState(*rd.SoftState)
		}

		// 2. Send. A follower with a conf change in this batch sends after
		// applying it, so it never answers in a configuration it has not
		// taken on (etcd does the same).
		confBatch := slices.ContainsFunc(rd.CommittedEntries, func(e *pb.Entry) bool {
			return e.GetType() != pb.EntryNormal
		})
		if err := n.freshenSnapshots(rd.Messages); err != nil {
			return err
		}
		if !confBatch {
			n.tr.Send(rd.Messages)
		}

		// 3. Restore a snapshot, then apply.
		if !raft.IsEmptySnap(rd.Snapshot) {
			if err := n.restoreSnapshot(rd.Snapshot); err != nil {
				return err
			}
		}
		if err := n.apply(rd.CommittedEntries); err != nil {
			return err
		}
		if confBatch {
			n.tr.Send(rd.Messages)
		}
		for _, rs := range rd.ReadStates {
			n.noteReadState(rs)
		}

		// 4. Advance.
		n.rn.Advance(rd)
		n.maybeCampaign()
		if err := n.maybeSnapshot(); err != nil {
			return err
		}
		n.completeReads()
		n.publish()
	}
	return nil
}

// noteAppended tracks the last conf change in the log: the next one is
// proposed only once it is applied.
func (n *Node) noteAppended(ents []*pb.Entry) {
	for _, e := range ents {
		if e.GetType() != pb.EntryNormal {
			n.confIndex = max(n.confIndex, e.GetIndex())
		}
	}
}

func (n *Node) noteSoftState(ss raft.SoftState) {
	was := n.soft.RaftState
	n.soft = ss
	term := n.rn.BasicStatus().GetTerm()
	if ss.RaftState == raft.StateLeader && was != raft.StateLeader {
		// Raft appends an empty entry on election, in this Ready (already
		// saved): the term's first entry. Until it applies, raft itself
		// would refuse a conf change, so reconcile waits for it.
		n.leadStart = 0
		last, _ := n.log.LastIndex()
		for i := last; i > 0; i-- {
			t, err := n.log.Term(i)
			if err != nil || t != term {
				break
			}
			n.leadStart = i
		}
		n.lg.Info("elected DC", logfield.Node(string(n.cfg.Name)), logfield.NodeID(n.cfg.ID), logfield.Term(term))
	}
	if ss.RaftState != raft.StateLeader {
		n.leadStart = 0
	}
	if n.onState != nil {
		n.onState(term, ss.RaftState)
	}
}

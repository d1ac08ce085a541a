package store

// Applying committed entries to the FSM, on the loop goroutine: normal
// entries (the CIB and member table), conf changes (always handed to raft,
// even refused ones), snapshots from the leader. The applied index is saved
// with the state it produced in one transaction.

import (
	"errors"
	"fmt"
	"slices"

	pb "go.etcd.io/raft/v3/raftpb"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"pacer/internal/logfield"
)

// apply applies committed entries and saves the applied index with the
// state it produced, in one transaction.
func (n *Node) apply(ents []*pb.Entry) error {
	if len(ents) == 0 {
		return nil
	}
	for _, e := range ents {
		if e.GetIndex() <= n.applied {
			continue // covered by a snapshot restored in this Ready
		}
		switch e.GetType() {
		case pb.EntryNormal:
			if err := n.applyNormal(e); err != nil {
				return err
			}
		case pb.EntryConfChange, pb.EntryConfChangeV2:
			if err := n.applyConfChange(e); err != nil {
				return err
			}
		default:
			return fmt.Errorf("store: apply %d: unknown raft entry type %v", e.GetIndex(), e.GetType())
		}
		n.applied = e.GetIndex()
	}
	state, err := n.fsm.encode()
	if err != nil {
		return fmt.Errorf("store: apply to %d: %w", n.applied, err)
	}
	if err := n.log.SaveApplied(n.applied, n.cs, state); err != nil {
		return fmt.Errorf("store: apply to %d: %w", n.applied, err)
	}
	return nil
}

func (n *Node) applyNormal(e *pb.Entry) error {
	if len(e.GetData()) == 0 {
		return nil // the empty entry a new leader appends
	}
	d, err := decodeEntry(e.GetData())
	var r result
	switch {
	case errors.Is(err, ErrUnknownEntry):
		return fmt.Errorf("store: apply %d: %w (upgrade this node)", e.GetIndex(), err)
	case err != nil:
		n.stats.garbledEntries.Add(1)
		n.lg.Warn("garbled entry", zap.Uint64("index", e.GetIndex()), zap.Error(err))
		r = result{ver: n.fsm.ver, err: err}
	default:
		local := d.req().Node == n.cfg.ID && n.proposals[d.req()] != nil
		switch d.typ {
		case entryConfig:
			r = n.fsm.applyConfig(d.config, local)
		case entryStatus:
			r = n.fsm.applyStatus(d.status)
		case entryAddMember:
			r = n.fsm.applyAddMember(d.member)
		case entryRemoveMember:
			r = n.fsm.applyRemoveMember(d.member)
		default:
			return nil // ignorable type
		}
		if errors.Is(r.err, ErrGarbled) {
			n.stats.garbledEntries.Add(1)
		}
	}
	if n.onApply != nil {
		n.onApply(e.GetIndex(), d, r)
	}
	if ch, ok := n.proposals[d.req()]; ok && d.req().Node == n.cfg.ID {
		ch <- r
		delete(n.proposals, d.req())
	}
	return nil
}

func (n *Node) applyConfChange(e *pb.Entry) error {
	var cc pb.ConfChangeI
	if e.GetType() == pb.EntryConfChange {
		v1 := &pb.ConfChange{}
		if err := proto.Unmarshal(e.GetData(), v1); err != nil {
			return fmt.Errorf("store: apply %d: conf change: %w", e.GetIndex(), err)
		}
		cc = v1
	} else {
		v2 := &pb.ConfChangeV2{}
		if err := proto.Unmarshal(e.GetData(), v2); err != nil {
			return fmt.Errorf("store: apply %d: conf change: %w", e.GetIndex(), err)
		}
		cc = v2
	}
	// Always applied, even a change raft will refuse: raft requires it.
	n.cs = n.rn.ApplyConfChange(cc)
	v2 := cc.AsV2()
	for _, c := range v2.GetChanges() {
		switch c.GetType() {
		case pb.ConfChangeAddNode, pb.ConfChangeAddLearnerNode:
			n.fsm.noteConfChange(true, c.GetNodeId(), v2.GetContext())
		case pb.ConfChangeRemoveNode:
			n.fsm.noteConfChange(false, c.GetNodeId(), nil)
			if c.GetNodeId() == n.cfg.ID {
				n.lg.Warn("removed from the raft group", logfield.NodeID(n.cfg.ID))
			}
		}
	}
	n.lg.Info("raft configuration changed", zap.Uint64("index", e.GetIndex()),
		zap.Uint64s("voters", n.cs.GetVoters()), zap.Uint64s("learners", n.cs.GetLearners()))
	n.signalConfWaiters()
	return nil
}

// signalConfWaiters releases the RemoveNode calls whose id has left the
// applied configuration.
func (n *Node) signalConfWaiters() {
	n.confWaiters = slices.DeleteFunc(n.confWaiters, func(w confWaiter) bool {
		if inConfState(n.cs, w.id) {
			return false
		}
		close(w.gone)
		return true
	})
}

// restoreSnapshot replaces the FSM with a snapshot from the leader (already
// persisted by Save) and saves it as the applied state.
func (n *Node) restoreSnapshot(s *pb.Snapshot) error {
	idx := s.GetMetadata().GetIndex()
	f, err := restoreFSM(s.GetData())
	if err != nil {
		return fmt.Errorf("store: restore snapshot %d: %w", idx, err)
	}
	cs := s.GetMetadata().GetConfState()
	if err := n.log.SaveApplied(idx, cs, s.GetData()); err != nil {
		return fmt.Errorf("store: restore snapshot %d: %w", idx, err)
	}
	n.fsm, n.cs, n.applied, n.snapIndex = f, cloneConfState(cs), idx, idx
	n.signalConfWaiters()
	n.lg.Info("restored snapshot", zap.Uint64("index", idx), logfield.Term(s.GetMetadata().GetTerm()))
	return nil
}

func cloneConfState(cs *pb.ConfState) *pb.ConfState {
	return pb.EnsureConfState(proto.Clone(pb.EnsureConfState(cs)).(*pb.ConfState))
}

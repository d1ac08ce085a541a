package store

// Taking snapshots: periodically, with compaction behind them, and on
// demand for a node that joined after the last one.

import (
	"fmt"
	"slices"

	pb "go.etcd.io/raft/v3/raftpb"
	"go.uber.org/zap"

	"pacer/internal/logfield"
)

// maybeSnapshot takes a snapshot every SnapshotEntries applied entries and
// compacts the log, keeping CompactionTail entries behind it.
func (n *Node) maybeSnapshot() error {
	if n.applied < n.snapIndex+n.cfg.SnapshotEntries {
		return nil
	}
	state, err := n.fsm.encode()
	if err != nil {
		return fmt.Errorf("store: snapshot at %d: %w", n.applied, err)
	}
	if _, err := n.log.CreateSnapshot(n.applied, n.cs, state); err != nil {
		return fmt.Errorf("store: snapshot at %d: %w", n.applied, err)
	}
	n.snapIndex = n.applied
	if n.applied > n.cfg.CompactionTail {
		to := n.applied - n.cfg.CompactionTail
		if first, _ := n.log.FirstIndex(); to >= first {
			if err := n.log.Compact(to); err != nil {
				return fmt.Errorf("store: compact to %d: %w", to, err)
			}
		}
	}
	n.lg.Debug("snapshot taken", zap.Uint64("index", n.applied))
	return nil
}

// freshenSnapshots replaces a snapshot about to be sent to a peer it does
// not know with one taken now. Raft sends the latest stored snapshot; when a
// node joins after it was taken (the log compacted before the join), that
// snapshot's configuration lacks the new node, which refuses it ("not in the
// ConfState"), and the join would stall. Raft only sends to peers whose conf
// change this node has applied, so a snapshot at the applied index has it.
// The follower then answers with a match at or past the snapshot raft
// recorded as pending, which is all raft needs.
func (n *Node) freshenSnapshots(msgs []*pb.Message) error {
	for _, m := range msgs {
		if m.GetType() != pb.MsgSnap || inConfState(m.GetSnapshot().GetMetadata().GetConfState(), m.GetTo()) {
			continue
		}
		if n.applied > n.snapIndex {
			state, err := n.fsm.encode()
			if err != nil {
				return fmt.Errorf("store: snapshot at %d for joining node %d: %w", n.applied, m.GetTo(), err)
			}
			if _, err := n.log.CreateSnapshot(n.applied, n.cs, state); err != nil {
				return fmt.Errorf("store: snapshot at %d for joining node %d: %w", n.applied, m.GetTo(), err)
			}
			n.snapIndex = n.applied
		}
		s, err := n.log.Snapshot()
		if err != nil {
			return fmt.Errorf("store: snapshot for joining node %d: %w", m.GetTo(), err)
		}
		m.Snapshot = s
		n.lg.Debug("fresh snapshot for a joining node", logfield.NodeID(m.GetTo()), zap.Uint64("index", s.GetMetadata().GetIndex()))
	}
	return nil
}

func inConfState(cs *pb.ConfState, id uint64) bool {
	return slices.Contains(cs.GetVoters(), id) || slices.Contains(cs.GetLearners(), id) || slices.Contains(cs.GetVotersOutgoing(), id)
}

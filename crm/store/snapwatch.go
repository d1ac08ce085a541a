package store

// A snapshot the transport accepted can still be lost on the way (a
// datagram link, a partition, a peer that restarted). Raft then keeps the
// follower in StateSnapshot, sending it nothing, until someone reports the
// snapshot's fate; a stream transport would, a datagram one cannot. So the
// leader gives up on a snapshot that has been pending for
// SnapshotTimeoutTicks and reports it failed, and raft probes the follower
// and sends a fresh one.

import (
	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/tracker"
	"go.uber.org/zap"

	"pacer/internal/logfield"
)

// watchSnapshots runs on every tick of the leader.
func (n *Node) watchSnapshots() {
	if n.soft.RaftState != raft.StateLeader {
		clear(n.snapSince)
		return
	}
	now := n.ticks.Load()
	pending := 0
	n.rn.WithProgress(func(id uint64, _ raft.ProgressType, pr tracker.Progress) {
		if pr.State != tracker.StateSnapshot {
			delete(n.snapSince, id)
			return
		}
		pending++
		since, ok := n.snapSince[id]
		if !ok {
			n.snapSince[id] = now
			return
		}
		if now-since >= uint64(n.cfg.SnapshotTimeoutTicks) {
			delete(n.snapSince, id)
			n.lg.Warn("snapshot to peer timed out", logfield.NodeID(id), zap.Uint64("pending_snapshot", pr.PendingSnapshot))
			n.rn.ReportSnapshot(id, raft.SnapshotFailure)
		}
	})
	if pending == 0 && len(n.snapSince) > 0 {
		clear(n.snapSince)
	}
}

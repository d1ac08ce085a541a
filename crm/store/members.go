package store

// Raft group membership, driven from the replicated member table: the
// leader compares the table (AddNode/RemoveNode write it) with raft's
// configuration and proposes one conf change at a time, only after the
// previous one (and the leader's own first entry, before which raft refuses
// conf changes) has applied. Because the table is replicated, a new leader
// picks up wherever the old one stopped. New members join as learners;
// learners that have caught up are promoted while there are fewer than
// MaxVoters voters, so a removed voter is replaced by a learner.

import (
	"slices"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"go.uber.org/zap"

	"pacer/internal/logfield"
)

// reconcile proposes the next membership change, if any. Leader only.
func (n *Node) reconcile() {
	if n.soft.RaftState != raft.StateLeader || n.leadStart == 0 ||
		n.applied < n.leadStart || n.applied < n.confIndex || len(n.cs.GetVotersOutgoing()) > 0 {
		return
	}
	voters, learners := n.cs.GetVoters(), n.cs.GetLearners()
	inConf := func(id uint64) bool { return slices.Contains(voters, id) || slices.Contains(learners, id) }

	// 1. Removed members leave raft. The leader hands over first rather
	// than remove itself (it would lead a group it is not in until the
	// change applies).
	for _, id := range slices.Concat(voters, learners) {
		m := n.fsm.member(id)
		if m == nil || !m.Removed {
			continue
		}
		if id == n.cfg.ID {
			if to := n.bestVoter(); to != 0 {
				n.rn.TransferLeader(to)
				return
			}
			// No other active voter to hand over to: promote a learner
			// first (below), or the group would be left with none.
			continue
		}
		n.proposeConfChange(pb.ConfChangeRemoveNode, id, "member removed")
		return
	}
	// 2. New members join as learners.
	for _, m := range n.fsm.members {
		if !m.Removed && !inConf(m.ID) {
			n.proposeConfChange(pb.ConfChangeAddLearnerNode, m.ID, "member added")
			return
		}
	}
	// 3. Promote a caught-up learner while voters are short.
	if len(voters) < n.cfg.MaxVoters && len(learners) > 0 {
		st := n.rn.Status()
		last, _ := n.log.LastIndex()
		for _, id := range learners {
			// Caught up: heard from within an election timeout, holding
			// the latest conf change (so it has really taken part: a new
			// progress starts "recently active" with nothing, and a
			// learner that never ran must not become a voter), and within
			// PromoteLag of the end of the log.
			pr, ok := st.Progress[id]
			if ok && pr.RecentActive && pr.Match >= n.confIndex && pr.Match+n.cfg.PromoteLag >= last {
				n.proposeConfChange(pb.ConfChangeAddNode, id, "learner promoted")
				return
			}
		}
	}
	// 4. Demote voters beyond MaxVoters (MaxVoters was lowered).
	if len(voters) > n.cfg.MaxVoters {
		for _, id := range slices.Backward(voters) {
			if id != n.cfg.ID {
				n.proposeConfChange(pb.ConfChangeAddLearnerNode, id, "too many voters")
				return
			}
		}
	}
}

// bestVoter is the other voter furthest along the log, 0 if none is
// active.
func (n *Node) bestVoter() uint64 {
	var best, match uint64
	for id, pr := range n.rn.Status().Progress {
		if id != n.cfg.ID && !pr.IsLearner && pr.RecentActive && (best == 0 || pr.Match > match || pr.Match == match && id < best) {
			best, match = id, pr.Match
		}
	}
	return best
}

func (n *Node) proposeConfChange(t pb.ConfChangeType, id uint64, reason string) {
	var name []byte
	if m := n.fsm.member(id); m != nil {
		name = []byte(m.Name)
	}
	cc := &pb.ConfChange{Type: t.Enum(), NodeId: new(id), Context: name}
	err := n.rn.ProposeConfChange(cc)
	lg := n.lg.With(logfield.NodeID(id), logfield.Node(string(name)), logfield.Reason(reason), zap.Stringer("change", t))
	if err != nil {
		lg.Warn("raft configuration change refused", zap.Error(err))
		return
	}
	lg.Info("raft configuration change proposed")
}

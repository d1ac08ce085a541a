package store

// A witness (pacerd --witness) is a raft voter that hosts no resources: the
// tie-breaker of a two-node cluster, like corosync-qnetd. It must vote, so
// it can be elected like any voter, but the DC runs the coordinator and
// belongs on a node of the cluster proper: a witness that leads hands
// leadership over (raft's leader transfer) to the most caught-up active
// voter that is not a witness. While there is none it stays DC, so the
// group is never left without one because of the rule.

import (
	"slices"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/tracker"

	"pacer/internal/logfield"
)

// handOff starts a leader transfer away from a witness DC. Called on every
// tick; leader only.
func (n *Node) handOff() {
	if !slices.Contains(n.cfg.Witnesses, n.cfg.ID) || n.soft.RaftState != raft.StateLeader ||
		n.leadStart == 0 || n.applied < n.leadStart {
		return
	}
	st := n.rn.Status()
	if st.LeadTransferee != 0 {
		return // one at a time; raft aborts it after an election timeout
	}
	var best, match uint64
	for id, pr := range st.Progress {
		if id == n.cfg.ID || pr.IsLearner || !pr.RecentActive || pr.State != tracker.StateReplicate ||
			slices.Contains(n.cfg.Witnesses, id) {
			continue
		}
		if best == 0 || pr.Match > match || pr.Match == match && id < best {
			best, match = id, pr.Match
		}
	}
	if best == 0 {
		return
	}
	name := ""
	if m := n.fsm.member(best); m != nil {
		name = string(m.Name)
	}
	lg := n.lg.With(logfield.Node(name), logfield.NodeID(best), logfield.Term(st.GetTerm()))
	if n.handedTerm != st.GetTerm() {
		n.handedTerm = st.GetTerm()
		lg.Info("witness hands DC over")
	} else {
		lg.Debug("witness hands DC over again")
	}
	n.rn.TransferLeader(best)
}

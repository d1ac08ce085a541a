package store

import (
	"context"
	"slices"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/tracker"
)

// HandOver asks this node, when it leads, to hand leadership over (raft's
// leader transfer: the chosen voter campaigns at once). The coordinator
// calls it when the DC must be fenced: a node never fences itself, so the
// DC lets another node become DC, which fences it. The transferee is the
// active non-witness voter furthest along the log. HandOver returns its
// id, or 0 when this node does not lead or no other voter is active. A
// transfer already under way is left alone (its id is returned); raft
// aborts a transfer that does not complete within an election timeout, so
// the caller calls again until leadership moves.
func (n *Node) HandOver(ctx context.Context) (uint64, error) {
	ch := make(chan uint64, 1)
	n.post(func() {
		if n.soft.RaftState != raft.StateLeader {
			ch <- 0
			return
		}
		st := n.rn.Status()
		if st.LeadTransferee != 0 {
			ch <- st.LeadTransferee
			return
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
		if best != 0 {
			n.rn.TransferLeader(best)
		}
		ch <- best
	})
	select {
	case id := <-ch:
		return id, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-n.done:
		return 0, ErrStopped
	}
}

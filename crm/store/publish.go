package store

// What the loop shows other goroutines: the applied state (for Local and
// ReadConfig), the raft status and the leadership, published atomically
// after every Ready; and the linearizable reads waiting for their index.

import (
	"slices"

	"go.etcd.io/raft/v3"
	"go.uber.org/zap"
)

func (n *Node) noteReadState(rs raft.ReadState) {
	var key [16]byte
	if len(rs.RequestCtx) != len(key) {
		return
	}
	copy(key[:], rs.RequestCtx)
	r, ok := n.reads[key]
	if !ok {
		return
	}
	delete(n.reads, key)
	r.index = rs.Index
	n.readsReady = append(n.readsReady, r)
}

// completeReads answers the reads whose index has been applied.
func (n *Node) completeReads() {
	if len(n.readsReady) == 0 {
		return
	}
	var v *view
	n.readsReady = slices.DeleteFunc(n.readsReady, func(r *readReq) bool {
		if r.index > n.applied {
			return false
		}
		if v == nil {
			v = n.makeView()
		}
		r.done <- v
		return true
	})
}

func (n *Node) makeView() *view {
	x, err := n.fsm.encodeXML()
	if err != nil {
		// The FSM holds only what cibxml read, so it writes back; keep the
		// previous view rather than publish nothing.
		n.lg.Error("encode CIB", zap.Error(err))
		return n.view.Load()
	}
	return &view{xml: x, ver: n.fsm.ver, applied: n.applied, members: slices.Clone(n.fsm.members)}
}

// publish makes the applied state and the raft status visible to other
// goroutines and tells the leadership watchers about a change.
func (n *Node) publish() {
	if v := n.view.Load(); v == nil || v.applied != n.applied || v.ver != n.fsm.ver {
		n.view.Store(n.makeView())
	}
	bs := n.rn.BasicStatus()
	n.status.Store(&Status{
		ID: n.cfg.ID, Lead: bs.Lead, Term: bs.GetTerm(), State: bs.RaftState,
		Commit: bs.GetCommit(), Applied: n.applied,
		Voters: slices.Clone(n.cs.GetVoters()), Learners: slices.Clone(n.cs.GetLearners()),
	})
	l := Leadership{ID: bs.Lead, Term: bs.GetTerm()}
	if l.ID == 0 {
		l.Term = 0 // candidates bump the term; only a leader's term is news
	}
	if m := n.fsm.member(l.ID); m != nil {
		l.Name = m.Name
	}
	n.watchMu.Lock()
	defer n.watchMu.Unlock()
	if l == n.lastLead {
		return
	}
	n.lastLead = l
	for ch := range n.watchers {
		select { // keep only the latest
		case <-*ch:
		default:
		}
		*ch <- l
	}
}

func (n *Node) lastLeadLocked() Leadership { return n.lastLead }

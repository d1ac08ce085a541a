package store

// Forcing a single-voter configuration and rejoining under a new raft id:
// the two halves of two_node mode (docs/decisions/0008).
//
// Raft cannot commit a configuration change without a quorum, and a
// two-voter group that lost one voter has none. After the survivor has
// FENCED the other (the daemon's job, never this package's), it rewrites
// its own log the way etcd's --force-new-cluster does: it appends
// ConfChangeRemoveNode entries for every other voter, marks its whole log
// committed in the hard state, and restarts the RawNode on it. Raft then
// hands those entries out as committed, they apply like any conf change
// (the member table marks the removed ids), and the node, now the only
// voter, campaigns and leads alone. Unlike etcd it keeps the entries past
// its commit index: with two voters an entry the old leader committed is
// on both nodes, so the survivor's log holds every committed entry, and
// dropping its tail could lose one.
//
// The fenced node comes back with its old log and its old id, which the
// survivor removed. The survivor gives it a new raft id (AddNode: ids are
// never reused) and, as leader, sends to that id; the heartbeat wire
// routes the messages to the node by its member name. The node sees a
// leader's message addressed to a raft id above its own (SetReaddressed),
// and its daemon calls Rejoin: the log is emptied, the new id recorded in
// it, and the node starts over as a learner that the leader brings up to
// date and promotes.

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"pacer/internal/logfield"
)

// ForceReport is what ForceSingleVoter did, with every index an operator
// needs to reason about what the forced configuration kept.
type ForceReport struct {
	Applied   uint64   // applied index before the rewrite
	Committed uint64   // commit index before the rewrite
	Last      uint64   // last log index before the rewrite
	Term      uint64   // term of the appended entries
	Removed   []uint64 // voters removed
	Index     uint64   // index of the last appended entry: the new commit index
}

// ErrNotVoter is returned by ForceSingleVoter on a node that is not a voter.
var ErrNotVoter = errors.New("not a voter")

// ForceSingleVoter makes this node the raft group's only voter without a
// quorum (see the file comment). Call it ONLY after every other voter has
// been fenced: a voter that still runs would go on with its own log and
// the cluster would split. It returns once the rewrite is on disk and raft
// restarted; the node then applies the removals and elects itself.
// Pending proposals and reads fail with ErrNoLeader. On a node that is
// already the only voter it does nothing and returns a report with no
// Removed.
func (n *Node) ForceSingleVoter(ctx context.Context) (ForceReport, error) {
	type answer struct {
		r   ForceReport
		err error
	}
	ch := make(chan answer, 1)
	n.post(func() {
		r, err := n.forceSingleVoter()
		ch <- answer{r, err}
	})
	select {
	case a := <-ch:
		return a.r, a.err
	case <-n.done:
		return ForceReport{}, fmt.Errorf("store: force single voter: %w", ErrStopped)
	case <-ctx.Done():
		return ForceReport{}, fmt.Errorf("store: force single voter: outcome unknown: %w", ctx.Err())
	}
}

// forceSingleVoter runs on the loop.
func (n *Node) forceSingleVoter() (ForceReport, error) {
	self := n.cfg.ID
	hs, _, err := n.log.InitialState()
	if err != nil {
		return ForceReport{}, fmt.Errorf("store: force single voter: %w", err)
	}
	last, err := n.log.LastIndex()
	if err != nil {
		return ForceReport{}, fmt.Errorf("store: force single voter: %w", err)
	}
	rep := ForceReport{Applied: n.applied, Committed: hs.GetCommit(), Last: last, Term: hs.GetTerm()}
	voters, err := n.votersAtEnd()
	if err != nil {
		return rep, fmt.Errorf("store: force single voter: %w", err)
	}
	if !slices.Contains(voters, self) {
		return rep, fmt.Errorf("store: force single voter: raft id %d: %w (voters %v)", self, ErrNotVoter, voters)
	}
	for _, id := range voters {
		if id != self {
			rep.Removed = append(rep.Removed, id)
		}
	}
	if len(rep.Removed) == 0 {
		return rep, nil
	}
	ents := make([]*pb.Entry, 0, len(rep.Removed))
	for i, id := range rep.Removed {
		cc := &pb.ConfChange{Type: pb.ConfChangeRemoveNode.Enum(), NodeId: new(id), Context: []byte("forced")}
		data, err := proto.Marshal(cc)
		if err != nil {
			return rep, fmt.Errorf("store: force single voter: %w", err)
		}
		ents = append(ents, &pb.Entry{Type: pb.EntryConfChange.Enum(), Term: new(rep.Term),
			Index: new(last + 1 + uint64(i)), Data: data})
	}
	rep.Index = last + uint64(len(ents))
	newHS := &pb.HardState{Term: new(rep.Term), Vote: new(hs.GetVote()), Commit: new(rep.Index)}
	if err := n.log.Save(newHS, ents, nil); err != nil {
		return rep, fmt.Errorf("store: force single voter: %w", err)
	}
	n.lg.Warn("forced single-voter raft configuration",
		logfield.NodeID(self), zap.Uint64s("removed", rep.Removed), zap.Uint64("applied", rep.Applied),
		zap.Uint64("committed", rep.Committed), zap.Uint64("last", rep.Last), logfield.Term(rep.Term),
		zap.Uint64("forced_index", rep.Index))
	if err := n.restartRaft(fmt.Errorf("%w: raft restarted on a forced configuration", ErrNoLeader)); err != nil {
		return rep, err
	}
	n.confIndex = rep.Index
	n.campaignAt = rep.Index
	return rep, nil
}

// votersAtEnd is the voter set once every conf change in the log is
// applied: the applied configuration, then the changes past it.
func (n *Node) votersAtEnd() ([]uint64, error) {
	voters := slices.Clone(n.cs.GetVoters())
	last, err := n.log.LastIndex()
	if err != nil || last <= n.applied {
		return voters, err
	}
	ents, err := n.log.Entries(n.applied+1, last+1, 1<<62)
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		var cc pb.ConfChangeI
		switch e.GetType() {
		case pb.EntryConfChange:
			v1 := &pb.ConfChange{}
			if err := proto.Unmarshal(e.GetData(), v1); err != nil {
				return nil, fmt.Errorf("entry %d: conf change: %w", e.GetIndex(), err)
			}
			cc = v1
		case pb.EntryConfChangeV2:
			v2 := &pb.ConfChangeV2{}
			if err := proto.Unmarshal(e.GetData(), v2); err != nil {
				return nil, fmt.Errorf("entry %d: conf change: %w", e.GetIndex(), err)
			}
			cc = v2
		default:
			continue
		}
		for _, c := range cc.AsV2().GetChanges() {
			id := c.GetNodeId()
			switch c.GetType() {
			case pb.ConfChangeAddNode:
				if !slices.Contains(voters, id) {
					voters = append(voters, id)
				}
			case pb.ConfChangeAddLearnerNode, pb.ConfChangeRemoveNode:
				voters = slices.DeleteFunc(voters, func(v uint64) bool { return v == id })
			}
		}
	}
	slices.Sort(voters)
	return voters, nil
}

// restartRaft replaces the RawNode with a new one on the Log as it is now,
// failing what waited on the old one with why.
func (n *Node) restartRaft(why error) error {
	rn, err := n.newRawNode()
	if err != nil {
		return fmt.Errorf("store: restart raft: %w", err)
	}
	for req, ch := range n.proposals {
		ch <- result{err: why}
		delete(n.proposals, req)
	}
	n.reads, n.readsReady = map[[16]byte]*readReq{}, nil
	n.rn = rn
	n.soft = raft.SoftState{}
	n.leadStart, n.campaignAt = 0, 0
	n.snapSince = map[uint64]uint64{}
	_, n.cs, err = n.log.InitialState()
	if err != nil {
		return fmt.Errorf("store: restart raft: %w", err)
	}
	n.publish()
	return nil
}

// maybeCampaign elects this node at once once a forced configuration has
// applied and left it the only voter (rather than wait out an election
// timeout).
func (n *Node) maybeCampaign() {
	if n.campaignAt == 0 || n.applied < n.campaignAt {
		return
	}
	n.campaignAt = 0
	if v := n.cs.GetVoters(); len(v) == 1 && v[0] == n.cfg.ID && n.soft.RaftState != raft.StateLeader {
		if err := n.rn.Campaign(); err != nil {
			n.lg.Warn("campaign after forced configuration", zap.Error(err))
		}
	}
}

// SetReaddressed sets fn to be called with each message a leader (an
// append, heartbeat or snapshot) sent to a raft id above this node's: the
// group gave this node a new id (see the file comment). fn runs on the
// caller of Step (the wire's goroutine) and must not block; nil clears.
func (n *Node) SetReaddressed(fn func(m *pb.Message)) {
	if fn == nil {
		n.readdressed.Store(nil)
		return
	}
	n.readdressed.Store(&fn)
}

func isLeaderMsg(t pb.MessageType) bool {
	return t == pb.MsgApp || t == pb.MsgHeartbeat || t == pb.MsgSnap
}

// Rejoin starts this node over as a new member with raft id id, which the
// leader allocated for it (a raft id above the current one): the log is
// emptied and records id, the state machine is empty, and raft restarts
// with no configuration, waiting for the leader to send the log or a
// snapshot. The leader adds the id as a learner and promotes it once it
// has caught up.
func (n *Node) Rejoin(ctx context.Context, id uint64) error {
	ch := make(chan error, 1)
	n.post(func() { ch <- n.rejoin(id) })
	select {
	case err := <-ch:
		return err
	case <-n.done:
		return fmt.Errorf("store: rejoin as %d: %w", id, ErrStopped)
	case <-ctx.Done():
		return fmt.Errorf("store: rejoin as %d: outcome unknown: %w", id, ctx.Err())
	}
}

func (n *Node) rejoin(id uint64) error {
	old := n.cfg.ID
	if id <= old {
		return fmt.Errorf("store: rejoin as %d: not above the current raft id %d (ids are never reused)", id, old)
	}
	applied := n.applied
	hs, _, err := n.log.InitialState()
	if err != nil {
		return fmt.Errorf("store: rejoin as %d: %w", id, err)
	}
	commit := hs.GetCommit()
	if err := n.log.Reset(id); err != nil {
		return fmt.Errorf("store: rejoin as %d: %w", id, err)
	}
	n.cfg.ID, n.cfg.Peers = id, nil
	n.id.Store(id)
	n.fsm, n.applied, n.snapIndex, n.confIndex = newFSM(), 0, 0, 0
	n.lg.Warn("rejoining under a new raft id: the log was emptied, the leader sends it again",
		zap.Uint64("old_raft_id", old), logfield.NodeID(id), zap.Uint64("applied", applied), zap.Uint64("committed", commit))
	return n.restartRaft(fmt.Errorf("%w: rejoining under raft id %d", ErrStopped, id))
}

// TakeOver starts an election at once, without waiting for the DC's lease
// to run out, as raft's leader transfer does (no pre-vote; voters grant it
// even while they still count the old leader as in office). The daemon
// calls it when membership has declared the DC's node dead: silent on
// every link for deadtime, so the DC is gone for this node, whatever
// raft's election timeout says. An election is always safe; a needless
// one costs a term. It does nothing on a leader, on a node that is not a
// voter, or when the leader is no longer lead (then raft already moved on).
func (n *Node) TakeOver(lead uint64) {
	n.post(func() {
		bs := n.rn.BasicStatus()
		if n.soft.RaftState == raft.StateLeader || !slices.Contains(n.cs.GetVoters(), n.cfg.ID) || bs.Lead != lead || lead == 0 {
			return
		}
		// The leader-transfer message raft itself sends, as if from the
		// dead leader: the follower campaigns with the transfer context.
		m := &pb.Message{Type: pb.MsgTimeoutNow.Enum(), From: new(lead), To: new(n.cfg.ID), Term: new(bs.GetTerm())}
		if err := n.rn.Step(m); err != nil {
			n.lg.Warn("take over refused", zap.Error(err))
		}
	})
}

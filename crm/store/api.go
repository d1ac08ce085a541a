package store

// The Node's API for the rest of pacer: proposals (config CAS, status,
// membership), reads, and who the DC is. Each call hands its work to the
// loop and waits, or reads what the loop published.

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"pacer/crm/cib"
	"pacer/crm/cib/cibxml"
	"pacer/internal/cluster"
)

// ProposeConfig replaces the configuration if the CIB is still at
// expected's (admin_epoch, epoch): compare-and-swap, checked when the entry
// applies, identically on every node. It returns the new version, or a
// *ConflictError (errors.Is ErrConflict) carrying the CIB it lost to. newCIB's
// status section is ignored: status belongs to status updates.
func (n *Node) ProposeConfig(ctx context.Context, expected Version, newCIB *cib.CIB) (Version, error) {
	e, err := newConfigEntry(expected, newCIB)
	if err != nil {
		return Version{}, fmt.Errorf("store: propose config: %w", err)
	}
	r, err := n.proposeEntry(ctx, "propose config", entryConfig, e, &e.Req)
	return r.ver, err
}

// newConfigEntry is the entry ProposeConfig proposes.
func newConfigEntry(expected Version, newCIB *cib.CIB) (*configEntry, error) {
	if newCIB == nil {
		return nil, errors.New("nil CIB")
	}
	if _, err := VersionOf(newCIB); err != nil {
		return nil, err
	}
	c := *newCIB
	c.Status = cib.Status{}
	var b bytes.Buffer
	if err := cibxml.Write(&b, &c); err != nil {
		return nil, err
	}
	return &configEntry{AdminEpoch: expected.AdminEpoch, Epoch: expected.Epoch, XML: b.Bytes()}, nil
}

// ProposeStatus applies status updates: no CAS, num_updates is bumped,
// epoch is not. It returns the version after the update.
func (n *Node) ProposeStatus(ctx context.Context, updates ...StatusUpdate) (Version, error) {
	e, err := newStatusEntry(updates)
	if err != nil {
		return Version{}, fmt.Errorf("store: propose status: %w", err)
	}
	r, err := n.proposeEntry(ctx, "propose status", entryStatus, e, &e.Req)
	return r.ver, err
}

// newStatusEntry is the entry ProposeStatus proposes.
func newStatusEntry(updates []StatusUpdate) (*statusEntry, error) {
	for i := range updates {
		if err := updates[i].check(); err != nil {
			return nil, err
		}
	}
	return &statusEntry{Updates: updates}, nil
}

// AddNode makes name a member and returns its new raft id (allocated from a
// counter in the replicated state, so never reused). The leader then adds
// it to raft as a learner and promotes it while there are fewer than
// MaxVoters voters. Start the new node with that id and no Peers.
func (n *Node) AddNode(ctx context.Context, name cluster.NodeName) (uint64, error) {
	if name == "" {
		return 0, errors.New("store: add node: empty name")
	}
	e := &memberEntry{Name: string(name)}
	r, err := n.proposeEntry(ctx, "add node "+string(name), entryAddMember, e, &e.Req)
	return r.id, err
}

// AddMemberID makes name a member under raft id id, which the caller
// chose (a configured node id, so raft ids stay node ids): like AddNode
// otherwise. An id ever handed out before is refused with ErrIDUsed.
func (n *Node) AddMemberID(ctx context.Context, id uint64, name cluster.NodeName) error {
	if name == "" || id == 0 {
		return fmt.Errorf("store: add member %q as id %d: empty name or zero id", name, id)
	}
	e := &memberEntry{Name: string(name), ID: id}
	_, err := n.proposeEntry(ctx, fmt.Sprintf("add member %s as id %d", name, id), entryAddMember, e, &e.Req)
	return err
}

// RemoveNode retires the member with raft id id: the removal goes into the
// replicated member table, the leader removes it from raft (handing
// leadership over first if it is the one removed) and promotes a learner if
// one is waiting. It returns once this node has applied the raft
// configuration without id, so the removed node can be switched off
// without costing the quorum. Called on the node being removed, it may not
// learn that (the group stops talking to it): use a deadline.
func (n *Node) RemoveNode(ctx context.Context, id uint64) error {
	what := fmt.Sprintf("remove node %d", id)
	e := &memberEntry{ID: id}
	if _, err := n.proposeEntry(ctx, what, entryRemoveMember, e, &e.Req); err != nil {
		return err
	}
	gone := make(chan struct{})
	n.post(func() { n.confWaiters = append(n.confWaiters, confWaiter{id, gone}); n.signalConfWaiters() })
	select {
	case <-gone:
		return nil
	case <-n.stopc:
		return fmt.Errorf("store: %s: %w", what, ErrStopped)
	case <-ctx.Done():
		return fmt.Errorf("store: %s: in the member table, not yet out of the raft configuration: %w", what, ctx.Err())
	}
}

// proposeEntry sets the entry's request id, encodes it and proposes it.
func (n *Node) proposeEntry(ctx context.Context, what string, t entryType, e any, req *reqID) (result, error) {
	p, err := n.newProposal(what, t, e, req)
	if err != nil {
		return result{}, err
	}
	return n.submit(ctx, what, p)
}

// newProposal sets the entry's request id and encodes it.
func (n *Node) newProposal(what string, t entryType, e any, req *reqID) (*proposal, error) {
	*req = reqID{Node: n.id.Load(), Seq: n.seq.Add(1)}
	data, err := encodeEntry(t, e)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	return &proposal{req: *req, data: data}, nil
}

// submit hands p to the loop and waits for its entry to apply.
func (n *Node) submit(ctx context.Context, what string, p *proposal) (result, error) {
	p.done = make(chan result, 1)
	select {
	case n.propc <- p:
	case <-n.stopc:
		return result{}, fmt.Errorf("store: %s: %w", what, ErrStopped)
	case <-ctx.Done():
		return result{}, fmt.Errorf("store: %s: %w", what, ctx.Err())
	}
	select {
	case r := <-p.done:
		if r.err != nil {
			return r, fmt.Errorf("store: %s: %w", what, r.err)
		}
		return r, nil
	case <-n.stopc:
		return result{}, fmt.Errorf("store: %s: %w", what, ErrStopped)
	case <-ctx.Done():
		// The entry may still commit; the caller cannot know. Forget the
		// waiter so it does not stay in the map forever.
		n.post(func() { delete(n.proposals, p.req) })
		return result{}, fmt.Errorf("store: %s: outcome unknown: %w", what, ctx.Err())
	}
}

// Local returns a private copy of the CIB as applied on this node, and its
// version. It may trail the leader; use ReadConfig for a linearizable read.
func (n *Node) Local() (*cib.CIB, Version, error) {
	v := n.view.Load()
	c, err := decodeCIB(v.xml)
	if err != nil {
		return nil, Version{}, fmt.Errorf("store: local: %w", err)
	}
	return c, v.ver, nil
}

// ReadConfig returns a copy of the CIB that reflects every write committed
// before the call (raft's ReadIndex: the leader confirms it still leads
// with a heartbeat round, and this node waits until it has applied that
// far). It works on followers too, through the leader.
func (n *Node) ReadConfig(ctx context.Context) (*cib.CIB, Version, error) {
	if st := n.status.Load(); st.Lead == 0 {
		return nil, Version{}, fmt.Errorf("store: read config: %w", ErrNoLeader)
	}
	r := &readReq{done: make(chan *view, 1)}
	binary.BigEndian.PutUint64(r.key[:], n.id.Load())
	binary.BigEndian.PutUint64(r.key[8:], n.seq.Add(1))
	select {
	case n.readc <- r:
	case <-n.stopc:
		return nil, Version{}, fmt.Errorf("store: read config: %w", ErrStopped)
	case <-ctx.Done():
		return nil, Version{}, fmt.Errorf("store: read config: %w", ctx.Err())
	}
	select {
	case v := <-r.done:
		c, err := decodeCIB(v.xml)
		if err != nil {
			return nil, Version{}, fmt.Errorf("store: read config: %w", err)
		}
		return c, v.ver, nil
	case <-n.stopc:
		return nil, Version{}, fmt.Errorf("store: read config: %w", ErrStopped)
	case <-ctx.Done():
		n.post(func() { n.forgetRead(r) })
		return nil, Version{}, fmt.Errorf("store: read config: %w", ctx.Err())
	}
}

// Leader returns the DC's raft id (0 if none is known) and the term.
func (n *Node) Leader() (id, term uint64) {
	st := n.status.Load()
	return st.Lead, st.Term
}

// WatchLeader returns a channel that receives the current leadership at
// once and then every change; a slow reader sees only the latest (the
// channel holds one value, which is replaced). cancel stops the updates.
func (n *Node) WatchLeader() (<-chan Leadership, func()) {
	ch := make(chan Leadership, 1)
	n.watchMu.Lock()
	n.watchers[&ch] = struct{}{}
	ch <- n.lastLeadLocked()
	n.watchMu.Unlock()
	return ch, func() {
		n.watchMu.Lock()
		delete(n.watchers, &ch)
		n.watchMu.Unlock()
	}
}

// Status returns the node's raft state as of the last Ready.
func (n *Node) Status() Status {
	st := *n.status.Load()
	return st
}

// Members returns the member table as of the last applied entry.
func (n *Node) Members() []Member {
	return append([]Member(nil), n.view.Load().members...)
}

// ID is this node's raft id.
func (n *Node) ID() uint64 { return n.id.Load() }

// Stats returns the node's counters.
func (n *Node) Stats() Stats {
	return Stats{
		GarbledEntries:   n.stats.garbledEntries.Load(),
		BadMessages:      n.stats.badMessages.Load(),
		DroppedProposals: n.stats.droppedProps.Load(),
		Unreachable:      n.stats.unreachable.Load(),
		SnapshotFailures: n.stats.snapFailures.Load(),
	}
}

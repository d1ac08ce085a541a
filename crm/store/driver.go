package store

// Driver steps a Node from the caller's goroutine instead of Run, for the
// deterministic simulator (test/sim): no goroutine, no ticker, no select,
// so one seed gives one run. Every call does what Run's loop does for the
// same event, through the same functions (tick, step, proposeLocal,
// runMailbox, handleReady), then handles every Ready as the loop does
// before it waits again. A Node driven by a Driver must not be Run.

import (
	"context"
	"errors"
	"fmt"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"go.uber.org/zap"

	"pacer/crm/cib"
	"pacer/internal/cluster"
)

// Driver drives one Node synchronously.
type Driver struct {
	n   *Node
	err error
}

// NewDriver takes n over; n must not have been Run. Its ticker is stopped:
// the caller calls Tick. Set the hooks (OnApply, OnState), then Start.
func NewDriver(n *Node) (*Driver, error) {
	if !n.running.CompareAndSwap(false, true) {
		return nil, errors.New("store: driver: node already running")
	}
	n.ticker.Stop()
	return &Driver{n: n}, nil
}

// Start handles what New left ready (a bootstrap's entries), as Run does
// first.
func (d *Driver) Start() error {
	if d.err != nil {
		return d.err
	}
	return d.settle()
}

// Node is the driven node (for Status, Local, Members, Stats).
func (d *Driver) Node() *Node { return d.n }

// Err is the error that stopped the node (a failed write, an entry it
// cannot apply), as Run would have returned it; nil while it runs.
func (d *Driver) Err() error { return d.err }

// Tick is one tick of the node's clock.
func (d *Driver) Tick() error {
	if d.err != nil {
		return d.err
	}
	d.n.tick()
	return d.settle()
}

// Receive hands a message from a peer to the node through Step, as the
// transport does, and lets the loop take it.
func (d *Driver) Receive(m *pb.Message) error {
	if d.err != nil {
		return d.err
	}
	if err := d.n.Step(cancelled, m); err != nil {
		return fmt.Errorf("store: driver: %w", err)
	}
	return d.settle()
}

var cancelled = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

// Pending is a proposal's outcome, once its entry applied on the node (or
// raft refused it).
type Pending struct {
	req  reqID
	done chan result
	r    *result
}

// ID is the proposal's request id (the proposer's raft id, a sequence), as
// Applied reports it.
func (p *Pending) ID() (node, seq uint64) { return p.req.Node, p.req.Seq }

// Result returns the outcome and true once there is one.
func (p *Pending) Result() (Version, error, bool) {
	if p.r == nil {
		select {
		case r := <-p.done:
			p.r = &r
		default:
			return Version{}, nil, false
		}
	}
	return p.r.ver, p.r.err, true
}

// ProposeConfig is Node.ProposeConfig without the wait.
func (d *Driver) ProposeConfig(expected Version, newCIB *cib.CIB) (*Pending, error) {
	e, err := newConfigEntry(expected, newCIB)
	if err != nil {
		return nil, fmt.Errorf("store: propose config: %w", err)
	}
	return d.propose("propose config", entryConfig, e, &e.Req)
}

// ProposeStatus is Node.ProposeStatus without the wait.
func (d *Driver) ProposeStatus(updates ...StatusUpdate) (*Pending, error) {
	e, err := newStatusEntry(updates)
	if err != nil {
		return nil, fmt.Errorf("store: propose status: %w", err)
	}
	return d.propose("propose status", entryStatus, e, &e.Req)
}

// AddMember is Node.AddMemberID without the wait.
func (d *Driver) AddMember(id uint64, name cluster.NodeName) (*Pending, error) {
	if name == "" || id == 0 {
		return nil, fmt.Errorf("store: add member %q as id %d: empty name or zero id", name, id)
	}
	e := &memberEntry{Name: string(name), ID: id}
	return d.propose(fmt.Sprintf("add member %s as id %d", name, id), entryAddMember, e, &e.Req)
}

func (d *Driver) propose(what string, t entryType, e any, req *reqID) (*Pending, error) {
	if d.err != nil {
		return nil, d.err
	}
	p, err := d.n.newProposal(what, t, e, req)
	if err != nil {
		return nil, err
	}
	p.done = make(chan result, 1)
	d.n.proposeLocal(p)
	return &Pending{req: p.req, done: p.done}, d.settle()
}

// settle runs what the loop runs before it waits: the mailbox (reports
// the transport made), then every Ready, until neither has anything.
func (d *Driver) settle() error {
	n := d.n
	for {
		select {
		case <-n.wake:
		default:
		}
		n.runMailbox()
		for len(n.recvc) > 0 {
			n.step(<-n.recvc)
		}
		if err := n.handleReady(); err != nil {
			d.err = err
			n.lg.Error("store stopped", zap.Error(err))
			return err
		}
		n.mbMu.Lock()
		more := len(n.mbox) > 0
		n.mbMu.Unlock()
		if !more && len(n.recvc) == 0 {
			return nil
		}
	}
}

// Applied is one entry as a node applied it, for the simulator's checks.
type Applied struct {
	Index    uint64
	Kind     string // config, status, add-member, remove-member, or the unknown type
	ReqNode  uint64 // the proposer's raft id
	ReqSeq   uint64
	Version  Version // the CIB's version after it
	Expected Version // a config entry's compare-and-swap version
	Err      error   // a refused CAS, a garbled entry
}

// OnApply calls fn on the node's goroutine (the caller's) for every
// normal entry with a payload it applies.
func (d *Driver) OnApply(fn func(Applied)) {
	d.n.onApply = func(index uint64, e decodedEntry, r result) {
		a := Applied{Index: index, Kind: e.typ.String(), ReqNode: e.req().Node, ReqSeq: e.req().Seq, Version: r.ver, Err: r.err}
		if e.config != nil {
			a.Expected = Version{AdminEpoch: e.config.AdminEpoch, Epoch: e.config.Epoch}
		}
		fn(a)
	}
}

// OnState calls fn with every raft state the node enters, with the term.
func (d *Driver) OnState(fn func(term uint64, st raft.StateType)) { d.n.onState = fn }

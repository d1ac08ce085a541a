// Package coordinator is pacer's controller, Pacemaker's pacemaker-controld
// with its transition engine. On every node it runs the actions the DC
// dispatches through the local executor and reports their results, and
// changes of recurring operations (a failed monitor) unasked. On the DC,
// the raft leader, it also drives the cluster: it probes every live node for
// what really runs, then loops: schedule (crm/scheduler on the applied CIB),
// dispatch the transition's actions in graph order to the nodes and to the
// fencer, await each result with a timeout, commit it to the status section,
// and re-plan at once on any event, aborting the running transition as
// Pacemaker does (running actions finish, nothing new starts).
//
// Everything it talks to is an interface of its own (Store, Membership,
// Transport, Executor, Fencer) and time comes from an injected clock, so
// the tests run a whole cluster's coordinators on fakes, deterministically.
package coordinator

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"pacer/crm/cib"
	"pacer/crm/store"
	"pacer/fencing"
	"pacer/internal/clock"
	"pacer/internal/cluster"
	"pacer/membership"
	"pacer/resources"
)

// Store is the replicated CIB as the coordinator uses it. *store.Node
// provides all but Changed, which the daemon adds.
type Store interface {
	// Local is this node's applied CIB; on the DC it includes every
	// status update the DC proposed and saw applied.
	Local() (*cib.CIB, store.Version, error)
	ProposeStatus(ctx context.Context, updates ...store.StatusUpdate) (store.Version, error)
	WatchLeader() (<-chan store.Leadership, func())
	// Changed receives (coalesced) whenever the applied CIB moved.
	Changed() <-chan struct{}
}

// Membership is who is alive (membership.Service).
type Membership interface {
	View() membership.View
	Subscribe() (<-chan membership.View, func())
}

// Transport carries the coordinator's messages to another node (the
// heartbeat mux, channel ChannelCoordinator). Send must not block long;
// a lost message is resent by the sender.
type Transport interface {
	Send(to cluster.NodeID, data []byte) error
}

// Executor is the local executor (resources.Executor).
type Executor interface {
	Execute(ctx context.Context, op resources.Op) (resources.Record, error)
	Probe(ctx context.Context, specs []resources.ResourceSpec) ([]resources.Record, error)
	Cancel(rsc, action string, interval time.Duration) error
	History(rsc string) (cib.LRMResource, bool)
	LRM() []cib.LRMResource
	Subscribe(fn func(resources.Record)) (unsubscribe func())
}

// Fencer fences nodes (fencing.Fencer).
type Fencer interface {
	Fence(ctx context.Context, req fencing.Request) (fencing.Result, error)
}

var (
	_ Executor = (*resources.Executor)(nil)
	_ Fencer   = (*fencing.Fencer)(nil)
)

// NodeRef is a node that hosts resources.
type NodeRef struct {
	ID   cluster.NodeID
	Name string
}

// Config tunes a Coordinator.
type Config struct {
	Self     cluster.NodeID
	SelfName string
	// Nodes are the nodes that host resources, this one included unless
	// it is a witness. Membership's other nodes (witnesses) are ignored.
	Nodes []NodeRef
	// ClusterDelay is added to an action's timeout before the DC gives up
	// on its result, unless the CIB sets cluster-delay (Pacemaker's
	// default is 60 s).
	ClusterDelay time.Duration
	// ProbeTimeout bounds a probe (the executor's ProbeTimeout).
	ProbeTimeout time.Duration
	// ResendInterval is how often an unanswered request or an
	// unacknowledged report is sent again.
	ResendInterval time.Duration
	// FenceRetry is the pause before a failed fencing is tried again.
	FenceRetry time.Duration
	// RecheckInterval re-plans when nothing happened for that long (time
	// based rules, failure-timeout), cluster-recheck-interval.
	RecheckInterval time.Duration
}

// DefaultConfig has Pacemaker's timings; fill in Self, SelfName, Nodes.
func DefaultConfig() Config {
	return Config{
		ClusterDelay:    60 * time.Second,
		ProbeTimeout:    20 * time.Second,
		ResendInterval:  time.Second,
		FenceRetry:      2 * time.Second,
		RecheckInterval: 15 * time.Minute,
	}
}

// Validate reports a config the coordinator cannot work with.
func (c Config) Validate() error {
	switch {
	case c.Self == 0 || c.SelfName == "":
		return errors.New("coordinator config: no self id or name")
	case c.ClusterDelay < 0, c.ProbeTimeout <= 0, c.ResendInterval <= 0, c.FenceRetry <= 0, c.RecheckInterval <= 0:
		return fmt.Errorf("coordinator config: durations must be positive (cluster delay %v, probe timeout %v, resend %v, fence retry %v, recheck %v)",
			c.ClusterDelay, c.ProbeTimeout, c.ResendInterval, c.FenceRetry, c.RecheckInterval)
	}
	seen := map[string]bool{}
	for _, n := range c.Nodes {
		if n.ID == 0 || n.Name == "" || seen[n.Name] {
			return fmt.Errorf("coordinator config: node %d %q: id and a unique name are required", n.ID, n.Name)
		}
		seen[n.Name] = true
	}
	return nil
}

// Deps are the coordinator's seams. Executor may be nil on a node that
// hosts no resources (a witness); Fencer may be nil when no node can fence
// (fencing then fails, and is retried, as Pacemaker does without a device).
type Deps struct {
	Store      Store
	Membership Membership
	Transport  Transport
	Executor   Executor
	Fencer     Fencer
	// FenceHistory, when set, lists fencings done on this node outside
	// the coordinator (two_node's quorum fencing of the peer): the DC
	// takes one that completed after membership last heard the target as
	// the fencing its plan asks for, rather than fence the node again.
	FenceHistory FenceHistory
	Clock        clock.Clock
	Logger       *zap.Logger
}

// FenceHistory is a record of fencings (fencing.Fencer's History has
// this shape).
type FenceHistory interface {
	History() []fencing.HistoryEntry
}

// Coordinator is one node's controller: the node side always, the DC
// side while this node leads.
type Coordinator struct {
	cfg  Config
	deps Deps
	lg   *zap.Logger
	clk  clock.Clock
	node *nodeSide

	mu sync.Mutex
	dc *dc // the running DC side, nil when not DC
}

// New builds a coordinator; it starts nothing.
func New(cfg Config, deps Deps) (*Coordinator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.Store == nil || deps.Membership == nil || deps.Transport == nil {
		return nil, errors.New("new coordinator: store, membership and transport are required")
	}
	if deps.Clock == nil {
		deps.Clock = clock.Real{}
	}
	if deps.Logger == nil {
		deps.Logger = zap.NewNop()
	}
	c := &Coordinator{cfg: cfg, deps: deps, lg: deps.Logger, clk: deps.Clock}
	c.node = newNodeSide(c)
	return c, nil
}

// Run runs the node side, and the DC side whenever this node is the raft
// leader, until ctx ends.
func (c *Coordinator) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wg.Add(1)
	go func() { defer wg.Done(); c.node.run(ctx) }()

	leads, stop := c.deps.Store.WatchLeader()
	defer stop()
	type dcRun struct {
		term   uint64
		cancel context.CancelFunc
		done   chan struct{}
	}
	var cur *dcRun
	endDC := func() {
		if cur == nil {
			return
		}
		cur.cancel()
		<-cur.done
		cur = nil
	}
	defer endDC()
	for {
		select {
		case <-ctx.Done():
			return nil
		case l := <-leads:
			// Raft ids are node ids until a node rejoins under a new raft
			// id; the DC's name says who it is either way.
			dcID := cluster.NodeID(l.ID)
			if l.Name == cluster.NodeName(c.cfg.SelfName) {
				dcID = c.cfg.Self
			} else if id, ok := c.nodeID(string(l.Name)); ok && l.Name != "" {
				dcID = id
			}
			c.node.setDC(dcID, l.Term)
			leading := dcID == c.cfg.Self && l.ID != 0
			if leading && cur != nil && cur.term == l.Term {
				continue
			}
			endDC()
			if !leading {
				continue
			}
			d := newDC(c, l.Term)
			dctx, cancel := context.WithCancel(ctx)
			r := &dcRun{term: l.Term, cancel: cancel, done: make(chan struct{})}
			cur = r
			c.mu.Lock()
			c.dc = d
			c.mu.Unlock()
			go func() {
				defer close(r.done)
				d.run(dctx)
				c.mu.Lock()
				if c.dc == d {
					c.dc = nil
				}
				c.mu.Unlock()
			}()
		}
	}
}

// Receive takes a message from another node (the daemon's heartbeat
// receiver calls it for ChannelCoordinator). A message that does not
// decode is dropped and counted.
func (c *Coordinator) Receive(from cluster.NodeID, data []byte) {
	m, err := decodeMessage(data)
	if err != nil {
		c.node.garbled.Add(1)
		c.lg.Debug("garbled coordinator message", zap.Uint64("from", uint64(from)), zap.Error(err))
		return
	}
	c.deliver(from, m)
}

func (c *Coordinator) deliver(from cluster.NodeID, m *message) {
	switch m.Type {
	case msgExec, msgProbe, msgReportAck:
		c.node.handle(from, m)
	case msgExecResult, msgProbeResult, msgReport:
		c.mu.Lock()
		d := c.dc
		c.mu.Unlock()
		if d != nil {
			d.receive(from, m)
		}
	}
}

// send delivers m to node to: through the transport, or at once to this
// node's own side (the local node short-circuits).
func (c *Coordinator) send(to cluster.NodeID, m *message) error {
	if to == c.cfg.Self {
		go c.deliver(to, m)
		return nil
	}
	b, err := encodeMessage(m)
	if err != nil {
		return err
	}
	if err := c.deps.Transport.Send(to, b); err != nil {
		return fmt.Errorf("send %s to node %d: %w", m.Type, to, err)
	}
	return nil
}

// IsDC reports whether the DC side is running on this node.
func (c *Coordinator) IsDC() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dc != nil
}

// Idle reports whether this node's DC side, if it runs, has nothing
// running and nothing to plan (true when it is not the DC). A stopping DC
// waits for it before it leaves, so it does not abandon a transition.
func (c *Coordinator) Idle() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dc == nil || c.dc.idle.Load()
}

// Garbled is the number of messages dropped because they did not decode.
func (c *Coordinator) Garbled() uint64 { return c.node.garbled.Load() }

func (c *Coordinator) nodeID(name string) (cluster.NodeID, bool) {
	for _, n := range c.cfg.Nodes {
		if n.Name == name {
			return n.ID, true
		}
	}
	return 0, false
}

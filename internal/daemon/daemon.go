// Package daemon wires pacerd's components together: links from the
// configuration, the keepalive sender, the receiver, membership, the drop
// counters, the replicated CIB (crm/store over the heartbeat mux), the
// node attribute store and the control socket. Only
// cmd/pacerd and test/ import it.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"pacer/crm/coordinator"
	"pacer/crm/store"
	"pacer/heartbeat"
	"pacer/heartbeat/serial"
	"pacer/heartbeat/udp"
	"pacer/internal/attrd"
	"pacer/internal/clock"
	"pacer/internal/cluster"
	"pacer/internal/config"
	"pacer/internal/control"
	"pacer/internal/logfield"
	"pacer/membership"
	"pacer/resources"
)

// DefaultStatsInterval is how often dropped-frame counters are summarised in
// the log (only when something was dropped).
const DefaultStatsInterval = 60 * time.Second

// Deps are the daemon's seams. Zero values are replaced by the real thing.
type Deps struct {
	Clock  clock.Clock
	Logger *zap.Logger
	// Keyring is the cluster key; required.
	Keyring heartbeat.Keyring
	// Links replaces the links built from the configuration (the simulator
	// passes memlink links). When nil, links are opened from cfg.Links.
	Links []heartbeat.Link
	// Epoch is this run's boot epoch; zero derives one from DataDir.
	Epoch cluster.BootEpoch
	// StatsInterval overrides DefaultStatsInterval.
	StatsInterval time.Duration
	// Attrs replaces the in-memory node attribute store.
	Attrs attrd.Store
	// Resources answers where resources run (crm_resource --locate); nil
	// answers "not known" until the coordinator provides it.
	Resources control.Locator
	// ControlACL replaces the control socket's ACL (root and group
	// haclient, looked up on the system).
	ControlACL *control.ACL
	// Fencer fences the peer of a two_node cluster; nil runs the fence
	// agent of [quorum] (AgentFencer).
	Fencer PeerFencer
}

// Daemon is one pacerd.
type Daemon struct {
	cfg        config.Config
	clk        clock.Clock
	lg         *zap.Logger
	links      []heartbeat.Link
	stats      *heartbeat.Stats
	sealer     *heartbeat.Sealer
	verifier   *heartbeat.Verifier
	sender     *heartbeat.Sender
	receiver   *heartbeat.Receiver
	membership *membership.Service
	mux        *heartbeat.Mux
	statsEvery time.Duration
	attrs      attrd.Store
	attrWrites *attrWriter  // nil when Deps.Attrs is given
	closeAttrs func() error // stops the store's timers; nil for an injected store
	control    *control.Server
	raftLog    *store.Log
	wire       *store.Wire
	store      *store.Node
	coord      atomic.Pointer[coordinator.Coordinator] // set when runCoordinator has built it
	hist       *history                                // the event journal (history.go); nil without a data dir
	router     *raftRouter
	readdressc chan uint64
	two        *twoNode                           // nil unless [quorum] two_node
	metrics    metricsState                       // the [metrics] endpoint (metrics.go)
	leavec     chan struct{}                      // closed by Leave (shutdown.go)
	exec       atomic.Pointer[resources.Executor] // set when runCoordinator has built it
	leaveOnce  sync.Once
}

// New builds a daemon; it opens the links (sockets, ttys) and the control
// socket but starts no goroutines of its own.
func New(cfg config.Config, deps Deps) (_ *Daemon, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.Clock == nil {
		deps.Clock = clock.Real{}
	}
	if deps.Logger == nil {
		deps.Logger = zap.NewNop()
	}
	if deps.StatsInterval <= 0 {
		deps.StatsInterval = DefaultStatsInterval
	}
	d := &Daemon{cfg: cfg, clk: deps.Clock, lg: deps.Logger, stats: &heartbeat.Stats{}, statsEvery: deps.StatsInterval,
		readdressc: make(chan uint64, 1), leavec: make(chan struct{})}
	if err := d.openJournal(); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			d.closeJournal()
		}
	}()

	epoch := deps.Epoch
	if epoch == 0 {
		if epoch, err = NextBootEpoch(cfg.DataDir, d.clk.Now()); err != nil {
			return nil, err
		}
	}
	self := cluster.NodeID(cfg.Node.ID)
	if d.sealer, err = heartbeat.NewSealer(cluster.ClusterName(cfg.Cluster), self, epoch, deps.Keyring); err != nil {
		return nil, fmt.Errorf("authkey: %w", err)
	}
	known := map[cluster.NodeID]bool{}
	for _, p := range cfg.Peers {
		known[cluster.NodeID(p.ID)] = true
	}
	d.verifier, err = heartbeat.NewVerifier(cluster.ClusterName(cfg.Cluster), self, deps.Keyring,
		func(id cluster.NodeID) bool { return known[id] })
	if err != nil {
		return nil, fmt.Errorf("authkey: %w", err)
	}

	d.links = deps.Links
	if d.links == nil {
		if d.links, err = OpenLinks(cfg, d.clk); err != nil {
			return nil, err
		}
		defer func() {
			if err != nil {
				closeLinks(d.links)
			}
		}()
	}
	for _, l := range d.links {
		d.stats.Watch(l)
	}

	d.membership, err = membership.New(MembershipConfig(cfg), d.clk, d.lg.Named("membership"))
	if err != nil {
		return nil, fmt.Errorf("membership: %w", err)
	}
	hbLog := d.lg.Named("heartbeat")
	d.receiver = heartbeat.NewReceiver(d.verifier, heartbeat.Handlers{
		Heard: func(h heartbeat.Heard) {
			d.membership.Observe(membership.Observation{Node: h.Node, Link: h.Link, Epoch: h.Epoch, At: h.At,
				Reverse: membershipReverse(h.Reverse), Leaving: h.Leaving})
		},
		Message: func(from cluster.NodeID, link cluster.LinkName, m heartbeat.Message) {
			if m.Channel == heartbeat.ChannelRaft {
				d.wire.Receive(from, link, m) // set before Run starts the receiver
			}
			d.onCoordinatorMessage(from, m)
			d.onControlMessage(from, m)
		},
	}, d.stats, hbLog)
	d.sender, err = heartbeat.NewSender(d.sealer, cluster.NodeName(cfg.Node.Name), cfg.Keepalive.Duration,
		d.links, d.clk, d.stats, hbLog)
	if err != nil {
		return nil, err
	}
	d.sender.SetHears(d.membership.Hears)
	d.mux = heartbeat.NewMux(d.sealer, d.links, d.membership, d.stats)
	// The socket before the raft log: a second pacerd on the same node
	// is refused by the socket at once, rather than wait for the log's
	// file lock.
	if err = d.openControl(deps); err != nil {
		return nil, err
	}
	if err = d.openStore(); err != nil {
		d.control.Close()
		if d.closeAttrs != nil {
			d.closeAttrs()
		}
		return nil, err
	}
	if err = d.openTwoNode(deps); err != nil {
		d.closeStore()
		d.control.Close()
		if d.closeAttrs != nil {
			d.closeAttrs()
		}
		return nil, err
	}
	return d, nil
}

// Run runs the daemon until ctx is done (an immediate stop: the peers
// see this node die), a component fails, or Leave was called and the
// clean stop is over (shutdown.go).
func (d *Daemon) Run(ctx context.Context) error {
	names := make([]string, len(d.links))
	for i, l := range d.links {
		names[i] = fmt.Sprintf("%s(%s)", l.Name(), l.Kind())
	}
	lg := d.lg.Named("daemon")
	lg.Info("pacerd started", logfield.Node(d.cfg.Node.Name), logfield.NodeID(d.cfg.Node.ID),
		zap.String("cluster", d.cfg.Cluster), logfield.Links(names), zap.Uint64("epoch", uint64(d.sealer.Epoch())),
		zap.Duration("keepalive", d.cfg.Keepalive.Duration), zap.Duration("deadtime", d.cfg.Deadtime.Duration),
		zap.String("socket", d.control.Addr()), zap.String("role", d.Role()), zap.String("data_dir", d.cfg.DataDir))
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	g, gctx := errgroup.WithContext(runCtx)
	sctx, stopSender := context.WithCancel(gctx)
	defer stopSender()
	g.Go(func() error { return d.membership.Run(gctx) })
	g.Go(func() error { return d.receiver.Run(gctx, d.links) })
	g.Go(func() error { return d.sender.Run(sctx) })
	g.Go(func() error {
		select {
		case <-gctx.Done():
			return nil
		case <-d.leavec:
		}
		d.leave(gctx, stopSender)
		stopRun()
		return nil
	})
	g.Go(func() error { return d.stats.Summarize(gctx, d.clk, d.statsEvery, d.lg.Named("heartbeat")) })
	g.Go(func() error { return d.control.Run(gctx) })
	g.Go(func() error { return d.store.Run(gctx) })
	g.Go(func() error { return d.watchDC(gctx) })
	g.Go(func() error { return d.summarizeWire(gctx) })
	g.Go(func() error { return d.rejoinLoop(gctx) })
	g.Go(func() error { return d.ensureMembers(gctx) })
	g.Go(func() error { return d.campaignOnDCDeath(gctx) })
	g.Go(func() error { return d.serveMetrics(gctx) })
	g.Go(func() error { return d.runCoordinator(gctx) })
	if d.attrWrites != nil {
		g.Go(func() error { return d.runAttrWriter(gctx) })
	}
	if d.two != nil {
		g.Go(func() error { return d.two.run(gctx) })
	}
	// Closing the links on shutdown unblocks their readers.
	g.Go(func() error {
		<-gctx.Done()
		closeLinks(d.links)
		return nil
	})
	err := g.Wait()
	d.closeStore()
	if d.closeAttrs != nil {
		d.closeAttrs()
	}
	lg.Info("pacerd stopped", logfield.Node(d.cfg.Node.Name))
	d.closeJournal()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// SetKeyring switches the cluster key at run time (key rotation): frames
// under any of k's keys are accepted and k's primary seals from now on. A
// bad keyring is refused and the keys in use are kept.
func (d *Daemon) SetKeyring(k heartbeat.Keyring) error {
	if err := k.Validate(); err != nil {
		return fmt.Errorf("authkey: %w", err)
	}
	// Accept first, then seal: peers may already seal with the new key.
	if err := d.verifier.SetKeyring(k); err != nil {
		return err
	}
	if err := d.sealer.SetKeyring(k); err != nil {
		return err
	}
	ids := make([]uint64, 0, len(k.Keys))
	for _, id := range k.IDs() {
		ids = append(ids, uint64(id))
	}
	d.lg.Named("daemon").Info("authkey reloaded", zap.Uint64s("keys", ids), zap.Uint8("primary", uint8(k.Primary)))
	return nil
}

// Role is "witness" for a node that votes and hosts no resources
// (pacerd --witness), else "member".
func (d *Daemon) Role() string {
	if d.cfg.Node.Witness {
		return RoleWitness
	}
	return RoleMember
}

// Roles.
const (
	RoleMember  = "member"
	RoleWitness = "witness"
)

// Membership is the membership service (the current view, subscriptions).
func (d *Daemon) Membership() *membership.Service { return d.membership }

// Mux sends cluster messages over the best live link.
func (d *Daemon) Mux() *heartbeat.Mux { return d.mux }

// Attributes is the node attribute store.
func (d *Daemon) Attributes() attrd.Store { return d.attrs }

// ControlStats returns the control socket's bad-frame and refusal counters.
func (d *Daemon) ControlStats() map[string]uint64 { return d.control.Stats() }

// DropStats returns the dropped-frame counters by reason.
func (d *Daemon) DropStats() map[string]uint64 { return d.stats.Snapshot() }

func closeLinks(links []heartbeat.Link) {
	for _, l := range links {
		_ = l.Close()
	}
}

// OpenLinks opens every link of the configuration.
func OpenLinks(cfg config.Config, clk clock.Clock) ([]heartbeat.Link, error) {
	ids := map[string]cluster.NodeID{}
	for _, p := range cfg.Peers {
		ids[p.Name] = cluster.NodeID(p.ID)
	}
	var links []heartbeat.Link
	for _, lc := range cfg.Links {
		var l heartbeat.Link
		var err error
		name := cluster.LinkName(lc.Name)
		switch lc.Kind {
		case config.KindUDP:
			peers := map[cluster.NodeID]string{}
			for n, a := range lc.PeerAddrs {
				peers[ids[n]] = a
			}
			l, err = udp.NewUnicast(udp.UnicastConfig{Name: name, Bind: lc.Bind, Peers: peers}, clk)
		case config.KindMulticast:
			l, err = udp.NewMulticast(udp.MulticastConfig{Name: name, Group: lc.Group, Interface: lc.Interface, TTL: lc.TTL}, clk)
		case config.KindSerial:
			l, err = serial.Open(serial.Config{Name: name, Device: lc.Device, Baud: lc.Baud, Peer: ids[lc.Peer]}, clk)
		default:
			err = fmt.Errorf("unknown link kind %q", lc.Kind)
		}
		if err != nil {
			closeLinks(links)
			return nil, fmt.Errorf("open link %s: %w", lc.Name, err)
		}
		links = append(links, l)
	}
	return links, nil
}

// MembershipConfig derives membership's view of the cluster from the
// configuration: which links lead to which peer, in configured order.
func MembershipConfig(cfg config.Config) membership.Config {
	mc := membership.Config{
		Self:      cluster.NodeID(cfg.Node.ID),
		SelfName:  cluster.NodeName(cfg.Node.Name),
		Keepalive: cfg.Keepalive.Duration,
		Warntime:  cfg.Warntime.Duration,
		Deadtime:  cfg.Deadtime.Duration,
		Initdead:  cfg.Initdead.Duration,
	}
	for _, p := range cfg.Peers {
		peer := membership.Peer{ID: cluster.NodeID(p.ID), Name: cluster.NodeName(p.Name)}
		for _, lc := range cfg.Links {
			if lc.Reaches(p.Name) {
				peer.Links = append(peer.Links, cluster.LinkName(lc.Name))
			}
		}
		mc.Peers = append(mc.Peers, peer)
	}
	return mc
}

// membershipReverse carries a heartbeat's word on the other direction of a
// link to membership (which does not import heartbeat).
func membershipReverse(r heartbeat.Reverse) membership.Reverse {
	switch r {
	case heartbeat.ReverseHears:
		return membership.ReverseHears
	case heartbeat.ReverseDeaf:
		return membership.ReverseDeaf
	}
	return membership.ReverseUnknown
}

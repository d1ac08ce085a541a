package daemon

// The coordinator inside pacerd: the local executor (agents run as
// processes), the fencer (fence agents run on the DC), and
// crm/coordinator on the replicated CIB, membership and the heartbeat mux
// (ChannelCoordinator).

import (
	"context"
	"fmt"
	"maps"
	"os"
	"sync"
	"time"

	"pacer/agents"
	"pacer/agents/lsb"
	"pacer/agents/ocf"
	"pacer/agents/stonith"
	"pacer/crm/cib"
	"pacer/crm/coordinator"
	"pacer/crm/store"
	"pacer/fencing"
	"pacer/heartbeat"
	"pacer/internal/clock"
	"pacer/internal/cluster"
	"pacer/internal/config"
	"pacer/internal/helperpath"
	"pacer/resources"
)

// changePoll is how often the coordinator's store adapter looks for a
// newly applied CIB (an atomic load).
const changePoll = 50 * time.Millisecond

// Environment variables of pacerd that reach the agents it runs: where
// OCF agents are (OCF_ROOT, default /usr/lib/ocf) and where they keep
// their state (HA_RSCTMP, the agents' default /run/resource-agents), so
// several pacerd on one host (tests, demos) keep their resources apart.
const (
	envOCFRoot  = "OCF_ROOT"
	envRscTmp   = "HA_RSCTMP"
	envFenceDir = "PACER_FENCE_AGENT_DIR"
	// envHelperDir is where pacer's crm_* helper links are
	// (pacer-helper install DIR); default helperpath.DefaultDir.
	envHelperDir = "PACER_HELPER_DIR"
)

// onCoordinatorMessage hands a ChannelCoordinator message to the
// coordinator (dropped before it runs: the sender retries).
func (d *Daemon) onCoordinatorMessage(from cluster.NodeID, m heartbeat.Message) {
	if m.Channel != heartbeat.ChannelCoordinator {
		return
	}
	if c := d.coord.Load(); c != nil {
		c.Receive(from, m.Data)
	}
}

// CoordinatorConfig derives the coordinator's settings from pacer.toml:
// the nodes that host resources are every configured node but the
// witnesses.
func CoordinatorConfig(cfg config.Config) coordinator.Config {
	cc := coordinator.DefaultConfig()
	cc.Self, cc.SelfName = cluster.NodeID(cfg.Node.ID), cfg.Node.Name
	if !cfg.Node.Witness {
		cc.Nodes = append(cc.Nodes, coordinator.NodeRef{ID: cluster.NodeID(cfg.Node.ID), Name: cfg.Node.Name})
	}
	for _, p := range cfg.Peers {
		if !p.Witness {
			cc.Nodes = append(cc.Nodes, coordinator.NodeRef{ID: cluster.NodeID(p.ID), Name: p.Name})
		}
	}
	return cc
}

// agentRunner runs agents as processes, with pacerd's OCF_ROOT and
// HA_RSCTMP passed on. When the helper directory (PACER_HELPER_DIR, default
// /usr/lib/pacer/bin) exists, OCF agents get it first in PATH and as
// HA_SBIN_DIR, and the control socket as PACER_SOCKET when it is not the
// default, so the crm_master, crm_attribute, ... they run reach this
// pacerd (helperpath.Env) and not Pacemaker's tools.
func agentRunner(clk clock.Clock, socket string) (*agents.ProcessRunner, error) {
	env := map[string]string{}
	if v := os.Getenv(envRscTmp); v != "" {
		env[envRscTmp] = v
	}
	dir := os.Getenv(envHelperDir)
	if dir == "" {
		dir = helperpath.DefaultDir
	}
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		if socket == config.DefaultSocket {
			socket = ""
		}
		maps.Copy(env, helperpath.Env(dir, ocf.AgentPath, socket))
	}
	return agents.NewProcessRunner(agents.DefaultRunnerConfig(), clk, map[string]agents.Class{
		"ocf":     ocf.Class{Root: os.Getenv(envOCFRoot), Env: env},
		"lsb":     lsb.Class{},
		"stonith": stonith.Class{Dir: os.Getenv(envFenceDir)},
	})
}

// runCoordinator builds the executor, the fencer and the coordinator and
// runs them until ctx ends.
func (d *Daemon) runCoordinator(ctx context.Context) error {
	runner, err := agentRunner(d.clk, d.cfg.Socket)
	if err != nil {
		return fmt.Errorf("coordinator: %w", err)
	}
	cs := &coordStore{Node: d.store, clk: d.clk, changed: make(chan struct{}, 1)}
	cs.watch = d.gateLeadership(d.store) // two_node wait_for_all holds DC actions back
	deps := coordinator.Deps{
		Store:      cs,
		Membership: d.membership,
		Transport:  coordTransport{d.mux},
		Clock:      d.clk,
		Logger:     d.lg.Named("coordinator"),
	}
	if !d.cfg.Node.Witness {
		ecfg := resources.DefaultConfig()
		ecfg.NodeName = d.cfg.Node.Name
		ex, err := resources.New(ecfg, newDeviceRunner(runner), d.clk, d.lg.Named("executor"))
		if err != nil {
			return fmt.Errorf("coordinator: %w", err)
		}
		defer ex.Close()
		deps.Executor = ex
		d.exec.Store(ex)
	}
	f, err := fencing.New(fencing.Config{Node: d.cfg.Node.Name}, runner, d.clk, d.lg)
	if err != nil {
		return fmt.Errorf("coordinator: %w", err)
	}
	deps.Fencer = cibFencer{f: f, s: d.store}
	if d.two != nil {
		deps.FenceHistory = d.two // two_node's fencing of the peer counts
	}
	c, err := coordinator.New(CoordinatorConfig(d.cfg), deps)
	if err != nil {
		return fmt.Errorf("coordinator: %w", err)
	}
	d.coord.Store(c)
	go cs.poll(ctx)
	return c.Run(ctx)
}

// deviceRunner runs a fence device's resource operations as Pacemaker's
// executor does: a fence agent has no start or stop. Starting a device
// registers it on this node and monitors it (the agent's monitor),
// stopping it unregisters it; a monitor (a probe too) of a device not
// registered here is "not running" without running the agent, or every
// node's probe would find the device active everywhere (the agent's
// monitor only says the device answers). Registrations live as long as
// pacerd, like the fencer's in Pacemaker: after a restart the probe says
// not running and the device is started again. The fencer reads its
// devices from the CIB.
type deviceRunner struct {
	agents.Runner
	mu         sync.Mutex
	registered map[string]bool // by resource id
}

func newDeviceRunner(r agents.Runner) *deviceRunner {
	return &deviceRunner{Runner: r, registered: map[string]bool{}}
}

func (r *deviceRunner) Run(ctx context.Context, req agents.Request) (agents.Result, error) {
	if req.Class != "stonith" {
		return r.Runner.Run(ctx, req)
	}
	switch req.Action {
	case "start":
		req.Action = "monitor"
		res, err := r.Runner.Run(ctx, req)
		if err == nil && res.RC == 0 {
			r.mu.Lock()
			r.registered[req.Instance] = true
			r.mu.Unlock()
		}
		return res, err
	case "stop":
		r.mu.Lock()
		delete(r.registered, req.Instance)
		r.mu.Unlock()
		return agents.Result{RC: 0}, nil
	case "monitor":
		r.mu.Lock()
		on := r.registered[req.Instance]
		r.mu.Unlock()
		if !on {
			return agents.Result{RC: 7}, nil
		}
	}
	return r.Runner.Run(ctx, req)
}

// coordStore adds Changed to the store node: a poll of the applied index.
type coordStore struct {
	*store.Node
	clk     clock.Clock
	changed chan struct{}
	watch   func() (<-chan store.Leadership, func())
}

// WatchLeader is the store's, gated by wait_for_all (gateLeadership).
func (s *coordStore) WatchLeader() (<-chan store.Leadership, func()) { return s.watch() }

func (s *coordStore) Changed() <-chan struct{} { return s.changed }

func (s *coordStore) poll(ctx context.Context) {
	t := s.clk.NewTicker(changePoll)
	defer t.Stop()
	var last uint64
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
		}
		if a := s.Status().Applied; a != last {
			last = a
			select {
			case s.changed <- struct{}{}:
			default:
			}
		}
	}
}

// coordTransport sends over the heartbeat mux on ChannelCoordinator.
type coordTransport struct{ mux *heartbeat.Mux }

func (t coordTransport) Send(to cluster.NodeID, data []byte) error {
	_, err := t.mux.Send(to, heartbeat.Message{Channel: heartbeat.ChannelCoordinator, Data: data})
	return err
}

// cibFencer gives the fencer the applied CIB (its devices and topology)
// before each request.
type cibFencer struct {
	f *fencing.Fencer
	s interface {
		Local() (*cib.CIB, store.Version, error)
	}
}

func (c cibFencer) Fence(ctx context.Context, req fencing.Request) (fencing.Result, error) {
	x, _, err := c.s.Local()
	if err != nil {
		return fencing.Result{}, fmt.Errorf("fence %s: read CIB: %w", req.Target, err)
	}
	c.f.SetCIB(x)
	return c.f.Fence(ctx, req)
}

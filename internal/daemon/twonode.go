package daemon

// two_node mode ([quorum] two_node = true): a pair without a witness. Raft
// cannot commit with one of two voters, so when membership declares the
// peer dead the survivor
//
//  1. waits its fence_delay (set on one node only, so in a split both ways
//     the other fences first and wins),
//  2. fences the peer through PeerFencer, retrying every fence_retry while
//     the peer stays dead; a failure changes nothing,
//  3. only after fencing succeeded forces a single-voter raft
//     configuration (store.ForceSingleVoter, docs/decisions/0008), and
//  4. gives the peer's name a new raft id (store.AddNode; ids are never
//     reused), under which the fenced node, once back, rejoins as a
//     learner and is promoted back to voter.
//
// wait_for_all: after boot, DC actions wait (ActionsAllowed is false) until
// the peer was seen alive or fenced.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"pacer/agents"
	"pacer/agents/stonith"
	"pacer/crm/store"
	"pacer/fencing"
	"pacer/internal/clock"
	"pacer/internal/cluster"
	"pacer/internal/config"
	"pacer/internal/logfield"
	"pacer/membership"
)

// PeerFencer fences a node. Fence returns nil only once the node is known
// to be off (or rebooted). AgentFencer runs the fence agent configured in
// [quorum]; without one, CIBPeerFencer asks fencing.Fencer with the fence
// devices and topology of the applied CIB.
type PeerFencer interface {
	Fence(ctx context.Context, node string) error
}

type twoNode struct {
	d      *Daemon
	lg     *zap.Logger
	clk    clock.Clock
	fencer PeerFencer
	q      config.QuorumConfig
	peer   config.NodeConfig

	// allowed latches once wait_for_all is satisfied (always set when
	// wait_for_all is off); released is closed at that moment.
	allowed  atomic.Bool
	released chan struct{}

	// fenced records the peer's successful fencings, for the
	// coordinator (History): the DC does not fence the peer again.
	histMu sync.Mutex
	fenced []fencing.HistoryEntry
}

// History lists the peer's fencings that succeeded, oldest first (the
// last 16): the coordinator's FenceHistory.
func (t *twoNode) History() []fencing.HistoryEntry {
	t.histMu.Lock()
	defer t.histMu.Unlock()
	return slices.Clone(t.fenced)
}

func (d *Daemon) openTwoNode(deps Deps) error {
	q := d.cfg.Quorum
	if !q.TwoNode {
		return nil
	}
	if len(d.cfg.Peers) != 1 {
		return fmt.Errorf("two_node: %d peers, want 1", len(d.cfg.Peers))
	}
	f := deps.Fencer
	switch {
	case f != nil:
	case q.FenceAgent != "":
		af, err := NewAgentFencer(q, d.clk)
		if err != nil {
			return fmt.Errorf("two_node: %w", err)
		}
		f = af
	default:
		runner, err := agentRunner(d.clk, d.cfg.Socket)
		if err != nil {
			return fmt.Errorf("two_node: %w", err)
		}
		ff, err := fencing.New(fencing.Config{Node: d.cfg.Node.Name}, runner, d.clk, d.lg)
		if err != nil {
			return fmt.Errorf("two_node: %w", err)
		}
		f = CIBPeerFencer{f: cibFencer{f: ff, s: d.store}, origin: d.cfg.Node.Name, action: q.FenceAction}
	}
	t := &twoNode{d: d, lg: d.lg.Named("quorum"), clk: d.clk, fencer: f, q: q, peer: d.cfg.Peers[0], released: make(chan struct{})}
	t.allowed.Store(!q.WaitForAll)
	if !q.WaitForAll {
		close(t.released)
	}
	d.two = t
	return nil
}

// ActionsAllowed reports whether this node may act as DC (start resources,
// run transitions): false only in two_node mode with wait_for_all until
// the peer was seen alive once since boot.
func (d *Daemon) ActionsAllowed() bool {
	return d.two == nil || d.two.allowed.Load()
}

func (t *twoNode) release(why string) {
	if t.allowed.CompareAndSwap(false, true) {
		close(t.released)
		t.lg.Info("wait_for_all satisfied: DC actions allowed", logfield.Node(t.peer.Name), logfield.Reason(why))
	}
}

// leaderSource is what the coordinator watches to know whether it is DC.
type leaderSource interface {
	WatchLeader() (<-chan store.Leadership, func())
}

// gateLeadership is w's leadership, except that this node's own is shown
// as "no DC" until wait_for_all is satisfied: the coordinator takes no DC
// action before. Without two_node or wait_for_all it is w's.
func (d *Daemon) gateLeadership(w leaderSource) func() (<-chan store.Leadership, func()) {
	if d.two == nil || d.two.allowed.Load() {
		return w.WatchLeader
	}
	return d.two.gate(w, d.store.ID)
}

func (t *twoNode) gate(w leaderSource, self func() uint64) func() (<-chan store.Leadership, func()) {
	return func() (<-chan store.Leadership, func()) {
		in, cancel := w.WatchLeader()
		out := make(chan store.Leadership, 1)
		stop := make(chan struct{})
		var once sync.Once
		go func() {
			var last store.Leadership
			released := t.released
			var sent *store.Leadership
			for {
				select {
				case <-stop:
					return
				case l := <-in:
					last = l
				case <-released:
					released = nil
				}
				l := last
				if l.ID != 0 && l.ID == self() && !t.allowed.Load() {
					l = store.Leadership{}
				}
				if sent != nil && *sent == l {
					continue
				}
				select { // keep only the latest
				case <-out:
				default:
				}
				out <- l
				sent = &l
			}
		}()
		return out, func() {
			once.Do(func() {
				close(stop)
				cancel()
			})
		}
	}
}

// peerIsVoter reports whether the raft configuration still counts the
// peer (any voter but this node) as a voter: only then does its death
// cost the quorum.
func (t *twoNode) peerIsVoter() bool {
	st := t.d.store.Status()
	return slices.ContainsFunc(st.Voters, func(id uint64) bool { return id != st.ID })
}

func (t *twoNode) run(ctx context.Context) error {
	views, cancel := t.d.membership.Subscribe()
	defer cancel()
	if !t.allowed.Load() {
		t.lg.Info("wait_for_all: no DC actions until the peer is seen or fenced", logfield.Node(t.peer.Name))
	}
	peerID := cluster.NodeID(t.peer.ID)
	warned := false
	var v membership.View
	var retry clock.Timer
	var retryC <-chan time.Time
	stopRetry := func() {
		if retry != nil {
			retry.Stop()
			retry, retryC = nil, nil
		}
	}
	defer stopRetry()
	dead := func() bool {
		n, ok := v.Node(peerID)
		return ok && n.State == membership.NodeStateDead
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case nv, ok := <-views:
			if !ok {
				return nil
			}
			v = nv
		case <-retryC:
			retry, retryC = nil, nil
		}
		if n, ok := v.Node(peerID); ok && n.State.Alive() {
			stopRetry()
			t.release("peer seen")
			continue
		}
		if !dead() || retry != nil {
			continue
		}
		if !t.peerIsVoter() {
			// Already alone (forced before, or the peer is a learner that
			// has not caught up): its death costs nothing, and this node's
			// log is the group's.
			t.release("peer is not a voter")
			continue
		}
		if !t.allowed.Load() {
			if !warned {
				warned = true
				t.lg.Warn("wait_for_all: the peer was not seen since boot and is dead; not fencing it and not acting: "+
					"this node may hold an older CIB than the peer; start the peer, or set wait_for_all = false to go on alone",
					logfield.Node(t.peer.Name))
			}
			continue
		}
		if err := t.fenceAndForce(ctx, func() bool {
			n, ok := t.d.membership.View().Node(peerID)
			return ok && n.State == membership.NodeStateDead
		}); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			t.lg.Error("peer not fenced: staying without quorum; retrying", logfield.Node(t.peer.Name),
				zap.Duration("retry_in", t.q.FenceRetry.Duration), zap.Error(err))
			retry = t.clk.NewTimer(t.q.FenceRetry.Duration)
			retryC = retry.C()
		}
	}
}

// errPeerBack aborts a fencing round whose peer came back during the delay.
var errPeerBack = errors.New("peer came back")

// fenceAndForce runs one round: delay, fence, force, re-add. stillDead is
// asked after the delay.
func (t *twoNode) fenceAndForce(ctx context.Context, stillDead func() bool) error {
	lg := t.lg.With(logfield.Node(t.peer.Name), logfield.NodeID(t.peer.ID))
	if dl := t.q.FenceDelay.Duration; dl > 0 {
		lg.Info("peer dead: waiting fence_delay before fencing it", zap.Duration("delay", dl))
		tm := t.clk.NewTimer(dl)
		select {
		case <-ctx.Done():
			tm.Stop()
			return ctx.Err()
		case <-tm.C():
		}
		if !stillDead() {
			lg.Info("peer came back during fence_delay: not fenced")
			return nil
		}
	}
	lg.Warn("fencing requested: peer dead and the raft group has no quorum without it", logfield.Reason("two_node peer lost"))
	start := t.clk.Now()
	fctx, cancel := context.WithTimeout(ctx, t.q.FenceTimeout.Duration)
	var devices []string
	var err error
	if df, ok := t.fencer.(devicesFencer); ok {
		devices, err = df.FenceDevices(fctx, t.peer.Name)
	} else {
		err = t.fencer.Fence(fctx, t.peer.Name)
	}
	cancel()
	if err != nil {
		lg.Error("fencing failed", zap.Duration("duration", t.clk.Since(start)), zap.Error(err))
		return fmt.Errorf("fence %s: %w", t.peer.Name, err)
	}
	lg.Warn("fencing succeeded", zap.Duration("duration", t.clk.Since(start)))
	t.histMu.Lock()
	t.fenced = append(t.fenced, fencing.HistoryEntry{Target: t.peer.Name, Action: t.q.FenceAction,
		Origin: t.d.cfg.Node.Name, Executor: t.d.cfg.Node.Name, Reason: "two_node peer lost", Devices: devices,
		State: fencing.StateSuccess, Started: start, Completed: t.clk.Now()})
	if len(t.fenced) > 16 {
		t.fenced = slices.Delete(t.fenced, 0, len(t.fenced)-16)
	}
	t.histMu.Unlock()
	t.release("peer fenced")
	for {
		rep, err := t.d.store.ForceSingleVoter(ctx)
		if err == nil {
			lg.Info("single-voter configuration in force", zap.Uint64s("removed", rep.Removed), zap.Uint64("forced_index", rep.Index))
			break
		}
		if ctx.Err() != nil || errors.Is(err, store.ErrStopped) {
			return err
		}
		lg.Error("forcing a single-voter configuration failed; retrying", zap.Error(err))
		if err := sleep(ctx, t.clk, time.Second); err != nil {
			return err
		}
	}
	go t.readd(ctx)
	return nil
}

// readd gives the fenced peer's name a new raft id, as soon as this node
// leads alone.
func (t *twoNode) readd(ctx context.Context) {
	lg := t.lg.With(logfield.Node(t.peer.Name))
	for {
		actx, cancel := context.WithTimeout(ctx, 5*time.Second)
		id, err := t.d.store.AddNode(actx, cluster.NodeName(t.peer.Name))
		cancel()
		switch {
		case err == nil:
			lg.Info("fenced peer gets a new raft id: it rejoins as a learner and is promoted back to voter", zap.Uint64("raft_id", id))
			return
		case errors.Is(err, store.ErrMemberExists):
			return
		case ctx.Err() != nil || errors.Is(err, store.ErrStopped):
			return
		}
		lg.Debug("new raft id for the fenced peer not yet allocated", zap.Error(err))
		if sleep(ctx, t.clk, 200*time.Millisecond) != nil {
			return
		}
	}
}

func sleep(ctx context.Context, clk clock.Clock, d time.Duration) error {
	tm := clk.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C():
		return nil
	}
}

// CIBPeerFencer fences through fencing.Fencer with the devices of the
// applied CIB (the stonith resources and fencing topology the cluster
// uses for every other node).
type CIBPeerFencer struct {
	f      cibFencer
	origin string
	action string
}

// devicesFencer is a PeerFencer that also says which devices fenced the
// node (for the fencing history).
type devicesFencer interface {
	FenceDevices(ctx context.Context, node string) ([]string, error)
}

// Fence asks the fencer to fence node.
func (c CIBPeerFencer) Fence(ctx context.Context, node string) error {
	_, err := c.FenceDevices(ctx, node)
	return err
}

// FenceDevices fences node and returns the devices that did it.
func (c CIBPeerFencer) FenceDevices(ctx context.Context, node string) ([]string, error) {
	res, err := c.f.Fence(ctx, fencing.Request{Target: node, Action: c.action, Origin: c.origin,
		Reason: "two_node: peer lost, the raft group has no quorum without it"})
	return res.Devices, err
}

// AgentFencer fences with the fence agent of [quorum]: fence_action, the
// node's name as the plug, fence_params besides.
type AgentFencer struct {
	runner  agents.Runner
	agent   string
	action  string
	params  map[string]string
	timeout time.Duration
}

// NewAgentFencer builds the fencer of [quorum]; the agent must exist.
func NewAgentFencer(q config.QuorumConfig, clk clock.Clock) (*AgentFencer, error) {
	path, err := stonith.Path(q.FenceAgentDir, q.FenceAgent)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("fence agent %s: %w", path, err)
	}
	r, err := agents.NewProcessRunner(agents.DefaultRunnerConfig(), clk,
		map[string]agents.Class{"stonith": stonith.Class{Dir: q.FenceAgentDir}})
	if err != nil {
		return nil, err
	}
	params := map[string]string{stonith.ParamHostArgument: "plug"}
	for k, v := range q.FenceParams {
		params[k] = v
	}
	return &AgentFencer{runner: r, agent: q.FenceAgent, action: q.FenceAction, params: params, timeout: q.FenceTimeout.Duration}, nil
}

// FenceDevices fences node; the device is the agent.
func (f *AgentFencer) FenceDevices(ctx context.Context, node string) ([]string, error) {
	if err := f.Fence(ctx, node); err != nil {
		return nil, err
	}
	return []string{f.agent}, nil
}

// Fence runs the agent's action (off or reboot) on node.
func (f *AgentFencer) Fence(ctx context.Context, node string) error {
	res, err := f.runner.Run(ctx, agents.Request{Class: "stonith", Type: f.agent, Action: f.action,
		Params: f.params, Meta: map[string]string{stonith.MetaTarget: node}, Timeout: f.timeout})
	if err != nil {
		return fmt.Errorf("%s %s %s: %w", f.agent, f.action, node, err)
	}
	if res.RC != 0 {
		return fmt.Errorf("%s %s %s: exit %d: %s", f.agent, f.action, node, res.RC, firstLine(res.Stderr+res.Output))
	}
	return nil
}

func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	return s
}

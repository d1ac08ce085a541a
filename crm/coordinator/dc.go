package coordinator

// The DC side: join (probe) every live node, then schedule, dispatch in
// graph order, await with timeouts, commit, and re-plan on every event.
// One goroutine (run) owns the transition; each dispatched action runs in
// a goroutine of its own that commits its result before it reports the
// action complete, so an action that depends on it (a start after a
// fencing) is dispatched only once the result is in the CIB.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"pacer/crm/cib"
	"pacer/crm/scheduler"
	"pacer/crm/store"
	"pacer/internal/cluster"
	"pacer/internal/logfield"
	"pacer/membership"
	"pacer/resources"
)

// commitTimeout bounds one status commit; a DC that cannot commit for
// that long has most likely lost its quorum.
const commitTimeout = 10 * time.Second

// maxRepeats is how many times in a row the same transition may complete
// without changing anything before the DC waits for an event instead.
const maxRepeats = 3

type actState uint8

const (
	actWaiting actState = iota
	actRunning
	actDone
	actFailed
)

type transition struct {
	id      uint64
	graph   *scheduler.Transition
	cib     *cib.CIB
	prims   map[string]primitive
	state   []actState
	cancels map[int]context.CancelFunc // running actions on nodes
	nodeOf  map[int]string
	abortCh chan struct{}
	aborted bool
	reason  string
	running int
	fired   int
	failed  int
	started time.Time
	print   string // the CIB fingerprint it was planned on
	keys    string
}

// completion is an action's end, sent by its goroutine.
type completion struct {
	tr     uint64
	idx    int
	ok     bool
	reason string // why it failed
}

// joined is a join's end.
type joined struct {
	node string
	ok   bool
}

type recID struct {
	call    int
	lastRun int64
	rc      int
	status  resources.OpStatus
}

type dc struct {
	c    *Coordinator
	lg   *zap.Logger
	term uint64
	uuid string

	inbox chan *message
	done  chan completion
	joins chan joined
	reqID atomic.Uint64
	idle  atomic.Bool // nothing running or to plan (for tests and status)

	mu      sync.Mutex
	applied store.Version // the newest version a commit of this DC returned
	waiters map[uint64]chan *message
	seqs    map[string]map[string]uint64 // node → rsc → newest committed snapshot
	seen    map[string]recID             // node/op key → last result committed
	fenced  map[string]bool              // fenced, not joined since: its results are void
	// fenceGen counts each node's fencings; nodeOps orders a join's
	// commit against a fencing's, so a probe made before a fencing is
	// never committed after it.
	fenceGen map[string]uint64
	nodeOps  sync.Mutex

	// Owned by run.
	view       membership.View
	alive      map[string]bool
	epochs     map[string]cluster.BootEpoch
	joining    map[string]bool
	joinCancel map[string]context.CancelFunc
	rejoin     map[string]bool // join again when the running join ends
	tr         *transition
	nextTr     uint64
	needPlan   bool
	lastPrint  string
	lastKeys   string
	repeats    int
}

func newDC(c *Coordinator, term uint64) *dc {
	return &dc{
		c: c, lg: c.lg, term: term,
		uuid:    fmt.Sprintf("%08x-0000-4000-8000-%012x", uint32(term), uint64(c.cfg.Self)&0xffffffffffff),
		inbox:   make(chan *message, 1024),
		done:    make(chan completion, 64),
		joins:   make(chan joined, 16),
		waiters: map[uint64]chan *message{},
		seqs:    map[string]map[string]uint64{},
		seen:    map[string]recID{},
		fenced:  map[string]bool{}, fenceGen: map[string]uint64{},
		alive: map[string]bool{}, epochs: map[string]cluster.BootEpoch{}, joining: map[string]bool{},
		joinCancel: map[string]context.CancelFunc{},
		rejoin:     map[string]bool{},
	}
}

// receive takes a result or report from a node.
func (d *dc) receive(from cluster.NodeID, m *message) {
	switch m.Type {
	case msgExecResult, msgProbeResult:
		d.mu.Lock()
		ch := d.waiters[m.ID]
		d.mu.Unlock()
		if ch != nil {
			select {
			case ch <- m:
			default: // a duplicate; the first is being handled
			}
		}
	case msgReport:
		select {
		case d.inbox <- m:
		default:
			d.lg.Warn("report dropped: DC inbox full", logfield.Node(m.Node))
		}
	}
}

func (d *dc) run(ctx context.Context) {
	d.lg.Info("became DC", logfield.Node(d.c.cfg.SelfName), logfield.Term(d.term))
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer func() {
		cancel()
		wg.Wait()
		d.lg.Info("no longer DC", logfield.Node(d.c.cfg.SelfName), logfield.Term(d.term))
	}()
	views, unsub := d.c.deps.Membership.Subscribe()
	defer unsub()
	changed := d.c.deps.Store.Changed()
	recheck := d.c.clk.NewTimer(d.c.cfg.RecheckInterval)
	defer recheck.Stop()
	d.view = d.c.deps.Membership.View()
	d.needPlan = true
	d.onView(ctx, &wg, d.view)
	for {
		if d.tr == nil && d.needPlan && d.ready() {
			d.needPlan = false
			d.plan(ctx, &wg)
			recheck.Reset(d.c.cfg.RecheckInterval)
		}
		d.idle.Store(d.tr == nil && !d.needPlan && d.ready() && len(d.inbox) == 0 && len(d.joins) == 0)
		select {
		case <-ctx.Done():
			return
		case v, ok := <-views:
			if ok {
				d.onView(ctx, &wg, v)
			}
		case <-changed:
			d.onStoreChange()
		case m := <-d.inbox:
			d.onReport(ctx, m)
		case cpl := <-d.done:
			d.onCompletion(ctx, &wg, cpl)
		case j := <-d.joins:
			blocked := d.joining[j.node]
			delete(d.joining, j.node)
			delete(d.joinCancel, j.node)
			if d.rejoin[j.node] {
				delete(d.rejoin, j.node)
				if id, ok := d.c.nodeID(j.node); ok && d.alive[j.node] {
					d.startJoin(ctx, &wg, NodeRef{ID: id, Name: j.node}, blocked)
					break
				}
			}
			if !d.alive[j.node] {
				// Lost while joining: its join may have committed it
				// online after it was marked offline.
				if id, ok := d.c.nodeID(j.node); ok {
					d.nodeLost(ctx, NodeRef{ID: id, Name: j.node}, membership.NodeStateDead, false)
				}
			}
			if !j.ok && d.alive[j.node] {
				// It is alive but did not answer: try again, without
				// holding up the cluster's plans any longer.
				if id, ok := d.c.nodeID(j.node); ok {
					d.startJoin(ctx, &wg, NodeRef{ID: id, Name: j.node}, false)
				}
			}
			if j.ok {
				d.event("node joined: " + j.node)
			} else {
				d.event("join failed: " + j.node)
			}
		case <-recheck.C():
			d.event("cluster-recheck-interval")
		}
	}
}

// ready: no node is still pending (initdead) and no join is running.
func (d *dc) ready() bool {
	for _, blocks := range d.joining {
		if blocks {
			return false
		}
	}
	for _, n := range d.c.cfg.Nodes {
		if st, ok := d.view.Node(n.ID); ok && st.State == membership.NodeStatePending {
			return false
		}
	}
	return true
}

// event asks for a new plan, aborting the running transition.
func (d *dc) event(reason string) {
	d.needPlan = true
	d.repeats = 0
	if t := d.tr; t != nil && !t.aborted {
		t.aborted, t.reason = true, reason
		close(t.abortCh)
		d.lg.Info("transition abort requested", logfield.Transition(t.id), logfield.Reason(reason))
		d.maybeEnd(t)
	}
}

// onView handles membership: a node lost, a node (back) alive.
func (d *dc) onView(ctx context.Context, wg *sync.WaitGroup, v membership.View) {
	d.view = v
	for _, n := range d.c.cfg.Nodes {
		st, ok := v.Node(n.ID)
		if n.ID == d.c.cfg.Self {
			st, ok = membership.NodeStatus{ID: n.ID, State: membership.NodeStateUp}, true
		}
		alive := ok && st.State.Alive()
		wasAlive, known := d.alive[n.Name]
		switch {
		case alive && (!known || !wasAlive || st.Epoch != d.epochs[n.Name]):
			if known && d.epochs[n.Name] != 0 && st.Epoch != d.epochs[n.Name] {
				// A new boot: its attribute manager starts empty, and
				// what it set before (a shutdown request, promotion
				// scores, fail counts) went with the old process, as
				// Pacemaker's attrd purges a peer that left. Cleared
				// now, before its join's probes set anything anew.
				if d.commit(ctx, "node rebooted", store.StatusUpdate{Node: n.Name, NodeID: idString(n.ID), ClearAttrs: true}) {
					d.lg.Info("node rebooted: its transient attributes cleared", logfield.Node(n.Name))
				}
			}
			d.alive[n.Name], d.epochs[n.Name] = true, st.Epoch
			if known && wasAlive {
				d.lg.Info("node restarted", logfield.Node(n.Name))
			}
			d.startJoin(ctx, wg, n, true)
		case !alive && (!ok || st.State != membership.NodeStatePending) && (!known || wasAlive):
			d.alive[n.Name] = false
			d.nodeLost(ctx, n, st.State, st.Left)
		}
	}
}

// nodeLost marks a node offline in the status section (the scheduler then
// finds it unclean, and fences it, unless it left cleanly) and fails the
// actions running there.
func (d *dc) nodeLost(ctx context.Context, n NodeRef, state membership.NodeState, left bool) {
	if cancel := d.joinCancel[n.Name]; cancel != nil {
		cancel() // it will not answer
	}
	if t := d.tr; t != nil {
		for idx, name := range t.nodeOf {
			if name == n.Name && t.state[idx] == actRunning {
				t.cancels[idx]()
			}
		}
	}
	// Read and commit under nodeOps: a fencing of the node that commits
	// it down (join=down, expected=down) in the meantime must not be
	// overwritten with the membership read before (it would make the
	// fenced node unclean again, and fenced twice).
	d.nodeOps.Lock()
	defer d.nodeOps.Unlock()
	c, _, err := d.c.deps.Store.Local()
	if err != nil {
		d.lg.Error("read CIB", zap.Error(err))
		return
	}
	ns := nodeState(c, n.Name)
	if ns == nil {
		// Never seen: the scheduler's startup fencing decides.
		d.event("node lost: " + n.Name)
		return
	}
	if ns.InCCM == "false" && ns.Crmd == "offline" {
		d.event("node lost: " + n.Name)
		return // known to be down already
	}
	if ns.Expected == "down" {
		// A clean leave: the node asked to shut down, its resources were
		// stopped, do_shutdown committed it expected down, and it left.
		// Down, not unclean: nothing to fence. Its transient attributes
		// (the shutdown request among them) go with it, as Pacemaker's
		// controller erases a departed node's attributes, so it joins
		// normally when it comes back.
		d.lg.Info("node left cleanly: down as expected, not fenced", logfield.Node(n.Name),
			zap.String("state", state.String()), zap.Bool("announced", left))
		d.commit(ctx, "node left", store.StatusUpdate{Node: n.Name, NodeID: idString(n.ID), ClearAttrs: true,
			State: &store.NodeMembership{InCCM: "false", Crmd: "offline", Join: "down", Expected: "down"}})
		d.event("node left: " + n.Name)
		return
	}
	if left {
		d.lg.Warn("node announced a clean leave but was not expected down: treated as lost", logfield.Node(n.Name))
	}
	d.lg.Warn("node lost", logfield.Node(n.Name), zap.String("state", state.String()))
	st := &store.NodeMembership{InCCM: "false", Crmd: "offline", Join: ns.Join, Expected: ns.Expected}
	if st.Join == "" {
		st.Join = "member"
	}
	if st.Expected == "" {
		st.Expected = "member"
	}
	d.commit(ctx, "node lost", store.StatusUpdate{Node: n.Name, NodeID: idString(n.ID), State: st})
	d.event("node lost: " + n.Name)
}

func nodeState(c *cib.CIB, name string) *cib.NodeState {
	for i := range c.Status.Nodes {
		if c.Status.Nodes[i].Uname == name {
			return &c.Status.Nodes[i]
		}
	}
	return nil
}

// startJoin probes a live node for what really runs and commits its whole
// history, with the node online, in one status update. A blocking join
// holds up planning until it ends, as Pacemaker's DC waits for its joins;
// a join tried again after one failed does not.
func (d *dc) startJoin(ctx context.Context, wg *sync.WaitGroup, n NodeRef, blocking bool) {
	if blocks, running := d.joining[n.Name]; running {
		// The running join may have asked before what made this one
		// necessary (a fencing, a restart): join again when it ends.
		d.joining[n.Name] = blocks || blocking
		d.rejoin[n.Name] = true
		return
	}
	d.joining[n.Name] = blocking
	c, _, err := d.c.deps.Store.Local()
	if err != nil {
		d.lg.Error("read CIB", zap.Error(err))
		c = &cib.CIB{}
	}
	specs := probeSpecs(c)
	timeout := d.c.cfg.ProbeTimeout + d.clusterDelay(c)
	jctx, cancel := context.WithCancel(ctx)
	d.joinCancel[n.Name] = cancel
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer cancel()
		ok := d.join(jctx, n, specs, timeout)
		select {
		case d.joins <- joined{node: n.Name, ok: ok}:
		case <-ctx.Done():
		}
	}()
}

func (d *dc) join(ctx context.Context, n NodeRef, specs []resources.ResourceSpec, timeout time.Duration) bool {
	d.lg.Info("probing node", logfield.Node(n.Name), logfield.Count(uint64(len(specs))))
	start := d.c.clk.Now()
	d.mu.Lock()
	gen := d.fenceGen[n.Name]
	d.mu.Unlock()
	reply, err := d.request(ctx, n.ID, &message{Type: msgProbe, Specs: specs}, timeout, nil)
	if err != nil {
		d.lg.Warn("node did not answer the probe", logfield.Node(n.Name), zap.Error(err))
		return false
	}
	// A fencing of the node committed since the probe was asked for
	// makes its answer void (the node was powered off after it probed).
	d.nodeOps.Lock()
	defer d.nodeOps.Unlock()
	d.mu.Lock()
	if d.fenceGen[n.Name] != gen {
		d.mu.Unlock()
		d.lg.Warn("node fenced while it joined; its probe results are void", logfield.Node(n.Name))
		return false
	}
	delete(d.fenced, n.Name)
	d.seqs[n.Name] = map[string]uint64{}
	for _, h := range reply.History {
		d.seqs[n.Name][h.ID] = reply.Seq
	}
	d.mu.Unlock()
	u := store.StatusUpdate{Node: n.Name, NodeID: idString(n.ID), State: onlineState(),
		ClearLRM: true, Resources: reply.History}
	if !d.commit(ctx, "node joined", u) {
		return false
	}
	var active []string
	for _, h := range reply.History {
		if historyActive(h) {
			active = append(active, h.ID)
		}
	}
	d.lg.Info("node joined", logfield.Node(n.Name), zap.Strings("active", active),
		logfield.Duration(d.c.clk.Since(start)))
	return true
}

// historyActive is a rough reading of a history for the log: the last
// one-shot op left the resource running.
func historyActive(h cib.LRMResource) bool {
	for _, o := range h.Ops {
		if o.ID == h.ID+"_last_0" {
			switch {
			case o.Operation == "stop":
				return o.OpStatus != "0" || o.RCCode != "0"
			case o.Operation == "monitor":
				return o.RCCode == "0" || o.RCCode == "8"
			default:
				return o.OpStatus == "0" && o.RCCode == "0"
			}
		}
	}
	return false
}

func onlineState() *store.NodeMembership {
	return &store.NodeMembership{InCCM: "true", Crmd: "online", Join: "member", Expected: "member"}
}

func idString(id cluster.NodeID) string { return strconv.FormatUint(uint64(id), 10) }

// request sends m to node and waits for its answer, resending until it
// comes, timeout passes, ctx ends or stop is closed.
func (d *dc) request(ctx context.Context, node cluster.NodeID, m *message, timeout time.Duration, stop <-chan struct{}) (*message, error) {
	m.ID, m.Term = d.reqID.Add(1), d.term
	ch := make(chan *message, 1)
	d.mu.Lock()
	d.waiters[m.ID] = ch
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		delete(d.waiters, m.ID)
		d.mu.Unlock()
	}()
	timer := d.c.clk.NewTimer(timeout)
	defer timer.Stop()
	resend := d.c.clk.NewTicker(d.c.cfg.ResendInterval)
	defer resend.Stop()
	if err := d.c.send(node, m); err != nil {
		d.lg.Debug("request not sent; resending", zap.Error(err))
	}
	for {
		select {
		case r := <-ch:
			return r, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-stop:
			return nil, errNodeLost
		case <-timer.C():
			return nil, fmt.Errorf("%w after %v", errTimedOut, timeout)
		case <-resend.C():
			_ = d.c.send(node, m)
		}
	}
}

var (
	errTimedOut = errors.New("no result")
	errNodeLost = errors.New("node lost")
)

// commit proposes status updates, retrying until they apply or ctx ends.
func (d *dc) commit(ctx context.Context, what string, us ...store.StatusUpdate) bool {
	for attempt := 0; ; attempt++ {
		cctx, cancel := context.WithTimeout(ctx, commitTimeout)
		v, err := d.c.deps.Store.ProposeStatus(cctx, us...)
		cancel()
		if err == nil {
			d.mu.Lock()
			if newer(v, d.applied) {
				d.applied = v
			}
			d.mu.Unlock()
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		d.lg.Error("status commit failed", zap.String("what", what), zap.Int("attempt", attempt+1), zap.Error(err))
		t := d.c.clk.NewTimer(d.c.cfg.ResendInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C():
		}
	}
}

// fingerprint is what, besides the DC's own results, makes a transition
// stale: the configuration's version and the transient node attributes.
func fingerprint(c *cib.CIB, v store.Version) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d.%d", v.AdminEpoch, v.Epoch)
	for _, ns := range c.Status.Nodes {
		b.WriteString("|" + ns.Uname)
		for _, s := range ns.Transient {
			for _, p := range s.Pairs {
				b.WriteString(";" + p.Name + "=" + p.Value)
			}
		}
	}
	return b.String()
}

func (d *dc) onStoreChange() {
	c, v, err := d.c.deps.Store.Local()
	if err != nil {
		return
	}
	p := fingerprint(c, v)
	if p == d.lastPrint {
		return
	}
	what := "attribute change"
	if !strings.HasPrefix(p, fmt.Sprintf("%d.%d|", v.AdminEpoch, v.Epoch)) || !strings.HasPrefix(d.lastPrint, fmt.Sprintf("%d.%d|", v.AdminEpoch, v.Epoch)) {
		what = "configuration change"
	}
	d.lastPrint = p
	d.event(what)
}

// schedulerInput is the applied CIB as the scheduler must see it: every
// node that hosts resources listed, quorum (this DC leads a raft
// majority), this node the DC.
func (d *dc) schedulerInput(c *cib.CIB) {
	for _, n := range d.c.cfg.Nodes {
		found := false
		for _, cn := range c.Configuration.Nodes {
			if cn.Uname == n.Name || (cn.Uname == "" && cn.ID == n.Name) {
				found = true
			}
		}
		if !found {
			c.Configuration.Nodes = append(c.Configuration.Nodes, cib.Node{ID: idString(n.ID), Uname: n.Name})
		}
	}
	c.HaveQuorum = "1"
	c.DCUUID = idString(d.c.cfg.Self)
	for _, cn := range c.Configuration.Nodes {
		if cn.Uname == d.c.cfg.SelfName {
			c.DCUUID = cn.ID
		}
	}
}

func (d *dc) clusterDelay(c *cib.CIB) time.Duration {
	if v, ok := property(c, "cluster-delay"); ok {
		if dl, err := cib.ParseDuration(v); err == nil && dl >= 0 {
			return dl
		}
	}
	return d.c.cfg.ClusterDelay
}

func newer(a, b store.Version) bool {
	if a.AdminEpoch != b.AdminEpoch {
		return a.AdminEpoch > b.AdminEpoch
	}
	if a.Epoch != b.Epoch {
		return a.Epoch > b.Epoch
	}
	return a.NumUpdates > b.NumUpdates
}

// current reads the applied CIB once it includes every commit this DC
// made (a proposal returns when its entry applied, a moment before the
// local copy shows it).
func (d *dc) current(ctx context.Context) (*cib.CIB, store.Version, error) {
	d.mu.Lock()
	want := d.applied
	d.mu.Unlock()
	for tries := 0; ; tries++ {
		c, v, err := d.c.deps.Store.Local()
		if err != nil || !newer(want, v) || tries == 100 {
			if err == nil && newer(want, v) {
				d.lg.Warn("applied CIB lags this DC's commits", zap.Stringer("applied", v), zap.Stringer("committed", want))
			}
			return c, v, err
		}
		t := d.c.clk.NewTimer(10 * time.Millisecond)
		select {
		case <-d.c.deps.Store.Changed():
		case <-t.C():
		case <-ctx.Done():
		}
		t.Stop()
	}
}

// plan schedules on the applied CIB and starts the transition.
func (d *dc) plan(ctx context.Context, wg *sync.WaitGroup) {
	c, v, err := d.current(ctx)
	if err != nil {
		d.lg.Error("read CIB", zap.Error(err))
		return
	}
	d.lastPrint = fingerprint(c, v)
	d.schedulerInput(c)
	graph, err := scheduler.Schedule(scheduler.Input{CIB: c, Now: d.c.clk.Now(), LiveCIB: true})
	if err != nil {
		d.lg.Error("scheduling failed", zap.Error(err))
		return
	}
	if len(graph.Actions) == 0 {
		d.lastKeys, d.repeats = "", 0
		return
	}
	keys := make([]string, len(graph.Actions))
	for i, a := range graph.Actions {
		keys[i] = a.Key + "@" + a.Node
	}
	d.nextTr++
	t := &transition{
		id: d.nextTr, graph: graph, cib: c, prims: primitives(c),
		state: make([]actState, len(graph.Actions)), cancels: map[int]context.CancelFunc{}, nodeOf: map[int]string{},
		abortCh: make(chan struct{}), started: d.c.clk.Now(), print: d.lastPrint, keys: strings.Join(keys, ","),
	}
	if t.keys == d.lastKeys {
		d.repeats++
		if d.repeats >= maxRepeats {
			d.lg.Warn("transition repeats without effect; waiting for an event", logfield.Transition(t.id-1),
				logfield.Count(uint64(d.repeats)))
			d.nextTr--
			return
		}
	} else {
		d.repeats = 0
	}
	d.lastKeys = t.keys
	d.tr = t
	d.lg.Info("transition started", logfield.Transition(t.id), logfield.Term(d.term),
		zap.Int("actions", len(graph.Actions)))
	d.dispatch(ctx, wg, t)
	d.maybeEnd(t)
}

// dispatch starts every action whose inputs are all complete, until none
// is left (pseudo actions complete at once, which may free others).
func (d *dc) dispatch(ctx context.Context, wg *sync.WaitGroup, t *transition) {
	for progress := true; progress && !t.aborted; {
		progress = false
		for i, a := range t.graph.Actions {
			if t.state[i] != actWaiting || !d.inputsDone(t, a) {
				continue
			}
			if d.start(ctx, wg, t, i, a) {
				progress = true
			}
			if t.aborted {
				return
			}
		}
	}
}

func (d *dc) inputsDone(t *transition, a *scheduler.Action) bool {
	for _, in := range a.Inputs {
		if in < 0 || in >= len(t.state) || t.state[in] != actDone {
			return false
		}
	}
	return true
}

// start begins one action; it reports whether it completed at once.
func (d *dc) start(ctx context.Context, wg *sync.WaitGroup, t *transition, i int, a *scheduler.Action) bool {
	t.fired++
	fields := []zap.Field{logfield.Transition(t.id), logfield.Rsc(a.RscName), logfield.Op(opName(a)),
		logfield.Node(a.Node), logfield.Reason(reasonOf(t.graph, a))}
	switch a.Kind {
	case scheduler.PseudoAction:
		t.state[i] = actDone
		d.lg.Debug("pseudo action complete", append(fields, zap.String("key", a.Key))...)
		return true
	case scheduler.ClusterAction:
		if a.Task == "clear_failcount" {
			d.lg.Info("action initiated", fields...)
			d.launch(ctx, wg, t, i, "", func(ctx context.Context) completion {
				return d.clearFailcount(ctx, t, i, a)
			})
			return false
		}
		if a.Task == "do_shutdown" {
			// Every stop on the node is done (do_shutdown is ordered
			// after them): the node may go. Committing it expected down
			// is what tells the cluster, and the node waiting in its
			// clean stop, that its leave is clean.
			if c, _, err := d.c.deps.Store.Local(); err == nil {
				if ns := nodeState(c, a.Node); ns != nil && ns.Expected == "down" {
					t.fired-- // already committed: nothing happens
					t.state[i] = actDone
					return true
				}
			}
			d.lg.Info("action initiated", fields...)
			d.launch(ctx, wg, t, i, "", func(ctx context.Context) completion {
				return d.shutdown(ctx, a)
			})
			return false
		}
		// Other controller actions need nothing from the nodes here.
		d.lg.Info("action initiated", fields...)
		t.state[i] = actDone
		return true
	case scheduler.FenceAction:
		d.lg.Info("action initiated", fields...)
		d.launch(ctx, wg, t, i, "", func(ctx context.Context) completion {
			return d.fence(ctx, t, i, a)
		})
		return false
	}
	d.lg.Info("action initiated", fields...)
	id, known := d.c.nodeID(a.Node)
	if !known || !d.alive[a.Node] {
		t.state[i] = actFailed
		t.failed++
		d.lg.Error("action failed", append(fields[:4], logfield.Reason("node is not a live member"))...)
		d.event("action on lost node " + a.Node)
		return false
	}
	d.launch(ctx, wg, t, i, a.Node, func(ctx context.Context) completion {
		return d.execute(ctx, t, i, a, id)
	})
	return false
}

// shutdown runs do_shutdown: the node's stops are done, so it is committed
// expected down (still online until it leaves).
func (d *dc) shutdown(ctx context.Context, a *scheduler.Action) completion {
	id, ok := d.c.nodeID(a.Node)
	if !ok {
		return completion{reason: "unknown node"}
	}
	st := &store.NodeMembership{InCCM: "true", Crmd: "online", Join: "member", Expected: "down"}
	if !d.commit(ctx, "do_shutdown", store.StatusUpdate{Node: a.Node, NodeID: idString(id), State: st}) {
		return completion{reason: "status not committed"}
	}
	d.lg.Info("node may shut down: its resources are stopped; expected down", logfield.Node(a.Node))
	return completion{ok: true}
}

// reasonOf is why the action is in the transition: the scheduler's
// reason, else its resource's Transition Summary line ("Move d1 ( alpha
// -> bravo ) due to node availability"), else what the action is for.
func reasonOf(g *scheduler.Transition, a *scheduler.Action) string {
	if a.Reason != "" {
		return a.Reason
	}
	for _, l := range g.Summary {
		if a.Rsc != "" && (l.Rsc == a.RscName || l.Rsc == a.Rsc) {
			s := l.Change + " " + l.Rsc + " ( " + l.Details + " )"
			if l.Reason != "" {
				s += " " + l.Reason
			}
			return s
		}
	}
	switch {
	case a.Task == "monitor" && a.Interval == 0:
		return "probe: state unknown on the node"
	case a.Task == "monitor":
		return "recurring monitor of the resource's role"
	case a.Task == "cancel":
		return "recurring operation no longer wanted"
	}
	return a.Task
}

func opName(a *scheduler.Action) string {
	if a.Kind == scheduler.FenceAction {
		return "stonith-" + a.Task
	}
	return a.Task
}

// launch runs fn in a goroutine as action i of t.
func (d *dc) launch(ctx context.Context, wg *sync.WaitGroup, t *transition, i int, node string, fn func(context.Context) completion) {
	actx, cancel := context.WithCancel(ctx)
	t.state[i] = actRunning
	t.running++
	t.cancels[i] = cancel
	if node != "" {
		t.nodeOf[i] = node
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer cancel()
		cpl := fn(actx)
		cpl.tr, cpl.idx = t.id, i
		select {
		case d.done <- cpl:
		case <-ctx.Done():
		}
	}()
}

func (d *dc) onCompletion(ctx context.Context, wg *sync.WaitGroup, cpl completion) {
	t := d.tr
	if t == nil || t.id != cpl.tr || t.state[cpl.idx] != actRunning {
		return
	}
	t.running--
	delete(t.cancels, cpl.idx)
	if a := t.graph.Actions[cpl.idx]; cpl.ok && a.Kind == scheduler.FenceAction && d.alive[a.Node] {
		// Fenced but alive to membership (it came back during the
		// fencing): what it runs is known only from a new join. The join
		// does not hold planning up: the node was just fenced (committed
		// down, nothing running), and membership, which still hears the
		// life it had before the fencing, may take a deadtime to notice
		// that it is off.
		if id, ok := d.c.nodeID(a.Node); ok {
			d.lg.Info("fenced node is alive; probing it again", logfield.Node(a.Node))
			d.startJoin(ctx, wg, NodeRef{ID: id, Name: a.Node}, false)
		}
	}
	if cpl.ok {
		t.state[cpl.idx] = actDone
	} else {
		t.state[cpl.idx] = actFailed
		t.failed++
		d.event("action failed: " + t.graph.Actions[cpl.idx].Key + " (" + cpl.reason + ")")
	}
	if !t.aborted {
		d.dispatch(ctx, wg, t)
	}
	d.maybeEnd(t)
}

// maybeEnd ends the transition when nothing runs and nothing more will.
func (d *dc) maybeEnd(t *transition) {
	if d.tr != t || t.running > 0 {
		return
	}
	if !t.aborted {
		for i, a := range t.graph.Actions {
			if t.state[i] == actWaiting && d.inputsDone(t, a) {
				return // dispatch will start it
			}
		}
	}
	done := 0
	for _, s := range t.state {
		if s == actDone {
			done++
		}
	}
	fields := []zap.Field{logfield.Transition(t.id), zap.Int("complete", done), zap.Int("failed", t.failed),
		zap.Int("skipped", len(t.state)-t.fired), logfield.Duration(d.c.clk.Since(t.started))}
	d.tr = nil
	if t.aborted {
		d.lg.Info("transition aborted", append(fields, logfield.Reason(t.reason))...)
		d.needPlan = true
		return
	}
	d.lg.Info("transition complete", fields...)
	// Plan again: what ran changed the status. A transition that fired
	// nothing cannot change anything; wait for an event.
	d.needPlan = t.fired > 0
}

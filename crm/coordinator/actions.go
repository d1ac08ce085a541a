package coordinator

// The DC's actions: a resource operation on a node, a fencing, a
// fail-count clearing; and the results nodes report unasked. Each commits
// what happened to the status section before it says it is done.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"pacer/agents/ocf"
	"pacer/crm/cib"
	"pacer/crm/scheduler"
	"pacer/crm/store"
	"pacer/fencing"
	"pacer/internal/cluster"
	"pacer/internal/logfield"
	"pacer/resources"
)

// transitionKey is Pacemaker's "ACTION:TRANSITION:TARGET_RC:DC_UUID".
func (d *dc) transitionKey(t *transition, a *scheduler.Action, rc int) string {
	return fmt.Sprintf("%d:%d:%d:%s", a.ID, t.id, rc, d.uuid)
}

// execute runs a resource action on its node and commits the result.
func (d *dc) execute(ctx context.Context, t *transition, i int, a *scheduler.Action, node cluster.NodeID) completion {
	// The node gets the resource under the graph's name for it
	// (add_resource_details): an anonymous clone instance by its
	// configured id, so its history stays under one name whichever DC
	// placed it; RscName is only crm_simulate's display name.
	id := a.ExecID
	if id == "" {
		id = a.RscName
	}
	if id == "" {
		id = a.Rsc
	}
	p, ok := lookup(t.prims, a.Rsc)
	if !ok {
		p, ok = lookup(t.prims, id)
	}
	if !ok {
		// An orphan (deleted from the configuration, still in the
		// history): its agent from the history, no parameters.
		p, ok = orphan(t.cib, a.Node, id, a.Rsc)
	}
	if !ok {
		return completion{reason: "resource " + a.Rsc + " is neither configured nor in " + a.Node + "'s history"}
	}
	spec := p.spec(t.cib, id)
	if a.ExecLongID != "" && a.ExecLongID != id {
		spec.LongID = a.ExecLongID
	}
	for k, v := range a.Meta {
		spec.Meta[k] = v
	}
	// As Pacemaker's graph does: the agent learns the node it runs on
	// (OCF_RESKEY_CRM_meta_on_node, _on_node_uuid).
	if _, ok := spec.Meta["on_node"]; !ok {
		spec.Meta["on_node"] = a.Node
		spec.Meta["on_node_uuid"] = idString(node)
	}
	op := resources.Op{Resource: spec, Action: a.Task, Interval: a.Interval}
	if a.Task == "cancel" {
		name, iv := cancelledOp(a.Key, a.Rsc)
		spec.Meta[metaCancelOp] = name
		op.Interval = iv
		if iv == 0 {
			op.Interval = a.Interval
		}
	}
	op.Timeout = p.timeout(t.cib, a.Task, op.Interval)
	op.TargetRC = p.targetRC(a.Task, op.Interval)
	op.TransitionKey = d.transitionKey(t, a, op.TargetRC)
	wait := op.Timeout + d.clusterDelay(t.cib)
	start := d.c.clk.Now()
	reply, err := d.request(ctx, node, &message{Type: msgExec, Op: &op}, wait, ctx.Done())
	base := []zap.Field{logfield.Transition(t.id), logfield.Rsc(id), logfield.Op(a.Task), logfield.Node(a.Node)}
	// failure records a result the node did not give, as Pacemaker's
	// controller does (controld_record_action_timeout), so the next plan
	// sees the failure.
	failure := func(status resources.OpStatus, reason string) {
		rec := resources.Record{Rsc: id, Class: spec.Class, Provider: spec.Provider, Type: spec.Type,
			Action: a.Task, Interval: op.Interval, CallID: -1, RC: 1, Status: status,
			TargetRC: op.TargetRC, TransitionKey: op.TransitionKey, LastRun: start, ExitReason: reason,
			OpDigest: opDigest(spec.Params, op.Interval, op.Timeout)}
		u := store.StatusUpdate{Node: a.Node, NodeID: idString(node), Attrs: d.failAttrs(t.cib, rec)}
		for _, o := range rec.LRMOps(a.Node) {
			u.Ops = append(u.Ops, store.OpResult{Rsc: id, Class: spec.Class, Provider: spec.Provider, Type: spec.Type, Op: o})
		}
		d.commit(ctx, "action failure", u)
	}
	switch {
	case errors.Is(err, errTimedOut):
		reason := fmt.Sprintf("no result from %s within %v", a.Node, wait)
		d.lg.Error("action timed out", append(base, logfield.Duration(d.c.clk.Since(start)), logfield.Reason(reason))...)
		failure(resources.StatusTimedOut, reason)
		return completion{reason: "timed out"}
	case err != nil:
		// The node left (or this DC stepped down): nothing to record;
		// the node's fencing or its next join says what runs there.
		d.lg.Error("action lost", append(base, logfield.Reason(err.Error()))...)
		return completion{reason: err.Error()}
	case reply.Err != "":
		d.lg.Error("action result", append(base, logfield.RC(1), logfield.RCText(ocf.RC(1).String()),
			logfield.Duration(d.c.clk.Since(start)), zap.String("status", resources.StatusError.String()),
			logfield.Reason(reply.Err))...)
		failure(resources.StatusError, reply.Err)
		return completion{reason: reply.Err}
	}
	rec := *reply.Record
	fields := append(base, logfield.RC(rec.RC), logfield.RCText(ocf.RC(rec.RC).String()), logfield.Duration(rec.ExecTime))
	if rec.Status != resources.StatusDone {
		fields = append(fields, zap.String("status", rec.Status.String()))
	}
	if rec.ExitReason != "" {
		fields = append(fields, logfield.Reason(rec.ExitReason))
	}
	failed := rec.Failed() && a.Task != "cancel" && a.Task != "delete"
	// A probe that found the resource in a definite state learned
	// something; the transition still stops, since it was planned
	// without knowing it.
	if failed && countsAsFailure(rec) {
		d.lg.Error("action result", fields...)
	} else {
		d.lg.Info("action result", fields...)
	}
	if ok, _ := d.commitRecord(ctx, a.Node, node, reply); !ok {
		return completion{reason: "result not committed"}
	}
	if failed {
		return completion{reason: fmt.Sprintf("rc %d (%s), expected %d", rec.RC, ocf.RC(rec.RC), rec.TargetRC)}
	}
	return completion{ok: true}
}

// opDigest is the op-digest the executor would have written
// (resources' digestParams): the parameters without CRM_meta_ entries,
// a recurring op's timeout included.
func opDigest(params map[string]string, interval, timeout time.Duration) string {
	p := make(map[string]string, len(params)+1)
	for k, v := range params {
		if !strings.HasPrefix(k, "CRM_meta_") {
			p[k] = v
		}
	}
	if interval > 0 {
		p["CRM_meta_timeout"] = strconv.FormatInt(timeout.Milliseconds(), 10)
	}
	return resources.ParamsDigest(p)
}

// cancelledOp reads the op name and interval from a cancel's key,
// RSC_OP_INTERVALMS.
func cancelledOp(key, rsc string) (string, time.Duration) {
	rest := strings.TrimPrefix(key, rsc+"_")
	i := strings.LastIndexByte(rest, '_')
	if i <= 0 {
		return rest, 0
	}
	ms, err := strconv.ParseInt(rest[i+1:], 10, 64)
	if err != nil {
		return rest, 0
	}
	return rest[:i], time.Duration(ms) * time.Millisecond
}

// commitRecord commits a node's result: the resource's history as the
// node has it (unless a newer snapshot is in already) and, for a
// failure, the fail count. A result committed before (a report and the
// request's answer for the same run, a report sent again) is not counted
// twice: dup says so.
func (d *dc) commitRecord(ctx context.Context, name string, node cluster.NodeID, m *message) (ok, dup bool) {
	rec := *m.Record
	key := name + "/" + rec.OperationKey()
	ident := recID{call: rec.CallID, lastRun: rec.LastRun.UnixNano(), rc: rec.RC, status: rec.Status}
	d.mu.Lock()
	if d.fenced[name] {
		// Sent before the node was fenced, arriving after: what it
		// says is gone with the node's history. Its join will tell.
		d.mu.Unlock()
		d.lg.Info("result from a fenced node ignored", logfield.Node(name), logfield.Rsc(rec.Rsc), logfield.Op(rec.Action))
		return true, true
	}
	seqs := d.seqs[name]
	if seqs == nil {
		seqs = map[string]uint64{}
		d.seqs[name] = seqs
	}
	// A snapshot older than the resource's committed one is a report
	// sent again after a newer result went in (its ack was lost, or it
	// reached a new DC after the join): already counted, or superseded.
	dup = d.seen[key] == ident || m.Seq <= seqs[rec.Rsc]
	prevIdent, hadIdent := d.seen[key]
	d.seen[key] = ident
	prev := map[string]uint64{}
	var hist []cib.LRMResource
	for _, h := range m.History {
		if m.Seq > seqs[h.ID] {
			prev[h.ID] = seqs[h.ID]
			seqs[h.ID] = m.Seq
			hist = append(hist, h)
		}
	}
	d.mu.Unlock()
	undo := func() {
		// Not in: let it count when it comes again.
		d.mu.Lock()
		defer d.mu.Unlock()
		if d.seen[key] == ident {
			if hadIdent {
				d.seen[key] = prevIdent
			} else {
				delete(d.seen, key)
			}
		}
		for id, v := range prev {
			if d.seqs[name] != nil && d.seqs[name][id] == m.Seq {
				d.seqs[name][id] = v
			}
		}
	}
	u := store.StatusUpdate{Node: name, NodeID: idString(node), Resources: hist}
	if !dup && countsAsFailure(rec) {
		c, _, err := d.c.deps.Store.Local()
		if err != nil {
			c = &cib.CIB{}
		}
		u.Attrs = d.failAttrs(c, rec)
	}
	if len(u.Resources) == 0 && len(u.Attrs) == 0 {
		return true, dup
	}
	if !d.commit(ctx, "operation result", u) {
		undo()
		return false, dup
	}
	return true, dup
}

// countsAsFailure: a failed op raises the fail count, but not a probe
// that found the resource in a definite state (running, stopped,
// promoted), nor a cancel.
func countsAsFailure(rec resources.Record) bool {
	if !rec.Failed() || rec.Status == resources.StatusCancelled {
		return false
	}
	if rec.Action == "monitor" && rec.Interval == 0 && rec.Status == resources.StatusDone {
		switch ocf.RC(rec.RC) {
		case ocf.Success, ocf.NotRunning, ocf.RunningPromoted:
			return false
		}
	}
	return true
}

// failAttrs raise the fail count of the record's op and set its
// last-failure time; a failed start counts INFINITY unless
// start-failure-is-fatal=false.
func (d *dc) failAttrs(c *cib.CIB, rec resources.Record) []store.AttrUpdate {
	ms := uint64(rec.Interval.Milliseconds())
	name := store.FailCountAttr(rec.Rsc, rec.Action, ms)
	fc := store.AttrUpdate{Name: name, Op: store.AttrAdd, Delta: 1}
	if rec.Action == "start" && boolProperty(c, "start-failure-is-fatal", true) {
		fc = store.AttrUpdate{Name: name, Op: store.AttrSet, Value: "INFINITY"}
	}
	last := "last-failure-" + rec.Rsc + "#" + rec.Action + "_" + strconv.FormatUint(ms, 10)
	return []store.AttrUpdate{fc, {Name: last, Op: store.AttrSet, Value: strconv.FormatInt(d.c.clk.Now().Unix(), 10)}}
}

// onReport handles a recurring op's change a node reported: commit it,
// acknowledge it, and re-plan when it is a failure.
func (d *dc) onReport(ctx context.Context, m *message) {
	if m.Record == nil {
		return
	}
	id, ok := d.c.nodeID(m.Node)
	if !ok {
		return
	}
	rec := *m.Record
	ok, dup := d.commitRecord(ctx, m.Node, id, m)
	if !ok {
		return // the node sends it again
	}
	_ = d.c.send(id, &message{Type: msgReportAck, ID: m.ID, Term: d.term})
	if !dup && countsAsFailure(rec) {
		fields := []zap.Field{logfield.Rsc(rec.Rsc), logfield.Op(rec.Action), zap.Duration("interval", rec.Interval),
			logfield.Node(m.Node), logfield.RC(rec.RC), logfield.RCText(ocf.RC(rec.RC).String())}
		if rec.ExitReason != "" {
			fields = append(fields, logfield.Reason(rec.ExitReason))
		}
		d.lg.Error("monitor failed", fields...)
		d.event("failed " + rec.OperationKey() + " on " + m.Node)
	}
}

// fence fences a node through the fencer, retrying until it succeeds or
// the transition is aborted, and commits the node fenced (offline, its
// history and transient attributes cleared, as Pacemaker's controller
// does) before the action completes.
func (d *dc) fence(ctx context.Context, t *transition, i int, a *scheduler.Action) completion {
	var online []string
	view := d.c.deps.Membership.View() // d.view is the run loop's
	for _, n := range d.c.cfg.Nodes {
		if st, ok := view.Node(n.ID); n.ID == d.c.cfg.Self || (ok && st.State.Alive()) {
			online = append(online, n.Name)
		}
	}
	if a.Node == d.c.cfg.SelfName {
		return d.handOverToBeFenced(ctx, t, a)
	}
	req := fencing.Request{Target: a.Node, Action: a.Task, Origin: d.c.cfg.SelfName, Reason: a.Reason, Online: online}
	if id, ok := d.c.nodeID(a.Node); ok {
		req.TargetID = idString(id)
	}
	var first time.Time // the first failed attempt
	for attempt := 1; ; attempt++ {
		start := d.c.clk.Now()
		if e, ok := d.fencedSinceLastHeard(a.Node); ok {
			d.lg.Info("fencing already done since the node was last heard; not fencing it again", logfield.Transition(t.id),
				logfield.Node(a.Node), logfield.Op(a.Task), zap.String("done_op", e.Action), zap.String("origin", e.Origin),
				zap.String("executor", e.Executor), zap.Strings("devices", e.Devices), zap.Time("completed", e.Completed),
				logfield.Reason(e.Reason))
			return d.commitFenced(ctx, t, a, e.Started, e.Origin, fencing.Result{Target: a.Node, Action: e.Action, Devices: e.Devices, Executor: e.Executor})
		}
		d.lg.Info("fencing requested", logfield.Transition(t.id), logfield.Node(a.Node), logfield.Op(a.Task),
			logfield.Reason(a.Reason), zap.Int("attempt", attempt))
		var res fencing.Result
		err := errors.New("no fencer on this node")
		if f := d.c.deps.Fencer; f != nil {
			res, err = f.Fence(ctx, req)
		}
		if err == nil {
			return d.commitFenced(ctx, t, a, start, d.c.cfg.SelfName, res)
		}
		if ctx.Err() != nil {
			return completion{reason: ctx.Err().Error()}
		}
		// The failed attempts of this action share one event of the
		// history (the last error, the number of attempts).
		if first.IsZero() {
			first = start
		}
		d.recordFence(ctx, a.Node, cib.FenceEvent{ID: fenceEventID(a.Node, first), Target: a.Node, Action: a.Task,
			State: "failed", Origin: d.c.cfg.SelfName, Executor: d.c.cfg.SelfName, Reason: a.Reason, Error: err.Error(),
			Started: fenceTime(first), Completed: fenceTime(d.c.clk.Now()),
			Extra: []cib.Attr{{Name: "attempts", Value: strconv.Itoa(attempt)}}})
		d.lg.Error("fencing failed", logfield.Transition(t.id), logfield.Node(a.Node), logfield.Op(a.Task),
			zap.Int("attempt", attempt), zap.Error(err), zap.Duration("retry_in", d.c.cfg.FenceRetry))
		timer := d.c.clk.NewTimer(d.c.cfg.FenceRetry)
		select {
		case <-ctx.Done():
			timer.Stop()
			return completion{reason: "fencing failed: " + err.Error()}
		case <-t.abortCh:
			// The cluster changed; the next transition decides whether
			// the node still needs fencing, and retries it if so.
			timer.Stop()
			return completion{reason: "fencing failed: " + err.Error()}
		case <-timer.C():
		}
	}
}

// commitFenced commits node a.Node fenced (offline, down, its history
// and transient attributes cleared, as Pacemaker's controller does after
// a fencing) and completes the fence action.
func (d *dc) commitFenced(ctx context.Context, t *transition, a *scheduler.Action, start time.Time, origin string, res fencing.Result) completion {
	action := res.Action
	if action == "" {
		action = a.Task
	}
	if start.IsZero() {
		start = d.c.clk.Now()
	}
	u := store.StatusUpdate{Node: a.Node, ClearLRM: true, ClearAttrs: true,
		State: &store.NodeMembership{InCCM: "false", Crmd: "offline", Join: "down", Expected: "down"},
		Fence: &cib.FenceEvent{ID: fenceEventID(a.Node, start), Target: a.Node, Action: action, State: "success",
			Origin: origin, Executor: res.Executor, Reason: a.Reason, Devices: strings.Join(res.Devices, " "),
			Started: fenceTime(start), Completed: fenceTime(d.c.clk.Now())}}
	if id, ok := d.c.nodeID(a.Node); ok {
		u.NodeID = idString(id)
	}
	d.nodeOps.Lock()
	if !d.commit(ctx, "node fenced", u) {
		d.nodeOps.Unlock()
		return completion{reason: "fencing result not committed"}
	}
	d.mu.Lock()
	delete(d.seqs, a.Node)
	d.fenced[a.Node] = true
	d.fenceGen[a.Node]++
	d.mu.Unlock()
	d.nodeOps.Unlock()
	d.lg.Info("fencing succeeded", logfield.Transition(t.id), logfield.Node(a.Node), logfield.Op(a.Task),
		zap.Strings("devices", res.Devices), zap.String("executor", res.Executor),
		logfield.Duration(d.c.clk.Since(start)))
	return completion{ok: true}
}

// fenceEventID names a fencing in the status section's history: its
// target and when it started.
func fenceEventID(node string, started time.Time) string {
	return "fence-" + node + "-" + strconv.FormatInt(started.UnixMilli(), 10)
}

// fenceTime is a time as the fencing history keeps it.
func fenceTime(t time.Time) string { return t.UTC().Format(cib.FenceTimeLayout) }

// recordFence commits a failed fencing to the status section's history,
// once (a commit that does not go through is logged, not retried: the
// fencing itself is retried, and records again).
func (d *dc) recordFence(ctx context.Context, node string, ev cib.FenceEvent) {
	u := store.StatusUpdate{Node: node, Fence: &ev}
	if id, ok := d.c.nodeID(node); ok {
		u.NodeID = idString(id)
	}
	cctx, cancel := context.WithTimeout(ctx, commitTimeout)
	defer cancel()
	if _, err := d.c.deps.Store.ProposeStatus(cctx, u); err != nil && ctx.Err() == nil {
		d.lg.Warn("fencing history not committed", logfield.Node(node), zap.String("event", ev.ID), zap.Error(err))
	}
}

// fencedSinceLastHeard finds, in Deps.FenceHistory, a successful off or
// reboot of node that completed after membership last heard the node (or
// that it never heard since this pacerd started), while membership does
// not see it alive: the node has been off since, so that fencing stands
// for the one the plan asks for. An "on" never counts.
func (d *dc) fencedSinceLastHeard(node string) (fencing.HistoryEntry, bool) {
	fh := d.c.deps.FenceHistory
	if fh == nil {
		return fencing.HistoryEntry{}, false
	}
	id, ok := d.c.nodeID(node)
	if !ok {
		return fencing.HistoryEntry{}, false
	}
	var heard time.Time
	if st, ok := d.c.deps.Membership.View().Node(id); ok {
		if st.State.Alive() {
			return fencing.HistoryEntry{}, false
		}
		heard = st.LastHeard
	}
	hist := fh.History()
	for i := len(hist) - 1; i >= 0; i-- {
		e := hist[i]
		if e.State == fencing.StateSuccess && strings.EqualFold(e.Target, node) && (e.Action == "off" || e.Action == "reboot") &&
			e.Completed.After(heard) {
			return e, true
		}
	}
	return fencing.HistoryEntry{}, false
}

// LeaderHandOver is a store that can hand the DC role over
// (store.Node.HandOver); optional, as the coordinator's Store.
type LeaderHandOver interface {
	HandOver(ctx context.Context) (uint64, error)
}

// handOverToBeFenced is the fencing of the DC's own node. A node never
// fences itself through a device, so the DC hands its role over: the new
// DC plans from the committed status (the failure that calls for the
// fencing is in it), and fences this node. The action never completes
// here: it ends when this node stops being DC (ctx), or when the
// transition is aborted; until then the hand-over is asked again every
// FenceRetry (a transfer raft could not complete, no other voter ready).
func (d *dc) handOverToBeFenced(ctx context.Context, t *transition, a *scheduler.Action) completion {
	ho, ok := d.c.deps.Store.(LeaderHandOver)
	for attempt := 1; ; attempt++ {
		var to uint64
		err := errors.New("the store cannot hand the DC role over")
		if ok {
			to, err = ho.HandOver(ctx)
			if err == nil && to == 0 {
				err = errors.New("no other voter is active to take the DC role")
			}
		}
		if err == nil {
			name := ""
			for _, n := range d.c.cfg.Nodes {
				if uint64(n.ID) == to {
					name = n.Name
				}
			}
			d.lg.Warn("this DC must be fenced; handing the DC role over", logfield.Transition(t.id), logfield.Node(a.Node),
				logfield.Op(a.Task), logfield.Reason(a.Reason), zap.Uint64("to_id", to), zap.String("to", name), zap.Int("attempt", attempt))
		} else {
			d.lg.Error("this DC must be fenced and cannot hand the DC role over", logfield.Transition(t.id), logfield.Node(a.Node),
				logfield.Op(a.Task), logfield.Reason(a.Reason), zap.Int("attempt", attempt), zap.Error(err),
				zap.Duration("retry_in", d.c.cfg.FenceRetry))
		}
		timer := d.c.clk.NewTimer(d.c.cfg.FenceRetry)
		select {
		case <-ctx.Done():
			timer.Stop()
			return completion{reason: "handed the DC role over to be fenced"}
		case <-t.abortCh:
			timer.Stop()
			return completion{reason: "transition aborted while handing the DC role over to be fenced"}
		case <-timer.C():
		}
	}
}

// clearFailcount removes a resource's fail counts and last-failure times
// on a node.
func (d *dc) clearFailcount(ctx context.Context, t *transition, i int, a *scheduler.Action) completion {
	rsc := a.RscName
	if rsc == "" {
		rsc = a.Rsc
	}
	c, _, err := d.c.deps.Store.Local()
	if err != nil {
		return completion{reason: err.Error()}
	}
	u := store.StatusUpdate{Node: a.Node}
	if id, ok := d.c.nodeID(a.Node); ok {
		u.NodeID = idString(id)
	}
	if ns := nodeState(c, a.Node); ns != nil {
		for _, s := range ns.Transient {
			for _, p := range s.Pairs {
				for _, prefix := range []string{"fail-count-", "last-failure-"} {
					if p.Name == prefix+rsc || strings.HasPrefix(p.Name, prefix+rsc+"#") {
						u.Attrs = append(u.Attrs, store.AttrUpdate{Name: p.Name, Op: store.AttrDelete})
					}
				}
			}
		}
	}
	if len(u.Attrs) > 0 && !d.commit(ctx, "clear fail count", u) {
		return completion{reason: "not committed"}
	}
	d.lg.Info("action result", logfield.Transition(t.id), logfield.Rsc(rsc), logfield.Op(a.Task), logfield.Node(a.Node),
		logfield.RC(0), logfield.RCText(ocf.RC(0).String()), logfield.Duration(0))
	return completion{ok: true}
}

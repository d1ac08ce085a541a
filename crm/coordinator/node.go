package coordinator

// The node side, on every node: runs the DC's requests through the local
// executor and answers with the result and the resource's whole history;
// reports every change of a recurring operation (a failed monitor, a
// cancelled one) to the DC unasked, again and again until the DC
// acknowledges it.

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"go.uber.org/zap"

	"pacer/crm/cib"
	"pacer/internal/cluster"
	"pacer/internal/logfield"
	"pacer/resources"
)

// Bounds of the node side's memory.
const (
	maxCachedRequests = 1024 // answered requests kept for retries
	maxPendingReports = 256  // unacknowledged reports kept for resending
)

type reqKey struct {
	from     cluster.NodeID
	term, id uint64
}

type nodeSide struct {
	c       *Coordinator
	lg      *zap.Logger
	garbled atomic.Uint64

	ctx    context.Context // ends when run returns
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	closed  bool // run returned: no new request goroutines
	dc      cluster.NodeID
	term    uint64              // the newest DC term seen
	reqs    map[reqKey]*message // nil value: still running
	order   []reqKey
	seq     uint64
	pending map[uint64]*message
}

func newNodeSide(c *Coordinator) *nodeSide {
	ctx, cancel := context.WithCancel(context.Background())
	return &nodeSide{
		c: c, lg: c.lg, ctx: ctx, cancel: cancel,
		reqs: map[reqKey]*message{}, pending: map[uint64]*message{},
		// Sequence numbers start at the boot time, so a restarted node's
		// snapshots sort after those of its previous run.
		seq: uint64(max(c.clk.Now().UnixNano(), 0)),
	}
}

func (n *nodeSide) run(ctx context.Context) {
	defer func() {
		n.mu.Lock()
		n.closed = true
		n.mu.Unlock()
		n.cancel()
		n.wg.Wait()
	}()
	if ex := n.c.deps.Executor; ex != nil {
		unsub := ex.Subscribe(n.onRecord)
		defer unsub()
	}
	t := n.c.clk.NewTicker(n.c.cfg.ResendInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
			n.resendReports()
		}
	}
}

// setDC notes who the DC is and its term; pending reports go to a new
// DC at once.
func (n *nodeSide) setDC(id cluster.NodeID, term uint64) {
	n.mu.Lock()
	changed := n.dc != id
	n.dc = id
	n.term = max(n.term, term)
	n.mu.Unlock()
	if changed {
		n.resendReports()
	}
}

func (n *nodeSide) resendReports() {
	n.mu.Lock()
	dc := n.dc
	ms := make([]*message, 0, len(n.pending))
	for _, m := range n.pending {
		ms = append(ms, m)
	}
	n.mu.Unlock()
	if dc == 0 {
		return
	}
	for _, m := range ms {
		if err := n.c.send(dc, m); err != nil {
			n.lg.Debug("report not sent", zap.Error(err))
		}
	}
}

func (n *nodeSide) handle(from cluster.NodeID, m *message) {
	switch m.Type {
	case msgReportAck:
		n.mu.Lock()
		delete(n.pending, m.ID)
		n.mu.Unlock()
	case msgExec, msgProbe:
		key := reqKey{from, m.Term, m.ID}
		n.mu.Lock()
		if n.closed {
			n.mu.Unlock()
			return
		}
		if m.Term < n.term {
			// A DC that was deposed (a partition, a pause) and has not
			// noticed yet: its transition is void.
			cur := n.term
			n.mu.Unlock()
			n.lg.Warn("request from a stale DC ignored", zap.Uint64("from", uint64(from)), logfield.Term(m.Term),
				zap.Uint64("current_term", cur), zap.Stringer("request", m.Type))
			return
		}
		reply, seen := n.reqs[key]
		if !seen {
			n.wg.Add(1)
			n.reqs[key] = nil
			n.order = append(n.order, key)
			if len(n.order) > maxCachedRequests {
				delete(n.reqs, n.order[0])
				n.order = n.order[1:]
			}
		}
		n.mu.Unlock()
		switch {
		case seen && reply != nil: // answered before: the answer was lost
			_ = n.c.send(from, reply)
		case seen: // still running: its answer will come
		default:
			go func() {
				defer n.wg.Done()
				n.serve(from, key, m)
			}()
		}
	}
}

// serve runs one request and answers it.
func (n *nodeSide) serve(from cluster.NodeID, key reqKey, m *message) {
	ex := n.c.deps.Executor
	reply := &message{ID: m.ID, Term: m.Term, Node: n.c.cfg.SelfName}
	switch m.Type {
	case msgProbe:
		reply.Type = msgProbeResult
		if ex == nil {
			break // hosts nothing: an empty history
		}
		if _, err := ex.Probe(n.ctx, m.Specs); err != nil {
			n.lg.Warn("probe incomplete", zap.Error(err))
		}
		n.mu.Lock()
		n.seq++
		reply.Seq = n.seq
		reply.History = ex.LRM()
		n.mu.Unlock()
	case msgExec:
		reply.Type = msgExecResult
		if ex == nil {
			reply.Err = "this node hosts no resources"
			break
		}
		op := *m.Op
		// get_lrm_resource: the graph's id if this node knows the
		// resource by it or by neither name, else its long id.
		if alt := op.Resource.LongID; alt != "" && alt != op.Resource.ID {
			if _, known := ex.History(op.Resource.ID); !known {
				if _, knownAlt := ex.History(alt); knownAlt {
					op.Resource.ID = alt
				}
			}
		}
		rec, err := n.exec(ex, op)
		if err != nil {
			reply.Err = err.Error()
			break
		}
		reply.Record = &rec
		reply.Seq, reply.History = n.snapshot(ex, op.Resource.ID)
		if op.Action == "delete" {
			// The resource's history leaves the CIB.
			reply.History = []cib.LRMResource{{ID: op.Resource.ID}}
		}
	}
	n.mu.Lock()
	if _, ok := n.reqs[key]; ok {
		n.reqs[key] = reply
	}
	n.mu.Unlock()
	if err := n.c.send(from, reply); err != nil {
		n.lg.Debug("result not sent; the DC will ask again", zap.Error(err))
	}
}

// exec runs op; cancel and delete are the controller's own operations.
func (n *nodeSide) exec(ex Executor, op resources.Op) (resources.Record, error) {
	rec := resources.Record{Rsc: op.Resource.ID, Class: op.Resource.Class, Provider: op.Resource.Provider,
		Type: op.Resource.Type, Action: op.Action, Interval: op.Interval, TransitionKey: op.TransitionKey,
		LastRun: n.c.clk.Now()}
	switch op.Action {
	case "cancel":
		name := op.Resource.Meta[metaCancelOp]
		err := ex.Cancel(op.Resource.ID, name, op.Interval)
		if err != nil && !errors.Is(err, resources.ErrNoSuchOp) {
			return rec, err
		}
		return rec, nil
	case "delete":
		// The history goes from the CIB; the executor keeps no state
		// that would start the resource again.
		return rec, nil
	}
	return ex.Execute(n.ctx, op)
}

// metaCancelOp names, in a cancel request's resource meta, the recurring
// operation to cancel.
const metaCancelOp = "pacer-cancel-op"

// snapshot takes a sequence number and the resource's history together,
// so snapshots are numbered in the order they were taken.
func (n *nodeSide) snapshot(ex Executor, rsc string) (uint64, []cib.LRMResource) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.seq++
	h, ok := ex.History(rsc)
	if !ok {
		h = cib.LRMResource{ID: rsc}
	}
	return n.seq, []cib.LRMResource{h}
}

// onRecord reports a recurring operation's change to the DC.
func (n *nodeSide) onRecord(rec resources.Record) {
	if rec.Interval == 0 {
		return // one-shot ops answer their request
	}
	ex := n.c.deps.Executor
	seq, hist := n.snapshot(ex, rec.Rsc)
	m := &message{Type: msgReport, ID: seq, Node: n.c.cfg.SelfName, Record: &rec, History: hist, Seq: seq}
	n.mu.Lock()
	n.pending[seq] = m
	for len(n.pending) > maxPendingReports {
		oldest := seq
		for id := range n.pending {
			oldest = min(oldest, id)
		}
		delete(n.pending, oldest)
		n.lg.Warn("report dropped: the DC did not acknowledge it", logfield.Rsc(rec.Rsc))
	}
	dc := n.dc
	n.mu.Unlock()
	if dc != 0 {
		if err := n.c.send(dc, m); err != nil {
			n.lg.Debug("report not sent; resent later", zap.Error(err))
		}
	}
}

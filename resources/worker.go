package resources

import (
	"context"
	"sort"
	"time"

	"pacer/agents/lsb"
	"pacer/internal/clock"
	"pacer/internal/logfield"
)

// rscState is one resource's queue, recurring ops and history. All of
// it is guarded by Executor.mu.
type rscState struct {
	queue []*job
	// busy: a worker goroutine owns the queue. It exits when the queue
	// is empty, so an idle resource costs no goroutine.
	busy      bool
	recurring map[string]*recurring // by op key
	hist      history
}

// job is one run of an op waiting in, or taken from, a resource's queue.
type job struct {
	op     Op
	callID int
	queued time.Time
	rec    *recurring   // the recurring op this is a run of, if any
	done   chan outcome // capacity 1, sent to once; nil when nobody waits
}

type outcome struct {
	rec Record
	err error
}

func (j *job) wait(ctx context.Context) (Record, error) {
	select {
	case o := <-j.done:
		return o.rec, o.err
	case <-ctx.Done():
		return Record{}, ctx.Err()
	}
}

// recurring is a recurring op between its request and its cancel.
type recurring struct {
	op        Op
	callID    int // every run of the op carries the call id of its request
	timer     clock.Timer
	cancelled bool
	// reported, lastRC and lastStatus are the previous run's result, to
	// report only changes; lastChange is when the result last changed.
	reported   bool
	lastRC     int
	lastStatus OpStatus
	lastChange time.Time
}

func (rop *recurring) stop() {
	rop.cancelled = true
	if rop.timer != nil {
		rop.timer.Stop()
	}
}

// submit queues op as a new call. A stop cancels the resource's
// recurring ops first; a recurring op replaces one with the same key.
func (e *Executor) submit(op Op) (*job, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, ErrClosed
	}
	r := e.rscs[op.Resource.ID]
	if r == nil {
		r = &rscState{recurring: map[string]*recurring{}}
		e.rscs[op.Resource.ID] = r
	}
	// The caller keeps its maps; recurring runs read these for as long
	// as the op lives.
	op.Resource.Params, op.Resource.Meta = copyMap(op.Resource.Params), copyMap(op.Resource.Meta)
	e.lastCall++
	j := &job{op: op, callID: e.lastCall, queued: e.clk.Now(), done: make(chan outcome, 1)}
	if op.Action == "stop" {
		keys := make([]string, 0, len(r.recurring))
		for k := range r.recurring {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			rop := r.recurring[k]
			e.cancelLocked(r, rop, true)
			e.lg.Info("recurring operation cancelled", rscField(op.Resource.ID), opField(rop.op.Action),
				intervalField(rop.op.Interval), logfield.Reason("stop requested"))
		}
	}
	if op.Interval > 0 {
		if old := r.recurring[op.key()]; old != nil {
			// The new request takes over the history entry; nothing
			// to report for the old one.
			e.cancelLocked(r, old, false)
		}
		rop := &recurring{op: op, callID: j.callID}
		r.recurring[op.key()] = rop
		j.rec = rop
	}
	r.queue = append(r.queue, j)
	e.kickLocked(r)
	return j, nil
}

// cancelLocked ends a recurring op: no further run, a queued run
// dropped (its waiter told), a running one discarded when it ends. With
// report, the cancel is recorded (the history entry goes) and reported.
func (e *Executor) cancelLocked(r *rscState, rop *recurring, report bool) {
	rop.stop()
	key := rop.op.key()
	if r.recurring[key] == rop {
		delete(r.recurring, key)
	}
	rec := Record{
		Rsc: rop.op.Resource.ID, Class: rop.op.Resource.Class, Provider: rop.op.Resource.Provider,
		Type: rop.op.Resource.Type, Action: rop.op.Action, Interval: rop.op.Interval,
		CallID: rop.callID, RC: rop.lastRC, Status: StatusCancelled, TargetRC: rop.op.TargetRC,
		TransitionKey: rop.op.TransitionKey, LastRun: e.clk.Now(),
	}
	if rec.TransitionKey == "" {
		rec.TransitionKey = fakeTransitionKey(rop.callID, rop.op.TargetRC)
	}
	kept := r.queue[:0]
	for _, j := range r.queue {
		if j.rec != rop {
			kept = append(kept, j)
			continue
		}
		if j.done != nil {
			j.done <- outcome{rec: rec}
		}
	}
	for i := len(kept); i < len(r.queue); i++ {
		r.queue[i] = nil
	}
	r.queue = kept
	if report {
		r.hist.apply(rec)
		e.emitLocked(rec)
	}
}

// kickLocked starts the resource's worker unless it is running.
func (e *Executor) kickLocked(r *rscState) {
	if r.busy || e.closed {
		return
	}
	r.busy = true
	e.wg.Add(1)
	go e.work(r)
}

// work runs the resource's queue, one op at a time, until it is empty.
func (e *Executor) work(r *rscState) {
	defer e.wg.Done()
	for {
		e.mu.Lock()
		if e.closed || len(r.queue) == 0 {
			r.busy = false
			e.mu.Unlock()
			return
		}
		j := r.queue[0]
		r.queue[0] = nil
		r.queue = r.queue[1:]
		e.mu.Unlock()
		e.finish(r, j, e.run(j))
	}
}

// fire queues the next run of a recurring op; the clock calls it.
func (e *Executor) fire(r *rscState, rop *recurring) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed || rop.cancelled {
		return
	}
	r.queue = append(r.queue, &job{op: rop.op, callID: rop.callID, queued: e.clk.Now(), rec: rop})
	e.kickLocked(r)
}

// run executes one job without holding the lock and builds its record.
func (e *Executor) run(j *job) Record {
	op := j.op
	info := e.agentInfoFor(op)
	start := e.clk.Now()
	res, err := e.runner.Run(e.ctx, op.request())
	if op.Resource.Class == "lsb" && err == nil {
		res.RC = lsb.ToOCF(op.Action, res.RC)
	}
	exec := e.clk.Since(start)
	rc, status, reason := classify(res, err, op.Timeout)
	d := computeDigests(op.Resource.Params, op.Interval.Milliseconds(), op.Timeout.Milliseconds(), info)
	key := op.TransitionKey
	if key == "" {
		key = fakeTransitionKey(j.callID, op.TargetRC)
	}
	return Record{
		Rsc: op.Resource.ID, Class: op.Resource.Class, Provider: op.Resource.Provider, Type: op.Resource.Type,
		Action: op.Action, Interval: op.Interval, CallID: j.callID,
		RC: rc, Status: status, TargetRC: op.TargetRC, ExitReason: reason,
		LastRun: start, LastRCChange: start, ExecTime: exec, QueueTime: start.Sub(j.queued),
		TransitionKey: key,
		OpDigest:      d.op, RestartDigest: d.restart, ForceRestart: d.forceRestart,
		SecureDigest: d.secure, SecureParams: d.secureParams,
		MigrateSource: op.Resource.Meta["migrate_source"], MigrateTarget: op.Resource.Meta["migrate_target"],
	}
}

// finish records a job's result, decides whether to report it, re-arms
// a recurring op and answers the waiter.
func (e *Executor) finish(r *rscState, j *job, rec Record) {
	e.mu.Lock()
	report, discarded := true, false
	if rop := j.rec; rop != nil {
		if rop.cancelled {
			discarded, report = true, false
			rec.Status = StatusCancelled
		} else {
			changed := !rop.reported || rec.RC != rop.lastRC || rec.Status != rop.lastStatus
			if changed {
				rop.lastChange = rec.LastRun
			}
			rop.reported, rop.lastRC, rop.lastStatus = true, rec.RC, rec.Status
			rec.LastRCChange = rop.lastChange
			report = changed
			if !e.closed {
				rop.timer = e.clk.AfterFunc(rop.op.Interval, func() { e.fire(r, rop) })
			}
		}
	}
	out := outcome{rec: rec}
	if e.closed {
		// Killed by Close, or finished just as it came: either way
		// nobody is left to act on it.
		report, out.err = false, ErrClosed
	}
	if report {
		r.hist.apply(rec)
		e.emitLocked(rec)
	}
	e.mu.Unlock()
	// Log before answering, so the line is written by the time the
	// caller has the result. A running job is in no queue, so nothing
	// else sends on its channel.
	e.logResult(rec, report, discarded)
	if j.done != nil {
		j.done <- out
	}
}

// emitLocked queues rec for the subscribers and starts the dispatcher
// unless it is running; it exits when the queue is empty.
func (e *Executor) emitLocked(rec Record) {
	if len(e.subs) == 0 {
		return
	}
	e.events = append(e.events, rec)
	if !e.dispatching {
		e.dispatching = true
		e.wg.Add(1)
		go e.dispatch()
	}
}

// dispatch delivers queued results to the subscribers, in order, without
// holding the lock, so a slow subscriber never stalls a resource's queue.
func (e *Executor) dispatch() {
	defer e.wg.Done()
	for {
		e.mu.Lock()
		if len(e.events) == 0 {
			e.dispatching = false
			e.mu.Unlock()
			return
		}
		rec := e.events[0]
		e.events[0] = Record{}
		e.events = e.events[1:]
		ids := make([]int, 0, len(e.subs))
		for id := range e.subs {
			ids = append(ids, id)
		}
		sort.Ints(ids)
		fns := make([]func(Record), len(ids))
		for i, id := range ids {
			fns[i] = e.subs[id]
		}
		e.mu.Unlock()
		for _, fn := range fns {
			fn(rec)
		}
	}
}

package resources

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"go.uber.org/zap"

	"pacer/agents"
	"pacer/crm/cib"
	"pacer/internal/clock"
)

// ResourceSpec names a resource and its agent, with the parameters its
// operations run with.
type ResourceSpec struct {
	// ID is the id the history is kept under and the agent is run as:
	// for an anonymous clone instance the primitive's id, as Pacemaker's
	// transition graph names it; "rsc:N" for a globally-unique clone's.
	ID string
	// LongID is the other name the DC gives the resource (Pacemaker's
	// ID_LONG: the history name or instance id of an anonymous clone
	// instance). The node runs the op under it only when it knows the
	// resource by LongID and not by ID, so a history kept under an older
	// name is carried on.
	LongID   string
	Class    string // "ocf", "lsb", "systemd", "stonith"
	Provider string
	Type     string
	Params   map[string]string // instance attributes, op-level ones merged
	Meta     map[string]string // meta attributes, by their CIB names
}

// Op is one operation the executor is asked to run.
type Op struct {
	Resource ResourceSpec
	Action   string
	Interval time.Duration // > 0: a recurring op, run until cancelled
	// Timeout bounds each run; the runner kills the agent's process
	// group when it expires. 0 means none.
	Timeout    time.Duration
	CheckLevel int
	// TargetRC is the rc the caller expects (the transition key's); any
	// other result is recorded as a failure (RSC_last_failure_0).
	TargetRC int
	// TransitionKey is passed through to the history; empty for an op no
	// transition asked for.
	TransitionKey string
}

func (o Op) key() string { return opKey(o.Resource.ID, o.Action, o.Interval) }

func (o Op) validate() error {
	switch {
	case o.Resource.ID == "":
		return errors.New("empty resource id")
	case o.Action == "":
		return errors.New("empty action")
	case o.Interval < 0:
		return fmt.Errorf("negative interval %v", o.Interval)
	case o.Timeout < 0:
		return fmt.Errorf("negative timeout %v", o.Timeout)
	}
	return nil
}

func (o Op) request() agents.Request {
	return agents.Request{
		Class: o.Resource.Class, Provider: o.Resource.Provider, Type: o.Resource.Type,
		Action: o.Action, Instance: o.Resource.ID,
		Params: o.Resource.Params, Meta: o.Resource.Meta,
		Interval: o.Interval, Timeout: o.Timeout, CheckLevel: o.CheckLevel,
	}
}

// Config tunes an Executor.
type Config struct {
	// NodeName is written as on_node in history entries.
	NodeName string
	// ProbeTimeout bounds each probe Probe runs (Pacemaker's default op
	// timeout).
	ProbeTimeout time.Duration
	// MetadataTimeout bounds an agent's meta-data action.
	MetadataTimeout time.Duration
}

// DefaultConfig is what pacerd uses.
func DefaultConfig() Config {
	return Config{ProbeTimeout: 20 * time.Second, MetadataTimeout: 30 * time.Second}
}

// Validate reports a config the executor cannot work with.
func (c Config) Validate() error {
	if c.ProbeTimeout <= 0 {
		return fmt.Errorf("executor config: probe timeout %v must be positive", c.ProbeTimeout)
	}
	if c.MetadataTimeout <= 0 {
		return fmt.Errorf("executor config: meta-data timeout %v must be positive", c.MetadataTimeout)
	}
	return nil
}

// Errors the executor returns; errors.Is finds them under the wrapping.
var (
	ErrClosed   = errors.New("executor closed")
	ErrNoSuchOp = errors.New("no such recurring operation")
)

// Executor runs agent operations for the local node: one at a time per
// resource in arrival order, different resources concurrently; recurring
// ops on the injected clock, reporting only changes; and keeps each
// resource's operation history.
//
// Every recorded result is reported to subscribers (Subscribe) in the
// order it was recorded; a recurring op's runs only when its rc or
// op-status differs from its previous run (the first run always), as
// execd does for the controller. A cancelled recurring op is reported
// once with StatusCancelled: its history entry is gone.
type Executor struct {
	cfg    Config
	runner agents.Runner
	clk    clock.Clock
	lg     *zap.Logger

	// ctx ends at Close, which makes the runner kill running agents.
	ctx    context.Context
	cancel context.CancelFunc

	mu          sync.Mutex
	closed      bool
	lastCall    int
	rscs        map[string]*rscState
	meta        map[string]*agentInfo // by class:provider:type
	subs        map[int]func(Record)
	nextSub     int
	events      []Record
	dispatching bool
	wg          sync.WaitGroup // workers and the dispatcher
}

// New returns an executor running agents through runner, timing with
// clk. lg may be nil; pass lg.Named("executor"). New starts no
// goroutines: each resource's worker runs only while it has work.
func New(cfg Config, runner agents.Runner, clk clock.Clock, lg *zap.Logger) (*Executor, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("new executor: %w", err)
	}
	if runner == nil {
		return nil, errors.New("new executor: nil runner")
	}
	if clk == nil {
		return nil, errors.New("new executor: nil clock")
	}
	if lg == nil {
		lg = zap.NewNop()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Executor{
		cfg: cfg, runner: runner, clk: clk, lg: lg, ctx: ctx, cancel: cancel,
		rscs: map[string]*rscState{}, meta: map[string]*agentInfo{}, subs: map[int]func(Record){},
	}, nil
}

// Subscribe registers fn for every reported result and returns the
// function that unregisters it. fn is called from one goroutine, in
// order; it must not block for long nor call Close.
func (e *Executor) Subscribe(fn func(Record)) (unsubscribe func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	id := e.nextSub
	e.nextSub++
	e.subs[id] = fn
	return func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		delete(e.subs, id)
	}
}

// Execute queues op behind the resource's earlier ops and waits for its
// result; for a recurring op, the result of its first run, after which
// it keeps running every Interval until cancelled. A stop first cancels
// the resource's recurring ops. ctx bounds only the wait: the op still
// runs and its result is still recorded and reported.
func (e *Executor) Execute(ctx context.Context, op Op) (Record, error) {
	if err := op.validate(); err != nil {
		return Record{}, fmt.Errorf("execute %s: %w", op.key(), err)
	}
	j, err := e.submit(op)
	if err != nil {
		return Record{}, fmt.Errorf("execute %s: %w", op.key(), err)
	}
	return j.wait(ctx)
}

// Probe runs a probe (monitor, interval 0, expecting "not running") of
// every resource, concurrently across resources, so a restarted daemon
// learns what really runs; the results enter the history. It returns
// the records in the order of specs (a zero Record where a probe could
// not be queued or waited for), and the errors joined.
func (e *Executor) Probe(ctx context.Context, specs []ResourceSpec) ([]Record, error) {
	jobs := make([]*job, len(specs))
	var errs []error
	for i, s := range specs {
		op := Op{Resource: s, Action: "monitor", Timeout: e.cfg.ProbeTimeout, TargetRC: rcNotRunning}
		if err := op.validate(); err != nil {
			errs = append(errs, fmt.Errorf("probe %q: %w", s.ID, err))
			continue
		}
		j, err := e.submit(op)
		if err != nil {
			errs = append(errs, fmt.Errorf("probe %s: %w", s.ID, err))
			continue
		}
		jobs[i] = j
	}
	recs := make([]Record, len(specs))
	for i, j := range jobs {
		if j == nil {
			continue
		}
		r, err := j.wait(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("probe %s: %w", specs[i].ID, err))
		}
		recs[i] = r
	}
	return recs, errors.Join(errs...)
}

// rcNotRunning is OCF_NOT_RUNNING, what a probe expects.
const rcNotRunning = 7

// Cancel stops a recurring op: it is not run again, a queued run is
// dropped, a running one's result is discarded, and its history entry is
// removed (reported as StatusCancelled).
func (e *Executor) Cancel(rsc, action string, interval time.Duration) error {
	key := opKey(rsc, action, interval)
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return fmt.Errorf("cancel %s: %w", key, ErrClosed)
	}
	r := e.rscs[rsc]
	var rop *recurring
	if r != nil {
		rop = r.recurring[key]
	}
	if rop == nil {
		e.mu.Unlock()
		return fmt.Errorf("cancel %s: %w", key, ErrNoSuchOp)
	}
	e.cancelLocked(r, rop, true)
	e.mu.Unlock()
	e.lg.Info("recurring operation cancelled", rscField(rsc), opField(action), intervalField(interval))
	return nil
}

// History returns the resource's operation history as the status section
// holds it, and whether the executor knows the resource.
func (e *Executor) History(rsc string) (cib.LRMResource, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.rscs[rsc]
	if r == nil || !r.hist.known() {
		return cib.LRMResource{}, false
	}
	return r.hist.lrm(rsc, e.cfg.NodeName), true
}

// LRM returns the history of every resource with any, sorted by id: the
// lrm_resources a node reports when it joins.
func (e *Executor) LRM() []cib.LRMResource {
	e.mu.Lock()
	defer e.mu.Unlock()
	ids := make([]string, 0, len(e.rscs))
	for id, r := range e.rscs {
		if r.hist.known() {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	out := make([]cib.LRMResource, len(ids))
	for i, id := range ids {
		out[i] = e.rscs[id].hist.lrm(id, e.cfg.NodeName)
	}
	return out
}

// Close stops everything: recurring ops, queued ops (their callers get
// ErrClosed) and running agents (the runner kills them; their results are
// not reported). It waits for every goroutine the executor started, the
// delivery of results recorded before it included.
func (e *Executor) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		e.wg.Wait()
		return nil
	}
	e.closed = true
	e.cancel()
	var waiters []*job
	for _, r := range e.rscs {
		for _, rop := range r.recurring {
			rop.stop()
		}
		for _, j := range r.queue {
			if j.done != nil {
				waiters = append(waiters, j)
			}
		}
		r.queue = nil
	}
	e.mu.Unlock()
	for _, j := range waiters {
		j.done <- outcome{err: ErrClosed}
	}
	e.wg.Wait()
	return nil
}

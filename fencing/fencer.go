package fencing

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"go.uber.org/zap"

	"pacer/agents"
	"pacer/crm/cib"
	"pacer/internal/clock"
)

// Config tunes a Fencer.
type Config struct {
	// Node is this node's name: the executor that runs the devices. A
	// request whose target is Node is refused.
	Node string
	// Rand draws the random part of pcmk_delay_max. nil seeds one from
	// the clock; tests pass a seeded source.
	Rand *rand.Rand
	// HistoryLimit bounds the history kept (oldest dropped first); 0
	// means DefaultHistoryLimit.
	HistoryLimit int
}

// DefaultHistoryLimit is how many operations the history keeps, as
// Pacemaker's fencer keeps at most 500 (MAX_STONITH_HISTORY).
const DefaultHistoryLimit = 500

// Fencer fences nodes with the devices of the current CIB.
type Fencer struct {
	cfg    Config
	runner agents.Runner
	clk    clock.Clock
	lg     *zap.Logger

	mu      sync.Mutex
	cib     *cib.CIB
	rnd     *rand.Rand
	rndMu   sync.Mutex
	history []HistoryEntry
	nextID  uint64

	mdMu  sync.Mutex
	md    map[string]agentInfo     // meta-data per agent
	lists map[string]listCache     // dynamic-list answers per device
	slots map[string]chan struct{} // pcmk_action_limit per device
}

// New returns a Fencer that runs devices on cfg.Node through runner.
func New(cfg Config, runner agents.Runner, clk clock.Clock, lg *zap.Logger) (*Fencer, error) {
	if cfg.Node == "" {
		return nil, fmt.Errorf("new fencer: %w: empty node name", ErrBadRequest)
	}
	if runner == nil {
		return nil, fmt.Errorf("new fencer: nil runner")
	}
	if clk == nil {
		return nil, fmt.Errorf("new fencer: nil clock")
	}
	if lg == nil {
		lg = zap.NewNop()
	}
	if cfg.HistoryLimit <= 0 {
		cfg.HistoryLimit = DefaultHistoryLimit
	}
	rnd := cfg.Rand
	if rnd == nil {
		seed := uint64(clk.Now().UnixNano())
		rnd = rand.New(rand.NewPCG(seed, seed>>1|1))
	}
	return &Fencer{cfg: cfg, runner: runner, clk: clk, lg: lg.Named("fencing"), rnd: rnd, nextID: 1,
		md: map[string]agentInfo{}, lists: map[string]listCache{}, slots: map[string]chan struct{}{}}, nil
}

// SetCIB gives the fencer the current CIB: its devices (stonith-class
// primitives), fencing topology, properties and status. Call it on every
// change; a fencing operation already running keeps the CIB it started
// with.
func (f *Fencer) SetCIB(c *cib.CIB) {
	f.mu.Lock()
	f.cib = c
	f.mu.Unlock()
}

func (f *Fencer) currentCIB() *cib.CIB {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cib
}

// History returns the fencing history, oldest first: completed
// operations and those still pending.
func (f *Fencer) History() []HistoryEntry {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]HistoryEntry, len(f.history))
	for i, h := range f.history {
		h.Devices = append([]string(nil), h.Devices...)
		out[i] = h
	}
	return out
}

// startHistory records a pending operation and returns its id.
func (f *Fencer) startHistory(req Request, started time.Time) uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := f.nextID
	f.nextID++
	f.history = append(f.history, HistoryEntry{
		ID: id, Target: req.Target, Action: req.Action, Origin: req.Origin,
		Executor: f.cfg.Node, Reason: req.Reason, State: StatePending, Started: started,
	})
	if over := len(f.history) - f.cfg.HistoryLimit; over > 0 {
		f.history = append([]HistoryEntry(nil), f.history[over:]...)
	}
	return id
}

// finishHistory completes the entry id.
func (f *Fencer) finishHistory(id uint64, devices []string, level int, err error, done time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.history {
		h := &f.history[i]
		if h.ID != id {
			continue
		}
		h.Devices = append([]string(nil), devices...)
		h.Level = level
		h.Completed = done
		h.State = StateSuccess
		if err != nil {
			h.State = StateFailed
			h.Error = err.Error()
		}
		return
	}
}

// Fence runs req and blocks until it succeeded or failed. It never
// assumes success: an error means the target may still be running, and
// the caller retries (see Retry). A request aimed at the executor itself
// is refused with ErrSelfFence.
func (f *Fencer) Fence(ctx context.Context, req Request) (Result, error) {
	return f.fence(ctx, req)
}

package membership

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"pacer/internal/clock"
	"pacer/internal/cluster"
	"pacer/internal/logfield"
)

// ErrAlreadyRunning is returned by a second call of Service.Run.
var ErrAlreadyRunning = errors.New("membership service already running")

// ignoredLogEvery is how often, at most, ignored observations are
// summarized in the log.
const ignoredLogEvery = 10 * time.Second

// Service drives a Tracker: one goroutine (Run) applies the queued
// observations and evaluates timeouts every Tick of its clock, logs every
// transition and publishes the new View. Observe, View, Paths, Subscribe and
// Stats are safe for concurrent use.
type Service struct {
	cfg Config
	clk clock.Clock
	lg  *zap.Logger
	tr  *Tracker // owned by the Run goroutine once it runs

	// trMu guards tr and the fields below it: Observe applies a frame at
	// once from the receiving goroutine, the timer loop judges timeouts.
	// Applying in place, instead of queueing to the Run goroutine, saves a
	// goroutine wake-up per received frame: most of an idle node's work.
	trMu sync.Mutex
	tm   clock.Timer // Run's timer; nil until Run starts

	view    atomic.Pointer[View]
	stale   atomic.Uint64
	unknown atomic.Uint64
	running atomic.Bool

	mu      sync.Mutex
	subs    map[uint64]*subscriber
	nextSub uint64

	// Under trMu.
	due        time.Time // when Run's timer is set to wake
	dirty      bool      // observations applied since the view was taken
	ignoredLog time.Time
	logged     Stats

	afterTick func() // test hook, called at the end of each tick
}

type subscriber struct {
	ch   chan View
	sent uint64 // version last delivered
}

// New returns a Service for cfg on clk, logging to lg (the caller passes
// lg.Named("membership")). It starts no goroutines; call Run.
func New(cfg Config, clk clock.Clock, lg *zap.Logger) (*Service, error) {
	if lg == nil {
		lg = zap.NewNop()
	}
	tr, err := NewTracker(cfg, clk.Now())
	if err != nil {
		return nil, err
	}
	s := &Service{
		cfg:  tr.cfg,
		clk:  clk,
		lg:   lg,
		tr:   tr,
		subs: make(map[uint64]*subscriber),
	}
	v := tr.View()
	s.view.Store(&v)
	return s, nil
}

// Observe applies a verified frame at once (a frame is evidence of life and
// counts before any later judgement). It holds the service's lock for a
// moment: a frame from an up node on an up link changes nothing and does not
// allocate. A zero At is taken as now.
func (s *Service) Observe(o Observation) {
	if o.At.IsZero() {
		o.At = s.clk.Now()
	}
	s.trMu.Lock()
	defer s.trMu.Unlock()
	before := s.tr.Version()
	s.observe(o)
	// A state change (a first contact) can bring a deadline forward.
	if s.tm != nil && s.tr.Version() != before {
		if now := s.clk.Now(); s.nextDue(now).Before(s.due) {
			s.due = s.nextDue(now)
			s.tm.Reset(s.due.Sub(now))
		}
	}
}

// maxSleep bounds Run's sleep when no deadline is near, so the summaries
// of ignored observations still get written.
const maxSleep = ignoredLogEvery

// Run applies observations as they come and evaluates timeouts when the next
// one is due, until ctx is done, then returns nil. It may be called once.
//
// It sleeps until the tracker's next deadline rather than ticking: an idle
// cluster with healthy peers wakes about once per warntime instead of every
// Tick, which is most of pacerd's idle CPU. Waking later than planned is how
// a stall of this node is detected (see Tracker.AdvanceDue).
func (s *Service) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return ErrAlreadyRunning
	}
	s.lg.Info("membership started",
		logfield.Node(string(s.cfg.SelfName)), logfield.NodeID(uint64(s.cfg.Self)),
		logfield.Count(uint64(len(s.tr.nodes))),
		zap.Duration("keepalive", s.cfg.Keepalive), zap.Duration("warntime", s.cfg.Warntime),
		zap.Duration("deadtime", s.cfg.Deadtime), zap.Duration("initdead", s.cfg.Initdead))
	s.trMu.Lock()
	now := s.clk.Now()
	s.ignoredLog = now
	s.handle(s.tr.Advance(now))
	s.due = s.nextDue(now)
	tm := s.clk.NewTimer(s.due.Sub(now))
	s.tm = tm
	s.trMu.Unlock()
	defer tm.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tm.C():
			s.trMu.Lock()
			s.step(func(now time.Time) []Transition { return s.tr.AdvanceDue(now, s.due) })
			now := s.clk.Now()
			s.due = s.nextDue(now)
			tm.Reset(s.due.Sub(now))
			s.trMu.Unlock()
			if s.afterTick != nil {
				s.afterTick()
			}
		}
	}
}

// nextDue is when Run must wake next: the tracker's next deadline, never
// before now and never more than maxSleep away.
func (s *Service) nextDue(now time.Time) time.Time {
	due := now.Add(maxSleep)
	if d, ok := s.tr.NextDeadline(); ok && d.Before(due) {
		due = d
	}
	if due.Before(now) {
		due = now
	}
	return due
}

// View returns the latest published view.
func (s *Service) View() View { return *s.view.Load() }

// Paths returns the links to peer worth sending on, best first: the
// latest view's order (see View.Paths), with the links heard on within two
// keepalives moved ahead of those silent longer. A cut cable shows as
// silence long before warntime marks its link: cluster messages (raft's
// among them) move at once to a link that still carries frames instead of
// being lost until then. It is the heartbeat mux's path selector.
func (s *Service) Paths(peer cluster.NodeID) []cluster.LinkName {
	paths := s.view.Load().Paths(peer)
	if len(paths) < 2 {
		return paths
	}
	now := s.clk.Now()
	s.trMu.Lock()
	silent := s.tr.silentLinks(peer, now, 2*s.cfg.Keepalive)
	s.trMu.Unlock()
	if silent == 0 {
		return paths
	}
	out := make([]cluster.LinkName, 0, len(paths))
	var later []cluster.LinkName
	for _, name := range paths {
		if silent&s.tr.linkBit(peer, name) != 0 {
			later = append(later, name)
		} else {
			out = append(out, name)
		}
	}
	return append(out, later...)
}

// Hears lists the nodes this node hears on link now (heartbeat.Sender's
// SetHears).
func (s *Service) Hears(link cluster.LinkName) []cluster.NodeID { return s.view.Load().Hears(link) }

// Stats returns the counts of ignored observations.
func (s *Service) Stats() Stats {
	return Stats{Stale: s.stale.Load(), Unknown: s.unknown.Load()}
}

// Subscribe returns a channel that holds the latest view: the current one at
// once, then each new version. Views are coalesced: a slow subscriber finds
// only the newest when it reads, and never holds up the service. cancel
// closes the channel; it may be called more than once.
func (s *Service) Subscribe() (<-chan View, func()) {
	sub := &subscriber{ch: make(chan View, 1)}
	s.mu.Lock()
	id := s.nextSub
	s.nextSub++
	s.subs[id] = sub
	v := *s.view.Load()
	sub.ch <- v
	sub.sent = v.Version
	s.mu.Unlock()
	var once sync.Once
	return sub.ch, func() {
		once.Do(func() {
			s.mu.Lock()
			delete(s.subs, id)
			close(sub.ch)
			s.mu.Unlock()
		})
	}
}

// tick is one turn of a ticking driver (every Tick), for tests that step
// the service by hand.
func (s *Service) tick() {
	s.trMu.Lock()
	s.step(s.tr.Advance)
	s.trMu.Unlock()
	if s.afterTick != nil {
		s.afterTick()
	}
}

// step is one wake-up, under trMu: evaluate timeouts with advance, refresh
// the view.
func (s *Service) step(advance func(now time.Time) []Transition) {
	now := s.clk.Now()
	s.handle(advance(now))
	if s.dirty {
		s.publish()
	}
	s.logIgnored(now)
}

func (s *Service) observe(o Observation) {
	s.dirty = true
	trs := s.tr.Observe(o)
	st := s.tr.Stats()
	s.stale.Store(st.Stale)
	s.unknown.Store(st.Unknown)
	s.handle(trs)
}

// handle logs trs and publishes a new view if the state changed.
func (s *Service) handle(trs []Transition) {
	for _, tr := range trs {
		s.log(tr)
	}
	if s.tr.Version() != s.view.Load().Version {
		s.publish()
	}
}

func (s *Service) publish() {
	v := s.tr.View()
	s.view.Store(&v)
	s.dirty = false

	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sub := range s.subs {
		if sub.sent >= v.Version {
			continue
		}
		select { // coalesce: replace the view the subscriber has not read
		case <-sub.ch:
		default:
		}
		select {
		case sub.ch <- v:
			sub.sent = v.Version
		default: // unreachable: only publish sends, under mu
		}
	}
}

func (s *Service) log(tr Transition) {
	node := logfield.Node(string(tr.Name))
	id := logfield.NodeID(uint64(tr.Node))
	switch tr.Kind {
	case NodeJoined:
		s.lg.Info("node joined", node, id, logfield.Link(string(tr.Link)),
			zap.Bool("return", tr.Return), zap.Uint64("epoch", uint64(tr.Epoch)))
	case NodeRecovered:
		s.lg.Info("node recovered", node, id, logfield.Link(string(tr.Link)), logfield.SilentFor(tr.SilentFor))
	case NodeWarn:
		s.lg.Warn("node warn", node, id, logfield.SilentFor(tr.SilentFor),
			zap.Duration("deadtime", s.cfg.Deadtime))
	case NodeDead:
		s.lg.Warn("node declared dead", node, id, logfield.Links(linkStrings(tr.Links)),
			logfield.SilentFor(tr.SilentFor))
	case NodeLeft:
		s.lg.Info("node left cleanly", node, id, logfield.Link(string(tr.Link)),
			zap.Uint64("epoch", uint64(tr.Epoch)), logfield.Reason("the node announced its clean shutdown"))
	case NodeRestarted:
		s.lg.Warn("node restarted", node, id, logfield.Link(string(tr.Link)),
			zap.Uint64("epoch", uint64(tr.Epoch)))
	case LinkUp:
		s.lg.Info("link up", node, logfield.Link(string(tr.Link)))
	case LinkWarn:
		s.lg.Debug("link warn", node, logfield.Link(string(tr.Link)), logfield.SilentFor(tr.SilentFor))
	case LinkDown:
		s.lg.Warn("link down", node, logfield.Link(string(tr.Link)), logfield.SilentFor(tr.SilentFor))
	case LocalLate:
		s.lg.Warn("local timer ran late", zap.Duration("late", tr.Late),
			zap.Duration("tick", s.cfg.Tick), zap.Duration("extended_by", tr.Late),
			logfield.Reason("peer silence during this node's stall is not counted"))
	}
}

// logIgnored summarizes ignored observations, at most once per
// ignoredLogEvery: never a line per frame.
func (s *Service) logIgnored(now time.Time) {
	if now.Sub(s.ignoredLog) < ignoredLogEvery {
		return
	}
	cur := s.Stats()
	if d := cur.Stale - s.logged.Stale; d > 0 {
		s.lg.Debug("observations ignored", logfield.Count(d), logfield.Reason("stale"))
	}
	if d := cur.Unknown - s.logged.Unknown; d > 0 {
		s.lg.Debug("observations ignored", logfield.Count(d), logfield.Reason("unknown node or link"))
	}
	s.logged, s.ignoredLog = cur, now
}

func linkStrings(ls []cluster.LinkName) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = string(l)
	}
	return out
}

package membership

import (
	"context"
	"errors"
	"reflect"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"pacer/internal/clock"
	"pacer/internal/cluster"
)

func newTestService(t *testing.T, peers ...Peer) (*Service, *clock.Fake, *observer.ObservedLogs) {
	t.Helper()
	clk := clock.NewFake(t0)
	core, logs := observer.New(zapcore.DebugLevel)
	lg := zap.New(zapcore.NewTee(core, zaptest.NewLogger(t).Core())).Named("membership")
	s, err := New(testConfig(peers...), clk, lg)
	if err != nil {
		t.Fatal(err)
	}
	return s, clk, logs
}

// running is a Service under Run, stepped one tick at a time.
type running struct {
	t      *testing.T
	s      *Service
	clk    *clock.Fake
	ticked chan struct{}
	cancel context.CancelFunc
	done   chan error
}

func start(t *testing.T, s *Service, clk *clock.Fake) *running {
	t.Helper()
	r := &running{t: t, s: s, clk: clk, ticked: make(chan struct{}), done: make(chan error, 1)}
	s.afterTick = func() { r.ticked <- struct{}{} }
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- s.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for clk.Pending() == 0 { // wait for Run's timer
		if time.Now().After(deadline) {
			t.Fatal("Run did not start its timer")
		}
		runtime.Gosched()
	}
	t.Cleanup(r.stop)
	return r
}

// tick advances the fake clock by one tick and, if Run's timer was due in
// that tick, waits until Run handled it (Run sleeps until its next deadline,
// so most ticks wake nothing).
func (r *running) tick() {
	r.t.Helper()
	next, ok := r.clk.NextDeadline()
	r.clk.Advance(tick)
	if !ok || next.After(r.clk.Now()) {
		return // Observe applies frames at once; nothing is pending
	}
	select {
	case <-r.ticked:
	case <-time.After(5 * time.Second):
		r.t.Fatal("Run did not handle the tick")
	}
}

func (r *running) ticks(d time.Duration) {
	r.t.Helper()
	for range d / tick {
		r.tick()
	}
}

func (r *running) stop() {
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	select {
	case err := <-r.done:
		if err != nil {
			r.t.Errorf("Run = %v, want nil after cancel", err)
		}
	case <-time.After(5 * time.Second):
		r.t.Error("Run did not return after cancel")
	}
}

// only returns the single entry logged with msg, failing unless there is
// exactly one.
func only(t *testing.T, logs *observer.ObservedLogs, msg string) observer.LoggedEntry {
	t.Helper()
	es := logs.FilterMessage(msg).All()
	if len(es) != 1 {
		t.Fatalf("%q logged %d times, want once: %v", msg, len(es), es)
	}
	return es[0]
}

func wantFields(t *testing.T, e observer.LoggedEntry, level zapcore.Level, want map[string]any) {
	t.Helper()
	if e.Level != level {
		t.Errorf("%q at %v, want %v", e.Message, e.Level, level)
	}
	if e.LoggerName != "membership" {
		t.Errorf("%q from logger %q, want membership", e.Message, e.LoggerName)
	}
	got := e.ContextMap()
	for k, w := range want {
		if !reflect.DeepEqual(got[k], w) {
			t.Errorf("%q: %s = %#v, want %#v", e.Message, k, got[k], w)
		}
	}
}

func TestServiceLogsTransitions(t *testing.T) {
	s, clk, logs := newTestService(t, peerB)
	views, cancelViews := s.Subscribe()
	defer cancelViews()
	r := start(t, s, clk)

	s.Observe(Observation{Node: 2, Link: "ring0", Epoch: 1, At: clk.Now()})
	s.Observe(Observation{Node: 2, Link: "serial0", Epoch: 1}) // At: now
	r.tick()
	wantFields(t, only(t, logs, "node joined"), zapcore.InfoLevel, map[string]any{
		"node": "b", "node_id": uint64(2), "link": "ring0", "return": false, "epoch": uint64(1),
	})
	wantFields(t, only(t, logs, "link up"), zapcore.InfoLevel, map[string]any{"node": "b", "link": "serial0"})
	if got := s.Paths(2); !slices.Equal(got, []cluster.LinkName{"ring0", "serial0"}) {
		t.Errorf("Paths(2) = %v", got)
	}

	r.ticks(deadtime - tick - 1) // up to 4.75s
	wantFields(t, only(t, logs, "node warn"), zapcore.WarnLevel, map[string]any{
		"node": "b", "node_id": uint64(2), "silent_for": warntime,
	})
	if n := logs.FilterMessage("link warn").FilterLevelExact(zapcore.DebugLevel).Len(); n != 2 {
		t.Errorf("link warn logged %d times at Debug, want 2", n)
	}
	if n := logs.FilterMessage("node declared dead").Len(); n != 0 {
		t.Fatalf("node declared dead before deadtime")
	}
	r.tick() // 5s
	r.ticks(10 * time.Second)
	wantFields(t, only(t, logs, "node declared dead"), zapcore.WarnLevel, map[string]any{
		"node": "b", "node_id": uint64(2), "links": []any{"ring0", "serial0"}, "silent_for": deadtime,
	})
	if n := logs.FilterMessage("link down").Len(); n != 0 {
		t.Errorf("links dying with their node logged separately %d times", n)
	}
	if got := s.Paths(2); len(got) != 0 {
		t.Errorf("Paths(2) of a dead node = %v", got)
	}

	// The subscriber, which never read, holds only the newest view.
	if len(views) != 1 {
		t.Fatalf("subscriber holds %d views, want 1", len(views))
	}
	v := <-views
	if n, _ := v.Node(2); n.State != NodeStateDead || v.Version != s.View().Version {
		t.Fatalf("subscriber view: version %d, b %v; want version %d, b dead", v.Version, n.State, s.View().Version)
	}

	s.Observe(Observation{Node: 2, Link: "ring0", Epoch: 1})
	r.tick()
	joins := logs.FilterMessage("node joined").All()
	if len(joins) != 2 {
		t.Fatalf("node joined logged %d times, want 2", len(joins))
	}
	wantFields(t, joins[1], zapcore.InfoLevel, map[string]any{"node": "b", "link": "ring0", "return": true})
	v = <-views
	if n, _ := v.Node(2); n.State != NodeStateUp {
		t.Fatalf("subscriber view after return: b %v", n.State)
	}

	if err := s.Run(context.Background()); !errors.Is(err, ErrAlreadyRunning) {
		t.Errorf("second Run = %v, want ErrAlreadyRunning", err)
	}
	r.stop()

	allowed := []string{"membership started", "node joined", "link up", "link warn", "node warn", "node declared dead"}
	for _, e := range logs.All() {
		if !slices.Contains(allowed, e.Message) {
			t.Errorf("unexpected log line %q %v", e.Message, e.ContextMap())
		}
	}
}

func TestServiceLinkLogs(t *testing.T) {
	s, clk, logs := newTestService(t, peerB)
	r := start(t, s, clk)
	s.Observe(Observation{Node: 2, Link: "ring0", Epoch: 1})
	s.Observe(Observation{Node: 2, Link: "serial0", Epoch: 1})
	r.tick()
	for range 4 * 6 { // 6s of ticks, keepalive on serial0 only
		if clk.Now().Sub(t0)%keepalive == 0 {
			s.Observe(Observation{Node: 2, Link: "serial0", Epoch: 1})
		}
		r.tick()
	}
	wantFields(t, only(t, logs, "link down"), zapcore.WarnLevel, map[string]any{
		"node": "b", "link": "ring0", "silent_for": deadtime,
	})
	if logs.FilterMessage("node warn").Len() != 0 || logs.FilterMessage("node declared dead").Len() != 0 {
		t.Fatal("a link loss touched the node")
	}
	s.Observe(Observation{Node: 2, Link: "ring0", Epoch: 2})
	r.tick()
	wantFields(t, only(t, logs, "node restarted"), zapcore.WarnLevel, map[string]any{
		"node": "b", "node_id": uint64(2), "epoch": uint64(2), "link": "ring0",
	})
	if n := logs.FilterMessage("link up").Len(); n != 2 {
		t.Errorf("link up logged %d times, want 2 (serial0 at join, ring0 back)", n)
	}
}

func TestServiceLocalStall(t *testing.T) {
	tests := []struct {
		name      string
		heard     bool          // peers keep beating through the stall
		queued    bool          // their frames are queued before the late tick runs
		deadAfter time.Duration // after the stall; 0: never
	}{
		{name: "peers heard right after a 3x deadtime stall are not declared dead", heard: true, queued: true},
		{name: "peers heard only after the late tick are not declared dead", heard: true},
		// judged from 2s + 14.75s: dead at 21.75s, 4.75s after the stall
		{name: "genuine silence after the stall is declared dead one deadtime later", deadAfter: deadtime - tick},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// No Run: a stalled process runs nothing, which only the test
			// goroutine stepping tick() by hand can model deterministically.
			s, clk, logs := newTestService(t, peerB)
			beat := func() {
				s.Observe(Observation{Node: 2, Link: "ring0", Epoch: 1})
				s.Observe(Observation{Node: 2, Link: "serial0", Epoch: 1})
			}
			beat()
			s.tick()
			for range 8 { // 2s, beating every keepalive
				clk.Advance(tick)
				if clk.Now().Sub(t0)%keepalive == 0 {
					beat()
				}
				s.tick()
			}

			clk.Advance(3 * deadtime) // this node stalls; the peers keep beating
			if tc.queued {
				beat() // queued before the late tick: applied before judgement
			}
			s.tick()
			wantFields(t, only(t, logs, "local timer ran late"), zapcore.WarnLevel, map[string]any{
				"late": 3*deadtime - tick, "extended_by": 3*deadtime - tick, "tick": tick,
			})

			for elapsed := tick; elapsed <= 15*time.Second; elapsed += tick {
				clk.Advance(tick)
				if tc.heard && clk.Now().Sub(t0)%keepalive == 0 {
					beat()
				}
				s.tick()
				dead := logs.FilterMessage("node declared dead").Len()
				switch {
				case tc.deadAfter == 0 && dead != 0:
					t.Fatalf("declared dead %v after the stall", elapsed)
				case tc.deadAfter != 0 && elapsed < tc.deadAfter && dead != 0:
					t.Fatalf("declared dead %v after the stall, want %v", elapsed, tc.deadAfter)
				case tc.deadAfter != 0 && elapsed >= tc.deadAfter && dead != 1:
					t.Fatalf("%v after the stall: declared dead %d times, want once (at %v)", elapsed, dead, tc.deadAfter)
				}
			}
			if tc.heard {
				if n := logs.FilterMessage("node warn").Len() + logs.FilterMessage("link down").Len(); n != 0 {
					t.Errorf("the stall counted against a healthy peer: %d warn/down lines", n)
				}
			} else {
				wantFields(t, only(t, logs, "node declared dead"), zapcore.WarnLevel, map[string]any{
					"node": "b", "silent_for": 3*deadtime + tc.deadAfter, // last heard when the stall began
				})
			}
		})
	}
}

func TestServiceSubscribe(t *testing.T) {
	s, clk, _ := newTestService(t, peerB, peerC)
	s.tick()
	ch1, cancel1 := s.Subscribe()
	if len(ch1) != 1 {
		t.Fatal("a new subscriber does not get the current view at once")
	}

	// Two state changes while the subscriber reads nothing: no blocking,
	// and only the newest is kept.
	s.Observe(Observation{Node: 2, Link: "ring0", Epoch: 1})
	s.tick()
	s.Observe(Observation{Node: 3, Link: "ring0", Epoch: 1})
	s.tick()
	v := <-ch1
	if v.Version != s.View().Version || len(v.Alive()) != 3 {
		t.Fatalf("subscriber got version %d alive %v, want the newest (%d) with 3 alive", v.Version, v.Alive(), s.View().Version)
	}
	select {
	case v := <-ch1:
		t.Fatalf("stale view %d left behind", v.Version)
	default:
	}

	ch2, cancel2 := s.Subscribe()
	defer cancel2()
	if v := <-ch2; v.Version != s.View().Version {
		t.Fatalf("late subscriber got version %d, want %d", v.Version, s.View().Version)
	}

	cancel1()
	cancel1()
	if _, ok := <-ch1; ok {
		t.Fatal("channel open after cancel")
	}

	// A heartbeat refreshes LastHeard in the view but is no new version.
	version := s.View().Version
	clk.Advance(tick)
	s.Observe(Observation{Node: 2, Link: "ring0", Epoch: 1})
	s.tick()
	if n, _ := s.View().Node(2); s.View().Version != version || !n.LastHeard.Equal(clk.Now()) {
		t.Fatalf("after a heartbeat: version %d (want %d), last heard %v (want %v)",
			s.View().Version, version, n.LastHeard, clk.Now())
	}
	select {
	case v := <-ch2:
		t.Fatalf("subscriber woken for a mere heartbeat (version %d)", v.Version)
	default:
	}

	s.Observe(Observation{Node: 2, Link: "serial0", Epoch: 1})
	s.tick()
	if v := <-ch2; v.Version != version+1 {
		t.Fatalf("subscriber got version %d, want %d", v.Version, version+1)
	}
}

func TestServiceCountsIgnoredObservations(t *testing.T) {
	s, _, logs := newTestService(t, peerB)
	s.Observe(Observation{Node: 9, Link: "ring0", Epoch: 1})
	s.Observe(Observation{Node: 2, Link: "nope", Epoch: 1})
	if got := s.Stats(); got != (Stats{Unknown: 2}) {
		t.Fatalf("Stats = %+v", got)
	}
	s.tick()
	if n := len(logs.FilterMessage("node joined").All()); n != 0 {
		t.Fatalf("an ignored observation was acted on: %d joins", n)
	}
}

func TestServiceConcurrentReaders(t *testing.T) {
	s, clk, _ := newTestService(t, peerB, peerC)
	r := start(t, s, clk)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for ctx.Err() == nil {
				s.Observe(Observation{Node: cluster.NodeID(2 + i%2), Link: "ring0", Epoch: 1, At: t0})
				s.Paths(2)
				s.View().Alive()
				s.Stats()
				runtime.Gosched()
			}
		})
	}
	views, cancelViews := s.Subscribe()
	wg.Go(func() {
		for range views {
		}
	})
	r.ticks(2 * deadtime)
	cancel()
	cancelViews()
	wg.Wait()
}

func TestNewRejectsBadConfig(t *testing.T) {
	cfg := testConfig(peerB)
	cfg.Deadtime = cfg.Warntime
	if _, err := New(cfg, clock.NewFake(t0), nil); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("New = %v, want ErrInvalidConfig", err)
	}
	s, err := New(testConfig(peerB), clock.NewFake(t0), nil) // nil logger: no logs
	if err != nil {
		t.Fatal(err)
	}
	if v := s.View(); v.Version != 1 || len(v.Nodes) != 2 {
		t.Fatalf("initial view = %+v", v)
	}
}

// TestPathsPreferLinksStillHeard: a link that has carried nothing for two
// keepalives goes behind one that still carries frames, long before
// warntime marks it, so cluster messages leave a cut cable at once; the
// view's order comes back once it is heard again.
func TestPathsPreferLinksStillHeard(t *testing.T) {
	s, clk, _ := newTestService(t, peerB)
	r := start(t, s, clk)
	beat := func(links ...cluster.LinkName) {
		for _, l := range links {
			s.Observe(Observation{Node: 2, Link: l, Epoch: 1, At: clk.Now(), Reverse: ReverseHears})
		}
	}
	beat("ring0", "serial0")
	heard := clk.Now()
	r.tick()
	want := []cluster.LinkName{"ring0", "serial0"}
	if got := s.Paths(2); !slices.Equal(got, want) {
		t.Fatalf("both heard: Paths(2) = %v, want %v", got, want)
	}
	// ring0 is cut: only serial0 carries heartbeats.
	for clk.Now().Sub(heard) < 2*keepalive {
		r.tick()
		if clk.Now().Sub(heard)%keepalive == 0 {
			beat("serial0")
		}
	}
	if got := s.Paths(2); !slices.Equal(got, want) {
		t.Errorf("ring0 silent for two keepalives: Paths(2) = %v, want %v still", got, want)
	}
	r.tick()
	want = []cluster.LinkName{"serial0", "ring0"}
	if got := s.Paths(2); !slices.Equal(got, want) {
		t.Errorf("ring0 silent past two keepalives, before warntime: Paths(2) = %v, want %v", got, want)
	}
	beat("ring0")
	want = []cluster.LinkName{"ring0", "serial0"}
	if got := s.Paths(2); !slices.Equal(got, want) {
		t.Errorf("ring0 heard again: Paths(2) = %v, want %v", got, want)
	}
}

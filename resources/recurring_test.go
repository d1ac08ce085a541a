package resources

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"pacer/agents"
	"pacer/internal/clock"
)

// TestRecurringReportsOnlyChanges runs a monitor on the fake clock: the
// first result is reported, then only results whose rc or op-status
// differ from the previous run.
func TestRecurringReportsOnlyChanges(t *testing.T) {
	f := newFakeRunner()
	clk := clock.NewFake(t0)
	e := newTestExecutor(t, f, clk, nil)
	var rec recorder
	e.Subscribe(rec.add)

	first, err := e.Execute(ctx10(t), mkOp("A", "monitor", 10*time.Second, 0))
	if err != nil || first.RC != 0 {
		t.Fatalf("first run: %+v %v", first, err)
	}
	waitFor(t, "monitor re-armed", func() bool { return clk.Pending() == 1 })

	type step struct {
		rc      int
		timeout bool
	}
	steps := []step{{0, false}, {0, false}, {7, false}, {7, false}, {0, false}, {1, true}, {1, true}, {1, false}}
	for i, s := range steps {
		if s.timeout {
			f.setResult("A", "monitor", agents.Result{RC: 1, TimedOut: true}, agents.ErrTimeout)
		} else {
			f.setRC("A", "monitor", s.rc)
		}
		clk.Advance(10 * time.Second)
		runs := i + 2
		waitFor(t, "monitor run", func() bool { return f.count("A", "monitor") == runs && clk.Pending() == 1 })
	}
	type got struct {
		RC     int
		Status OpStatus
		At     time.Duration // since t0, of LastRCChange
	}
	want := []got{
		{0, StatusDone, 0},
		{7, StatusDone, 30 * time.Second},
		{0, StatusDone, 50 * time.Second},
		{1, StatusTimedOut, 60 * time.Second},
		{1, StatusDone, 80 * time.Second}, // same rc, different op-status
	}
	recs := rec.waitLen(t, len(want))
	var have []got
	for _, r := range recs {
		if r.CallID != first.CallID || r.Rsc != "A" || r.Interval != 10*time.Second {
			t.Errorf("reported %+v", r)
		}
		have = append(have, got{r.RC, r.Status, r.LastRCChange.Sub(t0)})
	}
	if diff := cmp.Diff(want, have); diff != "" {
		t.Errorf("reported (-want +got):\n%s", diff)
	}
	// The monitor's own entry keeps its last success; the failures went
	// to last_failure_0.
	lr, ok := e.History("A")
	if !ok {
		t.Fatal("no history")
	}
	ids := map[string]string{}
	for _, o := range lr.Ops {
		ids[o.ID] = o.RCCode + "/" + o.OpStatus
	}
	if diff := cmp.Diff(map[string]string{"A_last_failure_0": "1/0", "A_monitor_10000": "0/0"}, ids); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
}

func TestStopCancelsRecurring(t *testing.T) {
	f := newFakeRunner()
	clk := clock.NewFake(t0)
	e := newTestExecutor(t, f, clk, nil)
	var rec recorder
	e.Subscribe(rec.add)

	if _, err := e.Execute(ctx10(t), mkOp("A", "monitor", 10*time.Second, 0)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Execute(ctx10(t), mkOp("A", "monitor", 30*time.Second, 0)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "monitors re-armed", func() bool { return clk.Pending() == 2 })

	// A long op holds the queue; the 10s monitor comes due behind it;
	// the stop must drop that queued run as well as the timers.
	release := f.hold("A", "migrate_to")
	defer release()
	jm, err := e.submit(mkOp("A", "migrate_to", 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "migrate_to running", func() bool { return f.count("A", "migrate_to") == 1 })
	clk.Advance(10 * time.Second)
	waitFor(t, "monitor run queued", func() bool { return queueLen(e, "A") == 1 })
	js, err := e.submit(mkOp("A", "stop", 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if n := queueLen(e, "A"); n != 1 {
		t.Errorf("queue after stop: %d ops, want only the stop", n)
	}
	release()
	if _, err := jm.wait(ctx10(t)); err != nil {
		t.Fatal(err)
	}
	if r, err := js.wait(ctx10(t)); err != nil || r.RC != 0 {
		t.Fatalf("stop: %+v %v", r, err)
	}
	if clk.Pending() != 0 {
		t.Errorf("%d timers armed after stop", clk.Pending())
	}
	clk.Advance(time.Minute)
	if diff := cmp.Diff([]string{"A monitor", "A monitor", "A migrate_to", "A stop"}, f.ran("A")); diff != "" {
		t.Errorf("runs (-want +got):\n%s", diff)
	}
	want := []string{"A_monitor_10000 complete", "A_monitor_30000 complete",
		"A_monitor_10000 Cancelled", "A_monitor_30000 Cancelled", "A_migrate_to_0 complete", "A_stop_0 complete"}
	var seq []string
	for _, r := range rec.waitLen(t, len(want)) {
		seq = append(seq, r.OperationKey()+" "+r.Status.String())
	}
	if diff := cmp.Diff(want, seq); diff != "" {
		t.Errorf("reported (-want +got):\n%s", diff)
	}
	lr, _ := e.History("A")
	for _, o := range lr.Ops {
		if o.Interval != "0" {
			t.Errorf("recurring entry %s left after stop", o.ID)
		}
	}
}

func TestCancel(t *testing.T) {
	f := newFakeRunner()
	clk := clock.NewFake(t0)
	e := newTestExecutor(t, f, clk, nil)
	var rec recorder
	e.Subscribe(rec.add)

	if err := e.Cancel("A", "monitor", 10*time.Second); !errors.Is(err, ErrNoSuchOp) {
		t.Fatalf("cancel of nothing: %v", err)
	}
	if _, err := e.Execute(ctx10(t), mkOp("A", "monitor", 10*time.Second, 0)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "monitor re-armed", func() bool { return clk.Pending() == 1 })

	// The next run is in progress when the cancel comes: its result is
	// discarded, and only the cancel is reported.
	release := f.hold("A", "monitor")
	defer release()
	f.setRC("A", "monitor", 7)
	clk.Advance(10 * time.Second)
	waitFor(t, "second run", func() bool { return f.count("A", "monitor") == 2 })
	if err := e.Cancel("A", "monitor", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	release()
	waitFor(t, "worker idle", func() bool {
		e.mu.Lock()
		defer e.mu.Unlock()
		return !e.rscs["A"].busy
	})
	clk.Advance(time.Minute)
	if n := f.count("A", "monitor"); n != 2 {
		t.Errorf("monitor ran %d times, want 2", n)
	}
	var seq []string
	for _, r := range rec.waitLen(t, 2) {
		seq = append(seq, r.OperationKey()+" "+r.Status.String())
	}
	if diff := cmp.Diff([]string{"A_monitor_10000 complete", "A_monitor_10000 Cancelled"}, seq); diff != "" {
		t.Errorf("reported (-want +got):\n%s", diff)
	}
	if lr, _ := e.History("A"); len(lr.Ops) != 0 {
		t.Errorf("history after cancel: %+v", lr.Ops)
	}
	if err := e.Cancel("A", "monitor", 10*time.Second); !errors.Is(err, ErrNoSuchOp) {
		t.Errorf("second cancel: %v", err)
	}
}

// TestCancelBeforeFirstRun: the caller waiting for the first result of a
// recurring op that is cancelled while queued hears of the cancel.
func TestCancelBeforeFirstRun(t *testing.T) {
	f := newFakeRunner()
	e := newTestExecutor(t, f, clock.NewFake(t0), nil)
	release := f.hold("A", "start")
	defer release()
	if _, err := e.submit(mkOp("A", "start", 0, 0)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "start running", func() bool { return f.count("A", "start") == 1 })
	jm, err := e.submit(mkOp("A", "monitor", 10*time.Second, 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Cancel("A", "monitor", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	r, err := jm.wait(ctx10(t))
	if err != nil || r.Status != StatusCancelled {
		t.Fatalf("first result: %+v %v", r, err)
	}
	release()
	if n := f.count("A", "monitor"); n != 0 {
		t.Errorf("cancelled monitor ran %d times", n)
	}
}

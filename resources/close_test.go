package resources

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"pacer/internal/clock"
)

// TestCloseStopsEverything: Close ends recurring ops, queued and running
// ops, and every goroutine the executor started.
func TestCloseStopsEverything(t *testing.T) {
	before := runtime.NumGoroutine()
	f := newFakeRunner()
	clk := clock.NewFake(t0)
	e, err := New(DefaultConfig(), f, clk, nil)
	if err != nil {
		t.Fatal(err)
	}
	var rec recorder
	e.Subscribe(rec.add)
	for _, id := range []string{"A", "B", "C"} {
		if _, err := e.Execute(ctx10(t), mkOp(id, "monitor", 10*time.Second, 0)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "monitors armed", func() bool { return clk.Pending() == 3 })
	release := f.hold("D", "start") // never released: Close must end it
	defer release()
	jd, err := e.submit(mkOp("D", "start", 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "D start running", func() bool { return f.count("D", "start") == 1 })
	jq, err := e.submit(mkOp("D", "stop", 0, 0))
	if err != nil {
		t.Fatal(err)
	}

	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if r, err := jd.wait(ctx10(t)); !errors.Is(err, ErrClosed) || r.Status != StatusCancelled {
		t.Errorf("running op: %+v %v", r, err)
	}
	if _, err := jq.wait(ctx10(t)); !errors.Is(err, ErrClosed) {
		t.Errorf("queued op: %v", err)
	}
	if n := clk.Pending(); n != 0 {
		t.Errorf("%d timers armed after Close", n)
	}
	clk.Advance(time.Minute)
	if n := len(f.ran("")); n != 4 {
		t.Errorf("%d runs, want 4 (3 monitors, the killed start)", n)
	}
	if n := len(rec.all()); n != 3 {
		t.Errorf("%d results reported, want 3 (the killed start is not)", n)
	}
	if _, err := e.Execute(ctx10(t), mkOp("A", "start", 0, 0)); !errors.Is(err, ErrClosed) {
		t.Errorf("Execute after Close: %v", err)
	}
	if err := e.Cancel("A", "monitor", 10*time.Second); !errors.Is(err, ErrClosed) {
		t.Errorf("Cancel after Close: %v", err)
	}
	if _, err := e.Probe(context.Background(), []ResourceSpec{spec("A")}); !errors.Is(err, ErrClosed) {
		t.Errorf("Probe after Close: %v", err)
	}
	if err := e.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	waitFor(t, "goroutines to end", func() bool { return runtime.NumGoroutine() <= before })
}

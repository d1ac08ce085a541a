package fencing

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"go.uber.org/zap"

	"pacer/internal/clock"
)

// TestHistoryPendingThenDone: a fencing waiting out its delay is in the
// history as pending; when it ends, the same entry holds the outcome.
func TestHistoryPendingThenDone(t *testing.T) {
	h := newHarness(t, "n3", cibWith(t, dev("d", "fence_full", []string{"pcmk_host_list=n1", "pcmk_delay_base=5s"}), "", "", "", ""), failOn())
	done := make(chan error, 1)
	go func() {
		_, err := h.f.Fence(context.Background(), Request{Target: "n1", Action: ActionReboot, Origin: "n3", Reason: "lost"})
		done <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for h.clk.Pending() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the fencing never started its delay")
		}
		time.Sleep(time.Millisecond)
	}
	hist := h.f.History()
	if len(hist) != 1 || hist[0].State != StatePending || !hist[0].Completed.IsZero() || hist[0].Target != "n1" ||
		hist[0].Executor != "n3" || hist[0].Reason != "lost" || !hist[0].Started.Equal(epoch) {
		t.Fatalf("history while waiting: %+v", hist)
	}
	h.clk.Advance(5 * time.Second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	hist = h.f.History()
	if len(hist) != 1 || hist[0].State != StateSuccess || !hist[0].Completed.Equal(epoch.Add(5*time.Second)) ||
		len(hist[0].Devices) != 1 || hist[0].Devices[0] != "d" {
		t.Fatalf("history after: %+v", hist)
	}
}

func TestHistoryLimit(t *testing.T) {
	r := &fakeRunner{mds: defaultMDs(), answer: failOn()}
	f, err := New(Config{Node: "n3", HistoryLimit: 2, Rand: rand.New(rand.NewPCG(1, 1))}, r, clock.NewFake(epoch), zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	f.SetCIB(cibWith(t, dev("d", "fence_full", []string{"pcmk_host_list=n1 n2"}), "", "", "", ""))
	for _, target := range []string{"n1", "n2", "n1"} {
		if _, err := f.Fence(context.Background(), Request{Target: target, Action: ActionOff, Origin: "n3"}); err != nil {
			t.Fatal(err)
		}
	}
	hist := f.History()
	if len(hist) != 2 || hist[0].Target != "n2" || hist[1].Target != "n1" || hist[0].ID != 2 || hist[1].ID != 3 {
		t.Fatalf("history %+v, want the last two", hist)
	}
	// The copy is the caller's.
	hist[0].Devices[0] = "changed"
	if f.History()[0].Devices[0] != "d" {
		t.Fatal("History returned the fencer's own slice")
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	r := &fakeRunner{}
	clk := clock.NewFake(epoch)
	if _, err := New(Config{}, r, clk, nil); err == nil {
		t.Error("empty node accepted")
	}
	if _, err := New(Config{Node: "n1"}, nil, clk, nil); err == nil {
		t.Error("nil runner accepted")
	}
	if _, err := New(Config{Node: "n1"}, r, nil, nil); err == nil {
		t.Error("nil clock accepted")
	}
	f, err := New(Config{Node: "n1"}, r, clk, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Fence(context.Background(), Request{Target: "n2", Action: ActionOff}); err == nil || !errors.Is(err, ErrNoCIB) {
		t.Fatalf("fencing without a CIB: %v", err)
	}
}

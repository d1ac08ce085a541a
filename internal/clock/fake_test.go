package clock

import (
	"testing"
	"time"
)

func TestFakeTimersFireInDeadlineOrder(t *testing.T) {
	start := time.Unix(1000, 0)
	f := NewFake(start)
	var order []string
	f.AfterFunc(3*time.Second, func() { order = append(order, "c") })
	f.AfterFunc(1*time.Second, func() { order = append(order, "a") })
	stopped := f.AfterFunc(2*time.Second, func() { order = append(order, "never") })
	f.AfterFunc(2*time.Second, func() { order = append(order, "b") })
	if !stopped.Stop() {
		t.Fatal("Stop of an armed timer returned false")
	}
	f.Advance(2500 * time.Millisecond)
	if got := f.Now(); !got.Equal(start.Add(2500 * time.Millisecond)) {
		t.Fatalf("Now = %v", got)
	}
	f.Advance(time.Second)
	want := []string{"a", "b", "c"}
	if len(order) != len(want) {
		t.Fatalf("fired %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("fired %v, want %v", order, want)
		}
	}
}

func TestFakeTickerDeliversAndDropsUnread(t *testing.T) {
	f := NewFake(time.Unix(0, 0))
	tk := f.NewTicker(100 * time.Millisecond)
	f.Advance(350 * time.Millisecond) // three ticks due, channel holds one
	select {
	case at := <-tk.C():
		if at != time.Unix(0, int64(100*time.Millisecond)) {
			t.Fatalf("first tick at %v", at)
		}
	default:
		t.Fatal("no tick delivered")
	}
	select {
	case <-tk.C():
		t.Fatal("unread ticks must be dropped, like time.Ticker")
	default:
	}
	tk.Stop()
	f.Advance(time.Second)
	select {
	case <-tk.C():
		t.Fatal("stopped ticker fired")
	default:
	}
	if f.Pending() != 0 {
		t.Fatalf("pending = %d after stop", f.Pending())
	}
}

func TestFakeTimerReset(t *testing.T) {
	f := NewFake(time.Unix(0, 0))
	tm := f.NewTimer(time.Second)
	f.Advance(500 * time.Millisecond)
	tm.Reset(time.Second) // now due at 1.5s
	f.Advance(700 * time.Millisecond)
	select {
	case <-tm.C():
		t.Fatal("reset timer fired early")
	default:
	}
	f.Advance(400 * time.Millisecond)
	select {
	case <-tm.C():
	default:
		t.Fatal("reset timer did not fire")
	}
}

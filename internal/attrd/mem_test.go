package attrd

import (
	"errors"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"pacer/internal/clock"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// step is one action on the store, then what a read shows.
type step struct {
	advance time.Duration // first move the fake clock
	set     *Update
	del     bool // delete node a, name "score", lifetime reboot
	// expectations after the action
	wantWritten string
	wantInCIB   bool
	wantCurrent string
}

func upd(v string, d time.Duration) *Update {
	return &Update{Node: "a", Name: "score", Value: v, Lifetime: Reboot, Delay: d}
}

func TestMemDampening(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{"no delay writes at once", []step{
			{set: upd("5", 0), wantWritten: "5", wantInCIB: true, wantCurrent: "5"},
			{set: upd("10", 0), wantWritten: "10", wantInCIB: true, wantCurrent: "10"},
		}},
		{"delay holds the write back", []step{
			{set: upd("5", 3*time.Second), wantCurrent: "5"},
			{advance: 2999 * time.Millisecond, wantCurrent: "5"},
			{advance: time.Millisecond, wantWritten: "5", wantInCIB: true, wantCurrent: "5"},
		}},
		{"a later change within the delay replaces the value and restarts the timer", []step{
			{set: upd("5", 3*time.Second), wantCurrent: "5"},
			{advance: 2 * time.Second, set: upd("7", 0), wantCurrent: "7"},
			{advance: 2 * time.Second, wantCurrent: "7"}, // 4s after the first, 2s after the change
			{advance: time.Second, wantWritten: "7", wantInCIB: true, wantCurrent: "7"},
		}},
		{"an unchanged value does not restart the timer", []step{
			{set: upd("5", 3*time.Second), wantCurrent: "5"},
			{advance: 2 * time.Second, set: upd("5", 0), wantCurrent: "5"},
			{advance: time.Second, wantWritten: "5", wantInCIB: true, wantCurrent: "5"},
		}},
		{"a flap back to the written value within the delay writes nothing new", []step{
			{set: upd("5", time.Second), wantCurrent: "5"},
			{advance: time.Second, wantWritten: "5", wantInCIB: true, wantCurrent: "5"},
			{set: upd("9", 0), wantWritten: "5", wantInCIB: true, wantCurrent: "9"},
			{advance: 500 * time.Millisecond, set: upd("5", 0), wantWritten: "5", wantInCIB: true, wantCurrent: "5"},
			{advance: 2 * time.Second, wantWritten: "5", wantInCIB: true, wantCurrent: "5"},
		}},
		{"delete is dampened too", []step{
			{set: upd("5", time.Second), wantCurrent: "5"},
			{advance: time.Second, wantWritten: "5", wantInCIB: true, wantCurrent: "5"},
			{del: true, wantWritten: "5", wantInCIB: true, wantCurrent: ""},
			{advance: time.Second, wantCurrent: ""},
		}},
		{"the delay of an existing attribute is kept", []step{
			{set: upd("5", 0), wantWritten: "5", wantInCIB: true, wantCurrent: "5"},
			{set: upd("6", 10*time.Second), wantWritten: "6", wantInCIB: true, wantCurrent: "6"},
		}},
		{"SetDelay changes it", []step{
			{set: upd("5", 0), wantWritten: "5", wantInCIB: true, wantCurrent: "5"},
			{set: &Update{Node: "a", Name: "score", Value: "6", Lifetime: Reboot, Delay: time.Second, SetDelay: true},
				wantWritten: "5", wantInCIB: true, wantCurrent: "6"},
			{advance: time.Second, wantWritten: "6", wantInCIB: true, wantCurrent: "6"},
		}},
		{"private is never written", []step{
			{set: &Update{Node: "a", Name: "score", Value: "1", Lifetime: Reboot, Private: true}, wantCurrent: "1"},
			{advance: time.Hour, wantCurrent: "1"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := clock.NewFake(t0)
			m := NewMem(Config{Nodes: []string{"a", "b"}}, clk, zap.NewNop())
			defer m.Close()
			for i, s := range tc.steps {
				clk.Advance(s.advance)
				if s.set != nil {
					if err := m.Set(*s.set); err != nil {
						t.Fatalf("step %d: Set: %v", i, err)
					}
				}
				if s.del {
					if err := m.Delete("a", "score", Reboot); err != nil {
						t.Fatalf("step %d: Delete: %v", i, err)
					}
				}
				v, err := m.Get("a", "score", Reboot)
				if err != nil {
					t.Fatalf("step %d: Get: %v", i, err)
				}
				if v.Written != s.wantWritten || v.InCIB != s.wantInCIB || v.Current != s.wantCurrent {
					t.Fatalf("step %d: got written=%q inCIB=%v current=%q, want %q %v %q",
						i, v.Written, v.InCIB, v.Current, s.wantWritten, s.wantInCIB, s.wantCurrent)
				}
			}
		})
	}
}

// The delay belongs to the attribute: a change on another node restarts
// the timer, and its expiry writes both nodes' values, as attrd does.
func TestMemDampeningIsPerAttribute(t *testing.T) {
	clk := clock.NewFake(t0)
	m := NewMem(Config{}, clk, nil)
	defer m.Close()
	must(t, m.Set(Update{Node: "a", Name: "ping", Value: "1", Lifetime: Reboot, Delay: 2 * time.Second}))
	clk.Advance(time.Second)
	must(t, m.Set(Update{Node: "b", Name: "ping", Value: "2", Lifetime: Reboot}))
	clk.Advance(1500 * time.Millisecond)
	if v, _ := m.Get("a", "ping", Reboot); v.InCIB {
		t.Fatal("a's value written although b's change restarted the timer")
	}
	clk.Advance(500 * time.Millisecond)
	for _, n := range []string{"a", "b"} {
		if v, _ := m.Get(n, "ping", Reboot); !v.InCIB {
			t.Fatalf("%s's value not written at the timer's expiry", n)
		}
	}
}

func TestMemErrors(t *testing.T) {
	m := NewMem(Config{Nodes: []string{"a"}}, clock.NewFake(t0), nil)
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"unknown node set", m.Set(Update{Node: "z", Name: "x", Value: "1", Lifetime: Reboot}), ErrUnknownNode},
		{"empty name", m.Set(Update{Node: "a", Value: "1", Lifetime: Reboot}), ErrInvalid},
		{"no lifetime", m.Set(Update{Node: "a", Name: "x", Value: "1"}), ErrInvalid},
		{"delay on forever", m.Set(Update{Node: "a", Name: "x", Value: "1", Lifetime: Forever, Delay: time.Second}), ErrInvalid},
		{"get unknown", errOf(m.Get("a", "nope", Reboot)), ErrUnknownAttribute},
		{"get unknown forever", errOf(m.Get("a", "nope", Forever)), ErrUnknownAttribute},
		{"get unknown node", errOf(m.Get("z", "nope", Reboot)), ErrUnknownNode},
		{"delete missing is fine", m.Delete("a", "nope", Reboot), nil},
		{"delay-only change of a missing attribute", m.Set(Update{Node: "a", Name: "nope", Lifetime: Reboot, KeepValue: true, SetDelay: true}), ErrUnknownAttribute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !errors.Is(tc.err, tc.want) || (tc.want == nil && tc.err != nil) {
				t.Fatalf("err = %v, want %v", tc.err, tc.want)
			}
		})
	}
	m.Close()
	if err := m.Set(Update{Node: "a", Name: "x", Value: "1", Lifetime: Reboot}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Set after Close: %v", err)
	}
}

func TestMemForeverAndList(t *testing.T) {
	m := NewMem(Config{}, clock.NewFake(t0), nil)
	defer m.Close()
	must(t, m.Set(Update{Node: "b", Name: "site", Value: "east", Lifetime: Forever}))
	must(t, m.Set(Update{Node: "a", Name: "site", Value: "west", Lifetime: Forever}))
	vs, err := m.List("site", Forever)
	must(t, err)
	if len(vs) != 2 || vs[0].Node != "a" || vs[0].Written != "west" || vs[1].Node != "b" {
		t.Fatalf("List = %+v", vs)
	}
	if _, err := m.Get("a", "site", Reboot); !errors.Is(err, ErrUnknownAttribute) {
		t.Fatalf("a permanent attribute must not show as transient: %v", err)
	}
	must(t, m.Delete("a", "site", Forever))
	if _, err := m.Get("a", "site", Forever); !errors.Is(err, ErrUnknownAttribute) {
		t.Fatalf("after delete: %v", err)
	}
}

// One Info line per change that takes effect, with the fields operators
// grep; none for an unchanged value.
func TestMemLogsEachWrittenChangeOnce(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	clk := clock.NewFake(t0)
	m := NewMem(Config{}, clk, zap.New(core))
	defer m.Close()
	must(t, m.Set(Update{Node: "a", Name: "master-drbd0", Value: "100", Lifetime: Reboot}))
	must(t, m.Set(Update{Node: "a", Name: "master-drbd0", Value: "100", Lifetime: Reboot}))
	must(t, m.Delete("a", "master-drbd0", Reboot))
	must(t, m.Delete("a", "master-drbd0", Reboot))
	got := logs.AllUntimed()
	if len(got) != 2 {
		t.Fatalf("got %d lines, want 2: %v", len(got), got)
	}
	f := got[0].ContextMap()
	if got[0].Message != "node attribute set" || f["node"] != "a" || f["name"] != "master-drbd0" ||
		f["value"] != "100" || f["lifetime"] != "reboot" {
		t.Fatalf("set line = %s %v", got[0].Message, f)
	}
	if got[1].Message != "node attribute deleted" {
		t.Fatalf("delete line = %s", got[1].Message)
	}
}

func TestMemCloseStopsTimers(t *testing.T) {
	clk := clock.NewFake(t0)
	m := NewMem(Config{}, clk, nil)
	must(t, m.Set(Update{Node: "a", Name: "x", Value: "1", Lifetime: Reboot, Delay: time.Second}))
	if clk.Pending() != 1 {
		t.Fatalf("pending timers = %d, want 1", clk.Pending())
	}
	m.Close()
	if clk.Pending() != 0 {
		t.Fatalf("pending timers after Close = %d", clk.Pending())
	}
	clk.Advance(time.Minute) // must not write or panic
	if v, _ := m.Get("a", "x", Reboot); v.InCIB {
		t.Fatal("written after Close")
	}
}

func TestParseLifetime(t *testing.T) {
	for in, want := range map[string]Lifetime{"reboot": Reboot, "status": Reboot, "forever": Forever, "nodes": Forever} {
		if got, err := ParseLifetime(in); err != nil || got != want {
			t.Errorf("ParseLifetime(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseLifetime("sometimes"); err == nil {
		t.Error("ParseLifetime(sometimes) accepted")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func errOf(_ Value, err error) error { return err }

package attrd

import (
	"slices"
	"testing"
	"time"

	"pacer/internal/clock"
)

// The Written hook hears every transient write, after dampening, and
// nothing else: not a permanent attribute, not an unchanged value, not a
// private one, not a change still dampened.
func TestMemWrittenHook(t *testing.T) {
	clk := clock.NewFake(t0)
	var got []string
	m := NewMem(Config{Written: func(node, name, value string, deleted bool) {
		if deleted {
			value = "<deleted>"
		}
		got = append(got, node+" "+name+"="+value)
	}}, clk, nil)
	defer m.Close()
	steps := []struct {
		name string
		do   func() error
		want []string
	}{
		{"set without delay", func() error { return m.Set(Update{Node: "a", Name: "master-drbd", Value: "5", Lifetime: Reboot}) },
			[]string{"a master-drbd=5"}},
		{"same value again", func() error { return m.Set(Update{Node: "a", Name: "master-drbd", Value: "5", Lifetime: Reboot}) },
			nil},
		{"permanent", func() error { return m.Set(Update{Node: "a", Name: "site", Value: "x", Lifetime: Forever}) }, nil},
		{"private", func() error {
			return m.Set(Update{Node: "a", Name: "p", Value: "1", Lifetime: Reboot, Private: true})
		}, nil},
		{"dampened", func() error {
			return m.Set(Update{Node: "b", Name: "ping", Value: "1", Lifetime: Reboot, Delay: time.Second})
		}, nil},
		{"dampening ends", func() error { clk.Advance(time.Second); return nil }, []string{"b ping=1"}},
		{"delete", func() error { return m.Delete("a", "master-drbd", Reboot) }, []string{"a master-drbd=<deleted>"}},
	}
	for _, s := range steps {
		got = nil
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if !slices.Equal(got, s.want) {
			t.Errorf("%s: written %q, want %q", s.name, got, s.want)
		}
	}
}

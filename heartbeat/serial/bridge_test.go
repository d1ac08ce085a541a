package serial

import (
	"testing"
	"time"

	"pacer/internal/cluster"
)

// TestCable: two Links, each on the slave of its own pty pair, talk through
// a Cable as they would through a null-modem cable; cutting it loses what
// is sent meanwhile, restoring it carries new frames, not stale ones.
func TestCable(t *testing.T) {
	cable, pathA, pathB, err := OpenCable()
	if err != nil {
		t.Fatal(err)
	}
	defer cable.Close()
	a, err := Open(Config{Name: "serial0", Device: pathA}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(Config{Name: "serial0", Device: pathB}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	send := func(l *Link, msg string) {
		t.Helper()
		if err := l.Send(cluster.Broadcast, []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	expect := func(l *Link, msg string) {
		t.Helper()
		if p := recvPacket(t, l); string(p.Buf) != msg {
			t.Fatalf("got %q, want %q", p.Buf, msg)
		}
	}

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"connected", func(t *testing.T) {
			send(a, "a->b")
			expect(b, "a->b")
			send(b, "b->a")
			expect(a, "b->a")
		}},
		{"cut", func(t *testing.T) {
			cable.Cut()
			before := cable.Discarded()
			send(a, "lost a->b")
			send(b, "lost b->a")
			waitFor(t, "the cable to discard both frames", func() bool {
				return cable.Discarded()-before >= uint64(len(Encode(nil, []byte("lost a->b")))+len(Encode(nil, []byte("lost b->a"))))
			})
			expectSilence(t, a, 100*time.Millisecond)
			expectSilence(t, b, 0)
		}},
		{"restored", func(t *testing.T) {
			cable.Restore()
			send(a, "again a->b")
			expect(b, "again a->b")
			send(b, "again b->a")
			expect(a, "again b->a")
		}},
	}
	for _, s := range steps {
		t.Run(s.name, s.run)
	}
	if d := a.LinkDrops() + b.LinkDrops(); d != 0 {
		t.Errorf("%d garbled frames on a cable cut between frames", d)
	}
}

// TestCableEndRestarts: one end's process goes away and comes back (its
// Link closed and reopened on the same path); the cable keeps working and
// the other end never notices more than silence.
func TestCableEndRestarts(t *testing.T) {
	cable, pathA, pathB, err := OpenCable()
	if err != nil {
		t.Fatal(err)
	}
	defer cable.Close()
	a, err := Open(Config{Name: "serial0", Device: pathA}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(Config{Name: "serial0", Device: pathB}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	// Sent while nobody is at the far end: lost or delivered late, never
	// blocking.
	for range 5 {
		if err := a.Send(cluster.Broadcast, []byte("anyone?")); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(50 * time.Millisecond)

	b, err = Open(Config{Name: "serial0", Device: pathB}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := a.Send(cluster.Broadcast, []byte("hello again")); err != nil {
		t.Fatal(err)
	}
	for {
		p := recvPacket(t, b)
		if string(p.Buf) == "hello again" {
			break
		}
		if string(p.Buf) != "anyone?" {
			t.Fatalf("unexpected %q", p.Buf)
		}
	}
	if err := b.Send(cluster.Broadcast, []byte("back")); err != nil {
		t.Fatal(err)
	}
	if p := recvPacket(t, a); string(p.Buf) != "back" {
		t.Fatalf("got %q", p.Buf)
	}
}

// TestCableClose: closing the cable hangs up both ends; the Links neither
// spin nor fail to close, and Close is idempotent.
func TestCableClose(t *testing.T) {
	cable, pathA, _, err := OpenCable()
	if err != nil {
		t.Fatal(err)
	}
	a, err := Open(Config{Name: "serial0", Device: pathA}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for range 2 {
		if err := cable.Close(); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the hangup to reach the link", func() bool { return a.Stats().ReadErrors > 0 })
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
}

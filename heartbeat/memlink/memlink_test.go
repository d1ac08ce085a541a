package memlink

import (
	"errors"
	"testing"
	"time"

	"pacer/heartbeat"
	"pacer/internal/clock"
	"pacer/internal/cluster"
)

func pending(l *Link) int { return len(l.ch) }

func TestNetworkFaults(t *testing.T) {
	tests := []struct {
		name  string
		fault func(n *Network)
		// frames from node 1 that nodes 2 and 3 receive on ring0 / ring1
		want2, want3 [2]int
	}{
		{"healthy", func(*Network) {}, [2]int{1, 1}, [2]int{1, 1}},
		{"partition 1|2", func(n *Network) { n.Partition(1, 2) }, [2]int{0, 0}, [2]int{1, 1}},
		{"cut ring0 1-2", func(n *Network) { n.CutLink("ring0", 1, 2) }, [2]int{0, 1}, [2]int{1, 1}},
		{"isolate 1", func(n *Network) { n.Isolate(1) }, [2]int{0, 0}, [2]int{0, 0}},
		{"heal", func(n *Network) { n.Isolate(1); n.HealAll() }, [2]int{1, 1}, [2]int{1, 1}},
		{"drop all", func(n *Network) { n.Drop(1) }, [2]int{0, 0}, [2]int{0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := NewNetwork(clock.NewFake(time.Unix(0, 0)), 1)
			l := map[cluster.NodeID][2]*Link{}
			for id := cluster.NodeID(1); id <= 3; id++ {
				l[id] = [2]*Link{n.Link(id, "ring0"), n.Link(id, "ring1")}
			}
			tc.fault(n)
			for i := 0; i < 2; i++ {
				if err := l[1][i].Send(cluster.Broadcast, []byte("hb")); err != nil {
					t.Fatal(err)
				}
			}
			for i := 0; i < 2; i++ {
				if got := pending(l[2][i]); got != tc.want2[i] {
					t.Errorf("node 2 link %d got %d, want %d", i, got, tc.want2[i])
				}
				if got := pending(l[3][i]); got != tc.want3[i] {
					t.Errorf("node 3 link %d got %d, want %d", i, got, tc.want3[i])
				}
				if got := pending(l[1][i]); got != 0 {
					t.Errorf("sender heard itself")
				}
			}
		})
	}
}

func TestDelayUsesClockAndDropIsSeeded(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	n := NewNetwork(clk, 7)
	a, b := n.Link(1, "r"), n.Link(2, "r")
	n.Delay(50 * time.Millisecond)
	if err := a.Send(2, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if pending(b) != 0 {
		t.Fatal("delayed frame arrived early")
	}
	clk.Advance(50 * time.Millisecond)
	p := <-b.Packets()
	if string(p.Buf) != "x" || !p.ReceivedAt.Equal(time.Unix(0, int64(50*time.Millisecond))) {
		t.Fatalf("packet %+v", p)
	}

	count := func(seed int64) int {
		n := NewNetwork(clock.NewFake(time.Unix(0, 0)), seed)
		a, b := n.Link(1, "r"), n.Link(2, "r")
		n.Drop(0.5)
		got := 0
		for i := 0; i < 200; i++ {
			_ = a.Send(2, []byte("x"))
			got += pending(b)
			for pending(b) > 0 {
				<-b.Packets()
			}
		}
		return got
	}
	if c1, c2 := count(3), count(3); c1 != c2 || c1 < 60 || c1 > 140 {
		t.Fatalf("seeded drop not reproducible or not ~50%%: %d vs %d", c1, c2)
	}
}

func TestSendErrors(t *testing.T) {
	n := NewNetwork(clock.NewFake(time.Unix(0, 0)), 1)
	a := n.Link(1, "r")
	n.Link(2, "r")
	if err := a.Send(9, []byte("x")); !errors.Is(err, heartbeat.ErrUnknownPeer) {
		t.Fatalf("unknown peer: %v", err)
	}
	if err := a.Send(2, make([]byte, DefaultMTU+1)); !errors.Is(err, heartbeat.ErrTooLarge) {
		t.Fatalf("too large: %v", err)
	}
	a.Close()
	a.Close()
	if err := a.Send(2, []byte("x")); !errors.Is(err, heartbeat.ErrLinkClosed) {
		t.Fatalf("closed: %v", err)
	}
}

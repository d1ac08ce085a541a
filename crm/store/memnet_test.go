package store

import (
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"
)

// newIdleNode builds a node that is never run: what Deliver hands it stays
// in its inbox, where the test can count it.
func newIdleNode(t *testing.T, net *MemNetwork, id uint64) *Node {
	t.Helper()
	l, err := Open(t.TempDir() + "/n.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	c := &testCluster{t: t}
	n, err := New(c.config(id, []Peer{{ID: 1, Name: "a"}, {ID: 2, Name: "b"}, {ID: 3, Name: "c"}}), l, net.Transport(id), fakeClock(), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	net.Register(n)
	return n
}

func TestMemNetworkDeliveredByTheTest(t *testing.T) {
	net := NewMemNetwork(7, 2)
	a, b, c := newIdleNode(t, net, 1), newIdleNode(t, net, 2), newIdleNode(t, net, 3)
	tr := net.Transport(1)
	send := func(to uint64, n int) {
		for range n {
			tr.Send([]*pb.Message{{Type: pb.MsgHeartbeat.Enum(), From: new(uint64(1)), To: new(to)}})
		}
	}
	steps := []struct {
		name    string
		act     func()
		toB     int    // messages 2 receives on Deliver
		toC     int    // and 3
		reports uint64 // a's unreachable reports so far
	}{
		{"queued until delivered", func() { send(2, 1); send(3, 1) }, 1, 1, 0},
		{"a full link drops and reports", func() { send(2, 5) }, 2, 0, 3},
		{"cut", func() { net.Cut(1, 2); send(2, 1); send(3, 1) }, 0, 1, 3},
		{"cut after sending", func() { net.Heal(); send(2, 1); net.Cut(2, 1) }, 0, 0, 3},
		{"partition", func() { net.Heal(); net.Partition([]uint64{1}, []uint64{2, 3}); send(2, 1); send(3, 1) }, 0, 0, 3},
		{"healed", func() { net.Heal(); send(2, 1) }, 1, 0, 3},
		{"all dropped", func() { net.SetDropRate(1); send(2, 2) }, 0, 0, 3},
		{"filtered", func() {
			net.SetDropRate(0)
			net.SetFilter(func(m *pb.Message) bool { return m.GetTo() == 3 })
			send(2, 1)
			send(3, 1)
		}, 1, 0, 3},
		{"gone", func() { net.SetFilter(nil); net.Unregister(3); send(3, 1) }, 0, 0, 3},
	}
	for _, s := range steps {
		b0, c0 := len(b.recvc), len(c.recvc)
		s.act()
		if net.Pending() != 0 && net.Deliver() == 0 && s.toB+s.toC > 0 {
			t.Fatalf("%s: nothing delivered", s.name)
		}
		if got := len(b.recvc) - b0; got != s.toB {
			t.Errorf("%s: node 2 got %d, want %d", s.name, got, s.toB)
		}
		if got := len(c.recvc) - c0; got != s.toC {
			t.Errorf("%s: node 3 got %d, want %d", s.name, got, s.toC)
		}
		if got := a.Stats().Unreachable; got != s.reports {
			t.Errorf("%s: %d unreachable reports, want %d", s.name, got, s.reports)
		}
		if net.Pending() != 0 {
			t.Fatalf("%s: %d still pending after Deliver", s.name, net.Pending())
		}
	}
	// A dropped snapshot is also reported as failed.
	net.Heal()
	for range 3 {
		tr.Send([]*pb.Message{{Type: pb.MsgSnap.Enum(), From: new(uint64(1)), To: new(uint64(2)), Snapshot: &pb.Snapshot{}}})
	}
	if st := a.Stats(); st.Unreachable != 4 || st.SnapshotFailures != 1 {
		t.Fatalf("after a dropped snapshot: %+v", st)
	}
}

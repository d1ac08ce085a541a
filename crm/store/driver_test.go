package store

import (
	"errors"
	"testing"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"pacer/crm/cib"
)

// queueTransport collects what a driven node sends.
type queueTransport struct{ q *[]*pb.Message }

func (t queueTransport) Send(msgs []*pb.Message) {
	for _, m := range msgs {
		*t.q = append(*t.q, proto.Clone(m).(*pb.Message))
	}
}

// Three driven nodes elect a leader and commit a config change with no
// goroutine: the Driver runs the loop's code on the caller's.
func TestDriverElectsAndCommits(t *testing.T) {
	var q []*pb.Message
	peers := []Peer{{1, "node1"}, {2, "node2"}, {3, "node3"}}
	clk := fakeClock()
	ds := map[uint64]*Driver{}
	for _, p := range peers {
		cfg := DefaultConfig(p.ID, p.Name)
		cfg.Peers = peers
		n, err := New(cfg, NewMemLog(string(p.Name)), queueTransport{&q}, clk, testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		d, err := NewDriver(n)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Start(); err != nil {
			t.Fatal(err)
		}
		ds[p.ID] = d
	}
	if _, err := NewDriver(ds[1].Node()); err == nil {
		t.Fatal("a second driver took a driven node")
	}
	pump := func() {
		for len(q) > 0 {
			m := q[0]
			q = q[1:]
			if err := ds[m.GetTo()].Receive(m); err != nil {
				t.Fatal(err)
			}
		}
	}
	var lead *Driver
	for tick := 0; lead == nil; tick++ {
		if tick > 100 {
			t.Fatal("no leader in 100 ticks")
		}
		for id := uint64(1); id <= 3; id++ {
			if err := ds[id].Tick(); err != nil {
				t.Fatal(err)
			}
		}
		pump()
		for _, d := range ds {
			if d.Node().Status().State == raft.StateLeader {
				lead = d
			}
		}
	}
	base, v, err := lead.Node().Local()
	if err != nil {
		t.Fatal(err)
	}
	c := *base
	c.Configuration.Resources = []*cib.Resource{{Kind: cib.KindPrimitive, ID: "d1", Class: "ocf", Provider: "pacemaker", Type: "Dummy"}}
	var applied []Applied
	lead.OnApply(func(a Applied) { applied = append(applied, a) })
	p, err := lead.ProposeConfig(v, &c)
	if err != nil {
		t.Fatal(err)
	}
	// The same version again: the loser of the compare-and-swap.
	p2, err := lead.ProposeConfig(v, &c)
	if err != nil {
		t.Fatal(err)
	}
	pump()
	nv, err, ok := p.Result()
	if !ok || err != nil || nv.Epoch != v.Epoch+1 {
		t.Fatalf("first proposal: %v %v %v", nv, err, ok)
	}
	if _, err, ok := p2.Result(); !ok || !errors.Is(err, ErrConflict) {
		t.Fatalf("second proposal: %v %v, want a conflict", err, ok)
	}
	if len(applied) != 2 || applied[0].Kind != "config" || applied[0].Err != nil || applied[1].Err == nil {
		t.Fatalf("applied %+v", applied)
	}
	if node, _ := p.ID(); node != lead.Node().ID() || applied[0].ReqNode != node {
		t.Fatalf("request ids: pending %d, applied %d", node, applied[0].ReqNode)
	}
	for _, id := range []uint64{1, 2, 3} {
		ds[id].Tick()
	}
	pump()
	for id, d := range ds {
		if _, got, _ := d.Node().Local(); got != nv {
			t.Fatalf("node %d at %s, want %s", id, got, nv)
		}
	}
}

// A failed write stops the driven node, as it stops Run.
func TestDriverStopsOnDiskFailure(t *testing.T) {
	l := NewMemLog("m")
	cfg := DefaultConfig(1, "node1")
	cfg.Peers = []Peer{{1, "node1"}}
	var q []*pb.Message
	n, err := New(cfg, l, queueTransport{&q}, fakeClock(), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewDriver(n)
	if err != nil {
		t.Fatal(err)
	}
	l.SetFailWrites(ErrDiskFailed)
	if err := d.Start(); !errors.Is(err, ErrDiskFailed) || !errors.Is(d.Err(), ErrDiskFailed) {
		t.Fatalf("start on a failing disk: %v", err)
	}
	if err := d.Tick(); !errors.Is(err, ErrDiskFailed) {
		t.Fatalf("tick after the failure: %v", err)
	}
	if len(q) != 0 {
		t.Fatalf("a node that could not persist sent %d messages", len(q))
	}
}

package store

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"

	"pacer/crm/cib"
)

// commitConfigs commits n config changes through node p, each adding a
// resource, and returns the resource ids in the CIB afterwards.
func commitConfigs(t *testing.T, c *testCluster, p *Node, prefix string, n int) []string {
	t.Helper()
	for i := range n {
		// p applied its own last proposal before it returned: Local is
		// current.
		cur, v, err := p.Local()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.proposeConfig(p, v, configWith(cur, fmt.Sprintf("%s%d", prefix, i))); err != nil {
			t.Fatalf("config %s%d: %v", prefix, i, err)
		}
	}
	cur, _, _ := p.Local()
	return resourceIDs(cur)
}

func TestLeaderKilledNoCommittedConfigLost(t *testing.T) {
	c := newCluster(t, clusterOpts{n: 3})
	old := c.leader()
	oldTerm := old.Status().Term
	want := commitConfigs(t, c, old, "r", 3)
	c.crash(old.ID())

	lead := c.leader()
	if lead.ID() == old.ID() || lead.Status().Term <= oldTerm {
		t.Fatalf("new leader %d term %d after %d term %d", lead.ID(), lead.Status().Term, old.ID(), oldTerm)
	}
	// A linearizable read on the new leader and on its follower sees every
	// committed change.
	for _, tn := range c.running() {
		r := await(c, "read config", async(func() (*cib.CIB, error) {
			got, _, err := tn.node.ReadConfig(context.Background())
			return got, err
		}))
		if r.err != nil || !slices.Equal(resourceIDs(r.v), want) {
			t.Fatalf("node %d reads %v, %v; want %v", tn.id, resourceIDs(r.v), r.err, want)
		}
	}
	want = commitConfigs(t, c, lead, "s", 2)

	// The old leader comes back and catches up.
	c.restart(old.ID())
	c.waitApplied(lead)
	got, _, _ := c.node(old.ID()).Local()
	if !slices.Equal(resourceIDs(got), want) {
		t.Fatalf("restarted old leader has %v, want %v", resourceIDs(got), want)
	}
	c.checkInvariants()
}

func TestRestartFromBoltCatchesUp(t *testing.T) {
	c := newCluster(t, clusterOpts{n: 3})
	lead := c.leader()
	commitConfigs(t, c, lead, "a", 3)
	c.waitApplied(lead)
	victim := follower(0)(c, lead).ID()
	applied := c.node(victim).Status().Applied
	c.crash(victim)
	want := commitConfigs(t, c, lead, "b", 3)

	tn := c.restart(victim)
	// The applied index and state come back from the file before any
	// message arrives.
	if got := tn.node.applied; got != applied {
		t.Fatalf("restored applied %d, want %d", got, applied)
	}
	c.waitApplied(lead)
	got, v, _ := tn.node.Local()
	_, lv, _ := lead.Local()
	if !slices.Equal(resourceIDs(got), want) || v != lv {
		t.Fatalf("restarted node has %v at %s, want %v at %s", resourceIDs(got), v, want, lv)
	}
	// Nothing applied before the crash was applied again (checked by
	// checkInvariants: every index once per node), and what was applied
	// after the restart starts right after the restored index.
	c.mu.Lock()
	var after []uint64
	for _, e := range c.applied[victim] {
		if e.index > applied {
			after = append(after, e.index)
		}
	}
	c.mu.Unlock()
	if len(after) == 0 {
		t.Fatal("restarted node applied nothing new")
	}
	c.checkInvariants()
}

func TestLaggingNodeCatchesUpBySnapshot(t *testing.T) {
	c := newCluster(t, clusterOpts{n: 3, snapshotEntries: 5, tail: 2})
	lead := c.leader()
	victim := follower(0)(c, lead).ID()
	applied := c.node(victim).Status().Applied
	c.crash(victim)
	for i := range 20 {
		if _, err := c.proposeStatus(lead, StatusUpdate{Node: "node1", Attrs: []AttrUpdate{{Name: fmt.Sprintf("a%d", i), Value: "1"}}}); err != nil {
			t.Fatal(err)
		}
	}
	want := commitConfigs(t, c, lead, "x", 1)
	leadLog := c.nodes[lead.ID()].log
	first, _ := leadLog.FirstIndex()
	snap, _ := leadLog.Snapshot()
	if first <= applied+1 || snap.GetMetadata().GetIndex() == 0 {
		t.Fatalf("leader log starts at %d, snapshot at %d: not compacted past the victim's %d", first, snap.GetMetadata().GetIndex(), applied)
	}

	tn := c.restart(victim)
	c.waitApplied(lead)
	got, v, _ := tn.node.Local()
	_, lv, _ := lead.Local()
	if !slices.Equal(resourceIDs(got), want) || v != lv || len(got.Status.Nodes) != 1 || len(got.Status.Nodes[0].Transient[0].Pairs) != 20 {
		t.Fatalf("victim has %v at %s, want %v at %s", resourceIDs(got), v, want, lv)
	}
	// The entries compacted away on the leader were never applied one by
	// one on the victim: it took the snapshot.
	c.mu.Lock()
	for _, e := range c.applied[victim] {
		if e.index > applied && e.index < first {
			t.Errorf("victim applied compacted entry %d", e.index)
		}
	}
	c.mu.Unlock()
	vsnap, _ := tn.log.Snapshot()
	if vsnap.GetMetadata().GetIndex() < first-1 {
		t.Fatalf("victim's snapshot at %d, want at least %d", vsnap.GetMetadata().GetIndex(), first-1)
	}
	// The members survived the snapshot too.
	if ms := tn.node.Members(); len(ms) != 3 {
		t.Fatalf("members after snapshot: %+v", ms)
	}
	c.checkInvariants()

	// And the victim restarts from its own snapshot.
	c.crash(victim)
	tn = c.restart(victim)
	got, _, _ = tn.node.Local()
	if !slices.Equal(resourceIDs(got), want) {
		t.Fatalf("after restart from snapshot: %v", resourceIDs(got))
	}
}

// A snapshot lost on the wire (the transport accepted it, so nobody reports
// a failure) is given up on after SnapshotTimeoutTicks and sent again.
func TestLostSnapshotIsResent(t *testing.T) {
	c := newCluster(t, clusterOpts{n: 3, snapshotEntries: 5, tail: 2})
	lead := c.leader()
	victim := follower(0)(c, lead).ID()
	c.crash(victim)
	for i := range 12 {
		if _, err := c.proposeStatus(lead, StatusUpdate{Node: "node1", Attrs: []AttrUpdate{{Name: fmt.Sprintf("a%d", i), Value: "1"}}}); err != nil {
			t.Fatal(err)
		}
	}
	var lost atomic.Int32
	c.net.SetFilter(func(m *pb.Message) bool {
		return m.GetType() == pb.MsgSnap && lost.CompareAndSwap(0, 1)
	})
	c.restart(victim)
	c.waitApplied(lead)
	if lost.Load() != 1 {
		t.Fatalf("%d snapshots lost, want 1", lost.Load())
	}
	got, _, _ := c.node(victim).Local()
	if n := len(got.Status.Nodes[0].Transient[0].Pairs); n != 12 {
		t.Fatalf("victim has %d attributes, want 12", n)
	}
	c.checkInvariants()
}

package store

import (
	"context"
	"errors"
	"slices"
	"testing"

	"pacer/internal/cluster"
)

// confIs waits until every running node's configuration but skip's has nv
// voters and nl learners and satisfies extra.
func confIs(c *testCluster, nv, nl int, skip uint64, extra func(voters, learners []uint64) bool) {
	c.t.Helper()
	c.waitFor("configuration settles", 600, func() bool {
		for _, tn := range c.running() {
			if tn.id == skip {
				continue // removed: it no longer hears of changes
			}
			st := tn.node.Status()
			if len(st.Voters) != nv || len(st.Learners) != nl || (extra != nil && !extra(st.Voters, st.Learners)) {
				return false
			}
		}
		return true
	})
}

func (c *testCluster) addNode(via *Node, name cluster.NodeName) (uint64, error) {
	c.t.Helper()
	r := await(c, "add node", async(func() (uint64, error) { return via.AddNode(context.Background(), name) }))
	return r.v, r.err
}

func (c *testCluster) removeNode(via *Node, id uint64) error {
	c.t.Helper()
	r := await(c, "remove node", async(func() (struct{}, error) { return struct{}{}, via.RemoveNode(context.Background(), id) }))
	return r.err
}

func TestSevenNodesFiveVotersTwoLearners(t *testing.T) {
	c := newCluster(t, clusterOpts{n: 3, maxVoters: 5})
	lead := c.leader()
	for want := uint64(4); want <= 7; want++ {
		id, err := c.addNode(follower(0)(c, lead), nodeName(want))
		if err != nil || id != want {
			t.Fatalf("add %s: id %d, %v; want %d", nodeName(want), id, err, want)
		}
		c.start(id, nil)
	}
	confIs(c, 5, 2, 0, nil)
	if _, err := c.addNode(lead, nodeName(5)); !errors.Is(err, ErrMemberExists) {
		t.Fatalf("adding an existing name: %v", err)
	}

	// Remove a voter that is not the leader: a learner takes its place.
	lead = c.leader()
	st := lead.Status()
	var victim uint64
	for _, v := range st.Voters {
		if v != lead.ID() {
			victim = v
			break
		}
	}
	learners := st.Learners
	if err := c.removeNode(lead, victim); err != nil {
		t.Fatal(err)
	}
	confIs(c, 5, 1, victim, func(voters, ls []uint64) bool {
		return !slices.Contains(voters, victim) && !slices.Contains(ls, victim)
	})
	st = lead.Status()
	promoted := 0
	for _, l := range learners {
		if slices.Contains(st.Voters, l) {
			promoted++
		}
	}
	if promoted != 1 {
		t.Fatalf("voters %v learners %v after removing %d; learners before %v", st.Voters, st.Learners, victim, learners)
	}
	c.crash(victim)
	if err := c.removeNode(lead, victim); !errors.Is(err, ErrNoMember) {
		t.Fatalf("removing %d twice: %v", victim, err)
	}

	// Ids are never reused: the removed node's name comes back under a new
	// id, after the highest ever allocated.
	id, err := c.addNode(lead, nodeName(victim))
	if err != nil || id != 8 {
		t.Fatalf("re-add %s: id %d, %v; want 8", nodeName(victim), id, err)
	}
	c.start(id, nil)
	confIs(c, 5, 2, 0, func(voters, ls []uint64) bool { return slices.Contains(ls, 8) || slices.Contains(voters, 8) })
	ms := lead.Members()
	if len(ms) != 8 || !ms[victim-1].Removed || ms[7].ID != 8 {
		t.Fatalf("members %+v", ms)
	}
	c.checkInvariants()
}

func TestRemoveLeaderHandsOver(t *testing.T) {
	c := newCluster(t, clusterOpts{n: 3, maxVoters: 3})
	lead := c.leader()
	id, err := c.addNode(lead, nodeName(4))
	if err != nil {
		t.Fatal(err)
	}
	c.start(id, nil)
	confIs(c, 3, 1, 0, nil)
	old := lead.ID()
	// Asked on another node: the removed one may never hear that its
	// removal applied.
	if err := c.removeNode(follower(0)(c, lead), old); err != nil {
		t.Fatal(err)
	}
	// The leader hands over, the new leader removes it and promotes the
	// learner.
	c.waitFor("old leader removed by its successor", 600, func() bool {
		for _, tn := range c.running() {
			st := tn.node.Status()
			if tn.id != old && (slices.Contains(st.Voters, old) || len(st.Voters) != 3 || st.Lead == old || st.Lead == 0) {
				return false
			}
		}
		return true
	})
	c.crash(old)
	lead = c.leader()
	if _, err := c.proposeStatus(lead, StatusUpdate{Node: "node2"}); err != nil {
		t.Fatalf("cluster without its old leader: %v", err)
	}
	c.checkInvariants()
}

// A node that joins after the log was compacted catches up from a snapshot
// that includes it (the stored one predates its conf change and would be
// refused), without waiting for the lost-snapshot timeout.
func TestJoinAfterCompaction(t *testing.T) {
	c := newCluster(t, clusterOpts{n: 3, snapshotEntries: 50, tail: 1, snapTimeout: 100000})
	lead := c.leader()
	// 60 entries: a snapshot at 50, the log compacted behind it, and the
	// join's conf change before the next snapshot.
	var chs []chan asyncResult[Version]
	for range 60 {
		chs = append(chs, async(func() (Version, error) {
			return lead.ProposeStatus(context.Background(), StatusUpdate{Node: "node1", Attrs: []AttrUpdate{{Name: "a", Op: AttrAdd, Delta: 1}}})
		}))
	}
	for _, ch := range chs {
		if r := await(c, "status", ch); r.err != nil {
			t.Fatal(r.err)
		}
	}
	ll := c.nodes[lead.ID()].log
	if first, _ := ll.FirstIndex(); first <= 2 {
		t.Fatalf("log not compacted: first index %d", first)
	}
	id, err := c.addNode(lead, nodeName(4))
	if err != nil {
		t.Fatal(err)
	}
	confIs(c, 3, 1, 0, nil) // the learner is in the configuration...
	snap, _ := ll.Snapshot()
	if inConfState(snap.GetMetadata().GetConfState(), id) {
		t.Fatalf("stored snapshot at %d already has node %d: the case is not set up", snap.GetMetadata().GetIndex(), id)
	}
	c.start(id, nil) // ...before it starts, with only an older snapshot stored
	c.waitApplied(lead)
	got, _, _ := c.node(id).Local()
	if len(got.Status.Nodes) != 1 || got.Status.Nodes[0].Transient[0].Pairs[0].Value != "60" {
		t.Fatalf("joined node's status: %+v", got.Status)
	}
	c.checkInvariants()
}

// A learner that never started is not promoted, however short of voters
// the group is: it would be a voter that cannot vote.
func TestDeadLearnerNotPromoted(t *testing.T) {
	c := newCluster(t, clusterOpts{n: 3, maxVoters: 3})
	lead := c.leader()
	ghost, err := c.addNode(lead, "ghost") // never started
	if err != nil {
		t.Fatal(err)
	}
	live, err := c.addNode(lead, nodeName(5))
	if err != nil {
		t.Fatal(err)
	}
	c.start(live, nil)
	confIs(c, 3, 2, 0, nil)
	victim := follower(0)(c, lead).ID()
	if err := c.removeNode(lead, victim); err != nil {
		t.Fatal(err)
	}
	c.crash(victim)
	confIs(c, 3, 1, 0, func(voters, learners []uint64) bool {
		return slices.Contains(voters, live) && slices.Equal(learners, []uint64{ghost})
	})
	// And the group still commits.
	if _, err := c.proposeStatus(c.leader(), StatusUpdate{Node: "node1"}); err != nil {
		t.Fatal(err)
	}
	c.checkInvariants()
}

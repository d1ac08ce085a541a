package store

import (
	"context"
	"errors"
	"slices"
	"testing"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"

	"pacer/internal/cluster"
)

// A two-voter group that lost a voter cannot commit; forced to a single
// voter, the survivor elects itself, keeps every committed entry and
// commits again. The lost node, back on its old log, rejoins under the new
// raft id the survivor allocated and is promoted back to voter.
func TestForceSingleVoterAndRejoin(t *testing.T) {
	for _, crashLeader := range []bool{true, false} {
		name := "follower survives"
		if !crashLeader {
			name = "leader survives"
		}
		t.Run(name, func(t *testing.T) {
			c := newCluster(t, clusterOpts{n: 2})
			lead := c.leader()
			want := commitConfigs(t, c, lead, "r", 3)
			c.waitApplied(lead)
			c.checkInvariants()
			var lost, surv uint64 = lead.ID(), 3 - lead.ID()
			if !crashLeader {
				lost, surv = surv, lost
			}
			c.crash(lost)
			s := c.node(surv)

			// Without the force, nothing commits: one of two voters is no
			// quorum.
			c.waitFor("survivor without a leader", 100, func() bool { return s.Status().Lead == 0 })
			ctx, cancel := context.WithCancel(context.Background())
			ch := async(func() (Version, error) {
				cur, v, _ := s.Local()
				return s.ProposeConfig(ctx, v, configWith(cur, "lost"))
			})
			for range 30 {
				c.tick()
			}
			select {
			case r := <-ch:
				if r.err == nil {
					t.Fatalf("a one-of-two survivor committed %v", r.v)
				}
			default:
			}
			cancel()

			r := await(c, "force", async(func() (ForceReport, error) { return s.ForceSingleVoter(context.Background()) }))
			if r.err != nil {
				t.Fatal(r.err)
			}
			if !slices.Equal(r.v.Removed, []uint64{lost}) || r.v.Index != r.v.Last+1 || r.v.Committed > r.v.Last || r.v.Applied > r.v.Committed {
				t.Fatalf("report %+v", r.v)
			}
			c.waitFor("survivor leads alone", 50, func() bool {
				st := s.Status()
				return st.State == raft.StateLeader && slices.Equal(st.Voters, []uint64{surv})
			})
			got, _, _ := s.Local()
			if !slices.Equal(resourceIDs(got), want) {
				t.Fatalf("after the force the CIB has %v, want %v", resourceIDs(got), want)
			}
			if m := memberOf(s, lost); m == nil || !m.Removed {
				t.Fatalf("member %d after the force: %+v", lost, m)
			}
			want = commitConfigs(t, c, s, "s", 2)
			// Forcing again is a no-op.
			if r := await(c, "force again", async(func() (ForceReport, error) { return s.ForceSingleVoter(context.Background()) })); r.err != nil || len(r.v.Removed) != 0 {
				t.Fatalf("second force: %+v, %v", r.v, r.err)
			}

			// The lost node's name gets a new raft id.
			newID, err := c.addNode(s, nodeName(lost))
			if err != nil || newID <= 2 {
				t.Fatalf("new id for %s: %d, %v", nodeName(lost), newID, err)
			}
			tn := c.restart(lost)
			heard := make(chan uint64, 16)
			tn.node.SetReaddressed(func(m *pb.Message) {
				select {
				case heard <- m.GetTo():
				default:
				}
			})
			// Its own log still says voter of {1,2}: its messages do not
			// disturb the survivor (pre-vote), which leads on.
			for range 30 {
				c.tick()
			}
			if st := s.Status(); st.State != raft.StateLeader {
				t.Fatalf("survivor lost the lead to the old node: %+v", st)
			}
			// A leader's message to the new id reaches the node (the wire
			// routes by member name): it tells the node's daemon.
			if err := tn.node.Step(context.Background(), &pb.Message{Type: pb.MsgHeartbeat.Enum(), From: new(surv), To: new(newID), Term: new(s.Status().Term)}); err == nil {
				t.Fatal("a message to another raft id was stepped")
			}
			if got := <-heard; got != newID {
				t.Fatalf("readdressed to %d, want %d", got, newID)
			}
			if err := tn.node.Rejoin(context.Background(), lost); err == nil {
				t.Fatal("rejoin under an id not above the current one was accepted")
			}
			rj := await(c, "rejoin", async(func() (struct{}, error) { return struct{}{}, tn.node.Rejoin(context.Background(), newID) }))
			if rj.err != nil {
				t.Fatal(rj.err)
			}
			c.net.Unregister(lost)
			c.net.Register(tn.node)
			c.waitFor("the rejoined node is a voter again", 600, func() bool {
				st := s.Status()
				return slices.Equal(st.Voters, []uint64{min(surv, newID), max(surv, newID)}) && len(st.Learners) == 0 &&
					tn.node.Status().Applied == st.Applied
			})
			got, _, _ = tn.node.Local()
			if !slices.Equal(resourceIDs(got), want) {
				t.Fatalf("the rejoined node has %v, want %v", resourceIDs(got), want)
			}
			// And the id survives a restart: the log records it.
			c.crash(lost)
			tn = c.restart(lost)
			if tn.node.ID() != newID {
				t.Fatalf("restarted rejoined node has raft id %d, want %d", tn.node.ID(), newID)
			}
			c.net.Register(tn.node)
			want = commitConfigs(t, c, c.leader(), "t", 1)
			c.waitApplied(s)
			got, _, _ = tn.node.Local()
			if !slices.Equal(resourceIDs(got), want) {
				t.Fatalf("after restart the rejoined node has %v, want %v", resourceIDs(got), want)
			}
		})
	}
}

func memberOf(n *Node, id uint64) *Member {
	for _, m := range n.Members() {
		if m.ID == id {
			return &m
		}
	}
	return nil
}

// A configured id is taken as given; one handed out before is refused.
func TestAddMemberID(t *testing.T) {
	c := newCluster(t, clusterOpts{n: 3, maxVoters: 3})
	lead := c.leader()
	r := await(c, "add 9", async(func() (struct{}, error) {
		return struct{}{}, lead.AddMemberID(context.Background(), 9, "node9")
	}))
	if r.err != nil {
		t.Fatal(r.err)
	}
	for _, tc := range []struct {
		id   uint64
		name string
		want error
	}{
		{2, "other", ErrIDUsed},        // a member's id
		{5, "five", ErrIDUsed},         // below the ids handed out
		{10, "node9", ErrMemberExists}, // the name is a member
	} {
		r := await(c, "add", async(func() (struct{}, error) {
			return struct{}{}, lead.AddMemberID(context.Background(), tc.id, cluster.NodeName(tc.name))
		}))
		if !errors.Is(r.err, tc.want) {
			t.Errorf("add %s as %d: %v, want %v", tc.name, tc.id, r.err, tc.want)
		}
	}
	if id, err := c.addNode(lead, "node10"); err != nil || id != 10 {
		t.Fatalf("the next allocated id is %d, %v; want 10", id, err)
	}
	c.start(9, nil)
	confIs(c, 3, 2, 0, nil)
}

// An entry the follower stored but never saw committed (the leader died
// before telling it) is kept and committed by the force: with two voters
// the dead leader may have committed it and answered its proposer, so
// dropping the survivor's log tail, as etcd's force-new-cluster does,
// could lose an acknowledged change.
func TestForceKeepsTheLogTail(t *testing.T) {
	c := newCluster(t, clusterOpts{n: 2})
	lead := c.leader()
	want := commitConfigs(t, c, lead, "r", 1)
	c.waitApplied(lead)
	fol := c.node(3 - lead.ID())
	// The leader's appends arrive; the follower's answers and the
	// leader's later commit index do not.
	c.net.SetFilter(func(m *pb.Message) bool {
		return m.GetFrom() == fol.ID() || m.GetType() == pb.MsgHeartbeat || m.GetCommit() > 0 && m.GetType() == pb.MsgApp && len(m.GetEntries()) == 0
	})
	cur, v, _ := lead.Local()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _, _ = lead.ProposeConfig(ctx, v, configWith(cur, "tail")) }()
	c.waitFor("the follower stored the tail entry", 50, func() bool {
		last, _ := c.nodes[fol.ID()].log.LastIndex()
		return last > fol.Status().Commit
	})
	c.crash(lead.ID())
	c.net.SetFilter(nil)
	r := await(c, "force", async(func() (ForceReport, error) { return fol.ForceSingleVoter(context.Background()) }))
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.v.Last <= r.v.Committed {
		t.Fatalf("no uncommitted tail when forcing: %+v", r.v)
	}
	c.waitFor("the follower leads alone", 50, func() bool { return fol.Status().State == raft.StateLeader })
	c.waitApplied(fol)
	got, _, _ := fol.Local()
	if want = append(want, "tail"); !slices.Equal(resourceIDs(got), want) {
		t.Fatalf("after the force %v, want %v (the tail entry kept)", resourceIDs(got), want)
	}
}

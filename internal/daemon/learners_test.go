package daemon

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"go.uber.org/zap"

	"pacer/crm/cib"
	"pacer/crm/store"
	"pacer/heartbeat"
	"pacer/heartbeat/memlink"
	"pacer/internal/clock"
	"pacer/internal/cluster"
	"pacer/internal/config"
)

func TestStoreConfigVotersAndLearners(t *testing.T) {
	cfg := config.Defaults()
	cfg.Node = config.NodeConfig{Name: "n7", ID: 7}
	for _, id := range []uint64{3, 1, 9, 4, 2, 8} {
		cfg.Peers = append(cfg.Peers, config.NodeConfig{Name: "n" + string(rune('0'+id)), ID: id, Witness: id == 9})
	}
	sc := StoreConfig(cfg)
	if len(sc.Peers) != 0 {
		t.Fatalf("node 7 is not among the first 5 voters (9 the witness, 1..4): peers %v, want none (it joins as a learner)", sc.Peers)
	}
	cfg.Node, cfg.Peers[0] = cfg.Peers[0], cfg.Node // now node 3
	sc = StoreConfig(cfg)
	var ids []uint64
	for _, p := range sc.Peers {
		ids = append(ids, p.ID)
	}
	if !reflect.DeepEqual(ids, []uint64{1, 2, 3, 4, 9}) || sc.MaxVoters != config.MaxVoters {
		t.Fatalf("voters %v (max %d), want the witness 9 and 1..4", ids, sc.MaxVoters)
	}
}

// Seven daemons: the first five vote, the DC adds the other two as
// learners under their node ids; they receive the CIB and may propose
// through it. A voter removed (stopped, then retired) is replaced by a
// learner.
func TestSevenDaemonsFiveVotersTwoLearners(t *testing.T) {
	if testing.Short() {
		t.Skip("seven daemons")
	}
	var names []string
	for i := range 7 {
		names = append(names, "node"+string(rune('1'+i)))
	}
	net := memlink.NewNetwork(clock.Real{}, 1)
	ds := make([]*Daemon, 7)
	stops := make([]context.CancelFunc, 7)
	dones := make([]chan error, 7)
	for i := range names {
		cfg := testConfig(t, i, names)
		cfg.Raft = config.RaftConfig{Tick: config.Duration{Duration: 20 * time.Millisecond}, ElectionTicks: 10, HeartbeatTicks: 1}
		d, err := New(cfg, Deps{Logger: zap.NewNop(), Keyring: keyring(), Links: []heartbeat.Link{net.Link(cluster.NodeID(i+1), "ring0")}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		ds[i], stops[i], dones[i] = d, cancel, make(chan error, 1)
		go func() { dones[i] <- d.Run(ctx) }()
	}
	halt := func(i int) {
		if stops[i] != nil {
			stops[i]()
			<-dones[i]
			stops[i] = nil
		}
	}
	defer func() {
		for i := range ds {
			halt(i)
		}
	}()
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				for i, d := range ds {
					t.Logf("%s: %+v", names[i], d.store.Status())
				}
				t.Fatalf("never happened: %s", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	dcOf := func() *Daemon {
		for i, d := range ds {
			if stops[i] != nil && d.store.Status().Lead == d.store.ID() {
				return d
			}
		}
		return nil
	}
	waitFor("5 voters and learners 6, 7 everywhere", func() bool {
		for i, d := range ds {
			st := d.store.Status()
			if stops[i] != nil && (!slices.Equal(st.Voters, []uint64{1, 2, 3, 4, 5}) || !slices.Equal(st.Learners, []uint64{6, 7})) {
				return false
			}
		}
		return dcOf() != nil
	})
	// A learner proposes (raft forwards it) and every node applies it.
	learner := ds[6].store
	var want []string
	waitFor("a config change through learner node7", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		cur, v, err := learner.ReadConfig(ctx)
		if err != nil {
			return false
		}
		c := *cur
		c.Configuration.Resources = append(c.Configuration.Resources, &cib.Resource{Kind: cib.KindPrimitive, ID: "via-learner", Class: "ocf", Provider: "pacemaker", Type: "Dummy"})
		_, err = learner.ProposeConfig(ctx, v, &c)
		want = []string{"via-learner"}
		return err == nil
	})
	waitFor("every node has the learner's change", func() bool {
		for _, d := range ds {
			if !slices.Equal(rscIDs(t, d.store), want) {
				return false
			}
		}
		return true
	})

	// Voter 5 dies and is retired: a learner takes its place.
	victim := 4
	if dcOf() == ds[victim] {
		victim = 3
	}
	halt(victim)
	dc := dcOf()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := dc.store.RemoveNode(ctx, uint64(victim+1)); err != nil {
		t.Fatal(err)
	}
	waitFor("a learner promoted in the retired voter's place", func() bool {
		st := dcOf().store.Status()
		return len(st.Voters) == 5 && !slices.Contains(st.Voters, uint64(victim+1)) && len(st.Learners) == 1 &&
			(slices.Contains(st.Voters, 6) || slices.Contains(st.Voters, 7))
	})
	// The retired id is never handed out again.
	m := dcOf().store.Members()
	if i := slices.IndexFunc(m, func(m store.Member) bool { return m.ID == uint64(victim+1) }); i < 0 || !m[i].Removed {
		t.Fatalf("member table %+v", m)
	}
}

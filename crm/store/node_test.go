package store

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"

	"go.etcd.io/raft/v3"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"pacer/crm/cib"
	"pacer/internal/logfield"
)

func TestThreeNodesElectOneLeader(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	c := newCluster(t, clusterOpts{n: 3, lg: zap.New(core)})
	lead := c.leader()
	leaders := 0
	for _, tn := range c.running() {
		st := tn.node.Status()
		if st.State == raft.StateLeader {
			leaders++
		}
		if id, term := tn.node.Leader(); id != lead.ID() || term != lead.Status().Term {
			t.Errorf("node %d sees leader %d term %d, want %d term %d", tn.id, id, term, lead.ID(), lead.Status().Term)
		}
	}
	if leaders != 1 {
		t.Fatalf("%d leaders", leaders)
	}
	// "elected DC" is logged by the winner with its name and the term.
	var elected []observer.LoggedEntry
	for _, e := range logs.FilterMessage("elected DC").All() {
		if e.ContextMap()[logfield.KeyTerm] == lead.Status().Term {
			elected = append(elected, e)
		}
	}
	if len(elected) != 1 || elected[0].Level != zapcore.InfoLevel || elected[0].LoggerName != "store" ||
		elected[0].ContextMap()[logfield.KeyNode] != string(nodeName(lead.ID())) {
		t.Fatalf("elected DC lines for the term: %+v", elected)
	}
	c.checkInvariants()
}

func TestWatchLeader(t *testing.T) {
	c := newCluster(t, clusterOpts{n: 3})
	lead := c.leader()
	n := follower(0)(c, lead) // it must outlive the leader
	ch, cancel := n.WatchLeader()
	defer cancel()
	var got Leadership
	c.waitFor("watcher sees the leader", 50, func() bool {
		select {
		case got = <-ch:
		default:
		}
		return got.ID == lead.ID()
	})
	if got.Term != lead.Status().Term || got.Name != nodeName(lead.ID()) {
		t.Fatalf("watched %+v, leader %d term %d", got, lead.ID(), lead.Status().Term)
	}
	// The leader crashes: the watcher hears of its successor.
	c.crash(lead.ID())
	c.waitFor("watcher sees a new leader", 300, func() bool {
		select {
		case got = <-ch:
		default:
		}
		return got.ID != 0 && got.ID != lead.ID()
	})
}

func TestConfigCAS(t *testing.T) {
	tests := []struct {
		name string
		a, b func(c *testCluster, lead *Node) *Node // the two proposers
	}{
		{"both on the leader", func(_ *testCluster, l *Node) *Node { return l }, func(_ *testCluster, l *Node) *Node { return l }},
		{"leader and follower", func(_ *testCluster, l *Node) *Node { return l }, follower(0)},
		{"two followers", follower(0), follower(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t, clusterOpts{n: 3})
			lead := c.leader()
			base, v0, err := lead.Local()
			if err != nil {
				t.Fatal(err)
			}
			pa, pb := tt.a(c, lead), tt.b(c, lead)
			ra := async(func() (Version, error) { return pa.ProposeConfig(context.Background(), v0, configWith(base, "A")) })
			rb := async(func() (Version, error) { return pb.ProposeConfig(context.Background(), v0, configWith(base, "B")) })
			a, b := await(c, "proposal A", ra), await(c, "proposal B", rb)
			win, lose, winRsc := a, b, "A"
			if a.err != nil {
				win, lose, winRsc = b, a, "B"
			}
			if win.err != nil {
				t.Fatalf("both lost: %v / %v", a.err, b.err)
			}
			want := Version{Epoch: v0.Epoch + 1}
			if win.v != want {
				t.Fatalf("winner at %s, want %s", win.v, want)
			}
			var ce *ConflictError
			if !errors.Is(lose.err, ErrConflict) || !errors.As(lose.err, &ce) {
				t.Fatalf("loser: %v, want a ConflictError", lose.err)
			}
			if ce.Expected != v0 || ce.Current != want || ce.CIB == nil || !slices.Equal(resourceIDs(ce.CIB), []string{winRsc}) || ce.CIB.Epoch != "1" {
				t.Fatalf("conflict %v with CIB %v", ce, ce.CIB)
			}
			// Retrying on the fresh copy works.
			v2, err := c.proposeConfig(pb, ce.Current, configWith(ce.CIB, "C"))
			if err != nil || v2.Epoch != want.Epoch+1 {
				t.Fatalf("retry: %s, %v", v2, err)
			}
			c.waitApplied(lead)
			for _, tn := range c.running() {
				got, v, err := tn.node.Local()
				if err != nil || v != v2 || !slices.Equal(resourceIDs(got), []string{winRsc, "C"}) {
					t.Fatalf("node %d: %v at %s, %v", tn.id, resourceIDs(got), v, err)
				}
			}
			c.checkInvariants()
		})
	}
}

// follower picks the i-th running follower.
func follower(i int) func(c *testCluster, lead *Node) *Node {
	return func(c *testCluster, lead *Node) *Node {
		var fs []*Node
		for _, tn := range c.running() {
			if tn.node != lead {
				fs = append(fs, tn.node)
			}
		}
		return fs[i]
	}
}

func TestStatusUpdatesDoNotBumpEpoch(t *testing.T) {
	c := newCluster(t, clusterOpts{n: 3})
	lead := c.leader()
	base, v0, _ := lead.Local()
	v1, err := c.proposeConfig(lead, v0, configWith(base, "db"))
	if err != nil {
		t.Fatal(err)
	}
	f := follower(0)(c, lead)
	op := cib.LRMOp{ID: "db_last_0", OperationKey: "db_start_0", Operation: "start", Interval: "0", RCCode: "0", OpStatus: "0", CallID: "3"}
	fail := AttrUpdate{Name: FailCountAttr("db", "monitor", 10000), Op: AttrAdd, Delta: 1}
	steps := []struct {
		name string
		u    StatusUpdate
		want Version
	}{
		{"op result", StatusUpdate{Node: "node1", NodeID: "1", State: &NodeMembership{InCCM: "true", Crmd: "online", Join: "member", Expected: "member"},
			Ops: []OpResult{{Rsc: "db", Class: "ocf", Provider: "pacemaker", Type: "Dummy", Op: op}}}, Version{Epoch: v1.Epoch, NumUpdates: 1}},
		{"fail count", StatusUpdate{Node: "node1", Attrs: []AttrUpdate{fail}}, Version{Epoch: v1.Epoch, NumUpdates: 2}},
		{"fail count again", StatusUpdate{Node: "node1", Attrs: []AttrUpdate{fail, {Name: "master-db", Value: "10"}}}, Version{Epoch: v1.Epoch, NumUpdates: 3}},
	}
	for _, s := range steps {
		v, err := c.proposeStatus(f, s.u)
		if err != nil || v != s.want {
			t.Fatalf("%s: %s, %v; want %s", s.name, v, err, s.want)
		}
	}
	c.waitApplied(lead)
	for _, tn := range c.running() {
		got, v, _ := tn.node.Local()
		if v != steps[len(steps)-1].want || len(got.Status.Nodes) != 1 {
			t.Fatalf("node %d at %s with %d node states", tn.id, v, len(got.Status.Nodes))
		}
		ns := got.Status.Nodes[0]
		if ns.Uname != "node1" || ns.Crmd != "online" || ns.LRM == nil || len(ns.LRM.Resources) != 1 || !reflect.DeepEqual(ns.LRM.Resources[0].Ops[0], op) {
			t.Fatalf("node %d: node_state %+v", tn.id, ns)
		}
		pairs := map[string]string{}
		for _, p := range ns.Transient[0].Pairs {
			pairs[p.Name] = p.Value
		}
		if pairs[fail.Name] != "2" || pairs["master-db"] != "10" {
			t.Fatalf("node %d: transient attributes %v", tn.id, pairs)
		}
	}
	// A config change bumps epoch, resets num_updates and keeps the status;
	// a CAS on the version the status updates moved still succeeds.
	cur, vs, _ := lead.Local()
	v2, err := c.proposeConfig(lead, vs, configWith(cur, "web"))
	if err != nil || v2 != (Version{Epoch: v1.Epoch + 1}) {
		t.Fatalf("config after status: %s, %v", v2, err)
	}
	got, _, _ := lead.Local()
	if len(got.Status.Nodes) != 1 {
		t.Fatalf("status lost by a config change: %+v", got.Status)
	}
	// A bad status update is refused before it is proposed.
	if _, err := f.ProposeStatus(context.Background(), StatusUpdate{}); err == nil {
		t.Fatal("status update without a node accepted")
	}
	c.checkInvariants()
}

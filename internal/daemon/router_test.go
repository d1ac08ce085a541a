package daemon

import (
	"testing"

	"go.uber.org/zap"

	"pacer/crm/store"
	"pacer/internal/cluster"
	"pacer/internal/config"
)

func TestRaftRouter(t *testing.T) {
	cfg := config.Defaults()
	cfg.Node = config.NodeConfig{Name: "alpha", ID: 1}
	cfg.Peers = []config.NodeConfig{{Name: "bravo", ID: 2}}
	var members []store.Member
	r := newRaftRouter(cfg, nil, zap.NewNop())
	r.members = func() []store.Member { return members }

	// An empty member table (a node that just rejoined): configured ids
	// are node ids; an unknown id is learned from the first signed frame
	// that carries it, and held to.
	type check struct {
		id   uint64
		node cluster.NodeID
		ok   bool
	}
	nodeOf := func(cs ...check) {
		t.Helper()
		for _, c := range cs {
			if n, ok := r.NodeOf(c.id); n != c.node || ok != c.ok {
				t.Fatalf("NodeOf(%d) = %d, %v; want %d, %v", c.id, n, ok, c.node, c.ok)
			}
		}
	}
	nodeOf(check{1, 1, true}, check{2, 2, true}, check{7, 0, false})
	if r.Speaks(1, 2) || !r.Speaks(2, 2) {
		t.Fatal("a configured id spoken by another node")
	}
	if !r.Speaks(1, 7) || r.Speaks(2, 7) {
		t.Fatal("raft id 7: first frame from node 1 binds it")
	}
	nodeOf(check{7, 1, true})

	// The member table rules: bravo rejoined as raft id 3, its id 2 is
	// retired (still bravo's), alpha's entry is 1.
	members = []store.Member{{ID: 1, Name: "alpha"}, {ID: 2, Name: "bravo", Removed: true}, {ID: 3, Name: "bravo"}, {ID: 4, Name: "zulu"}}
	nodeOf(check{3, 2, true}, check{2, 2, true}, check{1, 1, true}, check{4, 0, false})
	if !r.Speaks(2, 3) || r.Speaks(1, 3) || r.Speaks(2, 4) {
		t.Fatal("member table not followed")
	}
}

package daemon

// Which node carries which raft id. Raft ids are node ids, except for a
// node that rejoined under a new raft id after it was fenced (two_node):
// the member table names the id's node, and the configuration gives that
// name's node id, which the heartbeat links address. A node that has just
// rejoined has an empty member table until the leader's log reaches it; it
// takes a raft id it does not know yet as belonging to the node whose
// signed frame first carried it, and holds to that.

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"
	"go.uber.org/zap"

	"pacer/crm/store"
	"pacer/internal/cluster"
	"pacer/internal/config"
	"pacer/internal/logfield"
	"pacer/membership"
)

type raftRouter struct {
	members func() []store.Member
	lg      *zap.Logger
	byName  map[cluster.NodeName]cluster.NodeID
	ids     map[uint64]bool // configured node ids

	mu      sync.Mutex
	learned map[uint64]cluster.NodeID
}

var _ store.Router = (*raftRouter)(nil)

func newRaftRouter(cfg config.Config, st *store.Node, lg *zap.Logger) *raftRouter {
	r := &raftRouter{members: st.Members, lg: lg, byName: map[cluster.NodeName]cluster.NodeID{}, ids: map[uint64]bool{},
		learned: map[uint64]cluster.NodeID{}}
	for _, n := range append([]config.NodeConfig{cfg.Node}, cfg.Peers...) {
		r.byName[cluster.NodeName(n.Name)] = cluster.NodeID(n.ID)
		r.ids[n.ID] = true
	}
	return r
}

// member is the node the member table gives raft id id to.
func (r *raftRouter) member(id uint64) (cluster.NodeID, bool, bool) {
	for _, m := range r.members() {
		if m.ID == id {
			n, ok := r.byName[m.Name]
			return n, ok, true
		}
	}
	return 0, false, false
}

func (r *raftRouter) NodeOf(id uint64) (cluster.NodeID, bool) {
	if n, ok, known := r.member(id); known {
		return n, ok
	}
	if r.ids[id] {
		return cluster.NodeID(id), true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	n, ok := r.learned[id]
	return n, ok
}

func (r *raftRouter) Speaks(from cluster.NodeID, id uint64) bool {
	if n, ok, known := r.member(id); known {
		return ok && n == from
	}
	if r.ids[id] {
		return cluster.NodeID(id) == from
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if n, ok := r.learned[id]; ok {
		return n == from
	}
	r.learned[id] = from
	r.lg.Info("raft id learned from a signed frame", logfield.NodeID(uint64(from)), zap.Uint64("raft_id", id))
	return true
}

// noteReaddressed is the store's hook for a leader's message to a raft id
// above this node's: the group gave this node a new id. The rejoin runs on
// its own goroutine (rejoinLoop); the hook never blocks.
func (d *Daemon) noteReaddressed(m *pb.Message) {
	select {
	case d.readdressc <- m.GetTo():
	default:
	}
}

// rejoinLoop restarts the store under the raft id a leader addresses this
// node by (store.Rejoin), once per new id.
func (d *Daemon) rejoinLoop(ctx context.Context) error {
	lg := d.lg.Named("store")
	for {
		var id uint64
		select {
		case <-ctx.Done():
			return nil
		case id = <-d.readdressc:
		}
		if id <= d.store.ID() {
			continue
		}
		if d.Leaving() {
			continue // left the voters to stop: not taken back in now
		}
		lg.Warn("the DC addresses this node by a new raft id: this node was removed from the raft group (fenced) and rejoins as a learner",
			logfield.Node(d.cfg.Node.Name), zap.Uint64("old_raft_id", d.store.ID()), zap.Uint64("raft_id", id))
		if err := d.store.Rejoin(ctx, id); err != nil {
			if errors.Is(err, store.ErrStopped) || ctx.Err() != nil {
				return nil
			}
			lg.Error("rejoin failed", zap.Uint64("raft_id", id), zap.Error(err))
		}
	}
}

// ensureMembers, on the DC, puts every configured node that never was a
// member into the member table under its node id: raft then takes it in
// as a learner and promotes it while voters are short. A node whose id
// was used and retired is not added again (ids are never reused), except
// in two_node mode: there a retired peer is one the survivor fenced, and
// it gets a new raft id so it can rejoin (the two_node controller does so
// at once; this catches a DC restarted before it could).
func (d *Daemon) ensureMembers(ctx context.Context) error {
	ch, cancel := d.store.WatchLeader()
	defer cancel()
	lg := d.lg.Named("store")
	retry := d.clk.NewTicker(time.Second)
	defer retry.Stop()
	warned := map[string]string{} // node -> last error logged
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-d.store.Done():
			return nil
		case <-ch:
		case <-retry.C():
		}
		if id, _ := d.store.Leader(); id == 0 || id != d.store.ID() {
			continue
		}
		members := d.store.Members()
		for _, n := range append([]config.NodeConfig{d.cfg.Node}, d.cfg.Peers...) {
			name := cluster.NodeName(n.Name)
			if slices.ContainsFunc(members, func(m store.Member) bool { return m.Name == name && !m.Removed }) {
				continue
			}
			retired := slices.ContainsFunc(members, func(m store.Member) bool { return m.ID == n.ID || m.Name == name })
			if retired && !d.cfg.Quorum.TwoNode {
				continue
			}
			cctx, ccancel := context.WithTimeout(ctx, 5*time.Second)
			var err error
			var id uint64
			if retired {
				id, err = d.store.AddNode(cctx, name)
			} else {
				id, err = n.ID, d.store.AddMemberID(cctx, n.ID, name)
			}
			ccancel()
			if errors.Is(err, store.ErrMemberExists) {
				continue
			}
			if err != nil {
				if warned[n.Name] != err.Error() {
					warned[n.Name] = err.Error()
					lg.Warn("configured node not yet a raft member", logfield.Node(n.Name), logfield.NodeID(n.ID), zap.Error(err))
				}
				break
			}
			delete(warned, n.Name)
			lg.Info("configured node added to the raft group", logfield.Node(n.Name), logfield.NodeID(n.ID), zap.Uint64("raft_id", id))
		}
	}
}

// campaignOnDCDeath starts an election at once when membership declares
// the DC's node dead, instead of waiting out raft's election timeout and
// the other voters' leader lease (each up to twice as long again): the
// failover then costs about one deadtime. Only the lowest-id live voter
// that is not a witness campaigns, so the survivors do not split their
// votes, and only when the live voters are a majority (it could not win
// otherwise).
func (d *Daemon) campaignOnDCDeath(ctx context.Context) error {
	views, cancel := d.membership.Subscribe()
	defer cancel()
	lg := d.lg.Named("store")
	witness := map[cluster.NodeID]bool{}
	if d.cfg.Node.Witness {
		witness[cluster.NodeID(d.cfg.Node.ID)] = true
	}
	for _, p := range d.cfg.Peers {
		if p.Witness {
			witness[cluster.NodeID(p.ID)] = true
		}
	}
	self := cluster.NodeID(d.cfg.Node.ID)
	var lastTerm uint64
	for {
		var v membership.View
		select {
		case <-ctx.Done():
			return nil
		case nv, ok := <-views:
			if !ok {
				return nil
			}
			v = nv
		}
		lead, term := d.store.Leader()
		if lead == 0 || lead == d.store.ID() || term == lastTerm {
			continue
		}
		dcNode, ok := d.router.NodeOf(lead)
		if !ok {
			continue
		}
		if n, ok := v.Node(dcNode); !ok || n.State != membership.NodeStateDead {
			continue
		}
		st := d.store.Status()
		if !slices.Contains(st.Voters, st.ID) {
			continue
		}
		// The live voters' nodes, witnesses last.
		best, bestWitness, live := self, witness[self], 1
		for _, id := range st.Voters {
			node, ok := d.router.NodeOf(id)
			if !ok || node == dcNode || node == self {
				continue
			}
			if n, ok := v.Node(node); !ok || !n.State.Alive() {
				continue
			}
			live++
			if w := witness[node]; w != bestWitness && !w || w == bestWitness && node < best {
				best, bestWitness = node, w
			}
		}
		if best != self || 2*live <= len(st.Voters) {
			lg.Debug("DC declared dead: not the one to campaign", zap.Uint64("campaigner", uint64(best)), zap.Int("live_voters", live))
			continue
		}
		lastTerm = term
		lg.Info("DC declared dead: campaigning now rather than wait out the election timeout",
			logfield.NodeID(uint64(dcNode)), logfield.Term(term))
		d.store.TakeOver(lead)
	}
}

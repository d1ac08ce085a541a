package sim

// The invariants, checked as the run goes (every apply, every state
// change, every crash, every 100 ms of sim time) and at the end:
//
//   - at most one leader per term;
//   - every node applies the same entry (term, proposer, request, result)
//     at every index, each index once per incarnation, in order;
//   - a config compare-and-swap wins only on the version it was based on,
//     and no version is won twice (nor acknowledged to two clients);
//   - no committed entry is lost: each stays on the synced disks of a
//     majority of voters (checked after every crash, the only thing that
//     loses writes), and every leader's log holds every entry committed
//     before its term;
//   - with a connected majority (up, fast disks, clean links among them),
//     a leader commits a write within LiveTicks ticks;
//   - healed, the cluster converges within HealTicks: every node applies
//     the same CIB, holding every acknowledged config change.

import (
	"bytes"
	"errors"
	"fmt"
	"math/bits"
	"slices"

	"go.etcd.io/raft/v3"

	"pacer/crm/cib/cibxml"
	"pacer/crm/store"
)

type entryRec struct {
	term uint64
	// termSeen is the applying node's term when the entry was first
	// applied: at least the term of the leader that committed it.
	termSeen uint64
	a        store.Applied
}

type checker struct {
	s         *Sim
	leaders   map[uint64]uint64 // term -> leader id
	committed map[uint64]entryRec
	indexes   []uint64 // committed indexes, ascending
	winners   map[[2]uint64]uint64
	reqs      map[[2]uint64]uint64 // request id -> committed index
	acked     map[store.Version]string
	ackedRsc  []string
	healStart int64
}

func newChecker(s *Sim) *checker {
	return &checker{
		s: s, leaders: map[uint64]uint64{}, committed: map[uint64]entryRec{},
		winners: map[[2]uint64]uint64{}, reqs: map[[2]uint64]uint64{}, acked: map[store.Version]string{},
	}
}

func (s *Sim) violate(format string, args ...any) {
	msg := fmt.Sprintf("t=%dms: ", s.now) + fmt.Sprintf(format, args...)
	s.res.Violations = append(s.res.Violations, msg)
	s.hashf("VIOLATION %s", msg)
}

// applied is called for every entry a node applies.
func (c *checker) applied(n *simNode, a store.Applied) {
	s := c.s
	term, err := n.log.Term(a.Index)
	if err != nil {
		s.violate("node %d applies index %d not in its log: %v", n.id, a.Index, err)
		return
	}
	if a.Index <= n.applied {
		s.violate("node %d applies index %d after %d", n.id, a.Index, n.applied)
	}
	n.applied = a.Index
	s.hashf("apply %d %d %s %d/%d %s %v", n.id, a.Index, a.Kind, a.ReqNode, a.ReqSeq, a.Version, a.Err != nil)
	if o, ok := c.committed[a.Index]; ok {
		if o.term != term || o.a.Kind != a.Kind || o.a.ReqNode != a.ReqNode || o.a.ReqSeq != a.ReqSeq ||
			o.a.Version != a.Version || (o.a.Err == nil) != (a.Err == nil) {
			s.violate("index %d: node %d applied %s term %d req %d/%d -> %s (err %v); before: %s term %d req %d/%d -> %s (err %v)",
				a.Index, n.id, a.Kind, term, a.ReqNode, a.ReqSeq, a.Version, a.Err, o.a.Kind, o.term, o.a.ReqNode, o.a.ReqSeq, o.a.Version, o.a.Err)
		}
		return
	}
	c.committed[a.Index] = entryRec{term: term, termSeen: n.log.HardState().GetTerm(), a: a}
	if a.ReqNode != 0 {
		k := [2]uint64{a.ReqNode, a.ReqSeq}
		if i, ok := c.reqs[k]; ok {
			s.violate("request %d/%d (%s) committed twice, at %d and %d", a.ReqNode, a.ReqSeq, a.Kind, i, a.Index)
		}
		c.reqs[k] = a.Index
	}
	i, _ := slices.BinarySearch(c.indexes, a.Index)
	c.indexes = slices.Insert(c.indexes, i, a.Index)
	if a.Kind == "config" && a.Err == nil {
		if a.Version.AdminEpoch != a.Expected.AdminEpoch || a.Version.Epoch != a.Expected.Epoch+1 {
			s.violate("index %d: a CAS based on %s won and made %s", a.Index, a.Expected, a.Version)
		}
		k := [2]uint64{a.Version.AdminEpoch, a.Version.Epoch}
		if w, ok := c.winners[k]; ok {
			s.violate("config version %s won twice, at %d and %d", a.Version, w, a.Index)
		}
		c.winners[k] = a.Index
	}
}

// state is called for every raft state a node enters.
func (c *checker) state(n *simNode, term uint64, st raft.StateType) {
	s := c.s
	if st != raft.StateLeader {
		return
	}
	if !n.voter {
		s.violate("learner %d became leader in term %d", n.id, term)
	}
	s.hashf("leader %d term %d", n.id, term)
	if l, ok := c.leaders[term]; ok && l != n.id {
		s.violate("term %d has two leaders: %d and %d", term, l, n.id)
		return
	}
	c.leaders[term] = n.id
	s.res.Elections++
	// Leader completeness: every entry committed before this term.
	first, _ := n.log.FirstIndex()
	last, _ := n.log.LastIndex()
	for _, i := range c.indexes {
		e := c.committed[i]
		if e.termSeen >= term || i < first {
			continue
		}
		if i > last {
			s.violate("leader %d of term %d lacks committed index %d (its log ends at %d)", n.id, term, i, last)
			return
		}
		if t, err := n.log.Term(i); err != nil || t != e.term {
			s.violate("leader %d of term %d has term %d at committed index %d (committed with term %d)", n.id, term, t, i, e.term)
			return
		}
	}
}

// step runs after every event on a node: never more voters than
// MaxVoters, never a learner among them.
func (c *checker) step(n *simNode, st store.Status) {
	if len(st.Voters) > c.s.o.Voters {
		c.s.violate("node %d has %d voters %v, max %d", n.id, len(st.Voters), st.Voters, c.s.o.Voters)
	}
	for _, v := range st.Voters {
		if m := c.s.node(v); m != nil && !m.voter {
			c.s.violate("node %d counts learner %d as a voter", n.id, v)
		}
	}
}

// crashed checks that the crash left every committed entry on the synced
// disks of a majority of voters.
func (c *checker) crashed(*simNode) { c.durable(c.indexes) }

func (c *checker) durable(indexes []uint64) {
	s := c.s
	voters := 0
	for _, n := range s.nodes {
		if n.voter {
			voters++
		}
	}
	for _, i := range indexes {
		e := c.committed[i]
		have := 0
		for _, n := range s.nodes {
			if !n.voter {
				continue
			}
			if t, ok := n.log.DurableTerm(i); ok && (t == e.term || t == 0) {
				have++
			}
		}
		if have <= voters/2 {
			s.violate("committed index %d (term %d, %s) is on the synced disks of %d of %d voters", i, e.term, e.a.Kind, have, voters)
			return
		}
	}
}

// configReply: what a config writer was told.
func (c *checker) configReply(op *pendingOp, v store.Version, err error) {
	s := c.s
	s.hashf("config reply %s %s %v", op.rsc, v, err)
	if err != nil {
		return
	}
	s.res.ConfigAcked++
	if other, ok := c.acked[v]; ok {
		s.violate("version %s acknowledged to %s and %s", v, other, op.rsc)
	}
	if v.AdminEpoch != op.base.AdminEpoch || v.Epoch != op.base.Epoch+1 {
		s.violate("config %s based on %s acknowledged as %s", op.rsc, op.base, v)
	}
	c.acked[v] = op.rsc
	c.ackedRsc = append(c.ackedRsc, op.rsc)
}

func (c *checker) statusReply(op *pendingOp, v store.Version, err error) {
	c.s.hashf("status reply %s %v", v, err)
	if err == nil {
		c.s.res.StatusAcked++
	} else if errors.Is(err, store.ErrConflict) {
		c.s.violate("a status update got a conflict: %v", err)
	}
}

func (c *checker) unknown(op *pendingOp) { c.s.hashf("gave up on a proposal to %d", op.node.id) }

// ----- liveness and convergence -----

type liveState struct {
	since  int64 // start of the connected-majority window, -1 if none
	probe  *pendingOp
	healOK bool // a probe made in the heal phase committed
}

// monitor runs every 100 ms of sim time.
func (s *Sim) monitor() {
	s.expireOps()
	// The newest committed entries must be durable on a majority.
	if k := len(s.ck.indexes); k > 0 {
		s.ck.durable(s.ck.indexes[max(0, k-20):])
	}
	if s.healing {
		s.converged()
		return
	}
	m := s.connectedMajority()
	if m == 0 {
		s.live.since = -1
		return
	}
	if s.live.since < 0 {
		s.live.since = s.now
	}
	age := int((s.now - s.live.since) / tickMS)
	if age > s.o.LiveTicks {
		s.violate("a connected majority %v had no leader commit a write in %d ticks", members(m), age)
		return
	}
	if s.live.probe == nil || s.live.probe.done {
		s.live.probe = s.probe(m, func(v store.Version, err error) {
			if err == nil && s.live.since >= 0 {
				s.res.MaxLiveTicks = max(s.res.MaxLiveTicks, int((s.now-s.live.since)/tickMS))
				s.live.since = s.now
			}
		})
	}
}

// probe proposes a status write on the leader in m, or any node of m.
func (s *Sim) probe(m uint64, onReply func(store.Version, error)) *pendingOp {
	var in []*simNode
	for _, n := range s.nodes {
		if m&(1<<(n.id-1)) != 0 && n.drv != nil {
			if n.drv.Node().Status().State == raft.StateLeader {
				in = []*simNode{n}
				break
			}
			in = append(in, n)
		}
	}
	if len(in) == 0 {
		return nil
	}
	n := in[s.rng.IntN(len(in))]
	op := s.proposeStatus(n, "probe", onReply)
	op.ttl = 2000
	return op
}

func members(m uint64) []uint64 {
	var out []uint64
	for m != 0 {
		i := bits.TrailingZeros64(m)
		out = append(out, uint64(i+1))
		m &^= 1 << i
	}
	return out
}

// connectedMajority returns the largest set (a bit mask by id) of voters
// that are up with healthy disks and pairwise connected by clean links,
// every link touching them free of loss, duplication and extra delay, if
// it is a majority of the voters and no up node has a slow disk; else 0.
func (s *Sim) connectedMajority() uint64 {
	var cand []*simNode
	voters := 0
	for _, n := range s.nodes {
		if n.drv != nil && (n.diskMS > 5 || n.diskBad) {
			return 0
		}
		if !n.voter {
			continue
		}
		voters++
		if n.drv != nil {
			cand = append(cand, n)
		}
	}
	best, bestLen := uint64(0), 0
	for mask := uint64(1); mask < 1<<len(cand); mask++ {
		k := bits.OnesCount64(mask)
		if k <= bestLen || k <= voters/2 {
			continue
		}
		ok := true
		var set uint64
		for i, a := range cand {
			if mask&(1<<i) == 0 {
				continue
			}
			set |= 1 << (a.id - 1)
			for _, b := range s.nodes {
				if b == a {
					continue
				}
				out, in := s.links[[2]uint64{a.id, b.id}], s.links[[2]uint64{b.id, a.id}]
				if !out.clean() || !in.clean() {
					ok = false
				}
			}
			for j, b := range cand {
				if mask&(1<<j) != 0 && i != j && s.links[[2]uint64{a.id, b.id}].cut {
					ok = false
				}
			}
		}
		if ok {
			best, bestLen = set, k
		}
	}
	return best
}

// converged runs in the heal phase: done once every node is up, a probe
// write made in the heal phase committed, and every node applied the same
// thing as far as the leader.
func (s *Sim) converged() {
	c := s.ck
	if age := int((s.now - c.healStart) / tickMS); age > s.o.HealTicks {
		var st []string
		for _, n := range s.nodes {
			if n.drv == nil {
				st = append(st, fmt.Sprintf("%d down", n.id))
				continue
			}
			x := n.drv.Node().Status()
			st = append(st, fmt.Sprintf("%d %v term %d lead %d commit %d applied %d frozen %v", n.id, x.State, x.Term, x.Lead, x.Commit, x.Applied, n.frozen))
		}
		s.violate("healed cluster did not converge in %d ticks: %v", age, st)
		return
	}
	all := uint64(1)<<len(s.nodes) - 1
	if s.live.probe == nil || s.live.probe.done && !s.live.healOK {
		s.live.probe = s.probe(all, func(v store.Version, err error) {
			if err == nil && s.healing {
				s.live.healOK = true
			}
		})
	}
	if !s.live.healOK {
		return
	}
	var lead *simNode
	for _, n := range s.nodes {
		if n.drv == nil || n.frozen {
			return
		}
		if n.drv.Node().Status().State == raft.StateLeader {
			lead = n
		}
	}
	if lead == nil {
		return
	}
	ls := lead.drv.Node().Status()
	if ls.Applied < ls.Commit {
		return
	}
	for _, n := range s.nodes {
		st := n.drv.Node().Status()
		if st.Applied != ls.Applied || st.Lead != lead.id {
			return
		}
	}
	s.stopped = true
}

// final: the converged CIB is the same on every node and holds every
// acknowledged config change; every committed entry is durable.
func (c *checker) final() {
	s := c.s
	var want []byte
	for _, n := range s.nodes {
		cb, v, err := n.drv.Node().Local()
		if err != nil {
			s.violate("node %d: local: %v", n.id, err)
			return
		}
		var b bytes.Buffer
		if err := cibxml.Write(&b, cb); err != nil {
			s.violate("node %d: write CIB: %v", n.id, err)
			return
		}
		if want == nil {
			want = b.Bytes()
			have := map[string]bool{}
			for _, r := range cb.Configuration.Resources {
				have[r.ID] = true
			}
			for _, rsc := range c.ackedRsc {
				if !have[rsc] {
					s.violate("acknowledged config change %s is not in the final CIB (version %s)", rsc, v)
				}
			}
			continue
		}
		if !bytes.Equal(b.Bytes(), want) {
			s.violate("node %d's final CIB (version %s) differs from node %d's", n.id, v, s.nodes[0].id)
		}
	}
	c.durable(c.indexes)
}

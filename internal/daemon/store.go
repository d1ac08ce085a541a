package daemon

// The replicated CIB inside pacerd: crm/store's raft node on a bbolt file
// in data_dir, its messages carried by store.Wire over the heartbeat mux.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"go.uber.org/zap"

	"pacer/crm/store"
	"pacer/internal/cluster"
	"pacer/internal/config"
	"pacer/internal/logfield"
)

// RaftFile is the bbolt file in data_dir holding the raft log, hard state,
// snapshot and applied CIB.
const RaftFile = "cib.db"

// raftMaxSizePerMsg bounds an append message: at most 8 wire chunks, so
// one lost datagram costs little to resend. A single larger entry still
// goes out whole (raft always sends at least one entry), chunked.
const raftMaxSizePerMsg = 256 << 10

// StoreConfig derives the store node's settings from pacer.toml.
//
// The raft id rule: a node's raft id is its node id from pacer.toml
// ([node] id, [[peer]] id). Node ids are required to be nonzero, unique and
// never reused for another machine, which is exactly what raft needs; raft
// ids that AddNode allocates later (a fenced two_node peer that rejoins)
// are above every id raft has seen. The initial voters are the first
// store.MaxVoters configured nodes, witnesses first, then by id: the same
// list on every node. A node beyond them starts with no peers and waits:
// the DC adds it as a learner (ensureMembers) and promotes it when a voter
// is removed. The witnesses are the nodes marked witness (pacerd --witness
// for [node]).
func StoreConfig(cfg config.Config) store.Config {
	sc := store.DefaultConfig(cfg.Node.ID, cluster.NodeName(cfg.Node.Name))
	sc.TickInterval = cfg.Raft.Tick.Duration
	sc.ElectionTicks = cfg.Raft.ElectionTicksFor(cfg.Keepalive.Duration)
	sc.HeartbeatTicks = cfg.Raft.HeartbeatTicks
	sc.MaxSizePerMsg = raftMaxSizePerMsg
	sc.MaxVoters = config.MaxVoters
	nodes := append([]config.NodeConfig{cfg.Node}, cfg.Peers...)
	for _, n := range nodes {
		if n.Witness {
			sc.Witnesses = append(sc.Witnesses, n.ID)
		}
	}
	slices.Sort(sc.Witnesses)
	slices.SortFunc(nodes, func(a, b config.NodeConfig) int {
		if a.Witness != b.Witness {
			if a.Witness {
				return -1
			}
			return 1
		}
		return cmpID(a.ID, b.ID)
	})
	var peers []store.Peer
	self := false
	for _, n := range nodes[:min(len(nodes), sc.MaxVoters)] {
		peers = append(peers, store.Peer{ID: n.ID, Name: cluster.NodeName(n.Name)})
		self = self || n.ID == cfg.Node.ID
	}
	slices.SortFunc(peers, func(a, b store.Peer) int { return cmpID(a.ID, b.ID) })
	if self {
		sc.Peers = peers
	}
	return sc
}

func cmpID(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// openStore opens the raft log in data_dir and builds the wire and the
// store node on it.
func (d *Daemon) openStore() error {
	if err := os.MkdirAll(d.cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("store: create data dir %s: %w", d.cfg.DataDir, err)
	}
	l, err := store.Open(filepath.Join(d.cfg.DataDir, RaftFile))
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	lg := d.lg.Named("store")
	w, err := store.NewWire(store.DefaultWireConfig(), d.mux, d.clk, lg.Named("wire"))
	if err != nil {
		l.Close()
		return fmt.Errorf("store: %w", err)
	}
	n, err := store.New(StoreConfig(d.cfg), l, w, d.clk, lg)
	if err != nil {
		w.Close()
		l.Close()
		return err
	}
	w.Bind(n)
	d.raftLog, d.wire, d.store = l, w, n
	d.router = newRaftRouter(d.cfg, n, lg)
	w.SetRouter(d.router)
	n.SetReaddressed(d.noteReaddressed)
	return nil
}

// closeStore stops the node, its senders and the log, after Run.
func (d *Daemon) closeStore() {
	d.store.Stop()
	d.wire.Close()
	if err := d.raftLog.Close(); err != nil {
		d.lg.Named("store").Warn("close raft log", zap.Error(err))
	}
}

// watchDC logs, on every node, each change of DC: the winner's own
// "elected DC" comes from the store; this line lets an operator read who
// the DC is from any node's log.
func (d *Daemon) watchDC(ctx context.Context) error {
	ch, cancel := d.store.WatchLeader()
	defer cancel()
	lg := d.lg.Named("daemon")
	var last store.Leadership
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-d.store.Done():
			return nil
		case l := <-ch:
			if l.ID == last.ID {
				last = l
				continue
			}
			if l.ID == 0 {
				lg.Info("no DC", logfield.Term(l.Term), zap.String("previous", string(last.Name)))
			} else {
				lg.Info("DC changed", logfield.Node(string(l.Name)), logfield.NodeID(l.ID), logfield.Term(l.Term))
			}
			last = l
		}
	}
}

// DC returns the current DC as this node knows it (ID 0: none known).
func (d *Daemon) DC() store.Leadership {
	id, term := d.store.Leader()
	l := store.Leadership{ID: id, Term: term}
	if id == 0 {
		return l
	}
	// A raft id is the node id until the node rejoins under a new one
	// (a fenced two_node peer): the store's members name every id.
	for _, m := range d.store.Members() {
		if m.ID == id {
			l.Name = m.Name
			return l
		}
	}
	if id == d.cfg.Node.ID {
		l.Name = cluster.NodeName(d.cfg.Node.Name)
	}
	for _, p := range d.cfg.Peers {
		if p.ID == id {
			l.Name = cluster.NodeName(p.Name)
		}
	}
	return l
}

// Store is the replicated CIB node.
func (d *Daemon) Store() *store.Node { return d.store }

// WireStats returns the raft wire's counters.
func (d *Daemon) WireStats() store.WireStats { return d.wire.Stats() }

// summarizeWire logs, once per interval and only when they moved, the raft
// messages lost on this node's side of the wire: garbled or incomplete on
// arrival, dropped on a full queue or inbox, refused as too large. Sends to
// a dead peer are not counted here: membership reports the peer.
func (d *Daemon) summarizeWire(ctx context.Context) error {
	t := d.clk.NewTicker(d.statsEvery)
	defer t.Stop()
	lg := d.lg.Named("store")
	var prev store.WireStats // the wire counts from New: nothing is missed
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C():
		}
		cur := d.wire.Stats()
		var fields []zap.Field
		for _, c := range []struct {
			name      string
			cur, prev uint64
		}{
			{"garbled", cur.Garbled, prev.Garbled},
			{"incomplete", cur.Incomplete, prev.Incomplete},
			{"queue_full", cur.Dropped, prev.Dropped},
			{"inbox_full", cur.InboxFull, prev.InboxFull},
			{"too_large", cur.Refused, prev.Refused},
		} {
			if c.cur > c.prev {
				fields = append(fields, zap.Uint64(c.name, c.cur-c.prev))
			}
		}
		prev = cur
		if len(fields) > 0 {
			lg.Warn("raft messages dropped", append(fields, zap.Duration("interval", d.statsEvery))...)
		}
	}
}

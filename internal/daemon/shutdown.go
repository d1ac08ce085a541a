package daemon

// A clean stop (SIGTERM, `systemctl stop pacer`), as Pacemaker's
// `crm cluster stop`: this node asks the cluster to shut it down (the
// `shutdown` transient attribute, which the DC's scheduler answers by
// stopping or moving its resources and then do_shutdown, committing the
// node expected down), waits for that within shutdown_timeout, in
// two_node mode takes itself out of the raft voters so the peer keeps a
// quorum alone, and then announces its leave on every link: peers mark it
// left (not dead) and the DC records it cleanly down, so nobody fences it
// (docs/decisions/0011-clean-leave.md). When any step does not finish in
// time the node leaves without the announcement and its peers treat it as
// dead, as Pacemaker's shutdown-escalation ends in fencing.

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"go.uber.org/zap"

	"pacer/crm/cib"
	"pacer/crm/store"
	"pacer/internal/logfield"
)

// leaveRepeat is how many leave heartbeats go out on each link.
const leaveRepeat = 3

// dcSettle is how long a stopping DC, its own resources stopped, waits
// for its transition (starts elsewhere) to end before it leaves anyway: the
// next DC plans again from what the nodes report.
const dcSettle = 5 * time.Second

// noDCGrace is how long a stopping node that runs nothing waits for a DC
// (a quorum) to take its shutdown request before it leaves anyway.
const noDCGrace = 10 * time.Second

var errNothingToHandOver = errors.New("no DC and nothing running here")

// leavePoll is how often the stopping node reads the applied CIB.
const leavePoll = 200 * time.Millisecond

// Leave asks Run to stop cleanly: the cluster stops or moves this node's
// resources, then the node leaves and Run returns. Cancelling Run's
// context instead stops at once (peers see the node die). Safe to call
// more than once and from any goroutine.
func (d *Daemon) Leave() {
	d.leaveOnce.Do(func() { close(d.leavec) })
}

// Leaving reports whether a clean stop was asked for.
func (d *Daemon) Leaving() bool {
	select {
	case <-d.leavec:
		return true
	default:
		return false
	}
}

// leave runs the clean stop; it reports whether it was clean (announced).
func (d *Daemon) leave(ctx context.Context, stopSender func()) bool {
	lg := d.lg.Named("daemon").With(logfield.Node(d.cfg.Node.Name))
	timeout := d.cfg.ShutdownTimeout.Duration
	start := d.clk.Now()
	lg.Info("shutdown requested: asking the cluster to stop or move this node's resources",
		zap.Duration("shutdown_timeout", timeout))
	lctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := d.awaitShutdown(lctx, lg)
	if errors.Is(err, errNothingToHandOver) {
		lg.Warn("no DC (no quorum) for noDCGrace and nothing running here: leaving without announcing it; "+
			"a DC that comes back treats this node as lost", zap.Duration("waited", noDCGrace))
		return false
	}
	if err == nil && d.two != nil {
		err = d.leaveVoters(lctx, lg)
	}
	if err != nil {
		if ctx.Err() != nil {
			return false
		}
		lg.Error("clean shutdown not done within shutdown_timeout: leaving without announcing it; the peers will declare this node dead and may fence it",
			zap.Duration("shutdown_timeout", timeout), logfield.Duration(d.clk.Since(start)), zap.Error(err))
		return false
	}
	stopSender()
	d.sender.Leave(leaveRepeat)
	lg.Info("left the cluster cleanly: resources stopped or moved, peers told", logfield.Duration(d.clk.Since(start)))
	return true
}

// awaitShutdown sets this node's shutdown attribute and waits until the
// DC has committed it expected down (do_shutdown: every resource here
// stopped), and, if this node is the DC, until its transition is over.
func (d *Daemon) awaitShutdown(ctx context.Context, lg *zap.Logger) error {
	if d.cfg.Node.Witness {
		return nil // hosts nothing; no node_state to shut down
	}
	self := d.cfg.Node.Name
	req := store.StatusUpdate{Node: self, NodeID: strconv.FormatUint(d.cfg.Node.ID, 10),
		Attrs: []store.AttrUpdate{{Name: "shutdown", Op: store.AttrSet, Value: strconv.FormatInt(d.clk.Now().Unix(), 10)}}}
	warned := false
	var noDC time.Time // since when no DC is known
	stuck := false     // logged that resources wait for a DC
	for {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := d.store.ProposeStatus(pctx, req)
		cancel()
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return errors.Join(errors.New("the shutdown request was not committed (no DC or no quorum)"), err)
		}
		if !warned {
			warned = true
			lg.Warn("shutdown request not committed yet; retrying", zap.Error(err))
		}
		if id, _ := d.store.Leader(); id != 0 {
			noDC = time.Time{}
		} else if noDC.IsZero() {
			noDC = d.clk.Now()
		} else if d.clk.Since(noDC) >= noDCGrace {
			if active := d.activeHere(); len(active) == 0 {
				return errNothingToHandOver
			} else if !stuck {
				stuck = true
				lg.Error("no DC (no quorum) to stop or move this node's resources: waiting for one until shutdown_timeout; "+
					"a second signal stops at once, leaving them running", zap.Strings("active", active))
			}
		}
		if err := sleep(ctx, d.clk, leavePoll); err != nil {
			return errors.New("the shutdown request was not committed (no DC or no quorum)")
		}
	}
	lg.Info("shutdown requested in the CIB: waiting for the DC to stop or move this node's resources")
	var down time.Time // when the CIB first showed this node expected down
	for {
		if c, _, err := d.store.Local(); err == nil {
			if ns := selfState(c, self); ns != nil && ns.Expected == "down" {
				if down.IsZero() {
					down = d.clk.Now()
				}
				co := d.coord.Load()
				switch {
				case co == nil || co.Idle():
					return nil
				case d.clk.Since(down) >= dcSettle:
					lg.Warn("this DC's transition is still running; leaving it to the next DC",
						zap.Duration("waited", d.clk.Since(down)))
					return nil
				}
			}
		}
		if err := sleep(ctx, d.clk, leavePoll); err != nil {
			return errors.New("the DC did not finish stopping this node's resources")
		}
	}
}

// activeHere lists the resources this node's executor last left running
// (fence devices aside: a registration, nothing to hand over).
func (d *Daemon) activeHere() []string {
	ex := d.exec.Load()
	if ex == nil {
		return nil
	}
	var out []string
	for _, h := range ex.LRM() {
		if h.Class == "stonith" {
			continue
		}
		for _, o := range h.Ops {
			if o.ID != h.ID+"_last_0" {
				continue
			}
			var on bool
			switch o.Operation {
			case "stop":
				on = o.OpStatus != "0" || o.RCCode != "0"
			case "monitor":
				on = o.RCCode == "0" || o.RCCode == "8"
			default:
				on = o.OpStatus == "0" && o.RCCode == "0"
			}
			if on {
				out = append(out, h.ID)
			}
		}
	}
	return out
}

func selfState(c *cib.CIB, name string) *cib.NodeState {
	for i := range c.Status.Nodes {
		if c.Status.Nodes[i].Uname == name {
			return &c.Status.Nodes[i]
		}
	}
	return nil
}

// leaveVoters, in two_node mode, takes this node out of the raft voters
// while the peer is up (the removal needs both), so that the peer keeps
// a quorum alone and need not fence this node. The peer re-adds this
// node under a new raft id when it comes back (ensureMembers), as after a
// fencing. Alone already (the peer gone), there is nothing to do.
func (d *Daemon) leaveVoters(ctx context.Context, lg *zap.Logger) error {
	st := d.store.Status()
	if !slices.Contains(st.Voters, st.ID) || !slices.ContainsFunc(st.Voters, func(id uint64) bool { return id != st.ID }) {
		return nil
	}
	lg.Info("two_node: leaving the raft voters so the peer keeps quorum alone", zap.Uint64("raft_id", st.ID))
	for {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := d.store.RemoveNode(rctx, st.ID)
		cancel()
		if err == nil {
			return nil
		}
		// The removal may be applied while this node, no longer in the
		// group, does not learn of it: ask the member table.
		if removed(d.store.Members(), st.ID) {
			return nil
		}
		if ctx.Err() != nil || errors.Is(err, store.ErrStopped) {
			return errors.Join(errors.New("two_node: not out of the raft voters"), err)
		}
		lg.Warn("two_node: leaving the raft voters not done yet; retrying", zap.Error(err))
		if err := sleep(ctx, d.clk, leavePoll); err != nil {
			return errors.New("two_node: not out of the raft voters")
		}
	}
}

func removed(ms []store.Member, id uint64) bool {
	return slices.ContainsFunc(ms, func(m store.Member) bool { return m.ID == id && m.Removed })
}

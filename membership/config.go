// Package membership decides who is alive, with Heartbeat's ha.cf semantics
// that Pacemaker administrators know: keepalive, warntime, deadtime and
// initdead, judged per node and per link.
//
// A node is up while any link to it is up. It is in warn once every link has
// been silent for warntime (logged once per episode), and it is declared dead
// only when every link to it has been silent for deadtime. Losing one link
// while another is up is a "link down", never a death: link loss alone never
// causes failover. A peer never heard since this node started is given
// initdead instead of deadtime, so a cluster booting together is not fenced
// for being slow to start.
//
// This node also watches itself (memberlist's Lifeguard): when its own timer
// ran late (a VM pause, CPU starvation, SIGSTOP), the stall is not counted as
// silence of healthy peers.
//
// The package has a pure core, Tracker, which takes observations and the
// current time as inputs and returns transitions (no goroutines, no clock),
// and a thin driver, Service, which feeds it from a clock ticker and a queue
// of observations, logs every transition and publishes versioned, immutable
// Views. View implements the heartbeat mux's path selector (Paths), so
// heartbeat never imports membership, and membership never imports
// heartbeat: the daemon adapts between them. quorum.go holds the quorum
// policy (majority, two-node, witness, wait-for-all).
package membership

import (
	"errors"
	"fmt"
	"time"

	"pacer/internal/cluster"
)

// ErrInvalidConfig is wrapped by every error Config.Validate returns.
var ErrInvalidConfig = errors.New("invalid membership config")

// Peer is one other node of the cluster and the links that lead to it.
type Peer struct {
	ID   cluster.NodeID
	Name cluster.NodeName
	// Links are in priority order, best first: the order they are
	// configured. Paths returns live links in this order.
	Links []cluster.LinkName
}

// Config is this node's view of the cluster and its timeouts (ha.cf's
// keepalive, warntime, deadtime, initdead).
type Config struct {
	Self     cluster.NodeID
	SelfName cluster.NodeName
	Peers    []Peer

	// Keepalive is how often every peer sends a heartbeat on every link.
	Keepalive time.Duration
	// Warntime of silence puts a link, or a node all of whose links are
	// silent, in warn.
	Warntime time.Duration
	// Deadtime of silence on a link declares the link down; on every link
	// of a node, the node dead.
	Deadtime time.Duration
	// Initdead replaces Deadtime for a peer (or link) never heard since
	// this node started.
	Initdead time.Duration
	// Tick is how often the driver evaluates timeouts (Keepalive/4 when
	// zero). A tick that comes late by more than max(Tick, Keepalive/2)
	// means this node stalled.
	Tick time.Duration
}

// DefaultConfig returns the timeouts of Heartbeat's sample ha.cf
// (keepalive 2s, warntime 10s, deadtime 30s, initdead 120s). Self, SelfName
// and Peers are left for the caller.
func DefaultConfig() Config {
	return Config{
		Keepalive: 2 * time.Second,
		Warntime:  10 * time.Second,
		Deadtime:  30 * time.Second,
		Initdead:  120 * time.Second,
	}
}

// Validate checks c and fills in defaults (Tick). The rules:
// 0 < keepalive < warntime < deadtime <= initdead; 0 < tick <= keepalive;
// this node and every peer have a non-zero id and a name, ids and names are
// unique, and every peer has at least one link, with unique, non-empty link
// names.
func (c *Config) Validate() error {
	switch {
	case c.Self == 0:
		return invalid("self node id must not be 0")
	case c.SelfName == "":
		return invalid("self node name must not be empty")
	case c.Keepalive <= 0:
		return invalid("keepalive %v must be positive", c.Keepalive)
	case c.Warntime <= c.Keepalive:
		return invalid("warntime %v must exceed keepalive %v", c.Warntime, c.Keepalive)
	case c.Deadtime <= c.Warntime:
		return invalid("deadtime %v must exceed warntime %v", c.Deadtime, c.Warntime)
	case c.Initdead < c.Deadtime:
		return invalid("initdead %v must be at least deadtime %v", c.Initdead, c.Deadtime)
	case c.Tick < 0:
		return invalid("tick %v must not be negative", c.Tick)
	}
	if c.Tick == 0 {
		c.Tick = max(c.Keepalive/4, 1)
	}
	if c.Tick > c.Keepalive {
		return invalid("tick %v must not exceed keepalive %v", c.Tick, c.Keepalive)
	}
	ids := map[cluster.NodeID]bool{c.Self: true}
	names := map[cluster.NodeName]bool{c.SelfName: true}
	for i, p := range c.Peers {
		switch {
		case p.ID == 0:
			return invalid("peer %d (%q): node id must not be 0", i, p.Name)
		case p.Name == "":
			return invalid("peer %d (id %d): node name must not be empty", i, p.ID)
		case ids[p.ID]:
			return invalid("peer %q: node id %d is used twice", p.Name, p.ID)
		case names[p.Name]:
			return invalid("peer %d: node name %q is used twice", p.ID, p.Name)
		case len(p.Links) == 0:
			return invalid("peer %q: no links", p.Name)
		}
		ids[p.ID], names[p.Name] = true, true
		for j, l := range p.Links {
			if l == "" {
				return invalid("peer %q: link %d has no name", p.Name, j)
			}
			for _, prev := range p.Links[:j] {
				if prev == l {
					return invalid("peer %q: link %q is listed twice", p.Name, l)
				}
			}
		}
	}
	return nil
}

// tolerance is how much later than Tick an Advance may come before this
// node counts itself as stalled.
func (c *Config) tolerance() time.Duration { return max(c.Tick, c.Keepalive/2) }

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...)
}

package membership

import (
	"cmp"
	"slices"
	"time"

	"pacer/internal/cluster"
)

// NodeState is what membership believes of a node.
type NodeState uint8

const (
	// NodeStatePending: never heard since this node started, initdead not
	// yet over. Not alive.
	NodeStatePending NodeState = iota
	// NodeStateUp: heard within warntime on at least one link.
	NodeStateUp
	// NodeStateWarn: every link silent for warntime, not yet deadtime.
	// Still alive.
	NodeStateWarn
	// NodeStateDead: every link silent for deadtime (initdead if never
	// heard). Only a frame brings it back.
	NodeStateDead
)

func (s NodeState) String() string {
	switch s {
	case NodeStatePending:
		return "pending"
	case NodeStateUp:
		return "up"
	case NodeStateWarn:
		return "warn"
	case NodeStateDead:
		return "dead"
	}
	return "unknown"
}

// Alive reports whether a node in state s counts as alive (up or warn).
func (s NodeState) Alive() bool { return s == NodeStateUp || s == NodeStateWarn }

// LinkState is what membership believes of one link to a node.
type LinkState uint8

const (
	// LinkStatePending: never heard on, initdead not yet over.
	LinkStatePending LinkState = iota
	// LinkStateUp: heard within warntime.
	LinkStateUp
	// LinkStateWarn: silent for warntime, not yet deadtime.
	LinkStateWarn
	// LinkStateDead: silent for deadtime (initdead if never heard on).
	LinkStateDead
)

func (s LinkState) String() string {
	switch s {
	case LinkStatePending:
		return "pending"
	case LinkStateUp:
		return "up"
	case LinkStateWarn:
		return "warn"
	case LinkStateDead:
		return "dead"
	}
	return "unknown"
}

// LinkStatus is one link to a node.
type LinkStatus struct {
	Name      cluster.LinkName
	State     LinkState
	LastHeard time.Time // zero if never heard on
	// PeerHears: the node's latest heartbeat on the link says it hears
	// this node there (the other direction works too).
	PeerHears bool
}

// NodeStatus is one node in a View.
type NodeStatus struct {
	ID    cluster.NodeID
	Name  cluster.NodeName
	State NodeState
	// Left: the node is down because it announced a clean leave (its
	// daemon stopped after its resources did), not because it fell
	// silent. State is NodeStateDead.
	Left bool
	// Epoch is the boot epoch last heard from the node (0 if never heard,
	// and for this node).
	Epoch cluster.BootEpoch
	// LastHeard is the latest frame on any link (zero if never heard, and
	// for this node).
	LastHeard time.Time
	// Links in configured priority order, best first (none for this node).
	Links []LinkStatus
}

// View is a versioned snapshot of membership. Views are immutable and
// shared: callers must not modify the slices they hold.
//
// Version increases whenever the state of a node or link changes (or a node
// is heard with a new boot epoch), never for a mere heartbeat, so two views
// with the same Version agree on every state; LastHeard is as of when the
// view was taken. The zero View (Version 0) is "no view yet".
type View struct {
	Version uint64
	Self    cluster.NodeID
	// Nodes sorted by ID, including this node (always up).
	Nodes []NodeStatus
}

// Node returns the status of node id.
func (v View) Node(id cluster.NodeID) (NodeStatus, bool) {
	i, ok := slices.BinarySearchFunc(v.Nodes, id, func(n NodeStatus, id cluster.NodeID) int {
		return cmp.Compare(n.ID, id)
	})
	if !ok {
		return NodeStatus{}, false
	}
	return v.Nodes[i], true
}

// Alive returns the ids of the nodes that are up or in warn, this node
// included, sorted.
func (v View) Alive() []cluster.NodeID {
	var ids []cluster.NodeID
	for _, n := range v.Nodes {
		if n.State.Alive() {
			ids = append(ids, n.ID)
		}
	}
	return ids
}

// Paths returns the links to peer worth sending on, best first: the links
// that are up, then those in warn, each group in configured priority order.
// It is empty for a dead, pending or unknown node and for this node. The
// slice is the caller's.
//
// It is the heartbeat mux's path selector.
func (v View) Paths(peer cluster.NodeID) []cluster.LinkName {
	n, ok := v.Node(peer)
	if !ok {
		return nil
	}
	var paths []cluster.LinkName
	// Links that work both ways first; a link the peer says it does not
	// hear us on is a last resort (it may carry one way only).
	for _, both := range [...]bool{true, false} {
		for _, want := range [...]LinkState{LinkStateUp, LinkStateWarn} {
			for _, l := range n.Links {
				if l.State == want && l.PeerHears == both {
					paths = append(paths, l.Name)
				}
			}
		}
	}
	return paths
}

// Hears lists the nodes this node hears on link (up or warn there), for
// the heartbeats it sends on that link.
func (v View) Hears(link cluster.LinkName) []cluster.NodeID {
	var ids []cluster.NodeID
	for _, n := range v.Nodes {
		for _, l := range n.Links {
			if l.Name == link && (l.State == LinkStateUp || l.State == LinkStateWarn) {
				ids = append(ids, n.ID)
			}
		}
	}
	return ids
}

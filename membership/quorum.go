package membership

import (
	"slices"

	"pacer/internal/cluster"
)

// QuorumMode is how a partition decides it may act for the cluster.
type QuorumMode uint8

const (
	// Majority: strictly more than half of the voters alive (Raft's rule).
	Majority QuorumMode = iota
	// TwoNode: exactly two voters and no tie-breaker (corosync's two_node):
	// one alive voter is enough, because fencing, not a vote, settles which
	// of the two survives. With any other number of voters it is Majority.
	TwoNode
	// Witness: a `pacerd --witness` is one of the voters and counts like any
	// other, so the rule is Majority's; a two-node pair with its witness
	// needs two of three.
	Witness
)

func (m QuorumMode) String() string {
	switch m {
	case Majority:
		return "majority"
	case TwoNode:
		return "two_node"
	case Witness:
		return "witness"
	}
	return "unknown"
}

// QuorumPolicy is the cluster's quorum configuration.
type QuorumPolicy struct {
	Mode QuorumMode
	// WaitForAll (corosync's wait_for_all): after boot, no quorum until
	// every voter has been seen alive at the same time once. It keeps a
	// node that boots alone, perhaps cut off from its peer, from starting
	// resources; configurations should enable it with TwoNode (corosync
	// does so implicitly).
	WaitForAll bool
}

// HasQuorum reports whether the alive nodes of v hold quorum among voters
// under p. The rules:
//
//   - No voters: no quorum.
//   - Voters are counted once each; a voter absent from v, pending or dead
//     is not alive; a node in warn is alive.
//   - WaitForAll, any mode: no quorum unless seenAll, which the caller
//     latches once every voter was alive in one view since this node
//     booted (see AllAlive).
//   - Majority and Witness: strictly more than half of the voters alive
//     (2 of 3, 3 of 4, 3 of 5; 1 of 2 is not enough).
//   - TwoNode with exactly two voters: at least one alive. With any other
//     number of voters, Majority.
func HasQuorum(p QuorumPolicy, voters []cluster.NodeID, v View, seenAll bool) bool {
	voters = unique(voters)
	if len(voters) == 0 {
		return false
	}
	if p.WaitForAll && !seenAll {
		return false
	}
	alive := 0
	for _, id := range voters {
		if n, ok := v.Node(id); ok && n.State.Alive() {
			alive++
		}
	}
	if p.Mode == TwoNode && len(voters) == 2 {
		return alive >= 1
	}
	return 2*alive > len(voters)
}

// AllAlive reports whether every voter is alive in v: the moment a caller
// enforcing WaitForAll latches seenAll.
func AllAlive(voters []cluster.NodeID, v View) bool {
	if len(voters) == 0 {
		return false
	}
	for _, id := range voters {
		if n, ok := v.Node(id); !ok || !n.State.Alive() {
			return false
		}
	}
	return true
}

func unique(ids []cluster.NodeID) []cluster.NodeID {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

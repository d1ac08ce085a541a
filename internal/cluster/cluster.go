// Package cluster is pacer's shared vocabulary: the identifiers every layer
// speaks. It has no behaviour.
package cluster

import "strconv"

// NodeID identifies a node for the life of the cluster; ids are never reused.
// Zero is not a valid node id.
type NodeID uint64

// Broadcast addresses every peer reachable on a link.
const Broadcast NodeID = 0

func (id NodeID) String() string { return strconv.FormatUint(uint64(id), 10) }

// NodeName is a node's name as operators see it (uname -n by default).
type NodeName string

// ClusterName binds every frame to one cluster so two clusters sharing a
// network never act on each other's traffic.
type ClusterName string

// BootEpoch increases every time a node's daemon starts, so frames from an
// earlier run can be told apart from the current one and refused.
type BootEpoch uint64

// LinkName names one heartbeat link ("ring0", "serial0").
type LinkName string

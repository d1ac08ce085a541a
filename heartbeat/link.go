// Package heartbeat moves authenticated frames between nodes: the frame
// format, its sealing and verification, replay protection, the links that
// carry frames (UDP unicast and multicast, serial, in-memory), the keepalive
// sender and the mux that picks the best live link for a cluster message.
//
// heartbeat knows nothing of membership: it reports what it heard, and asks a
// PathSelector (implemented by membership, injected by the daemon) which
// links lead to a peer.
package heartbeat

import (
	"errors"
	"time"

	"pacer/internal/cluster"
)

// LinkKind says what a link is made of; the mux uses it to keep bulky
// messages off slow links.
type LinkKind string

const (
	KindUDP       LinkKind = "udp"       // UDP unicast, one datagram per peer
	KindMulticast LinkKind = "multicast" // UDP multicast or broadcast group
	KindSerial    LinkKind = "serial"    // a tty: slow, point to point
	KindMemory    LinkKind = "memory"    // in-memory, for tests and the simulator
)

// Packet is one datagram as it came off a link, not yet verified.
type Packet struct {
	Buf        []byte
	From       string // link-level source (an address, a device), for debugging only
	Link       cluster.LinkName
	ReceivedAt time.Time
}

// Link is one path to some or all peers. Implementations must be safe for
// concurrent Send calls.
type Link interface {
	Name() cluster.LinkName
	Kind() LinkKind
	// MTU is the largest frame, in bytes, Send accepts.
	MTU() int
	// Send queues buf for peer (cluster.Broadcast: every peer reachable on
	// this link). It never blocks: a full queue returns ErrQueueFull, which
	// the caller counts as a drop. buf may be reused once Send returns.
	Send(peer cluster.NodeID, buf []byte) error
	// Packets delivers received datagrams. It is closed by Close.
	Packets() <-chan Packet
	Close() error
}

// Errors a Link returns.
var (
	ErrQueueFull   = errors.New("link send queue full")
	ErrTooLarge    = errors.New("frame larger than link MTU")
	ErrUnknownPeer = errors.New("peer not reachable on this link")
	ErrLinkClosed  = errors.New("link closed")
)

// Package memlink is an in-memory heartbeat network for unit tests and the
// deterministic simulator: links between nodes with partitions, random drops
// and delays, driven by an injected clock and a seeded rand so a run replays
// exactly.
package memlink

import (
	"fmt"
	"math/rand"
	"sync"
	"time"

	"pacer/heartbeat"
	"pacer/internal/clock"
	"pacer/internal/cluster"
)

// DefaultMTU is large enough for any frame.
const DefaultMTU = heartbeat.MaxFrameSize

// Network connects in-memory links that share a name ("ring0") across nodes.
type Network struct {
	mu       sync.Mutex
	clk      clock.Clock
	rnd      *rand.Rand
	links    map[cluster.LinkName]map[cluster.NodeID]*Link
	cut      map[pairKey]bool // cut[a,b]: a's frames do not reach b
	dropRate float64
	delay    time.Duration
	queueLen int
}

type pairKey struct {
	link     cluster.LinkName // "" = every link
	from, to cluster.NodeID
}

// NewNetwork returns an empty network; seed makes drops reproducible.
func NewNetwork(clk clock.Clock, seed int64) *Network {
	return &Network{
		clk:      clk,
		rnd:      rand.New(rand.NewSource(seed)),
		links:    make(map[cluster.LinkName]map[cluster.NodeID]*Link),
		cut:      make(map[pairKey]bool),
		queueLen: 1024,
	}
}

// Link attaches node to the link called name and returns its end.
func (n *Network) Link(node cluster.NodeID, name cluster.LinkName) *Link {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.links[name] == nil {
		n.links[name] = make(map[cluster.NodeID]*Link)
	}
	l := &Link{net: n, node: node, name: name, ch: make(chan heartbeat.Packet, n.queueLen)}
	n.links[name][node] = l
	return l
}

// Partition cuts every link between a and b in both directions.
func (n *Network) Partition(a, b cluster.NodeID) { n.setCut("", a, b, true) }

// Heal restores every link between a and b.
func (n *Network) Heal(a, b cluster.NodeID) { n.setCut("", a, b, false) }

// CutLink cuts only the named link between a and b, both ways.
func (n *Network) CutLink(name cluster.LinkName, a, b cluster.NodeID) { n.setCut(name, a, b, true) }

// RestoreLink undoes CutLink.
func (n *Network) RestoreLink(name cluster.LinkName, a, b cluster.NodeID) {
	n.setCut(name, a, b, false)
}

// Isolate cuts node off from every other node.
func (n *Network) Isolate(node cluster.NodeID) {
	for _, other := range n.nodes() {
		if other != node {
			n.Partition(node, other)
		}
	}
}

// HealAll removes every partition and cut.
func (n *Network) HealAll() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.cut = make(map[pairKey]bool)
}

// Drop makes each frame vanish with probability rate (0..1).
func (n *Network) Drop(rate float64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.dropRate = rate
}

// Delay makes every frame arrive d after it was sent (on the clock).
func (n *Network) Delay(d time.Duration) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.delay = d
}

func (n *Network) nodes() []cluster.NodeID {
	n.mu.Lock()
	defer n.mu.Unlock()
	seen := map[cluster.NodeID]bool{}
	var out []cluster.NodeID
	for _, m := range n.links {
		for id := range m {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	return out
}

func (n *Network) setCut(name cluster.LinkName, a, b cluster.NodeID, on bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, k := range []pairKey{{name, a, b}, {name, b, a}} {
		if on {
			n.cut[k] = true
		} else {
			delete(n.cut, k)
		}
	}
}

// deliver routes one frame; called with no lock held.
func (n *Network) deliver(from *Link, to cluster.NodeID, buf []byte) error {
	n.mu.Lock()
	var targets []*Link
	for id, l := range n.links[from.name] {
		if id == from.node || (to != cluster.Broadcast && id != to) {
			continue
		}
		if n.cut[pairKey{"", from.node, id}] || n.cut[pairKey{from.name, from.node, id}] {
			continue
		}
		if n.dropRate > 0 && n.rnd.Float64() < n.dropRate {
			continue
		}
		targets = append(targets, l)
	}
	delay := n.delay
	if to != cluster.Broadcast && n.links[from.name][to] == nil {
		n.mu.Unlock()
		return fmt.Errorf("memlink %s: node %d: %w", from.name, to, heartbeat.ErrUnknownPeer)
	}
	n.mu.Unlock()
	for _, l := range targets {
		cp := append([]byte(nil), buf...)
		l := l
		if delay > 0 {
			n.clk.AfterFunc(delay, func() { l.receive(cp, from.node) })
		} else {
			l.receive(cp, from.node)
		}
	}
	return nil
}

// Link is one node's end of an in-memory link.
type Link struct {
	net    *Network
	node   cluster.NodeID
	name   cluster.LinkName
	mu     sync.Mutex
	closed bool
	ch     chan heartbeat.Packet
	drops  uint64
}

var _ heartbeat.Link = (*Link)(nil)

func (l *Link) Name() cluster.LinkName   { return l.name }
func (l *Link) Kind() heartbeat.LinkKind { return heartbeat.KindMemory }
func (l *Link) MTU() int                 { return DefaultMTU }

func (l *Link) Send(peer cluster.NodeID, buf []byte) error {
	l.mu.Lock()
	closed := l.closed
	l.mu.Unlock()
	if closed {
		return heartbeat.ErrLinkClosed
	}
	if len(buf) > DefaultMTU {
		return heartbeat.ErrTooLarge
	}
	return l.net.deliver(l, peer, buf)
}

func (l *Link) Packets() <-chan heartbeat.Packet { return l.ch }

func (l *Link) receive(buf []byte, from cluster.NodeID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	select {
	case l.ch <- heartbeat.Packet{Buf: buf, From: fmt.Sprintf("mem:%d", from), Link: l.name, ReceivedAt: l.net.clk.Now()}:
	default:
		l.drops++
	}
}

// LinkDrops counts frames lost to a full receive queue.
func (l *Link) LinkDrops() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.drops
}

// Close detaches the link; further frames to it are lost.
func (l *Link) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.closed = true
		close(l.ch)
	}
	return nil
}

// Package udp provides heartbeat links over UDP: unicast (one datagram per
// peer, like Heartbeat's ucast and Corosync's knet/udpu) and multicast or
// broadcast (one datagram for the whole group, like mcast/bcast).
package udp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"syscall"

	"pacer/heartbeat"
	"pacer/internal/clock"
	"pacer/internal/cluster"
)

// DefaultQueueLen bounds the send and receive queues of a link.
const DefaultQueueLen = 256

// MTU is the largest frame a UDP link sends: the IPv4 UDP maximum. Frames
// above the path MTU are fragmented by IP, which is acceptable on the LAN
// segment a cluster lives on; heartbeats are about 100 bytes.
const MTU = heartbeat.MaxFrameSize

// RecvBuffer is the socket receive buffer a UDP link asks for.
const RecvBuffer = 1 << 20

type outgoing struct {
	buf  []byte
	dest []*net.UDPAddr
}

// Link is a UDP heartbeat link.
type Link struct {
	name      cluster.LinkName
	kind      heartbeat.LinkKind
	conn      *net.UDPConn
	clk       clock.Clock
	destsFor  func(cluster.NodeID) ([]*net.UDPAddr, error)
	out       chan outgoing
	in        chan heartbeat.Packet
	done      chan struct{}
	written   chan struct{} // closed when the writer has stopped
	closeOnce sync.Once
	wg        sync.WaitGroup
	recvDrops atomic.Uint64
	sendErrs  atomic.Uint64
}

var _ heartbeat.Link = (*Link)(nil)

func newLink(name cluster.LinkName, kind heartbeat.LinkKind, conn *net.UDPConn, clk clock.Clock, queueLen int,
	destsFor func(cluster.NodeID) ([]*net.UDPAddr, error)) *Link {
	if queueLen <= 0 {
		queueLen = DefaultQueueLen
	}
	// Room for bursts (Raft catch-up, a snapshot) while the reader is
	// descheduled; best effort, the kernel caps it at net.core.rmem_max.
	_ = conn.SetReadBuffer(RecvBuffer)
	l := &Link{
		name: name, kind: kind, conn: conn, clk: clk, destsFor: destsFor,
		out:  make(chan outgoing, queueLen),
		in:   make(chan heartbeat.Packet, queueLen),
		done: make(chan struct{}), written: make(chan struct{}),
	}
	l.wg.Add(2)
	go l.readLoop()
	go l.writeLoop()
	return l
}

func (l *Link) Name() cluster.LinkName           { return l.name }
func (l *Link) Kind() heartbeat.LinkKind         { return l.kind }
func (l *Link) MTU() int                         { return MTU }
func (l *Link) Packets() <-chan heartbeat.Packet { return l.in }

// LocalAddr is the bound address (useful when binding port 0 in tests).
func (l *Link) LocalAddr() *net.UDPAddr { return l.conn.LocalAddr().(*net.UDPAddr) }

// LinkDrops counts datagrams lost to a full receive queue.
func (l *Link) LinkDrops() uint64 { return l.recvDrops.Load() }

// SendErrors counts datagrams the kernel refused.
func (l *Link) SendErrors() uint64 { return l.sendErrs.Load() }

// Send queues buf for peer without blocking.
func (l *Link) Send(peer cluster.NodeID, buf []byte) error {
	if len(buf) > MTU {
		return heartbeat.ErrTooLarge
	}
	dest, err := l.destsFor(peer)
	if err != nil {
		return err
	}
	select {
	case <-l.done:
		return heartbeat.ErrLinkClosed
	default:
	}
	select {
	case l.out <- outgoing{buf: append([]byte(nil), buf...), dest: dest}:
		return nil
	default:
		return heartbeat.ErrQueueFull
	}
}

func (l *Link) writeLoop() {
	defer l.wg.Done()
	defer close(l.written)
	write := func(o outgoing) {
		for _, d := range o.dest {
			if _, err := l.conn.WriteToUDP(o.buf, d); err != nil {
				// ECONNREFUSED from a dead peer's port, ENETUNREACH on a
				// cut link: the peer's silence is what membership acts
				// on, so only count.
				l.sendErrs.Add(1)
			}
		}
	}
	for {
		select {
		case <-l.done:
			// What was queued before Close still goes out (a stopping
			// node's leave announcement is the last thing it sends).
			for {
				select {
				case o := <-l.out:
					write(o)
				default:
					return
				}
			}
		case o := <-l.out:
			write(o)
		}
	}
}

func (l *Link) readLoop() {
	defer l.wg.Done()
	defer close(l.in)
	buf := make([]byte, MTU+1)
	for {
		n, from, err := l.conn.ReadFromUDP(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			select {
			case <-l.done:
				return
			default:
			}
			// ICMP errors surface as read errors on Linux; keep reading.
			continue
		}
		p := heartbeat.Packet{Buf: append([]byte(nil), buf[:n]...), From: from.String(), Link: l.name, ReceivedAt: l.clk.Now()}
		select {
		case l.in <- p:
		default:
			l.recvDrops.Add(1)
		}
	}
}

// Close stops the link; Packets is closed once the reader has stopped.
func (l *Link) Close() error {
	var err error
	l.closeOnce.Do(func() {
		close(l.done)
		<-l.written // the queue is flushed before the socket closes
		err = l.conn.Close()
		l.wg.Wait()
	})
	return err
}

// UnicastConfig configures a unicast link.
type UnicastConfig struct {
	Name     cluster.LinkName
	Bind     string                    // local "ip:port"
	Peers    map[cluster.NodeID]string // peer -> "ip:port"
	QueueLen int
}

// NewUnicast binds cfg.Bind and sends to each peer's own address.
func NewUnicast(cfg UnicastConfig, clk clock.Clock) (*Link, error) {
	laddr, err := net.ResolveUDPAddr("udp", cfg.Bind)
	if err != nil {
		return nil, fmt.Errorf("udp link %s: bind address %q: %w", cfg.Name, cfg.Bind, err)
	}
	peers := make(map[cluster.NodeID]*net.UDPAddr, len(cfg.Peers))
	var all []*net.UDPAddr
	for id, a := range cfg.Peers {
		ua, err := net.ResolveUDPAddr("udp", a)
		if err != nil {
			return nil, fmt.Errorf("udp link %s: peer %d address %q: %w", cfg.Name, id, a, err)
		}
		peers[id] = ua
		all = append(all, ua)
	}
	conn, err := net.ListenUDP("udp", laddr)
	if err != nil {
		return nil, fmt.Errorf("udp link %s: listen %s: %w", cfg.Name, cfg.Bind, err)
	}
	dests := func(peer cluster.NodeID) ([]*net.UDPAddr, error) {
		if peer == cluster.Broadcast {
			return all, nil
		}
		a, ok := peers[peer]
		if !ok {
			return nil, fmt.Errorf("udp link %s: node %d: %w", cfg.Name, peer, heartbeat.ErrUnknownPeer)
		}
		return []*net.UDPAddr{a}, nil
	}
	return newLink(cfg.Name, heartbeat.KindUDP, conn, clk, cfg.QueueLen, dests), nil
}

// listenReuse binds addr with SO_REUSEADDR so several nodes (in tests, or a
// witness beside a node) can share a multicast port on one host.
func listenReuse(addr string, control func(fd uintptr) error) (*net.UDPConn, error) {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) { serr = control(fd) }); err != nil {
			return err
		}
		return serr
	}}
	pc, err := lc.ListenPacket(context.Background(), "udp4", addr)
	if err != nil {
		return nil, err
	}
	return pc.(*net.UDPConn), nil
}

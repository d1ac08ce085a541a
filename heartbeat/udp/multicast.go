package udp

import (
	"fmt"
	"net"
	"strconv"

	"golang.org/x/sys/unix"

	"pacer/heartbeat"
	"pacer/internal/clock"
	"pacer/internal/cluster"
)

// MulticastConfig configures a multicast or broadcast link.
type MulticastConfig struct {
	Name cluster.LinkName
	// Group is "ip:port": a multicast group (224.0.0.0/4) or a broadcast
	// address (e.g. 10.1.1.255).
	Group string
	// Interface is the interface to join and send on; empty lets the kernel
	// choose by route.
	Interface string
	// TTL for multicast; 1 keeps heartbeats on the local segment.
	TTL      int
	QueueLen int
}

// NewMulticast joins the group (or binds the broadcast port) and sends every
// frame once to the whole group. This node's own frames loop back and are
// dropped by the verifier as its own.
func NewMulticast(cfg MulticastConfig, clk clock.Clock) (*Link, error) {
	host, portStr, err := net.SplitHostPort(cfg.Group)
	if err != nil {
		return nil, fmt.Errorf("multicast link %s: group %q: %w", cfg.Name, cfg.Group, err)
	}
	ip := net.ParseIP(host).To4()
	port, perr := strconv.Atoi(portStr)
	if ip == nil || perr != nil || port < 1 || port > 65535 {
		return nil, fmt.Errorf("multicast link %s: group %q: want an IPv4 address and port", cfg.Name, cfg.Group)
	}
	var ifi *net.Interface
	if cfg.Interface != "" {
		if ifi, err = net.InterfaceByName(cfg.Interface); err != nil {
			return nil, fmt.Errorf("multicast link %s: interface %q: %w", cfg.Name, cfg.Interface, err)
		}
	}
	ttl := cfg.TTL
	if ttl <= 0 {
		ttl = 1
	}
	multicast := ip.IsMulticast()
	bind := net.JoinHostPort("0.0.0.0", portStr)
	if multicast {
		// Binding the group address keeps unicast traffic to the same port
		// out of this socket.
		bind = cfg.Group
	}
	conn, err := listenReuse(bind, func(fd uintptr) error {
		s := int(fd)
		if err := unix.SetsockoptInt(s, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
			return fmt.Errorf("SO_REUSEADDR: %w", err)
		}
		if !multicast {
			if err := unix.SetsockoptInt(s, unix.SOL_SOCKET, unix.SO_BROADCAST, 1); err != nil {
				return fmt.Errorf("SO_BROADCAST: %w", err)
			}
			if ifi != nil {
				return unix.BindToDevice(s, ifi.Name)
			}
			return nil
		}
		mreq := &unix.IPMreqn{Multiaddr: [4]byte(ip)}
		if ifi != nil {
			mreq.Ifindex = int32(ifi.Index)
			if err := unix.SetsockoptIPMreqn(s, unix.IPPROTO_IP, unix.IP_MULTICAST_IF, mreq); err != nil {
				return fmt.Errorf("IP_MULTICAST_IF: %w", err)
			}
		}
		if err := unix.SetsockoptInt(s, unix.IPPROTO_IP, unix.IP_MULTICAST_TTL, ttl); err != nil {
			return fmt.Errorf("IP_MULTICAST_TTL: %w", err)
		}
		// Loop on: nodes sharing a host (tests, a witness) must hear each
		// other; our own echo is dropped after verification.
		if err := unix.SetsockoptInt(s, unix.IPPROTO_IP, unix.IP_MULTICAST_LOOP, 1); err != nil {
			return fmt.Errorf("IP_MULTICAST_LOOP: %w", err)
		}
		if err := unix.SetsockoptIPMreqn(s, unix.IPPROTO_IP, unix.IP_ADD_MEMBERSHIP, mreq); err != nil {
			return fmt.Errorf("join %s: %w", ip, err)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("multicast link %s: %s: %w", cfg.Name, cfg.Group, err)
	}
	group := &net.UDPAddr{IP: ip, Port: port}
	dests := []*net.UDPAddr{group}
	return newLink(cfg.Name, heartbeat.KindMulticast, conn, clk, cfg.QueueLen, func(cluster.NodeID) ([]*net.UDPAddr, error) {
		// Every peer on the segment hears the group; a message for one
		// peer is read and discarded by the others after verification.
		return dests, nil
	}), nil
}

package heartbeat

import (
	"errors"
	"fmt"

	"pacer/internal/cluster"
)

// PathSelector lists the links that lead to a peer, best first. membership
// implements it; the daemon injects it so heartbeat never imports
// membership.
type PathSelector interface {
	Paths(peer cluster.NodeID) []cluster.LinkName
}

// SerialMaxMessage is the largest frame the mux puts on a serial link: a
// 19200-baud tty moves about 1900 bytes a second, and heartbeats must keep
// flowing on it.
const SerialMaxMessage = 512

// ErrNoPath means no live link leads to the peer, or every one failed.
var ErrNoPath = errors.New("no live link to peer")

// Mux sends cluster messages over the best live link to a peer and fails
// over to the next on error. A serial link carries a message only when it is
// the last path left and the frame is small.
type Mux struct {
	sealer *Sealer
	links  map[cluster.LinkName]Link
	sel    PathSelector
	stats  *Stats
}

// NewMux returns a Mux over links.
func NewMux(s *Sealer, links []Link, sel PathSelector, stats *Stats) *Mux {
	m := &Mux{sealer: s, links: make(map[cluster.LinkName]Link, len(links)), sel: sel, stats: stats}
	for _, l := range links {
		m.links[l.Name()] = l
	}
	return m
}

// Send seals msg and sends it to peer, returning the link it went out on.
func (m *Mux) Send(peer cluster.NodeID, msg Message) (cluster.LinkName, error) {
	msg.To = peer
	body, err := EncodeBody(nil, msg)
	if err != nil {
		return "", err
	}
	frame, err := m.sealer.Seal(nil, TypeMessage, body)
	if err != nil {
		return "", err
	}
	var serial []Link
	var errs []error
	for _, name := range m.sel.Paths(peer) {
		l, ok := m.links[name]
		if !ok {
			continue
		}
		if l.Kind() == KindSerial {
			serial = append(serial, l)
			continue
		}
		if len(frame) > l.MTU() {
			errs = append(errs, fmt.Errorf("link %s: %w", name, ErrTooLarge))
			continue
		}
		if err := l.Send(peer, frame); err != nil {
			errs = append(errs, fmt.Errorf("link %s: %w", name, err))
			continue
		}
		return name, nil
	}
	for _, l := range serial {
		if len(frame) > SerialMaxMessage || len(frame) > l.MTU() {
			errs = append(errs, fmt.Errorf("link %s: %d-byte message too large for serial: %w", l.Name(), len(frame), ErrTooLarge))
			continue
		}
		if err := l.Send(peer, frame); err != nil {
			errs = append(errs, fmt.Errorf("link %s: %w", l.Name(), err))
			continue
		}
		return l.Name(), nil
	}
	return "", fmt.Errorf("send to node %d: %w", peer, errors.Join(append([]error{ErrNoPath}, errs...)...))
}

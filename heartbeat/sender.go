package heartbeat

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"pacer/internal/clock"
	"pacer/internal/cluster"
	"pacer/internal/logfield"
)

// Sender sends a heartbeat on every link every keepalive.
type Sender struct {
	sealer    *Sealer
	links     []Link
	clk       clock.Clock
	keepalive time.Duration
	name      string
	stats     *Stats
	lg        *zap.Logger
	hears     func(cluster.LinkName) []cluster.NodeID
}

// NewSender prepares the keepalive sender for this node.
func NewSender(s *Sealer, name cluster.NodeName, keepalive time.Duration, links []Link, clk clock.Clock, stats *Stats, lg *zap.Logger) (*Sender, error) {
	if keepalive <= 0 {
		return nil, fmt.Errorf("keepalive %v must be positive", keepalive)
	}
	if _, err := EncodeBody(nil, Heartbeat{Name: string(name)}); err != nil {
		return nil, err
	}
	return &Sender{sealer: s, links: links, clk: clk, keepalive: keepalive, name: string(name), stats: stats, lg: lg}, nil
}

// SetHears gives the sender who this node hears on each link (membership),
// to tell every peer in each heartbeat. Call before Run.
func (s *Sender) SetHears(hears func(cluster.LinkName) []cluster.NodeID) { s.hears = hears }

// Run sends at once, then every keepalive, until ctx is done.
func (s *Sender) Run(ctx context.Context) error {
	t := s.clk.NewTicker(s.keepalive)
	defer t.Stop()
	buf := make([]byte, 0, 256)
	for {
		buf = s.Beat(buf[:0])
		select {
		case <-ctx.Done():
			return nil
		case <-t.C():
		}
	}
}

// Beat sends one heartbeat on every link, each with its own sequence number,
// and returns buf for reuse.
func (s *Sender) Beat(buf []byte) []byte { return s.beat(buf, false) }

// Leave sends a heartbeat announcing this node's clean leave on every
// link, repeated times (a datagram may be lost), each with its own
// sequence number. Stop Run first: a plain heartbeat after it is ignored
// anyway, as peers believe nothing more of this boot epoch.
func (s *Sender) Leave(repeat int) {
	var buf []byte
	for range repeat {
		buf = s.beat(buf[:0], true)
	}
}

func (s *Sender) beat(buf []byte, leaving bool) []byte {
	for _, l := range s.links {
		hb := Heartbeat{Name: s.name, KeepaliveMS: uint32(s.keepalive / time.Millisecond), Leaving: leaving}
		if s.hears != nil {
			hb.HearsKnown, hb.Hears = true, s.hears(l.Name())
		}
		body, err := EncodeBody(nil, hb)
		if err == nil {
			buf, err = s.sealer.Seal(buf[:0], TypeHeartbeat, body)
		}
		if err == nil {
			err = l.Send(cluster.Broadcast, buf)
		}
		if err != nil {
			s.stats.Count(err)
			s.lg.Debug("heartbeat not sent", logfield.Link(string(l.Name())), zap.Error(err))
		}
	}
	return buf
}

package heartbeat

import (
	"context"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"

	"pacer/internal/cluster"
	"pacer/internal/logfield"
)

// Heard says a verified frame from Node arrived on Link: the input of
// membership.
type Heard struct {
	Node  cluster.NodeID
	Name  string // from a heartbeat body; empty for messages
	Link  cluster.LinkName
	Epoch cluster.BootEpoch
	At    time.Time
	// Reverse is whether Node hears this node on Link, from its
	// heartbeat; ReverseUnknown for other frames.
	Reverse Reverse
	// Leaving: the heartbeat announces the sender's clean leave.
	Leaving bool
}

// Reverse is what a peer says of the other direction of a link.
type Reverse uint8

const (
	ReverseUnknown Reverse = iota // not said (a message frame)
	ReverseHears                  // the peer hears this node on the link
	ReverseDeaf                   // the peer does not hear this node on the link
)

// Handlers receive what the Receiver accepts. Both are called from the
// receiving goroutines and must not block.
type Handlers struct {
	Heard   func(Heard)
	Message func(from cluster.NodeID, link cluster.LinkName, m Message)
}

// Receiver verifies every packet from every link and hands accepted frames
// on. Rejected frames are counted in Stats and never acted on.
type Receiver struct {
	v     *Verifier
	h     Handlers
	stats *Stats
	lg    *zap.Logger
}

// NewReceiver returns a Receiver.
func NewReceiver(v *Verifier, h Handlers, stats *Stats, lg *zap.Logger) *Receiver {
	return &Receiver{v: v, h: h, stats: stats, lg: lg}
}

// Run reads every link until ctx is done or all links are closed.
func (r *Receiver) Run(ctx context.Context, links []Link) error {
	var wg sync.WaitGroup
	for _, l := range links {
		wg.Add(1)
		go func(l Link) {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case p, ok := <-l.Packets():
					if !ok {
						return
					}
					r.Handle(p)
				}
			}
		}(l)
	}
	wg.Wait()
	return nil
}

// Handle verifies one packet and dispatches it. It reports whether the
// packet was accepted.
func (r *Receiver) Handle(p Packet) bool {
	f, err := r.v.Open(p.Buf)
	if err == nil {
		switch f.Type {
		case TypeHeartbeat:
			var hb Heartbeat
			if err = DecodeBody(f.Body, &hb); err == nil && r.h.Heard != nil {
				rev := ReverseUnknown
				if hb.HearsKnown {
					rev = ReverseDeaf
					if slices.Contains(hb.Hears, r.v.self) {
						rev = ReverseHears
					}
				}
				r.h.Heard(Heard{Node: f.Sender, Name: hb.Name, Link: p.Link, Epoch: f.Epoch, At: p.ReceivedAt, Reverse: rev, Leaving: hb.Leaving})
			}
		case TypeMessage:
			var m Message
			if err = DecodeBody(f.Body, &m); err == nil {
				if r.h.Heard != nil {
					r.h.Heard(Heard{Node: f.Sender, Link: p.Link, Epoch: f.Epoch, At: p.ReceivedAt})
				}
				if r.h.Message != nil && (m.To == cluster.Broadcast || m.To == r.v.self) {
					r.h.Message(f.Sender, p.Link, m)
				}
			}
		default:
			// A future frame type from a newer peer: authenticated, so
			// liveness counts, but the body is not for us.
			if r.h.Heard != nil {
				r.h.Heard(Heard{Node: f.Sender, Link: p.Link, Epoch: f.Epoch, At: p.ReceivedAt})
			}
		}
	}
	if err != nil {
		reason := r.stats.Count(err)
		if reason != DropOwn && r.lg.Core().Enabled(zap.DebugLevel) {
			r.lg.Debug("frame dropped", logfield.Link(string(p.Link)), logfield.Reason(reason.String()),
				zap.String("from", p.From), zap.Error(err))
		}
		return false
	}
	return true
}

package heartbeat

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"pacer/internal/clock"
)

// DropReason classifies a dropped frame.
type DropReason int

const (
	DropGarbled DropReason = iota
	DropOversize
	DropForeignCluster
	DropUnknownKey
	DropBadMAC
	DropOldEpoch
	DropReplay
	DropUnknownNode
	DropOwn
	DropQueueFull
	numDropReasons
)

var dropNames = [numDropReasons]string{
	"garbled", "oversize", "foreign_cluster", "unknown_key", "bad_mac",
	"old_epoch", "replay", "unknown_node", "own", "queue_full",
}

func (r DropReason) String() string {
	if r < 0 || r >= numDropReasons {
		return "unknown"
	}
	return dropNames[r]
}

// ReasonOf maps a Verifier or Link error to its drop reason.
func ReasonOf(err error) DropReason {
	switch {
	case errors.Is(err, ErrOversize), errors.Is(err, ErrTooLarge):
		return DropOversize
	case errors.Is(err, ErrForeignCluster):
		return DropForeignCluster
	case errors.Is(err, ErrUnknownKey):
		return DropUnknownKey
	case errors.Is(err, ErrBadMAC):
		return DropBadMAC
	case errors.Is(err, ErrOldEpoch):
		return DropOldEpoch
	case errors.Is(err, ErrReplay):
		return DropReplay
	case errors.Is(err, ErrUnknownNode):
		return DropUnknownNode
	case errors.Is(err, ErrOwnFrame):
		return DropOwn
	case errors.Is(err, ErrQueueFull):
		return DropQueueFull
	}
	return DropGarbled
}

// LinkDropper is implemented by links that drop garbled input in their own
// framing (a serial link's bad checksums) before it becomes a Packet.
type LinkDropper interface {
	LinkDrops() uint64
}

// Stats counts dropped frames by reason. The zero value is ready to use.
type Stats struct {
	drops [numDropReasons]atomic.Uint64
	links []LinkDropper
}

// Count records a drop for err and returns its reason.
func (s *Stats) Count(err error) DropReason {
	r := ReasonOf(err)
	s.drops[r].Add(1)
	return r
}

// Watch adds a link's own drop counter to the "garbled" total.
func (s *Stats) Watch(l Link) {
	if d, ok := l.(LinkDropper); ok {
		s.links = append(s.links, d)
	}
}

// Snapshot returns the counters by reason name.
func (s *Stats) Snapshot() map[string]uint64 {
	m := make(map[string]uint64, numDropReasons)
	for r := DropReason(0); r < numDropReasons; r++ {
		m[r.String()] = s.drops[r].Load()
	}
	for _, l := range s.links {
		m[DropGarbled.String()] += l.LinkDrops()
	}
	return m
}

// Summarize logs, once per interval and only if something was dropped, one
// line with the drops by reason since the previous line. Drops are never
// logged per packet above Debug: a flood of forged frames must not become a
// flood of log lines.
func (s *Stats) Summarize(ctx context.Context, clk clock.Clock, interval time.Duration, lg *zap.Logger) error {
	t := clk.NewTicker(interval)
	defer t.Stop()
	// Counting starts at zero, not at this goroutine's start: a frame
	// dropped before the first tick (right after pacerd started, before
	// this goroutine ran) is reported too.
	prev := map[string]uint64{}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C():
			cur := s.Snapshot()
			var fields []zap.Field
			for r := DropReason(0); r < numDropReasons; r++ {
				if r == DropOwn { // our own multicast echo is expected
					continue
				}
				name := r.String()
				if d := cur[name] - prev[name]; d > 0 {
					fields = append(fields, zap.Uint64(name, d))
				}
			}
			prev = cur
			if len(fields) > 0 {
				fields = append(fields, zap.Duration("interval", interval))
				lg.Warn("frames dropped", fields...)
			}
		}
	}
}

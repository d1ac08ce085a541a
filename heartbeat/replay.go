package heartbeat

import (
	"fmt"
	"sync"

	"pacer/internal/cluster"
)

// ReplayWindowSize is how many sequence numbers behind the newest one a frame
// may arrive and still be accepted once. Frames of one sender travel over
// several links of very different speed (UDP and a 19200-baud tty), so the
// window is wide.
const ReplayWindowSize = 1024

const windowWords = ReplayWindowSize / 64

// ReplayWindow tracks, per sender, the newest boot epoch and the sequence
// numbers seen recently (the IPsec anti-replay bitmap). It is safe for
// concurrent use.
type ReplayWindow struct {
	mu      sync.Mutex
	senders map[cluster.NodeID]*senderWindow
}

type senderWindow struct {
	epoch cluster.BootEpoch
	top   uint64 // highest sequence number accepted in this epoch
	seen  [windowWords]uint64
}

// NewReplayWindow returns an empty window.
func NewReplayWindow() *ReplayWindow {
	return &ReplayWindow{senders: make(map[cluster.NodeID]*senderWindow)}
}

// Admit records (epoch, seq) from sender if it is new, or returns
// ErrOldEpoch or ErrReplay. A newer epoch means the sender restarted: its
// window starts afresh.
func (w *ReplayWindow) Admit(sender cluster.NodeID, epoch cluster.BootEpoch, seq uint64) error {
	if seq == 0 {
		return fmt.Errorf("%w: sequence 0", ErrReplay)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.senders[sender]
	switch {
	case s == nil:
		s = &senderWindow{epoch: epoch}
		w.senders[sender] = s
	case epoch < s.epoch:
		return fmt.Errorf("%w: epoch %d, current %d", ErrOldEpoch, epoch, s.epoch)
	case epoch > s.epoch:
		*s = senderWindow{epoch: epoch}
	}
	if seq > s.top {
		s.shift(seq - s.top)
		s.top = seq
		s.set(0)
		return nil
	}
	back := s.top - seq
	if back >= ReplayWindowSize {
		return fmt.Errorf("%w: sequence %d is %d behind %d", ErrReplay, seq, back, s.top)
	}
	if s.has(back) {
		return fmt.Errorf("%w: sequence %d seen", ErrReplay, seq)
	}
	s.set(back)
	return nil
}

// Epoch returns the newest epoch seen from sender (0 if none).
func (w *ReplayWindow) Epoch(sender cluster.NodeID) cluster.BootEpoch {
	w.mu.Lock()
	defer w.mu.Unlock()
	if s := w.senders[sender]; s != nil {
		return s.epoch
	}
	return 0
}

// Bit i of the bitmap stands for sequence number top-i.

func (s *senderWindow) has(i uint64) bool { return s.seen[i/64]&(1<<(i%64)) != 0 }
func (s *senderWindow) set(i uint64)      { s.seen[i/64] |= 1 << (i % 64) }

// shift moves the window forward by n sequence numbers.
func (s *senderWindow) shift(n uint64) {
	if n >= ReplayWindowSize {
		s.seen = [windowWords]uint64{}
		return
	}
	words, bits := int(n/64), n%64
	for i := windowWords - 1; i >= 0; i-- {
		var v uint64
		if j := i - words; j >= 0 {
			v = s.seen[j] << bits
			if bits != 0 && j-1 >= 0 {
				v |= s.seen[j-1] >> (64 - bits)
			}
		}
		s.seen[i] = v
	}
}

package serial

import "time"

// Retry pacing for a tty that keeps failing. A pty whose other end is closed
// is always "readable" and fails every read at once with EIO (or EOF), so a
// loop that simply retried would spin at 100% CPU; a real cable can be
// re-plugged, so giving up is wrong too. The delays are wall-clock time,
// not the injected clock: they pace syscalls on a real device, and a fake
// clock that nobody advances must not freeze a link for good.
const (
	minBackoff = 10 * time.Millisecond
	maxBackoff = 250 * time.Millisecond
)

type backoff struct{ d time.Duration }

func (b *backoff) reset() { b.d = 0 }

// wait sleeps for the next delay, doubling up to maxBackoff. It returns
// false, early, if done is closed.
func (b *backoff) wait(done <-chan struct{}) bool {
	b.d = min(max(2*b.d, minBackoff), maxBackoff)
	t := time.NewTimer(b.d)
	defer t.Stop()
	select {
	case <-done:
		return false
	case <-t.C:
		return true
	}
}

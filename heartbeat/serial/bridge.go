package serial

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// bridgeWriteTimeout bounds how long the cable waits for one end to take
// bytes. A cable never pushes back on the sender: if nobody reads the far
// end (its process is dead or not started), the bytes are lost, as they
// would be on a wire.
const bridgeWriteTimeout = 100 * time.Millisecond

// Cable is a null-modem cable between two pty pairs, for tests that run two
// processes which each open a tty path: process A opens slave 1, process B
// opens slave 2, and the Cable copies master 1 <-> master 2. Cut and Restore
// pull and re-plug it.
type Cable struct {
	a, b *os.File
	cut  atomic.Bool
	done chan struct{}
	wg   sync.WaitGroup

	carried, discarded atomic.Uint64

	closeOnce sync.Once
	closeErr  error
}

// Bridge starts copying between the pty masters a and b in both directions
// and returns the Cable. It takes ownership of both files: Cable.Close
// closes them, which hangs up both slaves. a and b must be pollable (as
// OpenPTY's masters are), so that Close can interrupt the copy.
func Bridge(a, b *os.File) *Cable {
	c := &Cable{a: a, b: b, done: make(chan struct{})}
	c.wg.Add(2)
	go c.pump(a, b)
	go c.pump(b, a)
	return c
}

// OpenCable allocates two pty pairs, bridges their masters and returns the
// Cable with the two slave paths, one for each end's process.
func OpenCable() (c *Cable, pathA, pathB string, err error) {
	ma, pathA, err := OpenPTY()
	if err != nil {
		return nil, "", "", fmt.Errorf("open cable: %w", err)
	}
	mb, pathB, err := OpenPTY()
	if err != nil {
		_ = ma.Close()
		return nil, "", "", fmt.Errorf("open cable: %w", err)
	}
	return Bridge(ma, mb), pathA, pathB, nil
}

// Cut pulls the cable: from now on bytes from either end are read and
// discarded, so senders never block and nothing sent while cut arrives
// after Restore. A frame cut in half arrives as garbage and is dropped by
// the receiver's framing.
func (c *Cable) Cut() { c.cut.Store(true) }

// Restore plugs the cable back in.
func (c *Cable) Restore() { c.cut.Store(false) }

// Carried and Discarded count bytes passed through, and bytes lost because
// the cable was cut or an end did not take them in time.
func (c *Cable) Carried() uint64   { return c.carried.Load() }
func (c *Cable) Discarded() uint64 { return c.discarded.Load() }

// Close stops the copying and closes both masters. It is idempotent.
func (c *Cable) Close() error {
	c.closeOnce.Do(func() {
		close(c.done)
		c.closeErr = errors.Join(c.a.Close(), c.b.Close())
		c.wg.Wait()
		if c.closeErr != nil {
			c.closeErr = fmt.Errorf("close cable: %w", c.closeErr)
		}
	})
	return c.closeErr
}

func (c *Cable) closing() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// pump copies src to dst until Close. A master whose slave is not open
// (its process not started yet, or restarting) fails reads with EIO; like
// the Link, the pump backs off and keeps trying.
func (c *Cable) pump(src, dst *os.File) {
	defer c.wg.Done()
	buf := make([]byte, readBufLen)
	var bo backoff
	for {
		n, err := src.Read(buf)
		if n > 0 {
			bo.reset()
			c.forward(dst, buf[:n])
		}
		if err == nil {
			continue
		}
		if c.closing() || errors.Is(err, os.ErrClosed) {
			return
		}
		if !bo.wait(c.done) {
			return
		}
	}
}

func (c *Cable) forward(dst *os.File, p []byte) {
	if c.cut.Load() {
		c.discarded.Add(uint64(len(p)))
		return
	}
	// Write errors (a timeout, the far slave hung up) only lose bytes.
	_ = dst.SetWriteDeadline(time.Now().Add(bridgeWriteTimeout))
	n, _ := dst.Write(p)
	c.carried.Add(uint64(n))
	c.discarded.Add(uint64(len(p) - n))
}

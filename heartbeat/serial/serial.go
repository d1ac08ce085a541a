// Package serial is the tty heartbeat link: a null-modem cable between two
// nodes, the path that still works when the network, its switch or its
// firewall does not.
//
// The package has a pure half and an effect half. framing.go turns payloads
// into self-synchronising, checksummed frames and back (no I/O, fuzzed).
// serial.go drives a tty: termios set up (termios.go), one reader and one
// writer goroutine, a bounded send queue so Send never blocks. pty.go and
// bridge.go give tests real ttys: a pty pair, and a "cable" joining two pty
// pairs that a test can cut and restore.
//
// The package does not log: garbled frames and I/O errors are counters
// (Link.Stats, Link.LinkDrops) that the daemon reports.
package serial

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"pacer/heartbeat"
	"pacer/internal/clock"
	"pacer/internal/cluster"
)

// Defaults for a zero Config field.
const (
	// DefaultBaud is Heartbeat's historical default for serial links.
	DefaultBaud = 19200
	// DefaultMTU keeps frames small: at 19200 baud a 1 KiB frame already
	// occupies the line for about half a second, and the mux only sends
	// heartbeats and small cluster messages here.
	DefaultMTU = 1024
	// DefaultQueueLen bounds what waits for the line; beyond it Send
	// reports ErrQueueFull rather than let heartbeats go stale in a queue.
	DefaultQueueLen = 64
	// MaxMTU is the largest MTU Config accepts.
	MaxMTU = 64 << 10
)

// readBufLen is the size of one read from the tty; a tty returns at most
// what its driver has buffered, typically a few hundred bytes.
const readBufLen = 4096

// Config describes one serial link.
type Config struct {
	Name   cluster.LinkName // required, e.g. "serial0"
	Device string           // tty path, e.g. /dev/ttyS0; FromFile defaults it to the file's name
	Baud   int              // 0: DefaultBaud; must be one of SupportedBauds
	// Peer is the node at the other end of the cable. Unicast sends to any
	// other node fail with heartbeat.ErrUnknownPeer. Zero means "whoever is
	// plugged in": every destination is accepted, which is safe because
	// frames are authenticated and addressed one layer up.
	Peer     cluster.NodeID
	QueueLen int // send queue, in frames; 0: DefaultQueueLen
	MTU      int // largest payload Send accepts, in bytes; 0: DefaultMTU
}

// withDefaults fills zero fields.
func (c Config) withDefaults() Config {
	if c.Baud == 0 {
		c.Baud = DefaultBaud
	}
	if c.QueueLen == 0 {
		c.QueueLen = DefaultQueueLen
	}
	if c.MTU == 0 {
		c.MTU = DefaultMTU
	}
	return c
}

// Validate reports the first problem with c; zero fields count as their
// defaults.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.Name == "":
		return errors.New("link name is empty")
	case c.Device == "":
		return errors.New("device path is empty")
	case c.QueueLen < 0:
		return fmt.Errorf("queue length %d is negative", c.QueueLen)
	case c.MTU < 0 || c.MTU > MaxMTU:
		return fmt.Errorf("mtu %d is outside 1..%d", c.MTU, MaxMTU)
	}
	if _, err := baudCode(c.Baud); err != nil {
		return err
	}
	return nil
}

// Link is a heartbeat.Link over a tty. It owns the tty file: Close closes it.
type Link struct {
	cfg Config
	f   *os.File
	clk clock.Clock

	queue   chan []byte // encoded frames waiting for the writer
	packets chan heartbeat.Packet
	done    chan struct{} // closed first by Close: stops both loops

	deframer *Deframer // owned by the reader goroutine; its counters are atomic

	readErrs, writeErrs atomic.Uint64

	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

var _ heartbeat.Link = (*Link)(nil)

// Open opens the tty at cfg.Device, puts it in raw 8N1 mode at cfg.Baud and
// starts the link's reader and writer. clk stamps Packet.ReceivedAt (nil
// means clock.Real).
func Open(cfg Config, clk clock.Clock) (*Link, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("open serial %s: %w", cfg.Device, err)
	}
	// O_NOCTTY: a daemon must not acquire the line as its controlling
	// terminal (a hangup would then signal it). O_NONBLOCK: without CLOCAL,
	// yet to be set, open would wait for carrier on a real serial port; it
	// also lets Go's poller watch the fd, which is what lets Close interrupt
	// a blocked read.
	f, err := os.OpenFile(cfg.Device, os.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("open serial %s: %w", cfg.Device, err)
	}
	l, err := start(cfg, f, clk)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return l, nil
}

// FromFile is Open for a tty the caller already holds, such as the master
// side of a pty pair from OpenPTY (which has no path that could be opened
// again). cfg.Device, if empty, becomes f.Name(); it only labels errors and
// Packet.From. On success the Link owns f; on error f is left to the caller.
// f must be pollable (opened with os.OpenFile, not os.NewFile on a blocking
// descriptor), otherwise Close could not interrupt the reader.
func FromFile(cfg Config, f *os.File, clk clock.Clock) (*Link, error) {
	cfg = cfg.withDefaults()
	if cfg.Device == "" {
		cfg.Device = f.Name()
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("open serial %s: %w", cfg.Device, err)
	}
	return start(cfg, f, clk)
}

func start(cfg Config, f *os.File, clk clock.Clock) (*Link, error) {
	if clk == nil {
		clk = clock.Real{}
	}
	// SyscallConn rather than f.Fd(): Fd would switch the file back to
	// blocking mode and take it off the poller.
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("open serial %s: %w", cfg.Device, err)
	}
	var rawErr error
	if err := rc.Control(func(fd uintptr) { rawErr = makeRaw(int(fd), cfg.Baud) }); err != nil {
		return nil, fmt.Errorf("open serial %s: %w", cfg.Device, err)
	}
	if rawErr != nil {
		return nil, fmt.Errorf("open serial %s: %w", cfg.Device, rawErr)
	}
	// After termios, so that a file that is not a tty at all says so.
	if err := f.SetReadDeadline(time.Time{}); err != nil {
		return nil, fmt.Errorf("open serial %s: not pollable: %w", cfg.Device, err)
	}
	l := &Link{
		cfg:      cfg,
		f:        f,
		clk:      clk,
		queue:    make(chan []byte, cfg.QueueLen),
		packets:  make(chan heartbeat.Packet, cfg.QueueLen),
		done:     make(chan struct{}),
		deframer: NewDeframer(cfg.MTU),
	}
	l.wg.Add(2)
	go l.readLoop()
	go l.writeLoop()
	return l, nil
}

func (l *Link) Name() cluster.LinkName   { return l.cfg.Name }
func (l *Link) Kind() heartbeat.LinkKind { return heartbeat.KindSerial }
func (l *Link) MTU() int                 { return l.cfg.MTU }

// Packets delivers received payloads, one per good frame. It is closed by
// Close. The reader waits for the consumer rather than drop, so a consumer
// that stops reading stalls the line (and the kernel's buffer then drops),
// not memory.
func (l *Link) Packets() <-chan heartbeat.Packet { return l.packets }

// Send frames buf and queues it for the writer. It never blocks. peer must
// be cluster.Broadcast or the configured Peer (any peer if none is
// configured): a cable has exactly one node at its other end.
func (l *Link) Send(peer cluster.NodeID, buf []byte) error {
	select {
	case <-l.done:
		return heartbeat.ErrLinkClosed
	default:
	}
	if len(buf) > l.cfg.MTU {
		return heartbeat.ErrTooLarge
	}
	if peer != cluster.Broadcast && l.cfg.Peer != 0 && peer != l.cfg.Peer {
		return heartbeat.ErrUnknownPeer
	}
	// Encoding here is also the copy the Link contract asks for: buf may
	// be reused as soon as Send returns.
	frame := Encode(nil, buf)
	select {
	case l.queue <- frame:
		return nil
	default:
		return heartbeat.ErrQueueFull
	}
}

// Close stops the reader and writer, closes the tty and then the Packets
// channel. Frames still queued are dropped. It is safe to call more than
// once and from several goroutines; every call returns the first one's
// result.
func (l *Link) Close() error {
	l.closeOnce.Do(func() {
		close(l.done)
		// Closing the file wakes a reader or writer blocked in the poller.
		if err := l.f.Close(); err != nil {
			l.closeErr = fmt.Errorf("close serial %s: %w", l.cfg.Device, err)
		}
		l.wg.Wait()
		close(l.packets) // the reader, its only sender, has returned
	})
	return l.closeErr
}

// Stats are the link's counters.
type Stats struct {
	Framing     DropStats // received frames dropped as garbled, by reason
	ReadErrors  uint64    // failed reads (peer gone, cable out); each backs off
	WriteErrors uint64    // failed writes; each loses one frame and backs off
}

// Stats returns the link's counters.
func (l *Link) Stats() Stats {
	return Stats{
		Framing:     l.deframer.Stats(),
		ReadErrors:  l.readErrs.Load(),
		WriteErrors: l.writeErrs.Load(),
	}
}

// LinkDrops is the number of received frames the link's own framing dropped
// (bad COBS, bad checksum, runt, oversize): what the daemon adds to its
// "garbled" drop counter.
func (l *Link) LinkDrops() uint64 { return l.deframer.Drops() }

func (l *Link) closing() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

func (l *Link) readLoop() {
	defer l.wg.Done()
	buf := make([]byte, readBufLen)
	emit := l.deliver
	var bo backoff
	for {
		n, err := l.f.Read(buf)
		if n > 0 {
			bo.reset()
			l.deframer.Feed(buf[:n], emit)
		}
		if err == nil {
			continue
		}
		if l.closing() || errors.Is(err, os.ErrClosed) {
			return
		}
		// EIO (pty peer closed, USB adapter gone) or EOF (hung-up slave):
		// the cable may come back, so wait and read again.
		l.readErrs.Add(1)
		if !bo.wait(l.done) {
			return
		}
	}
}

func (l *Link) deliver(payload []byte) {
	p := heartbeat.Packet{
		Buf:        bytes.Clone(payload),
		From:       l.cfg.Device,
		Link:       l.cfg.Name,
		ReceivedAt: l.clk.Now(),
	}
	select {
	case l.packets <- p:
	case <-l.done:
	}
}

func (l *Link) writeLoop() {
	defer l.wg.Done()
	var bo backoff
	for {
		var frame []byte
		select {
		case <-l.done:
			return
		case frame = <-l.queue:
		}
		// Write blocks (in the poller, interruptible by Close) while the
		// line drains; meanwhile the queue fills and Send reports it.
		if _, err := l.f.Write(frame); err != nil {
			if l.closing() || errors.Is(err, os.ErrClosed) {
				return
			}
			// The frame is lost; a partial frame on the wire is dropped by
			// the receiver, which resyncs on the next frame's leading 0x00.
			l.writeErrs.Add(1)
			if !bo.wait(l.done) {
				return
			}
			continue
		}
		bo.reset()
	}
}

package serial

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"pacer/heartbeat"
	"pacer/internal/clock"
	"pacer/internal/cluster"
)

// wait is how long a test waits for something that should happen at once
// on a pty; generous for a loaded CI machine.
const wait = 5 * time.Second

var epoch = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

// openPair returns a Link on each end of a fresh pty pair: a on the master
// (FromFile), b on the slave path (Open).
func openPair(t *testing.T, cfgA, cfgB Config, clk clock.Clock) (a, b *Link) {
	t.Helper()
	master, slave, err := OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	a, err = FromFile(cfgA, master, clk)
	if err != nil {
		master.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	cfgB.Device = slave
	b, err = Open(cfgB, clk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return a, b
}

func recvPacket(t *testing.T, l *Link) heartbeat.Packet {
	t.Helper()
	select {
	case p, ok := <-l.Packets():
		if !ok {
			t.Fatalf("%s: Packets closed", l.Name())
		}
		return p
	case <-time.After(wait):
		t.Fatalf("%s: no packet within %v", l.Name(), wait)
	}
	return heartbeat.Packet{}
}

func expectSilence(t *testing.T, l *Link, d time.Duration) {
	t.Helper()
	select {
	case p := <-l.Packets():
		t.Fatalf("%s: unexpected packet %q", l.Name(), p.Buf)
	case <-time.After(d):
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestLinkExchange(t *testing.T) {
	clk := clock.NewFake(epoch)
	a, b := openPair(t, Config{Name: "serial0"}, Config{Name: "serial1"}, clk)

	payloads := []struct {
		name    string
		payload []byte
	}{
		{"heartbeat", []byte("hb node=1 seq=42")},
		{"zeros", make([]byte, 100)},
		{"flow control bytes", []byte{0x11, 0x13, 0x03, 0x04, 0x0a, 0x0d, 0x7f, 0xff}},
		{"empty", nil},
		{"mtu", randBytes(7, DefaultMTU)},
	}
	for _, dir := range []struct {
		name     string
		from, to *Link
	}{{"master to slave", a, b}, {"slave to master", b, a}} {
		t.Run(dir.name, func(t *testing.T) {
			for _, tt := range payloads {
				if err := dir.from.Send(cluster.Broadcast, tt.payload); err != nil {
					t.Fatalf("%s: Send: %v", tt.name, err)
				}
			}
			for _, tt := range payloads {
				p := recvPacket(t, dir.to)
				if !bytes.Equal(p.Buf, tt.payload) {
					t.Fatalf("%s: got %q, want %q", tt.name, p.Buf, tt.payload)
				}
				if p.Link != dir.to.Name() {
					t.Errorf("%s: Packet.Link = %q, want %q", tt.name, p.Link, dir.to.Name())
				}
				if p.From != dir.to.cfg.Device || p.From == "" {
					t.Errorf("%s: Packet.From = %q, want %q", tt.name, p.From, dir.to.cfg.Device)
				}
				if !p.ReceivedAt.Equal(epoch) {
					t.Errorf("%s: ReceivedAt = %v, want the injected clock's %v", tt.name, p.ReceivedAt, epoch)
				}
			}
			if d := dir.to.LinkDrops(); d != 0 {
				t.Errorf("drops = %d on a clean line", d)
			}
		})
	}
	if a.Kind() != heartbeat.KindSerial || a.MTU() != DefaultMTU {
		t.Errorf("Kind, MTU = %q, %d", a.Kind(), a.MTU())
	}
}

// TestLinkSendBufferReuse: Send copies, so the caller may overwrite buf.
func TestLinkSendBufferReuse(t *testing.T) {
	a, b := openPair(t, Config{Name: "serial0"}, Config{Name: "serial1"}, nil)
	buf := []byte("original")
	if err := a.Send(cluster.Broadcast, buf); err != nil {
		t.Fatal(err)
	}
	copy(buf, "XXXXXXXX")
	if p := recvPacket(t, b); string(p.Buf) != "original" {
		t.Fatalf("got %q", p.Buf)
	}
}

func TestLinkSendErrors(t *testing.T) {
	tests := []struct {
		name string
		peer cluster.NodeID // Config.Peer
		to   cluster.NodeID
		size int
		want error
	}{
		{name: "broadcast", peer: 2, to: cluster.Broadcast, size: 10},
		{name: "configured peer", peer: 2, to: 2, size: 10},
		{name: "other peer", peer: 2, to: 3, size: 10, want: heartbeat.ErrUnknownPeer},
		{name: "any peer when none configured", peer: 0, to: 3, size: 10},
		{name: "mtu", peer: 2, to: 2, size: 200},
		{name: "above mtu", peer: 2, to: 2, size: 201, want: heartbeat.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, _ := openPair(t, Config{Name: "serial0", Peer: tt.peer, MTU: 200}, Config{Name: "serial1", MTU: 200}, nil)
			if err := a.Send(tt.to, make([]byte, tt.size)); !errors.Is(err, tt.want) {
				t.Fatalf("Send = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestLinkQueueFull: nobody reads the far end, so the pty's buffer fills,
// the writer blocks, the queue fills, and Send says so without blocking.
func TestLinkQueueFull(t *testing.T) {
	master, slave, err := OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close() // held open and never read
	l, err := Open(Config{Name: "serial0", Device: slave, QueueLen: 4}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	buf := make([]byte, DefaultMTU)
	full := false
	for i := 0; i < 10000 && !full; i++ {
		start := time.Now()
		err := l.Send(cluster.Broadcast, buf)
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Fatalf("Send %d blocked for %v", i, d)
		}
		switch {
		case errors.Is(err, heartbeat.ErrQueueFull):
			full = true
		case err != nil:
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	if !full {
		t.Fatal("10 MB sent into an unread pty and the queue never filled")
	}

	// Close must interrupt the writer blocked on the full pty.
	closed := make(chan error)
	go func() { closed <- l.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(wait):
		t.Fatal("Close hung on a blocked writer")
	}
}

func TestLinkClose(t *testing.T) {
	a, b := openPair(t, Config{Name: "serial0"}, Config{Name: "serial1"}, nil)
	if err := a.Send(cluster.Broadcast, []byte("last")); err != nil {
		t.Fatal(err)
	}
	recvPacket(t, b)

	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if err := b.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
	}
	wg.Wait()
	if err := b.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	select {
	case _, ok := <-b.Packets():
		if ok {
			t.Fatal("packet after Close")
		}
	case <-time.After(wait):
		t.Fatal("Packets not closed by Close")
	}
	if err := b.Send(cluster.Broadcast, []byte("x")); !errors.Is(err, heartbeat.ErrLinkClosed) {
		t.Fatalf("Send after Close = %v, want ErrLinkClosed", err)
	}
}

func TestOpenErrors(t *testing.T) {
	_, slave, err := openPTYForTest(t)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		cfg      Config
		wantIs   error
		wantText []string
	}{
		{name: "unsupported baud", cfg: Config{Name: "s", Device: slave, Baud: 12345},
			wantIs: ErrUnsupportedBaud, wantText: []string{"12345", slave}},
		{name: "negative baud", cfg: Config{Name: "s", Device: slave, Baud: -9600},
			wantIs: ErrUnsupportedBaud, wantText: []string{"-9600"}},
		{name: "missing device", cfg: Config{Name: "s", Device: "/nonexistent/ttyS9"},
			wantIs: fs.ErrNotExist, wantText: []string{"/nonexistent/ttyS9"}},
		{name: "not a tty", cfg: Config{Name: "s", Device: "/dev/null"},
			wantIs: unix.ENOTTY, wantText: []string{"/dev/null"}},
		{name: "no name", cfg: Config{Device: slave}, wantText: []string{"name"}},
		{name: "no device", cfg: Config{Name: "s"}, wantText: []string{"device"}},
		{name: "negative mtu", cfg: Config{Name: "s", Device: slave, MTU: -1}, wantText: []string{"mtu -1"}},
		{name: "huge mtu", cfg: Config{Name: "s", Device: slave, MTU: MaxMTU + 1}, wantText: []string{"mtu"}},
		{name: "negative queue", cfg: Config{Name: "s", Device: slave, QueueLen: -1}, wantText: []string{"queue"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Open(tt.cfg, nil)
			if err == nil {
				l.Close()
				t.Fatal("Open succeeded")
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %q is not %v", err, tt.wantIs)
			}
			for _, s := range append(tt.wantText, "open serial") {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

// TestFromFileNotPollable: a tty behind a blocking descriptor is refused,
// because Close could not interrupt a read on it.
func TestFromFileNotPollable(t *testing.T) {
	_, slave, err := openPTYForTest(t)
	if err != nil {
		t.Fatal(err)
	}
	fd, err := unix.Open(slave, unix.O_RDWR|unix.O_NOCTTY, 0) // blocking: os.NewFile keeps it off the poller
	if err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), slave)
	defer f.Close()
	if _, err := FromFile(Config{Name: "s"}, f, nil); err == nil || !strings.Contains(err.Error(), "pollable") {
		t.Fatalf("FromFile = %v, want a not-pollable error", err)
	}
}

// openPTYForTest is OpenPTY with the master closed at the end of the test.
func openPTYForTest(t *testing.T) (*os.File, string, error) {
	t.Helper()
	m, s, err := OpenPTY()
	if err == nil {
		t.Cleanup(func() { m.Close() })
	}
	return m, s, err
}

// TestOpenTermios checks the line settings each supported rate leaves on
// the tty: raw, 8N1, CLOCAL|CREAD, no flow control, VMIN=1 VTIME=0.
func TestOpenTermios(t *testing.T) {
	_, slave, err := openPTYForTest(t)
	if err != nil {
		t.Fatal(err)
	}
	for _, baud := range SupportedBauds() {
		t.Run(fmt.Sprint(baud), func(t *testing.T) {
			l, err := Open(Config{Name: "s", Device: slave, Baud: baud}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			tio := termiosOf(t, l.f)
			checks := []struct {
				name string
				ok   bool
			}{
				{"speed", tio.Cflag&unix.CBAUD == bauds[baud]},
				{"CS8", tio.Cflag&unix.CSIZE == unix.CS8},
				{"no parity", tio.Cflag&unix.PARENB == 0},
				{"one stop bit", tio.Cflag&unix.CSTOPB == 0},
				{"CLOCAL|CREAD", tio.Cflag&(unix.CLOCAL|unix.CREAD) == unix.CLOCAL|unix.CREAD},
				{"no RTS/CTS", tio.Cflag&unix.CRTSCTS == 0},
				{"no XON/XOFF", tio.Iflag&(unix.IXON|unix.IXOFF|unix.IXANY) == 0},
				{"no input mapping", tio.Iflag&(unix.ICRNL|unix.INLCR|unix.IGNCR|unix.ISTRIP) == 0},
				{"no output processing", tio.Oflag&unix.OPOST == 0},
				{"no echo, canon, signals", tio.Lflag&(unix.ECHO|unix.ICANON|unix.ISIG|unix.IEXTEN) == 0},
				{"VMIN=1", tio.Cc[unix.VMIN] == 1},
				{"VTIME=0", tio.Cc[unix.VTIME] == 0},
			}
			for _, c := range checks {
				if !c.ok {
					t.Errorf("%s: termios %+v", c.name, tio)
				}
			}
		})
	}
	for _, b := range []int{1200, 9600, 19200, 38400, 57600, 115200} {
		if _, ok := bauds[b]; !ok {
			t.Errorf("standard rate %d unsupported", b)
		}
	}
}

func termiosOf(t *testing.T, f *os.File) *unix.Termios {
	t.Helper()
	rc, err := f.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var tio *unix.Termios
	var ioErr error
	if err := rc.Control(func(fd uintptr) { tio, ioErr = unix.IoctlGetTermios(int(fd), unix.TCGETS) }); err != nil {
		t.Fatal(err)
	}
	if ioErr != nil {
		t.Fatal(ioErr)
	}
	return tio
}

// TestLinkGarbageResync: line noise on the wire is dropped and counted; the
// frames around it still arrive.
func TestLinkGarbageResync(t *testing.T) {
	master, slave, err := openPTYForTest(t)
	if err != nil {
		t.Fatal(err)
	}
	l, err := Open(Config{Name: "serial0", Device: slave}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	corrupt := Encode(nil, []byte("hello world"))
	corrupt[3] ^= 0x01
	wire := cat([]byte("line noise"), Encode(nil, []byte("one")), corrupt, Encode(nil, []byte("two")))
	if _, err := master.Write(wire); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"one", "two"} {
		if p := recvPacket(t, l); string(p.Buf) != want {
			t.Fatalf("got %q, want %q", p.Buf, want)
		}
	}
	if got, want := l.Stats().Framing, (DropStats{BadCOBS: 1, BadCRC: 1}); got != want {
		t.Fatalf("drops %+v, want %+v", got, want)
	}
	if l.LinkDrops() != 2 {
		t.Fatalf("LinkDrops = %d, want 2", l.LinkDrops())
	}
}

// TestLinkPeerGone: when the other end of a pty closes, every read fails at
// once (EIO on the master, EOF on the slave). The link must back off rather
// than spin, and on the master side pick up again when the slave is
// reopened (a re-plugged cable).
func TestLinkPeerGone(t *testing.T) {
	const idle = 600 * time.Millisecond
	// Backing off from 10ms to 250ms makes ~6 reads in idle; a spinning
	// loop makes hundreds of thousands.
	const maxErrs = 30

	t.Run("slave closes, then reopens", func(t *testing.T) {
		master, slave, err := OpenPTY()
		if err != nil {
			t.Fatal(err)
		}
		a, err := FromFile(Config{Name: "serial0"}, master, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		b, err := Open(Config{Name: "serial1", Device: slave}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "a read error on the master", func() bool { return a.Stats().ReadErrors > 0 })
		time.Sleep(idle)
		if n := a.Stats().ReadErrors; n > maxErrs {
			t.Fatalf("%d read errors in %v: the reader spins", n, idle)
		}

		b, err = Open(Config{Name: "serial1", Device: slave}, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		if err := b.Send(cluster.Broadcast, []byte("back")); err != nil {
			t.Fatal(err)
		}
		if p := recvPacket(t, a); string(p.Buf) != "back" {
			t.Fatalf("got %q", p.Buf)
		}
		if err := a.Send(cluster.Broadcast, []byte("welcome")); err != nil {
			t.Fatal(err)
		}
		if p := recvPacket(t, b); string(p.Buf) != "welcome" {
			t.Fatalf("got %q", p.Buf)
		}
	})

	t.Run("master closes", func(t *testing.T) {
		master, slave, err := OpenPTY()
		if err != nil {
			t.Fatal(err)
		}
		b, err := Open(Config{Name: "serial1", Device: slave}, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		master.Close()
		waitFor(t, "a read error on the slave", func() bool { return b.Stats().ReadErrors > 0 })
		// Writes fail too (EIO); Send still never blocks.
		for range 10 {
			if err := b.Send(cluster.Broadcast, []byte("anyone?")); err != nil && !errors.Is(err, heartbeat.ErrQueueFull) {
				t.Fatal(err)
			}
		}
		time.Sleep(idle)
		if s := b.Stats(); s.ReadErrors > maxErrs || s.WriteErrors > maxErrs {
			t.Fatalf("stats %+v in %v: a loop spins", s, idle)
		}
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
	})
}

package udp

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"pacer/heartbeat"
	"pacer/internal/clock"
	"pacer/internal/cluster"
)

func recvOne(t *testing.T, l *Link) heartbeat.Packet {
	t.Helper()
	select {
	case p, ok := <-l.Packets():
		if !ok {
			t.Fatal("packets channel closed")
		}
		return p
	case <-time.After(5 * time.Second):
		t.Fatalf("link %s: nothing received", l.Name())
	}
	return heartbeat.Packet{}
}

func TestUnicastLoopback(t *testing.T) {
	a, err := NewUnicast(UnicastConfig{Name: "ring0", Bind: "127.0.0.1:0"}, clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := NewUnicast(UnicastConfig{Name: "ring0", Bind: "127.0.0.1:0",
		Peers: map[cluster.NodeID]string{1: a.LocalAddr().String()}}, clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	if err := b.Send(1, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	p := recvOne(t, a)
	if string(p.Buf) != "hello" || p.Link != "ring0" || p.From != b.LocalAddr().String() || p.ReceivedAt.IsZero() {
		t.Fatalf("packet = %+v", p)
	}
	if err := b.Send(cluster.Broadcast, []byte("all")); err != nil {
		t.Fatal(err)
	}
	if p := recvOne(t, a); string(p.Buf) != "all" {
		t.Fatalf("broadcast got %q", p.Buf)
	}
	if err := b.Send(7, []byte("x")); !errors.Is(err, heartbeat.ErrUnknownPeer) {
		t.Fatalf("send to unconfigured peer: %v", err)
	}
	if err := b.Send(1, make([]byte, MTU+1)); !errors.Is(err, heartbeat.ErrTooLarge) {
		t.Fatalf("oversize send: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := b.Send(1, []byte("late")); !errors.Is(err, heartbeat.ErrLinkClosed) {
		t.Fatalf("send after close: %v", err)
	}
	if _, ok := <-b.Packets(); ok {
		t.Fatal("packets not closed after Close")
	}
}

func TestUnicastConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  UnicastConfig
	}{
		{"bad bind", UnicastConfig{Name: "r", Bind: "nonsense"}},
		{"bad peer", UnicastConfig{Name: "r", Bind: "127.0.0.1:0", Peers: map[cluster.NodeID]string{2: "x:y:z"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewUnicast(tc.cfg, clock.Real{}); err == nil {
				t.Fatal("want error")
			}
		})
	}
}

// inPrivateNetns runs f on an OS thread moved into a new, empty network
// namespace whose loopback is up and multicast-capable, so multicast frames
// never reach a real network. Sockets made by f stay in that namespace. The
// thread is discarded afterwards (never unlocked).
func inPrivateNetns(t *testing.T, f func()) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("multicast test needs root to create a network namespace")
		}
		t.Skip("multicast test needs root to create a network namespace")
	}
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			done <- fmt.Errorf("unshare netns: %w", err)
			return
		}
		if err := loopbackUpMulticast(); err != nil {
			done <- err
			return
		}
		f()
		done <- nil
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func loopbackUpMulticast() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("get lo flags: %w", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP | unix.IFF_MULTICAST)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("set lo up: %w", err)
	}
	return nil
}

func TestMulticastInPrivateNamespace(t *testing.T) {
	var a, b *Link
	var errA, errB error
	inPrivateNetns(t, func() {
		cfg := MulticastConfig{Name: "mcast0", Group: "239.255.77.1:5999", Interface: "lo"}
		a, errA = NewMulticast(cfg, clock.Real{})
		b, errB = NewMulticast(cfg, clock.Real{})
	})
	if errA != nil || errB != nil {
		t.Fatalf("open: %v %v", errA, errB)
	}
	defer a.Close()
	defer b.Close()
	if err := a.Send(cluster.Broadcast, []byte("to the group")); err != nil {
		t.Fatal(err)
	}
	// Both members hear it (a hears its own echo; the verifier drops it).
	for _, l := range []*Link{a, b} {
		if p := recvOne(t, l); string(p.Buf) != "to the group" {
			t.Fatalf("%p got %q", l, p.Buf)
		}
	}
	if a.Kind() != heartbeat.KindMulticast {
		t.Fatalf("kind %s", a.Kind())
	}
}

func TestMulticastConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  MulticastConfig
	}{
		{"no port", MulticastConfig{Name: "m", Group: "239.1.1.1"}},
		{"not ipv4", MulticastConfig{Name: "m", Group: "[ff02::1]:5405"}},
		{"bad interface", MulticastConfig{Name: "m", Group: "239.1.1.1:5405", Interface: "nope0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewMulticast(tc.cfg, clock.Real{}); err == nil {
				t.Fatal("want error")
			}
		})
	}
}

func BenchmarkUnicastSendReceive(b *testing.B) {
	a, _ := NewUnicast(UnicastConfig{Name: "r", Bind: "127.0.0.1:0"}, clock.Real{})
	defer a.Close()
	s, _ := NewUnicast(UnicastConfig{Name: "r", Bind: "127.0.0.1:0", Peers: map[cluster.NodeID]string{1: a.LocalAddr().String()}}, clock.Real{})
	defer s.Close()
	buf := make([]byte, 100)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		for s.Send(1, buf) != nil {
			runtime.Gosched()
		}
		<-a.Packets()
	}
}

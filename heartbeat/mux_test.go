package heartbeat_test

import (
	"errors"
	"maps"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"pacer/heartbeat"
	"pacer/heartbeat/memlink"
	"pacer/internal/clock"
	"pacer/internal/cluster"
)

type staticPaths map[cluster.NodeID][]cluster.LinkName

func (s staticPaths) Paths(p cluster.NodeID) []cluster.LinkName { return s[p] }

// slowLink wraps a memlink.Link to pretend to be a serial link.
type serialLink struct{ *memlink.Link }

func (serialLink) Kind() heartbeat.LinkKind { return heartbeat.KindSerial }

type node struct {
	links   []heartbeat.Link
	sealer  *heartbeat.Sealer
	recv    *heartbeat.Receiver
	got     []heartbeat.Message
	gotLink []cluster.LinkName
	heard   []heartbeat.Heard
	stats   heartbeat.Stats
}

func keys() heartbeat.Keyring {
	return heartbeat.Keyring{Primary: 1, Keys: map[heartbeat.KeyID][]byte{1: []byte("0123456789abcdef0123456789abcdef")}}
}

func newNode(t *testing.T, id cluster.NodeID, links ...heartbeat.Link) *node {
	t.Helper()
	s, err := heartbeat.NewSealer("demo", id, 1, keys())
	if err != nil {
		t.Fatal(err)
	}
	v, err := heartbeat.NewVerifier("demo", id, keys(), nil)
	if err != nil {
		t.Fatal(err)
	}
	n := &node{links: links, sealer: s}
	n.recv = heartbeat.NewReceiver(v, heartbeat.Handlers{
		Heard: func(h heartbeat.Heard) { n.heard = append(n.heard, h) },
		Message: func(from cluster.NodeID, l cluster.LinkName, m heartbeat.Message) {
			n.got = append(n.got, m)
			n.gotLink = append(n.gotLink, l)
		},
	}, &n.stats, zaptest.NewLogger(t))
	return n
}

// drain hands every queued packet of n's links to its receiver.
func (n *node) drain() {
	for _, l := range n.links {
		for {
			select {
			case p := <-l.Packets():
				n.recv.Handle(p)
				continue
			default:
			}
			break
		}
	}
}

func TestMuxFailsOverAndKeepsBulkOffSerial(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	net := memlink.NewNetwork(clk, 1)
	a := newNode(t, 1, net.Link(1, "ring0"), serialLink{net.Link(1, "serial0")})
	b := newNode(t, 2, net.Link(2, "ring0"), serialLink{net.Link(2, "serial0")})
	c := newNode(t, 3, net.Link(3, "ring0")) // hears ring0 but is not the addressee

	small := heartbeat.Message{Channel: heartbeat.ChannelRaft, Data: []byte("vote")}
	big := heartbeat.Message{Channel: heartbeat.ChannelRaft, Data: make([]byte, 4000)}
	tests := []struct {
		name     string
		paths    []cluster.LinkName
		closeUDP bool
		msg      heartbeat.Message
		wantLink cluster.LinkName
		wantErr  error
	}{
		{name: "best path", paths: []cluster.LinkName{"ring0", "serial0"}, msg: small, wantLink: "ring0"},
		{name: "serial listed first still last resort", paths: []cluster.LinkName{"serial0", "ring0"}, msg: big, wantLink: "ring0"},
		{name: "only serial left, small", paths: []cluster.LinkName{"serial0"}, msg: small, wantLink: "serial0"},
		{name: "only serial left, bulky", paths: []cluster.LinkName{"serial0"}, msg: big, wantErr: heartbeat.ErrTooLarge},
		{name: "no path", paths: nil, msg: small, wantErr: heartbeat.ErrNoPath},
		{name: "udp send fails, fail over to serial", paths: []cluster.LinkName{"ring0", "serial0"}, closeUDP: true, msg: small, wantLink: "serial0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.closeUDP {
				a.links[0].Close()
			}
			m := heartbeat.NewMux(a.sealer, a.links, staticPaths{2: tc.paths}, &a.stats)
			b.got, b.gotLink, c.got = nil, nil, nil
			link, err := m.Send(2, tc.msg)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Send error = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil || link != tc.wantLink {
				t.Fatalf("Send = %s, %v; want %s", link, err, tc.wantLink)
			}
			b.drain()
			c.drain()
			if len(b.got) != 1 || b.gotLink[0] != tc.wantLink || string(b.got[0].Data) != string(tc.msg.Data) {
				t.Fatalf("peer got %d messages on %v", len(b.got), b.gotLink)
			}
			if len(c.got) != 0 {
				t.Fatalf("bystander delivered a message addressed to another node")
			}
		})
	}
}

// On a multicast link every node receives every message; only the addressee
// acts on it, the others count it as liveness.
func TestMessageForAnotherNodeIgnored(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	net := memlink.NewNetwork(clk, 1)
	a := newNode(t, 1, net.Link(1, "mcast0"))
	c := newNode(t, 3, net.Link(3, "mcast0"))
	body, err := heartbeat.EncodeBody(nil, heartbeat.Message{To: 2, Channel: heartbeat.ChannelRaft, Data: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	frame, err := a.sealer.Seal(nil, heartbeat.TypeMessage, body)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.links[0].Send(cluster.Broadcast, frame); err != nil {
		t.Fatal(err)
	}
	c.drain()
	if len(c.got) != 0 || len(c.heard) != 1 {
		t.Fatalf("bystander: delivered %d, heard %d; want 0 and 1", len(c.got), len(c.heard))
	}
}

func TestReceiverCountsDropsByReason(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	net := memlink.NewNetwork(clk, 1)
	a := newNode(t, 1, net.Link(1, "ring0"))
	b := newNode(t, 2, net.Link(2, "ring0"))
	snd, err := heartbeat.NewSender(a.sealer, "alpha", time.Second, a.links, clk, &a.stats, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	snd.Beat(nil)
	// capture the frame, then replay and garble it
	p := <-b.links[0].Packets()
	if !b.recv.Handle(p) {
		t.Fatal("genuine heartbeat rejected")
	}
	if len(b.heard) != 1 || b.heard[0].Name != "alpha" || b.heard[0].Node != 1 || b.heard[0].Link != "ring0" {
		t.Fatalf("heard = %+v", b.heard)
	}
	b.recv.Handle(p) // replay
	garbled := append([]byte(nil), p.Buf...)
	garbled[len(garbled)-40] ^= 0xff
	b.recv.Handle(heartbeat.Packet{Buf: garbled, Link: "ring0"})
	b.recv.Handle(heartbeat.Packet{Buf: p.Buf[:10], Link: "ring0"})
	got := b.stats.Snapshot()
	for reason, want := range map[string]uint64{"replay": 1, "bad_mac": 1, "garbled": 1} {
		if got[reason] != want {
			t.Errorf("drops[%s] = %d, want %d (all: %v)", reason, got[reason], want, got)
		}
	}
	if len(b.heard) != 1 {
		t.Fatalf("dropped frames were acted on: heard %d", len(b.heard))
	}
}

// Each heartbeat says whom its sender hears on that link; the receiver
// turns that into whether its own frames get through (Heard.Reverse). A
// message says nothing of it.
func TestHeartbeatCarriesWhomItsSenderHears(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	net := memlink.NewNetwork(clk, 1)
	a := newNode(t, 1, net.Link(1, "ring0"), net.Link(1, "ring1"))
	b := newNode(t, 2, net.Link(2, "ring0"), net.Link(2, "ring1"))
	s, err := heartbeat.NewSender(a.sealer, "a", 100*time.Millisecond, a.links, clk, &a.stats, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	s.SetHears(func(l cluster.LinkName) []cluster.NodeID {
		if l == "ring0" {
			return []cluster.NodeID{3, 2}
		}
		return []cluster.NodeID{3}
	})
	s.Beat(nil)
	clk.Advance(time.Millisecond)
	b.drain()
	got := map[cluster.LinkName]heartbeat.Reverse{}
	for _, h := range b.heard {
		got[h.Link] = h.Reverse
	}
	want := map[cluster.LinkName]heartbeat.Reverse{"ring0": heartbeat.ReverseHears, "ring1": heartbeat.ReverseDeaf}
	if !maps.Equal(got, want) {
		t.Errorf("reverse per link = %v, want %v", got, want)
	}

	b.heard = nil
	body, err := heartbeat.EncodeBody(nil, heartbeat.Message{To: 2, Channel: heartbeat.ChannelRaft, Data: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	frame, err := a.sealer.Seal(nil, heartbeat.TypeMessage, body)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.links[0].Send(2, frame); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Millisecond)
	b.drain()
	if len(b.heard) != 1 || b.heard[0].Reverse != heartbeat.ReverseUnknown {
		t.Errorf("a message: heard %+v, want one with the reverse unknown", b.heard)
	}
}

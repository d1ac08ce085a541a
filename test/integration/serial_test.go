package integration

import (
	"fmt"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"pacer/heartbeat/serial"
)

// udpRelay forwards datagrams from its socket to dst until cut: a UDP
// "cable" the test can pull without touching the host's network.
type udpRelay struct {
	conn *net.UDPConn
	dst  *net.UDPAddr
	cut  atomic.Bool
}

func newUDPRelay(t *testing.T, dstPort int) *udpRelay {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	r := &udpRelay{conn: c, dst: &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: dstPort}}
	go func() {
		buf := make([]byte, 65536)
		for {
			n, _, err := c.ReadFromUDP(buf)
			if err != nil {
				return
			}
			if !r.cut.Load() {
				_, _ = c.WriteToUDP(buf[:n], r.dst)
			}
		}
	}()
	t.Cleanup(func() { c.Close() })
	return r
}

func (r *udpRelay) addr() string { return r.conn.LocalAddr().String() }

// Two pacerd joined by UDP and by a serial null-modem cable made of two pty
// pairs: cutting UDP logs "link down" and the peer stays alive over serial;
// cutting serial too gets it declared dead.
func TestSerialLinkKeepsPeerAliveWhenUDPCut(t *testing.T) {
	tm := Timing{Keepalive: 200 * time.Millisecond, Warntime: 500 * time.Millisecond, Deadtime: time.Second, Initdead: 5 * time.Second}
	specs := []NodeSpec{{"alpha", 1}, {"bravo", 2}}
	dir := t.TempDir()
	key := keygen(t, dir)
	ports := freeUDPPorts(t, 2)
	relays := []*udpRelay{newUDPRelay(t, ports[1]), newUDPRelay(t, ports[0])} // alpha->bravo, bravo->alpha
	cable, pathA, pathB, err := serial.OpenCable()
	if err != nil {
		t.Fatalf("pty cable: %v", err)
	}
	defer cable.Close()
	devs := []string{pathA, pathB}

	var nodes []*Node
	for i, s := range specs {
		peer := specs[1-i]
		links := fmt.Sprintf("[[link]]\nname = \"ring0\"\nkind = \"udp\"\nbind = \"127.0.0.1:%d\"\n[link.peers]\n%s = %q\n",
			ports[i], peer.Name, relays[i].addr())
		links += fmt.Sprintf("[[link]]\nname = \"serial0\"\nkind = \"serial\"\ndevice = %q\nbaud = 115200\npeer = %q\n", devs[i], peer.Name)
		cfg := writeConfig(t, dir, s, []NodeSpec{peer}, tm, key, links)
		nodes = append(nodes, StartNode(t, s.Name, s.ID, cfg))
	}
	WaitJoined(t, nodes, 10*time.Second)
	// Both links must be carrying heartbeats before we cut one.
	for i, n := range nodes {
		waitLinkHeard(t, n, specs[1-i].Name, "serial0")
		waitLinkHeard(t, n, specs[1-i].Name, "ring0")
	}

	for _, r := range relays {
		r.cut.Store(true)
	}
	for i, n := range nodes {
		ev := n.WaitFor(t, 5*time.Second, 1, "link down", map[string]string{"node": specs[1-i].Name, "link": "ring0"})[0]
		t.Logf("%s: link down %v", n.Name, ev.Fields)
	}
	time.Sleep(3 * tm.Deadtime)
	for _, n := range nodes {
		if d := n.Events("node declared dead", nil); len(d) != 0 {
			t.Fatalf("%s declared its peer dead while the serial link was up: %v", n.Name, d[0].Fields)
		}
	}
	if cable.Carried() == 0 {
		t.Fatal("nothing crossed the serial cable")
	}

	cut := time.Now()
	cable.Cut()
	for i, n := range nodes {
		ev := n.WaitFor(t, 5*time.Second, 1, "node declared dead", map[string]string{"node": specs[1-i].Name})[0]
		t.Logf("%s: declared dead %v after the serial cut: %v", n.Name, ev.TS.Sub(cut), ev.Fields)
		links := fmt.Sprint(ev.Fields["links"])
		if links != "[ring0 serial0]" {
			t.Errorf("%s: dead node's links = %s, want both", n.Name, links)
		}
	}

	// Plug everything back: the peer returns.
	cable.Restore()
	for _, r := range relays {
		r.cut.Store(false)
	}
	for i, n := range nodes {
		n.WaitFor(t, 5*time.Second, 2, "node joined", map[string]string{"node": specs[1-i].Name})
	}
}

// waitLinkHeard waits until n has heard peer on link: either the join came
// over it, or a "link up" was logged for it.
func waitLinkHeard(t *testing.T, n *Node, peer, link string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if len(n.Events("node joined", map[string]string{"node": peer, "link": link}))+
			len(n.Events("link up", map[string]string{"node": peer, "link": link})) > 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s never heard %s on %s", n.Name, peer, link)
}

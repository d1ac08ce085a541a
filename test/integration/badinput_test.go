package integration

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pacer/heartbeat"
	"pacer/internal/cluster"
	"pacer/internal/config"
)

// Forged, replayed, truncated, garbled and foreign frames sent to a running
// pacerd are dropped, counted by reason in the periodic summary, and never
// acted on; a genuine frame still gets through.
func TestHostileFramesDroppedAndCounted(t *testing.T) {
	tm := Timing{Keepalive: 200 * time.Millisecond, Warntime: 500 * time.Millisecond, Deadtime: time.Second, Initdead: 30 * time.Second}
	dir := t.TempDir()
	key := keygen(t, dir)
	ports := freeUDPPorts(t, 2)
	alphaSpec, bravoSpec := NodeSpec{"alpha", 1}, NodeSpec{"bravo", 2}
	links := fmt.Sprintf("[[link]]\nname = \"ring0\"\nkind = \"udp\"\nbind = \"127.0.0.1:%d\"\n[link.peers]\nbravo = \"127.0.0.1:%d\"\n", ports[0], ports[1])
	cfg := writeConfig(t, dir, alphaSpec, []NodeSpec{bravoSpec}, tm, key, links)
	alpha := StartNode(t, "alpha", 1, cfg, "--stats-interval", "300ms")
	alpha.WaitFor(t, 5*time.Second, 1, "pacerd started", nil)

	keys, err := config.LoadAuthkey(key)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := heartbeat.EncodeBody(nil, heartbeat.Heartbeat{Name: "bravo", KeepaliveMS: 200})
	seal := func(clusterName string, id cluster.NodeID, epoch cluster.BootEpoch, k heartbeat.Keyring) []byte {
		s, err := heartbeat.NewSealer(cluster.ClusterName(clusterName), id, epoch, k)
		if err != nil {
			t.Fatal(err)
		}
		f, err := s.Seal(nil, heartbeat.TypeHeartbeat, body)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	forgedKey := heartbeat.Keyring{Primary: keys.Primary, Keys: map[heartbeat.KeyID][]byte{keys.Primary: []byte("not the cluster key, not at all!")}}
	genuineOld := seal("it", 2, 100, keys)
	genuine := seal("it", 2, 200, keys)
	flipped := append([]byte(nil), genuine...)
	flipped[len(flipped)-40] ^= 1

	conn, err := net.DialUDP("udp", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: ports[0]})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	send := func(b []byte) {
		if _, err := conn.Write(b); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	send([]byte("garbage that is not a frame"))
	send(genuine[:17])                  // truncated
	send(seal("it", 2, 300, forgedKey)) // forged MAC
	send(seal("other", 2, 300, keys))   // another cluster
	send(flipped)                       // garbled in flight
	send(seal("it", 9, 300, keys))      // a node not in the configuration
	send(make([]byte, 8192))            // zeroed junk
	send(genuine)                       // accepted: bravo joins
	send(genuine)                       // replay
	send(genuineOld)                    // an earlier boot

	alpha.WaitFor(t, 5*time.Second, 1, "node joined", map[string]string{"node": "bravo"})
	want := map[string]float64{"garbled": 3, "bad_mac": 2, "foreign_cluster": 1, "unknown_node": 1, "replay": 1, "old_epoch": 1}
	deadline := time.Now().Add(5 * time.Second)
	var got map[string]float64
	for time.Now().Before(deadline) {
		got = map[string]float64{}
		for _, e := range alpha.Events("frames dropped", nil) {
			for k := range want {
				if v, ok := e.Fields[k].(float64); ok {
					got[k] += v
				}
			}
		}
		if fmt.Sprint(got) == fmt.Sprint(want) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("drops by reason = %v, want %v", got, want)
	}
	if n := len(alpha.Events("node joined", nil)); n != 1 {
		t.Fatalf("%d joins: a dropped frame was acted on", n)
	}
	if alpha.Exited() {
		t.Fatal("pacerd exited on hostile input")
	}
	for _, line := range alpha.Raw() {
		if strings.Contains(line, "frame dropped") {
			t.Fatalf("per-packet drop line above debug: %s", line)
		}
	}
}

// A bad configuration or authkey stops pacerd at start with an error that
// names the file, the key and the line.
func TestBadConfigStopsPacerd(t *testing.T) {
	dir := t.TempDir()
	key := keygen(t, dir)
	loose := filepath.Join(dir, "loose-authkey")
	b, _ := os.ReadFile(key)
	if err := os.WriteFile(loose, b, 0o644); err != nil {
		t.Fatal(err)
	}
	good := func(authkey, top string) string {
		return fmt.Sprintf("cluster = \"it\"\n%sauthkey = %q\ndata_dir = %q\n[node]\nname = \"alpha\"\nid = 1\n[[peer]]\nname = \"bravo\"\nid = 2\n"+
			"[[link]]\nname = \"ring0\"\nkind = \"udp\"\nbind = \"127.0.0.1:9\"\n[link.peers]\nbravo = \"127.0.0.1:1\"\n", top, authkey, filepath.Join(dir, "data"))
	}
	// lineOf returns ":N:" for the first line of s containing sub.
	lineOf := func(s, sub string) string {
		for i, l := range strings.Split(s, "\n") {
			if strings.Contains(l, sub) {
				return fmt.Sprintf(":%d:", i+1)
			}
		}
		return "(not found)"
	}
	unknown := good(key, "deadtim = \"5s\"\n")
	badBaud := good(key, "") + "[[link]]\nname = \"serial0\"\nkind = \"serial\"\ndevice = \"/dev/null\"\nbaud = 12345\npeer = \"bravo\"\n"
	tests := []struct {
		name string
		toml string
		want []string
	}{
		{"unknown key", unknown, []string{"bad.toml" + lineOf(unknown, "deadtim"), "deadtim"}},
		{"bad baud", badBaud, []string{"bad.toml" + lineOf(badBaud, "baud = 12345"), "baud", "12345"}},
		{"authkey mode", good(loose, ""), []string{loose, "0644", "600"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "bad.toml")
			if err := os.WriteFile(path, []byte(tc.toml), 0o644); err != nil {
				t.Fatal(err)
			}
			n := StartNode(t, "alpha", 1, path)
			if code := n.ExitWait(t, 10*time.Second); code == 0 {
				t.Fatal("pacerd exited 0 on a bad configuration")
			}
			out := strings.Join(n.Raw(), "\n")
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("error %q does not mention %q", out, w)
				}
			}
		})
	}
}

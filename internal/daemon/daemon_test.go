package daemon

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"pacer/heartbeat"
	"pacer/heartbeat/memlink"
	"pacer/internal/clock"
	"pacer/internal/cluster"
	"pacer/internal/config"
)

func testConfig(t *testing.T, self int, names []string) config.Config {
	t.Helper()
	cfg := config.Defaults()
	cfg.Cluster = "unit"
	cfg.Node = config.NodeConfig{Name: names[self], ID: uint64(self + 1)}
	cfg.Keepalive = config.Duration{Duration: 20 * time.Millisecond}
	cfg.Warntime = config.Duration{Duration: 60 * time.Millisecond}
	cfg.Deadtime = config.Duration{Duration: 120 * time.Millisecond}
	cfg.Initdead = config.Duration{Duration: time.Second}
	cfg.DataDir = t.TempDir()
	cfg.Socket = filepath.Join(socketDir(t), "pacerd.sock")
	peers := map[string]string{}
	for i, n := range names {
		if i != self {
			cfg.Peers = append(cfg.Peers, config.NodeConfig{Name: n, ID: uint64(i + 1)})
			peers[n] = "127.0.0.1:" + string(rune('1'+i)) + "000"
		}
	}
	bind := "127.0.0.1:" + string(rune('1'+self)) + "000"
	cfg.Links = []config.LinkConfig{{Name: "ring0", Kind: "udp", Bind: bind, PeerAddrs: peers}}
	return cfg
}

func keyring() heartbeat.Keyring {
	return heartbeat.Keyring{Primary: 1, Keys: map[heartbeat.KeyID][]byte{1: []byte("unit-test-key-unit-test-key-1234")}}
}

// Three daemons on an in-memory network: stopping one gets it declared dead
// by the other two, once each, naming the link.
func TestDaemonsDeclareStoppedPeerDead(t *testing.T) {
	names := []string{"alpha", "bravo", "charlie"}
	net := memlink.NewNetwork(clock.Real{}, 1)
	var logs []*observer.ObservedLogs
	cancels := make([]context.CancelFunc, 3)
	done := make([]chan error, 3)
	for i := range names {
		core, obs := observer.New(zap.InfoLevel)
		logs = append(logs, obs)
		d, err := New(testConfig(t, i, names), Deps{
			Logger:  zap.New(core),
			Keyring: keyring(),
			Links:   []heartbeat.Link{net.Link(cluster.NodeID(i+1), "ring0")},
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancels[i], done[i] = cancel, make(chan error, 1)
		go func(i int) { done[i] <- d.Run(ctx) }(i)
	}
	defer func() {
		for i := range cancels {
			cancels[i]()
		}
	}()
	waitLog := func(i int, msg, node string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			for _, e := range logs[i].FilterMessage(msg).All() {
				if e.ContextMap()["node"] == node {
					return
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Fatalf("%s never logged %q for %s", names[i], msg, node)
	}
	for i := range names {
		for j := range names {
			if i != j {
				waitLog(i, "node joined", names[j])
			}
		}
	}
	cancels[2]()
	if err := <-done[2]; err != nil {
		t.Fatalf("Run returned %v on cancel", err)
	}
	for i := 0; i < 2; i++ {
		waitLog(i, "node declared dead", "charlie")
		dead := logs[i].FilterMessage("node declared dead").All()
		if len(dead) != 1 {
			t.Fatalf("%s: %d death lines", names[i], len(dead))
		}
		if links := dead[0].ContextMap()["links"]; !reflect.DeepEqual(links, []interface{}{"ring0"}) {
			t.Fatalf("links = %#v", links)
		}
	}
}

func TestNextBootEpochIncreases(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	now := time.Unix(1000, 0)
	e1, err := NextBootEpoch(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	// Same instant, and a clock stepped back: still strictly increasing.
	e2, err := NextBootEpoch(dir, now)
	if err != nil || e2 <= e1 {
		t.Fatalf("second epoch %d (%v) not above %d", e2, err, e1)
	}
	e3, err := NextBootEpoch(dir, now.Add(-time.Hour))
	if err != nil || e3 <= e2 {
		t.Fatalf("epoch after clock step back %d (%v) not above %d", e3, err, e2)
	}
	if err := os.WriteFile(filepath.Join(dir, epochFile), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := NextBootEpoch(dir, now); err == nil {
		t.Fatal("corrupt epoch file accepted")
	}
}

func TestMembershipConfigMapsLinksToPeers(t *testing.T) {
	cfg := config.Defaults()
	cfg.Node = config.NodeConfig{Name: "alpha", ID: 1}
	cfg.Peers = []config.NodeConfig{{Name: "bravo", ID: 2}, {Name: "charlie", ID: 3}}
	cfg.Links = []config.LinkConfig{
		{Name: "ring0", Kind: "udp", PeerAddrs: map[string]string{"bravo": "x", "charlie": "y"}},
		{Name: "ring1", Kind: "udp", PeerAddrs: map[string]string{"charlie": "z"}},
		{Name: "mcast0", Kind: "multicast"},
		{Name: "serial0", Kind: "serial", Peer: "bravo"},
	}
	mc := MembershipConfig(cfg)
	want := map[cluster.NodeID][]cluster.LinkName{
		2: {"ring0", "mcast0", "serial0"},
		3: {"ring0", "ring1", "mcast0"},
	}
	for _, p := range mc.Peers {
		if !reflect.DeepEqual(p.Links, want[p.ID]) {
			t.Errorf("peer %s links %v, want %v", p.Name, p.Links, want[p.ID])
		}
	}
}

// socketDir is a temporary directory short enough for a unix socket path
// (t.TempDir's grows with the test's name).
func socketDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "pd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

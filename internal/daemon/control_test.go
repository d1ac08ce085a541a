package daemon

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"pacer/heartbeat"
	"pacer/heartbeat/memlink"
	"pacer/internal/attrd"
	"pacer/internal/clock"
	"pacer/internal/cluster"
	"pacer/internal/control"
)

// pacerd serves node attributes and identity on its control socket, logs
// each attribute change once, and removes the socket when it stops.
func TestDaemonServesControlSocket(t *testing.T) {
	names := []string{"alpha", "bravo"}
	cfg := testConfig(t, 0, names)
	net := memlink.NewNetwork(clock.Real{}, 1)
	core, logs := observer.New(zap.InfoLevel)
	d, err := New(cfg, Deps{Logger: zap.New(core), Keyring: keyring(),
		Links: []heartbeat.Link{net.Link(cluster.NodeID(1), "ring0")}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer cancel()

	c, err := control.Dial(ctx, cfg.Socket)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.SetAttr(ctx, control.AttrArgs{Name: "master-drbd0", Value: "100", Lifetime: control.LifetimeReboot}); err != nil {
		t.Fatal(err)
	}
	vs, err := c.GetAttr(ctx, control.AttrArgs{Name: "master-drbd0", Lifetime: control.LifetimeReboot})
	if err != nil || len(vs) != 1 || vs[0].Node != "alpha" || vs[0].Written != "100" || !vs[0].InCIB {
		t.Fatalf("GetAttr = %+v, %v", vs, err)
	}
	if v, err := d.Attributes().Get("alpha", "master-drbd0", attrd.Reboot); err != nil || v.Written != "100" {
		t.Fatalf("store = %+v, %v", v, err)
	}
	err = c.SetAttr(ctx, control.AttrArgs{Node: "zulu", Name: "x", Value: "1", Lifetime: control.LifetimeForever})
	if !errors.Is(err, control.ErrUnknownNode) {
		t.Fatalf("attribute of an unknown node: %v", err)
	}
	_, err = c.GetAttr(ctx, control.AttrArgs{Name: "nope", Lifetime: control.LifetimeReboot})
	if !errors.Is(err, control.ErrUnknownAttribute) {
		t.Fatalf("unknown attribute: %v", err)
	}
	ni, err := c.NodeInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ni.Name != "alpha" || ni.ID != 1 || len(ni.Members) != 2 || ni.Members[0].State != control.StateMember ||
		ni.Members[1].Name != "bravo" || ni.Members[1].State != control.StateLost || ni.Quorum {
		t.Fatalf("NodeInfo = %+v (bravo never heard: lost, 1 of 2 is no majority)", ni)
	}
	if _, err := c.Locate(ctx, "drbd0"); !errors.Is(err, control.ErrUnavailable) {
		t.Fatalf("Locate: %v", err)
	}
	set := logs.FilterMessage("node attribute set").All()
	if len(set) != 1 || set[0].LoggerName != "attrd" || set[0].ContextMap()["node"] != "alpha" ||
		set[0].ContextMap()["name"] != "master-drbd0" || set[0].ContextMap()["value"] != "100" ||
		set[0].ContextMap()["lifetime"] != "reboot" {
		t.Fatalf("attribute log lines = %+v", set)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
	if _, err := os.Stat(cfg.Socket); !os.IsNotExist(err) {
		t.Fatalf("socket left behind: %v", err)
	}
}

// A second pacerd on the same socket is refused, and its links closed.
func TestDaemonRefusesSocketInUse(t *testing.T) {
	cfg := testConfig(t, 0, []string{"alpha"})
	net := memlink.NewNetwork(clock.Real{}, 1)
	d, err := New(cfg, Deps{Keyring: keyring(), Links: []heartbeat.Link{net.Link(1, "ring0")}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() { cancel(); <-done }()
	cfg.DataDir = t.TempDir()
	if _, err := New(cfg, Deps{Keyring: keyring(), Links: []heartbeat.Link{net.Link(1, "ring1")}}); err == nil {
		t.Fatal("second daemon on the same socket accepted")
	}
}

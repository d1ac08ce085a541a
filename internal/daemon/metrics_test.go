package daemon

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"pacer/crm/status"
	"pacer/heartbeat"
	"pacer/heartbeat/memlink"
	"pacer/internal/clock"
	"pacer/internal/cluster"
	"pacer/internal/control"
)

// A one-node pacerd with [metrics] on a loopback port: it elects itself
// DC, answers the status request, and its /metrics carries the cluster
// metrics under ha_cluster_exporter's names and pacer's own.
func TestMetricsAndStatusOfOneNode(t *testing.T) {
	cfg := testConfig(t, 0, []string{"alpha"})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Metrics.Listen = l.Addr().String()
	l.Close()
	mem := memlink.NewNetwork(clock.Real{}, 1)
	d, err := New(cfg, Deps{Keyring: keyring(), Links: []heartbeat.Link{mem.Link(cluster.NodeID(1), "ring0")}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()

	// The status request, through the real socket, once alpha leads.
	var rep *status.Report
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c, err := control.Dial(ctx, cfg.Socket)
		if err == nil {
			doc, err := c.Status(ctx)
			c.Close()
			if err == nil {
				if rep, err = status.DecodeJSON(doc); err != nil {
					t.Fatal(err)
				}
				if rep.DC != nil {
					break
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if rep == nil || rep.DC == nil || rep.DC.Name != "alpha" || !rep.Quorum || rep.Cluster != "unit" || rep.Node != "alpha" ||
		len(rep.Nodes) != 1 || rep.Nodes[0].State != status.NodeOnline || rep.Fencing == nil || len(rep.Fencing) != 0 || rep.PendingActions != nil {
		t.Fatalf("status report = %+v", rep)
	}

	addr := d.MetricsAddr()
	if addr == "" {
		t.Fatal("no metrics address")
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`ha_cluster_pacemaker_nodes{node="alpha",status="online",type="member"} 1`,
		`ha_cluster_pacemaker_nodes{node="alpha",status="dc",type="member"} 1`,
		`ha_cluster_pacemaker_nodes_total 1`,
		`ha_cluster_pacemaker_resources_total 0`,
		`ha_cluster_pacemaker_stonith_enabled 1`,
		`ha_cluster_scrape_success{collector="pacemaker"} 1`,
		`pacer_raft_is_leader 1`,
		`pacer_raft_leader{node="alpha",node_id="1"} 1`,
		`pacer_quorate 1`,
		`pacer_membership_node{node="alpha",state="up"} 1`,
		`pacer_heartbeat_frames_dropped_total{reason="bad_mac"} 0`,
		`process_resident_memory_bytes`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// Off by default; a port in use stops pacerd with the reason.
func TestMetricsListen(t *testing.T) {
	cfg := testConfig(t, 0, []string{"alpha"})
	d, err := New(cfg, Deps{Keyring: keyring(), Links: []heartbeat.Link{memlink.NewNetwork(clock.Real{}, 1).Link(1, "ring0")}})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.serveMetrics(context.Background()); err != nil || d.MetricsAddr() != "" {
		t.Fatalf("metrics off: %v, addr %q", err, d.MetricsAddr())
	}
	d.control.Close()
	d.closeStore()
	if d.closeAttrs != nil {
		d.closeAttrs()
	}

	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cfg2 := testConfig(t, 0, []string{"alpha"})
	cfg2.Metrics.Listen = busy.Addr().String()
	d2, err := New(cfg2, Deps{Keyring: keyring(), Links: []heartbeat.Link{memlink.NewNetwork(clock.Real{}, 1).Link(1, "ring0")}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = d2.Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "metrics:") || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("Run with the metrics port in use: %v", err)
	}
}

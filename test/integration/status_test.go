package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	dto "github.com/prometheus/client_model/go"
)

func freeTCPPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// scrape fetches and parses a /metrics page.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("scrape %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("scrape %s: %s\n%s", url, resp.Status, b)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse %s: %v", url, err)
	}
	return fams
}

// metricValue finds the sample of name whose labels include want.
func metricValue(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
	for _, m := range f.GetMetric() {
		ok := true
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				ok = false
			}
		}
		if !ok {
			continue
		}
		switch {
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		}
	}
	return 0, false
}

// Two real pacerd on loopback with the shipped Dummy agent: `pacer
// status` shows the DC, both nodes online and the resource Started where
// it runs (exit 0); once its monitor fails, the failed action, the fail
// count and a warning (exit 2); --json carries the same; a wrong socket is
// exit 1. The metrics endpoint of one pacerd is scraped for the
// ha_cluster_exporter names and pacer's own, with their labels.
func TestStatusAndMetricsAgainstRealPacerd(t *testing.T) {
	specs := []NodeSpec{{"alpha", 1}, {"bravo", 2}}
	tm := Timing{Keepalive: 100 * time.Millisecond, Warntime: 300 * time.Millisecond,
		Deadtime: 600 * time.Millisecond, Initdead: 2 * time.Second}
	metricsPort := freeTCPPort(t)
	c := newTestCluster(t, specs, tm, func(i int) string {
		s := "[raft]\ntick = \"50ms\"\nelection_ticks = 10\nheartbeat_ticks = 1\n"
		if i == 0 {
			s += fmt.Sprintf("[metrics]\nlisten = \"127.0.0.1:%d\"\n", metricsPort)
		}
		return s
	})
	dummy, err := filepath.Abs("../../agents/scripts/ocf/pacer/Dummy")
	if err != nil {
		t.Fatal(err)
	}
	ocfRoot := filepath.Join(c.dir, "ocf")
	if err := os.MkdirAll(filepath.Join(ocfRoot, "resource.d", "pacer"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(dummy, filepath.Join(ocfRoot, "resource.d", "pacer", "Dummy")); err != nil {
		t.Fatal(err)
	}
	rsctmp := map[string]string{}
	var all []*Node
	for _, s := range specs {
		rsctmp[s.Name] = filepath.Join(c.dir, s.Name+"-rsctmp")
		n := startNodeEnv(t, s.Name, s.ID, c.cfgs[s.Name], []string{"OCF_ROOT=" + ocfRoot, "HA_RSCTMP=" + rsctmp[s.Name]})
		c.nodes[s.Name] = n
		all = append(all, n)
	}
	dc, _ := waitOneDC(t, all, c.socks, "", 15*time.Second)
	c.nodes[dc].WaitFor(t, 10*time.Second, 1, "became DC", map[string]string{"node": dc})
	for _, s := range specs {
		c.nodes[dc].WaitFor(t, 10*time.Second, 1, "node joined", map[string]string{"node": s.Name})
	}
	configureCIB(t, c.socks[dc], "property stonith-enabled=false\n"+
		"primitive d1 ocf:pacer:Dummy op monitor interval=1s timeout=10s\n")
	ev, _ := waitAny(t, all, 15*time.Second, "action result", map[string]string{"rsc": "d1", "op": "start", "rc": "0"}, nil)
	where := ev.Str("node")
	env := []string{"PACER_SOCKET=" + c.socks["alpha"]}

	// A clean cluster: exit 0. alpha's copy of the CIB may trail the DC
	// for a moment, so ask until it shows d1 started.
	var out, errOut string
	var code int
	deadline := time.Now().Add(10 * time.Second)
	want := "d1\t(ocf:pacer:Dummy):\t Started " + where
	for time.Now().Before(deadline) {
		out, errOut, code = pacerCLI(t, env, "", "status")
		if strings.Contains(out, want) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code != 0 || !strings.Contains(out, want) {
		t.Fatalf("pacer status: exit %d, want 0 and %q\n%s%s", code, want, out, errOut)
	}
	for _, w := range []string{"Cluster name: it", fmt.Sprintf("Current DC: %s", dc), "partition with quorum",
		"* Online: [ alpha bravo ]", "* bravo: up via ring0 up", "Fencing History:\n  * none"} {
		if !strings.Contains(out, w) {
			t.Errorf("pacer status lacks %q:\n%s", w, out)
		}
	}

	// The metrics of the same cluster.
	url := fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort)
	fams := scrape(t, url)
	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"ha_cluster_pacemaker_nodes", map[string]string{"node": "alpha", "type": "member", "status": "online"}, 1},
		{"ha_cluster_pacemaker_nodes", map[string]string{"node": dc, "status": "dc"}, 1},
		{"ha_cluster_pacemaker_nodes", map[string]string{"node": "bravo", "status": "unclean"}, 0},
		{"ha_cluster_pacemaker_nodes_total", nil, 2},
		{"ha_cluster_pacemaker_resources", map[string]string{"node": where, "resource": "d1", "role": "started",
			"managed": "true", "status": "active", "agent": "ocf:pacer:Dummy", "group": "", "clone": ""}, 1},
		{"ha_cluster_pacemaker_resources", map[string]string{"resource": "d1", "status": "failed"}, 0},
		{"ha_cluster_pacemaker_resources_total", nil, 1},
		{"ha_cluster_pacemaker_stonith_enabled", nil, 0},
		{"ha_cluster_scrape_success", map[string]string{"collector": "pacemaker"}, 1},
		{"pacer_quorate", nil, 1},
		{"pacer_heartbeat_link_up", map[string]string{"node": "bravo", "link": "ring0"}, 1},
		{"pacer_heartbeat_link_state", map[string]string{"node": "bravo", "link": "ring0", "state": "up"}, 1},
		{"pacer_membership_node", map[string]string{"node": "bravo", "state": "up"}, 1},
		{"pacer_raft_leader", map[string]string{"node": dc}, 1},
		{"pacer_failed_actions", map[string]string{"node": where}, 0},
	}
	for _, ck := range checks {
		if got, ok := metricValue(fams, ck.name, ck.labels); !ok || got != ck.want {
			t.Errorf("%s%v = %v (found %v), want %v", ck.name, ck.labels, got, ok, ck.want)
		}
	}
	if term, ok := metricValue(fams, "pacer_raft_term", nil); !ok || term < 1 {
		t.Errorf("pacer_raft_term = %v (found %v), want >= 1", term, ok)
	}
	if _, ok := metricValue(fams, "pacer_heartbeat_frames_dropped_total", map[string]string{"reason": "replay"}); !ok {
		t.Errorf("pacer_heartbeat_frames_dropped_total{reason=replay} missing; families: %v", keys(fams))
	}
	if fams["pacer_heartbeat_frames_dropped_total"].GetType() != dto.MetricType_COUNTER {
		t.Errorf("pacer_heartbeat_frames_dropped_total is %v, want a counter", fams["pacer_heartbeat_frames_dropped_total"].GetType())
	}

	// The monitor finds d1 gone: a failed action, a fail count, exit 2.
	if err := os.Remove(filepath.Join(rsctmp[where], "Dummy-d1.state")); err != nil {
		t.Fatal(err)
	}
	waitAny(t, all, 15*time.Second, "action result", map[string]string{"rsc": "d1", "op": "monitor", "rc": "7"}, nil)
	wantFail := fmt.Sprintf("d1_monitor_1000 on %s 'not running' (7)", where)
	deadline = time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		out, errOut, code = pacerCLI(t, env, "", "status")
		if strings.Contains(out, wantFail) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code != 2 || !strings.Contains(out, wantFail) || !strings.Contains(out, "Warnings:\n  * 1 failed resource action(s)") {
		t.Fatalf("pacer status after a failed monitor: exit %d, want 2 with %q\n%s%s", code, wantFail, out, errOut)
	}
	if !strings.Contains(out, "* d1: migration-threshold=INFINITY fail-count=1") {
		t.Errorf("no fail count for d1:\n%s", out)
	}

	js, _, code := pacerCLI(t, env, "", "status", "--json")
	var doc struct {
		Schema string `json:"schema"`
		DC     struct {
			Name string `json:"name"`
		} `json:"dc"`
		Failed []struct {
			Rsc, Node, Op string
			RC            int    `json:"rc"`
			RCText        string `json:"rc_text"`
		} `json:"failed_actions"`
		Warnings []string `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		t.Fatalf("pacer status --json: %v\n%s", err, js)
	}
	if code != 2 || doc.Schema != "pacer-status/1" || doc.DC.Name != dc || len(doc.Failed) != 1 ||
		doc.Failed[0].Rsc != "d1" || doc.Failed[0].RC != 7 || doc.Failed[0].RCText != "OCF_NOT_RUNNING" || len(doc.Warnings) == 0 {
		t.Errorf("pacer status --json: exit %d, %+v", code, doc)
	}
	fams = scrape(t, url)
	if v, ok := metricValue(fams, "ha_cluster_pacemaker_fail_count", map[string]string{"node": where, "resource": "d1"}); !ok || v != 1 {
		t.Errorf("ha_cluster_pacemaker_fail_count{node=%s,resource=d1} = %v (found %v), want 1", where, v, ok)
	}
	if v, ok := metricValue(fams, "pacer_failed_actions", map[string]string{"node": where}); !ok || v != 1 {
		t.Errorf("pacer_failed_actions{node=%s} = %v (found %v), want 1", where, v, ok)
	}

	// No pacerd there: exit 1, said so, nothing on stdout.
	out, errOut, code = pacerCLI(t, nil, "", "status", "--socket", filepath.Join(c.dir, "nobody.sock"))
	if code != 1 || out != "" || !strings.Contains(errOut, "cannot reach pacerd") {
		t.Errorf("pacer status on a missing socket: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	// --watch without a tty: successive snapshots, one JSON document a
	// line.
	cmd := pacerWatch(t, env, "status", "--watch", "--json", "--interval", "200ms")
	time.Sleep(1500 * time.Millisecond)
	lines := cmd.stop()
	if len(lines) < 3 {
		t.Fatalf("--watch printed %d lines in 1.5s at 200ms, want several:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	for _, l := range lines {
		var d struct{ Schema string }
		if err := json.Unmarshal([]byte(l), &d); err != nil || d.Schema != "pacer-status/1" {
			t.Fatalf("--watch line is not a status document: %v: %.200s", err, l)
		}
	}
}

func keys(m map[string]*dto.MetricFamily) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// watcher is a `pacer ... --watch` process whose stdout is collected.
type watcher struct {
	cmd  *exec.Cmd
	out  *bytes.Buffer
	done chan struct{}
}

func pacerWatch(t *testing.T, env []string, args ...string) *watcher {
	t.Helper()
	w := &watcher{out: &bytes.Buffer{}, done: make(chan struct{})}
	w.cmd = exec.Command(filepath.Join(binDir, "pacer"), args...)
	w.cmd.Env = append(os.Environ(), env...)
	w.cmd.Stdout = w.out
	w.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { w.cmd.Wait(); close(w.done) }()
	t.Cleanup(func() { w.cmd.Process.Kill(); <-w.done })
	return w
}

// stop interrupts the watch (it exits 0) and returns its output lines.
func (w *watcher) stop() []string {
	w.cmd.Process.Signal(os.Interrupt)
	<-w.done
	return strings.Split(strings.TrimSpace(w.out.String()), "\n")
}

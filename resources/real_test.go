package resources

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"pacer/agents"
	"pacer/agents/ocf"
	"pacer/internal/clock"
)

// countingRunner wraps the real runner to count runs, so a test can wait
// for unchanged monitor runs that are, by design, not reported.
type countingRunner struct {
	agents.Runner
	mu sync.Mutex
	n  map[string]int
}

func (c *countingRunner) Run(ctx context.Context, req agents.Request) (agents.Result, error) {
	res, err := c.Runner.Run(ctx, req)
	c.mu.Lock()
	c.n[req.Action+" "+req.Interval.String()]++
	c.mu.Unlock()
	return res, err
}

func (c *countingRunner) count(action string, iv time.Duration) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[action+" "+iv.String()]
}

func realRunner(t *testing.T, root string) *countingRunner {
	t.Helper()
	cfg := agents.DefaultRunnerConfig()
	cfg.KillGrace, cfg.IODelay = 500*time.Millisecond, 500*time.Millisecond
	r, err := agents.NewProcessRunner(cfg, clock.Real{}, map[string]agents.Class{"ocf": ocf.Class{Root: root}})
	if err != nil {
		t.Fatal(err)
	}
	return &countingRunner{Runner: r, n: map[string]int{}}
}

// TestRealDummy runs Debian's ocf:heartbeat:Dummy, unchanged, through
// the process runner and the executor on the real clock.
func TestRealDummy(t *testing.T) {
	agent, err := ocf.Path(ocf.DefaultRoot, "heartbeat", "Dummy")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(agent); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s missing in CI: install resource-agents: %v", agent, err)
		}
		t.Skipf("%s missing (apt-get install resource-agents): %v", agent, err)
	}
	run := realRunner(t, "")
	e := newTestExecutor(t, run, clock.Real{}, zaptest.NewLogger(t).Named("executor"))
	var rec recorder
	e.Subscribe(rec.add)
	state := filepath.Join(t.TempDir(), "dummy.state")
	rs := ResourceSpec{ID: "dummy", Class: "ocf", Provider: "heartbeat", Type: "Dummy",
		Params: map[string]string{"state": state}}
	ctx := ctx10(t)

	probes, err := e.Probe(ctx, []ResourceSpec{rs})
	if err != nil || probes[0].RC != int(ocf.NotRunning) || probes[0].Status != StatusDone || probes[0].Failed() {
		t.Fatalf("probe: %+v %v", probes, err)
	}
	start, err := e.Execute(ctx, Op{Resource: rs, Action: "start", Timeout: 20 * time.Second})
	if err != nil || start.RC != 0 || start.Status != StatusDone {
		t.Fatalf("start: %+v %v", start, err)
	}
	// Dummy is OCF 1.0 with a reload action: the unique parameter needs a
	// restart; nothing is secret.
	if start.ForceRestart != "  state  " || start.RestartDigest != ParamsDigest(rs.Params) || start.SecureParams != "" {
		t.Errorf("start digests %+v", start)
	}

	const iv = 200 * time.Millisecond
	mon, err := e.Execute(ctx, Op{Resource: rs, Action: "monitor", Interval: iv, Timeout: 20 * time.Second})
	if err != nil || mon.RC != 0 {
		t.Fatalf("monitor: %+v %v", mon, err)
	}
	waitFor(t, "unchanged monitor runs", func() bool { return run.count("monitor", iv) >= 3 })
	if n := len(rec.all()); n != 3 {
		t.Fatalf("reported %d results after unchanged monitors, want 3: %+v", n, rec.all())
	}

	// Behind the agent's back: the resource is gone.
	if err := os.Remove(state); err != nil {
		t.Fatal(err)
	}
	failed := rec.waitLen(t, 4)[3]
	if failed.Action != "monitor" || failed.RC != int(ocf.NotRunning) || failed.Status != StatusDone || !failed.Failed() {
		t.Fatalf("failure report %+v", failed)
	}
	runs := run.count("monitor", iv)
	waitFor(t, "more failing monitor runs", func() bool { return run.count("monitor", iv) >= runs+2 })
	if n := len(rec.all()); n != 4 {
		t.Fatalf("failure reported more than once: %+v", rec.all()[3:])
	}

	stop, err := e.Execute(ctx, Op{Resource: rs, Action: "stop", Timeout: 20 * time.Second})
	if err != nil || stop.RC != 0 {
		t.Fatalf("stop: %+v %v", stop, err)
	}
	recs := rec.waitLen(t, 6)
	var seq []string
	for _, r := range recs {
		seq = append(seq, r.OperationKey()+" "+ocf.RC(r.RC).String()+" "+r.Status.String())
	}
	want := []string{
		"dummy_monitor_0 OCF_NOT_RUNNING complete",
		"dummy_start_0 OCF_SUCCESS complete",
		"dummy_monitor_200 OCF_SUCCESS complete",
		"dummy_monitor_200 OCF_NOT_RUNNING complete",
		"dummy_monitor_200 OCF_NOT_RUNNING Cancelled",
		"dummy_stop_0 OCF_SUCCESS complete",
	}
	if len(seq) != len(want) {
		t.Fatalf("reported %q", seq)
	}
	for i := range want {
		if seq[i] != want[i] {
			t.Errorf("report %d: %q, want %q", i, seq[i], want[i])
		}
	}
	lr, _ := e.History("dummy")
	var ids []string
	for _, o := range lr.Ops {
		ids = append(ids, o.ID+" "+o.OperationKey+" "+o.RCCode)
	}
	wantIDs := []string{"dummy_last_failure_0 dummy_monitor_200 7", "dummy_last_0 dummy_stop_0 0"}
	if len(ids) != 2 || ids[0] != wantIDs[0] || ids[1] != wantIDs[1] {
		t.Errorf("history %q, want %q", ids, wantIDs)
	}
}

// TestRealTimeoutAndMissingAgent runs scripts through the real runner:
// an agent that outlives its timeout is killed and recorded as Pacemaker
// records it, and a missing agent is "not installed".
func TestRealTimeoutAndMissingAgent(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "resource.d", "pacer-test")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	script := `#!/bin/sh
case "$1" in
meta-data) echo '<resource-agent name="Sleeper"><version>1.1</version></resource-agent>'; exit 0 ;;
start) sleep 30; exit 0 ;;
esac
exit 3
`
	if err := os.WriteFile(filepath.Join(dir, "Sleeper"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	e := newTestExecutor(t, realRunner(t, root), clock.Real{}, zaptest.NewLogger(t))
	ctx := ctx10(t)

	r, err := e.Execute(ctx, Op{Resource: ResourceSpec{ID: "s", Class: "ocf", Provider: "pacer-test", Type: "Sleeper"},
		Action: "start", Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if r.RC != 1 || r.Status != StatusTimedOut || r.ExitReason == "" {
		t.Errorf("timed-out start %+v", r)
	}
	r, err = e.Execute(ctx, Op{Resource: ResourceSpec{ID: "m", Class: "ocf", Provider: "pacer-test", Type: "Missing"},
		Action: "start", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if r.RC != 5 || r.Status != StatusNotInstalled {
		t.Errorf("missing agent %+v", r)
	}
	lr, _ := e.History("s")
	if len(lr.Ops) != 2 || lr.Ops[0].OpStatus != "2" || lr.Ops[0].RCCode != "1" {
		t.Errorf("history %+v", lr.Ops)
	}
}

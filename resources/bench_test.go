package resources

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"pacer/agents"
	"pacer/agents/ocf"
	"pacer/internal/clock"
)

// trivialAgent is an OCF agent that does nothing: every action but
// meta-data just exits 0, so what a benchmark measures is the executor
// and the fork/exec of a shell. Its meta-data is valid, so the executor
// reads it once and caches it, as it does for a real agent.
const trivialAgent = `#!/bin/sh
case "$1" in
meta-data) cat <<'XML'
<?xml version="1.0"?>
<resource-agent name="Trivial"><version>1.1</version>
<parameters><parameter name="n"><content type="string"/></parameter></parameters>
<actions><action name="monitor" timeout="20s" interval="10s"/></actions>
</resource-agent>
XML
;;
esac
exit 0
`

// trivialRoot writes trivialAgent as ocf:bench:Trivial under a new
// OCF_ROOT and returns the root and the script's path.
func trivialRoot(b *testing.B) (root, script string) {
	b.Helper()
	root = b.TempDir()
	dir := filepath.Join(root, "resource.d", "bench")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	script = filepath.Join(dir, "Trivial")
	if err := os.WriteFile(script, []byte(trivialAgent), 0o755); err != nil {
		b.Fatal(err)
	}
	return root, script
}

func benchExecutor(b *testing.B, r agents.Runner) *Executor {
	b.Helper()
	cfg := DefaultConfig()
	cfg.NodeName = "bench"
	e, err := New(cfg, r, clock.Real{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = e.Close() })
	return e
}

// nullRunner answers every op at once without running anything: what
// is left is the executor's own cost.
type nullRunner struct{ meta string }

func (n nullRunner) Run(_ context.Context, req agents.Request) (agents.Result, error) {
	if req.Action == "meta-data" {
		return agents.Result{Output: n.meta}, nil
	}
	return agents.Result{}, nil
}

// BenchmarkOpOverhead is the cost of one monitor of an agent that only
// exits 0, side by side: through the executor (queue, runner, history,
// digests, report), through the process runner alone, and the script run
// directly with os/exec. The difference between the first and the last is
// the executor's overhead per operation; "executor-no-exec", the executor
// with a runner that runs nothing, is that overhead alone, without the
// fork/exec noise that hides it in the others.
func BenchmarkOpOverhead(b *testing.B) {
	root, script := trivialRoot(b)
	classes := map[string]agents.Class{"ocf": ocf.Class{Root: root}}
	rs := ResourceSpec{ID: "t", Class: "ocf", Provider: "bench", Type: "Trivial", Params: map[string]string{"n": "1"}}

	b.Run("executor", func(b *testing.B) {
		e := benchExecutor(b, processRunner(b, classes))
		e.Subscribe(func(Record) {})
		op := Op{Resource: rs, Action: "monitor", Timeout: 20 * time.Second}
		ctx := context.Background()
		if _, err := e.Execute(ctx, op); err != nil { // reads and caches the meta-data
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			rec, err := e.Execute(ctx, op)
			if err != nil || rec.RC != 0 {
				b.Fatalf("monitor: %+v %v", rec, err)
			}
		}
	})
	b.Run("executor-no-exec", func(b *testing.B) {
		start := strings.Index(trivialAgent, "<?xml")
		end := strings.Index(trivialAgent, "</resource-agent>") + len("</resource-agent>")
		e := benchExecutor(b, nullRunner{meta: trivialAgent[start:end]})
		e.Subscribe(func(Record) {})
		op := Op{Resource: rs, Action: "monitor", Timeout: 20 * time.Second}
		ctx := context.Background()
		if rec, err := e.Execute(ctx, op); err != nil || rec.OpDigest == "" {
			b.Fatalf("monitor: %+v %v", rec, err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			rec, err := e.Execute(ctx, op)
			if err != nil || rec.RC != 0 {
				b.Fatalf("monitor: %+v %v", rec, err)
			}
		}
	})
	b.Run("runner", func(b *testing.B) {
		r := processRunner(b, classes)
		req := agents.Request{Class: "ocf", Provider: "bench", Type: "Trivial", Action: "monitor", Instance: "t",
			Params: rs.Params, Timeout: 20 * time.Second}
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			res, err := r.Run(ctx, req)
			if err != nil || res.RC != 0 {
				b.Fatalf("monitor: %+v %v", res, err)
			}
		}
	})
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := exec.Command("sh", script, "monitor").Run(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// countRuns counts the runs of a runner.
type countRuns struct {
	agents.Runner
	n atomic.Int64
}

func (c *countRuns) Run(ctx context.Context, req agents.Request) (agents.Result, error) {
	c.n.Add(1)
	return c.Runner.Run(ctx, req)
}

// cpuTime is the CPU time (user + system) of this process and of its
// children that have been waited for.
func cpuTime(b *testing.B) (self, children time.Duration) {
	b.Helper()
	var s, c syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &s); err != nil {
		b.Fatal(err)
	}
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &c); err != nil {
		b.Fatal(err)
	}
	tv := func(t syscall.Timeval) time.Duration { return time.Duration(t.Nano()) }
	return tv(s.Utime) + tv(s.Stime), tv(c.Utime) + tv(c.Stime)
}

// BenchmarkRecurringMonitorCPU is the CPU cost of 200 resources with a
// 10 s recurring monitor each, on the real clock, over a measured wall
// period: PACER_BENCH_PERIOD (a Go duration; default 60s, 20s with
// -short) per b.N. Run it once:
//
//	go test -run '^$' -bench RecurringMonitorCPU -benchtime 1x ./resources/
//
// It reports CPU seconds per minute of wall time (this process and the
// agents it ran), the share of that spent in this process (the executor,
// the runner, the Go runtime), monitor runs per minute and CPU
// milliseconds per run. The agent is the trivial one, so the cost is the
// executor's and the fork/exec's.
func BenchmarkRecurringMonitorCPU(b *testing.B) {
	const (
		nRsc     = 200
		interval = 10 * time.Second
	)
	period := 60 * time.Second
	if testing.Short() {
		period = 20 * time.Second
	}
	if s := os.Getenv("PACER_BENCH_PERIOD"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			b.Fatalf("PACER_BENCH_PERIOD=%q: want a positive Go duration (%v)", s, err)
		}
		period = d
	}
	if period < interval {
		b.Logf("period %v is shorter than the %v interval: few or no monitor runs fall in it", period, interval)
	}
	root, _ := trivialRoot(b)
	counter := &countRuns{Runner: processRunner(b, map[string]agents.Class{"ocf": ocf.Class{Root: root}})}
	e := benchExecutor(b, counter)
	var reported atomic.Int64
	e.Subscribe(func(Record) { reported.Add(1) })

	ctx := context.Background()
	for i := range nRsc {
		rs := ResourceSpec{ID: fmt.Sprintf("r%03d", i), Class: "ocf", Provider: "bench", Type: "Trivial",
			Params: map[string]string{"n": fmt.Sprint(i)}}
		rec, err := e.Execute(ctx, Op{Resource: rs, Action: "monitor", Interval: interval, Timeout: 20 * time.Second})
		if err != nil || rec.RC != 0 {
			b.Fatalf("monitor %s: %+v %v", rs.ID, rec, err)
		}
	}

	b.ResetTimer()
	self0, child0 := cpuTime(b)
	runs0, reported0 := counter.n.Load(), reported.Load()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		time.Sleep(period)
	}
	wall := time.Since(start)
	self1, child1 := cpuTime(b)
	runs, reports := counter.n.Load()-runs0, reported.Load()-reported0
	b.StopTimer()

	self, children := self1-self0, child1-child0
	cpu := self + children
	b.ReportMetric(cpu.Seconds()/wall.Minutes(), "cpu-s/min")
	b.ReportMetric(self.Seconds()/wall.Minutes(), "self-cpu-s/min")
	b.ReportMetric(float64(runs)/wall.Minutes(), "runs/min")
	if runs > 0 {
		b.ReportMetric(float64(cpu.Milliseconds())/float64(runs), "cpu-ms/run")
	}
	// Unchanged monitor results are not reported.
	if reports != 0 {
		b.Errorf("%d results reported for monitors whose result did not change", reports)
	}
}

package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkDetectionLatency measures fault-to-"node declared dead" on
// loopback at keepalive 100 ms / deadtime 500 ms: each iteration starts a
// 3-node cluster, SIGKILLs one node and takes the time until a survivor
// logs its death. Run with -benchtime 20x for the 20 runs.
func BenchmarkDetectionLatency(b *testing.B) {
	tm := Timing{Keepalive: 100 * time.Millisecond, Warntime: 300 * time.Millisecond, Deadtime: 500 * time.Millisecond, Initdead: 5 * time.Second}
	var lat []time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		nodes := StartCluster(b, threeNodes, tm)
		WaitJoined(b, nodes, 10*time.Second)
		// Kill at a random phase of the keepalive cycle.
		time.Sleep(tm.Keepalive + time.Duration(i*37%100)*time.Millisecond)
		b.StartTimer()
		killed := time.Now()
		nodes[2].Kill(syscall.SIGKILL)
		var first time.Duration
		for _, n := range nodes[:2] {
			ev := n.WaitFor(b, 10*time.Second, 1, "node declared dead", map[string]string{"node": "charlie"})[0]
			if d := ev.TS.Sub(killed); first == 0 || d < first {
				first = d
			}
		}
		b.StopTimer()
		lat = append(lat, first)
		for _, n := range nodes {
			n.Kill(syscall.SIGKILL)
			<-n.exited
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(lat[0]), "min-ms")
	b.ReportMetric(ms(lat[len(lat)/2]), "median-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
	b.ReportMetric(0, "ns/op")
	b.Logf("detection latency over %d kills: min %v median %v max %v (keepalive %v, deadtime %v)",
		len(lat), lat[0], lat[len(lat)/2], lat[len(lat)-1], tm.Keepalive, tm.Deadtime)
}

// BenchmarkIdle measures the CPU and memory of one pacerd in an idle 3-node
// cluster at keepalive 200 ms: CPU % of one core over the window (default
// 60 s; PACER_IDLE_SECONDS overrides) and resident set size at its end.
func BenchmarkIdle(b *testing.B) {
	window := 60 * time.Second
	if s := os.Getenv("PACER_IDLE_SECONDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			b.Fatalf("PACER_IDLE_SECONDS: %v", err)
		}
		window = time.Duration(n) * time.Second
	}
	tm := Timing{Keepalive: 200 * time.Millisecond, Warntime: time.Second, Deadtime: 2 * time.Second, Initdead: 10 * time.Second}
	for i := 0; i < b.N; i++ {
		nodes := StartCluster(b, threeNodes, tm)
		WaitJoined(b, nodes, 10*time.Second)
		time.Sleep(2 * time.Second) // past start-up
		pid := nodes[0].Pid()
		cpu0, err := cpuTicks(pid)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		time.Sleep(window)
		cpu1, err := cpuTicks(pid)
		if err != nil {
			b.Fatal(err)
		}
		elapsed := time.Since(start)
		rss, err := rssKB(pid)
		if err != nil {
			b.Fatal(err)
		}
		cpuPct := float64(cpu1-cpu0) / float64(elapsed.Nanoseconds()) * 100
		b.ReportMetric(cpuPct, "cpu-%")
		b.ReportMetric(float64(rss)/1024, "rss-MB")
		b.ReportMetric(0, "ns/op")
		b.Logf("one pacerd of 3 at keepalive %v over %v: CPU %.3f%% of one core, RSS %.1f MB", tm.Keepalive, elapsed.Round(time.Second), cpuPct, float64(rss)/1024)
		for _, n := range nodes {
			n.Kill(syscall.SIGKILL)
			<-n.exited
		}
	}
}

// cpuTicks returns the nanoseconds pid's threads have spent on a CPU, from
// /proc/PID/task/*/schedstat (nanosecond resolution; the 10 ms ticks of
// /proc/PID/stat are too coarse for a daemon that idles at a fraction of a
// percent). Threads that exited are not counted: the Go runtime keeps its
// threads.
func cpuTicks(pid int) (uint64, error) {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	if err != nil || len(tasks) == 0 {
		return 0, fmt.Errorf("no schedstat for pid %d: %v", pid, err)
	}
	var sum uint64
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue // thread exited
		}
		f := strings.Fields(string(b))
		if len(f) < 1 {
			continue
		}
		ns, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse %s: %w", t, err)
		}
		sum += ns
	}
	return sum, nil
}

// rssKB returns VmRSS of pid in kB.
func rssKB(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			return strconv.ParseUint(strings.Fields(line)[1], 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

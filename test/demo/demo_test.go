package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildBinaries builds pacer and pacerd from the working tree, as make
// demo's build step does; PACER_DEMO_BIN=DIR uses prebuilt ones instead.
func buildBinaries(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("PACER_DEMO_BIN"); dir != "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	bin := t.TempDir()
	cmd := exec.Command("go", "build", "-o", bin+"/", "./cmd/pacer", "./cmd/pacerd")
	cmd.Dir = "../.."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// The demo, end to end, as make demo runs it: in network namespaces with
// the VIP (IPaddr2) and fencing; in namespaces without resource-agents
// (Dummy in the VIP's place, still fenced); on loopback (no fencing).
// The namespace cases need root and a kernel that allows namespaces and
// skip without them (also under CI=true: the demo's contract is "as
// root"); with them, a failing demo fails the test. Under CI=true a
// missing resource-agents fails the IPaddr2 case (.ci/run installs it).
func TestDemo(t *testing.T) {
	if err := mayUseControlSocket(); err != nil {
		t.Skipf("%v", err)
	}
	bin := buildBinaries(t)
	netnsErr := canNetns()
	for _, tc := range []struct {
		name     string
		loopback bool
		ipaddr2  string // "" for the installed one
		wantVIP  string // the VIP's agent
	}{
		{"netns", false, "", "ocf:heartbeat:IPaddr2"},
		{"netns-without-resource-agents", false, "/nonexistent/IPaddr2", "ocf:pacer:Dummy"},
		{"loopback", true, "/nonexistent/IPaddr2", "ocf:pacer:Dummy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opt := options{bin: bin, agents: "../../agents/scripts", loopback: tc.loopback,
				ipaddr2: tc.ipaddr2, shellfunc: "/usr/lib/ocf/lib/heartbeat/ocf-shellfuncs"}
			if opt.ipaddr2 == "" {
				opt.ipaddr2 = "/usr/lib/ocf/resource.d/heartbeat/IPaddr2"
				if _, err := os.Stat(opt.ipaddr2); err != nil {
					if os.Getenv("CI") == "true" && netnsErr == nil {
						t.Fatalf("resource-agents is not installed (%v); .ci/run installs it", err)
					}
					t.Skipf("resource-agents is not installed (%v): the VIP case needs IPaddr2", err)
				}
			}
			if !tc.loopback && netnsErr != nil {
				t.Skipf("cannot create network namespaces (%v): the demo in namespaces needs root", netnsErr)
			}
			var out bytes.Buffer
			opt.out = &out
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			began := time.Now()
			res, err := runDemo(ctx, opt)
			took := time.Since(began)
			t.Logf("demo output:\n%s", out.String())
			if err != nil {
				t.Fatalf("demo: %v", err)
			}
			if took > 2*time.Minute {
				t.Errorf("the demo took %v, over its 2 minutes", took)
			}
			wantMode := "netns"
			if tc.loopback {
				wantMode = "loopback"
			}
			if res.mode != wantMode || res.vipAgent != tc.wantVIP {
				t.Errorf("mode %s with %s, want %s with %s", res.mode, res.vipAgent, wantMode, tc.wantVIP)
			}
			if res.victim == "" || res.survivor == "" || res.survivor == res.victim {
				t.Errorf("group ran on %q, after the fault on %q", res.victim, res.survivor)
			}
			// The survivors' log lines are printed in the order they
			// were logged (each begins with its time, HH:MM:SS.mmm).
			if sec := strings.SplitN(out.String(), "what the survivors logged", 2); len(sec) == 2 {
				prev := ""
				for _, l := range strings.Split(strings.SplitN(sec[1], "\n== ", 2)[0], "\n")[1:] {
					if f := strings.Fields(l); len(f) > 0 {
						if f[0] < prev {
							t.Errorf("survivors' log lines out of time order: %q after %s", l, prev)
						}
						prev = f[0]
					}
				}
			} else {
				t.Error("no 'what the survivors logged' section")
			}
			// The order an operator is promised: dead, then fenced (by
			// the DC), then the VIP's start dispatched, then started.
			if !res.killed.Before(res.dead.TS) || !res.dead.TS.Before(res.vipStarted.TS) {
				t.Errorf("killed %v, declared dead %v, VIP started %v: out of order", res.killed, res.dead.TS, res.vipStarted.TS)
			}
			if res.mode == "netns" {
				if res.fenced.Node == "" || res.fenced.TS.Before(res.dead.TS) || res.vipInit.TS.Before(res.fenced.TS) {
					t.Errorf("fenced %v by %q, VIP start initiated %v: the start must follow the fencing", res.fenced.TS, res.fenced.Node, res.vipInit.TS)
				}
				if res.fenced.Node != res.vipInit.Node {
					t.Errorf("fenced by %s but the VIP's start dispatched by %s", res.fenced.Node, res.vipInit.Node)
				}
			}
			if res.vipAgent == "ocf:heartbeat:IPaddr2" {
				if !slices.Equal(res.holders, []string{res.survivor}) {
					t.Errorf("VIP on %v after the failover, want only %s", res.holders, res.survivor)
				}
				if res.vipSamples < 10 || res.vipMaxHosts != 1 || res.vipBack.Before(res.fenced.TS) {
					t.Errorf("VIP watcher: %d samples, at most on %d hosts, back at %v (fenced %v): want >= 10 samples, never two hosts, back after the fencing",
						res.vipSamples, res.vipMaxHosts, res.vipBack, res.fenced.TS)
				}
			}
			t.Logf("%s: %s -> %s; dead +%v, fenced +%v, VIP up +%v, VIP start reported +%v; demo %v",
				tc.name, res.victim, res.survivor, res.dead.TS.Sub(res.killed).Round(time.Millisecond),
				max(0, res.fenced.TS.Sub(res.killed)).Round(time.Millisecond),
				max(0, res.vipBack.Sub(res.killed)).Round(time.Millisecond),
				res.vipStarted.TS.Sub(res.killed).Round(time.Millisecond), took.Round(100*time.Millisecond))

			// Nothing is left: no namespace, no pacerd, no work directory.
			if left := demoNamespaces(); len(left) > 0 {
				t.Errorf("namespaces left: %v", left)
			}
			for _, p := range res.pids {
				if syscall.Kill(p, 0) == nil {
					if b, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(p), "comm")); string(bytes.TrimSpace(b)) == "pacerd" {
						t.Errorf("pacerd pid %d still runs", p)
					}
				}
			}
			if _, err := os.Stat(res.workDir); !os.IsNotExist(err) {
				t.Errorf("work directory %s: %v, want removed", res.workDir, err)
			}
		})
	}
}

// A cancelled demo (Ctrl-C) still removes everything it made.
func TestDemoInterrupted(t *testing.T) {
	if err := canNetns(); err != nil {
		t.Skipf("cannot create network namespaces (%v): needs root", err)
	}
	bin := buildBinaries(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out bytes.Buffer
	done := make(chan error, 1)
	var res result
	go func() {
		var err error
		res, err = runDemo(ctx, options{bin: bin, agents: "../../agents/scripts", out: &out,
			ipaddr2: "/nonexistent/IPaddr2", shellfunc: "/nonexistent"})
		done <- err
	}()
	// Cancel once the cluster is up (its namespaces exist).
	deadline := time.Now().Add(30 * time.Second)
	for len(demoNamespaces()) < len(nodes)+1 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	cancel()
	if err := <-done; err == nil {
		t.Errorf("an interrupted demo returned no error")
	}
	t.Logf("output:\n%s", out.String())
	if left := demoNamespaces(); len(left) > 0 {
		t.Errorf("namespaces left after the interrupt: %v", left)
	}
	if _, err := os.Stat(res.workDir); res.workDir == "" || !os.IsNotExist(err) {
		t.Errorf("work directory %q: %v, want removed", res.workDir, err)
	}
}

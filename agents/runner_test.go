package agents

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"pacer/internal/clock"
)

// script writes an executable shell script into a temp dir.
func script(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "agent")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func testRunner(t *testing.T, mod func(*RunnerConfig)) *ProcessRunner {
	t.Helper()
	cfg := DefaultRunnerConfig()
	cfg.KillGrace = 300 * time.Millisecond
	cfg.IODelay = 300 * time.Millisecond
	if mod != nil {
		mod(&cfg)
	}
	r, err := NewProcessRunner(cfg, clock.Real{}, map[string]Class{"test": pathClass{}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// pathClass runs Request.Type as a path, with Params as the environment.
type pathClass struct{}

func (pathClass) Command(req Request) (Command, error) {
	env := []string{}
	for k, v := range req.Params {
		env = append(env, k+"="+v)
	}
	return Command{Path: req.Type, Args: []string{req.Action}, Env: env}, nil
}

func TestRCPassthrough(t *testing.T) {
	r := testRunner(t, nil)
	agent := script(t, `exit "$1"`)
	for _, rc := range []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 190, 191} {
		t.Run(strconv.Itoa(rc), func(t *testing.T) {
			res, err := r.Run(context.Background(), Request{Class: "test", Type: agent, Action: strconv.Itoa(rc), Timeout: 10 * time.Second})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if res.RC != rc || res.TimedOut || res.Signal != "" {
				t.Errorf("result %+v, want rc %d", res, rc)
			}
		})
	}
}

func TestUnknownClass(t *testing.T) {
	r := testRunner(t, nil)
	if _, err := r.Run(context.Background(), Request{Class: "nope"}); !errors.Is(err, ErrUnknownClass) {
		t.Fatalf("err = %v", err)
	}
}

func TestEnvExactStdinNull(t *testing.T) {
	r := testRunner(t, nil)
	env := []string{"A=1", "OCF_ROOT=/x", "SPACE=a b"}
	res, err := r.Exec(context.Background(), Command{Path: "/usr/bin/env", Env: env}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Split(strings.TrimSpace(res.Output), "\n"); strings.Join(got, ",") != strings.Join(env, ",") {
		t.Errorf("env = %q, want exactly %q", got, env)
	}
	// cat on /dev/null ends at once; on an inherited terminal it would hang.
	res, err = r.Exec(context.Background(), Command{Path: "/bin/cat"}, 5*time.Second)
	if err != nil || res.Output != "" || res.RC != 0 {
		t.Errorf("cat with no stdin: %+v, %v", res, err)
	}
	res, err = r.Exec(context.Background(), Command{Path: "/bin/cat", Stdin: []byte("action=off\n")}, 5*time.Second)
	if err != nil || res.Output != "action=off\n" {
		t.Errorf("cat with stdin: %+v, %v", res, err)
	}
}

func TestExitReason(t *testing.T) {
	r := testRunner(t, nil)
	agent := script(t, `
echo "starting"
echo "some log line" >&2
echo "ocf-exit-reason:No process state file found" >&2
echo "ocf-exit-reason:second reason is ignored" >&2
exit 7
`)
	res, err := r.Exec(context.Background(), Command{Path: agent}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if res.RC != 7 || res.ExitReason != "No process state file found" || res.Output != "starting\n" ||
		!strings.Contains(res.Stderr, "some log line") {
		t.Errorf("result %+v", res)
	}
	// A reason survives even when the tail buffer has long dropped it.
	agent = script(t, `printf 'ocf-exit-reason:%s\n' "$(head -c 300 /dev/zero | tr '\0' x)" >&2; head -c 200000 /dev/zero >&2; exit 1`)
	r = testRunner(t, func(c *RunnerConfig) { c.MaxOutput = 1024 })
	res, err = r.Exec(context.Background(), Command{Path: agent}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitReason != strings.Repeat("x", maxExitReason) || !res.Truncated || len(res.Stderr) != 1024 {
		t.Errorf("reason %q (len %d), truncated %v, stderr %d bytes", res.ExitReason, len(res.ExitReason), res.Truncated, len(res.Stderr))
	}
}

func TestHugeOutputBounded(t *testing.T) {
	r := testRunner(t, func(c *RunnerConfig) { c.MaxOutput = 64 << 10 })
	agent := script(t, `head -c 100000000 /dev/zero; echo; echo the end; exit 3`)
	res, err := r.Exec(context.Background(), Command{Path: agent}, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if res.RC != 3 || len(res.Output) != 64<<10 || !res.Truncated || !strings.HasSuffix(res.Output, "\nthe end\n") {
		t.Errorf("rc %d, %d bytes, truncated %v, tail %q", res.RC, len(res.Output), res.Truncated, res.Output[max(0, len(res.Output)-20):])
	}
}

// TestTimeoutKillsGroup: an agent that ignores SIGTERM and forked a
// grandchild is killed, grandchild included, and reported as Pacemaker
// reports a timeout.
func TestTimeoutKillsGroup(t *testing.T) {
	r := testRunner(t, nil)
	pidFile := filepath.Join(t.TempDir(), "grandchild.pid")
	agent := script(t, `
trap '' TERM
sleep 1000 &
echo $! > "$1"
echo waiting
while :; do sleep 0.05; done
`)
	start := time.Now()
	res, err := r.Exec(context.Background(), Command{Path: agent, Args: []string{pidFile}}, 300*time.Millisecond)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	if !res.TimedOut || res.RC != 1 || res.Signal != "SIGKILL" || res.Output != "waiting\n" {
		t.Errorf("result %+v", res)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("took %v", el)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	waitGone(t, pid)
	checkNoZombies(t)
}

// TestTimeoutTermObeyed: an agent that exits on SIGTERM is not waited on
// for the whole grace period.
func TestTimeoutTermObeyed(t *testing.T) {
	r := testRunner(t, func(c *RunnerConfig) { c.KillGrace = 10 * time.Second })
	agent := script(t, `exec sleep 1000`)
	start := time.Now()
	res, err := r.Exec(context.Background(), Command{Path: agent}, 200*time.Millisecond)
	if !errors.Is(err, ErrTimeout) || !res.TimedOut || res.RC != 1 || res.Signal != "SIGTERM" {
		t.Errorf("result %+v, err %v", res, err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("waited %v: the grace period was not cut short", el)
	}
}

func TestContextCancel(t *testing.T) {
	r := testRunner(t, nil)
	agent := script(t, `trap '' TERM; while :; do sleep 0.05; done`)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	res, err := r.Exec(ctx, Command{Path: agent}, time.Minute)
	if !errors.Is(err, context.Canceled) || !res.Cancelled || res.TimedOut || res.RC != 1 {
		t.Errorf("result %+v, err %v", res, err)
	}
	checkNoZombies(t)
}

// TestDaemonKeepsStdout: a start action that leaves a daemon holding its
// stdout returns once the agent exits (after IODelay), with the agent's rc.
func TestDaemonKeepsStdout(t *testing.T) {
	r := testRunner(t, nil)
	pidFile := filepath.Join(t.TempDir(), "daemon.pid")
	agent := script(t, `sleep 30 & echo $! > "$1"; echo started; exit 0`)
	start := time.Now()
	res, err := r.Exec(context.Background(), Command{Path: agent, Args: []string{pidFile}}, 10*time.Second)
	if err != nil || res.RC != 0 || res.Output != "started\n" {
		t.Errorf("result %+v, err %v", res, err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("took %v", el)
	}
	if b, err := os.ReadFile(pidFile); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			p, _ := os.FindProcess(pid)
			_ = p.Kill()
		}
	}
}

func TestExecErrors(t *testing.T) {
	r := testRunner(t, nil)
	dir := t.TempDir()
	noExec := filepath.Join(dir, "noexec")
	if err := os.WriteFile(noExec, []byte("#!/bin/sh\nexit 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		rc   int
	}{
		{"missing", filepath.Join(dir, "missing"), rcNotInstalled},
		{"directory", dir, rcNotInstalled},
		{"not executable", noExec, rcInsufficientPriv},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := r.Exec(context.Background(), Command{Path: tt.path}, time.Second)
			if err == nil || res.RC != tt.rc {
				t.Errorf("rc %d, err %v; want rc %d and an error", res.RC, err, tt.rc)
			}
		})
	}
}

func TestSignalledAgent(t *testing.T) {
	r := testRunner(t, nil)
	agent := script(t, `kill -SEGV $$`)
	res, err := r.Exec(context.Background(), Command{Path: agent}, 5*time.Second)
	if err == nil || res.RC != 1 || res.Signal != "SIGSEGV" || res.TimedOut {
		t.Errorf("result %+v, err %v", res, err)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultRunnerConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	bad := DefaultRunnerConfig()
	bad.MaxOutput = 0
	if _, err := NewProcessRunner(bad, clock.Real{}, nil); err == nil {
		t.Error("zero MaxOutput accepted")
	}
}

func TestTailBuffer(t *testing.T) {
	b := newTailBuffer(5)
	for _, s := range []string{"ab", "cd", "ef", "ghijklmn", "o"} {
		_, _ = b.Write([]byte(s))
	}
	if b.String() != "klmno" || b.dropped != 10 {
		t.Errorf("%q dropped %d", b.String(), b.dropped)
	}
}

// waitGone waits for pid to disappear (or become a zombie of someone else).
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return
		}
		if f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:])); len(f) > 0 && f[0] == "Z" {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("grandchild %d still alive after the group was killed", pid)
}

// checkNoZombies fails if this test process has unreaped children.
func checkNoZombies(t *testing.T) {
	t.Helper()
	me := os.Getpid()
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 1 && f[0] == "Z" && f[1] == strconv.Itoa(me) {
			t.Errorf("zombie child %d", pid)
		}
	}
}

// TestFakeClockTimeout: the timeout and Duration come from the injected
// clock, so an hour-long timeout is tested without waiting an hour.
func TestFakeClockTimeout(t *testing.T) {
	fake := clock.NewFake(time.Unix(1_000_000, 0))
	cfg := DefaultRunnerConfig()
	r, err := NewProcessRunner(cfg, fake, nil)
	if err != nil {
		t.Fatal(err)
	}
	agent := script(t, `exec sleep 1000`)
	type out struct {
		res Result
		err error
	}
	ch := make(chan out, 1)
	go func() {
		res, err := r.Exec(context.Background(), Command{Path: agent}, time.Hour)
		ch <- out{res, err}
	}()
	deadline := time.Now().Add(5 * time.Second)
	for fake.Pending() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("runner never armed its timeout timer")
		}
		time.Sleep(time.Millisecond)
	}
	fake.Advance(time.Hour)
	o := <-ch
	if !errors.Is(o.err, ErrTimeout) || !o.res.TimedOut || o.res.Duration != time.Hour || o.res.Signal != "SIGTERM" {
		t.Errorf("result %+v, err %v", o.res, o.err)
	}
}

func TestContextDoneBeforeStart(t *testing.T) {
	r := testRunner(t, nil)
	marker := filepath.Join(t.TempDir(), "ran")
	agent := script(t, `touch "$1"`)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := r.Exec(ctx, Command{Path: agent, Args: []string{marker}}, time.Second)
	if !errors.Is(err, context.Canceled) || !res.Cancelled {
		t.Errorf("result %+v, err %v", res, err)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("agent ran although the context had ended")
	}
}

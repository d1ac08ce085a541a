package resources

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"pacer/agents"
	"pacer/agents/lsb"
	"pacer/agents/ocf"
	"pacer/internal/clock"
)

// Tests of the executor with real agents: Debian's resource-agents
// (IPaddr2 in a network namespace, Filesystem on a loop device), an init
// script through the lsb class, and agents that misbehave. They need root
// and the packages named in missingDep's messages; in CI (CI=true) a
// missing dependency fails the test, elsewhere it skips it.

// missingDep skips the test, or fails it in CI, because what is not
// available here.
func missingDep(t *testing.T, what string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(what, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("missing in CI: %s", msg)
	}
	t.Skipf("skipped: %s", msg)
}

// needTool returns the path of an executable, found where agents look
// (ocf.AgentPath), or skips/fails the test naming the package to install.
func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	for _, dir := range filepath.SplitList(ocf.AgentPath) {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	missingDep(t, "%s not found in %s (install %s)", name, ocf.AgentPath, pkg)
	return ""
}

// needOCFAgent returns the path of a resource-agents agent.
func needOCFAgent(t *testing.T, provider, typ string) string {
	t.Helper()
	p, err := ocf.Path(ocf.DefaultRoot, provider, typ)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		missingDep(t, "ocf:%s:%s: %v (install resource-agents)", provider, typ, err)
	}
	return p
}

func needRoot(t *testing.T, why string) {
	t.Helper()
	if os.Geteuid() != 0 {
		missingDep(t, "%s needs root (euid %d)", why, os.Geteuid())
	}
}

// processRunner is the daemon's runner with short kill and I/O grace
// periods, for the given classes.
func processRunner(t testing.TB, classes map[string]agents.Class) *agents.ProcessRunner {
	t.Helper()
	cfg := agents.DefaultRunnerConfig()
	cfg.KillGrace, cfg.IODelay = 300*time.Millisecond, 500*time.Millisecond
	r, err := agents.NewProcessRunner(cfg, clock.Real{}, classes)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// step is one op of a real-agent sequence and the rc it must record.
type step struct {
	action string
	want   ocf.RC
	check  func(t *testing.T) // after the op; nil for none
}

// runSteps executes each step as a one-shot op with its expected rc as
// the target, failing on the first that records anything else.
func runSteps(t *testing.T, e *Executor, rs ResourceSpec, steps []step) {
	t.Helper()
	ctx := ctxFor(t, 3*time.Minute)
	for i, s := range steps {
		rec, err := e.Execute(ctx, Op{Resource: rs, Action: s.action, Timeout: 60 * time.Second, TargetRC: int(s.want)})
		if err != nil {
			t.Fatalf("step %d %s: %v", i, s.action, err)
		}
		if rec.Status != StatusDone || ocf.RC(rec.RC) != s.want {
			t.Fatalf("step %d %s %s: rc %v, status %v, reason %q; want %v, complete",
				i, rs.ID, s.action, ocf.RC(rec.RC), rec.Status, rec.ExitReason, s.want)
		}
		if s.check != nil {
			s.check(t)
		}
	}
}

// run runs a command for test setup, failing the test with its output.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestRealIPaddr2 adds and removes an address with Debian's
// ocf:heartbeat:IPaddr2, unchanged, in a network namespace of its own.
// The executor runs an agent directly, so the agent it runs is a wrapper
// that enters the namespace and execs the real one; OCF_ROOT and
// OCF_FUNCTIONS_DIR stay the real ones so ocf-shellfuncs loads.
func TestRealIPaddr2(t *testing.T) {
	needRoot(t, "a network namespace")
	real := needOCFAgent(t, "heartbeat", "IPaddr2")
	ip := needTool(t, "ip", "iproute2")

	ns := fmt.Sprintf("pacer-ipaddr2-%d", os.Getpid())
	_ = exec.Command(ip, "netns", "del", ns).Run() // left by an earlier, killed run
	if out, err := exec.Command(ip, "netns", "add", ns).CombinedOutput(); err != nil {
		missingDep(t, "ip netns add %s: %v: %s", ns, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command(ip, "netns", "del", ns).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", ns, err, out)
		}
	})
	// A veth pair, both ends inside: the dummy link type needs a kernel
	// module a container may not have.
	run(t, ip, "-n", ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1")
	for _, l := range []string{"lo", "v0", "v1"} {
		run(t, ip, "-n", ns, "link", "set", l, "up")
	}
	run(t, ip, "-n", ns, "addr", "add", "10.213.9.1/24", "dev", "v0")

	root := t.TempDir()
	dir := filepath.Join(root, "resource.d", "test")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	wrapper := fmt.Sprintf("#!/bin/sh\nexec %s netns exec %s %s \"$@\"\n", ip, ns, real)
	if err := os.WriteFile(filepath.Join(dir, "IPaddr2"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	class := ocf.Class{Root: root, Env: map[string]string{
		"OCF_ROOT":          ocf.DefaultRoot,
		"OCF_FUNCTIONS_DIR": filepath.Join(ocf.DefaultRoot, "lib", "heartbeat"),
	}}
	e := newTestExecutor(t, processRunner(t, map[string]agents.Class{"ocf": class}), clock.Real{},
		zaptest.NewLogger(t).Named("executor"))

	const addr = "10.213.9.10/24"
	hasAddr := func(t *testing.T) bool {
		t.Helper()
		return strings.Contains(run(t, ip, "-n", ns, "-o", "addr", "show", "dev", "v0"), " "+addr+" ")
	}
	present := func(t *testing.T) {
		if !hasAddr(t) {
			t.Fatalf("%s not on v0 in %s after start:\n%s", addr, ns, run(t, ip, "-n", ns, "addr"))
		}
	}
	absent := func(t *testing.T) {
		if hasAddr(t) {
			t.Fatalf("%s still on v0 in %s:\n%s", addr, ns, run(t, ip, "-n", ns, "addr"))
		}
	}
	rs := ResourceSpec{ID: "vip", Class: "ocf", Provider: "test", Type: "IPaddr2",
		Params: map[string]string{"ip": "10.213.9.10", "cidr_netmask": "24", "nic": "v0"}}

	probes, err := e.Probe(ctxFor(t, time.Minute), []ResourceSpec{rs})
	if err != nil || ocf.RC(probes[0].RC) != ocf.NotRunning || probes[0].Status != StatusDone {
		t.Fatalf("probe: %+v %v", probes, err)
	}
	absent(t)
	runSteps(t, e, rs, []step{
		{"start", ocf.Success, present},
		{"monitor", ocf.Success, present},
		{"stop", ocf.Success, absent},
		{"monitor", ocf.NotRunning, absent},
	})
	// The history is the last op: the monitor that found it stopped.
	lr, ok := e.History("vip")
	if !ok || len(lr.Ops) != 1 || lr.Ops[0].OperationKey != "vip_monitor_0" || lr.Ops[0].RCCode != "7" {
		t.Errorf("history %+v", lr.Ops)
	}
}

// TestRealFilesystem mounts ext4 on a loop device with Debian's
// ocf:heartbeat:Filesystem, unchanged.
func TestRealFilesystem(t *testing.T) {
	needRoot(t, "losetup and mount")
	needOCFAgent(t, "heartbeat", "Filesystem")
	mkfs := needTool(t, "mkfs.ext4", "e2fsprogs")
	losetup := needTool(t, "losetup", "util-linux")
	mount := needTool(t, "mount", "util-linux")
	umount := needTool(t, "umount", "util-linux")
	// What Filesystem itself checks for before doing anything; without
	// them every action returns 5 (not installed).
	needTool(t, "modprobe", "kmod")
	needTool(t, "fuser", "psmisc")
	needTool(t, "fsck", "util-linux")
	if _, err := os.Stat("/dev/loop-control"); err != nil {
		missingDep(t, "loop devices: %v (load the loop module; in a container, pass /dev/loop-control and /dev/loop*)", err)
	}

	tmp := t.TempDir()
	img, mnt := filepath.Join(tmp, "fs.img"), filepath.Join(tmp, "mnt")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(img)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(32 << 20); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	run(t, mkfs, "-q", "-F", img)
	out, err := exec.Command(losetup, "--find", "--show", img).CombinedOutput()
	if err != nil {
		missingDep(t, "losetup --find --show: %v: %s (the kernel refuses loop devices here)", err, out)
	}
	dev := strings.TrimSpace(string(out))
	// Cleanups run last-in first-out: unmount (if a failed step left it
	// mounted), then detach.
	t.Cleanup(func() {
		if out, err := exec.Command(losetup, "-d", dev).CombinedOutput(); err != nil {
			t.Errorf("losetup -d %s: %v: %s", dev, err, out)
		}
	})
	t.Cleanup(func() {
		if mounted(t, mnt) {
			_ = exec.Command(umount, "-l", mnt).Run()
		}
	})
	// Can this kernel mount at all? Ask once, before the agent does, so a
	// refusal is reported as the environment's and not the agent's.
	if out, err := exec.Command(mount, "-t", "ext4", dev, mnt).CombinedOutput(); err != nil {
		missingDep(t, "mount -t ext4 %s: %v: %s (the kernel or container refuses mount)", dev, err, out)
	}
	run(t, umount, mnt)

	e := newTestExecutor(t, processRunner(t, map[string]agents.Class{"ocf": ocf.Class{}}), clock.Real{},
		zaptest.NewLogger(t).Named("executor"))
	isMounted := func(t *testing.T) {
		if !mounted(t, mnt) {
			t.Fatalf("%s not in /proc/mounts after start", mnt)
		}
	}
	notMounted := func(t *testing.T) {
		if mounted(t, mnt) {
			t.Fatalf("%s still in /proc/mounts", mnt)
		}
	}
	rs := ResourceSpec{ID: "fs", Class: "ocf", Provider: "heartbeat", Type: "Filesystem",
		Params: map[string]string{"device": dev, "directory": mnt, "fstype": "ext4"}}
	runSteps(t, e, rs, []step{
		{"monitor", ocf.NotRunning, notMounted}, // a probe
		{"start", ocf.Success, isMounted},
		{"monitor", ocf.Success, isMounted},
		{"stop", ocf.Success, notMounted},
		{"monitor", ocf.NotRunning, notMounted},
	})
}

// mounted reports whether dir is a mount point in /proc/mounts.
func mounted(t *testing.T, dir string) bool {
	t.Helper()
	f, err := os.Open("/proc/mounts")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fs := strings.Fields(sc.Text()); len(fs) >= 2 && fs[1] == dir {
			return true
		}
	}
	return false
}

// initScript is an LSB init script whose service is a state file; it
// answers status with the LSB codes (0 running, 3 not running, 1 dead
// with a pid file left).
const initScript = `#!/bin/sh
### BEGIN INIT INFO
# Provides:          pacer-lsb-test
# Short-Description: Test service for the executor
### END INIT INFO
state=%q
case "$1" in
start)  echo $$ > "$state"; exit 0 ;;
stop)   rm -f "$state"; exit 0 ;;
status) [ -s "$state" ] && exit 0; [ -e "$state" ] && exit 1; exit 3 ;;
crash)  : > "$state"; exit 0 ;;
*)      echo "usage: $0 {start|stop|status}" >&2; exit 3 ;;
esac
`

// TestRealLSBScript runs an init script through the lsb class and the
// executor: the script's LSB exit codes are recorded as OCF codes, as
// Pacemaker records them (status 3 and 1 are "not running").
func TestRealLSBScript(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(t.TempDir(), "service.state")
	if err := os.WriteFile(filepath.Join(dir, "pacer-lsb-test"), []byte(fmt.Sprintf(initScript, state)), 0o755); err != nil {
		t.Fatal(err)
	}
	e := newTestExecutor(t, processRunner(t, map[string]agents.Class{"lsb": lsb.Class{Dir: dir}}), clock.Real{},
		zaptest.NewLogger(t).Named("executor"))
	rs := ResourceSpec{ID: "svc", Class: "lsb", Type: "pacer-lsb-test"}
	exists := func(want bool) func(t *testing.T) {
		return func(t *testing.T) {
			_, err := os.Stat(state)
			if got := err == nil; got != want {
				t.Fatalf("state file exists = %v, want %v", got, want)
			}
		}
	}
	runSteps(t, e, rs, []step{
		{"monitor", ocf.NotRunning, exists(false)}, // status exits 3
		{"start", ocf.Success, exists(true)},
		{"monitor", ocf.Success, nil},
		{"status", ocf.Success, nil},
		{"crash", ocf.Success, nil},
		{"monitor", ocf.NotRunning, nil}, // status exits 1: dead, pid file left
		{"stop", ocf.Success, exists(false)},
		{"monitor", ocf.NotRunning, nil}, // status exits 3
	})
	lr, ok := e.History("svc")
	if !ok || lr.Class != "lsb" || len(lr.Ops) != 1 || lr.Ops[0].OperationKey != "svc_monitor_0" || lr.Ops[0].RCCode != "7" {
		t.Errorf("history %+v", lr)
	}
}

// hangAgent starts a child that ignores SIGTERM, writes both pids and
// then ignores SIGTERM itself and sleeps: only a SIGKILL to the whole
// process group ends it.
const hangAgent = `#!/bin/sh
case "$1" in
meta-data) echo '<resource-agent name="Hang"><version>1.0</version></resource-agent>'; exit 0 ;;
esac
trap '' TERM
sleep 300 &
echo $! > "$OCF_RESKEY_dir/child.pid"
echo $$ > "$OCF_RESKEY_dir/agent.pid"
sleep 300
exit 0
`

// TestRealHangKilledWithChild: an agent that outlives its timeout is
// killed together with its child and recorded as Timed Out.
func TestRealHangKilledWithChild(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "resource.d", "pacer-test")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Hang"), []byte(hangAgent), 0o755); err != nil {
		t.Fatal(err)
	}
	pids := t.TempDir()
	e := newTestExecutor(t, processRunner(t, map[string]agents.Class{"ocf": ocf.Class{Root: root}}), clock.Real{},
		zaptest.NewLogger(t).Named("executor"))
	rs := ResourceSpec{ID: "hang", Class: "ocf", Provider: "pacer-test", Type: "Hang",
		Params: map[string]string{"dir": pids}}

	rec, err := e.Execute(ctxFor(t, time.Minute), Op{Resource: rs, Action: "start", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != StatusTimedOut || rec.Status.String() != "Timed Out" || rec.RC != int(ocf.ErrGeneric) ||
		!rec.Failed() || !strings.Contains(rec.ExitReason, "did not complete within 1s") {
		t.Errorf("timed-out start %+v", rec)
	}
	for _, name := range []string{"agent.pid", "child.pid"} {
		b, err := os.ReadFile(filepath.Join(pids, name))
		if err != nil {
			t.Fatalf("the agent did not get as far as writing %s: %v", name, err)
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		waitFor(t, fmt.Sprintf("%s %d to end", name, pid), func() bool { return gone(pid) })
	}
	lr, _ := e.History("hang")
	if len(lr.Ops) != 2 || lr.Ops[0].OpStatus != strconv.Itoa(int(StatusTimedOut)) || lr.Ops[0].RCCode != "1" {
		t.Errorf("history %+v", lr.Ops)
	}
}

// gone reports whether pid no longer runs: no such process, or a zombie
// nobody has reaped yet (an orphan waits for init).
func gone(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if errors.Is(err, os.ErrNotExist) {
		return true
	}
	if err != nil {
		return false
	}
	// "pid (comm) S ...": the state follows the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && (s[i+2] == 'Z' || s[i+2] == 'X')
}

// garbageAgent prints what its "out" file holds as its meta-data.
const garbageAgent = `#!/bin/sh
case "$1" in
meta-data) cat "$(dirname "$0")/out"; exit 0 ;;
esac
exit 0
`

// TestRealGarbageMetadata: an agent's meta-data that is not what the
// OCF API says gives an error from the parser that names what is wrong,
// and the executor logs it when it asks for the meta-data before a start.
func TestRealGarbageMetadata(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "resource.d", "pacer-test")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Garbage"), []byte(garbageAgent), 0o755); err != nil {
		t.Fatal(err)
	}
	runner := processRunner(t, map[string]agents.Class{"ocf": ocf.Class{Root: root}})
	tests := []struct {
		name, out string
		want      string // in the error
		// notXML: the executor, which reads meta-data as leniently as
		// Pacemaker's controller (a nameless parameter is skipped),
		// cannot use it either and says so.
		notXML bool
	}{
		{"usage text", "usage: Garbage {start|stop|monitor}\n", "resource-agent", true},
		{"empty", "", "resource-agent", true},
		{"html", "<html><body>500</body></html>\n", "expected element type <resource-agent> but have <html>", true},
		{"truncated", `<?xml version="1.0"?><resource-agent name="Garbage"><parameters><parameter name="a">`, "XML syntax error on line 1: unexpected EOF", true},
		{"binary", "\x00\x01\x02", "illegal character code U+0000", true},
		{"no name", `<resource-agent><version>1.0</version></resource-agent>`, "resource-agent has no name", false},
		{"nameless parameter", `<resource-agent name="Garbage"><parameters><parameter/></parameters></resource-agent>`, "parameter 1 has no name", false},
		{"bad timeout", `<resource-agent name="Garbage"><actions><action name="start" timeout="soon"/></actions></resource-agent>`, `action start timeout: "soon" is not a duration`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(filepath.Join(dir, "out"), []byte(tt.out), 0o644); err != nil {
				t.Fatal(err)
			}
			res, err := runner.Run(context.Background(), agents.Request{Class: "ocf", Provider: "pacer-test", Type: "Garbage",
				Action: "meta-data", Timeout: 20 * time.Second})
			if err != nil || res.RC != 0 {
				t.Fatalf("meta-data: rc %d, %v", res.RC, err)
			}
			_, perr := ocf.ParseMetadata([]byte(res.Output))
			if !errors.Is(perr, ocf.ErrMetadata) || !strings.Contains(perr.Error(), tt.want) {
				t.Errorf("ParseMetadata(%q) = %v, want an ErrMetadata naming %q", res.Output, perr, tt.want)
			}

			// The executor still runs the op. Meta-data it cannot
			// read at all is logged at Warn with the parser's error,
			// and the op is recorded with op-digest only.
			core, logs := observer.New(zapcore.WarnLevel)
			e := newTestExecutor(t, runner, clock.Real{}, zap.New(core))
			rec, err := e.Execute(ctxFor(t, time.Minute), Op{Resource: ResourceSpec{ID: "g", Class: "ocf",
				Provider: "pacer-test", Type: "Garbage"}, Action: "start", Timeout: 20 * time.Second})
			if err != nil || rec.RC != 0 || rec.OpDigest == "" || rec.RestartDigest != "" {
				t.Fatalf("start: %+v %v", rec, err)
			}
			warns := logs.FilterMessage("agent meta-data unavailable").All()
			if !tt.notXML {
				if len(warns) != 0 {
					t.Errorf("warnings %+v", logs.All())
				}
				return
			}
			if len(warns) != 1 {
				t.Fatalf("warnings %+v", logs.All())
			}
			if msg := fmt.Sprint(warns[0].ContextMap()["error"]); !strings.Contains(msg, tt.want) {
				t.Errorf("logged error %q, want it to name %q", msg, tt.want)
			}
		})
	}
}

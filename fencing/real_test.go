package fencing

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"pacer/agents"
	"pacer/agents/stonith"
	"pacer/internal/clock"
)

// need skips a test whose real dependency is missing, except in CI,
// where it fails.
func need(t *testing.T, ok bool, what string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s missing in CI", what)
	}
	t.Skipf("%s missing", what)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func realFencer(t *testing.T, node, dir string, cfg agents.RunnerConfig) *Fencer {
	t.Helper()
	r, err := agents.NewProcessRunner(cfg, clock.Real{}, map[string]agents.Class{"stonith": stonith.Class{Dir: dir}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := New(Config{Node: node, Rand: rand.New(rand.NewPCG(3, 4))}, r, clock.Real{}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestRealFenceDummy fences through Debian's fence_dummy: it has no
// plug, no list, and a status action, so the default host check is
// status; the device's status file shows the off and on.
func TestRealFenceDummy(t *testing.T) {
	need(t, exists("/usr/sbin/fence_dummy"), "/usr/sbin/fence_dummy (apt-get install fence-agents)")
	status := filepath.Join(t.TempDir(), "n1.status")
	// fence_dummy reads the file raw: "on", no newline.
	if err := os.WriteFile(status, []byte("on"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := cibWith(t, dev("dummy", "fence_dummy", []string{"type=file", "status_file=" + status}), "", "", "", "")
	f := realFencer(t, "n3", "", agents.DefaultRunnerConfig())
	f.SetCIB(c)

	steps := []struct {
		action string
		state  string
	}{{ActionOff, "off"}, {ActionOn, "on"}, {ActionReboot, "on"}}
	for _, s := range steps {
		res, err := f.Fence(context.Background(), Request{Target: "n1", Action: s.action, Origin: "n3", Reason: "real agent test"})
		if err != nil {
			t.Fatalf("%s: %v", s.action, err)
		}
		if len(res.Devices) != 1 || res.Devices[0] != "dummy" || res.Level != 0 {
			t.Fatalf("%s: result %+v", s.action, res)
		}
		b, err := os.ReadFile(status)
		if err != nil || strings.TrimSpace(string(b)) != s.state {
			t.Fatalf("after %s the status file holds %q (%v), want %s", s.action, b, err, s.state)
		}
	}
	hist := f.History()
	if len(hist) != 3 || hist[0].Action != ActionOff || hist[2].State != StateSuccess {
		t.Fatalf("history %+v", hist)
	}

	// status answering 1 (fence_dummy reading a state it does not know)
	// means the device cannot fence the target: no fencing, an error.
	if err := os.WriteFile(status, []byte("smoking"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := f.Fence(context.Background(), Request{Target: "n1", Action: ActionOff, Origin: "n3"})
	if !errors.Is(err, ErrNoDevice) || !strings.Contains(err.Error(), "status: returned 1") {
		t.Fatalf("error %v, want ErrNoDevice from status", err)
	}
	if b, _ := os.ReadFile(status); string(b) != "smoking" {
		t.Fatalf("the device ran: status file %q", b)
	}
}

// hangAgent is a fence agent whose off forks a child into its process
// group and then hangs; both pids land in pid_dir.
const hangAgent = `#!/bin/sh
action= pid_dir=
while IFS= read -r line; do
	case "$line" in
	action=*) action=${line#action=} ;;
	pid_dir=*) pid_dir=${line#pid_dir=} ;;
	esac
done
case "$action" in
metadata)
	cat <<'XML'
<?xml version="1.0" ?>
<resource-agent name="fence_hang" shortdesc="hangs">
<parameters><parameter name="plug"><content type="string"/></parameter><parameter name="pid_dir"><content type="string"/></parameter></parameters>
<actions><action name="on"/><action name="off"/><action name="reboot"/><action name="monitor"/><action name="metadata"/></actions>
</resource-agent>
XML
	exit 0 ;;
off|reboot)
	sleep 300 &
	echo $! > "$pid_dir/child"
	echo $$ > "$pid_dir/agent"
	trap '' TERM
	while :; do sleep 1; done ;;
esac
exit 0
`

func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// A zombie is dead; its parent has not reaped it yet.
	f := strings.Fields(string(b))
	return len(f) > 2 && f[2] != "Z"
}

// TestRealTimeoutKillsProcessGroup: a device that hangs past
// pcmk_off_timeout fails the fencing, its whole process group (the agent
// ignoring SIGTERM, and its child) is killed, and the error says so.
func TestRealTimeoutKillsProcessGroup(t *testing.T) {
	dir, pids := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "fence_hang"), []byte(hangAgent), 0o755); err != nil {
		t.Fatal(err)
	}
	c := cibWith(t, dev("hang", "fence_hang", []string{"pcmk_host_list=n1", "pid_dir=" + pids, "pcmk_off_timeout=1s"}), "", "", "", "")
	cfg := agents.DefaultRunnerConfig()
	cfg.KillGrace = 300 * time.Millisecond
	f := realFencer(t, "n3", dir, cfg)
	f.SetCIB(c)
	start := time.Now()
	_, err := f.Fence(context.Background(), Request{Target: "n1", Action: ActionOff, Origin: "n3"})
	if !errors.Is(err, ErrFailed) || !strings.Contains(err.Error(), "hang: off timed out") {
		t.Fatalf("error %v, want a failed fencing naming the timed-out device", err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Fatalf("fencing took %v; the timeout was 1s", d)
	}
	for _, name := range []string{"agent", "child"} {
		b, rerr := os.ReadFile(filepath.Join(pids, name))
		if rerr != nil {
			t.Fatalf("%s pid: %v", name, rerr)
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		deadline := time.Now().Add(5 * time.Second)
		for alive(pid) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if alive(pid) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Errorf("%s (pid %d) survived the timeout", name, pid)
		}
	}
	if h := f.History(); len(h) != 1 || h[0].State != StateFailed || !strings.Contains(h[0].Error, "timed out") {
		t.Fatalf("history %+v", h)
	}
}

// netns runs ip with args.
func netns(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// TestRealFencePacerLab fences a real lab host: a network namespace with
// a veth pair up (10.x addresses) and a process running in it. Fencing
// (off) through fence_pacer_lab, chosen by dynamic-list with a host map,
// takes its links down and kills the process; unfencing (on) brings the
// links back.
func TestRealFencePacerLab(t *testing.T) {
	_, ipErr := exec.LookPath("ip")
	need(t, ipErr == nil, "ip (iproute2)")
	need(t, os.Geteuid() == 0, "root (network namespaces)")
	dir, err := filepath.Abs("../agents/scripts/fence")
	if err != nil {
		t.Fatal(err)
	}
	need(t, exists(filepath.Join(dir, "fence_pacer_lab")), "fence_pacer_lab")

	ns := fmt.Sprintf("pacer-fencetest-%04x", rand.IntN(0x10000))
	netns(t, "netns", "add", ns)
	t.Cleanup(func() {
		_ = exec.Command("ip", "netns", "pids", ns).Run()
		if out, err := exec.Command("ip", "netns", "pids", ns).Output(); err == nil {
			for _, p := range strings.Fields(string(out)) {
				if pid, err := strconv.Atoi(p); err == nil {
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
			}
		}
		_ = exec.Command("ip", "netns", "del", ns).Run()
	})
	netns(t, "-n", ns, "link", "add", "ft0", "type", "veth", "peer", "name", "ft1")
	netns(t, "-n", ns, "addr", "add", "10.213.7.1/30", "dev", "ft0")
	netns(t, "-n", ns, "addr", "add", "10.213.7.2/30", "dev", "ft1")
	netns(t, "-n", ns, "link", "set", "ft0", "up")
	netns(t, "-n", ns, "link", "set", "ft1", "up")
	sleeper := exec.Command("ip", "netns", "exec", ns, "sleep", "300")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- sleeper.Wait() }()
	t.Cleanup(func() { _ = sleeper.Process.Kill() })

	c := cibWith(t, dev("lab", "fence_pacer_lab", []string{
		"pcmk_host_check=dynamic-list", "pcmk_host_map=n1:" + ns, "prefix=pacer-fencetest-"}), "", "", "", "")
	f := realFencer(t, "n3", dir, agents.DefaultRunnerConfig())
	f.SetCIB(c)

	linksUp := func() int {
		out, err := exec.Command("ip", "-n", ns, "-o", "link", "show", "up").Output()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, l := range strings.Split(string(out), "\n") {
			if strings.Contains(l, "ft0") || strings.Contains(l, "ft1") {
				n++
			}
		}
		return n
	}

	res, err := f.Fence(context.Background(), Request{Target: "n1", Action: ActionOff, Origin: "n3", Reason: "lab test"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Devices) != 1 || res.Devices[0] != "lab" {
		t.Fatalf("result %+v", res)
	}
	if n := linksUp(); n != 0 {
		t.Errorf("%d links still up after off", n)
	}
	select {
	case <-waited:
	case <-time.After(10 * time.Second):
		t.Fatal("the process in the namespace survived the fencing")
	}

	if _, err := f.Fence(context.Background(), Request{Target: "n1", Action: ActionOn, Origin: "n3", Reason: "unfence"}); err != nil {
		t.Fatal(err)
	}
	if n := linksUp(); n != 2 {
		t.Errorf("%d links up after on, want 2", n)
	}

	// A reboot through a topology level of two devices (two power
	// supplies of the same host) is off on both, then on on both: the
	// process dies, the links come back.
	sleeper2 := exec.Command("ip", "netns", "exec", ns, "sleep", "300")
	if err := sleeper2.Start(); err != nil {
		t.Fatal(err)
	}
	waited2 := make(chan error, 1)
	go func() { waited2 <- sleeper2.Wait() }()
	t.Cleanup(func() { _ = sleeper2.Process.Kill() })
	psu := func(id string) string {
		return dev(id, "fence_pacer_lab", []string{"pcmk_host_map=n1:" + ns, "prefix=pacer-fencetest-"})
	}
	f.SetCIB(cibWith(t, psu("psu1")+psu("psu2"), "", level("l1", 1, "n1", "psu1,psu2"), "", ""))
	res, err = f.Fence(context.Background(), Request{Target: "n1", Action: ActionReboot, Origin: "n3", Reason: "lab reboot"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Level != 1 || strings.Join(res.Devices, ",") != "psu1,psu2" {
		t.Fatalf("result %+v", res)
	}
	select {
	case <-waited2:
	case <-time.After(10 * time.Second):
		t.Fatal("the process in the namespace survived the reboot")
	}
	if n := linksUp(); n != 2 {
		t.Errorf("%d links up after the reboot, want 2", n)
	}
	f.SetCIB(c)

	// A node the device does not list cannot be fenced by it.
	_, err = f.Fence(context.Background(), Request{Target: "n2", Action: ActionOff, Origin: "n3"})
	if !errors.Is(err, ErrNoDevice) || !strings.Contains(err.Error(), "dynamic-list") {
		t.Fatalf("fencing an unlisted node: %v", err)
	}
}

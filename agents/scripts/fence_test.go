package scripts

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"pacer/agents"
	"pacer/agents/ocf"
	"pacer/internal/clock"
)

// needLab skips (or, under CI=true, fails) when the test cannot build a
// network namespace: it needs ip from iproute2 and root.
func needLab(t *testing.T) {
	t.Helper()
	fail := t.Skipf
	if os.Getenv("CI") == "true" {
		fail = t.Fatalf
	}
	if _, err := exec.LookPath("ip"); err != nil {
		fail("ip missing (apt-get install iproute2): %v", err)
	}
	if os.Geteuid() != 0 {
		fail("network namespaces need root")
	}
}

func ipCmd(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// labHost is a lab host: a network namespace with one end of a veth pair
// in it, up, and a process running inside.
type labHost struct {
	ns, inner string
	proc      *exec.Cmd
}

func newLabHost(t *testing.T) *labHost {
	t.Helper()
	pid := os.Getpid()
	h := &labHost{ns: fmt.Sprintf("pacer-fence-test-%d", pid), inner: fmt.Sprintf("pftb%d", pid)}
	outer := fmt.Sprintf("pfta%d", pid)

	ipCmd(t, "netns", "add", h.ns)
	t.Cleanup(func() {
		// Deleting the namespace destroys the inner veth end, and with it
		// the outer one; the explicit delete covers a half-built pair.
		_ = exec.Command("ip", "netns", "del", h.ns).Run()
		_ = exec.Command("ip", "link", "del", outer).Run()
	})
	ipCmd(t, "link", "add", outer, "type", "veth", "peer", "name", h.inner)
	ipCmd(t, "link", "set", h.inner, "netns", h.ns)
	ipCmd(t, "-n", h.ns, "addr", "add", "10.213.7.2/30", "dev", h.inner)
	ipCmd(t, "-n", h.ns, "link", "set", h.inner, "up")
	ipCmd(t, "link", "set", outer, "up")

	// ip netns exec execs sleep itself, so this pid is the process in the
	// namespace.
	h.proc = exec.Command("ip", "netns", "exec", h.ns, "sleep", "1000")
	h.proc.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := h.proc.Start(); err != nil {
		t.Fatalf("start process in %s: %v", h.ns, err)
	}
	t.Cleanup(func() {
		_ = h.proc.Process.Kill() // by pid; harmless if already dead
		_ = h.proc.Wait()
	})
	// Wait until the process has entered the namespace (the exec is done)
	// so that status sees it; this polls a state, not a clock.
	nsFile, err := os.Stat(filepath.Join("/run/netns", h.ns))
	if err != nil {
		t.Fatal(err)
	}
	for {
		fi, err := os.Stat(fmt.Sprintf("/proc/%d/ns/net", h.proc.Process.Pid))
		if err != nil {
			t.Fatalf("process %d: %v", h.proc.Process.Pid, err)
		}
		if os.SameFile(fi, nsFile) {
			if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", h.proc.Process.Pid)); strings.TrimSpace(string(b)) == "sleep" {
				break
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return h
}

// linkUp reports whether the inner link is administratively up.
func (h *labHost) linkUp(t *testing.T) bool {
	t.Helper()
	out, err := exec.Command("ip", "-n", h.ns, "-o", "link", "show", "dev", h.inner).Output()
	if err != nil {
		t.Fatalf("ip link show %s: %v", h.inner, err)
	}
	f := strings.Fields(string(out))
	if len(f) < 3 {
		t.Fatalf("ip link show: %q", out)
	}
	flags := strings.Split(strings.Trim(f[2], "<>"), ",")
	for _, fl := range flags {
		if fl == "UP" {
			return true
		}
	}
	return false
}

// procAlive reports whether the process still runs: a zombie (killed, not
// yet reaped by this test) or a missing pid counts as dead.
func (h *labHost) procAlive() bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", h.proc.Process.Pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

func fenceAgent(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("fence", "fence_pacer_lab"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func fenceRunner(t *testing.T) *agents.ProcessRunner {
	t.Helper()
	r, err := agents.NewProcessRunner(agents.DefaultRunnerConfig(), clock.Real{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// runFence runs the agent as the stonith class will: options on stdin
// (or as arguments), the agent PATH only, under the process runner.
func runFence(t *testing.T, r *agents.ProcessRunner, stdin string, args ...string) agents.Result {
	t.Helper()
	c := agents.Command{Path: fenceAgent(t), Args: args, Env: []string{"PATH=" + ocf.AgentPath}}
	if stdin != "" {
		c.Stdin = []byte(stdin)
	}
	res, err := r.Exec(context.Background(), c, 60*time.Second)
	if err != nil {
		t.Fatalf("fence_pacer_lab %q %q: %v (%+v)", stdin, args, err, res)
	}
	return res
}

func TestFenceLabHost(t *testing.T) {
	needLab(t)
	h := newLabHost(t)
	r := fenceRunner(t)
	stdin := func(action string) string {
		// As Pacemaker's fencer writes it, with an option the agent must
		// ignore.
		return "action=" + action + "\nplug=" + h.ns + "\nnodename=node1\n"
	}
	steps := []struct {
		name        string
		stdin       string
		args        []string
		rc          int
		out         string // substring of stdout
		linkUp      bool
		procRunning bool
	}{
		{name: "status on", stdin: stdin("status"), rc: 0, out: "Status: ON", linkUp: true, procRunning: true},
		{name: "monitor", stdin: "action=monitor\n", rc: 0, linkUp: true, procRunning: true},
		{name: "list", args: []string{"--action=list", "--prefix=pacer-fence-test-"}, rc: 0, out: h.ns + ",\n", linkUp: true, procRunning: true},
		{name: "list-status", args: []string{"-o", "list-status", "--prefix=pacer-fence-test-"}, rc: 0, out: h.ns + ",,on\n", linkUp: true, procRunning: true},
		{name: "off", stdin: stdin("off"), rc: 0, out: "Success: Powered OFF"},
		{name: "status off", stdin: stdin("status"), rc: 2, out: "Status: OFF"},
		{name: "off again", args: []string{"-o", "off", "-n", h.ns}, rc: 0},
		{name: "on", stdin: "action=on\nport=" + h.ns + "\n", rc: 0, out: "Success: Powered ON", linkUp: true},
		{name: "status on again", args: []string{"--action=status", "--plug=" + h.ns}, rc: 0, out: "Status: ON", linkUp: true},
		{name: "on but no processes", args: []string{"-o", "status", "-n", h.ns, "--require-processes"}, rc: 2, out: "Status: OFF", linkUp: true},
		{name: "reboot", stdin: stdin("reboot"), rc: 0, out: "Success: Rebooted", linkUp: true},
	}
	for _, s := range steps {
		res := runFence(t, r, s.stdin, s.args...)
		if res.RC != s.rc || !strings.Contains(res.Output, s.out) {
			t.Fatalf("%s: rc %d output %q, want %d %q; stderr %q", s.name, res.RC, res.Output, s.rc, s.out, res.Stderr)
		}
		if got := h.linkUp(t); got != s.linkUp {
			t.Fatalf("%s: link up %v, want %v", s.name, got, s.linkUp)
		}
		if got := h.procAlive(); got != s.procRunning {
			t.Fatalf("%s: process running %v, want %v", s.name, got, s.procRunning)
		}
	}
	// The process was killed, not asked to exit.
	err := h.proc.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("wait: %v", err)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("process ended with %v, want SIGKILL", err)
	}
}

func TestFenceErrors(t *testing.T) {
	needLab(t)
	r := fenceRunner(t)
	missing := fmt.Sprintf("pacer-fence-missing-%d", os.Getpid())
	cases := []struct {
		name  string
		stdin string
		args  []string
		rc    int
		err   string // substring of stderr
	}{
		{name: "no plug", stdin: "action=off\n", rc: 1, err: "no plug given"},
		{name: "missing namespace is not off", stdin: "action=off\nplug=" + missing + "\n", rc: 1, err: "no network namespace"},
		{name: "status of missing namespace", args: []string{"-o", "status", "-n", missing}, rc: 1, err: "no network namespace"},
		{name: "path in plug", stdin: "action=status\nplug=../etc\n", rc: 1, err: "invalid plug"},
		{name: "unknown action", stdin: "action=fry\nplug=x\n", rc: 1, err: "unsupported action"},
		{name: "unknown argument", args: []string{"--bogus"}, rc: 1, err: "unknown"},
		{name: "validate without plug", stdin: "action=validate-all\n", rc: 1, err: "no plug given"},
		{name: "bad delay", stdin: "action=off\nplug=" + missing + "\ndelay=x\n", rc: 1, err: "delay 'x' is not a whole number"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := runFence(t, r, tc.stdin, tc.args...)
			if res.RC != tc.rc || !strings.Contains(res.Stderr, tc.err) {
				t.Fatalf("rc %d stderr %q, want %d %q", res.RC, res.Stderr, tc.rc, tc.err)
			}
		})
	}
}

// TestFenceMetadata checks the meta-data is fence-agents' format: a
// resource-agent with getopt parameters and the actions the fencer asks
// about.
func TestFenceMetadata(t *testing.T) {
	r := fenceRunner(t)
	for _, in := range []struct {
		stdin string
		args  []string
	}{{stdin: "action=metadata\n"}, {args: []string{"-o", "metadata"}}} {
		res := runFence(t, r, in.stdin, in.args...)
		if res.RC != 0 {
			t.Fatalf("metadata: %+v", res)
		}
		var md struct {
			Name      string `xml:"name,attr"`
			ShortDesc string `xml:"shortdesc,attr"`
			Params    []struct {
				Name     string `xml:"name,attr"`
				Required string `xml:"required,attr"`
				Getopt   struct {
					Mixed string `xml:"mixed,attr"`
				} `xml:"getopt"`
			} `xml:"parameters>parameter"`
			Actions []struct {
				Name string `xml:"name,attr"`
			} `xml:"actions>action"`
		}
		if err := xml.Unmarshal([]byte(res.Output), &md); err != nil {
			t.Fatalf("metadata XML: %v\n%s", err, res.Output)
		}
		if md.Name != "fence_pacer_lab" || md.ShortDesc == "" {
			t.Errorf("name %q shortdesc %q", md.Name, md.ShortDesc)
		}
		params := map[string]string{}
		for _, p := range md.Params {
			params[p.Name] = p.Getopt.Mixed
		}
		for _, p := range []string{"action", "plug", "port", "prefix", "delay"} {
			if params[p] == "" {
				t.Errorf("parameter %s missing or without getopt", p)
			}
		}
		var actions []string
		for _, a := range md.Actions {
			actions = append(actions, a.Name)
		}
		want := "on off reboot status list list-status monitor metadata validate-all"
		if got := strings.Join(actions, " "); got != want {
			t.Errorf("actions %q, want %q", got, want)
		}
	}
}

package lab

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Host is one machine of the lab: a network namespace, and a mount
// namespace held by a holder process (sleep) in it.
type Host struct {
	Name string
	// Index is the host's number, from 1, in its address and node id.
	Index int
	// NS is the network namespace, pacer-LAB-NAME: the fence agent's plug.
	NS string
	// Dir is the host's work directory (configuration, data, logs).
	Dir string

	lab    *Lab
	mu     sync.Mutex
	holder *exec.Cmd
	held   chan struct{} // closed when the holder exits
	procs  []*exec.Cmd   // processes started in the host, for Close
}

// Addr is the host's address on ring r.
func (h *Host) Addr(r int) string { return Addr(h.Index, r) }

// holderScript runs in the host's fresh mount namespace: a private /run
// (agents keep state and pid files there: Dummy's state file, IPaddr2's
// send_arp pid) that shows the lab's own network namespaces, and no
// others (a copy of another namespace's /run/netns entry would keep that
// namespace alive after its owner deletes it), then sleep.
const holderScript = `set -e
dir=$1 prefix=$2
mount --rbind /run/netns "$dir/netns"
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /run/netns /run/lock /run/resource-agents
for f in "$dir/netns/$prefix"*; do
	[ -e "$f" ] || continue
	n=${f##*/}
	: > "/run/netns/$n"
	mount --bind "$f" "/run/netns/$n"
done
umount -R "$dir/netns" 2>/dev/null || umount -l "$dir/netns"
echo ready
exec sleep infinity
`

// startHolder starts the process whose mount namespace is the host's:
// ip netns exec NS unshare --mount --propagation private sh -c SCRIPT.
// ip and unshare exec, so the holder's pid is the started process's.
func (h *Host) startHolder() error {
	cmd := exec.Command("ip", "netns", "exec", h.NS, "unshare", "--mount", "--propagation", "private",
		"/bin/sh", "-c", holderScript, "holder", h.Dir, Prefix(h.lab.Name))
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("host %s: start holder: %w", h.Name, err)
	}
	done := make(chan struct{})
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		ok := sc.Scan() && sc.Text() == "ready"
		ready <- ok
		for sc.Scan() {
		}
		_ = cmd.Wait()
		close(done)
	}()
	select {
	case ok := <-ready:
		if !ok {
			<-done
			return fmt.Errorf("host %s: holder failed: %s", h.Name, bytes.TrimSpace(stderr.Bytes()))
		}
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("host %s: holder not ready after 10s: %s", h.Name, bytes.TrimSpace(stderr.Bytes()))
	}
	h.mu.Lock()
	h.holder, h.held = cmd, done
	h.mu.Unlock()
	return nil
}

// HolderPid is the pid of the process holding the host's mount namespace,
// 0 while the host is off.
func (h *Host) HolderPid() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.holder == nil {
		return 0
	}
	select {
	case <-h.held:
		return 0
	default:
		return h.holder.Process.Pid
	}
}

// Command returns a command that runs in the host's network and mount
// namespaces (nsenter into the holder), with the caller's environment. It
// dies with the calling process.
func (h *Host) Command(name string, args ...string) (*exec.Cmd, error) {
	pid := h.HolderPid()
	if pid == 0 {
		return nil, fmt.Errorf("host %s is off (no holder)", h.Name)
	}
	cmd := exec.Command("nsenter", append([]string{"-t", fmt.Sprint(pid), "-m", "-n", "--", name}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return cmd, nil
}

// Run runs a command in the host and returns its combined output; the
// error names the host and the command.
func (h *Host) Run(timeout time.Duration, name string, args ...string) ([]byte, error) {
	pid := h.HolderPid()
	if pid == 0 {
		return nil, fmt.Errorf("host %s is off (no holder)", h.Name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "nsenter", append([]string{"-t", fmt.Sprint(pid), "-m", "-n", "--", name}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("host %s: %s %s: %w: %s", h.Name, name, strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return out, nil
}

// track remembers a process started in the host, for Close.
func (h *Host) track(cmd *exec.Cmd) {
	h.mu.Lock()
	h.procs = append(h.procs, cmd)
	h.mu.Unlock()
}

// stopProcesses SIGKILLs what the lab started in the host, and the holder.
func (h *Host) stopProcesses() {
	h.mu.Lock()
	procs := h.procs
	holder, held := h.holder, h.held
	h.procs = nil
	h.mu.Unlock()
	for _, p := range procs {
		if p.Process != nil {
			_ = p.Process.Kill()
		}
	}
	if holder != nil {
		_ = holder.Process.Kill()
		<-held
	}
}

// FindFenceAgent finds fence_pacer_lab in the module's source tree: the
// nearest directory up from the working directory with pacer's go.mod, then
// agents/scripts/fence.
func FindFenceAgent() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.HasPrefix(string(b), "module pacer\n") {
			p := filepath.Join(dir, "agents", "scripts", "fence", "fence_pacer_lab")
			if _, err := os.Stat(p); err != nil {
				return "", fmt.Errorf("fence agent: %w", err)
			}
			return p, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", errors.New("fence agent: no pacer module above the working directory; set Spec.FenceAgent")
		}
		dir = up
	}
}

// Fence runs the lab fence agent from the root namespace, as a fencer
// would, with action (off, on, reboot, status) on this host, the options on
// stdin. It returns the agent's exit code and output.
func (h *Host) Fence(action string) (int, string, error) {
	agent := h.lab.FenceAgent
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, agent)
	cmd.Stdin = strings.NewReader(fmt.Sprintf("action=%s\nplug=%s\nprefix=%s\n", action, h.NS, Prefix(h.lab.Name)))
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), string(out), nil
	}
	if err != nil {
		return -1, string(out), fmt.Errorf("host %s: %s %s: %w", h.Name, agent, action, err)
	}
	return 0, string(out), nil
}

// PowerOff powers the host off through fence_pacer_lab: its links go down
// and every process in it is killed, the holder too, so its mounts are
// gone.
func (h *Host) PowerOff() error {
	rc, out, err := h.Fence("off")
	if err != nil {
		return err
	}
	if rc != 0 {
		return fmt.Errorf("host %s: fence_pacer_lab off: exit %d: %s", h.Name, rc, strings.TrimSpace(out))
	}
	h.mu.Lock()
	held := h.held
	h.mu.Unlock()
	if held != nil {
		select {
		case <-held:
		case <-time.After(10 * time.Second):
			return fmt.Errorf("host %s: holder still running after power off", h.Name)
		}
	}
	return nil
}

// PowerOn powers the host on through fence_pacer_lab (its links come up)
// and starts a new holder: a fresh mount namespace, as after a reboot.
// Processes are not restarted. As a machine that boots has only the
// addresses of its own configuration, every address added while it ran
// (a VIP) is removed first, while its links are still down, so a VIP it
// held when it was powered off never comes back up with it.
func (h *Host) PowerOn() error {
	if h.HolderPid() == 0 {
		if err := h.forgetAddrs(); err != nil {
			return err
		}
	}
	rc, out, err := h.Fence("on")
	if err != nil {
		return err
	}
	if rc != 0 {
		return fmt.Errorf("host %s: fence_pacer_lab on: exit %d: %s", h.Name, rc, strings.TrimSpace(out))
	}
	if h.HolderPid() != 0 {
		return nil
	}
	return h.startHolder()
}

// forgetAddrs removes every IPv4 address of the host but its ring
// addresses and loopback's.
func (h *Host) forgetAddrs() error {
	out, err := exec.Command("ip", "-n", h.NS, "-j", "-4", "addr", "show").Output()
	if err != nil {
		return fmt.Errorf("host %s: ip addr: %w", h.Name, err)
	}
	var ifs []struct {
		IfName   string `json:"ifname"`
		AddrInfo []struct {
			Local     string `json:"local"`
			PrefixLen int    `json:"prefixlen"`
		} `json:"addr_info"`
	}
	if err := json.Unmarshal(out, &ifs); err != nil {
		return fmt.Errorf("host %s: ip -j addr: %w", h.Name, err)
	}
	own := map[string]bool{}
	for r := 0; r < h.lab.Rings; r++ {
		own[h.Addr(r)] = true
	}
	for _, i := range ifs {
		if i.IfName == "lo" {
			continue
		}
		for _, a := range i.AddrInfo {
			if own[a.Local] {
				continue
			}
			if err := ipn(h.NS, "addr", "del", fmt.Sprintf("%s/%d", a.Local, a.PrefixLen), "dev", i.IfName); err != nil {
				return fmt.Errorf("host %s: forget %s at boot: %w", h.Name, a.Local, err)
			}
		}
	}
	return nil
}

// Proc is a process running in a host.
type Proc struct {
	Pid  int
	Comm string
	Args []string
}

// Processes lists the processes running in the host's network namespace.
func (h *Host) Processes() ([]Proc, error) { return nsProcesses(h.NS) }

func nsProcesses(ns string) ([]Proc, error) {
	pids, err := NSPids(ns)
	if err != nil {
		return nil, err
	}
	var out []Proc
	for _, p := range pids {
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", p))
		if err != nil {
			continue // exited meanwhile
		}
		cl, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p))
		out = append(out, Proc{Pid: p, Comm: strings.TrimSpace(string(comm)),
			Args: strings.Split(strings.TrimRight(string(cl), "\x00"), "\x00")})
	}
	return out, nil
}

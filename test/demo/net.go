package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The demo's network, when network namespaces can be made:
//
//	           pacer-demo-lan  (bridge lan0, 10.71.0.1: the "client")
//	            |       |        |
//	         alpha    bravo    charlie          <- veth ends, bridge ports
//	            |       |        |
//	          eth0    eth0     eth0             <- 10.71.0.11 .12 .13
//	pacer-demo-alpha  pacer-demo-bravo  pacer-demo-charlie
//
// Each host is a network namespace whose name is also the plug of the
// lab fence agent (fence_pacer_lab), so "power off alpha" means: every
// link of pacer-demo-alpha down and every process in it killed. No
// namespace has a default route and the root namespace gets no address,
// so nothing the demo does reaches, or is reachable from, the machine's
// own network.
const (
	nsPrefix = "pacer-demo-"
	lanNS    = nsPrefix + "lan"
	bridge   = "lan0"
	subnet   = "10.71.0"
	clientIP = subnet + ".1"
	vipAddr  = subnet + ".100"
)

func hostNS(node string) string { return nsPrefix + node }
func hostIP(i int) string       { return fmt.Sprintf("%s.%d", subnet, 11+i) }

// run runs a command and returns its combined output; the error names
// the command and carries its output.
func run(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// ipCmd runs ip with args, failing with what ip said.
func ipCmd(args ...string) error {
	_, err := run("ip", args...)
	return err
}

// canNetns tells whether this process may make network namespaces: root
// (or CAP_SYS_ADMIN), ip from iproute2, and a kernel that allows it (a
// container may not). It tries for real with a throwaway namespace.
func canNetns() error {
	if _, err := exec.LookPath("ip"); err != nil {
		return errors.New("ip is not installed: apt-get install iproute2")
	}
	if os.Geteuid() != 0 {
		return errors.New("not root: run make demo as root")
	}
	probe := nsPrefix + "probe"
	_ = ipCmd("netns", "del", probe)
	if err := ipCmd("netns", "add", probe); err != nil {
		return err
	}
	return ipCmd("netns", "del", probe)
}

// demoNamespaces lists the namespaces named pacer-demo-*.
func demoNamespaces() []string {
	out, err := run("ip", "netns", "list")
	if err != nil {
		return nil
	}
	var names []string
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && strings.HasPrefix(f[0], nsPrefix) {
			names = append(names, f[0])
		}
	}
	return names
}

// nsPids lists the processes whose network namespace is ns.
func nsPids(ns string) []int {
	out, _ := run("ip", "netns", "pids", ns)
	var pids []int
	for _, f := range strings.Fields(out) {
		if p, err := strconv.Atoi(f); err == nil {
			pids = append(pids, p)
		}
	}
	return pids
}

// removeNamespaces kills every process in the demo's namespaces, by pid,
// and deletes the namespaces. Deleting a namespace destroys its veth end,
// and so the pair; deleting the LAN namespace destroys the bridge. Only
// names starting with pacer-demo- are touched: this also sweeps what a
// crashed earlier run left behind (the caller holds the demo's lock, so
// no other demo is using them).
func removeNamespaces() error {
	var errs []error
	for _, ns := range demoNamespaces() {
		for round := 0; round < 20; round++ {
			pids := nsPids(ns)
			if len(pids) == 0 {
				break
			}
			for _, p := range pids {
				_ = syscall.Kill(p, syscall.SIGKILL)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if err := ipCmd("netns", "del", ns); err != nil {
			errs = append(errs, err)
		}
	}
	if left := demoNamespaces(); len(left) > 0 {
		errs = append(errs, fmt.Errorf("namespaces left behind: %s", strings.Join(left, " ")))
	}
	return errors.Join(errs...)
}

// buildLAN makes the LAN namespace with its bridge and one host namespace
// per node, each wired to the bridge with a veth pair.
func buildLAN(nodes []string) error {
	steps := [][]string{
		{"netns", "add", lanNS},
		{"-n", lanNS, "link", "set", "lo", "up"},
		{"-n", lanNS, "link", "add", bridge, "type", "bridge"},
		// The bridge's address makes the LAN namespace a client that can
		// ping the VIP from outside the cluster.
		{"-n", lanNS, "addr", "add", clientIP + "/24", "dev", bridge},
		{"-n", lanNS, "link", "set", bridge, "up"},
	}
	for i, n := range nodes {
		ns := hostNS(n)
		steps = append(steps,
			[]string{"netns", "add", ns},
			[]string{"-n", ns, "link", "set", "lo", "up"},
			// Both ends are made inside their namespaces: nothing of the
			// demo ever appears in the root namespace.
			[]string{"-n", lanNS, "link", "add", n, "type", "veth", "peer", "name", "eth0", "netns", ns},
			[]string{"-n", lanNS, "link", "set", n, "master", bridge},
			[]string{"-n", lanNS, "link", "set", n, "up"},
			[]string{"-n", ns, "addr", "add", hostIP(i) + "/24", "dev", "eth0"},
			[]string{"-n", ns, "link", "set", "eth0", "up"},
		)
	}
	for _, s := range steps {
		if err := ipCmd(s...); err != nil {
			return fmt.Errorf("build the demo LAN: %w", err)
		}
	}
	return nil
}

// addrHolders returns the hosts where addr is configured on an interface
// that is up. It looks inside every namespace (ip -j addr), not at what
// pacerd says. A powered-off host keeps its addresses on links that are
// down; those serve nobody and do not count.
func addrHolders(nodes []string, addr string) ([]string, error) {
	var holders []string
	for _, n := range nodes {
		out, err := run("ip", "-n", hostNS(n), "-j", "addr", "show")
		if err != nil {
			return nil, err
		}
		var ifs []struct {
			Ifname   string   `json:"ifname"`
			Flags    []string `json:"flags"`
			AddrInfo []struct {
				Local string `json:"local"`
			} `json:"addr_info"`
		}
		if err := json.Unmarshal([]byte(out), &ifs); err != nil {
			return nil, fmt.Errorf("ip -n %s -j addr show: %w", hostNS(n), err)
		}
		for _, i := range ifs {
			up := false
			for _, f := range i.Flags {
				up = up || f == "UP"
			}
			for _, a := range i.AddrInfo {
				if a.Local == addr && up {
					holders = append(holders, n)
				}
			}
		}
	}
	return holders, nil
}

// pingFromLAN pings addr once from the LAN namespace (the client), if
// ping is installed; it returns what to print.
func pingFromLAN(addr string) string {
	if _, err := exec.LookPath("ping"); err != nil {
		return "(ping is not installed: skipped)"
	}
	out, err := run("ip", "netns", "exec", lanNS, "ping", "-c", "1", "-W", "1", addr)
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "bytes from") {
			return strings.TrimSpace(line)
		}
	}
	if err != nil {
		return "no answer: " + err.Error()
	}
	return "no answer"
}

// powerOff runs the shipped fence agent from the root namespace, as a
// fencer would: options on stdin, action off, plug the host's namespace.
func powerOff(fenceAgent, node string) (string, error) {
	cmd := exec.Command(fenceAgent)
	cmd.Stdin = strings.NewReader("action=off\nplug=" + hostNS(node) + "\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s action=off plug=%s: %v: %s", filepath.Base(fenceAgent), hostNS(node), err, strings.TrimSpace(string(out)))
	}
	return strings.TrimSpace(string(out)), nil
}

// vipWatch samples, every interval, which hosts have the VIP on an up
// link, looking inside the namespaces, from before the fault until the
// failover is over: the VIP must never be on two hosts, and the time it
// is on none is the service's gap.
type vipWatch struct {
	stop     chan struct{}
	done     chan struct{}
	samples  int
	maxHosts int       // most hosts seen holding the VIP at once
	double   time.Time // first moment it was on two hosts
	lastSeen time.Time // last sample that saw it on the first holder
	back     time.Time // first sample that saw it on another host
	backOn   string
	failed   int // samples that failed (ip killed by the power-off)
	err      error
}

func watchVIP(nodes []string, first string, interval time.Duration) *vipWatch {
	w := &vipWatch{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if w.err = w.sample(nodes, first); w.err != nil {
				return
			}
			select {
			case <-w.stop:
				return
			case <-t.C:
			}
		}
	}()
	return w
}

// sample looks once. An ip that was inside the host's namespace at its
// power-off is killed with the rest (the fence agent kills every process
// there); such a sample is skipped, and only many failures are an error.
func (w *vipWatch) sample(nodes []string, first string) error {
	now := time.Now()
	h, err := addrHolders(nodes, vipAddr)
	if err != nil {
		w.failed++
		if w.failed > 10 {
			return fmt.Errorf("%d samples failed, the last: %w", w.failed, err)
		}
		return nil
	}
	w.samples++
	if len(h) > w.maxHosts {
		w.maxHosts = len(h)
	}
	if len(h) > 1 && w.double.IsZero() {
		w.double = now
	}
	if len(h) == 1 && h[0] == first {
		w.lastSeen = now
	}
	if len(h) == 1 && h[0] != first && w.back.IsZero() {
		w.back, w.backOn = now, h[0]
	}
	return nil
}

// Stop ends the sampling and returns its error, if any.
func (w *vipWatch) Stop() error {
	close(w.stop)
	<-w.done
	return w.err
}

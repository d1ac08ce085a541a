package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"pacer/internal/control"
)

// RAPrefix is where Debian's resource-agents installs the OCF agents
// (resource.d/heartbeat) and the shell functions they source
// (lib/heartbeat).
const RAPrefix = "/usr/lib/ocf"

// ResourceAgentsAvailable reports why the lab cannot run the heartbeat
// agents it uses ("" when it can): IPaddr2 and Filesystem of Debian's
// resource-agents, their shell functions, and the tools they need.
func ResourceAgentsAvailable() string {
	for _, p := range []string{"resource.d/heartbeat/IPaddr2", "resource.d/heartbeat/Filesystem", "lib/heartbeat/ocf-shellfuncs"} {
		if _, err := os.Stat(filepath.Join(RAPrefix, p)); err != nil {
			return fmt.Sprintf("the lab's resources need resource-agents (%s): %v", filepath.Join(RAPrefix, p), err)
		}
	}
	for _, tool := range []string{"mount", "umount", "fuser", "blkid"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Sprintf("ocf:heartbeat:Filesystem needs %s in PATH (util-linux, psmisc): %v", tool, err)
		}
	}
	return ""
}

// moduleRoot is the nearest directory up from the working directory with
// pacer's go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.HasPrefix(string(b), "module pacer\n") {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", errors.New("no pacer module above the working directory")
		}
		dir = up
	}
}

// OCFRoot makes an OCF root in the lab's work directory for pacerd's
// agents (OCF_ROOT): resource-agents' heartbeat agents and shell
// functions, pacer's shipped agents as provider pacer (ocf:pacer:Dummy)
// and the lab's test agents (test/lab/testdata/ocf) as provider pacerlab
// (ocf:pacerlab:Knob). Nothing is installed on the machine.
func (l *Lab) OCFRoot() (string, error) {
	mod, err := moduleRoot()
	if err != nil {
		return "", fmt.Errorf("lab %s: OCF root: %w", l.Name, err)
	}
	root := filepath.Join(l.Dir, "ocf")
	if err := os.MkdirAll(filepath.Join(root, "resource.d"), 0o755); err != nil {
		return "", err
	}
	for link, target := range map[string]string{
		filepath.Join(root, "resource.d", "heartbeat"): filepath.Join(RAPrefix, "resource.d", "heartbeat"),
		filepath.Join(root, "lib"):                     filepath.Join(RAPrefix, "lib"),
		filepath.Join(root, "resource.d", "pacer"):     filepath.Join(mod, "agents", "scripts", "ocf", "pacer"),
		filepath.Join(root, "resource.d", "pacerlab"):  filepath.Join(mod, "test", "lab", "testdata", "ocf", "pacerlab"),
	} {
		if _, err := os.Stat(target); err != nil {
			return "", fmt.Errorf("lab %s: OCF root: %w", l.Name, err)
		}
		_ = os.Remove(link)
		if err := os.Symlink(target, link); err != nil {
			return "", fmt.Errorf("lab %s: OCF root: %w", l.Name, err)
		}
	}
	return root, nil
}

// ResourceEnv is the environment pacerd needs to run the lab's resources:
// OCF_ROOT (OCFRoot) and PACER_FENCE_AGENT_DIR (where fence_pacer_lab
// is). HA_RSCTMP is left at the agents' default, /run/resource-agents,
// which is each host's own (a private /run).
func (l *Lab) ResourceEnv() ([]string, error) {
	root, err := l.OCFRoot()
	if err != nil {
		return nil, err
	}
	return []string{"OCF_ROOT=" + root, "PACER_FENCE_AGENT_DIR=" + filepath.Dir(l.FenceAgent)}, nil
}

// FileHolders lists the hosts (in lab order) where path exists in the
// host's own mount namespace (read through /proc/HOLDER/root, so a file in
// a host's private /run is seen there only). A host that is off holds
// nothing.
func (l *Lab) FileHolders(path string) ([]string, error) {
	var out []string
	for _, h := range l.Hosts {
		pid := h.HolderPid()
		if pid == 0 {
			continue
		}
		_, err := os.Stat(fmt.Sprintf("/proc/%d/root%s", pid, path))
		switch {
		case err == nil:
			out = append(out, h.Name)
		case errors.Is(err, os.ErrNotExist):
		default:
			if h.goneWhileRead(pid) {
				continue // powered off meanwhile
			}
			return nil, fmt.Errorf("host %s: %w", h.Name, err)
		}
	}
	return out, nil
}

// ExclusiveFile is the invariant "path exists on at most one host" (a
// Dummy's state file: the resource runs there).
func (l *Lab) ExclusiveFile(path string) Exclusive {
	return Exclusive{Name: "file " + path, Holders: func() ([]string, error) { return l.FileHolders(path) }}
}

// Pacer runs the pacer CLI from the root namespace against host's control
// socket: pacer CMD --socket SOCK ARGS... (CIB_file unset, so it is the
// live cluster). It returns the combined output; the error names the
// command.
func (c *Cluster) Pacer(host string, timeout time.Duration, cmd string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	x := exec.CommandContext(ctx, filepath.Join(c.Spec.Bin, "pacer"), append([]string{cmd, "--socket", c.Socket(host)}, args...)...)
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "CIB_file=") && !strings.HasPrefix(e, "PACER_SOCKET=") {
			env = append(env, e)
		}
	}
	x.Env = env
	out, err := x.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("pacer %s %s (on %s): %w: %s", cmd, strings.Join(args, " "), host, err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// Configure runs `pacer configure ARGS...` against host's pacerd.
func (c *Cluster) Configure(host string, args ...string) error {
	_, err := c.Pacer(host, 30*time.Second, "configure", args...)
	return err
}

// StatusNode is one node of pacer's status document.
type StatusNode struct {
	Name    string `json:"name"`
	State   string `json:"state"`
	Online  bool   `json:"online"`
	Unclean bool   `json:"unclean"`
	DC      bool   `json:"dc"`
}

// StatusResource is one resource of pacer's status document.
type StatusResource struct {
	ID       string            `json:"id"`
	Kind     string            `json:"kind"`
	Role     string            `json:"role"`
	Nodes    []string          `json:"nodes"`
	Failed   bool              `json:"failed"`
	Blocked  bool              `json:"blocked"`
	Children []*StatusResource `json:"children"`
}

// Status is the part of pacer's status document (pacer-status/1) the lab
// reads.
type Status struct {
	Nodes     []StatusNode      `json:"nodes"`
	Resources []*StatusResource `json:"resources"`
	Fencing   []StatusFence     `json:"fencing"`
	Warnings  []string          `json:"warnings"`
}

// StatusFence is one fencing of the status document's history.
type StatusFence struct {
	Target    string    `json:"target"`
	Action    string    `json:"action"`
	State     string    `json:"state"`
	Origin    string    `json:"origin"`
	Executor  string    `json:"executor"`
	Devices   []string  `json:"devices"`
	Completed time.Time `json:"completed"`
}

// Status asks host's pacerd for the status document.
func (c *Cluster) Status(host string) (Status, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	cl, err := control.Dial(ctx, c.Socket(host))
	if err != nil {
		return Status{}, err
	}
	defer cl.Close()
	doc, err := cl.Status(ctx)
	if err != nil {
		return Status{}, err
	}
	var st Status
	if err := json.Unmarshal(doc, &st); err != nil {
		return Status{}, fmt.Errorf("host %s: status: %w", host, err)
	}
	return st, nil
}

// Placement is where each primitive is active by the status document:
// its nodes (more than one for a multiply-active one); a primitive not
// active anywhere is absent.
func (st Status) Placement() map[string][]string {
	out := map[string][]string{}
	var walk func([]*StatusResource)
	walk = func(rs []*StatusResource) {
		for _, r := range rs {
			if r.Kind == "primitive" && len(r.Nodes) > 0 && r.Role != "Stopped" {
				out[r.ID] = append([]string(nil), r.Nodes...)
			}
			walk(r.Children)
		}
	}
	walk(st.Resources)
	return out
}

// WaitPlaced polls host's status until every one of rscs is active on one
// and the same node, with no failed or blocked resource and no unclean
// node, in two reads in a row, and returns that node. timeout is a hang
// guard.
func (c *Cluster) WaitPlaced(host string, rscs []string, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	last, why := "", ""
	for {
		st, err := c.Status(host)
		where := ""
		switch {
		case err != nil:
			why = err.Error()
		default:
			p := st.Placement()
			why = fmt.Sprintf("placement %v", p)
			for _, r := range rscs {
				ns := p[r]
				if len(ns) != 1 || (where != "" && ns[0] != where) {
					where = ""
					break
				}
				where = ns[0]
			}
			for _, n := range st.Nodes {
				if n.Unclean {
					where, why = "", why+"; "+n.Name+" unclean"
				}
			}
			var bad func([]*StatusResource) bool
			bad = func(rs []*StatusResource) bool {
				for _, r := range rs {
					if r.Blocked || bad(r.Children) {
						return true
					}
				}
				return false
			}
			if bad(st.Resources) {
				where, why = "", why+"; a resource is blocked"
			}
		}
		if where != "" && where == last {
			return where, nil
		}
		last = where
		if time.Now().After(deadline) {
			return "", fmt.Errorf("cluster %s: %v not together on one node within %v (asked %s): %s", c.Name, rscs, timeout, host, why)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// HealHost brings host back whatever a fault (or the cluster's fencing)
// did to it: its cables plugged back, powered on if it is off, pacerd
// started if it does not run. It returns what it did.
func (c *Cluster) HealHost(host string) (string, error) {
	h := c.Lab.Host(host)
	if h == nil {
		return "", fmt.Errorf("cluster %s: no host %q", c.Name, host)
	}
	var did []string
	if err := c.Lab.RestoreAll(host); err != nil {
		return "", err
	}
	if h.HolderPid() == 0 {
		if err := h.PowerOn(); err != nil {
			return "", err
		}
		did = append(did, "powered on")
	}
	if p := c.Node(host); p == nil || p.Exited() {
		if _, err := c.Start(host); err != nil {
			return "", err
		}
		did = append(did, "pacerd started")
	}
	if len(did) == 0 {
		did = append(did, "cables plugged back")
	}
	return strings.Join(did, ", "), nil
}

// Alive are the nodes whose pacerd runs.
func (c *Cluster) Alive() []string {
	var out []string
	for _, n := range c.Spec.Hosts {
		if p := c.Node(n); p != nil && !p.Exited() {
			out = append(out, n)
		}
	}
	return out
}

// AllEvents lists the events msg (fields matching) every pacerd of hosts
// logged at or after since, across restarts, each with its host.
func (c *Cluster) AllEvents(hosts []string, since time.Time, msg string, fields map[string]string) []HostEvent {
	var out []HostEvent
	for _, h := range hosts {
		for _, p := range c.Lives(h) {
			for _, e := range p.EventsSince(since, msg, fields) {
				out = append(out, HostEvent{Host: h, Event: e})
			}
		}
	}
	slices.SortFunc(out, func(a, b HostEvent) int { return a.TS.Compare(b.TS) })
	return out
}

// HostEvent is an event and the host whose pacerd logged it.
type HostEvent struct {
	Host string
	Event
}

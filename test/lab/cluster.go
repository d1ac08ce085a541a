package lab

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"pacer/internal/control"
)

// ClusterSpec is a pacer cluster over a lab's hosts: one pacerd per host,
// a UDP link per ring (ringK, bound to the host's ringK address) and a
// serial link per cable.
type ClusterSpec struct {
	// Bin is the directory holding pacerd and pacer.
	Bin string
	// Hosts are the hosts that are nodes; nil means every host of the lab.
	Hosts []string
	// Membership timing (pacer.toml keepalive, warntime, deadtime,
	// initdead); zero values take Fast's.
	Keepalive, Warntime, Deadtime, Initdead time.Duration
	// Raft timing ([raft]); zero values take Fast's. ElectionTicks
	// DerivedElection leaves election_ticks out: pacerd derives it from
	// keepalive, as with no [raft] table.
	RaftTick                      time.Duration
	ElectionTicks, HeartbeatTicks int
	// Witness names the host that runs as a witness ("" for none).
	Witness string
	// Port is the UDP port of every ring link; 0 means 5405.
	Port int
	// Extra is TOML appended to every node's pacer.toml.
	Extra string
	// HostExtra is TOML appended to one node's pacer.toml, after Extra
	// (so it continues Extra's last table), by host name.
	HostExtra map[string]string
	// Env is added to pacerd's environment (KEY=VALUE), e.g. Lab.ResourceEnv.
	Env []string
}

// Fast is the timing the lab uses unless told otherwise: keepalive 100 ms,
// deadtime 500 ms, raft tick 50 ms with 10 election ticks (a follower
// campaigns after 0.5-1 s without a DC).
var Fast = ClusterSpec{
	Keepalive: 100 * time.Millisecond, Warntime: 300 * time.Millisecond,
	Deadtime: 500 * time.Millisecond, Initdead: 3 * time.Second,
	RaftTick: 50 * time.Millisecond, ElectionTicks: 10, HeartbeatTicks: 1,
}

// Cluster is a pacer cluster in a lab.
type Cluster struct {
	Lab  *Lab
	Spec ClusterSpec
	// Name is the cluster name in pacer.toml.
	Name string

	mu      sync.Mutex
	nodes   map[string]*Pacerd
	lives   map[string][]*Pacerd
	configs map[string]string
}

// NewCluster writes an authkey (pacer keygen) and one pacer.toml per node
// in each host's directory. It starts nothing.
func (l *Lab) NewCluster(spec ClusterSpec) (*Cluster, error) {
	if spec.Bin == "" {
		return nil, fmt.Errorf("lab %s: cluster: no Bin directory", l.Name)
	}
	for _, b := range []string{"pacerd", "pacer"} {
		if _, err := os.Stat(filepath.Join(spec.Bin, b)); err != nil {
			return nil, fmt.Errorf("lab %s: cluster: %w", l.Name, err)
		}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&spec.Keepalive, Fast.Keepalive)
	def(&spec.Warntime, Fast.Warntime)
	def(&spec.Deadtime, Fast.Deadtime)
	def(&spec.Initdead, Fast.Initdead)
	def(&spec.RaftTick, Fast.RaftTick)
	if spec.ElectionTicks == 0 {
		spec.ElectionTicks = Fast.ElectionTicks
	}
	if spec.HeartbeatTicks == 0 {
		spec.HeartbeatTicks = Fast.HeartbeatTicks
	}
	if spec.Port == 0 {
		spec.Port = 5405
	}
	if spec.Hosts == nil {
		for _, h := range l.Hosts {
			spec.Hosts = append(spec.Hosts, h.Name)
		}
	}
	for _, n := range spec.Hosts {
		if l.Host(n) == nil {
			return nil, fmt.Errorf("lab %s: cluster: no host %q", l.Name, n)
		}
	}
	if spec.Witness != "" && !slices.Contains(spec.Hosts, spec.Witness) {
		return nil, fmt.Errorf("lab %s: cluster: witness %q is not one of the nodes", l.Name, spec.Witness)
	}
	c := &Cluster{Lab: l, Spec: spec, Name: "lab-" + l.Name, nodes: map[string]*Pacerd{}, lives: map[string][]*Pacerd{}, configs: map[string]string{}}
	key := filepath.Join(l.Dir, "authkey")
	if out, err := exec.Command(filepath.Join(spec.Bin, "pacer"), "keygen", "--authkey", key).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("lab %s: pacer keygen: %w: %s", l.Name, err, strings.TrimSpace(string(out)))
	}
	for _, n := range spec.Hosts {
		h := l.Host(n)
		path := filepath.Join(h.Dir, "pacer.toml")
		if err := os.WriteFile(path, []byte(c.config(h, key)), 0o644); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Join(h.Dir, "data"), 0o700); err != nil {
			return nil, err
		}
		c.configs[n] = path
	}
	return c, nil
}

// config is host h's pacer.toml.
// DerivedElection as ClusterSpec.ElectionTicks writes no election_ticks.
const DerivedElection = -1

func (c *Cluster) config(h *Host, key string) string {
	s := c.Spec
	var b strings.Builder
	fmt.Fprintf(&b, "cluster = %q\nkeepalive = %q\nwarntime = %q\ndeadtime = %q\ninitdead = %q\n",
		c.Name, s.Keepalive.String(), s.Warntime.String(), s.Deadtime.String(), s.Initdead.String())
	fmt.Fprintf(&b, "authkey = %q\ndata_dir = %q\nsocket = %q\n", key, filepath.Join(h.Dir, "data"), c.Socket(h.Name))
	fmt.Fprintf(&b, "\n[log]\nformat = \"json\"\nlevel = \"info\"\n")
	fmt.Fprintf(&b, "\n[raft]\ntick = %q\nheartbeat_ticks = %d\n", s.RaftTick.String(), s.HeartbeatTicks)
	if s.ElectionTicks != DerivedElection {
		fmt.Fprintf(&b, "election_ticks = %d\n", s.ElectionTicks)
	}
	fmt.Fprintf(&b, "\n[node]\nname = %q\nid = %d\n", h.Name, h.Index)
	if s.Witness == h.Name {
		b.WriteString("witness = true\n")
	}
	for _, n := range s.Hosts {
		if n == h.Name {
			continue
		}
		p := c.Lab.Host(n)
		fmt.Fprintf(&b, "\n[[peer]]\nname = %q\nid = %d\n", p.Name, p.Index)
		if s.Witness == p.Name {
			b.WriteString("witness = true\n")
		}
	}
	for r := 0; r < c.Lab.Rings; r++ {
		fmt.Fprintf(&b, "\n[[link]]\nname = \"ring%d\"\nkind = \"udp\"\nbind = \"%s:%d\"\n[link.peers]\n", r, h.Addr(r), s.Port)
		for _, n := range s.Hosts {
			if n != h.Name {
				fmt.Fprintf(&b, "%s = \"%s:%d\"\n", n, c.Lab.Host(n).Addr(r), s.Port)
			}
		}
	}
	for i, cb := range c.Lab.Cables {
		dev, peer := "", ""
		switch h.Name {
		case cb.A:
			dev, peer = cb.DevA, cb.B
		case cb.B:
			dev, peer = cb.DevB, cb.A
		}
		if dev == "" || !slices.Contains(s.Hosts, peer) {
			continue
		}
		fmt.Fprintf(&b, "\n[[link]]\nname = \"serial%d\"\nkind = \"serial\"\ndevice = %q\nbaud = 115200\npeer = %q\n", i, dev, peer)
	}
	if s.Extra != "" {
		b.WriteString("\n" + s.Extra + "\n")
	}
	if x := s.HostExtra[h.Name]; x != "" {
		b.WriteString(x + "\n")
	}
	return b.String()
}

// Config is the path of host's pacer.toml.
func (c *Cluster) Config(host string) string { return c.configs[host] }

// Socket is host's control socket.
func (c *Cluster) Socket(host string) string {
	return filepath.Join(c.Lab.Host(host).Dir, "pacerd.sock")
}

// Start starts pacerd on host (again, after a kill: same data_dir).
func (c *Cluster) Start(host string) (*Pacerd, error) {
	cfg, ok := c.configs[host]
	if !ok {
		return nil, fmt.Errorf("cluster %s: %q is not a node", c.Name, host)
	}
	p, err := c.Lab.Host(host).StartPacerdEnv(filepath.Join(c.Spec.Bin, "pacerd"), cfg, c.Spec.Env)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.nodes[host] = p
	c.lives[host] = append(c.lives[host], p)
	c.mu.Unlock()
	return p, nil
}

// StartAll starts pacerd on every node.
func (c *Cluster) StartAll() error {
	for _, n := range c.Spec.Hosts {
		if _, err := c.Start(n); err != nil {
			return err
		}
	}
	return nil
}

// Node is the pacerd last started on host (nil if none).
func (c *Cluster) Node(host string) *Pacerd {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nodes[host]
}

// Lives are every pacerd started on host, oldest first.
func (c *Cluster) Lives(host string) []*Pacerd {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*Pacerd(nil), c.lives[host]...)
}

// Nodes are the node names.
func (c *Cluster) Nodes() []string { return append([]string(nil), c.Spec.Hosts...) }

// Kill SIGKILLs pacerd on host and waits for it to end; it returns the
// time just before the signal.
func (c *Cluster) Kill(host string) (time.Time, error) {
	p := c.Node(host)
	if p == nil {
		return time.Time{}, fmt.Errorf("cluster %s: no pacerd on %s", c.Name, host)
	}
	at := time.Now()
	p.Kill(syscall.SIGKILL)
	if _, err := p.Wait(10 * time.Second); err != nil {
		return at, err
	}
	return at, nil
}

// NodeInfo asks host's pacerd over its control socket.
func (c *Cluster) NodeInfo(host string) (control.NodeInfo, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	cl, err := control.Dial(ctx, c.Socket(host))
	if err != nil {
		return control.NodeInfo{}, err
	}
	defer cl.Close()
	return cl.NodeInfo(ctx)
}

// DCs is what each of hosts names as DC ("" for none or no answer).
func (c *Cluster) DCs(hosts []string) map[string]string {
	out, _ := c.dcs(hosts)
	return out
}

// dcs is DCs, and why a host did not answer.
func (c *Cluster) dcs(hosts []string) (map[string]string, map[string]error) {
	out, errs := map[string]string{}, map[string]error{}
	for _, h := range hosts {
		ni, err := c.NodeInfo(h)
		if err == nil {
			out[h] = ni.DC
		} else {
			out[h], errs[h] = "", err
		}
	}
	return out, errs
}

// WaitOneDC polls until every host in hosts names the same DC, one of
// hosts and not the witness, and returns it. timeout is a hang guard.
func (c *Cluster) WaitOneDC(hosts []string, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for {
		dcs, errs := c.dcs(hosts)
		dc, agree := "", true
		for _, h := range hosts {
			if dcs[h] == "" || (dc != "" && dcs[h] != dc) {
				agree = false
				break
			}
			dc = dcs[h]
		}
		if agree && dc != c.Spec.Witness && slices.Contains(hosts, dc) {
			return dc, nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("cluster %s: no single DC among %v within %v: %v (errors %v)", c.Name, hosts, timeout, dcs, errs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// WaitJoined waits until every node in hosts has logged "node joined" for
// every other, at or after since.
func (c *Cluster) WaitJoined(hosts []string, since time.Time, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for _, h := range hosts {
		p := c.Node(h)
		if p == nil {
			return fmt.Errorf("cluster %s: no pacerd on %s", c.Name, h)
		}
		for _, o := range hosts {
			if o == h {
				continue
			}
			if _, err := p.WaitEvent(since, time.Until(deadline), "node joined", map[string]string{"node": o}); err != nil {
				return err
			}
		}
	}
	return nil
}

// FirstEvent is the earliest event msg (fields matching) logged at or after
// since by any of hosts, and the host that logged it.
func (c *Cluster) FirstEvent(hosts []string, since time.Time, msg string, fields map[string]string) (Event, string, bool) {
	var best Event
	who, found := "", false
	for _, h := range hosts {
		p := c.Node(h)
		if p == nil {
			continue
		}
		for _, e := range p.EventsSince(since, msg, fields) {
			if !found || e.TS.Before(best.TS) {
				best, who, found = e, h, true
			}
			break
		}
	}
	return best, who, found
}

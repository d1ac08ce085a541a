package lab

// The two-node DRBD/NFS pair (issue 11) in the lab: hosts n1 and n2 (and a
// witness w in the witness variant), a promotable clone standing for DRBD
// (ocf:pacemaker:Stateful, promotion scores through pacer's crm_* helpers),
// ext4 on the shared loop device (ocf:heartbeat:Filesystem), an NFS server
// in user space (Debian's nfs-ganesha, run by ocf:heartbeat:anything), and
// the service address (ocf:heartbeat:IPaddr2), in the classic
// configuration: the group colocated with the Promoted instance, started
// after the promotion. The client namespace reads and writes files over
// NFSv4 through the service address with libnfs's nfs-cp / nfs-cat / nfs-ls
// (the kernel may have no NFS client; libnfs is one in user space).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"pacer/internal/control"
)

// PairVIP is the pair's service address, on ring0.
const PairVIP = Net + ".0.100"

// The tools the pair needs beyond the lab's: Debian's nfs-ganesha and
// nfs-ganesha-vfs (the server), libnfs-utils (the client), resource-agents
// (Filesystem, IPaddr2, anything) and pacemaker-resource-agents (Stateful).
var pairNeeds = []struct{ path, pkg string }{
	{"/usr/bin/ganesha.nfsd", "nfs-ganesha"},
	{"/usr/lib/x86_64-linux-gnu/ganesha/libfsalvfs.so", "nfs-ganesha-vfs"},
	{"/usr/bin/nfs-cp", "libnfs-utils"},
	{"/usr/lib/ocf/resource.d/heartbeat/Filesystem", "resource-agents"},
	{"/usr/lib/ocf/resource.d/heartbeat/IPaddr2", "resource-agents"},
	{"/usr/lib/ocf/resource.d/heartbeat/anything", "resource-agents"},
	{"/usr/lib/ocf/resource.d/pacemaker/Stateful", "pacemaker-resource-agents"},
}

// PairAvailable reports why the pair cannot run here ("" when it can).
func PairAvailable() string {
	if why := Available(); why != "" {
		return why
	}
	for _, n := range pairNeeds {
		p := n.path
		if strings.Contains(p, "x86_64-linux-gnu") {
			if m, _ := filepath.Glob(strings.Replace(p, "x86_64-linux-gnu", "*", 1)); len(m) > 0 {
				continue
			}
		}
		if _, err := os.Stat(p); err != nil {
			return fmt.Sprintf("the NFS pair needs %s (apt-get install %s)", p, n.pkg)
		}
	}
	for _, tool := range []string{"fuser", "blkid", "timeout"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Sprintf("the NFS pair needs %s in PATH: %v", tool, err)
		}
	}
	return ""
}

// PairSpec is a pair to build.
type PairSpec struct {
	// Name is the lab's name.
	Name string
	// Bin holds pacerd, pacer and pacer-helper.
	Bin string
	// Witness adds host w, running pacerd as a witness; without it the two
	// run in two_node mode, n2 with FenceDelay, so n1 wins a fence race.
	Witness bool
	// FenceDelay is n2's [quorum] fence_delay (two_node only); 0 means 2 s.
	FenceDelay time.Duration
	// Timing is the cluster timing (zero: the lab's Fast).
	Timing ClusterSpec
	Logf   func(format string, args ...any)
}

// Pair is a running pair.
type Pair struct {
	Lab *Lab
	C   *Cluster
	// Nodes are n1 and n2, the hosts that run resources.
	Nodes []string
	// Export is the mount point of the shared filesystem, and the path
	// ganesha exports (pseudo path the same).
	Export string
	// Ganesha is the server's configuration file, the same for both nodes.
	Ganesha string
	logf    func(format string, args ...any)
}

// NewPair builds the lab (hosts, client, a 64 MB shared disk), the
// cluster's configuration files and the helper links, and starts pacerd on
// every host. It configures no resource (Configure does).
func NewPair(spec PairSpec) (*Pair, error) {
	if spec.FenceDelay == 0 {
		spec.FenceDelay = 2 * time.Second
	}
	if spec.Logf == nil {
		spec.Logf = func(string, ...any) {}
	}
	hosts := []string{"n1", "n2"}
	if spec.Witness {
		hosts = append(hosts, "w")
	}
	l, err := New(Spec{Name: spec.Name, Hosts: hosts, Client: true, DiskMB: 64, Logf: spec.Logf})
	if err != nil {
		return nil, err
	}
	p := &Pair{Lab: l, Nodes: []string{"n1", "n2"}, Export: l.MountDir, logf: spec.Logf}
	if err := p.build(spec); err != nil {
		return nil, errors.Join(err, l.Close())
	}
	return p, nil
}

func (p *Pair) build(spec PairSpec) error {
	l := p.Lab
	helpers := filepath.Join(l.Dir, "helpers")
	if out, err := exec.Command(filepath.Join(spec.Bin, "pacer-helper"), "install", helpers).CombinedOutput(); err != nil {
		return fmt.Errorf("pacer-helper install %s: %w: %s", helpers, err, strings.TrimSpace(string(out)))
	}
	cs := spec.Timing
	cs.Bin = spec.Bin
	cs.Env = []string{
		"PACER_HELPER_DIR=" + helpers,
		"PACER_FENCE_AGENT_DIR=" + filepath.Dir(l.FenceAgent),
		"OCF_ROOT=/usr/lib/ocf",
	}
	if spec.Witness {
		cs.Witness = "w"
	} else {
		cs.Extra = "[quorum]\ntwo_node = true\nwait_for_all = true\nfence_action = \"off\"\n"
	}
	c, err := l.NewCluster(cs)
	if err != nil {
		return err
	}
	p.C = c
	if !spec.Witness {
		// fence_delay on n2 only: in a split both ways n1 fences first.
		f, err := os.OpenFile(c.Config("n2"), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(f, "fence_delay = %q\n", spec.FenceDelay.String())
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	// ganesha: NFSv4 only (no rpcbind, no MOUNT protocol), one export of
	// the shared filesystem; its recovery state on that filesystem, so it
	// moves with the service. Graceless: the lab's clients hold no state
	// to reclaim, and a 90 s grace period would block their opens after a
	// failover (see docs/operator-guide.md for production).
	p.Ganesha = filepath.Join(l.Dir, "ganesha.conf")
	conf := fmt.Sprintf(`NFS_CORE_PARAM { Protocols = 4; NFS_Port = 2049; Enable_NLM = false; Enable_RQUOTA = false; }
NFSv4 { Graceless = true; RecoveryBackend = fs; RecoveryRoot = "%[1]s/.ganesha"; }
EXPORT {
	Export_Id = 1; Path = "%[1]s"; Pseudo = "%[1]s";
	Access_Type = RW; Squash = No_Root_Squash; Protocols = 4; Transports = TCP; SecType = sys;
	FSAL { Name = VFS; }
}
LOG { Default_Log_Level = EVENT; }
`, p.Export)
	if err := os.WriteFile(p.Ganesha, []byte(conf), 0o644); err != nil {
		return err
	}
	start := time.Now()
	if err := c.StartAll(); err != nil {
		return err
	}
	if err := c.WaitJoined(c.Nodes(), start, 20*time.Second); err != nil {
		return err
	}
	if _, err := c.WaitOneDC(c.Nodes(), 20*time.Second); err != nil {
		return err
	}
	return nil
}

// Close removes the lab.
func (p *Pair) Close() error { return p.Lab.Close() }

// Config is the pair's configuration, one `pacer configure` command each,
// as an operator would type them (docs/operator-guide.md).
func (p *Pair) Config() [][]string {
	var hm []string
	for _, n := range p.Nodes {
		hm = append(hm, n+":"+NS(p.Lab.Name, n))
	}
	return [][]string{
		{"property", "stonith-enabled=true", "stonith-action=off"},
		{"rsc_defaults", "resource-stickiness=100"},
		{"primitive", "fence-lab", "stonith:fence_pacer_lab", "params",
			"pcmk_host_list=" + strings.Join(p.Nodes, " "), "pcmk_host_map=" + strings.Join(hm, ";"),
			"op", "monitor", "interval=10s"},
		{"primitive", "drbd", "ocf:pacemaker:Stateful",
			"op", "monitor", "interval=1s", "role=Promoted", "timeout=10s",
			"op", "monitor", "interval=2s", "role=Unpromoted", "timeout=10s"},
		// DRBD's classic configuration: an anonymous promotable clone.
		// Each node runs its instance under the primitive's id (drbd),
		// whichever DC placed it, so Stateful's state file (keyed by
		// OCF_RESOURCE_INSTANCE) stays the same across failovers.
		{"clone", "drbd-clone", "drbd", "meta", "promotable=true", "promoted-max=1",
			"promoted-node-max=1", "clone-max=2", "clone-node-max=1"},
		{"primitive", "fs", "ocf:heartbeat:Filesystem", "params", "device=" + p.Lab.Disk,
			"directory=" + p.Export, "fstype=ext4", "op", "monitor", "interval=2s", "timeout=20s"},
		{"primitive", "nfsd", "ocf:heartbeat:anything", "params", "binfile=/usr/bin/ganesha.nfsd",
			"cmdline_options=-F -f " + p.Ganesha + " -L /run/ganesha.log -p /run/ganesha.pid -N NIV_EVENT",
			"stop_timeout=10",
			"op", "monitor", "interval=1s", "timeout=10s"},
		{"primitive", "vip", "ocf:heartbeat:IPaddr2", "params", "ip=" + PairVIP, "cidr_netmask=24",
			"nic=ring0", "op", "monitor", "interval=2s", "timeout=20s"},
		{"group", "nfs", "fs", "nfsd", "vip"},
		{"colocation", "nfs-with-drbd-promoted", "inf:", "nfs", "drbd-clone:Promoted"},
		{"order", "nfs-after-drbd-promote", "Mandatory:", "drbd-clone:promote", "nfs:start"},
	}
}

// ConfigText is Config in crm syntax, one statement a line, as `pacer
// configure load update` reads it.
func (p *Pair) ConfigText() string {
	var b strings.Builder
	for _, args := range p.Config() {
		for i, a := range args {
			if i > 0 {
				b.WriteByte(' ')
			}
			if k, v, ok := strings.Cut(a, "="); ok && strings.ContainsAny(v, " ;") {
				a = k + "=\"" + v + "\""
			}
			b.WriteString(a)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// Configure loads the whole configuration through host's pacerd in one
// change (pacer configure load update), so nothing starts before its
// constraints exist.
func (p *Pair) Configure(host string) error {
	f := filepath.Join(p.Lab.Dir, "nfs-pair.crm")
	if err := os.WriteFile(f, []byte(p.ConfigText()), 0o644); err != nil {
		return err
	}
	_, err := p.Pacer(host, 30*time.Second, "configure", "load", "update", f)
	return err
}

// Pacer runs the pacer CLI against host's control socket (the live
// cluster: CIB_file unset).
func (p *Pair) Pacer(host string, timeout time.Duration, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if len(args) == 0 {
		return "", errors.New("pacer: no command")
	}
	full := append([]string{args[0], "--socket", p.C.Socket(host)}, args[1:]...)
	cmd := exec.CommandContext(ctx, filepath.Join(p.C.Spec.Bin, "pacer"), full...)
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "CIB_file=") && !strings.HasPrefix(e, "PACER_SOCKET=") {
			cmd.Env = append(cmd.Env, e)
		}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("pacer %s (on %s): %w: %s", strings.Join(args, " "), host, err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// PairState is where the pair's pieces are by pacer's status document.
type PairState struct {
	Promoted   []string // nodes where drbd is Promoted
	Unpromoted []string
	Group      map[string][]string // fs, nfsd, vip: their nodes
	DC         string
	Warnings   []string
}

type pairRsc struct {
	ID       string     `json:"id"`
	Kind     string     `json:"kind"`
	Role     string     `json:"role"`
	Nodes    []string   `json:"nodes"`
	Children []*pairRsc `json:"children"`
}

// State asks host's pacerd for the status document.
func (p *Pair) State(host string) (PairState, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	cl, err := control.Dial(ctx, p.C.Socket(host))
	if err != nil {
		return PairState{}, err
	}
	defer cl.Close()
	doc, err := cl.Status(ctx)
	if err != nil {
		return PairState{}, err
	}
	var st struct {
		DC *struct {
			Name string `json:"name"`
		} `json:"dc"`
		Resources []*pairRsc `json:"resources"`
		Warnings  []string   `json:"warnings"`
	}
	if err := json.Unmarshal(doc, &st); err != nil {
		return PairState{}, fmt.Errorf("host %s: status: %w", host, err)
	}
	ps := PairState{Group: map[string][]string{}, Warnings: st.Warnings}
	if st.DC != nil {
		ps.DC = st.DC.Name
	}
	var walk func(rs []*pairRsc, inDRBD bool)
	walk = func(rs []*pairRsc, inDRBD bool) {
		for _, r := range rs {
			d := inDRBD || r.ID == "drbd-clone" || strings.HasPrefix(r.ID, "drbd")
			if r.Kind == "primitive" {
				switch {
				case d && r.Role == "Promoted":
					ps.Promoted = append(ps.Promoted, r.Nodes...)
				case d && (r.Role == "Unpromoted" || r.Role == "Started"):
					ps.Unpromoted = append(ps.Unpromoted, r.Nodes...)
				case !d && r.Role == "Started":
					ps.Group[r.ID] = append(ps.Group[r.ID], r.Nodes...)
				}
			}
			walk(r.Children, d)
		}
	}
	walk(st.Resources, false)
	sort.Strings(ps.Promoted)
	sort.Strings(ps.Unpromoted)
	return ps, nil
}

// Settled reports the node where the service runs when the state is the
// pair's steady one: drbd Promoted there (and only there), fs, nfsd and
// vip started there, and drbd Unpromoted on the peer when want2 (both
// nodes up).
func (ps PairState) Settled(want2 bool) string {
	if len(ps.Promoted) != 1 {
		return ""
	}
	n := ps.Promoted[0]
	for _, r := range []string{"fs", "nfsd", "vip"} {
		if len(ps.Group[r]) != 1 || ps.Group[r][0] != n {
			return ""
		}
	}
	if want2 && (len(ps.Unpromoted) != 1 || ps.Unpromoted[0] == n) {
		return ""
	}
	return n
}

// WaitSettled polls host's status until the pair is settled (Settled) in
// two reads in a row and returns the Primary. timeout is a hang guard.
func (p *Pair) WaitSettled(host string, both bool, timeout time.Duration) (string, error) {
	return p.WaitPrimary(host, "", both, timeout)
}

// WaitPrimary is WaitSettled until the Primary is want ("" for any): after
// a fault, the survivor's status names the old Primary until it has acted.
func (p *Pair) WaitPrimary(host, want string, both bool, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	last := ""
	var ps PairState
	var err error
	for {
		ps, err = p.State(host)
		now := ""
		if err == nil {
			now = ps.Settled(both)
			if want != "" && now != want {
				now = ""
			}
		}
		if now != "" && now == last {
			return now, nil
		}
		last = now
		if time.Now().After(deadline) {
			return "", fmt.Errorf("pair not settled within %v (asked %s): promoted %v unpromoted %v group %v warnings %v err %v",
				timeout, host, ps.Promoted, ps.Unpromoted, ps.Group, ps.Warnings, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Peer is the other resource node.
func (p *Pair) Peer(n string) string {
	if n == p.Nodes[0] {
		return p.Nodes[1]
	}
	return p.Nodes[0]
}

// PrimaryHolders lists the hosts where Stateful's own state file (in the
// host's private /run) says Promoted: looked at inside each namespace, not
// asked of pacerd.
func (l *Lab) PrimaryHolders() ([]string, error) {
	var out []string
	for _, h := range l.Hosts {
		pid := h.HolderPid()
		if pid == 0 {
			continue
		}
		files, _ := filepath.Glob(fmt.Sprintf("/proc/%d/root/run/Stateful-*.state", pid))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				continue // gone meanwhile (demoted, stopped, powered off)
			}
			if strings.TrimSpace(string(b)) == "Promoted" {
				out = append(out, h.Name)
				break
			}
		}
	}
	return out, nil
}

// ExclusivePrimary is the invariant "at most one Primary".
func (l *Lab) ExclusivePrimary() Exclusive {
	return Exclusive{Name: "drbd Primary", Holders: l.PrimaryHolders}
}

// ExclusiveProcess is the invariant "comm runs on at most one host".
func (l *Lab) ExclusiveProcess(comm string) Exclusive {
	return Exclusive{Name: "process " + comm, Holders: func() ([]string, error) { return l.ProcessHosts(comm) }}
}

// Watch samples every invariant of the pair: one Primary, the disk mounted
// once, the service address and the NFS server on one host.
func (p *Pair) Watch(interval time.Duration) *Watcher {
	l := p.Lab
	return Watch(interval, l.ExclusivePrimary(), l.ExclusiveMount(), l.ExclusiveAddr(PairVIP), l.ExclusiveProcess("ganesha.nfsd"))
}

// nfsURL is the URL of name in the export, through the service address.
func (p *Pair) nfsURL(name string) string {
	return "nfs://" + PairVIP + p.Export + "/" + name + "?version=4"
}

// clientRun runs a libnfs tool in the client namespace, bounded by
// timeout (coreutils timeout: a connect to an address nobody holds would
// wait for TCP's own timeout).
func (p *Pair) clientRun(timeout time.Duration, tool string, args ...string) (string, error) {
	secs := fmt.Sprintf("%.3f", timeout.Seconds())
	cmd := exec.Command("ip", append([]string{"netns", "exec", p.Lab.Client, "timeout", "-s", "KILL", secs, tool}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("client: %s %s: %w: %s", tool, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// NFSWrite writes content to name on the export over NFS from the client.
func (p *Pair) NFSWrite(name, content string, timeout time.Duration) error {
	f, err := os.CreateTemp(p.Lab.Dir, "nfs-write-")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		return err
	}
	f.Close()
	_, err = p.clientRun(timeout, "nfs-cp", f.Name(), p.nfsURL(name))
	return err
}

// NFSRead reads name from the export over NFS from the client.
func (p *Pair) NFSRead(name string, timeout time.Duration) (string, error) {
	return p.clientRun(timeout, "nfs-cat", p.nfsURL(name))
}

// NFSList lists the names in the export's directory dir over NFS.
func (p *Pair) NFSList(dir string, timeout time.Duration) ([]string, error) {
	out, err := p.clientRun(timeout, "nfs-ls", p.nfsURL(dir))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) > 0 {
			names = append(names, f[len(f)-1])
		}
	}
	return names, nil
}

// Ack is one write the NFS server acknowledged.
type Ack struct {
	Name      string // the file written
	Seq       int
	Sent, Got time.Time
}

// Writer writes files prefix-<seq> over NFS from the client, one after the
// other, and records the ones acknowledged (nfs-cp exited 0).
type Writer struct {
	p    *Pair
	stop chan struct{}
	done chan struct{}
	mu   sync.Mutex
	acks []Ack
	errs int
	// lastErr is the last failure and when its write was sent.
	lastErr             error
	firstFail, lastFail time.Time
}

// WriterContent is what the writer puts in file seq.
func WriterContent(seq int) string { return fmt.Sprintf("pacer pair write %d\n", seq) }

// StartWriter starts the writer; its files are named prefix-<seq> (each
// writer its own prefix: nfs-cp creates exclusively).
func (p *Pair) StartWriter(prefix string, interval, opTimeout time.Duration) *Writer {
	w := &Writer{p: p, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for seq := 1; ; seq++ {
			sent := time.Now()
			name := fmt.Sprintf("%s-%d", prefix, seq)
			err := p.NFSWrite(name, WriterContent(seq), opTimeout)
			w.mu.Lock()
			if err == nil {
				w.acks = append(w.acks, Ack{Name: name, Seq: seq, Sent: sent, Got: time.Now()})
			} else {
				w.errs++
				w.lastErr, w.lastFail = err, sent
				if w.firstFail.IsZero() {
					w.firstFail = sent
				}
			}
			w.mu.Unlock()
			select {
			case <-w.stop:
				return
			case <-time.After(interval):
			}
		}
	}()
	return w
}

// Acks is every acknowledged write so far.
func (w *Writer) Acks() []Ack {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Ack(nil), w.acks...)
}

// Failures are the failed writes' count, the first and last one's send
// times and the last error.
func (w *Writer) Failures() (int, time.Time, time.Time, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.errs, w.firstFail, w.lastFail, w.lastErr
}

// Stop ends the writer and returns the acknowledged writes and the number
// of failed ones.
func (w *Writer) Stop() ([]Ack, int) {
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Ack(nil), w.acks...), w.errs
}

// FirstNFS polls the export (one nfs-ls of the root every interval, each
// bounded by opTimeout) until one succeeds, and returns when it finished.
// timeout is a hang guard.
func (p *Pair) FirstNFS(interval, opTimeout, timeout time.Duration) (time.Time, error) {
	deadline := time.Now().Add(timeout)
	for {
		if _, err := p.clientRun(opTimeout, "nfs-ls", p.nfsURL("")); err == nil {
			return time.Now(), nil
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("no NFS answer through %s within %v", PairVIP, timeout)
		}
		time.Sleep(interval)
	}
}

// Reboot powers host on after a power-off (the lab's fencing uses
// stonith-action off) and starts pacerd on it again, as an operator
// bringing the repaired machine back.
func (p *Pair) Reboot(host string) error {
	h := p.Lab.Host(host)
	if h.HolderPid() == 0 {
		// A machine that boots has only its own configured addresses:
		// the service address it held when it lost power is not one.
		// (Deleting an address that is not there fails; that is fine.)
		_ = ipn(h.NS, "addr", "del", PairVIP+"/24", "dev", "ring0")
		if err := h.PowerOn(); err != nil {
			return err
		}
	}
	if n := p.C.Node(host); n == nil || n.Exited() {
		if _, err := p.C.Start(host); err != nil {
			return err
		}
	}
	return nil
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"pacer/internal/control"
)

// options are what `make demo` (or the test) passes in.
type options struct {
	bin       string    // directory with pacer and pacerd
	agents    string    // the repository's agents/scripts
	out       io.Writer // where the demo talks
	loopback  bool      // do not try network namespaces
	keep      bool      // keep the work directory (logs) after the demo
	ipaddr2   string    // the IPaddr2 agent to look for (tests point it elsewhere)
	shellfunc string    // resource-agents' ocf-shellfuncs
}

// result is what the demo measured, for the test to check.
type result struct {
	mode       string // "netns" or "loopback"
	vipAgent   string // ocf:heartbeat:IPaddr2, or ocf:pacer:Dummy without it
	victim     string // the node that ran the group and was killed
	survivor   string // where the group runs afterwards
	killed     time.Time
	dead       event // first "node declared dead" of the victim
	fenced     event // "fencing succeeded" of the victim (netns mode)
	newDC      event // "became DC" after the kill, when the victim was the DC
	vipInit    event // the DC's "action initiated" of the VIP's start on the survivor
	vipStarted event // the VIP's start on the survivor
	appStarted event
	holders    []string // hosts with the VIP on an up link, after the failover
	pids       []int    // the pacerd processes the demo started

	// The VIP watcher's figures (IPaddr2 only).
	vipSamples, vipMaxHosts int
	vipBack                 time.Time // first sample with the VIP on another host
	workDir                 string
}

// The cluster's nodes. Three, so that two survivors keep a quorum.
var nodes = []string{"alpha", "bravo", "charlie"}

// Timers: faster than pacerd's defaults (keepalive 500ms, deadtime 3s) so
// the demo fits in its two minutes, and the same order as the lab's.
const (
	keepalive = "200ms"
	warntime  = "600ms"
	deadtime  = "1s"
	initdead  = "3s"
	budget    = 100 * time.Second // for the run; the cleanup takes a few seconds more
	raftTOML  = "[raft]\ntick = \"50ms\"\nelection_ticks = 10\nheartbeat_ticks = 1\n"
)

type demo struct {
	ctx   context.Context
	opt   options
	res   result
	work  string
	procs map[string]*exec.Cmd // pacerd per node
	exit  map[string]chan struct{}
}

func (d *demo) say(format string, args ...any) { fmt.Fprintf(d.opt.out, format+"\n", args...) }
func (d *demo) step(format string, args ...any) {
	fmt.Fprintf(d.opt.out, "\n== %s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}
func (d *demo) logPath(n string) string  { return filepath.Join(d.work, n, "pacerd.log") }
func (d *demo) sockPath(n string) string { return filepath.Join(d.work, n, "pacerd.sock") }
func (d *demo) netns() bool              { return d.res.mode == "netns" }

// runDemo is the whole demo. Everything it creates (namespaces, veths,
// the bridge, processes, the work directory) is removed before it
// returns, whether it succeeds, fails or ctx is cancelled (Ctrl-C).
func runDemo(ctx context.Context, opt options) (res result, err error) {
	start := time.Now()
	// The demo's promise is two minutes in all; a step that hangs ends
	// the run (and the cleanup follows) rather than the other way round.
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	d := &demo{ctx: ctx, opt: opt, procs: map[string]*exec.Cmd{}, exit: map[string]chan struct{}{}}
	unlock, err := lock()
	if err != nil {
		return result{}, err
	}
	defer unlock()

	if err := mayUseControlSocket(); err != nil {
		return result{}, err
	}
	d.res.mode = "netns"
	if opt.loopback {
		d.res.mode = "loopback"
	} else if err := canNetns(); err != nil {
		d.res.mode = "loopback"
		d.say("!! cannot create network namespaces (%v):", err)
		d.say("!! running on loopback instead: three pacerd on 127.0.0.1, Dummy resources")
		d.say("!! and no fencing (the lab fence agent powers off namespaces). Run it where")
		d.say("!! `ip netns add` works (a container needs CAP_SYS_ADMIN) to see the VIP and")
		d.say("!! the fencing.")
	}

	if d.work, err = os.MkdirTemp("", "pacer-demo-"); err != nil {
		return result{}, err
	}
	d.res.workDir = d.work
	defer func() {
		if cerr := d.cleanup(); cerr != nil {
			err = errors.Join(err, cerr)
		}
		what := "pacerd processes"
		if d.netns() {
			what = "processes, namespaces, veths, bridge"
		}
		if opt.keep {
			what += "; logs kept in " + d.work
		} else {
			what += ", work directory"
		}
		d.say("\n== cleaned up: %s (%.1f s in all)", what, time.Since(start).Seconds())
	}()
	if d.netns() {
		// A crashed run may have left namespaces behind; we hold the
		// lock, so they are no one else's.
		if err := removeNamespaces(); err != nil {
			return d.res, fmt.Errorf("remove an earlier demo's namespaces: %w", err)
		}
		if err := buildLAN(nodes); err != nil {
			return d.res, err
		}
	}
	if err := d.startCluster(); err != nil {
		return d.res, err
	}
	if err := d.configure(); err != nil {
		return d.res, err
	}
	if err := d.showRunning(); err != nil {
		return d.res, err
	}
	if err := d.failover(); err != nil {
		return d.res, err
	}
	return d.res, nil
}

// mayUseControlSocket tells whether pacer may talk to the demo's pacerd:
// their control sockets admit only root and the group haclient, as on a
// real node.
func mayUseControlSocket() error {
	if os.Geteuid() == 0 {
		return nil
	}
	if g, err := user.LookupGroup("haclient"); err == nil {
		gids, _ := os.Getgroups()
		for _, gid := range append(gids, os.Getegid()) {
			if strconv.Itoa(gid) == g.Gid {
				return nil
			}
		}
	}
	return errors.New("run make demo as root: pacerd's control socket admits only root and the group haclient (and the network namespaces need root)")
}

// lock makes sure one demo runs at a time on the machine: the demo's
// namespace names and addresses are fixed. One lock per user: only root
// makes namespaces, and another user's lock file could not be opened.
func lock() (func(), error) {
	path := filepath.Join(os.TempDir(), fmt.Sprintf("pacer-demo-%d.lock", os.Geteuid()))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("demo lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("another pacer demo is running (lock %s held): %w", path, err)
	}
	return func() { f.Close() }, nil
}

// startCluster writes the authkey, an OCF root and one pacer.toml per
// node, and starts the three pacerd.
func (d *demo) startCluster() error {
	pacer := filepath.Join(d.opt.bin, "pacer")
	key := filepath.Join(d.work, "authkey")
	if _, err := run(pacer, "keygen", "--authkey", key); err != nil {
		return err
	}
	if err := d.ocfRoot(); err != nil {
		return err
	}
	addrs := make([]string, len(nodes))
	for i := range nodes {
		if d.netns() {
			addrs[i] = hostIP(i) + ":5405"
		} else {
			p, err := freeUDPPort()
			if err != nil {
				return err
			}
			addrs[i] = fmt.Sprintf("127.0.0.1:%d", p)
		}
	}
	for i, n := range nodes {
		if err := os.MkdirAll(filepath.Join(d.work, n, "rsctmp"), 0o755); err != nil {
			return err
		}
		var b strings.Builder
		fmt.Fprintf(&b, "cluster = \"demo\"\nkeepalive = %q\nwarntime = %q\ndeadtime = %q\ninitdead = %q\n", keepalive, warntime, deadtime, initdead)
		fmt.Fprintf(&b, "authkey = %q\ndata_dir = %q\nsocket = %q\n", key, filepath.Join(d.work, n, "data"), d.sockPath(n))
		fmt.Fprintf(&b, "[log]\nformat = \"json\"\nlevel = \"info\"\n[node]\nname = %q\nid = %d\n", n, i+1)
		for j, p := range nodes {
			if j != i {
				fmt.Fprintf(&b, "[[peer]]\nname = %q\nid = %d\n", p, j+1)
			}
		}
		fmt.Fprintf(&b, "[[link]]\nname = \"ring0\"\nkind = \"udp\"\nbind = %q\n[link.peers]\n", addrs[i])
		for j, p := range nodes {
			if j != i {
				fmt.Fprintf(&b, "%s = %q\n", p, addrs[j])
			}
		}
		b.WriteString(raftTOML)
		if err := os.WriteFile(filepath.Join(d.work, n, "pacer.toml"), []byte(b.String()), 0o644); err != nil {
			return err
		}
	}

	where := "on loopback"
	if d.netns() {
		where = "in network namespaces pacer-demo-{" + strings.Join(nodes, ",") + "} on bridge " + bridge + " (" + subnet + ".0/24)"
	}
	d.step("starting %s %s", strings.Join(nodes, ", "), where)
	d.say("   timers: keepalive %s, deadtime %s, raft election timeout 0.5-1 s; logs in %s/<node>/pacerd.log", keepalive, deadtime, d.work)
	for i, n := range nodes {
		if err := d.startNode(n); err != nil {
			return err
		}
		d.say("   %-8s %s  pid %d", n, addrs[i], d.procs[n].Process.Pid)
		d.res.pids = append(d.res.pids, d.procs[n].Process.Pid)
	}

	// The DC is the raft leader; it probes every node (the join) before
	// it plans anything.
	ev, err := d.waitFor(nodes, 20*time.Second, match{logger: "coordinator", msg: "became DC"})
	if err != nil {
		return err
	}
	dc := ev.Node
	for _, n := range nodes {
		if _, err := d.waitFor([]string{dc}, 20*time.Second, match{logger: "coordinator", msg: "node joined", fields: map[string]string{"node": n}}); err != nil {
			return err
		}
	}
	d.say("   %s is the DC; every node has joined", dc)
	return nil
}

// ocfRoot makes an OCF root for the agents: the shipped Dummy as
// ocf:pacer:Dummy and, when resource-agents is installed, its heartbeat
// agents (IPaddr2) and the shell functions they source. Nothing is
// installed on the machine.
func (d *demo) ocfRoot() error {
	root := filepath.Join(d.work, "ocf")
	if err := os.MkdirAll(filepath.Join(root, "resource.d", "pacer"), 0o755); err != nil {
		return err
	}
	dummy, err := filepath.Abs(filepath.Join(d.opt.agents, "ocf", "pacer", "Dummy"))
	if err != nil {
		return err
	}
	if _, err := os.Stat(dummy); err != nil {
		return fmt.Errorf("the shipped Dummy agent: %w", err)
	}
	if err := os.Symlink(dummy, filepath.Join(root, "resource.d", "pacer", "Dummy")); err != nil {
		return err
	}
	d.res.vipAgent = "ocf:pacer:Dummy"
	if !d.netns() {
		return nil
	}
	_, errRA := os.Stat(d.opt.ipaddr2)
	_, errSF := os.Stat(d.opt.shellfunc)
	if errRA != nil || errSF != nil {
		d.say("!! %s not found: Debian's resource-agents is not installed.", d.opt.ipaddr2)
		d.say("!! To see a real VIP: apt-get install resource-agents, then make demo again.")
		d.say("!! This run uses ocf:pacer:Dummy in the VIP's place.")
		return nil
	}
	// heartbeat/ holds IPaddr2; lib/heartbeat the ocf-shellfuncs it
	// sources from $OCF_ROOT/lib/heartbeat.
	for link, target := range map[string]string{
		filepath.Join(root, "resource.d", "heartbeat"): filepath.Dir(d.opt.ipaddr2),
		filepath.Join(root, "lib"):                     filepath.Dir(filepath.Dir(d.opt.shellfunc)),
	} {
		if err := os.Symlink(target, link); err != nil {
			return err
		}
	}
	d.res.vipAgent = "ocf:heartbeat:IPaddr2"
	return nil
}

// startNode starts pacerd for node n, in its namespace when there is one
// (ip netns exec replaces itself with pacerd, so the pid is pacerd's).
// Its JSON log goes to a file the demo reads its times from.
func (d *demo) startNode(n string) error {
	pacerd := filepath.Join(d.opt.bin, "pacerd")
	args := []string{pacerd, "--config", filepath.Join(d.work, n, "pacer.toml"), "--log-format", "json"}
	if d.netns() {
		args = append([]string{"ip", "netns", "exec", hostNS(n)}, args...)
	}
	log, err := os.Create(d.logPath(n))
	if err != nil {
		return err
	}
	cmd := exec.Command(args[0], args[1:]...)
	fence, err := filepath.Abs(filepath.Join(d.opt.agents, "fence"))
	if err != nil {
		return err
	}
	cmd.Env = append(os.Environ(),
		"OCF_ROOT="+filepath.Join(d.work, "ocf"),
		// Each node's agents keep their state apart (Dummy's state file,
		// IPaddr2's send_arp pid), as on separate machines.
		"HA_RSCTMP="+filepath.Join(d.work, n, "rsctmp"),
		"PACER_FENCE_AGENT_DIR="+fence)
	cmd.Stderr = log
	cmd.Stdout = log
	// pacerd dies with the demo even if the demo itself is SIGKILLed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("start pacerd %s: %w", n, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); log.Close(); close(done) }()
	d.procs[n], d.exit[n] = cmd, done
	return nil
}

// cleanup stops every pacerd the demo started (by pid) and removes the
// namespaces, which takes their veths, the bridge and every process left
// in them (agents' children such as send_arp), then the work directory.
func (d *demo) cleanup() error {
	for n, cmd := range d.procs {
		_ = cmd.Process.Kill()
		select {
		case <-d.exit[n]:
		case <-time.After(5 * time.Second):
		}
	}
	var err error
	if d.netns() {
		err = removeNamespaces()
	}
	if !d.opt.keep && d.work != "" {
		err = errors.Join(err, os.RemoveAll(d.work))
	}
	return err
}

func freeUDPPort() (int, error) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port, nil
}

// configure gives the cluster its resources with `pacer configure`
// commands, as an operator would type them.
func (d *demo) configure() error {
	var cmds [][]string
	if d.netns() {
		// The fence device powers hosts off through fence_pacer_lab. Its
		// plug is the host's namespace, so pcmk_host_map maps node names
		// to plugs. stonith-action=off: a fenced host stays off, as a
		// machine whose power was cut (after a lab "reboot" its links
		// would come back up with the old VIP still configured, which a
		// real reboot would not do).
		var hm []string
		for _, n := range nodes {
			hm = append(hm, n+":"+hostNS(n))
		}
		cmds = append(cmds,
			[]string{"property", "stonith-enabled=true", "stonith-action=off"},
			[]string{"primitive", "fence-lab", "stonith:fence_pacer_lab", "params",
				"pcmk_host_list=" + strings.Join(nodes, " "), "pcmk_host_map=" + strings.Join(hm, ";"),
				"op", "monitor", "interval=10s"})
	} else {
		// Without namespaces there is nothing the lab fence agent can
		// power off; the demo says so and runs without fencing.
		cmds = append(cmds, []string{"property", "stonith-enabled=false"})
	}
	if d.res.vipAgent == "ocf:heartbeat:IPaddr2" {
		cmds = append(cmds, []string{"primitive", "vip", "ocf:heartbeat:IPaddr2", "params",
			"ip=" + vipAddr, "cidr_netmask=24", "nic=eth0", "op", "monitor", "interval=2s", "timeout=20s"})
	} else {
		cmds = append(cmds, []string{"primitive", "vip", "ocf:pacer:Dummy", "op", "monitor", "interval=2s", "timeout=20s"})
	}
	cmds = append(cmds,
		[]string{"primitive", "app", "ocf:pacer:Dummy", "op", "monitor", "interval=2s", "timeout=20s"},
		// A group: vip then app, on one node, started in order.
		[]string{"group", "web", "vip", "app"})

	pacer := filepath.Join(d.opt.bin, "pacer")
	sock := d.sockPath(nodes[0])
	d.step("configuring the cluster with pacer configure (through %s's control socket)", nodes[0])
	// Each command is one change of the live CIB: pacer reads the CIB
	// through pacerd, applies the statement, validates it and writes it
	// back; the DC re-plans after each (vip may start before the group
	// exists, app then joins it).
	for _, c := range cmds {
		d.say("   $ pacer configure %s", shellQuote(c))
		cmd := exec.Command(pacer, append([]string{"configure", "--socket", sock}, c...)...)
		// An operator's CIB_file would send the change to a file instead.
		cmd.Env = withoutEnv(os.Environ(), "CIB_file")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("pacer configure %s: %v: %s", shellQuote(c), err, strings.TrimSpace(string(out)))
		}
	}
	return nil
}

// placement asks pacerd (status over the control socket) where each of
// the resources runs: its node when started on exactly one, "" otherwise;
// a resource not started at all is an error.
func (d *demo) placement(ids []string) (map[string]string, error) {
	ctx, cancel := context.WithTimeout(d.ctx, 5*time.Second)
	defer cancel()
	c, err := control.Dial(ctx, d.sockPath(nodes[0]))
	if err != nil {
		return nil, err
	}
	defer c.Close()
	doc, err := c.Status(ctx)
	if err != nil {
		return nil, err
	}
	type rsc struct {
		ID       string   `json:"id"`
		Role     string   `json:"role"`
		Nodes    []string `json:"nodes"`
		Children []*rsc   `json:"children"`
	}
	var st struct {
		Resources []*rsc `json:"resources"`
	}
	if err := json.Unmarshal(doc, &st); err != nil {
		return nil, fmt.Errorf("status: %w", err)
	}
	where := map[string]string{}
	var walk func([]*rsc)
	walk = func(rs []*rsc) {
		for _, r := range rs {
			if r.Role == "Started" && len(r.Nodes) == 1 {
				where[r.ID] = r.Nodes[0]
			}
			walk(r.Children)
		}
	}
	walk(st.Resources)
	for _, id := range ids {
		if where[id] == "" {
			return where, fmt.Errorf("%s is not started on one node", id)
		}
	}
	return where, nil
}

// roundDuration shortens a logged duration ("1.00352606s") to
// milliseconds; what does not parse is shown as it is.
func roundDuration(s string) string {
	if d, err := time.ParseDuration(s); err == nil {
		return d.Round(time.Millisecond).String()
	}
	return s
}

func withoutEnv(env []string, key string) []string {
	var out []string
	for _, e := range env {
		if !strings.HasPrefix(e, key+"=") {
			out = append(out, e)
		}
	}
	return out
}

// shellQuote prints args as one would type them.
func shellQuote(args []string) string {
	var out []string
	for _, a := range args {
		if strings.ContainsAny(a, " ;\"'$") {
			if k, v, ok := strings.Cut(a, "="); ok {
				a = k + "=\"" + v + "\""
			} else {
				a = "\"" + a + "\""
			}
		}
		out = append(out, a)
	}
	return strings.Join(out, " ")
}

// status prints `pacer status` as asked from node n's socket.
func (d *demo) status(n string) {
	cmd := exec.Command(filepath.Join(d.opt.bin, "pacer"), "status", "--socket", d.sockPath(n))
	out, err := cmd.CombinedOutput()
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		d.say("   %s", line)
	}
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 2) {
		d.say("   (pacer status: %v)", err)
	}
}

// showRunning waits for the group to run, shows pacer status, and checks
// inside the namespaces where the VIP is.
func (d *demo) showRunning() error {
	// Settled: vip and app started together on one node (and the fence
	// device started) in two status reads half a second apart, and app's
	// first monitor there came back: the group is up and watched.
	want := []string{"vip", "app"}
	if d.netns() {
		want = append(want, "fence-lab")
	}
	deadline := time.Now().Add(40 * time.Second)
	last := ""
	for {
		where, err := d.placement(want)
		if err == nil && where["vip"] != "" && where["vip"] == where["app"] && where["vip"] == last {
			if _, ok := d.find(nodes, match{logger: "coordinator", msg: "action result",
				fields: map[string]string{"rsc": "app", "op": "monitor", "rc": "0", "node": last}}); ok {
				break
			}
		}
		if err == nil {
			last = where["vip"]
			if where["app"] != last {
				last = ""
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the group did not settle on one node within 40s (last placement %v, %v)", where, err)
		}
		select {
		case <-d.ctx.Done():
			return d.ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	d.res.victim = last
	d.step("group web runs on %s: pacer status", d.res.victim)
	d.status(d.res.victim)
	if d.res.vipAgent == "ocf:heartbeat:IPaddr2" {
		holders, err := addrHolders(nodes, vipAddr)
		if err != nil {
			return err
		}
		d.say("   VIP %s, seen from inside the namespaces: on %s; ping from the LAN: %s", vipAddr, strings.Join(holders, " "), pingFromLAN(vipAddr))
		if len(holders) != 1 || holders[0] != d.res.victim {
			return fmt.Errorf("VIP %s is on [%s], want exactly %s", vipAddr, strings.Join(holders, " "), d.res.victim)
		}
	}
	return nil
}

// failover kills the node that runs the group and follows the cluster's
// answer in the logs.
func (d *demo) failover() error {
	v := d.res.victim
	var survivors []string
	for _, n := range nodes {
		if n != v {
			survivors = append(survivors, n)
		}
	}
	var watch *vipWatch
	if d.res.vipAgent == "ocf:heartbeat:IPaddr2" {
		watch = watchVIP(nodes, v, 20*time.Millisecond)
		defer func() {
			if watch != nil {
				_ = watch.Stop()
			}
		}()
	}
	if d.netns() {
		d.step("powering %s off: fence_pacer_lab action=off plug=%s (its link goes down, every process in it is killed)", v, hostNS(v))
		d.res.killed = time.Now()
		out, err := powerOff(filepath.Join(d.opt.agents, "fence", "fence_pacer_lab"), v)
		if err != nil {
			return err
		}
		d.say("   %s", out)
	} else {
		d.step("killing %s's pacerd (SIGKILL, pid %d)", v, d.procs[v].Process.Pid)
		d.res.killed = time.Now()
		_ = d.procs[v].Process.Kill()
	}
	after := d.res.killed
	var err error
	if d.res.dead, err = d.waitFor(survivors, 20*time.Second, match{logger: "membership", msg: "node declared dead", fields: map[string]string{"node": v}, after: after}); err != nil {
		return err
	}
	if d.netns() {
		if d.res.fenced, err = d.waitFor(survivors, 30*time.Second, match{logger: "coordinator", msg: "fencing succeeded", fields: map[string]string{"node": v}, after: after}); err != nil {
			return err
		}
	}
	started := map[string]string{"op": "start", "rc": "0", "node": "!" + v}
	started["rsc"] = "vip"
	if d.res.vipStarted, err = d.waitFor(survivors, 30*time.Second, match{logger: "coordinator", msg: "action result", fields: started, after: after}); err != nil {
		return err
	}
	d.res.survivor = d.res.vipStarted.Str("node")
	initiated := map[string]string{"op": "start", "node": d.res.survivor, "rsc": "vip"}
	if d.res.vipInit, err = d.waitFor(survivors, time.Second, match{logger: "coordinator", msg: "action initiated", fields: initiated, after: after}); err != nil {
		return err
	}
	d.res.newDC, _ = d.find(survivors, match{logger: "coordinator", msg: "became DC", after: after})
	app := map[string]string{"op": "start", "rc": "0", "node": d.res.survivor, "rsc": "app"}
	if d.res.appStarted, err = d.waitFor(survivors, 30*time.Second, match{logger: "coordinator", msg: "action result", fields: app, after: after}); err != nil {
		return err
	}

	d.step("what the survivors logged (pacerd's JSON logs)")
	var logged []event
	for _, m := range []match{
		{logger: "membership", msg: "node declared dead", fields: map[string]string{"node": v}},
		{logger: "coordinator", msg: "became DC"},
		{logger: "coordinator", msg: "node lost", fields: map[string]string{"node": v}},
		{logger: "coordinator", msg: "fencing requested", fields: map[string]string{"node": v}},
		{logger: "coordinator", msg: "fencing succeeded", fields: map[string]string{"node": v}},
		{logger: "coordinator", msg: "action initiated", fields: map[string]string{"rsc": "vip", "op": "start"}},
		{logger: "coordinator", msg: "action result", fields: map[string]string{"rsc": "vip", "op": "start"}},
		{logger: "coordinator", msg: "action result", fields: map[string]string{"rsc": "app", "op": "start"}},
	} {
		m.after = after
		if e, ok := d.find(survivors, m); ok {
			logged = append(logged, e)
		}
	}
	// in the order they happened (the DC may be elected before another
	// survivor declares the old one dead)
	sort.SliceStable(logged, func(i, j int) bool { return logged[i].TS.Before(logged[j].TS) })
	for _, e := range logged {
		d.say("   %s", e.line())
	}

	// The VIP watcher runs a little longer, so that it sees the VIP
	// where the log says it is; it is stopped before the timeline is
	// printed because its first sighting on the survivor is a line of it.
	var w vipWatch
	if watch != nil {
		time.Sleep(100 * time.Millisecond)
		err := watch.Stop()
		w, watch = *watch, nil
		if err != nil {
			return fmt.Errorf("watching the VIP: %w", err)
		}
		d.res.vipSamples, d.res.vipMaxHosts, d.res.vipBack = w.samples, w.maxHosts, w.back
	}

	d.step("failover timeline, from the logs' timestamps")
	type entry struct {
		at   time.Time
		text string
	}
	kill := "power-off of " + v
	if !d.netns() {
		kill = "SIGKILL of " + v + "'s pacerd"
	}
	tl := []entry{
		{d.res.killed, kill},
		{d.res.dead.TS, fmt.Sprintf("%s declared %s dead (deadtime %s)", d.res.dead.Node, v, deadtime)},
		{d.res.vipStarted.TS, fmt.Sprintf("vip start on %s reported (the operation took %s)", d.res.survivor, roundDuration(d.res.vipStarted.Str("duration")))},
		{d.res.appStarted.TS, fmt.Sprintf("app started on %s: the group is back", d.res.survivor)},
	}
	if d.res.newDC.Node != "" {
		tl = append(tl, entry{d.res.newDC.TS, fmt.Sprintf("%s became DC (%s was the DC)", d.res.newDC.Node, v)})
	}
	if d.netns() {
		tl = append(tl, entry{d.res.fenced.TS, fmt.Sprintf("%s: fencing of %s succeeded (%s)", d.res.fenced.Node, v, d.res.fenced.Str("devices"))})
	}
	if !w.back.IsZero() {
		tl = append(tl, entry{w.back, fmt.Sprintf("VIP up on %s, seen from inside its namespace", w.backOn)})
	}
	sort.SliceStable(tl, func(i, j int) bool { return tl[i].at.Before(tl[j].at) })
	for _, e := range tl {
		d.say("   +%6.3f s  %s", e.at.Sub(d.res.killed).Seconds(), e.text)
	}
	if w.samples > 0 {
		twice := "never"
		if !w.double.IsZero() {
			twice = fmt.Sprintf("AT +%.3f s", w.double.Sub(d.res.killed).Seconds())
		}
		d.say("   The VIP, sampled %d times every 20 ms inside the namespaces, was on two hosts: %s.", w.samples, twice)
	}
	d.say("   (the power-off and the VIP sightings are the demo's own clock; the others are")
	d.say("   the ts fields of pacerd's JSON log lines, on the same machine's clock)")
	if !d.netns() {
		d.say("   Without fencing nothing made sure %s's resources stopped: its Dummy state", v)
		d.say("   files are still there. That is what the fencing in the namespace demo is for.")
	}

	d.step("after the failover: pacer status on %s", d.res.survivor)
	d.status(d.res.survivor)
	if d.res.vipAgent == "ocf:heartbeat:IPaddr2" {
		if d.res.holders, err = addrHolders(nodes, vipAddr); err != nil {
			return err
		}
		d.say("   VIP %s, seen from inside the namespaces: on %s; ping from the LAN: %s", vipAddr, strings.Join(d.res.holders, " "), pingFromLAN(vipAddr))
		if len(d.res.holders) != 1 || d.res.holders[0] != d.res.survivor {
			return fmt.Errorf("after the failover VIP %s is on [%s], want exactly %s", vipAddr, strings.Join(d.res.holders, " "), d.res.survivor)
		}
	}
	return nil
}

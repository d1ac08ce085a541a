// Command failover is pacer's failover benchmark in the lab (make
// bench-failover runs it through test/bench/failover.sh, as root).
//
//	failover run -bin DIR [-runs 10] [-configs 3n,2n+w,3n-default] [-faults kill,poweroff] -out FILE
//	failover report [-pacer FILE]... [-peer results.txt]...
//
// run builds a lab per configuration (test/lab), starts one pacerd per
// host with the lab's agents and configures, through `pacer configure`
// as an operator would, the lab fence device (stonith:fence_pacer_lab,
// stonith-action=off) and an ocf:heartbeat:IPaddr2 service address. Every
// host runs the lab's UDP responder on :7777, outside the cluster, as in
// the peers' scripts: it answers from whatever address it is asked on, so
// the service answers from the host that holds the VIP, and the figure is
// the VIP's move alone, as it is for the peers.
//
// Per run the VIP is put on the DC (the worst case: a new DC must be
// elected before anything is scheduled), a prober in the client namespace
// sends to the VIP every 10 ms, and the fault is injected on that node,
// stamped just before. takeover = fault to the first answer from another
// node; gap = the longest silence between two answers from 1 s before the
// fault on (../shared/peers/README.md). The survivors' JSON logs give the
// timeline: "node declared dead", the new DC's "elected DC", "fencing
// succeeded", the VIP's start initiated and its result. A run where the
// VIP started, or answered, elsewhere before the victim was fenced is an
// error. The victim is healed (powered on, pacerd started), rejoins, and
// the next run starts once the VIP is settled.
//
// report prints pacer's figures and the peers' (results.txt of
// ../shared/peers/*-failover.sh) in one table, min/median/max, and
// pacer's log timeline in a second.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	pacerconfig "pacer/internal/config"
	"pacer/test/lab"
)

// config is one cluster shape and timing.
type config struct {
	name, desc string
	hosts      []string
	witness    string
	spec       lab.ClusterSpec
}

// defaults is pacerd's timing when pacer.toml sets none
// (docs/configuration.md): keepalive 500ms, warntime 2s, deadtime 3s,
// initdead 30s, [raft] tick 100ms, heartbeat_ticks 1, election_ticks
// derived from keepalive (15).
var defaults = lab.ClusterSpec{Keepalive: pacerconfig.DefaultKeepalive, Warntime: pacerconfig.DefaultWarntime, Deadtime: pacerconfig.DefaultDeadtime,
	Initdead: 30 * time.Second, RaftTick: pacerconfig.DefaultRaftTick, ElectionTicks: lab.DerivedElection, HeartbeatTicks: 1}

var configs = []config{
	{name: "3n", desc: "3 nodes, keepalive 100ms deadtime 500ms, raft 50ms x 10", hosts: []string{"n1", "n2", "n3"}, spec: lab.Fast},
	{name: "2n+w", desc: "2 nodes + witness (pacerd --witness), keepalive 100ms deadtime 500ms, raft 50ms x 10", hosts: []string{"n1", "n2", "w"}, witness: "w", spec: lab.Fast},
	{name: "3n-default", desc: "3 nodes, pacerd's defaults: keepalive 500ms deadtime 3s, raft 100ms x 15", hosts: []string{"n1", "n2", "n3"}, spec: defaults},
}

// Run is one measured failover. Times are ms from the fault.
type Run struct {
	Config, Fault, Victim, NewDC string
	// TakeoverMs and GapMs are the prober's; To is the host that answered.
	TakeoverMs, GapMs float64
	To                string
	// The survivors' log timeline: the first "node declared dead" of the
	// victim, the new DC's "elected DC", the DC's "fencing succeeded",
	// the VIP's start initiated and its result (rc 0).
	DetectedMs, ElectedMs, FencedMs, VIPStartMs, VIPStartedMs float64
	// AgreedMs is when every survivor named the new DC (polled).
	AgreedMs float64
}

// Result is what run writes and report reads.
type Result struct {
	Date    string
	Machine string
	Configs map[string]string
	Runs    []Run
}

func main() {
	lab.RunHelper()
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: failover run|report ...")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "run":
		err = run(os.Args[2:])
	case "report":
		err = report(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q (run, report)", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "failover:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	bin := fs.String("bin", "bin", "directory with pacerd and pacer")
	runs := fs.Int("runs", 10, "runs per configuration and fault")
	cfgs := fs.String("configs", "3n,2n+w,3n-default", "configurations: 3n, 2n+w, 3n-default")
	faults := fs.String("faults", "kill,poweroff", "faults: kill, poweroff, cutall")
	out := fs.String("out", "pacer-failover.json", "result file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if why := lab.Available(); why != "" {
		return errors.New(why)
	}
	if why := lab.ResourceAgentsAvailable(); why != "" {
		return errors.New(why)
	}
	abs, err := filepath.Abs(*bin)
	if err != nil {
		return err
	}
	var sel []config
	for _, cn := range strings.Split(*cfgs, ",") {
		i := slices.IndexFunc(configs, func(c config) bool { return c.name == cn })
		if i < 0 {
			return fmt.Errorf("-configs: unknown configuration %q (3n, 2n+w, 3n-default)", cn)
		}
		sel = append(sel, configs[i])
	}
	var fl []lab.Fault
	for _, fn := range strings.Split(*faults, ",") {
		f := lab.Fault(fn)
		if f != lab.FaultKill && f != lab.FaultPowerOff && f != lab.FaultCutAll {
			return fmt.Errorf("-faults: unknown fault %q (kill, poweroff, cutall)", fn)
		}
		fl = append(fl, f)
	}
	res := Result{Date: time.Now().UTC().Format(time.RFC3339), Machine: machine(), Configs: map[string]string{}}
	for _, cfg := range sel {
		res.Configs[cfg.name] = cfg.desc
		for _, f := range fl {
			rs, err := runConfig(cfg, f, abs, *runs)
			res.Runs = append(res.Runs, rs...)
			if err != nil {
				_ = write(*out, res)
				return fmt.Errorf("%s %s: %w", cfg.name, f, err)
			}
		}
	}
	return write(*out, res)
}

// machine is "N CPUs, load A B C" now.
func machine() string {
	load := "?"
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			load = strings.Join(f[:3], " ")
		}
	}
	n := 0
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		n = strings.Count(string(b), "\nprocessor") + 1
	}
	return fmt.Sprintf("%d CPUs, load %s", n, load)
}

func write(path string, res Result) error {
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// VIP is the service address the prober sends to.
var VIP = lab.Net + ".0.100"

// port is the responders' UDP port.
const port = 7777

// bench is one configuration's lab and cluster.
type bench struct {
	cfg   config
	l     *lab.Lab
	c     *lab.Cluster
	guard time.Duration
	// holders is each host's holder pid when its responder was started.
	holders map[string]int
}

// nodes are the nodes that may run resources (not the witness).
func (b *bench) nodes() []string {
	var out []string
	for _, n := range b.c.Nodes() {
		if n != b.cfg.witness {
			out = append(out, n)
		}
	}
	return out
}

// runConfig measures runs failovers of one configuration under one fault,
// in one lab and one cluster.
func runConfig(cfg config, f lab.Fault, bin string, runs int) (out []Run, err error) {
	l, err := lab.New(lab.Spec{Name: "lbench", Hosts: cfg.hosts, Client: true})
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, l.Close()) }()
	env, err := l.ResourceEnv()
	if err != nil {
		return nil, err
	}
	spec := cfg.spec
	spec.Bin, spec.Witness, spec.Env = bin, cfg.witness, env
	c, err := l.NewCluster(spec)
	if err != nil {
		return nil, err
	}
	b := &bench{cfg: cfg, l: l, c: c, guard: 4*spec.Deadtime + 40*time.Second, holders: map[string]int{}}
	defer func() {
		if err != nil {
			for _, h := range c.Nodes() {
				if p := c.Node(h); p != nil {
					fmt.Fprintf(os.Stderr, "last log lines of %s:\n%s\n", h, p.Tail(40))
				}
			}
		}
	}()
	start := time.Now()
	if err := c.StartAll(); err != nil {
		return nil, err
	}
	if err := c.WaitJoined(c.Nodes(), start, spec.Initdead+b.guard); err != nil {
		return nil, err
	}
	if err := b.responders(); err != nil {
		return nil, err
	}
	if err := b.configure(); err != nil {
		return nil, err
	}
	for i := 1; i <= runs; i++ {
		r, err := b.once(f)
		if err != nil {
			return out, fmt.Errorf("run %d: %w", i, err)
		}
		out = append(out, r)
		fmt.Printf("pacer/%s/%s run %d: %s (DC, VIP) -> %s: takeover %.0f ms, gap %.0f ms; dead %.0f, DC %s %.0f, fenced %.0f, VIP start %.0f..%.0f ms\n",
			cfg.name, f, i, r.Victim, r.To, r.TakeoverMs, r.GapMs, r.DetectedMs, r.NewDC, r.ElectedMs, r.FencedMs, r.VIPStartMs, r.VIPStartedMs)
	}
	return out, nil
}

// responders starts the UDP responder on every host that is on and has
// none since it was last powered on.
func (b *bench) responders() error {
	for _, h := range b.l.Hosts {
		pid := h.HolderPid()
		if pid == 0 || b.holders[h.Name] == pid {
			continue
		}
		if err := h.StartResponder(port); err != nil {
			return err
		}
		b.holders[h.Name] = pid
	}
	return nil
}

// configure gives the cluster, one `pacer configure` per statement as an
// operator would type them, the lab fence device and the VIP, and waits
// until the VIP runs on one node.
func (b *bench) configure() error {
	dc, err := b.c.WaitOneDC(b.c.Nodes(), b.guard)
	if err != nil {
		return err
	}
	var hm []string
	for _, n := range b.nodes() {
		hm = append(hm, n+":"+b.l.Host(n).NS)
	}
	for _, cmd := range [][]string{
		// off: a fenced host stays off until the bench powers it on.
		{"property", "stonith-enabled=true", "stonith-action=off"},
		{"rsc_defaults", "resource-stickiness=100"},
		{"primitive", "fence-lab", "stonith:fence_pacer_lab", "params",
			"pcmk_host_list=" + strings.Join(b.nodes(), " "), "pcmk_host_map=" + strings.Join(hm, ";"),
			"op", "monitor", "interval=10s"},
		{"primitive", "vip", "ocf:heartbeat:IPaddr2", "params", "ip=" + VIP, "cidr_netmask=24", "nic=ring0",
			"op", "monitor", "interval=2s", "timeout=20s"},
	} {
		if err := b.c.Configure(dc, cmd...); err != nil {
			return err
		}
	}
	_, err = b.settled()
	return err
}

// settled waits for one DC, the VIP active on one node by the DC's status
// and up on that host only (looked at inside every namespace), and
// returns the DC.
func (b *bench) settled() (string, error) {
	dc, err := b.c.WaitOneDC(b.c.Nodes(), b.guard)
	if err != nil {
		return "", err
	}
	where, err := b.c.WaitPlaced(dc, []string{"vip"}, b.guard)
	if err != nil {
		return "", err
	}
	deadline := time.Now().Add(b.guard)
	for {
		hs, err := b.l.AddrHolders(VIP)
		if err == nil && len(hs) == 1 && hs[0] == where {
			return dc, nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("VIP placed on %s by the DC's status, up on %v (%v)", where, hs, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// onDC moves the VIP onto the DC (pacer resource move, then clear: the
// stickiness keeps it there) and returns the DC.
func (b *bench) onDC() (string, error) {
	dc, err := b.settled()
	if err != nil {
		return "", err
	}
	hs, err := b.l.AddrHolders(VIP)
	if err != nil {
		return "", err
	}
	if len(hs) == 1 && hs[0] == dc {
		return dc, nil
	}
	if _, err := b.c.Pacer(dc, b.guard, "resource", "move", "vip", dc); err != nil {
		return "", err
	}
	where, err := b.c.WaitPlaced(dc, []string{"vip"}, b.guard)
	if err != nil {
		return "", err
	}
	if where != dc {
		return "", fmt.Errorf("moved vip to %s, it runs on %s", dc, where)
	}
	if _, err := b.c.Pacer(dc, b.guard, "resource", "clear", "vip"); err != nil {
		return "", err
	}
	now, err := b.settled()
	if err != nil {
		return "", err
	}
	if now != dc {
		return "", fmt.Errorf("the DC moved from %s to %s while the VIP moved", dc, now)
	}
	return dc, nil
}

// once is one run: the VIP on the DC, the prober, the fault, the
// measure, the heal.
func (b *bench) once(f lab.Fault) (Run, error) {
	victim, err := b.onDC()
	if err != nil {
		return Run{}, err
	}
	// Let the cluster settle: a few heartbeats on every link.
	time.Sleep(time.Second + 3*b.c.Spec.Keepalive)
	pr, err := startProbe(b.l, victim)
	if err != nil {
		return Run{}, err
	}
	fo, err := b.c.MeasureFailover(f, victim, b.guard)
	if err != nil {
		pr.Stop()
		return Run{}, err
	}
	tk, gap, to, err := measureVIP(pr, fo, b.guard)
	if err != nil {
		return Run{}, err
	}
	r := Run{Config: b.cfg.name, Fault: string(f), Victim: victim, NewDC: fo.NewDC, To: to,
		TakeoverMs: ms(tk), GapMs: ms(gap),
		DetectedMs: ms(fo.Detected), ElectedMs: ms(fo.Elected), AgreedMs: ms(fo.Agreed)}
	if err := b.timeline(&r, fo, tk); err != nil {
		return r, err
	}
	if err := b.heal(victim); err != nil {
		return r, err
	}
	return r, nil
}

// timeline fills r's log timeline from the survivors' logs and checks the
// order: the victim fenced before the VIP's start anywhere else and
// before the first answer from another host.
func (b *bench) timeline(r *Run, fo lab.Failover, takeover time.Duration) error {
	surv := b.c.Survivors(fo.Victim)
	fenced := b.c.AllEvents(surv, fo.At, "fencing succeeded", map[string]string{"logger": "coordinator", "node": fo.Victim})
	if len(fenced) == 0 {
		return fmt.Errorf("the VIP answered from %s but no survivor logged the fencing of %s", r.To, fo.Victim)
	}
	ft := fenced[0].TS
	r.FencedMs = ms(ft.Sub(fo.At))
	starts := b.c.AllEvents(surv, fo.At, "action initiated", map[string]string{"rsc": "vip", "op": "start"})
	if len(starts) == 0 {
		return fmt.Errorf("the VIP answered from %s but no survivor logged its start", r.To)
	}
	if starts[0].TS.Before(ft) {
		return fmt.Errorf("vip start initiated on %s at +%v, before %s was fenced (+%v)",
			starts[0].Str("node"), starts[0].TS.Sub(fo.At), fo.Victim, ft.Sub(fo.At))
	}
	if fo.At.Add(takeover).Before(ft) {
		return fmt.Errorf("the VIP answered from %s at +%v, before %s was fenced (+%v)", r.To, takeover, fo.Victim, ft.Sub(fo.At))
	}
	r.VIPStartMs = ms(starts[0].TS.Sub(fo.At))
	if ok := b.c.AllEvents(surv, fo.At, "action result", map[string]string{"rsc": "vip", "op": "start", "rc": "0"}); len(ok) > 0 {
		r.VIPStartedMs = ms(ok[0].TS.Sub(fo.At))
	}
	return nil
}

// heal powers the victim on (the fencing left it off), starts pacerd and
// its responder, and waits until every survivor has it back.
func (b *bench) heal(victim string) error {
	healed := time.Now()
	if _, err := b.c.HealHost(victim); err != nil {
		return err
	}
	if err := b.responders(); err != nil {
		return err
	}
	for _, s := range b.c.Survivors(victim) {
		if _, err := b.c.Node(s).WaitEvent(healed, b.c.Spec.Initdead+b.guard, "node joined", map[string]string{"node": victim}); err != nil {
			return err
		}
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// startProbe starts the 10 ms prober from the client to VIP and waits for
// an answer from holder.
func startProbe(l *lab.Lab, holder string) (*lab.Prober, error) {
	pr, err := l.StartProber(VIP, port, 10*time.Millisecond, 10*time.Minute)
	if err != nil {
		return nil, err
	}
	if _, err := pr.WaitFrom(holder, time.Now(), 5*time.Second); err != nil {
		pr.Stop()
		return nil, fmt.Errorf("VIP on %s before the fault: %w", holder, err)
	}
	return pr, nil
}

// measureVIP waits for the VIP to answer from another host than the
// victim, a second more, then stops the prober and applies the peers'
// method.
func measureVIP(pr *lab.Prober, fo lab.Failover, guard time.Duration) (takeover, gap time.Duration, to string, err error) {
	deadline := time.Now().Add(guard)
	for time.Now().Before(deadline) {
		if _, _, _, ok := lab.Takeover(pr.Replies(), fo.At, fo.Victim); ok {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second)
	tk, g, by, ok := lab.Takeover(pr.Stop(), fo.At, fo.Victim)
	if !ok {
		return 0, 0, "", fmt.Errorf("the VIP never answered from a survivor of %s within %v", fo.Victim, guard)
	}
	return tk, g, by, nil
}

// report prints pacer's result files and the peers' results.txt files as
// one table (takeover, gap), then pacer's log timeline.
func report(args []string) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	var pacers, peers multi
	fs.Var(&pacers, "pacer", "a pacer result file (failover run -out; repeatable)")
	fs.Var(&peers, "peer", "a peer's results.txt (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var results []Result
	for _, p := range pacers {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var res Result
		if err := json.Unmarshal(b, &res); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		results = append(results, res)
	}
	const row = "%-44s %-24s %-24s\n"
	fmt.Printf(row, "VIP takeover, 10 ms prober (ms)", "takeover", "gap")
	fmt.Printf(row, "system/config/fault", "min/median/max (n)", "min/median/max")
	for _, res := range results {
		for _, g := range groups(res.Runs) {
			fmt.Printf(row, "pacer/"+g.c+"/"+g.f, stats(pick(g.rs, func(r Run) float64 { return r.TakeoverMs })),
				stats(pick(g.rs, func(r Run) float64 { return r.GapMs })))
		}
	}
	for _, p := range peers {
		rows, err := readPeer(p)
		if err != nil {
			fmt.Printf("%-44s %s\n", filepath.Base(filepath.Dir(p)), "no results: "+err.Error())
			continue
		}
		for _, r := range rows {
			fmt.Printf(row, r.label, stats(r.takeover), stats(r.gap))
		}
	}
	for _, res := range results {
		fmt.Printf("\npacer's timeline from the survivors' logs, ms after the fault, min/median/max (%s, %s)\n", res.Date, res.Machine)
		const trow = "%-20s %-18s %-18s %-18s %-18s %-18s\n"
		fmt.Printf(trow, "config/fault", "declared dead", "new DC elected", "fenced", "VIP start", "VIP started")
		for _, g := range groups(res.Runs) {
			short := func(f func(Run) float64) string { s, _, _ := strings.Cut(stats(pick(g.rs, f)), " "); return s }
			fmt.Printf(trow, g.c+"/"+g.f,
				short(func(r Run) float64 { return r.DetectedMs }),
				short(func(r Run) float64 { return r.ElectedMs }),
				short(func(r Run) float64 { return r.FencedMs }),
				short(func(r Run) float64 { return r.VIPStartMs }),
				short(func(r Run) float64 { return r.VIPStartedMs }))
		}
		for _, c := range configs {
			if d, ok := res.Configs[c.name]; ok {
				fmt.Printf("  pacer/%s: %s\n", c.name, d)
			}
		}
	}
	return nil
}

type group struct {
	c, f string
	rs   []Run
}

// groups are runs by configuration and fault, in the order first seen.
func groups(runs []Run) []group {
	var out []group
	for _, r := range runs {
		i := slices.IndexFunc(out, func(g group) bool { return g.c == r.Config && g.f == r.Fault })
		if i < 0 {
			out = append(out, group{c: r.Config, f: r.Fault})
			i = len(out) - 1
		}
		out[i].rs = append(out[i].rs, r)
	}
	return out
}

func pick(rs []Run, f func(Run) float64) []float64 {
	var v []float64
	for _, r := range rs {
		v = append(v, f(r))
	}
	return v
}

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

type peerRow struct {
	label         string
	takeover, gap []float64
}

// readPeer reads a peers' results.txt: "label takeover_ms=N gap_ms=N ...".
func readPeer(path string) ([]peerRow, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rows []peerRow
	idx := map[string]int{}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		i, ok := idx[f[0]]
		if !ok {
			i = len(rows)
			idx[f[0]] = i
			rows = append(rows, peerRow{label: f[0]})
		}
		for _, kv := range f[1:] {
			k, v, _ := strings.Cut(kv, "=")
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue // NA
			}
			switch k {
			case "takeover_ms":
				rows[i].takeover = append(rows[i].takeover, x)
			case "gap_ms":
				rows[i].gap = append(rows[i].gap, x)
			}
		}
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: no rows", path)
	}
	return rows, nil
}

// stats is "min/median/max (n)" of v, rounded to ms.
func stats(v []float64) string {
	if len(v) == 0 {
		return "-"
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return fmt.Sprintf("%.0f/%.0f/%.0f (%d)", s[0], med, s[len(s)-1], len(s))
}

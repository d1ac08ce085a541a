// Command failover is pacer's failover benchmark in the lab (make
// bench-failover runs it through test/bench/failover.sh, as root).
//
//	failover run -bin DIR [-runs 10] [-configs 3n,2n+w,3n-default] [-faults kill,poweroff] -out FILE
//	failover report [-pacer FILE]... [-peer results.txt]...
//
// run builds a lab per configuration (test/lab), starts one pacerd per
// host and, per run, injects the fault on the DC, stamped just before, and
// reads the survivors' JSON logs: the first "node declared dead" of the
// victim, the new DC's "elected DC", and the time all survivors name it.
// The victim is healed (pacerd restarted on its data_dir, the host powered
// on) and the next run starts once every node names one DC again.
//
// The service's view (the peers' method: a prober in the client sends to
// the VIP every 10 ms; takeover and gap) needs pacerd to run resources;
// measureVIP has the prober side ready and waits for that.
//
// report prints pacer's figures and the peers' (results.txt of
// ../shared/peers/*-failover.sh) in one table, min/median/max.
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

	"pacer/test/lab"
)

// config is one cluster shape and timing.
type config struct {
	name, desc string
	hosts      []string
	witness    string
	spec       lab.ClusterSpec
}

var configs = []config{
	{name: "3n", desc: "3 nodes, keepalive 100ms deadtime 500ms, raft 50ms x 10", hosts: []string{"n1", "n2", "n3"}, spec: lab.Fast},
	{name: "2n+w", desc: "2 nodes + witness, keepalive 100ms deadtime 500ms, raft 50ms x 10", hosts: []string{"n1", "n2", "w"}, witness: "w", spec: lab.Fast},
	{name: "3n-default", desc: "3 nodes, defaults: keepalive 1s deadtime 10s, raft 100ms x 10", hosts: []string{"n1", "n2", "n3"},
		spec: lab.ClusterSpec{Keepalive: time.Second, Warntime: 5 * time.Second, Deadtime: 10 * time.Second,
			Initdead: 30 * time.Second, RaftTick: 100 * time.Millisecond, ElectionTicks: 10, HeartbeatTicks: 1}},
}

// Run is one measured failover.
type Run struct {
	Config, Fault, Victim, NewDC string
	DetectedMs, ElectedMs        float64
	AgreedMs                     float64
	SilentForMs                  float64
	// TakeoverMs and GapMs are the prober's (0 while pacerd runs no VIP).
	TakeoverMs, GapMs float64
}

// Result is what run writes and report reads.
type Result struct {
	Date    string
	Configs map[string]string
	Runs    []Run
	VIP     string // why the VIP was not measured, "" when it was
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
	vip := fs.Bool("vip", false, "also measure the service: a VIP resource and the 10 ms prober")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if why := lab.Available(); why != "" {
		return errors.New(why)
	}
	abs, err := filepath.Abs(*bin)
	if err != nil {
		return err
	}
	res := Result{Date: time.Now().UTC().Format(time.RFC3339), Configs: map[string]string{}}
	if !*vip {
		res.VIP = "not measured: pacerd runs no resources yet (crm/coordinator)"
	}
	for _, cn := range strings.Split(*cfgs, ",") {
		i := slices.IndexFunc(configs, func(c config) bool { return c.name == cn })
		if i < 0 {
			return fmt.Errorf("unknown configuration %q", cn)
		}
		cfg := configs[i]
		res.Configs[cfg.name] = cfg.desc
		for _, fn := range strings.Split(*faults, ",") {
			f := lab.Fault(fn)
			if f != lab.FaultKill && f != lab.FaultPowerOff && f != lab.FaultCutAll {
				return fmt.Errorf("unknown fault %q (kill, poweroff, cutall)", fn)
			}
			rs, err := runConfig(cfg, f, abs, *runs, *vip)
			res.Runs = append(res.Runs, rs...)
			if err != nil {
				_ = write(*out, res)
				return fmt.Errorf("%s %s: %w", cfg.name, f, err)
			}
		}
	}
	return write(*out, res)
}

func write(path string, res Result) error {
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// runConfig measures runs failovers of one configuration under one fault,
// in one lab and one cluster.
func runConfig(cfg config, f lab.Fault, bin string, runs int, vip bool) ([]Run, error) {
	l, err := lab.New(lab.Spec{Name: "lbench", Hosts: cfg.hosts, Client: true})
	if err != nil {
		return nil, err
	}
	defer l.Close()
	spec := cfg.spec
	spec.Bin, spec.Witness = bin, cfg.witness
	c, err := l.NewCluster(spec)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := c.StartAll(); err != nil {
		return nil, err
	}
	guard := 10*spec.Deadtime + 20*time.Second
	if err := c.WaitJoined(c.Nodes(), start, guard); err != nil {
		return nil, err
	}
	if _, err := c.WaitOneDC(c.Nodes(), guard); err != nil {
		return nil, err
	}
	if vip {
		if err := configureVIP(c); err != nil {
			return nil, err
		}
	}
	var out []Run
	for i := 1; i <= runs; i++ {
		victim, err := c.WaitOneDC(c.Nodes(), guard)
		if err != nil {
			return out, err
		}
		// Let the cluster settle: a few heartbeats on every link.
		time.Sleep(time.Second + 3*spec.Keepalive)
		var pr *lab.Prober
		if vip {
			if pr, err = startProbe(l); err != nil {
				return out, err
			}
		}
		fo, err := c.MeasureFailover(f, victim, guard)
		if err != nil {
			return out, fmt.Errorf("run %d: %w", i, err)
		}
		r := Run{Config: cfg.name, Fault: string(f), Victim: victim, NewDC: fo.NewDC,
			DetectedMs: ms(fo.Detected), ElectedMs: ms(fo.Elected), AgreedMs: ms(fo.Agreed), SilentForMs: ms(fo.SilentFor)}
		if pr != nil {
			if r.TakeoverMs, r.GapMs, err = measureVIP(pr, fo); err != nil {
				return out, fmt.Errorf("run %d: %w", i, err)
			}
		}
		out = append(out, r)
		fmt.Printf("pacer/%s/%s run %d: victim %s (DC) declared dead %.0f ms, new DC %s elected %.0f ms, agreed %.0f ms\n",
			cfg.name, f, i, victim, r.DetectedMs, r.NewDC, r.ElectedMs, r.AgreedMs)
		healed := time.Now()
		if err := c.Heal(f, victim); err != nil {
			return out, err
		}
		for _, s := range c.Survivors(victim) {
			if _, err := c.Node(s).WaitEvent(healed, guard, "node joined", map[string]string{"node": victim}); err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// VIP is the service address the prober sends to.
var VIP = lab.Net + ".0.100"

// configureVIP gives the cluster the service to fail over: an
// ocf:heartbeat:IPaddr2 on VIP (nic ring0) through `pacer configure`, and
// a responder on every host.
//
// TODO(coordinator): pacerd does not place or start resources yet; once
// crm/coordinator runs in pacerd, load "primitive vip ocf:heartbeat:IPaddr2
// params ip=<VIP> cidr_netmask=24 nic=ring0 op monitor interval=1s" (and
// the lab fence device) with pacer configure against a node's control
// socket, wait until l.AddrHolders(VIP) names one host, and remove this
// error. Everything after it (responders, prober, takeover and gap) runs.
func configureVIP(c *lab.Cluster) error {
	for _, h := range c.Lab.Hosts {
		if err := h.StartResponder(7777); err != nil {
			return err
		}
	}
	return errors.New("-vip: pacerd runs no resources yet (crm/coordinator); see the TODO in configureVIP")
}

// startProbe starts the 10 ms prober from the client to VIP and waits for
// its first answer.
func startProbe(l *lab.Lab) (*lab.Prober, error) {
	pr, err := l.StartProber(VIP, 7777, 10*time.Millisecond, 10*time.Minute)
	if err != nil {
		return nil, err
	}
	holders, err := l.AddrHolders(VIP)
	if err != nil || len(holders) != 1 {
		pr.Stop()
		return nil, fmt.Errorf("VIP held by %v before the fault (%v)", holders, err)
	}
	if _, err := pr.WaitFrom(holders[0], time.Now().Add(-time.Second), 5*time.Second); err != nil {
		pr.Stop()
		return nil, err
	}
	return pr, nil
}

// measureVIP waits for the VIP to answer from another host than the
// victim, then stops the prober and applies the peers' method.
func measureVIP(pr *lab.Prober, fo lab.Failover) (takeover, gap float64, err error) {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if _, _, _, ok := lab.Takeover(pr.Replies(), fo.At, fo.Victim); ok {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second)
	tk, g, _, ok := lab.Takeover(pr.Stop(), fo.At, fo.Victim)
	if !ok {
		return 0, 0, fmt.Errorf("the VIP never answered from a survivor of %s", fo.Victim)
	}
	return ms(tk), ms(g), nil
}

// report prints pacer's result file and the peers' results.txt files as
// one table.
func report(args []string) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	var pacers, peers multi
	fs.Var(&pacers, "pacer", "a pacer result file (failover run -out; repeatable)")
	fs.Var(&peers, "peer", "a peer's results.txt (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Printf("%-62s %-22s %-22s %-22s\n", "system/config/fault", "detect/takeover ms", "new DC / gap ms", "agreed ms")
	fmt.Printf("%-62s %-22s %-22s %-22s\n", "", "min/median/max (n)", "min/median/max", "min/median/max")
	for _, pacer := range pacers {
		b, err := os.ReadFile(pacer)
		if err != nil {
			return err
		}
		var res Result
		if err := json.Unmarshal(b, &res); err != nil {
			return fmt.Errorf("%s: %w", pacer, err)
		}
		type key struct{ c, f string }
		var order []key
		groups := map[key][]Run{}
		for _, r := range res.Runs {
			k := key{r.Config, r.Fault}
			if _, ok := groups[k]; !ok {
				order = append(order, k)
			}
			groups[k] = append(groups[k], r)
		}
		for _, k := range order {
			rs := groups[k]
			pick := func(f func(Run) float64) []float64 {
				var v []float64
				for _, r := range rs {
					v = append(v, f(r))
				}
				return v
			}
			fmt.Printf("%-62s %-22s %-22s %-22s\n", "pacer/"+k.c+"/"+k.f+" (dead, DC)",
				stats(pick(func(r Run) float64 { return r.DetectedMs })),
				stats(pick(func(r Run) float64 { return r.ElectedMs })),
				stats(pick(func(r Run) float64 { return r.AgreedMs })))
		}
		for _, c := range configs {
			if d, ok := res.Configs[c.name]; ok {
				fmt.Printf("  pacer/%s: %s\n", c.name, d)
			}
		}
		if res.VIP != "" {
			fmt.Printf("  pacer VIP takeover: %s\n", res.VIP)
		}
	}
	for _, p := range peers {
		rows, err := readPeer(p)
		if err != nil {
			fmt.Printf("%-62s %s\n", filepath.Base(filepath.Dir(p)), "no results: "+err.Error())
			continue
		}
		for _, r := range rows {
			fmt.Printf("%-62s %-22s %-22s %-22s\n", r.label+" (VIP takeover, gap)", stats(r.takeover), stats(r.gap), "")
		}
	}
	return nil
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

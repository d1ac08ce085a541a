package lab

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"pacer/internal/config"
)

// guard bounds every wait: a hang guard, not a timing claim. Timings are
// measured and logged; `make bench-failover` gives their spread.
const guard = 15 * time.Second

// waitLinksHeard waits until each node has heard each other on every
// ring since since ("node joined" over that ring, or "link up" for it).
// With only set, just the pairs that include that node.
func waitLinksHeard(t *testing.T, c *Cluster, since time.Time, only string) {
	t.Helper()
	deadline := time.Now().Add(guard)
	for _, h := range c.Nodes() {
		p := c.Node(h)
		for _, o := range c.Survivors(h) {
			if only != "" && h != only && o != only {
				continue
			}
			for r := 0; r < c.Lab.Rings; r++ {
				link := fmt.Sprintf("ring%d", r)
				for {
					f := map[string]string{"node": o, "link": link}
					if len(p.EventsSince(since, "node joined", f))+len(p.EventsSince(since, "link up", f)) > 0 {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("%s never heard %s on %s", h, o, link)
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
		}
	}
}

// noneSince fails the test for each event msg any node in hosts logged at
// or after since, except those whose node field is keep (a late "DC
// changed" to the DC everyone already names is no change).
func noneSince(t *testing.T, c *Cluster, hosts []string, since time.Time, msg, keep string) {
	t.Helper()
	for _, h := range hosts {
		for _, e := range c.Node(h).EventsSince(since, msg, nil) {
			if keep != "" && e.Str("node") == keep {
				continue
			}
			t.Errorf("%s logged %q after the fault: %v", h, msg, e.Fields)
		}
	}
}

// checkOneLinkCut cuts ring0 of the DC for window, then plugs it back and
// watches as long again: "link down" and "link up" only; nobody declared
// dead, no election, the DC and the raft term unchanged.
func checkOneLinkCut(t *testing.T, c *Cluster, window time.Duration) {
	dc, err := c.WaitOneDC(c.Nodes(), guard)
	must(t, err)
	ni, err := c.NodeInfo(dc)
	must(t, err)
	at, err := c.Inject(FaultCutOne, dc)
	must(t, err)
	for _, s := range c.Survivors(dc) {
		e, err := c.Node(s).WaitEvent(at, window+guard, "link down", map[string]string{"node": dc, "link": "ring0"})
		must(t, err)
		t.Logf("%s: link down to %s on ring0 %v after the cut", s, dc, e.TS.Sub(at).Round(time.Millisecond))
	}
	if rest := window - time.Since(at); rest > 0 {
		time.Sleep(rest)
	}
	check := func(when string) {
		t.Helper()
		noneSince(t, c, c.Nodes(), at, "node declared dead", "")
		noneSince(t, c, c.Nodes(), at, "DC changed", dc)
		noneSince(t, c, c.Nodes(), at, "no DC", "")
		noneSince(t, c, c.Nodes(), at, "elected DC", "")
		now, err := c.WaitOneDC(c.Nodes(), guard)
		must(t, err)
		if now != dc {
			t.Fatalf("%s: DC moved from %s to %s", when, dc, now)
		}
		ni2, err := c.NodeInfo(dc)
		must(t, err)
		if ni2.Term != ni.Term {
			t.Errorf("%s: raft term went from %d to %d", when, ni.Term, ni2.Term)
		}
	}
	check("with ring0 cut")
	healed := time.Now()
	must(t, c.Heal(FaultCutOne, dc))
	for _, s := range c.Survivors(dc) {
		_, err := c.Node(s).WaitEvent(healed, window+guard, "link up", map[string]string{"node": dc, "link": "ring0"})
		must(t, err)
	}
	// Plugging the cable back in changes nothing either.
	if rest := window - time.Since(healed); rest > 0 {
		time.Sleep(rest)
	}
	check("after ring0 came back")
}

// A three-node pacer cluster in the lab, two rings per node, pacerd's
// membership and replicated CIB as they run today. Faults on the DC, each
// healed before the next:
//   - one ring cut: "link down" only; nobody declared dead, DC unchanged;
//   - every cable cut: the others declare it dead and elect a new DC; the
//     isolated node steps down (no DC on its side); healed, it rejoins
//     under the new DC;
//   - SIGKILL of pacerd, and power-off through fence_pacer_lab: the same,
//     then pacerd restarted on its data_dir rejoins.
func TestClusterFaults(t *testing.T) {
	requireLab(t)
	l := newLab(t, Spec{Name: "lfo", Hosts: []string{"n1", "n2", "n3"}})
	c, err := l.NewCluster(ClusterSpec{Bin: binDir})
	must(t, err)
	dead := c.Spec.Deadtime
	t.Cleanup(func() {
		if t.Failed() {
			for _, h := range c.Nodes() {
				if p := c.Node(h); p != nil {
					t.Logf("last log lines of %s:\n%s", h, p.Tail(40))
				}
			}
		}
	})
	start := time.Now()
	must(t, c.StartAll())
	must(t, c.WaitJoined(c.Nodes(), start, guard))
	waitLinksHeard(t, c, start, "")
	dc, err := c.WaitOneDC(c.Nodes(), guard)
	must(t, err)
	t.Logf("3 nodes joined on 2 rings, DC %s, %v after start", dc, time.Since(start).Round(time.Millisecond))

	t.Run("one link cut does not fail over", func(t *testing.T) {
		checkOneLinkCut(t, c, 5*dead)
	})

	t.Run("all links cut", func(t *testing.T) {
		victim, err := c.WaitOneDC(c.Nodes(), guard)
		must(t, err)
		fo, err := c.MeasureFailover(FaultCutAll, victim, guard)
		must(t, err)
		logFailover(t, fo, dead)
		checkDeadAfterDeadtime(t, fo, dead)
		// The isolated node is alive and alone: it declares both others
		// dead and, without a quorum, stops being DC.
		iso := c.Node(victim)
		for _, s := range c.Survivors(victim) {
			_, err := iso.WaitEvent(fo.At, guard, "node declared dead", map[string]string{"node": s})
			must(t, err)
		}
		e, err := iso.WaitEvent(fo.At, guard, "no DC", nil)
		must(t, err)
		t.Logf("isolated %s stepped down %v after the cut", victim, e.TS.Sub(fo.At).Round(time.Millisecond))
		if ni, err := c.NodeInfo(victim); err == nil && ni.DC == victim {
			t.Errorf("isolated %s still names itself DC", victim)
		}
		healed := time.Now()
		must(t, c.Heal(FaultCutAll, victim))
		for _, s := range c.Survivors(victim) {
			if _, err := c.Node(s).WaitEvent(healed, guard, "node joined", map[string]string{"node": victim}); err != nil {
				t.Fatal(err)
			}
		}
		now, err := c.WaitOneDC(c.Nodes(), guard)
		must(t, err)
		if now != fo.NewDC {
			t.Errorf("DC changed from %s to %s when %s came back (pre-vote should keep it)", fo.NewDC, now, victim)
		}
		waitLinksHeard(t, c, healed, victim)
	})

	for _, f := range []Fault{FaultKill, FaultPowerOff} {
		t.Run(string(f), func(t *testing.T) {
			victim, err := c.WaitOneDC(c.Nodes(), guard)
			must(t, err)
			fo, err := c.MeasureFailover(f, victim, guard)
			must(t, err)
			logFailover(t, fo, dead)
			checkDeadAfterDeadtime(t, fo, dead)
			if !c.Node(victim).Exited() {
				t.Fatalf("pacerd on %s still running after %s", victim, f)
			}
			if f == FaultPowerOff {
				ps, err := c.Lab.Host(victim).Processes()
				must(t, err)
				if len(ps) != 0 {
					t.Fatalf("processes on %s after power off: %v", victim, ps)
				}
			}
			healed := time.Now()
			must(t, c.Heal(f, victim))
			for _, s := range c.Survivors(victim) {
				if _, err := c.Node(s).WaitEvent(healed, guard, "node joined", map[string]string{"node": victim}); err != nil {
					t.Fatal(err)
				}
			}
			now, err := c.WaitOneDC(c.Nodes(), guard)
			must(t, err)
			if now != fo.NewDC {
				t.Errorf("DC changed from %s to %s when %s came back", fo.NewDC, now, victim)
			}
			t.Logf("%s back on its data_dir; one DC %s, %v after the restart", victim, now, time.Since(healed).Round(time.Millisecond))
			waitLinksHeard(t, c, healed, victim)
		})
	}
	oneDCPerTerm(t, c)
}

func logFailover(t *testing.T, fo Failover, dead time.Duration) {
	t.Helper()
	t.Logf("%s of %s (DC %v): declared dead by %s after %v (silent for %v, deadtime %v); new DC %s elected after %v, agreed by all survivors after %v",
		fo.Fault, fo.Victim, fo.WasDC, fo.DetectedBy, fo.Detected.Round(time.Millisecond), fo.SilentFor, dead,
		fo.NewDC, fo.Elected.Round(time.Millisecond), fo.Agreed.Round(time.Millisecond))
	if fo.WasDC && fo.NewDC == fo.Victim {
		t.Fatalf("the survivors name the failed %s DC", fo.Victim)
	}
}

// checkDeadAfterDeadtime: a node is declared dead only after deadtime of
// silence on every link (never early).
func checkDeadAfterDeadtime(t *testing.T, fo Failover, dead time.Duration) {
	t.Helper()
	if fo.SilentFor < dead {
		t.Errorf("%s declared dead after %v of silence, less than deadtime %v", fo.Victim, fo.SilentFor, dead)
	}
}

// oneDCPerTerm: no two nodes logged "elected DC" for the same raft term.
func oneDCPerTerm(t *testing.T, c *Cluster) {
	t.Helper()
	byTerm := map[string]string{}
	var all []string
	for _, h := range c.Nodes() {
		for _, p := range c.Lives(h) {
			for _, e := range p.Events("elected DC", nil) {
				term := e.Str("term")
				if prev, ok := byTerm[term]; ok && prev != h {
					t.Errorf("term %s has two DCs: %s and %s", term, prev, h)
				}
				byTerm[term] = h
				all = append(all, h+"@"+term)
			}
		}
	}
	t.Logf("elected DC lines (node@term): %s", strings.Join(all, " "))
}

// The same one-ring cut at pacerd's default timers (keepalive 500 ms,
// warntime 2 s, deadtime 3 s, raft tick 100 ms, election_ticks derived:
// 15): the ring is declared down only after deadtime, so the cut must be
// bridged for that long: cluster messages leave the silent ring after two
// keepalives, within the election timeout. About 20 s; run with
// PACER_LAB_LONG=1 (make lab).
func TestOneLinkCutDefaultTimers(t *testing.T) {
	requireLab(t)
	if os.Getenv("PACER_LAB_LONG") == "" {
		t.Skip("long: set PACER_LAB_LONG=1 (make lab)")
	}
	l := newLab(t, Spec{Name: "lfd", Hosts: []string{"n1", "n2", "n3"}})
	c, err := l.NewCluster(ClusterSpec{Bin: binDir, Keepalive: config.DefaultKeepalive, Warntime: config.DefaultWarntime,
		Deadtime: config.DefaultDeadtime, Initdead: 30 * time.Second, RaftTick: config.DefaultRaftTick, ElectionTicks: DerivedElection, HeartbeatTicks: 1})
	must(t, err)
	t.Cleanup(func() {
		if t.Failed() {
			for _, h := range c.Nodes() {
				t.Logf("last log lines of %s:\n%s", h, c.Node(h).Tail(30))
			}
		}
	})
	start := time.Now()
	must(t, c.StartAll())
	must(t, c.WaitJoined(c.Nodes(), start, 40*time.Second))
	waitLinksHeard(t, c, start, "")
	checkOneLinkCut(t, c, config.DefaultDeadtime+2*time.Second)
}

// Two nodes joined by two rings and a serial cable: with both rings of one
// node cut it stays alive over the cable; with the cable cut too
// (CutAll) it is declared dead on every link.
func TestSerialCableKeepsNodeAlive(t *testing.T) {
	requireLab(t)
	l := newLab(t, Spec{Name: "lser", Hosts: []string{"n1", "n2"}, Serial: [][2]string{{"n1", "n2"}}})
	c, err := l.NewCluster(ClusterSpec{Bin: binDir})
	must(t, err)
	t.Cleanup(func() {
		if t.Failed() {
			for _, h := range c.Nodes() {
				t.Logf("last log lines of %s:\n%s", h, c.Node(h).Tail(30))
			}
		}
	})
	start := time.Now()
	must(t, c.StartAll())
	must(t, c.WaitJoined(c.Nodes(), start, guard))
	waitLinksHeard(t, c, start, "")
	for _, link := range []string{"serial0"} {
		f := map[string]string{"node": "n1", "link": link}
		deadline := time.Now().Add(guard)
		for len(c.Node("n2").Events("node joined", f))+len(c.Node("n2").Events("link up", f)) == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("n2 never heard n1 on %s", link)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	at := time.Now()
	must(t, l.CutLink("n1", 0))
	must(t, l.CutLink("n1", 1))
	for _, r := range []string{"ring0", "ring1"} {
		_, err := c.Node("n2").WaitEvent(at, guard, "link down", map[string]string{"node": "n1", "link": r})
		must(t, err)
	}
	time.Sleep(4 * c.Spec.Deadtime)
	noneSince(t, c, c.Nodes(), at, "node declared dead", "")
	if l.Cables[0].Carried() == 0 {
		t.Fatal("nothing crossed the serial cable")
	}
	cut := time.Now()
	must(t, l.CutAll("n1"))
	e, err := c.Node("n2").WaitEvent(cut, guard, "node declared dead", map[string]string{"node": "n1"})
	must(t, err)
	if got := e.Str("links"); got != "[ring0 ring1 serial0]" {
		t.Errorf("declared dead on links %s, want all three", got)
	}
	t.Logf("n1 declared dead %v after its cable was cut too (silent for %s)", e.TS.Sub(cut).Round(time.Millisecond), e.Str("silent_for"))
	healed := time.Now()
	must(t, l.RestoreAll("n1"))
	_, err = c.Node("n2").WaitEvent(healed, guard, "node joined", map[string]string{"node": "n1"})
	must(t, err)

	// A graceful stop: pacerd exits 0 on SIGTERM.
	code, err := c.Node("n1").Stop(10 * time.Second)
	must(t, err)
	if code != 0 {
		t.Errorf("pacerd exited %d on SIGTERM, want 0", code)
	}
	if _, err := c.Node("n1").Host.Processes(); err != nil {
		t.Fatal(err)
	}
	if hs, err := l.ProcessHosts("pacerd"); err != nil || len(hs) != 1 || hs[0] != "n2" {
		t.Errorf("pacerd runs on %v (%v), want [n2]", hs, err)
	}
}

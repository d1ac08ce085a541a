package lab

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// pairGuard bounds the waits of the pair tests: a hang guard, not a
// timing claim.
const pairGuard = 60 * time.Second

// requirePair skips when the pair cannot run here, and fails under CI=true.
func requirePair(t *testing.T) {
	t.Helper()
	requireLab(t)
	if why := PairAvailable(); why != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and %s", why)
		}
		t.Skip(why)
	}
}

// pairBin is a directory with pacerd, pacer and pacer-helper: binDir when
// it has all three, else binDir's two and pacer-helper built here.
func pairBin(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(binDir, "pacer-helper")); err == nil {
		return binDir
	}
	dir := t.TempDir()
	for _, b := range []string{"pacerd", "pacer"} {
		must(t, os.Symlink(filepath.Join(binDir, b), filepath.Join(dir, b)))
	}
	cmd := exec.Command("go", "build", "-o", dir+"/", "pacer/cmd/pacer-helper")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build pacer-helper: %v: %s", err, out)
	}
	return dir
}

// startPair builds the pair, configures it through n1 and waits for it to
// settle; it returns the Primary.
func startPair(t *testing.T, name string, witness bool) (*Pair, string) {
	t.Helper()
	p, err := NewPair(PairSpec{Name: name, Bin: pairBin(t), Witness: witness, Logf: t.Logf})
	must(t, err)
	t.Cleanup(func() {
		if t.Failed() {
			for _, h := range p.C.Nodes() {
				for _, d := range p.C.Lives(h) {
					t.Logf("last log lines of %s:\n%s", h, d.Tail(60))
				}
			}
		}
		// PACER_LAB_KEEP_LOGS=DIR keeps every host's pacerd.log.
		if dir := os.Getenv("PACER_LAB_KEEP_LOGS"); dir != "" {
			for _, h := range p.Lab.Hosts {
				if b, err := os.ReadFile(filepath.Join(h.Dir, "pacerd.log")); err == nil {
					_ = os.MkdirAll(dir, 0o755)
					_ = os.WriteFile(filepath.Join(dir, name+"-"+h.Name+".log"), b, 0o644)
				}
			}
		}
		if err := p.Close(); err != nil {
			t.Errorf("close pair: %v", err)
		}
	})
	start := time.Now()
	must(t, p.Configure("n1"))
	prim, err := p.WaitSettled("n1", true, pairGuard)
	must(t, err)
	t.Logf("pair configured (%d pacer configure commands) and settled in %v: Primary %s",
		len(p.Config()), time.Since(start).Round(time.Millisecond), prim)
	return p, prim
}

// checkWatch stops the watcher and fails on any moment something exclusive
// was active on two hosts.
func checkWatch(t *testing.T, w *Watcher) {
	t.Helper()
	viol, samples, errs := w.Stop()
	for _, e := range errs {
		// An ip -n of a host being powered off is killed with the
		// host's processes: a lost sample, not a finding.
		if strings.Contains(e.Error(), "signal: killed") {
			t.Logf("watch: a sample lost to a power-off: %v", e)
			continue
		}
		t.Errorf("watch: %v", e)
	}
	if len(viol) > 0 {
		for i, v := range viol {
			if i == 10 {
				t.Errorf("... %d violations in all", len(viol))
				break
			}
			t.Errorf("violation: %v", v)
		}
		return
	}
	t.Logf("watched %d samples inside the namespaces: never two Primaries, never mounted twice, VIP and ganesha.nfsd on one host at most", samples)
}

// checkOnDisk checks a marker written over NFS is on the filesystem inside
// the Primary's mount namespace, and that the peer has nothing mounted.
func checkOnDisk(t *testing.T, p *Pair, prim, name, content string) {
	t.Helper()
	out, err := p.Lab.Host(prim).Run(5*time.Second, "cat", filepath.Join(p.Export, name))
	must(t, err)
	if string(out) != content {
		t.Fatalf("%s on %s's filesystem holds %q, want %q", name, prim, out, content)
	}
	mh, err := p.Lab.MountHolders(p.Lab.Disk)
	must(t, err)
	if !slices.Equal(mh, []string{prim}) {
		t.Fatalf("disk mounted on %v, want [%s]", mh, prim)
	}
}

// checkAcked reads back every acknowledged write over NFS.
func checkAcked(t *testing.T, p *Pair, acks []Ack) {
	t.Helper()
	names, err := p.NFSList("", 10*time.Second)
	must(t, err)
	have := map[string]bool{}
	for _, n := range names {
		have[n] = true
	}
	lost := 0
	for _, a := range acks {
		name := a.Name
		if !have[name] {
			lost++
			t.Errorf("acknowledged write %s (acked at %s) is not in the export", name, a.Got.Format("15:04:05.000"))
			continue
		}
		got, err := p.NFSRead(name, 10*time.Second)
		if err != nil || got != WriterContent(a.Seq) {
			lost++
			t.Errorf("acknowledged write %s reads back %q, %v", name, got, err)
		}
	}
	if lost == 0 {
		t.Logf("all %d acknowledged writes read back over NFS", len(acks))
	}
}

// waitAcks waits until the writer has n more acknowledged writes than
// before.
func waitAcks(t *testing.T, w *Writer, before, n int) {
	t.Helper()
	deadline := time.Now().Add(pairGuard)
	for len(w.Acks()) < before+n {
		if time.Now().After(deadline) {
			t.Fatalf("writer: %d acknowledged writes, waited for %d", len(w.Acks()), before+n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// logEvents logs what the cluster logged after at about the failover.
func logEvents(t *testing.T, p *Pair, at time.Time) {
	t.Helper()
	type line struct {
		ts   time.Time
		host string
		e    Event
	}
	var ls []line
	for _, h := range p.C.Nodes() {
		for _, d := range p.C.Lives(h) {
			for _, m := range []string{"node declared dead", "peer dead: waiting fence_delay before fencing it",
				"fencing requested: peer dead and the raft group has no quorum without it", "fencing succeeded",
				"forced single-voter raft configuration", "elected DC", "action result"} {
				for _, e := range d.EventsSince(at, m, nil) {
					if m == "action result" && e.Str("op") == "monitor" {
						continue
					}
					ls = append(ls, line{e.TS, h, e})
				}
			}
		}
	}
	sort.Slice(ls, func(i, j int) bool { return ls[i].ts.Before(ls[j].ts) })
	for _, l := range ls {
		extra := ""
		for _, k := range []string{"node", "rsc", "op", "rc", "delay", "duration"} {
			if v := l.e.Str(k); v != "" {
				extra += " " + k + "=" + v
			}
		}
		t.Logf("  +%6.3fs %s: %s%s", l.ts.Sub(at).Seconds(), l.host, l.e.Msg, extra)
	}
}

// The two-node NFS pair (two_node, n2 with fence_delay), end to end in
// the lab, with a client reading and writing over NFSv4 through the
// service address and the watcher looking inside both namespaces all
// along: a planned switchover with pacer resource move (no acknowledged
// write lost), a power-off of the Primary (the survivor fences it and
// takes over), and the powered-off node coming back (no failback:
// stickiness).
func TestPairNFS(t *testing.T) {
	requirePair(t)
	p, prim := startPair(t, "lpair", false)
	w := p.Watch(20 * time.Millisecond)
	defer checkWatch(t, w)

	// A marker written over NFS is on the Primary's filesystem.
	must(t, p.NFSWrite("marker", "written over NFS\n", 10*time.Second))
	got, err := p.NFSRead("marker", 10*time.Second)
	must(t, err)
	if got != "written over NFS\n" {
		t.Fatalf("marker reads back %q", got)
	}
	checkOnDisk(t, p, prim, "marker", "written over NFS\n")

	t.Run("planned switchover", func(t *testing.T) {
		wr := p.StartWriter("switchover", 50*time.Millisecond, 2*time.Second)
		waitAcks(t, wr, 0, 5)
		to := p.Peer(prim)
		at := time.Now()
		out, err := p.Pacer(prim, pairGuard, "resource", "move", "nfs", to)
		must(t, err)
		t.Logf("pacer resource move nfs %s:\n%s", to, strings.TrimSpace(out))
		now, err := p.WaitSettled(to, true, pairGuard)
		must(t, err)
		if now != to {
			t.Fatalf("after the move the Primary is %s, want %s", now, to)
		}
		settled := time.Now()
		before := len(wr.Acks())
		waitAcks(t, wr, before, 5)
		acks, failed := wr.Stop()
		var gap time.Duration
		for i := 1; i < len(acks); i++ {
			if d := acks[i].Got.Sub(acks[i-1].Got); d > gap && acks[i].Got.After(at) {
				gap = d
			}
		}
		t.Logf("switchover %s -> %s settled %v after the move; writer: %d acknowledged, %d failed, longest gap between acks %v",
			prim, to, settled.Sub(at).Round(time.Millisecond), len(acks), failed, gap.Round(time.Millisecond))
		checkAcked(t, p, acks)
		checkOnDisk(t, p, to, "marker", "written over NFS\n")
		logEvents(t, p, at)
		prim = to
	})

	var victim string
	t.Run("power-off of the Primary", func(t *testing.T) {
		victim = prim
		surv := p.Peer(victim)
		at, err := p.C.Inject(FaultPowerOff, victim)
		must(t, err)
		first, err := p.FirstNFS(20*time.Millisecond, 250*time.Millisecond, pairGuard)
		must(t, err)
		now, err := p.WaitSettled(surv, false, pairGuard)
		must(t, err)
		if now != surv {
			t.Fatalf("after the power-off of %s the Primary is %s", victim, now)
		}
		t.Logf("power-off of %s: first NFS answer through %s after %v", victim, PairVIP, first.Sub(at).Round(time.Millisecond))
		if es := p.C.Node(surv).EventsSince(at, "fencing succeeded", nil); len(es) == 0 {
			t.Errorf("%s took over without logging the fencing of %s", surv, victim)
		}
		checkOnDisk(t, p, surv, "marker", "written over NFS\n")
		logEvents(t, p, at)
		ps, err := p.State(surv)
		must(t, err)
		for _, w := range ps.Warnings {
			if strings.Contains(w, "failed") {
				t.Errorf("after the failover: %s", w)
			}
		}
		// pacer status exits 2 with warnings (n1 offline): shown as it is.
		out, _ := p.Pacer(surv, 10*time.Second, "status")
		t.Logf("pacer status on %s after the failover:\n%s", surv, out)
		prim = surv
	})

	t.Run("node comes back, no failback", func(t *testing.T) {
		if victim == "" {
			t.Skip("no victim")
		}
		waitFenced(t, p, prim, victim, time.Now().Add(-time.Minute))
		at := time.Now()
		must(t, p.Reboot(victim))
		// Back as Unpromoted, the service stays where it is.
		now, err := p.WaitSettled(prim, true, pairGuard)
		must(t, err)
		if now != prim {
			t.Fatalf("%s came back and the service moved to %s (failback)", victim, now)
		}
		t.Logf("%s back and Unpromoted %v after power-on; service stays on %s", victim, time.Since(at).Round(time.Millisecond), prim)
		time.Sleep(2 * time.Second)
		ps, err := p.State(prim)
		must(t, err)
		if ps.Settled(true) != prim {
			t.Fatalf("2 s later the pair is %v/%v %v", ps.Promoted, ps.Unpromoted, ps.Group)
		}
		must(t, p.NFSWrite("after-return", "x\n", 10*time.Second))
	})
}

// waitFenced waits until the DC's coordinator on by has logged the fencing
// of victim since at (two_node fences the peer once for the quorum and the
// DC then fences it for its resources): a node powered on before that
// would be powered off again.
func waitFenced(t *testing.T, p *Pair, by, victim string, at time.Time) {
	t.Helper()
	deadline := time.Now().Add(pairGuard)
	for {
		for _, e := range p.C.Node(by).EventsSince(at, "fencing succeeded", map[string]string{"node": victim}) {
			if e.Logger == "coordinator" {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s's coordinator never logged the fencing of %s", by, victim)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stats is min/median/max of ds.
func stats(ds []time.Duration) (lo, med, hi time.Duration) {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[0], s[len(s)/2], s[len(s)-1]
}

// powerOffFailover powers the Primary off and returns the time to the
// client's first NFS answer through the service address, and the survivor.
func powerOffFailover(t *testing.T, p *Pair, prim string) (time.Duration, string) {
	t.Helper()
	surv := p.Peer(prim)
	at, err := p.C.Inject(FaultPowerOff, prim)
	must(t, err)
	first, err := p.FirstNFS(20*time.Millisecond, 250*time.Millisecond, pairGuard)
	must(t, err)
	_, err = p.WaitPrimary(surv, surv, false, pairGuard)
	must(t, err)
	return first.Sub(at), surv
}

// The pair's faults beyond the default run (PACER_LAB_LONG=1, make lab):
// SIGKILL of pacerd on the Primary (its resources run on until the peer
// fences it), every link between the two cut (the fence race: n1, without
// fence_delay, fences n2 and is the one that survives), and a failed
// monitor of the NFS server (recovered in place). Watched all along.
func TestPairNFSFaults(t *testing.T) {
	requirePair(t)
	if os.Getenv("PACER_LAB_LONG") == "" {
		t.Skip("long: set PACER_LAB_LONG=1 (make lab)")
	}
	p, prim := startPair(t, "lpairf", false)
	w := p.Watch(20 * time.Millisecond)
	defer checkWatch(t, w)
	must(t, p.NFSWrite("marker", "m\n", 10*time.Second))

	t.Run("SIGKILL of pacerd on the Primary", func(t *testing.T) {
		surv := p.Peer(prim)
		at, err := p.C.Inject(FaultKill, prim)
		must(t, err)
		// The resources run on where pacerd was killed until the peer has
		// fenced it: the client is served all along by the old Primary,
		// then by the survivor.
		_, err = p.WaitPrimary(surv, surv, false, pairGuard)
		must(t, err)
		settled := time.Since(at)
		if p.Lab.Host(prim).HolderPid() != 0 {
			t.Fatalf("%s's pacerd was killed and %s took over without powering it off", prim, surv)
		}
		first, err := p.FirstNFS(20*time.Millisecond, 250*time.Millisecond, pairGuard)
		must(t, err)
		t.Logf("SIGKILL of pacerd on %s: %s fenced it and is Primary after %v; NFS answers from it %v after the kill", prim, surv,
			settled.Round(time.Millisecond), first.Sub(at).Round(time.Millisecond))
		logEvents(t, p, at)
		waitFenced(t, p, surv, prim, at)
		must(t, p.Reboot(prim))
		_, err = p.WaitSettled(surv, true, pairGuard)
		must(t, err)
		prim = surv
	})

	t.Run("all links cut: fence race", func(t *testing.T) {
		// n2 Primary, so that the race's winner, n1, must take the
		// service over from the loser.
		if prim != "n2" {
			_, err := p.Pacer(prim, pairGuard, "resource", "move", "nfs", "n2")
			must(t, err)
			_, err = p.WaitPrimary("n2", "n2", true, pairGuard)
			must(t, err)
			prim = "n2"
		}
		at := time.Now()
		must(t, p.Lab.CutAll("n1"))
		// n2 waits its fence_delay; n1 fences it first.
		deadline := time.Now().Add(pairGuard)
		for p.Lab.Host("n2").HolderPid() != 0 {
			if time.Now().After(deadline) {
				t.Fatal("n2 still powered on after the cut")
			}
			time.Sleep(20 * time.Millisecond)
		}
		if p.Lab.Host("n1").HolderPid() == 0 {
			t.Fatal("both nodes powered off")
		}
		off := time.Since(at)
		must(t, p.Lab.RestoreAll("n1"))
		_, err := p.WaitPrimary("n1", "n1", false, pairGuard)
		must(t, err)
		if p.Lab.Host("n1").HolderPid() == 0 {
			t.Fatal("n1 was powered off too")
		}
		t.Logf("links cut with %s Primary: n2 powered off by n1 after %v; n1 Primary", prim, off.Round(time.Millisecond))
		logEvents(t, p, at)
		if _, err := p.NFSRead("marker", 5*time.Second); err != nil {
			t.Fatal(err)
		}
		waitFenced(t, p, "n1", "n2", at)
		must(t, p.Reboot("n2"))
		_, err = p.WaitSettled("n1", true, pairGuard)
		must(t, err)
		prim = "n1"
	})

	t.Run("failed monitor of the NFS server", func(t *testing.T) {
		ps, err := p.Lab.Host(prim).Processes()
		must(t, err)
		pid := 0
		for _, pr := range ps {
			if pr.Comm == "ganesha.nfsd" {
				pid = pr.Pid
			}
		}
		if pid == 0 {
			t.Fatalf("no ganesha.nfsd on %s", prim)
		}
		at := time.Now()
		must(t, exec.Command("kill", "-9", fmt.Sprint(pid)).Run())
		e, err := p.C.Node(p.C.Nodes()[0]).WaitEvent(at, pairGuard, "action result", map[string]string{"rsc": "nfsd", "op": "start", "rc": "0"})
		if err != nil {
			e, err = p.C.Node(p.C.Nodes()[1]).WaitEvent(at, pairGuard, "action result", map[string]string{"rsc": "nfsd", "op": "start", "rc": "0"})
		}
		must(t, err)
		if e.Str("node") != prim {
			t.Errorf("nfsd restarted on %s, want in place on %s", e.Str("node"), prim)
		}
		now, err := p.WaitSettled(prim, true, pairGuard)
		must(t, err)
		if now != prim {
			t.Fatalf("Primary %s after nfsd's recovery, want %s", now, prim)
		}
		first, err := p.FirstNFS(20*time.Millisecond, 250*time.Millisecond, pairGuard)
		must(t, err)
		t.Logf("ganesha.nfsd SIGKILLed on %s: restarted in place %v later, NFS answers %v later", prim,
			e.TS.Sub(at).Round(time.Millisecond), first.Sub(at).Round(time.Millisecond))
		out, err := p.Pacer(prim, 10*time.Second, "resource", "failcount", "nfsd")
		must(t, err)
		t.Logf("pacer resource failcount nfsd: %s", strings.TrimSpace(out))
		if !strings.Contains(out, "fail-count=1") {
			t.Errorf("failcount of nfsd: %s, want fail-count=1", out)
		}
		_, err = p.Pacer(prim, pairGuard, "resource", "cleanup", "nfsd")
		must(t, err)
	})

	t.Run("rolling upgrade", func(t *testing.T) {
		// The standby node first, then the other (the service moves once).
		prim = upgradeOne(t, p, p.Peer(prim))
		prim = upgradeOne(t, p, prim)
	})
}

// upgradeOne is the rolling upgrade of the operator guide on one node of
// the pair: pacer node standby (the service moves to the peer, or stays
// there), a clean stop of pacerd (SIGTERM, exit 0), pacerd started again
// on its data_dir (where the new binary would be), pacer node online. The
// client is served by the peer throughout. The stopping node leaves the
// raft voters and announces its leave: the peer records it cleanly down
// and, two_node or not, does not fence it (docs/decisions/0011); the node
// started again rejoins under a new raft id.
func upgradeOne(t *testing.T, p *Pair, n string) string {
	t.Helper()
	other := p.Peer(n)
	at := time.Now()
	out, err := p.Pacer(other, pairGuard, "node", "standby", n)
	must(t, err)
	t.Logf("pacer node standby %s: %s", n, strings.TrimSpace(out))
	_, err = p.WaitPrimary(other, other, false, pairGuard)
	must(t, err)
	wr := p.StartWriter("upgrade-"+n, 50*time.Millisecond, 2*time.Second)
	stopAt := time.Now()
	code, err := p.C.Node(n).Stop(30 * time.Second)
	must(t, err)
	if code != 0 {
		t.Errorf("pacerd on %s exited %d on SIGTERM", n, code)
	}
	t.Logf("pacerd on %s stopped cleanly in %v", n, time.Since(stopAt).Round(time.Millisecond))
	_, err = p.C.Node(other).WaitEvent(stopAt, pairGuard, "node left cleanly", map[string]string{"node": n})
	must(t, err)
	// Past deadtime and n2's fence_delay (2 s): nobody fences the node
	// that left cleanly.
	time.Sleep(4*p.C.Spec.Deadtime + 2500*time.Millisecond)
	for _, m := range []string{"fencing requested: peer dead and the raft group has no quorum without it", "fencing requested", "fencing succeeded"} {
		for _, e := range p.C.Node(other).EventsSince(stopAt, m, map[string]string{"node": n}) {
			t.Errorf("%s logged %q for %s after its clean stop: %v", other, m, n, e.Fields)
		}
	}
	if p.Lab.Host(n).HolderPid() == 0 {
		t.Errorf("%s was powered off (fenced) by %s after its pacerd stopped cleanly", n, other)
		must(t, p.Reboot(n))
	} else {
		_, err = p.C.Start(n)
		must(t, err)
	}
	// Retried while the pair elects its DC again (a rejoining node).
	deadline := time.Now().Add(pairGuard)
	for {
		out, err = p.Pacer(other, pairGuard, "node", "online", n)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("pacer node online %s: %s", n, strings.TrimSpace(out))
	now, err := p.WaitSettled(other, true, pairGuard)
	must(t, err)
	if now != other {
		t.Errorf("after %s came back online the Primary is %s, want %s (stickiness)", n, now, other)
	}
	acks, failed := wr.Stop()
	t.Logf("%s upgraded (stopped, started, online) in %v; writer meanwhile: %d acknowledged, %d failed",
		n, time.Since(at).Round(time.Millisecond), len(acks), failed)
	if failed > 0 {
		_, first, last, lerr := wr.Failures()
		t.Errorf("%d NFS writes failed while %s was upgraded and %s served, sent from +%v to +%v after the standby; last: %v",
			failed, n, other, first.Sub(at).Round(time.Millisecond), last.Sub(at).Round(time.Millisecond), lerr)
	}
	checkAcked(t, p, acks)
	return now
}

// The witness variant: n1 and n2 with a witness w (pacerd --witness, no
// resources) instead of two_node. Power-off of the Primary: the survivor
// and the witness keep the quorum, the DC fences the victim through the
// CIB's fence device and the service moves; the victim comes back without
// failback. (PACER_LAB_LONG=1, make lab.)
func TestPairNFSWitness(t *testing.T) {
	requirePair(t)
	if os.Getenv("PACER_LAB_LONG") == "" {
		t.Skip("long: set PACER_LAB_LONG=1 (make lab)")
	}
	p, prim := startPair(t, "lpairw", true)
	w := p.Watch(20 * time.Millisecond)
	defer checkWatch(t, w)
	must(t, p.NFSWrite("marker", "m\n", 10*time.Second))
	at := time.Now()
	took, surv := powerOffFailover(t, p, prim)
	t.Logf("witness: power-off of %s: first NFS answer through %s after %v", prim, PairVIP, took.Round(time.Millisecond))
	logEvents(t, p, at)
	waitFenced(t, p, surv, prim, at)
	got, err := p.NFSRead("marker", 5*time.Second)
	if err != nil || got != "m\n" {
		t.Fatalf("marker after the failover: %q %v", got, err)
	}
	must(t, p.Reboot(prim))
	now, err := p.WaitSettled(surv, true, pairGuard)
	must(t, err)
	if now != surv {
		t.Fatalf("failback to %s", now)
	}
}

// The pair's failover measurement (docs/benchmarks.md): power-off of the
// Primary to the client's first successful NFS operation through the
// service address, PACER_PAIR_RUNS times (default 10), the victim powered
// on again between runs. A measurement, not an assertion: run with
// PACER_PAIR_BENCH=1 (make bench-pair).
func TestPairFailoverBench(t *testing.T) {
	requirePair(t)
	if os.Getenv("PACER_PAIR_BENCH") == "" {
		t.Skip("measurement: set PACER_PAIR_BENCH=1 (make bench-pair)")
	}
	runs := 10
	if v := os.Getenv("PACER_PAIR_RUNS"); v != "" {
		if _, err := fmt.Sscan(v, &runs); err != nil || runs < 1 {
			t.Fatalf("PACER_PAIR_RUNS=%q: want a positive number", v)
		}
	}
	p, prim := startPair(t, "lpairb", false)
	w := p.Watch(20 * time.Millisecond)
	defer checkWatch(t, w)
	var all []time.Duration
	by := map[string][]time.Duration{}
	for i := 0; i < runs; i++ {
		took, surv := powerOffFailover(t, p, prim)
		all = append(all, took)
		by[prim] = append(by[prim], took)
		t.Logf("run %d: power-off of %s, first NFS answer from %s after %v", i+1, prim, surv, took.Round(time.Millisecond))
		waitFenced(t, p, surv, prim, time.Now().Add(-took-time.Second))
		must(t, p.Reboot(prim))
		_, err := p.WaitSettled(surv, true, pairGuard)
		must(t, err)
		prim = surv
	}
	lo, med, hi := stats(all)
	t.Logf("power-off of the Primary -> first NFS answer, %d runs: min %v median %v max %v", runs,
		lo.Round(time.Millisecond), med.Round(time.Millisecond), hi.Round(time.Millisecond))
	for _, v := range []string{"n1", "n2"} {
		if len(by[v]) > 0 {
			lo, med, hi := stats(by[v])
			t.Logf("  victim %s (%d runs): min %v median %v max %v", v, len(by[v]),
				lo.Round(time.Millisecond), med.Round(time.Millisecond), hi.Round(time.Millisecond))
		}
	}
}

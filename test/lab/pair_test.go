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
		name := fmt.Sprintf("w-%d", a.Seq)
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
		wr := p.StartWriter(50*time.Millisecond, 2*time.Second)
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
		prim = surv
	})

	t.Run("node comes back, no failback", func(t *testing.T) {
		if victim == "" {
			t.Skip("no victim")
		}
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

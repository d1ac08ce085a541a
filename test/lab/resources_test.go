package lab

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// rguard bounds the waits of the resource tests: a hang guard, not a
// timing claim (a failover here takes one to three seconds).
const rguard = 40 * time.Second

// The resources every resource test configures: a group of a Filesystem
// on the shared disk, a VIP on ring0 and a Knob (a Dummy with run-time
// knobs), in that order, and the lab fence device.
var groupMembers = []string{"fs", "vip", "app"}

const (
	labVIP   = Net + ".0.100"
	appState = "/run/resource-agents/Knob-app.state"
)

// requireResourceAgents skips (fails under CI=true) without the heartbeat
// agents.
func requireResourceAgents(t *testing.T) {
	t.Helper()
	if why := ResourceAgentsAvailable(); why != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and %s", why)
		}
		t.Skip(why)
	}
}

// resourceLab is a 3-node cluster in a lab with a client and a shared
// disk, pacerd running the lab's resources, configured with pacer
// configure, and a watcher of every exclusive thing (the VIP, the mount,
// app's state file) running from the start.
type resourceLab struct {
	t     *testing.T
	l     *Lab
	c     *Cluster
	knobs string
	w     *Watcher
}

func newResourceLab(t *testing.T, name string) *resourceLab {
	return newResourceLabOf(t, name, []string{"n1", "n2", "n3"}, "", nil)
}

// newResourceLabOf is newResourceLab with these hosts, extra TOML in every
// pacer.toml and hostExtra in one host's (ClusterSpec.HostExtra).
func newResourceLabOf(t *testing.T, name string, hosts []string, extra string, hostExtra map[string]string) *resourceLab {
	requireLab(t)
	requireResourceAgents(t)
	l := newLab(t, Spec{Name: name, Hosts: hosts, Client: true, DiskMB: 32})
	env, err := l.ResourceEnv()
	must(t, err)
	c, err := l.NewCluster(ClusterSpec{Bin: binDir, Env: env, Extra: extra, HostExtra: hostExtra})
	must(t, err)
	r := &resourceLab{t: t, l: l, c: c, knobs: filepath.Join(l.Dir, "knobs")}
	must(t, os.MkdirAll(r.knobs, 0o755))
	t.Cleanup(func() {
		if t.Failed() {
			for _, h := range c.Nodes() {
				if p := c.Node(h); p != nil {
					t.Logf("last log lines of %s:\n%s", h, p.Tail(60))
				}
			}
		}
	})
	r.w = Watch(20*time.Millisecond, l.ExclusiveAddr(labVIP), l.ExclusiveMount(), l.ExclusiveFile(appState))
	t.Cleanup(func() { r.w.Stop() })

	start := time.Now()
	must(t, c.StartAll())
	must(t, c.WaitJoined(c.Nodes(), start, rguard))
	dc, err := c.WaitOneDC(c.Nodes(), rguard)
	must(t, err)

	// The configuration, as an operator would type it: one pacer
	// configure per statement, each a change of the live CIB.
	var hm []string
	for _, n := range c.Nodes() {
		hm = append(hm, n+":"+l.Host(n).NS)
	}
	cmds := [][]string{
		// off: a fenced host stays off until the test powers it on.
		{"property", "stonith-enabled=true", "stonith-action=off"},
		{"rsc_defaults", "resource-stickiness=100"},
		{"primitive", "fence-lab", "stonith:fence_pacer_lab", "params",
			"pcmk_host_list=" + strings.Join(c.Nodes(), " "), "pcmk_host_map=" + strings.Join(hm, ";"),
			"op", "monitor", "interval=10s"},
		{"primitive", "fs", "ocf:heartbeat:Filesystem", "params", "device=" + l.Disk, "directory=" + l.MountDir, "fstype=ext4",
			"op", "monitor", "interval=2s", "timeout=20s"},
		{"primitive", "vip", "ocf:heartbeat:IPaddr2", "params", "ip=" + labVIP, "cidr_netmask=24", "nic=ring0",
			"op", "monitor", "interval=2s", "timeout=20s"},
		{"primitive", "app", "ocf:pacerlab:Knob", "params", "knobs=" + r.knobs, "meta", "migration-threshold=2",
			"op", "monitor", "interval=1s", "timeout=20s", "op", "start", "interval=0", "timeout=5s"},
		{"group", "web", "fs", "vip", "app"},
	}
	for _, cmd := range cmds {
		must(t, c.Configure(dc, cmd...))
	}
	where, err := c.WaitPlaced(dc, groupMembers, rguard)
	must(t, err)
	r.checkRunning(where)
	t.Logf("%d nodes, DC %s; group web (fs, vip, app) running on %s %v after pacerd started",
		len(hosts), dc, where, time.Since(start).Round(time.Millisecond))
	return r
}

// group is where the group runs now (all members together, settled).
func (r *resourceLab) group() string {
	r.t.Helper()
	dc, err := r.c.WaitOneDC(r.c.Alive(), rguard)
	must(r.t, err)
	where, err := r.c.WaitPlaced(dc, groupMembers, rguard)
	must(r.t, err)
	return where
}

// checkRunning checks inside every namespace that the group runs on
// where and nowhere else: the VIP up there only, the disk mounted there
// only, app's state file there only; and that the fence device runs.
func (r *resourceLab) checkRunning(where string) {
	r.t.Helper()
	for _, x := range []struct {
		what string
		f    func() ([]string, error)
	}{
		{"VIP " + labVIP, func() ([]string, error) { return r.l.AddrHolders(labVIP) }},
		{"mount of " + r.l.Disk, func() ([]string, error) { return r.l.MountHolders(r.l.Disk) }},
		{"app's state file", func() ([]string, error) { return r.l.FileHolders(appState) }},
	} {
		got, err := x.f()
		must(r.t, err)
		if !slices.Equal(got, []string{where}) {
			r.t.Errorf("%s is on %v, want [%s]", x.what, got, where)
		}
	}
	dc, err := r.c.WaitOneDC(r.c.Alive(), rguard)
	must(r.t, err)
	deadline := time.Now().Add(rguard)
	for {
		st, err := r.c.Status(dc)
		if err == nil && len(st.Placement()["fence-lab"]) == 1 {
			break
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("fence-lab not running on one node: %v %v", st.Placement(), err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// heal brings host back (HealHost) and waits until the DC has probed it
// and the group is settled again; it returns where the group runs.
func (r *resourceLab) heal(host string) string {
	r.t.Helper()
	at := time.Now()
	did, err := r.c.HealHost(host)
	must(r.t, err)
	dc, err := r.c.WaitOneDC(r.c.Nodes(), rguard)
	must(r.t, err)
	_, err = r.c.Node(dc).WaitEvent(at, rguard, "node joined", map[string]string{"node": host})
	if host == dc {
		err = nil // a restarted DC probes itself; nothing to wait for
	}
	must(r.t, err)
	where := r.group()
	r.checkRunning(where)
	r.t.Logf("%s healed (%s), joined again in %v; group on %s", host, did, time.Since(at).Round(time.Millisecond), where)
	return where
}

// moveTo moves the group to node with pacer resource move (one-shot: it
// waits until the group runs there and removes its constraint) unless it
// runs there already.
func (r *resourceLab) moveTo(node string) {
	r.t.Helper()
	if r.group() == node {
		return
	}
	_, err := r.c.Pacer(node, rguard, "resource", "move", "web", node)
	must(r.t, err)
	if now := r.group(); now != node {
		r.t.Fatalf("moved web to %s, it runs on %s", node, now)
	}
	r.checkRunning(node)
}

// setDevice redefines fence-lab (pacer configure load update through
// host's pacerd): plugs overrides some nodes' plugs in pcmk_host_map,
// extra is more parameters ("" for none).
func (r *resourceLab) setDevice(host string, plugs map[string]string, extra string) {
	r.t.Helper()
	var hm []string
	for _, n := range r.c.Nodes() {
		p := r.l.Host(n).NS
		if o, ok := plugs[n]; ok {
			p = o
		}
		hm = append(hm, n+":"+p)
	}
	def := fmt.Sprintf("primitive fence-lab stonith:fence_pacer_lab params pcmk_host_list=%q pcmk_host_map=%q %s op monitor interval=10s\n",
		strings.Join(r.c.Nodes(), " "), strings.Join(hm, ";"), extra)
	file := filepath.Join(r.l.Dir, "fence-lab.crm")
	must(r.t, os.WriteFile(file, []byte(def), 0o644))
	_, err := r.c.Pacer(host, 30*time.Second, "configure", "load", "update", file)
	must(r.t, err)
}

// starts is Knob's log of real starts ("start NODE INSTANCE"), oldest
// first.
func (r *resourceLab) starts() []string {
	r.t.Helper()
	b, err := os.ReadFile(filepath.Join(r.knobs, "starts.log"))
	if err != nil && !os.IsNotExist(err) {
		r.t.Fatal(err)
	}
	if t := strings.TrimSpace(string(b)); t != "" {
		return strings.Split(t, "\n")
	}
	return nil
}

// vipMoved polls (every 10 ms, inside every namespace) until the VIP is
// up on a host other than from, and returns when and where.
func (r *resourceLab) vipMoved(from string, since time.Time) (time.Time, string) {
	r.t.Helper()
	for time.Since(since) < rguard {
		hs, err := r.l.AddrHolders(labVIP)
		if err == nil && len(hs) == 1 && hs[0] != from {
			return time.Now(), hs[0]
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.t.Fatalf("VIP %s never came up away from %s within %v", labVIP, from, rguard)
	return time.Time{}, ""
}

// failover is a fault's timeline, from the survivors' logs and the VIP
// poller: fault -> declared dead -> fenced -> VIP up elsewhere -> the
// whole group started there.
type failover struct {
	victim, to                 string
	at                         time.Time
	dead, fenced, vipUp, group time.Duration
	fencedBy                   string
	wasDC                      bool
}

// expectFencedFailover waits, after a fault at at on victim, for the VIP
// to come up elsewhere, and checks from the logs that the victim was
// fenced (by the DC) before any member of the group started anywhere
// else, and that the group ends up together on the VIP's host. declared
// says whether membership must declare the victim dead (not for a failed
// stop, where it stays a member until fenced).
func (r *resourceLab) expectFencedFailover(victim string, at time.Time, declared bool) failover {
	r.t.Helper()
	fo := failover{victim: victim, at: at}
	up, to := r.vipMoved(victim, at)
	fo.to, fo.vipUp = to, up.Sub(at)
	surv := r.c.Survivors(victim)
	if declared {
		e, _, ok := r.c.FirstEvent(surv, at, "node declared dead", map[string]string{"node": victim})
		if !ok {
			r.t.Errorf("no survivor declared %s dead", victim)
		} else {
			fo.dead = e.TS.Sub(at)
		}
	}
	fenced := r.c.AllEvents(surv, at, "fencing succeeded", map[string]string{"logger": "coordinator", "node": victim})
	if len(fenced) == 0 {
		r.t.Fatalf("VIP up on %s but no survivor logged the fencing of %s", to, victim)
	}
	fo.fenced, fo.fencedBy = fenced[0].TS.Sub(at), fenced[0].Host
	// Nothing of the group starts elsewhere before the fencing.
	for _, e := range r.c.AllEvents(surv, at, "action initiated", map[string]string{"op": "start"}) {
		if slices.Contains(groupMembers, e.Str("rsc")) && e.TS.Before(fenced[0].TS) {
			r.t.Errorf("%s started on %s at +%v, before %s was fenced (+%v)",
				e.Str("rsc"), e.Str("node"), e.TS.Sub(at), victim, fo.fenced)
		}
	}
	dc, err := r.c.WaitOneDC(surv, rguard)
	must(r.t, err)
	where, err := r.c.WaitPlaced(dc, groupMembers, rguard)
	must(r.t, err)
	if where != to {
		r.t.Errorf("group settled on %s, the VIP came up on %s", where, to)
	}
	if st := r.c.AllEvents(surv, at, "action result", map[string]string{"rsc": "app", "op": "start", "rc": "0", "node": where}); len(st) > 0 {
		fo.group = st[0].TS.Sub(at)
	}
	h := r.l.Host(victim)
	if h.HolderPid() != 0 {
		r.t.Errorf("%s fenced (off) but its host still runs", victim)
	}
	r.checkRunning(where)
	r.checkFenceHistory(victim, at)
	return fo
}

// checkFenceHistory: pacer status on every node that runs shows the
// fencing of victim after at, a success through fence-lab, once (each
// node's copy of the status section may trail the DC's by a moment).
func (r *resourceLab) checkFenceHistory(victim string, at time.Time) {
	r.t.Helper()
	for _, n := range r.c.Alive() {
		var got []StatusFence
		deadline := time.Now().Add(5 * time.Second)
		for {
			st, err := r.c.Status(n)
			got = nil
			for _, f := range st.Fencing {
				if f.Target == victim && f.Completed.After(at.Add(-time.Second)) {
					got = append(got, f)
				}
			}
			if err == nil && len(got) > 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if len(got) != 1 || got[0].State != "success" || !slices.Equal(got[0].Devices, []string{"fence-lab"}) || got[0].Action != "off" {
			r.t.Errorf("pacer status on %s: fencing history of %s since the fault %+v, want one success (off, fence-lab)", n, victim, got)
		}
	}
}

// failoverOnce moves the group onto the DC (onDC) or onto another node,
// injects f on that node and waits for the fenced failover
// (expectFencedFailover). The victim is left as the fault and the fencing
// left it.
func (r *resourceLab) failoverOnce(f Fault, onDC bool) failover {
	r.t.Helper()
	dc, err := r.c.WaitOneDC(r.c.Nodes(), rguard)
	must(r.t, err)
	where := r.group()
	switch {
	case onDC:
		r.moveTo(dc)
	case where == dc:
		r.moveTo(r.c.Survivors(dc)[0])
	}
	where = r.group()
	at, err := r.c.Inject(f, where)
	must(r.t, err)
	fo := r.expectFencedFailover(where, at, true)
	fo.wasDC = where == dc
	return fo
}

func (r *resourceLab) logFailover(what string, fo failover) {
	r.t.Helper()
	ms := func(d time.Duration) string {
		if d == 0 {
			return "-"
		}
		return fmt.Sprintf("+%.3fs", d.Seconds())
	}
	r.t.Logf("%s of %s: declared dead %s, fenced %s (by %s), VIP up on %s %s, group started %s (deadtime %v)",
		what, fo.victim, ms(fo.dead), ms(fo.fenced), fo.fencedBy, fo.to, ms(fo.vipUp), ms(fo.group), r.c.Spec.Deadtime)
}

// checkWatch fails the test for every moment the watcher saw something
// exclusive on two hosts, and logs how much it looked.
func (r *resourceLab) checkWatch() {
	r.t.Helper()
	viol, samples, errs := r.w.Stop()
	for _, v := range viol {
		r.t.Errorf("on two hosts at once: %v", v)
	}
	for _, err := range errs {
		r.t.Logf("watcher error: %v", err)
	}
	if samples == 0 {
		r.t.Error("the watcher took no sample")
	}
	r.t.Logf("watcher: %d samples (VIP, mount, app's state file, every 20 ms in every namespace), %d violations", samples, len(viol))
}

// noFencingSince fails for any fencing any node logged since at.
func (r *resourceLab) noFencingSince(at time.Time) {
	r.t.Helper()
	for _, e := range r.c.AllEvents(r.c.Nodes(), at, "fencing requested", nil) {
		r.t.Errorf("%s requested fencing of %s: %v", e.Host, e.Str("node"), e.Fields)
	}
}

// The lab's resources through every fault the issue lists, one after the
// other on one cluster (each healed before the next): a group of a
// Filesystem on the shared disk, an IPaddr2 VIP and a Knob, a lab fence
// device, stonith-action=off. Throughout, a watcher looks inside every
// namespace every 20 ms: the VIP, the mount and app's state file are
// never on two hosts at once.
func TestResourceFaults(t *testing.T) {
	r := newResourceLab(t, "lrs")
	c, l := r.c, r.l

	t.Run("one link cut: no failover", func(t *testing.T) {
		r.t = t
		where := r.group()
		at, err := c.Inject(FaultCutOne, where)
		must(t, err)
		time.Sleep(6 * c.Spec.Deadtime)
		must(t, c.Heal(FaultCutOne, where))
		time.Sleep(4 * c.Spec.Deadtime)
		r.noFencingSince(at)
		noneSince(t, c, c.Nodes(), at, "node declared dead", "")
		for _, e := range c.AllEvents(c.Nodes(), at, "action initiated", nil) {
			if slices.Contains(groupMembers, e.Str("rsc")) {
				t.Errorf("%s %s on %s after a one-link cut: %s", e.Str("op"), e.Str("rsc"), e.Str("node"), e.Str("reason"))
			}
		}
		if now := r.group(); now != where {
			t.Errorf("group moved from %s to %s", where, now)
		}
		r.checkRunning(where)
		t.Logf("ring0 of %s cut for %v: no fencing, nobody declared dead, the group stayed", where, 6*c.Spec.Deadtime)
	})

	// The Filesystem unmounted behind the cluster's back: its monitor
	// fails, and the group is recovered in place (fs, then vip and app,
	// which depend on it, restarted on the same node).
	t.Run("filesystem unmounted: recovered in place", func(t *testing.T) {
		r.t = t
		where := r.group()
		at := time.Now()
		_, err := l.Host(where).Run(10*time.Second, "umount", l.MountDir)
		must(t, err)
		dc, err := c.WaitOneDC(c.Nodes(), rguard)
		must(t, err)
		mf, err := c.Node(dc).WaitEvent(at, rguard, "monitor failed", map[string]string{"rsc": "fs", "node": where})
		must(t, err)
		var last Event
		for _, m := range groupMembers {
			e, err := c.Node(dc).WaitEvent(at, rguard, "action result", map[string]string{"rsc": m, "op": "start", "rc": "0", "node": where})
			must(t, err)
			last = e
		}
		if now := r.group(); now != where {
			t.Fatalf("group moved from %s to %s after one failure", where, now)
		}
		r.checkRunning(where)
		r.noFencingSince(at)
		t.Logf("fs unmounted on %s: monitor failed +%.3fs, group restarted in place +%.3fs", where,
			mf.TS.Sub(at).Seconds(), last.TS.Sub(at).Seconds())
		_, err = c.Pacer(where, 30*time.Second, "resource", "cleanup", "fs")
		must(t, err)
	})

	t.Run("failed monitor: recovered in place, then moved", func(t *testing.T) {
		r.t = t
		began := time.Now()
		where := r.group()
		h := l.Host(where)
		var moved string
		for i := 1; i <= 2; i++ {
			at := time.Now()
			_, err := h.Run(5*time.Second, "rm", appState)
			must(t, err)
			dc, err := c.WaitOneDC(c.Nodes(), rguard)
			must(t, err)
			mf, err := c.Node(dc).WaitEvent(at, rguard, "monitor failed", map[string]string{"rsc": "app", "node": where})
			must(t, err)
			want := map[string]string{"rsc": "app", "op": "start", "rc": "0"}
			if i == 1 {
				want["node"] = where
			}
			st, err := c.Node(dc).WaitEvent(at, rguard, "action result", want)
			must(t, err)
			t.Logf("failure %d: app's state file removed on %s; monitor failed +%.3fs, app started on %s +%.3fs",
				i, where, mf.TS.Sub(at).Seconds(), st.Str("node"), st.TS.Sub(at).Seconds())
			now := r.group()
			switch {
			case i == 1 && now != where:
				t.Fatalf("first failure: group moved to %s, want recovered in place on %s", now, where)
			case i == 2 && now == where:
				t.Fatalf("second failure (migration-threshold 2): group still on %s", where)
			}
			moved = now
			r.checkRunning(now)
		}
		r.noFencingSince(began)
		// Forget the fail counts, so that the next faults may use every node.
		_, err := c.Pacer(moved, 30*time.Second, "resource", "cleanup", "app")
		must(t, err)
		if now := r.group(); now != moved {
			t.Errorf("cleanup moved the group from %s to %s", moved, now)
		}
	})

	// app's start hangs on its node (a knob for that node only): the
	// agent is killed at the start's timeout (5 s), the failed start bans
	// app from the node (start-failure-is-fatal) and the group moves.
	t.Run("start hangs: timed out, the group moves", func(t *testing.T) {
		r.t = t
		where := r.group()
		knob := filepath.Join(r.knobs, "start-sleep@"+where)
		must(t, os.WriteFile(knob, []byte("60\n"), 0o644))
		defer os.Remove(knob)
		at := time.Now()
		_, err := l.Host(where).Run(5*time.Second, "rm", appState)
		must(t, err)
		dc, err := c.WaitOneDC(c.Nodes(), rguard)
		must(t, err)
		ini, err := c.Node(dc).WaitEvent(at, rguard, "action initiated", map[string]string{"rsc": "app", "op": "start", "node": where})
		must(t, err)
		res, err := c.Node(dc).WaitEvent(at, rguard, "action result", map[string]string{"rsc": "app", "op": "start", "node": where})
		must(t, err)
		if res.Str("rc") == "0" {
			t.Fatalf("app's hanging start on %s succeeded: %v", where, res.Fields)
		}
		must(t, os.Remove(knob))
		now := r.group()
		if now == where {
			t.Fatalf("group still on %s after its start there timed out", where)
		}
		r.checkRunning(now)
		r.noFencingSince(at)
		if ps, err := l.Host(where).Processes(); err == nil {
			for _, p := range ps {
				if p.Comm == "sleep" && slices.Contains(p.Args, "60") {
					t.Errorf("the hung start's sleep still runs on %s: %v", where, p)
				}
			}
		}
		t.Logf("app's start on %s hung: result rc %s (%s, status %s) %.3fs after it was initiated; group on %s +%.3fs",
			where, res.Str("rc"), res.Str("rc_text"), res.Str("status"), res.TS.Sub(ini.TS).Seconds(), now, time.Since(at).Seconds())
		_, err = c.Pacer(now, 30*time.Second, "resource", "cleanup", "app")
		must(t, err)
		if again := r.group(); again != now {
			t.Errorf("cleanup moved the group from %s to %s", now, again)
		}
	})

	// On the DC: the DC cannot fence itself; it hands its role over and
	// another node fences it.
	t.Run("stop fails on the DC: fenced, recovered elsewhere", func(t *testing.T) {
		r.t = t
		where, err := c.WaitOneDC(c.Nodes(), rguard)
		must(t, err)
		r.moveTo(where)
		knob := filepath.Join(r.knobs, "fail-stop")
		must(t, os.WriteFile(knob, nil, 0o644))
		at := time.Now()
		_, err = l.Host(where).Run(5*time.Second, "rm", appState)
		must(t, err)
		sf, err := c.Node(where).WaitEvent(at, rguard, "action result", map[string]string{"rsc": "app", "op": "stop", "node": where, "rc": "1"})
		if err != nil {
			// The DC itself may be the one fenced; any survivor's log will do.
			e, _, ok := c.FirstEvent(c.Survivors(where), at, "action result", map[string]string{"rsc": "app", "op": "stop", "node": where, "rc": "1"})
			if !ok {
				t.Fatal(err)
			}
			sf = e
		}
		must(t, os.Remove(knob))
		fo := r.expectFencedFailover(where, at, false)
		r.logFailover("failed stop", fo)
		ho, err := c.Node(where).WaitEvent(at, 0, "this DC must be fenced; handing the DC role over", map[string]string{"node": where})
		if err != nil {
			t.Errorf("the DC %s that had to be fenced did not hand its role over: %v", where, err)
		}
		t.Logf("the stop failed +%.3fs after app's monitor was made to fail; DC %s handed its role over to %s +%.3fs; fenced by %s",
			sf.TS.Sub(at).Seconds(), where, ho.Str("to"), ho.TS.Sub(at).Seconds(), fo.fencedBy)
		if fo.fencedBy == where {
			t.Errorf("%s fenced itself", where)
		}
		r.heal(where)
	})

	// kill and cutall hit the DC that runs the group (a new DC must be
	// elected before anything is fenced; the isolated DC must not act),
	// poweroff another node.
	for _, f := range []Fault{FaultKill, FaultPowerOff, FaultCutAll} {
		t.Run(string(f), func(t *testing.T) {
			r.t = t
			fo := r.failoverOnce(f, f != FaultPowerOff)
			r.logFailover(fmt.Sprintf("%s (the DC: %v)", f, fo.wasDC), fo)
			if fo.fenced > 3*c.Spec.Deadtime {
				r.timeline(fo)
			}
			r.heal(fo.victim)
		})
	}

	// The fence device cannot fence the node (its plug is wrong): the
	// fencing fails and is retried, never assumed; the group stays on the
	// dead node (its VIP and mount are still there) and starts nowhere
	// else until the device is repaired and the node really fenced.
	t.Run("fence device fails: retried, nothing started elsewhere", func(t *testing.T) {
		r.t = t
		fo := failover{}
		dc, err := c.WaitOneDC(c.Nodes(), rguard)
		must(t, err)
		victim := r.group()
		if victim == dc {
			victim = c.Survivors(dc)[0]
			r.moveTo(victim)
		}
		device := func(plug string) {
			r.setDevice(dc, map[string]string{victim: plug}, "")
		}
		device(Prefix(l.Name) + "nosuch")
		// The device restarts with its new parameters; then the fault.
		time.Sleep(time.Second)
		fo.at, err = c.Inject(FaultKill, victim)
		must(t, err)
		fo.victim = victim
		for i := 1; i <= 2; i++ {
			deadline := time.Now().Add(rguard)
			for len(c.AllEvents(c.Survivors(victim), fo.at, "fencing failed", map[string]string{"logger": "coordinator", "node": victim})) < i {
				if time.Now().After(deadline) {
					t.Fatalf("no %d failed fencing attempts of %s", i, victim)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		failedAt := time.Since(fo.at)
		if hs, err := l.AddrHolders(labVIP); err != nil || !slices.Equal(hs, []string{victim}) {
			t.Errorf("while %s cannot be fenced the VIP is on %v (%v), want [%s]", victim, hs, err, victim)
		}
		for _, e := range c.AllEvents(c.Nodes(), fo.at, "action initiated", map[string]string{"op": "start"}) {
			if slices.Contains(groupMembers, e.Str("rsc")) {
				t.Errorf("%s started on %s while %s was not fenced", e.Str("rsc"), e.Str("node"), victim)
			}
		}
		repaired := time.Now()
		device(l.Host(victim).NS)
		up, to := r.vipMoved(victim, repaired)
		fenced := c.AllEvents(c.Survivors(victim), repaired, "fencing succeeded", map[string]string{"logger": "coordinator", "node": victim})
		if len(fenced) == 0 {
			t.Fatalf("VIP up on %s but %s's fencing not logged", to, victim)
		}
		t.Logf("kill of %s with a device that cannot fence it: 2 failed fencing attempts within %.3fs, the group stayed there; "+
			"device repaired: fenced +%.3fs, VIP up on %s +%.3fs after the repair", victim, failedAt.Seconds(),
			fenced[0].TS.Sub(repaired).Seconds(), to, up.Sub(repaired).Seconds())
		where := r.group()
		r.checkRunning(where)
		// The status section's history: the failed attempts, then the success.
		st, err := c.Status(where)
		must(t, err)
		var states []string
		for _, f := range st.Fencing {
			if f.Target == victim && f.Completed.After(fo.at) {
				states = append(states, f.State)
			}
		}
		if !slices.Equal(states, []string{"failed", "success"}) {
			t.Errorf("fencing history of %s since the kill: %v, want [failed success]", victim, states)
		}
		r.heal(victim)
	})

	// The node comes back while it is being fenced (pcmk_delay_base 2 s
	// gives it the time): its pacerd restarted and heard again, the
	// fencing goes on all the same, powers it off, and only then does the
	// group start elsewhere.
	t.Run("node back during its fencing: fenced all the same", func(t *testing.T) {
		r.t = t
		dc, err := c.WaitOneDC(c.Nodes(), rguard)
		must(t, err)
		victim := r.group()
		if victim == dc {
			victim = c.Survivors(dc)[0]
			r.moveTo(victim)
		}
		r.setDevice(dc, nil, "pcmk_delay_base=2s")
		time.Sleep(time.Second)
		at, err := c.Inject(FaultKill, victim)
		must(t, err)
		req, err := c.Node(dc).WaitEvent(at, rguard, "fencing requested", map[string]string{"logger": "coordinator", "node": victim})
		must(t, err)
		back := time.Now()
		_, err = c.Start(victim)
		must(t, err)
		fo := r.expectFencedFailover(victim, at, true)
		var heard Event
		for _, msg := range []string{"node joined", "node restarted"} {
			if es := c.Node(dc).EventsSince(back, msg, map[string]string{"logger": "membership", "node": victim}); len(es) > 0 &&
				(heard.Msg == "" || es[0].TS.Before(heard.TS)) {
				heard = es[0]
			}
		}
		if heard.Msg == "" {
			t.Fatalf("the DC never heard %s's restarted pacerd before it was fenced", victim)
		}
		r.logFailover("kill, pacerd back during the fencing's 2 s delay,", fo)
		t.Logf("fencing requested +%.3fs, %s's pacerd started again +%.3fs, heard by the DC +%.3fs (%s)",
			req.TS.Sub(at).Seconds(), victim, back.Sub(at).Seconds(), heard.TS.Sub(at).Seconds(), heard.Msg)
		if heard.TS.After(at.Add(fo.fenced)) {
			t.Errorf("%s was heard again only after its fencing", victim)
		}
		r.setDevice(dc, nil, "")
		r.heal(victim)
	})

	// The DC running the group freezes (SIGSTOP) while the device cannot
	// fence it: the others declare it dead, elect a new DC, and try to
	// fence it in vain; nothing of the group starts elsewhere. The stale
	// DC wakes up (SIGCONT) after 3 s: it does not act as DC, it is
	// heard again and joins, its fencing is no longer needed, and the
	// group stays where it runs.
	t.Run("stale DC wakes up after its fencing failed", func(t *testing.T) {
		r.t = t
		dc, err := c.WaitOneDC(c.Nodes(), rguard)
		must(t, err)
		r.moveTo(dc)
		ok := c.Survivors(dc)[0]
		r.setDevice(ok, map[string]string{dc: Prefix(l.Name) + "nosuch"}, "")
		time.Sleep(time.Second)
		p := c.Node(dc)
		at := time.Now()
		p.Kill(syscall.SIGSTOP)
		stopped := true
		defer func() {
			if stopped {
				p.Kill(syscall.SIGCONT)
			}
		}()
		surv := c.Survivors(dc)
		newDC, err := c.WaitOneDC(surv, rguard)
		must(t, err)
		deadline := time.Now().Add(rguard)
		for len(c.AllEvents(surv, at, "fencing failed", map[string]string{"logger": "coordinator", "node": dc})) == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("no failed fencing of the frozen %s", dc)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if rest := 3*time.Second - time.Since(at); rest > 0 {
			time.Sleep(rest)
		}
		woke := time.Now()
		p.Kill(syscall.SIGCONT)
		stopped = false
		// It is heard again and joins under the new DC.
		j, err := c.Node(newDC).WaitEvent(woke, rguard, "node joined", map[string]string{"logger": "coordinator", "node": dc})
		must(t, err)
		now, err := c.WaitOneDC(c.Nodes(), rguard)
		must(t, err)
		if now == dc {
			t.Errorf("the stale DC %s is DC again", dc)
		}
		where := r.group()
		if where != dc {
			t.Errorf("group moved from %s to %s", dc, where)
		}
		r.checkRunning(where)
		for _, e := range c.AllEvents(c.Nodes(), at, "action initiated", map[string]string{"op": "start"}) {
			if slices.Contains(groupMembers, e.Str("rsc")) {
				t.Errorf("%s started on %s around the stale DC", e.Str("rsc"), e.Str("node"))
			}
		}
		for _, e := range c.AllEvents(c.Nodes(), at, "fencing succeeded", nil) {
			t.Errorf("%s fenced %s", e.Host, e.Str("node"))
		}
		var stale []string
		for _, e := range p.EventsSince(woke, "action initiated", nil) {
			stale = append(stale, e.Str("op")+" "+e.Str("rsc")+" on "+e.Str("node"))
		}
		if len(stale) > 0 {
			t.Errorf("the stale DC %s dispatched after it woke: %v", dc, stale)
		}
		t.Logf("DC %s frozen: new DC %s, its fencing failed; %s woke at +%.3fs and joined under %s +%.3fs after; the group stayed on %s",
			dc, newDC, dc, woke.Sub(at).Seconds(), newDC, j.TS.Sub(woke).Seconds(), where)
		r.setDevice(newDC, nil, "")
	})

	t.Run("DC killed in the middle of a transition", func(t *testing.T) {
		r.t = t
		where := r.group()
		dc, err := c.WaitOneDC(c.Nodes(), rguard)
		must(t, err)
		// Move the group to a node that is not the DC, app's start slowed
		// to 3 s, and kill the DC while that start runs.
		target := ""
		for _, n := range c.Nodes() {
			if n != where && n != dc {
				target = n
				break
			}
		}
		knob := filepath.Join(r.knobs, "start-sleep")
		must(t, os.WriteFile(knob, []byte("3\n"), 0o644))
		defer os.Remove(knob)
		startsBefore := r.starts()
		at := time.Now()
		moveDone := make(chan error, 1)
		go func() {
			_, err := c.Pacer(target, rguard, "resource", "move", "--lifetime", "10m", "web", target)
			moveDone <- err
		}()
		ini, err := c.Node(dc).WaitEvent(at, rguard, "action initiated", map[string]string{"rsc": "app", "op": "start", "node": target})
		must(t, err)
		time.Sleep(500 * time.Millisecond)
		killed, err := c.Kill(dc)
		must(t, err)
		t.Logf("group moving %s -> %s; app's start initiated +%.3fs; DC %s killed +%.3fs, in the middle of app's 3 s start",
			where, target, ini.TS.Sub(at).Seconds(), dc, killed.Sub(at).Seconds())
		must(t, <-moveDone)
		surv := c.Survivors(dc)
		newDC, err := c.WaitOneDC(surv, rguard)
		must(t, err)
		now, err := c.WaitPlaced(newDC, groupMembers, rguard)
		must(t, err)
		if now != target {
			t.Errorf("group on %s after the DC's death, want %s", now, target)
		}
		fenced := c.AllEvents(surv, killed, "fencing succeeded", map[string]string{"logger": "coordinator", "node": dc})
		if len(fenced) == 0 {
			t.Errorf("the killed DC %s was not fenced", dc)
		}
		starts := c.AllEvents(c.Nodes(), at, "action result", map[string]string{"rsc": "app", "op": "start", "rc": "0"})
		var on []string
		for _, e := range starts {
			on = append(on, e.Host+":"+e.Str("node"))
		}
		for _, e := range c.AllEvents(surv, killed, "node joined", map[string]string{"node": target}) {
			t.Logf("new DC's probe of %s: active %v +%.3fs after the kill", target, e.Fields["active"], e.TS.Sub(killed).Seconds())
		}
		for _, e := range c.AllEvents(surv, killed, "action initiated", map[string]string{"rsc": "app"}) {
			t.Logf("after the kill: %s %s on %s +%.3fs (%s)", e.Str("op"), e.Str("rsc"), e.Str("node"), e.TS.Sub(killed).Seconds(), e.Str("reason"))
		}
		become, _, _ := c.FirstEvent(surv, killed, "became DC", nil)
		t.Logf("new DC %s +%.3fs after the kill; %s fenced %v; app start results (logger:node) %v; group on %s",
			newDC, become.TS.Sub(killed).Seconds(), dc, len(fenced) > 0, on, now)
		must(t, os.Remove(knob))
		r.checkRunning(now)
		if got := r.starts()[len(startsBefore):]; !slices.Equal(got, []string{"start " + target + " app"}) {
			t.Errorf("app's starts since the move: %v, want exactly one, on %s", got, target)
		}
		_, err = c.Pacer(newDC, 30*time.Second, "resource", "clear", "web")
		must(t, err)
		r.heal(dc)
	})

	r.t = t
	where := r.group()
	r.checkRunning(where)
	r.checkWatch()
	oneDCPerTerm(t, c)
}

// The fenced failover of the group measured: kill, power-off and every
// cable cut of the node running the group, runs times each, on the DC and
// on another node in turn, with min/median/max of fault -> declared dead
// -> fenced -> VIP up elsewhere -> group started. About 40 s; run
// with PACER_LAB_LONG=1 (make lab). PACER_LAB_RUNS sets runs (default 6).
func TestResourceFailoverRepeated(t *testing.T) {
	requireLab(t)
	if os.Getenv("PACER_LAB_LONG") == "" {
		t.Skip("long: set PACER_LAB_LONG=1 (make lab)")
	}
	runs := 6
	if v := os.Getenv("PACER_LAB_RUNS"); v != "" {
		if _, err := fmt.Sscan(v, &runs); err != nil || runs < 1 {
			t.Fatalf("PACER_LAB_RUNS=%q: want a positive number", v)
		}
	}
	r := newResourceLab(t, "lrr")
	for _, f := range []Fault{FaultKill, FaultPowerOff, FaultCutAll} {
		t.Run(string(f), func(t *testing.T) {
			r.t = t
			var dead, fenced, vip, group []time.Duration
			for i := range runs {
				fo := r.failoverOnce(f, i%2 == 0)
				r.logFailover(fmt.Sprintf("run %d: %s (the DC: %v)", i+1, f, fo.wasDC), fo)
				if fo.fenced > 8*r.c.Spec.Deadtime/5 {
					r.timeline(fo)
				}
				dead, fenced, vip, group = append(dead, fo.dead), append(fenced, fo.fenced), append(vip, fo.vipUp), append(group, fo.group)
				r.heal(fo.victim)
			}
			t.Logf("%s, %d runs (min / median / max): declared dead %s; fenced %s; VIP up elsewhere %s; group started %s",
				f, runs, spread(dead), spread(fenced), spread(vip), spread(group))
		})
	}
	r.t = t
	r.checkRunning(r.group())
	r.checkWatch()
}

// timeline logs what the survivors logged between a fault and the
// fencing: elections, joins, transitions (a slow run explained).
func (r *resourceLab) timeline(fo failover) {
	r.t.Helper()
	var lines []string
	for _, msg := range []string{"node declared dead", "elected DC", "became DC", "no DC", "probing node", "node joined",
		"node lost", "transition started", "fencing requested", "fencing succeeded", "node did not answer the probe",
		"transition abort requested", "transition aborted", "transition complete", "action initiated", "action result",
		"action lost", "action failed", "status commit failed"} {
		for _, e := range r.c.AllEvents(r.c.Survivors(fo.victim), fo.at.Add(-time.Second), msg, nil) {
			if d := e.TS.Sub(fo.at); d <= fo.fenced+100*time.Millisecond {
				lines = append(lines, fmt.Sprintf("%+.3fs %s: %s %s node=%s rsc=%s op=%s reason=%s", d.Seconds(), e.Host, e.Logger, msg,
					e.Str("node"), e.Str("rsc"), e.Str("op"), e.Str("reason")))
			}
		}
	}
	slices.Sort(lines)
	r.t.Logf("timeline of the failover of %s:\n  %s", fo.victim, strings.Join(lines, "\n  "))
}

// spread is "min / median / max" of ds in seconds.
func spread(ds []time.Duration) string {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return "-"
	}
	return fmt.Sprintf("%.3f / %.3f / %.3f s", s[0].Seconds(), s[len(s)/2].Seconds(), s[len(s)-1].Seconds())
}

// Two nodes in two_node mode (no witness), fencing through the CIB's
// fence device, fence_delay 1 s on n1 only: the node running the group is
// killed, then powered off; the survivor fences it once (two_node's quorum
// fencing, before it may carry on alone), and the DC then takes that
// fencing as done instead of fencing the node a second time; the group
// starts on the survivor. Then a split: every cable between the two cut,
// both declare the other dead and would fence it; n2, without a delay,
// fences n1 first, and only n1 is off afterwards, with the group on n2.
func TestTwoNodeResourceFailover(t *testing.T) {
	r := newResourceLabOf(t, "lrt", []string{"n1", "n2"}, "[quorum]\ntwo_node = true\nfence_action = \"off\"\n",
		map[string]string{"n1": "fence_delay = \"1s\""})
	c := r.c
	onceFenced := func(fo failover) {
		t.Helper()
		var devs []string
		for _, e := range c.AllEvents(c.Nodes(), fo.at, "fence device succeeded", nil) {
			devs = append(devs, fmt.Sprintf("%s fenced %s +%.3fs", e.Host, e.Str("node"), e.TS.Sub(fo.at).Seconds()))
		}
		if len(devs) != 1 {
			r.t.Errorf("%d fencings through a device (%v), want %s fenced once", len(devs), devs, fo.victim)
		}
	}
	// n2 first: n1, the survivor, waits its fence_delay; n2 then rejoins
	// under a new raft id, and is the DC of the split below.
	for _, x := range []struct {
		f      Fault
		victim string
	}{{FaultKill, "n2"}, {FaultPowerOff, "n1"}} {
		t.Run(string(x.f)+" of "+x.victim, func(t *testing.T) {
			r.t = t
			r.moveTo(x.victim)
			dc, err := c.WaitOneDC(c.Nodes(), rguard)
			must(t, err)
			at, err := c.Inject(x.f, x.victim)
			must(t, err)
			fo := r.expectFencedFailover(x.victim, at, true)
			r.logFailover(fmt.Sprintf("%s (the DC: %v)", x.f, dc == x.victim), fo)
			onceFenced(fo)
			r.heal(fo.victim)
		})
	}
	t.Run("split: the side without fence_delay wins", func(t *testing.T) {
		r.t = t
		r.moveTo("n1")
		at, err := c.Inject(FaultCutAll, "n1")
		must(t, err)
		fo := r.expectFencedFailover("n1", at, true)
		r.logFailover("every cable between n1 and n2 cut", fo)
		onceFenced(fo)
		if p := c.Node("n2"); p == nil || p.Exited() || r.l.Host("n2").HolderPid() == 0 {
			t.Errorf("n2 did not survive the split")
		}
		if fo.to != "n2" || fo.fencedBy != "n2" {
			t.Errorf("fenced by %s, group on %s; want n2, n2", fo.fencedBy, fo.to)
		}
		r.heal("n1")
	})
	r.t = t
	r.checkRunning(r.group())
	r.checkWatch()
}

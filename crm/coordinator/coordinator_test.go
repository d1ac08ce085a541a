package coordinator

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest/observer"

	"pacer/crm/cib"
	"pacer/crm/store"
	"pacer/fencing"
	"pacer/internal/cluster"
	"pacer/resources"
)

const dummy = `property stonith-enabled=false
primitive d1 ocf:pacer:Dummy op monitor interval=10s timeout=20s
`

// fenced has a fence device, so a lost node is fenced before its
// resources start elsewhere; d1 prefers bravo.
const fenced = `property stonith-enabled=true
primitive fence1 stonith:fence_pacer_lab op monitor interval=60s
primitive d1 ocf:pacer:Dummy op monitor interval=10s timeout=20s
location l1 d1 100: bravo
location l2 fence1 100: alpha
`

const preferBravo = dummy + "location l1 d1 100: bravo\n"

// where waits until rsc runs on exactly one node and returns it.
func (tc *testCluster) runsOn(rsc string) string {
	tc.t.Helper()
	var got []string
	tc.eventually(rsc+" running on one node", func() bool {
		got = tc.world.where(rsc)
		return len(got) == 1
	})
	return got[0]
}

func TestPrimitiveStarted(t *testing.T) {
	tc := newCluster(t, dummy, "alpha", "bravo", "charlie")
	tc.elect("alpha", 1)
	node := tc.runsOn("d1")
	tc.eventually("DC idle", func() bool { return tc.idle("alpha") })
	if got := tc.world.where("d1"); len(got) != 1 {
		t.Fatalf("d1 runs on %v", got)
	}
	c := tc.store.snapshot()
	start, ok := history(c, node, "d1", "d1_last_0")
	if !ok || start.Operation != "start" || start.RCCode != "0" {
		t.Fatalf("d1_last_0 on %s: %+v", node, start)
	}
	if mon, ok := history(c, node, "d1", "d1_monitor_10000"); !ok || mon.RCCode != "0" {
		t.Fatalf("no recurring monitor committed on %s: %+v", node, mon)
	}
	for _, n := range []string{"alpha", "bravo", "charlie"} {
		if n == node {
			continue
		}
		// Probed on join: not running there.
		if p, ok := history(c, n, "d1", "d1_last_0"); !ok || p.Operation != "monitor" || p.RCCode != "7" {
			t.Errorf("probe of d1 on %s: %+v", n, p)
		}
	}
	if tc.logged("action initiated", map[string]any{"rsc": "d1", "op": "start", "node": node, "transition": 1}) != 1 {
		t.Errorf("no 'action initiated' line for the start")
	}
	if tc.logged("action result", map[string]any{"rsc": "d1", "op": "start", "node": node, "rc": 0, "rc_text": "OCF_SUCCESS"}) != 1 {
		t.Errorf("no 'action result' line for the start")
	}
	if tc.logged("transition complete", map[string]any{"transition": 1, "failed": 0}) != 1 {
		t.Errorf("transition 1 not logged complete")
	}
	for _, e := range tc.logs.FilterMessage("action initiated").All() {
		m := e.ContextMap()
		for _, k := range []string{"transition", "rsc", "op", "node", "reason"} {
			if _, ok := m[k]; !ok {
				t.Errorf("action line without %s: %v", k, m)
			}
		}
	}
	if n := len(tc.world.startsOf("d1")); n != 1 {
		t.Errorf("d1 started %d times", n)
	}
}

func TestFailedMonitorRecovers(t *testing.T) {
	tc := newCluster(t, dummy, "alpha", "bravo", "charlie")
	tc.elect("alpha", 1)
	node := tc.runsOn("d1")
	tc.eventually("DC idle", func() bool { return tc.idle("alpha") })
	// The service dies behind the cluster's back; the next monitor finds it.
	tc.world.setRunning(node, "d1", false)
	tc.advanceUntil("d1 restarted", time.Second, func() bool { return len(tc.world.startsOf("d1")) == 2 })
	if got := tc.runsOn("d1"); got != node {
		t.Errorf("recovered on %s, not in place on %s", got, node)
	}
	if tc.logged("monitor failed", map[string]any{"rsc": "d1", "node": node, "rc": 7}) != 1 {
		t.Errorf("no 'monitor failed' line")
	}
	tc.eventually("DC idle", func() bool { return tc.idle("alpha") })
	c := tc.store.snapshot()
	if fc := attr(c, node, "fail-count-d1#monitor_10000"); fc != "1" {
		t.Errorf("fail count %q, want 1", fc)
	}
	if tc.world.count(node, "d1", "stop") != 1 {
		t.Errorf("d1 stopped %d times on %s, want 1 (recovery is stop, start)", tc.world.count(node, "d1", "stop"), node)
	}
}

func TestNodeDeathFencesThenStartsElsewhere(t *testing.T) {
	tc := newCluster(t, fenced, "alpha", "bravo", "charlie")
	tc.elect("alpha", 1)
	if got := tc.runsOn("d1"); got != "bravo" {
		t.Fatalf("d1 on %s, want bravo", got)
	}
	tc.eventually("DC idle", func() bool { return tc.idle("alpha") })
	tc.kill("bravo")
	var got string
	tc.eventually("d1 moved", func() bool {
		w := tc.world.where("d1")
		if len(w) == 1 && w[0] != "bravo" {
			got = w[0]
			return true
		}
		return false
	})
	starts := tc.world.startsOf("d1")
	last := starts[len(starts)-1]
	tc.store.mu.Lock()
	fencedAt := tc.store.fencedAt["bravo"]
	tc.store.mu.Unlock()
	if fencedAt == 0 || last.seq < fencedAt {
		t.Fatalf("d1 started on %s at event %d, bravo's fencing committed at %d", got, last.seq, fencedAt)
	}
	if n := tc.fencer.callCount(); n != 1 {
		t.Errorf("fenced %d times", n)
	}
	if tc.logged("fencing succeeded", map[string]any{"node": "bravo"}) != 1 {
		t.Errorf("no 'fencing succeeded' line")
	}
	c := tc.store.snapshot()
	ns := nodeState(c, "bravo")
	if ns == nil || ns.Join != "down" || ns.Expected != "down" || ns.InCCM != "false" || (ns.LRM != nil && len(ns.LRM.Resources) > 0) {
		t.Errorf("bravo's node_state after fencing: %+v", ns)
	}
}

func TestFencingFailureRetriedNoStart(t *testing.T) {
	tc := newCluster(t, fenced, "alpha", "bravo", "charlie")
	tc.fencer.failures = 2
	tc.elect("alpha", 1)
	if got := tc.runsOn("d1"); got != "bravo" {
		t.Fatalf("d1 on %s, want bravo", got)
	}
	tc.eventually("DC idle", func() bool { return tc.idle("alpha") })
	tc.kill("bravo")
	tc.eventually("first fencing attempt", func() bool { return tc.fencer.callCount() == 1 })
	for attempt := 2; attempt <= 3; attempt++ {
		// While fencing fails, d1 starts nowhere else.
		if w := tc.world.where("d1"); len(w) != 1 || w[0] != "bravo" {
			t.Fatalf("after %d failed fencing attempts d1 runs on %v", attempt-1, w)
		}
		if n := len(tc.world.startsOf("d1")); n != 1 {
			t.Fatalf("d1 started %d times before bravo was fenced", n)
		}
		tc.advanceUntil("fencing retried", time.Second, func() bool { return tc.fencer.callCount() >= attempt })
	}
	got := tc.runsOn("d1")
	if got == "bravo" {
		t.Fatalf("d1 still on bravo")
	}
	if n := tc.logged("fencing failed", map[string]any{"node": "bravo"}); n != 2 {
		t.Errorf("%d 'fencing failed' lines, want 2", n)
	}
	tc.store.mu.Lock()
	fencedAt := tc.store.fencedAt["bravo"]
	tc.store.mu.Unlock()
	starts := tc.world.startsOf("d1")
	if last := starts[len(starts)-1]; last.seq < fencedAt {
		t.Errorf("d1 started before the fencing was committed")
	}
	// The status section's fencing history: the failed attempts as one
	// event (the last error, 2 attempts), then the success.
	hist := tc.store.snapshot().Status.Fencing
	if len(hist) != 2 {
		t.Fatalf("fencing history %+v, want a failed event and a success", hist)
	}
	f, ok := hist[0], hist[1]
	if f.Target != "bravo" || f.State != "failed" || f.Error == "" || f.Origin != "alpha" || len(f.Extra) != 1 || f.Extra[0] != (cib.Attr{Name: "attempts", Value: "2"}) {
		t.Errorf("failed event %+v", f)
	}
	if ok.Target != "bravo" || ok.State != "success" || ok.Devices != "fence1" || ok.Executor != "alpha" || ok.Action != "reboot" ||
		ok.Started == "" || ok.Completed < ok.Started || ok.ID == f.ID {
		t.Errorf("success event %+v", ok)
	}
}

func TestActionOnDeadNodeFailsAndReplans(t *testing.T) {
	tc := newCluster(t, preferBravo, "alpha", "bravo", "charlie")
	release := tc.world.hold("bravo", "d1", "start")
	defer release()
	tc.elect("alpha", 1)
	tc.eventually("start dispatched to bravo", func() bool { return tc.world.count("bravo", "d1", "start") == 1 })
	tc.kill("bravo")
	got := tc.runsOn("d1")
	if got == "bravo" {
		t.Fatalf("d1 on bravo")
	}
	if tc.logged("action lost", map[string]any{"rsc": "d1", "op": "start", "node": "bravo"}) != 1 {
		t.Errorf("no 'action lost' line")
	}
	if tc.logged("transition aborted", map[string]any{"transition": 1}) != 1 {
		t.Errorf("transition 1 not aborted")
	}
}

func TestNewDCResumesFromCommittedStatus(t *testing.T) {
	tc := newCluster(t, preferBravo, "alpha", "bravo", "charlie")
	release := tc.world.hold("bravo", "d1", "start")
	defer release()
	tc.elect("alpha", 1)
	tc.eventually("start dispatched to bravo", func() bool { return tc.world.count("bravo", "d1", "start") == 1 })
	// alpha loses the DC role in the middle of the transition.
	tc.elect("charlie", 2)
	tc.eventually("alpha steps down", func() bool { return !tc.coords["alpha"].IsDC() })
	release()
	tc.eventually("charlie idle", func() bool { return tc.idle("charlie") })
	if w := tc.world.where("d1"); len(w) != 1 || w[0] != "bravo" {
		t.Fatalf("d1 runs on %v, want bravo only", w)
	}
	if n := len(tc.world.startsOf("d1")); n != 1 {
		t.Errorf("d1 started %d times", n)
	}
	c := tc.store.snapshot()
	if mon, ok := history(c, "bravo", "d1", "d1_monitor_10000"); !ok || mon.RCCode != "0" {
		t.Errorf("the new DC did not finish the transition (monitor): %+v", mon)
	}
	if !slices.ContainsFunc(tc.logs.FilterMessage("became DC").All(), func(e observer.LoggedEntry) bool {
		return e.ContextMap()["node"] == "charlie"
	}) {
		t.Errorf("charlie never became DC")
	}
}

func TestHangingActionTimesOut(t *testing.T) {
	tc := newCluster(t, preferBravo, "alpha", "bravo", "charlie")
	tc.world.mu.Lock()
	tc.world.hang["bravo/d1/start"] = true
	tc.world.mu.Unlock()
	tc.elect("alpha", 1)
	tc.eventually("start dispatched to bravo", func() bool { return tc.world.count("bravo", "d1", "start") == 1 })
	// The op timeout is 20 s (op_defaults) and cluster-delay 5 s.
	tc.advanceUntil("action timed out", time.Second, func() bool {
		return tc.logged("action timed out", map[string]any{"rsc": "d1", "op": "start", "node": "bravo"}) == 1
	})
	if now := tc.clk.Now(); now.Before(time.Date(2026, 11, 23, 12, 0, 25, 0, time.UTC)) {
		t.Errorf("timed out at %v, before timeout + cluster-delay (25 s)", now)
	}
	tc.eventually("timeout committed", func() bool {
		c := tc.store.snapshot()
		f, ok := history(c, "bravo", "d1", "d1_last_failure_0")
		return ok && f.OpStatus == "2" && attr(c, "bravo", "fail-count-d1#start_0") == "INFINITY"
	})
	tc.eventually("re-planned", func() bool { return tc.logged("transition started", map[string]any{"transition": 2}) == 1 })
}

func TestGarbledMessageDropped(t *testing.T) {
	tc := newCluster(t, dummy, "alpha", "bravo")
	c := tc.coords["alpha"]
	for _, b := range [][]byte{nil, []byte("junk"), {0x81, 0xa1, 0x79, 0x09}} {
		c.Receive(cluster.NodeID(2), b)
	}
	if g := c.Garbled(); g != 3 {
		t.Errorf("garbled %d, want 3", g)
	}
}

// Without fencing (stonith-enabled=false) a lost node is only marked
// offline, and its resources start elsewhere at once.
func TestNodeDeathWithoutFencing(t *testing.T) {
	tc := newCluster(t, dummy, "alpha", "bravo", "charlie")
	tc.elect("bravo", 1)
	node := tc.runsOn("d1")
	tc.eventually("DC idle", func() bool { return tc.idle("bravo") })
	if node == "bravo" {
		tc.elect("alpha", 2) // keep the DC alive
		tc.eventually("alpha idle", func() bool { return tc.idle("alpha") })
	}
	tc.kill(node)
	tc.eventually("d1 started elsewhere", func() bool {
		s := tc.world.startsOf("d1")
		return len(s) == 2 && s[1].node != node
	})
	if n := tc.fencer.callCount(); n != 0 {
		t.Errorf("fenced %d times with stonith-enabled=false", n)
	}
	if tc.logged("node lost", map[string]any{"node": node}) != 1 {
		t.Errorf("no 'node lost' line for %s", node)
	}
	ns := nodeState(tc.store.snapshot(), node)
	if ns == nil || ns.InCCM != "false" || ns.Crmd != "offline" || ns.Join != "member" {
		t.Errorf("%s's node_state: %+v", node, ns)
	}
}

// A deposed DC that has not noticed yet: nodes that know a newer term
// refuse its requests.
func TestStaleDCRequestIgnored(t *testing.T) {
	tc := newCluster(t, dummy, "alpha", "bravo", "charlie")
	tc.elect("alpha", 1)
	tc.runsOn("d1")
	tc.eventually("alpha idle", func() bool { return tc.idle("alpha") })
	tc.elect("charlie", 2)
	tc.eventually("charlie idle", func() bool { return tc.idle("charlie") })
	before := tc.world.count("bravo", "d1", "start")
	stale := &message{Type: msgExec, ID: 99, Term: 1,
		Op: &resources.Op{Resource: resources.ResourceSpec{ID: "d1", Class: "ocf", Provider: "pacer", Type: "Dummy"}, Action: "start"}}
	b, err := encodeMessage(stale)
	if err != nil {
		t.Fatal(err)
	}
	tc.coords["bravo"].Receive(tc.id("alpha"), b)
	tc.eventually("stale request logged", func() bool {
		return tc.logged("request from a stale DC ignored", map[string]any{"on": "bravo", "term": 1, "current_term": 2}) == 1
	})
	if got := tc.world.count("bravo", "d1", "start"); got != before {
		t.Errorf("bravo ran a start for a stale DC")
	}
}

// A configuration change and an attribute change each make the DC plan
// again: a new resource starts; a node put in standby (a transient
// attribute) loses its resources.
func TestConfigAndAttributeChangesReplan(t *testing.T) {
	tc := newCluster(t, dummy, "alpha", "bravo", "charlie")
	tc.elect("alpha", 1)
	tc.runsOn("d1")
	tc.eventually("DC idle", func() bool { return tc.idle("alpha") })
	tc.store.setConfig(t, dummy+"primitive d2 ocf:pacer:Dummy\n")
	tc.runsOn("d2")
	if tc.logged("transition started", map[string]any{"transition": 2}) != 1 {
		t.Errorf("no transition for the configuration change")
	}
	tc.eventually("DC idle", func() bool { return tc.idle("alpha") })
	from := tc.runsOn("d1")
	h := tc.store.handle()
	if _, err := h.ProposeStatus(context.Background(), store.StatusUpdate{Node: from,
		Attrs: []store.AttrUpdate{{Name: "standby", Op: store.AttrSet, Value: "on"}}}); err != nil {
		t.Fatal(err)
	}
	tc.eventually("d1 off the standby node", func() bool {
		w := tc.world.where("d1")
		return len(w) == 1 && w[0] != from
	})
	if w := tc.world.where("d2"); len(w) != 1 || w[0] == from {
		tc.eventually("d2 off the standby node", func() bool {
			w := tc.world.where("d2")
			return len(w) == 1 && w[0] != from
		})
	}
}

// A resource deleted from the configuration while it runs is an orphan:
// stopped with the agent its history names.
func TestDeletedResourceStopped(t *testing.T) {
	tc := newCluster(t, dummy, "alpha", "bravo", "charlie")
	tc.elect("alpha", 1)
	node := tc.runsOn("d1")
	tc.eventually("DC idle", func() bool { return tc.idle("alpha") })
	tc.store.setConfig(t, "property stonith-enabled=false\n")
	tc.eventually("d1 stopped", func() bool { return len(tc.world.where("d1")) == 0 })
	if tc.world.count(node, "d1", "stop") != 1 {
		t.Errorf("d1 not stopped once on %s", node)
	}
	tc.eventually("DC idle", func() bool { return tc.idle("alpha") })
}

// A node that membership sees alive but whose coordinator does not
// answer holds up planning only until its join times out (probe timeout
// + cluster-delay); the join is then tried again in the background.
func TestSilentNodeJoinTimesOut(t *testing.T) {
	tc := newCluster(t, dummy, "alpha", "bravo", "charlie")
	tc.net.mu.Lock()
	tc.net.down[tc.id("charlie")] = true // heartbeats reach membership, messages do not
	tc.net.mu.Unlock()
	start := tc.clk.Now()
	tc.elect("alpha", 1)
	tc.advanceUntil("d1 started", time.Second, func() bool { return len(tc.world.where("d1")) == 1 })
	if w := tc.world.where("d1"); w[0] == "charlie" {
		t.Fatalf("d1 started on the silent node")
	}
	if waited := tc.clk.Since(start); waited < 25*time.Second {
		t.Errorf("planned after %v, before the join's 20 s + 5 s ran out", waited)
	}
	if tc.logged("node did not answer the probe", map[string]any{"node": "charlie"}) < 1 {
		t.Errorf("no line for charlie's failed join")
	}
	tc.eventually("charlie's join tried again", func() bool {
		return tc.logged("probing node", map[string]any{"node": "charlie"}) >= 2
	})
}

// A node that comes back while it is being fenced: the fencing finishes
// (it was running), the node is probed again afterwards, and what it said
// before the fencing is never taken for what runs there now.
func TestNodeBackDuringFencing(t *testing.T) {
	tc := newCluster(t, fenced, "alpha", "bravo", "charlie")
	gate := make(chan struct{})
	tc.fencer.gate = gate
	tc.elect("alpha", 1)
	if got := tc.runsOn("d1"); got != "bravo" {
		t.Fatalf("d1 on %s, want bravo", got)
	}
	tc.eventually("DC idle", func() bool { return tc.idle("alpha") })
	tc.kill("bravo")
	tc.eventually("fencing requested", func() bool { return tc.fencer.callCount() == 1 })
	tc.revive("bravo")
	tc.eventually("bravo probed again", func() bool {
		return tc.logged("probing node", map[string]any{"node": "bravo"}) >= 2
	})
	close(gate)
	tc.eventually("d1 running on one node, bravo back online", func() bool {
		ns := nodeState(tc.store.snapshot(), "bravo")
		return len(tc.world.where("d1")) == 1 && ns != nil && ns.Join == "member" && ns.InCCM == "true" && tc.idle("alpha")
	})
	tc.store.mu.Lock()
	fencedAt := tc.store.fencedAt["bravo"]
	tc.store.mu.Unlock()
	// d1 may go back to bravo (it prefers it), but nothing started it
	// anywhere before bravo's fencing was committed.
	for _, s := range tc.world.startsOf("d1")[1:] {
		if s.seq < fencedAt {
			t.Fatalf("d1 started on %s (event %d) before bravo's fencing was committed (%d)", s.node, s.seq, fencedAt)
		}
	}
	// The CIB says d1 is active only where it runs.
	c := tc.store.snapshot()
	for _, n := range []string{"alpha", "bravo", "charlie"} {
		op, ok := history(c, n, "d1", "d1_last_0")
		active := ok && ((op.Operation == "start" && op.RCCode == "0") || (op.Operation == "monitor" && op.RCCode == "0"))
		if runs := slices.Contains(tc.world.where("d1"), n); active != runs {
			t.Errorf("%s: CIB says active=%v (%+v), world says running=%v", n, active, op, runs)
		}
	}
}

// A resource whose agent changed while it runs: stopped with the old
// agent, its history deleted, started with the new one.
func TestAgentChangeDeletesHistory(t *testing.T) {
	tc := newCluster(t, dummy, "alpha", "bravo", "charlie")
	tc.elect("alpha", 1)
	node := tc.runsOn("d1")
	tc.eventually("DC idle", func() bool { return tc.idle("alpha") })
	tc.store.setConfig(t, "property stonith-enabled=false\nprimitive d1 ocf:pacer:Stateful op monitor interval=10s timeout=20s\n")
	tc.eventually("d1 restarted with the new agent", func() bool {
		c := tc.store.snapshot()
		ns := nodeState(c, node)
		if ns == nil || ns.LRM == nil || !tc.idle("alpha") {
			return false
		}
		for _, r := range ns.LRM.Resources {
			if r.ID == "d1" {
				return r.Type == "Stateful"
			}
		}
		return false
	})
	if tc.logged("action result", map[string]any{"rsc": "d1", "op": "delete", "node": node}) != 1 {
		t.Errorf("no delete of d1's history on %s", node)
	}
	if tc.world.count(node, "d1", "stop") != 1 || len(tc.world.startsOf("d1")) != 2 {
		t.Errorf("d1: %d stops on %s, %d starts", tc.world.count(node, "d1", "stop"), node, len(tc.world.startsOf("d1")))
	}
}

// A stop that fails on the DC's own node calls for fencing the DC. A node
// never fences itself: the DC hands its role over (the store's leader
// transfer), the new DC plans from the committed status, fences the old
// DC's node, and only then starts the resource elsewhere. Without another
// voter to hand over to, the DC keeps asking and never fences itself.
func TestDCFencesItselfByHandingOver(t *testing.T) {
	const conf = `property stonith-enabled=true
primitive fence1 stonith:fence_pacer_lab op monitor interval=60s
primitive d1 ocf:pacer:Dummy op monitor interval=10s timeout=20s
location l1 d1 100: alpha
location l2 fence1 100: bravo
`
	tc := newCluster(t, conf, "alpha", "bravo", "charlie")
	tc.elect("alpha", 1)
	if got := tc.runsOn("d1"); got != "alpha" {
		t.Fatalf("d1 on %s, want alpha", got)
	}
	tc.eventually("DC idle", func() bool { return tc.idle("alpha") })
	tc.world.mu.Lock()
	tc.world.fail["alpha/d1/stop"] = 1
	tc.world.mu.Unlock()
	tc.world.setRunning("alpha", "d1", false)
	// No other voter yet: the DC asks again and again, and fences nobody.
	tc.advanceUntil("two hand-over attempts", time.Second, func() bool {
		return tc.logged("this DC must be fenced and cannot hand the DC role over", map[string]any{"node": "alpha"}) >= 2
	})
	if n := tc.fencer.callCount(); n != 0 {
		t.Fatalf("%d fencing requests before the hand-over", n)
	}
	// Fencing powers the node off: its pacerd is gone with it.
	tc.fencer.onFence = tc.kill
	tc.store.mu.Lock()
	tc.store.handOver = func() uint64 {
		go tc.elect("bravo", 2)
		return uint64(tc.id("bravo"))
	}
	tc.store.mu.Unlock()
	var got string
	tc.advanceUntil("d1 running away from alpha", 500*time.Millisecond, func() bool {
		w := tc.world.where("d1")
		if len(w) == 1 && w[0] != "alpha" {
			got = w[0]
			return true
		}
		return false
	})
	if tc.logged("this DC must be fenced; handing the DC role over", map[string]any{"node": "alpha", "to": "bravo"}) == 0 {
		t.Error("no hand-over line")
	}
	tc.fencer.mu.Lock()
	calls := append([]fencing.Request(nil), tc.fencer.calls...)
	tc.fencer.mu.Unlock()
	if len(calls) != 1 || calls[0].Target != "alpha" || calls[0].Origin != "bravo" {
		t.Fatalf("fencing requests %+v, want alpha fenced once by bravo", calls)
	}
	starts := tc.world.startsOf("d1")
	tc.store.mu.Lock()
	fencedAt := tc.store.fencedAt["alpha"]
	tc.store.mu.Unlock()
	if last := starts[len(starts)-1]; fencedAt == 0 || last.seq < fencedAt {
		t.Fatalf("d1 started on %s at event %d, alpha's fencing committed at %d", got, last.seq, fencedAt)
	}
}

// A fencing done outside the coordinator (two_node's quorum fencing of the
// peer) that completed after membership last heard the node stands for
// the fencing the plan asks for: the node is committed fenced without a
// second fencing, and its resource starts elsewhere only after that
// commit. One that completed before the node was last heard (it came back
// since) does not count: the node is fenced again.
func TestFencingDoneElsewhereNotRepeated(t *testing.T) {
	for _, tt := range []struct {
		name      string
		heardLate bool // bravo was heard after the recorded fencing
		calls     int
	}{
		{"fenced since last heard", false, 0},
		{"heard after that fencing", true, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tc := newCluster(t, fenced, "alpha", "bravo", "charlie")
			tc.elect("alpha", 1)
			if got := tc.runsOn("d1"); got != "bravo" {
				t.Fatalf("d1 on %s, want bravo", got)
			}
			tc.eventually("DC idle", func() bool { return tc.idle("alpha") })
			now := tc.clk.Now()
			tc.heardAt("bravo", now.Add(-time.Second))
			if tt.heardLate {
				tc.heardAt("bravo", now.Add(time.Second))
			} else {
				tc.world.powerOff("bravo") // what that fencing did
			}
			tc.hist.add(fencing.HistoryEntry{Target: "bravo", Action: "off", Origin: "alpha", Executor: "alpha",
				State: fencing.StateSuccess, Started: now, Completed: now, Devices: []string{"quorum-fence"}})
			tc.kill("bravo")
			tc.eventually("d1 moved", func() bool {
				w := tc.world.where("d1")
				return len(w) == 1 && w[0] != "bravo"
			})
			if n := tc.fencer.callCount(); n != tt.calls {
				t.Errorf("fencer called %d times, want %d", n, tt.calls)
			}
			reused := tc.logged("fencing already done since the node was last heard; not fencing it again", map[string]any{"node": "bravo"})
			if (reused > 0) != (tt.calls == 0) {
				t.Errorf("'fencing already done' logged %d times with %d fencer calls", reused, tt.calls)
			}
			starts := tc.world.startsOf("d1")
			tc.store.mu.Lock()
			fencedAt := tc.store.fencedAt["bravo"]
			tc.store.mu.Unlock()
			if last := starts[len(starts)-1]; fencedAt == 0 || last.seq < fencedAt {
				t.Fatalf("d1 started at event %d, bravo committed fenced at %d", last.seq, fencedAt)
			}
			want := "fence1"
			if tt.calls == 0 {
				want = "quorum-fence" // the record that stood for the fencing
			}
			if h := tc.store.snapshot().Status.Fencing; len(h) != 1 || h[0].State != "success" || h[0].Devices != want {
				t.Errorf("fencing history %+v, want one success through %s", h, want)
			}
		})
	}
}

// TestAnonymousCloneKeepsOneName: each node runs an anonymous clone's
// instance under the clone's configured primitive id (the graph's name,
// not the scheduler's instance number), so its history stays under one
// name when another DC, which may number the instances differently,
// takes over: no instance is restarted and no history is left under
// "c:N".
func TestAnonymousCloneKeepsOneName(t *testing.T) {
	tc := newCluster(t, "property stonith-enabled=false\nprimitive c ocf:pacer:Dummy op monitor interval=10s timeout=20s\nclone cl c\n",
		"alpha", "bravo", "charlie")
	tc.elect("alpha", 1)
	tc.eventually("DC idle", func() bool { return tc.idle("alpha") })
	check := func(when string) {
		t.Helper()
		c := tc.store.snapshot()
		for _, n := range []string{"alpha", "bravo", "charlie"} {
			if mon, ok := history(c, n, "c", "c_monitor_10000"); !ok || mon.RCCode != "0" {
				t.Errorf("%s: no monitor of c on %s under the name c: %+v", when, n, mon)
			}
			ns := nodeState(c, n)
			for _, r := range ns.LRM.Resources {
				if strings.HasPrefix(r.ID, "c:") {
					t.Errorf("%s: history under %s on %s", when, r.ID, n)
				}
			}
		}
	}
	check("first DC")
	tc.elect("charlie", 2)
	tc.eventually("new DC idle", func() bool { return tc.idle("charlie") })
	check("second DC")
	if n := len(tc.world.startsOf("c")); n != 3 {
		t.Errorf("c started %d times, want once per node", n)
	}
}

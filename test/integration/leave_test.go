package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"pacer/crm/cib"
	"pacer/internal/control"
)

// leaveCluster is a testCluster whose nodes run the pacer Dummy agent
// (OCF_ROOT), each with a state directory of its own, and the test fence
// agent fence_pacer_it (PACER_FENCE_AGENT_DIR; it records every fencing
// in fence.log).
type leaveCluster struct {
	*testCluster
	t      *testing.T
	ocf    string
	fences string
}

func newLeaveCluster(t *testing.T, specs []NodeSpec, extra func(i int) string) *leaveCluster {
	tm := Timing{Keepalive: 100 * time.Millisecond, Warntime: 300 * time.Millisecond,
		Deadtime: 600 * time.Millisecond, Initdead: 2 * time.Second}
	c := &leaveCluster{testCluster: newTestCluster(t, specs, tm, extra), t: t}
	dummy, err := filepath.Abs("../../agents/scripts/ocf/pacer/Dummy")
	if err != nil {
		t.Fatal(err)
	}
	c.ocf = filepath.Join(c.dir, "ocf")
	c.fences = filepath.Join(c.dir, "fence")
	// pacer's Dummy also as ocf:pacemaker:Dummy, the agent of the
	// resources addResource adds.
	for _, prov := range []string{"pacer", "pacemaker"} {
		if err := os.MkdirAll(filepath.Join(c.ocf, "resource.d", prov), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(dummy, filepath.Join(c.ocf, "resource.d", prov, "Dummy")); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(c.fences, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(c.fences, "fence_pacer_it"), []byte(strings.ReplaceAll(fenceAgent, "@DIR@", c.dir)), 0o755); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *leaveCluster) startEnv(name string) *Node {
	for _, s := range c.specs {
		if s.Name != name {
			continue
		}
		n := startNodeEnv(c.t, s.Name, s.ID, c.cfgs[name], []string{"OCF_ROOT=" + c.ocf,
			"HA_RSCTMP=" + filepath.Join(c.dir, name+"-rsctmp"), "PACER_FENCE_AGENT_DIR=" + c.fences})
		if err := os.WriteFile(filepath.Join(c.dir, name+".pid"), []byte(fmt.Sprint(n.Pid())), 0o644); err != nil {
			c.t.Fatal(err)
		}
		c.nodes[name] = n
		return n
	}
	c.t.Fatalf("no node %s", name)
	return nil
}

func (c *leaveCluster) running(node string) bool {
	_, err := os.Stat(filepath.Join(c.dir, node+"-rsctmp", "Dummy-d1.state"))
	return err == nil
}

// noFencing fails the test if any fencing was logged or done.
func (c *leaveCluster) noFencing(nodes []*Node, extraRecord string) {
	c.t.Helper()
	for _, n := range nodes {
		for _, l := range n.Raw() {
			if strings.Contains(l, `"msg":"fencing requested`) || strings.Contains(l, `"msg":"fencing succeeded`) {
				c.t.Errorf("%s logged a fencing: %s", n.Name, l)
			}
		}
	}
	for _, f := range []string{filepath.Join(c.dir, "fence.log"), extraRecord} {
		if f == "" {
			continue
		}
		if got := readLines(c.t, f); len(got) != 0 {
			c.t.Errorf("fenced: %v (%s)", got, f)
		}
	}
}

func nodeStateOf(x *cib.CIB, name string) *cib.NodeState {
	for i := range x.Status.Nodes {
		if x.Status.Nodes[i].Uname == name {
			return &x.Status.Nodes[i]
		}
	}
	return nil
}

func transient(ns *cib.NodeState, name string) (string, bool) {
	for _, s := range ns.Transient {
		for _, p := range s.Pairs {
			if p.Name == name {
				return p.Value, true
			}
		}
	}
	return "", false
}

// waitNodeState waits until on's applied CIB shows node's node_state as
// want (in_ccm, crmd, join, expected).
func (c *leaveCluster) waitNodeState(on, node string, want [4]string) *cib.NodeState {
	c.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var last [4]string
	for {
		_, x := c.getCIB(on, true)
		if ns := nodeStateOf(x, node); ns != nil {
			last = [4]string{ns.InCCM, ns.Crmd, ns.Join, ns.Expected}
			if last == want {
				return ns
			}
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("node_state of %s on %s: in_ccm/crmd/join/expected %v, want %v", node, on, last, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A clean stop with fencing enabled, three real pacerd on loopback:
// SIGTERM the node that runs d1. Before it exits, the cluster stops d1
// there (the stop's result is in its log) and starts it on another node;
// the node leaves announcing it, and its peers record it cleanly down
// (join=down expected=down, offline), without fencing it. Started again,
// it joins as a member. (A SIGKILL is fenced: TestCoordinatorFailoverFenced.)
func TestCleanStopNotFenced(t *testing.T) {
	specs := []NodeSpec{{"alpha", 1}, {"bravo", 2}, {"charlie", 3}}
	c := newLeaveCluster(t, specs, func(int) string { return fastRaft })
	for _, s := range specs {
		c.startEnv(s.Name)
	}
	dc, _ := waitOneDC(t, c.all(), c.socks, "", 15*time.Second)
	for _, s := range specs {
		c.nodes[dc].WaitFor(t, 10*time.Second, 1, "node joined", map[string]string{"node": s.Name})
	}
	configureCIB(t, c.socks[dc], "property stonith-enabled=true\n"+
		"primitive fence1 stonith:fence_pacer_it params pcmk_host_list=\"alpha bravo charlie\" op monitor interval=10s\n"+
		"primitive d1 ocf:pacer:Dummy op monitor interval=1s timeout=10s\n")
	ev, _ := waitAny(t, c.all(), 15*time.Second, "action result", map[string]string{"rsc": "d1", "op": "start", "rc": "0"}, nil)
	first := ev.Str("node")
	waitAny(t, c.all(), 10*time.Second, "action result", map[string]string{"rsc": "fence1", "op": "start", "rc": "0"}, nil)
	if !c.running(first) {
		t.Fatalf("d1 not running on %s", first)
	}

	stopping := c.nodes[first]
	var survivors []*Node
	for _, n := range c.all() {
		if n != stopping {
			survivors = append(survivors, n)
		}
	}
	stoppedAt := time.Now()
	stopping.Kill(syscall.SIGTERM)
	if code := stopping.ExitWait(t, 30*time.Second); code != 0 {
		t.Fatalf("pacerd on %s exited %d after SIGTERM", first, code)
	}
	exited := time.Since(stoppedAt)
	// The node's executor logs the stop it ran (the DC logs "action result").
	stop := stopping.Events("operation result", map[string]string{"rsc": "d1", "op": "stop", "rc": "0"})
	if len(stop) == 0 {
		t.Fatalf("%s exited without stopping d1", first)
	}
	if len(stopping.Events("left the cluster cleanly: resources stopped or moved, peers told", nil)) != 1 {
		t.Fatalf("%s did not leave cleanly", first)
	}
	if c.running(first) {
		t.Fatalf("d1's state file left on %s", first)
	}
	// The executor of the node that started it logs it (the DC that
	// ordered the start may be the node that stopped).
	ev, secondNode := waitAny(t, survivors, 15*time.Second, "operation result", map[string]string{"rsc": "d1", "op": "start", "rc": "0"}, nil)
	second := secondNode.Name
	if !c.running(second) {
		t.Fatalf("d1 not running on %s", second)
	}
	t.Logf("SIGTERM to %s (DC %s): d1 stopped there and started on %s %v later; pacerd exited after %v",
		first, dc, second, ev.TS.Sub(stoppedAt).Round(time.Millisecond), exited.Round(time.Millisecond))
	for _, n := range survivors {
		n.WaitFor(t, 5*time.Second, 1, "node left cleanly", map[string]string{"node": first})
	}
	waitAny(t, survivors, 10*time.Second, "node left cleanly: down as expected, not fenced", map[string]string{"node": first}, nil)
	ns := c.waitNodeState(second, first, [4]string{"false", "offline", "down", "down"})
	if v, ok := transient(ns, "shutdown"); ok {
		t.Errorf("the shutdown request stays on %s after it left: %q", first, v)
	}
	// pacer status shows it offline, not unclean.
	st, _, _ := pacerCLI(t, []string{"PACER_SOCKET=" + c.socks[second]}, "", "status")
	if !strings.Contains(st, "OFFLINE: [ "+first+" ]") || strings.Contains(st, "UNCLEAN") {
		t.Errorf("pacer status after %s's clean stop:\n%s", first, st)
	}
	// Past a deadtime nobody changes its mind.
	time.Sleep(2 * time.Second)
	c.noFencing(c.all(), "")
	for _, n := range survivors {
		if got := n.Events("node declared dead", map[string]string{"node": first}); len(got) != 0 {
			t.Errorf("%s declared %s dead: %v", n.Name, first, got)
		}
	}

	// Started again, it joins as a member.
	c.startEnv(first)
	c.waitNodeState(second, first, [4]string{"true", "online", "member", "member"})
	time.Sleep(time.Second)
	c.noFencing(c.all(), "")
	if _, x := c.getCIB(second, true); x != nil {
		if v, ok := transient(nodeStateOf(x, first), "shutdown"); ok {
			t.Errorf("%s rejoined with a shutdown request: %q", first, v)
		}
	}

	// The DC stops cleanly too: it runs its own shutdown transition
	// (its do_shutdown last), waits for it to end, and leaves; the others
	// elect a DC that records it cleanly down.
	dc, _ = waitOneDC(t, c.all(), c.socks, "", 15*time.Second)
	old := c.nodes[dc]
	var rest []*Node
	for _, n := range c.all() {
		if n != old {
			rest = append(rest, n)
		}
	}
	stoppedAt = time.Now()
	old.Kill(syscall.SIGTERM)
	if code := old.ExitWait(t, 30*time.Second); code != 0 {
		t.Fatalf("pacerd on DC %s exited %d after SIGTERM", dc, code)
	}
	old.WaitFor(t, time.Second, 1, "left the cluster cleanly: resources stopped or moved, peers told", nil)
	ev, newDC := waitAny(t, rest, 15*time.Second, "node left cleanly: down as expected, not fenced", map[string]string{"node": dc}, nil)
	t.Logf("SIGTERM to the DC %s: recorded cleanly down by the new DC %s %v after the signal",
		dc, newDC.Name, ev.TS.Sub(stoppedAt).Round(time.Millisecond))
	on := rest[0].Name
	c.waitNodeState(on, dc, [4]string{"false", "offline", "down", "down"})
	deadline := time.Now().Add(15 * time.Second)
	for !c.running(rest[0].Name) && !c.running(rest[1].Name) {
		if time.Now().After(deadline) {
			t.Fatalf("d1 runs on neither %s nor %s after the DC left", rest[0].Name, rest[1].Name)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if c.running(dc) {
		t.Errorf("d1's state file left on the stopped DC %s", dc)
	}
	time.Sleep(2 * time.Second)
	c.noFencing(append(rest, old), "")
}

// two_node (no witness), real pacerd: SIGTERM the node running d1. The
// cluster moves d1 to the peer, the stopping node leaves the raft voters
// and announces its leave: the survivor does not fence it (the [quorum]
// fence agent records nothing), runs everything as DC with a quorum of
// its own, and takes changes. The node, started again, rejoins under a
// new raft id and is a voter again.
func TestTwoNodeCleanStopNotFenced(t *testing.T) {
	specs := []NodeSpec{{"alpha", 1}, {"bravo", 2}}
	agentDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(agentDir, "fence_it_record"), []byte(recordingFenceAgent), 0o755); err != nil {
		t.Fatal(err)
	}
	record := filepath.Join(agentDir, "fenced.log")
	c := newLeaveCluster(t, specs, func(i int) string {
		q := fmt.Sprintf("[quorum]\ntwo_node = true\nwait_for_all = true\nfence_agent = \"fence_it_record\"\nfence_agent_dir = %q\nfence_retry = \"500ms\"\n", agentDir)
		if i == 1 {
			q += "fence_delay = \"2s\"\n"
		}
		return fastRaft + q + fmt.Sprintf("[quorum.fence_params]\nrecord = %q\n", record)
	})
	for _, s := range specs {
		c.startEnv(s.Name)
	}
	dc, _ := waitOneDC(t, c.all(), c.socks, "", 15*time.Second)
	for _, s := range specs {
		c.waitInfo(s.Name, "two voters, wait_for_all satisfied", func(ni control.NodeInfo) bool {
			return slices.Equal(ni.Voters, []uint64{1, 2}) && !ni.WaitingForAll && ni.Quorum
		})
	}
	configureCIB(t, c.socks[dc], "property stonith-enabled=false\n"+
		"primitive d1 ocf:pacer:Dummy op monitor interval=1s timeout=10s\n")
	ev, _ := waitAny(t, c.all(), 15*time.Second, "action result", map[string]string{"rsc": "d1", "op": "start", "rc": "0"}, nil)
	gone := ev.Str("node")
	surv, survID := "alpha", uint64(1)
	if gone == "alpha" {
		surv, survID = "bravo", 2
	}
	stopping := c.nodes[gone]
	stoppedAt := time.Now()
	stopping.Kill(syscall.SIGTERM)
	if code := stopping.ExitWait(t, 30*time.Second); code != 0 {
		t.Fatalf("pacerd on %s exited %d after SIGTERM", gone, code)
	}
	if len(stopping.Events("operation result", map[string]string{"rsc": "d1", "op": "stop", "rc": "0"})) == 0 {
		t.Fatalf("%s exited without stopping d1", gone)
	}
	stopping.WaitFor(t, time.Second, 1, "left the cluster cleanly: resources stopped or moved, peers told", nil)
	s := c.nodes[surv]
	s.WaitFor(t, 15*time.Second, 1, "operation result", map[string]string{"rsc": "d1", "op": "start", "rc": "0"})
	if !c.running(surv) || c.running(gone) {
		t.Fatalf("d1 running on %s: %v, on %s: %v", surv, c.running(surv), gone, c.running(gone))
	}
	c.waitInfo(surv, "DC alone with a quorum of its own", func(ni control.NodeInfo) bool {
		return ni.DC == surv && slices.Equal(ni.Voters, []uint64{survID}) && ni.Quorum
	})
	t.Logf("SIGTERM to %s (DC was %s): d1 on %s, %s single voter and DC %v later", gone, dc, surv, surv,
		time.Since(stoppedAt).Round(time.Millisecond))
	c.waitNodeState(surv, gone, [4]string{"false", "offline", "down", "down"})
	time.Sleep(3 * time.Second) // past deadtime and fence_delay
	c.noFencing(c.all(), record)
	c.addResource(surv, "alone")

	// Started again: rejoins under a new raft id, a voter again.
	c.startEnv(gone)
	back := c.waitInfo(gone, "rejoined under a new raft id", func(ni control.NodeInfo) bool { return ni.RaftID > 2 })
	c.waitInfo(surv, "the rejoined node promoted back to voter", func(ni control.NodeInfo) bool {
		return slices.Equal(ni.Voters, []uint64{survID, back.RaftID}) && len(ni.Learners) == 0
	})
	c.waitNodeState(surv, gone, [4]string{"true", "online", "member", "member"})
	c.addResource(gone, "paired")
	c.noFencing(c.all(), record)
	t.Logf("%s rejoined as raft id %d, a voter again; nothing fenced", gone, back.RaftID)

	// Now the DC, which runs d1, stops: it hands its leadership over as it
	// leaves the voters, and the rejoined node runs everything alone.
	c.waitInfo(gone, "knows the DC", func(ni control.NodeInfo) bool { return ni.DC == surv })
	dcNode := c.nodes[surv]
	stoppedAt = time.Now()
	dcNode.Kill(syscall.SIGTERM)
	if code := dcNode.ExitWait(t, 30*time.Second); code != 0 {
		t.Fatalf("pacerd on DC %s exited %d after SIGTERM", surv, code)
	}
	dcNode.WaitFor(t, time.Second, 1, "left the cluster cleanly: resources stopped or moved, peers told", nil)
	c.waitInfo(gone, "DC alone with a quorum of its own", func(ni control.NodeInfo) bool {
		return ni.DC == gone && slices.Equal(ni.Voters, []uint64{back.RaftID}) && ni.Quorum
	})
	// d1 may have moved back to the rejoined node already (no stickiness).
	deadline := time.Now().Add(15 * time.Second)
	for !c.running(gone) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if !c.running(gone) || c.running(surv) {
		t.Fatalf("after the DC left: d1 running on %s: %v, on %s: %v", gone, c.running(gone), surv, c.running(surv))
	}
	t.Logf("SIGTERM to the DC %s: %s single voter, DC and running d1 %v later", surv, gone, time.Since(stoppedAt).Round(time.Millisecond))
	time.Sleep(3 * time.Second)
	c.noFencing(append(c.all(), dcNode), record)
	c.addResource(gone, "last")
}

// A clean stop with no DC to ask: both peers of a three-node cluster are
// gone (SIGKILL), so the last node has no quorum. It runs nothing, so it
// does not wait out shutdown_timeout: after 10 s without a DC it exits 0,
// without announcing a leave nobody could record.
func TestCleanStopWithoutQuorum(t *testing.T) {
	specs := []NodeSpec{{"alpha", 1}, {"bravo", 2}, {"charlie", 3}}
	c := newLeaveCluster(t, specs, func(int) string { return fastRaft })
	for _, s := range specs {
		c.startEnv(s.Name)
	}
	waitOneDC(t, c.all(), c.socks, "", 15*time.Second)
	for _, n := range []string{"bravo", "charlie"} {
		c.nodes[n].Kill(syscall.SIGKILL)
		c.nodes[n].ExitWait(t, 5*time.Second)
	}
	a := c.nodes["alpha"]
	a.WaitFor(t, 10*time.Second, 1, "no DC", nil)
	at := time.Now()
	a.Kill(syscall.SIGTERM)
	if code := a.ExitWait(t, 30*time.Second); code != 0 {
		t.Fatalf("pacerd exited %d", code)
	}
	took := time.Since(at)
	a.WaitFor(t, time.Second, 1, "no DC (no quorum) for noDCGrace and nothing running here: leaving without announcing it; "+
		"a DC that comes back treats this node as lost", nil)
	if len(a.Events("left the cluster cleanly: resources stopped or moved, peers told", nil)) != 0 {
		t.Fatal("announced a clean leave without a DC")
	}
	if took < 10*time.Second {
		t.Fatalf("left after %v, before the 10 s without a DC", took)
	}
	t.Logf("SIGTERM without quorum and nothing running: exited after %v", took.Round(time.Millisecond))
}

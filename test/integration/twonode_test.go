package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"pacer/internal/control"
)

// recordingFenceAgent is a fence agent for the test: it speaks the
// fence-agents stdin protocol and, for off or reboot, appends "ACTION <plug>" to the
// file its record parameter names. The test SIGKILLs the node itself: the
// agent is the device that reports the power-off done.
const recordingFenceAgent = `#!/bin/sh
action= plug= record=
while IFS= read -r line; do
	case "$line" in
	action=*) action=${line#action=} ;;
	plug=*) plug=${line#plug=} ;;
	record=*) record=${line#record=} ;;
	esac
done
case "$action" in
off|reboot) [ -n "$plug" ] && [ -n "$record" ] || { echo "no plug or record" >&2; exit 1; }
	echo "$action $plug" >>"$record"; exit 0 ;;
status|monitor|list) exit 0 ;;
*) echo "unsupported action $action" >&2; exit 1 ;;
esac
`

func (c *testCluster) nodeInfo(name string) (control.NodeInfo, error) {
	cl := c.client(name)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return cl.NodeInfo(ctx)
}

func (c *testCluster) waitInfo(name, what string, cond func(ni control.NodeInfo) bool) control.NodeInfo {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var last control.NodeInfo
	for time.Now().Before(deadline) {
		ni, err := c.nodeInfo(name)
		if err == nil {
			last = ni
			if cond(ni) {
				return ni
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.t.Fatalf("%s: never %s; last node info %+v", name, what, last)
	return last
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// two_node with real pacerd: SIGKILL the DC; the survivor has it fenced
// (the recording fence agent runs with action off and the dead node's
// name), only then forces a single-voter configuration and becomes DC
// alone, with every committed change; the killed node, restarted on its
// data_dir, rejoins under a new raft id and is promoted back to voter.
func TestTwoNodeFenceForceRejoinRealDaemons(t *testing.T) {
	specs := []NodeSpec{{"alpha", 1}, {"bravo", 2}}
	tm := Timing{Keepalive: 100 * time.Millisecond, Warntime: 300 * time.Millisecond, Deadtime: 500 * time.Millisecond, Initdead: 3 * time.Second}
	agentDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(agentDir, "fence_it_record"), []byte(recordingFenceAgent), 0o755); err != nil {
		t.Fatal(err)
	}
	record := filepath.Join(agentDir, "fenced.log")
	c := newTestCluster(t, specs, tm, func(i int) string {
		q := fmt.Sprintf("[quorum]\ntwo_node = true\nwait_for_all = true\nfence_agent = \"fence_it_record\"\nfence_agent_dir = %q\nfence_retry = \"500ms\"\n", agentDir)
		if i == 1 {
			q += "fence_delay = \"2s\"\n" // bravo waits: alpha wins a split
		}
		return fastRaft + q + fmt.Sprintf("[quorum.fence_params]\nrecord = %q\n", record)
	})
	for _, s := range specs {
		c.start(s.Name)
	}
	dc, _ := waitOneDC(t, c.all(), c.socks, "", 15*time.Second)
	for _, s := range specs {
		c.waitInfo(s.Name, "two voters, wait_for_all satisfied", func(ni control.NodeInfo) bool {
			return slices.Equal(ni.Voters, []uint64{1, 2}) && !ni.WaitingForAll && ni.Quorum
		})
	}
	c.addResource(dc, "nfs")
	want := []string{"nfs"}
	if got := readLines(t, record); len(got) != 0 {
		t.Fatalf("fenced with both nodes up: %v", got)
	}

	killed := c.nodes[dc]
	surv := "alpha"
	if dc == "alpha" {
		surv = "bravo"
	}
	killedAt := time.Now()
	killed.Kill(syscall.SIGKILL)
	killed.ExitWait(t, 5*time.Second)
	s := c.nodes[surv]
	s.WaitFor(t, 20*time.Second, 1, "fencing succeeded", map[string]string{"node": dc})
	forced := s.WaitFor(t, 20*time.Second, 1, "forced single-voter raft configuration", nil)[0]
	fenced := s.Events("fencing succeeded", nil)[0]
	if forced.TS.Before(fenced.TS) || forced.Level != "warn" {
		t.Fatalf("forced at %v (%s), fenced at %v", forced.TS, forced.Level, fenced.TS)
	}
	for _, k := range []string{"applied", "committed", "last", "term", "forced_index"} {
		if _, ok := forced.Fields[k]; !ok {
			t.Errorf("the forced-configuration line has no %s: %v", k, forced.Fields)
		}
	}
	survID := uint64(1)
	if surv == "bravo" {
		survID = 2
	}
	c.waitInfo(surv, "single-voter DC", func(ni control.NodeInfo) bool {
		return ni.DC == surv && slices.Equal(ni.Voters, []uint64{survID})
	})
	t.Logf("%s SIGKILLed; %s fenced it, forced a single-voter configuration and is DC after %v (delay %s)",
		dc, surv, time.Since(killedAt).Round(time.Millisecond), map[bool]string{true: "2s fence_delay", false: "none"}[surv == "bravo"])
	if got := readLines(t, record); !slices.Equal(got, []string{"reboot " + dc}) {
		t.Fatalf("fence record %v, want one 'reboot %s'", got, dc)
	}
	if _, got := c.getCIB(surv, false); !slices.Equal(resourceIDs(got), want) {
		t.Fatalf("after the force %s has %v, want %v", surv, resourceIDs(got), want)
	}
	c.addResource(surv, "alone")
	want = append(want, "alone")
	sort.Strings(want)

	// The killed node comes back on its data_dir.
	c.start(dc)
	back := c.waitInfo(dc, "rejoined under a new raft id", func(ni control.NodeInfo) bool { return ni.RaftID > 2 })
	c.waitInfo(surv, "the rejoined node promoted back to voter", func(ni control.NodeInfo) bool {
		return slices.Equal(ni.Voters, []uint64{survID, back.RaftID}) && len(ni.Learners) == 0
	})
	c.nodes[dc].WaitFor(t, 10*time.Second, 1, "the DC addresses this node by a new raft id: this node was removed from the raft group (fenced) and rejoins as a learner", nil)
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, got := c.getCIB(dc, true); slices.Equal(resourceIDs(got), want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("rejoined %s never caught up", dc)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Two voters again: a change needs both, and goes through either.
	c.addResource(dc, "paired")
	if got := readLines(t, record); len(got) != 1 {
		t.Fatalf("fence record %v after the rejoin, want the one fencing only", got)
	}
	t.Logf("%s rejoined as raft id %d and is a voter again", dc, back.RaftID)
}

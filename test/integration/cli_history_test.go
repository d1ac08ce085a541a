package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// historyLine matches a pacer history text line: time, recording node,
// kind, level (when not info), message and fields.
var historyLine = regexp.MustCompile(`^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})  (\S+)\s+(\S+)\s+(.*)$`)

// `pacer history` on three real pacerd: a move and a failover, read from
// every node's journal, filtered by node and resource, newest last; a
// dead node's journal is named as not read (exit 2).
func TestCLIHistoryFailover(t *testing.T) {
	cc := startCLICluster(t)
	cc.ok(t, cc.dc, "configure", "property", "stonith-enabled=false")
	cc.ok(t, cc.dc, "configure", "primitive", "web", "ocf:pacer:Dummy", "op", "monitor", "interval=1s")
	cc.ok(t, cc.dc, "configure", "rsc_defaults", "resource-stickiness=100")
	first := cc.where(t, "web", 15*time.Second)
	// Move web to a node that is not the DC, then kill that node.
	target := otherThan(first, cc.dc)
	cc.ok(t, cc.dc, "resource", "move", "web", target)
	cc.waitRunning(t, "web", target, 15*time.Second)
	survivor := otherThan(target, cc.dc)

	out := cc.ok(t, survivor, "history", "--limit", "0")
	t.Logf("pacer history after the move:\n%s", out)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var last string
	for _, l := range lines {
		m := historyLine.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("not a history line: %q", l)
		}
		if m[1] < last {
			t.Errorf("not oldest first: %q after %s", l, last)
		}
		last = m[1]
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^\S+ \S+  ` + cc.dc + `\s+dc\s+elected DC node=` + cc.dc),
		regexp.MustCompile(`(?m)^\S+ \S+  ` + cc.dc + `\s+action\s+action initiated node=` + first + ` rsc=web op=start .*reason=`),
		regexp.MustCompile(`(?m)^\S+ \S+  ` + cc.dc + `\s+action\s+action initiated node=` + first + ` rsc=web op=stop .*reason="Move web`),
		// the executor's own line, on the node that ran it
		regexp.MustCompile(`(?m)^\S+ \S+  ` + target + `\s+op\s+operation result rsc=web op=start interval=0s rc=0 rc_text=OCF_SUCCESS`),
		regexp.MustCompile(`(?m)^\S+ \S+  ` + cc.dc + `\s+config\s+configuration replaced`),
		regexp.MustCompile(`(?m)^\S+ \S+  ` + cc.dc + `\s+transition\s+transition complete`),
	} {
		if !want.MatchString(out) {
			t.Errorf("history lacks %s", want)
		}
	}

	// The failover: web's node dies; the DC restarts web elsewhere.
	cc.nodes[target].Kill(syscall.SIGKILL)
	cc.nodes[cc.dc].WaitFor(t, 10*time.Second, 1, "node declared dead", map[string]string{"node": target})
	// The machine is gone, and its Dummy's state file with it.
	os.Remove(filepath.Join(cc.rsctmp[target], "Dummy-web.state"))
	after := cc.where(t, "web", 15*time.Second)
	if after == target {
		t.Fatalf("web still on the killed node")
	}
	waitFor(t, 10*time.Second, func() bool {
		out, _, _ := cc.run(t, survivor, "", "history", "--resource", "web", "--limit", "0")
		return regexp.MustCompile(`(?m)  ` + after + `\s+op\s+operation result rsc=web op=start interval=0s rc=0`).MatchString(out)
	})
	out, errOut, code := cc.run(t, survivor, "", "history", "--resource", "web", "--limit", "0")
	t.Logf("pacer history --resource web after the failover:\n%s%s", out, errOut)
	if code != 2 || !strings.Contains(errOut, target+"'s journal not read: not asked: membership has it dead") {
		t.Errorf("a dead node's journal: exit %d, %q; want 2 naming it", code, errOut)
	}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.Contains(l, " rsc=web") {
			t.Errorf("--resource web printed %q", l)
		}
	}
	if !strings.Contains(out, "action initiated node="+after+" rsc=web op=start") {
		t.Errorf("history --resource web lacks the start on %s", after)
	}
	// The dead node's own lines are gone with it; what others recorded
	// about it stays.
	out, _, _ = cc.run(t, survivor, "", "history", "--node", target, "--limit", "0")
	if !strings.Contains(out, "node declared dead node="+target) || strings.Contains(out, "  "+target+" ") {
		t.Errorf("history --node %s:\n%s", target, out)
	}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.Contains(l, "node="+target) {
			t.Errorf("--node %s printed %q", target, l)
		}
	}
	// --limit keeps the newest; --json is the journal lines.
	out, _, _ = cc.run(t, survivor, "", "history", "--json", "--limit", "3")
	js := strings.Split(strings.TrimSpace(out), "\n")
	if len(js) != 3 {
		t.Fatalf("--limit 3 --json printed %d lines:\n%s", len(js), out)
	}
	for _, l := range js {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil || m["msg"] == nil || m["host"] == nil || m["seq"] == nil {
			t.Errorf("--json line %q: %v", l, err)
		}
	}
	// Bad flags: exit 1.
	for _, args := range [][]string{{"history", "--since", "yesterday"}, {"history", "--limit", "-1"}, {"history", "--from", "nosuch"}, {"history", "extra"}} {
		if _, errOut, code := cc.run(t, survivor, "", args...); code != 1 || errOut == "" {
			t.Errorf("pacer %v: exit %d, %q", args, code, errOut)
		}
	}
}

func waitFor(t *testing.T, timeout time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met after %v", timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

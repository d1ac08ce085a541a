package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// countEvents counts msg with fields over every node's log.
func (cc *cliCluster) countEvents(msg string, fields map[string]string) int {
	n := 0
	for _, node := range cc.all {
		n += len(node.Events(msg, fields))
	}
	return n
}

// otherThan is a node that is none of not.
func otherThan(not ...string) string {
	for _, n := range []string{"alpha", "bravo", "charlie"} {
		found := false
		for _, x := range not {
			found = found || x == n
		}
		if !found {
			return n
		}
	}
	return ""
}

// `pacer resource` and `pacer node` against three real pacerd with the
// shipped Dummy agent: every command, what it does to the cluster, its
// output and exit status.
func TestCLIResourceAndNode(t *testing.T) {
	cc := startCLICluster(t)
	via := otherThan(cc.dc) // ask through a node that is not the DC
	if _, errOut, code := cc.run(t, via, "property stonith-enabled=false\nrsc_defaults resource-stickiness=100\n"+
		"primitive d1 ocf:pacer:Dummy meta failure-timeout=10m op monitor interval=1s timeout=10s\n"+
		"primitive d2 ocf:pacer:Dummy op monitor interval=1s timeout=10s\n", "configure", "load", "update", "-"); code != 0 {
		t.Fatalf("load: %s", errOut)
	}
	on := cc.where(t, "d1", 15*time.Second)
	cc.where(t, "d2", 15*time.Second)

	// locate
	out, _, code := cc.run(t, via, "", "resource", "locate", "d1")
	if code != 0 || out != "resource d1 is running on: "+on+"\n" {
		t.Errorf("locate d1: exit %d %q", code, out)
	}
	if _, errOut, code := cc.run(t, via, "", "resource", "locate", "nosuch"); code != 1 || !strings.Contains(errOut, `no resource "nosuch"`) {
		t.Errorf("locate nosuch: exit %d %q", code, errOut)
	}

	// stop / start with --wait
	out = cc.ok(t, via, "resource", "stop", "--wait", "d1")
	if !regexp.MustCompile(`^d1: target-role=Stopped \(configuration version 0\.\d+\)\nd1: stopped after [0-9.]+m?s\n$`).MatchString(out) {
		t.Errorf("stop output: %q", out)
	}
	if cc.running(on, "d1") {
		t.Errorf("d1's state file still on %s after stop --wait", on)
	}
	if out, _, code := cc.run(t, via, "", "resource", "locate", "d1"); code != 2 || out != "resource d1 is NOT running\n" {
		t.Errorf("locate a stopped d1: exit %d %q, want 2", code, out)
	}
	if !strings.Contains(cc.ok(t, via, "configure", "show", "d1"), "target-role=Stopped") {
		t.Error("configure show d1 lacks target-role=Stopped")
	}
	cc.ok(t, via, "resource", "start", "--wait", "d1")
	on = cc.where(t, "d1", time.Second)

	// a --wait that times out after the change was made is a warning
	// (exit 2: done, not yet seen done), not an error that would say
	// nothing changed, even when the timeout cuts a status request short
	out, errOut, code := cc.run(t, via, "", "resource", "stop", "--wait", "--timeout", "1ms", "d1")
	if code != 2 || !strings.Contains(out, "d1: target-role=Stopped") || !strings.Contains(errOut, "d1 not stopped after 1ms") {
		t.Errorf("stop --wait --timeout 1ms: exit %d %q %q, want 2 with the change made and the timeout said", code, out, errOut)
	}
	cc.waitRunning(t, "d1", "", 5*time.Second)
	cc.ok(t, via, "resource", "start", "--wait", "d1")
	on = cc.where(t, "d1", time.Second)

	// restart: a stop and a start on the node, target-role as it was
	stops, starts := cc.countEvents("action result", map[string]string{"rsc": "d1", "op": "stop", "rc": "0"}),
		cc.countEvents("action result", map[string]string{"rsc": "d1", "op": "start", "rc": "0"})
	t0 := time.Now()
	out = cc.ok(t, via, "resource", "restart", "d1")
	if cc.countEvents("action result", map[string]string{"rsc": "d1", "op": "stop", "rc": "0"}) <= stops ||
		cc.countEvents("action result", map[string]string{"rsc": "d1", "op": "start", "rc": "0"}) <= starts {
		t.Errorf("restart did not stop and start d1:\n%s", out)
	}
	if !strings.Contains(cc.ok(t, via, "configure", "show", "d1"), "target-role=Started") {
		t.Error("restart did not put target-role back to Started")
	}
	t.Logf("resource restart d1: %v\n%s", time.Since(t0).Round(time.Millisecond), out)

	// move, one-shot: the constraint goes once d1 runs on the target
	to := otherThan(on)
	t0 = time.Now()
	out = cc.ok(t, via, "resource", "move", "d1", to)
	if !strings.Contains(out, "d1: moving to "+to+": constraint cli-prefer-d1 until ") ||
		!strings.Contains(out, "d1: running on "+to+" after ") || !strings.Contains(out, "d1: removed cli-prefer-d1, the move is done") {
		t.Errorf("move output:\n%s", out)
	}
	cc.waitRunning(t, "d1", to, time.Second)
	if strings.Contains(cc.ok(t, via, "configure", "show"), "cli-prefer-d1") {
		t.Error("a one-shot move left cli-prefer-d1 behind")
	}
	time.Sleep(500 * time.Millisecond) // with stickiness, d1 stays once the constraint is gone
	cc.waitRunning(t, "d1", to, time.Second)
	t.Logf("resource move d1 %s (one-shot): %v\n%s", to, time.Since(t0).Round(time.Millisecond), out)
	on = to

	var st string
	// move with a lifetime: the constraint stays, with its end date; clear
	// removes it
	to = otherThan(on)
	out = cc.ok(t, via, "resource", "move", "--lifetime", "1h", "d1", to)
	if !strings.Contains(out, "cli-prefer-d1 stays until it expires") {
		t.Errorf("move --lifetime output:\n%s", out)
	}
	show := cc.ok(t, via, "configure", "show", "cli-prefer-d1")
	if !regexp.MustCompile(`location cli-prefer-d1 d1 \\?\s*rule #uname eq ` + to + ` and date lt "?20\d\d-`).MatchString(show) {
		t.Errorf("cli-prefer-d1 with a lifetime:\n%s", show)
	}
	if x := cc.ok(t, via, "configure", "show", "xml", "cli-prefer-d1"); !strings.Contains(x, `score="INFINITY"`) || !strings.Contains(x, `<date_expression`) {
		t.Errorf("cli-prefer-d1 as XML:\n%s", x)
	}
	cc.waitRunning(t, "d1", to, 15*time.Second)
	on = to
	// status shows the constraint while it lasts, text and JSON
	st, _, _ = cc.run(t, "charlie", "", "status")
	if !regexp.MustCompile(`Move and Ban Constraints \(pacer resource clear RSC removes them\):\n  \* cli-prefer-d1: d1 prefers ` + to + ` \(INFINITY\) until '`).MatchString(st) {
		t.Errorf("status does not show cli-prefer-d1:\n%s", st)
	}
	if js, _, _ := cc.run(t, "charlie", "", "status", "--json"); !strings.Contains(js, `"id": "cli-prefer-d1"`) || !strings.Contains(js, `"kind": "move"`) {
		t.Errorf("status --json does not list cli-prefer-d1")
	}
	if out := cc.ok(t, via, "resource", "clear", "d1"); out != "d1: removed cli-prefer-d1 (configuration version "+
		regexp.MustCompile(`0\.\d+`).FindString(out)+")\n" {
		t.Errorf("clear output: %q", out)
	}
	if out := cc.ok(t, via, "resource", "clear", "d1"); out != "d1: no cli-prefer or cli-ban constraint to remove\n" {
		t.Errorf("second clear: %q", out)
	}

	// ban from the node it runs on; clear
	out = cc.ok(t, via, "resource", "ban", "--wait", "d1")
	if !strings.Contains(out, "d1: banned from "+on+": constraint cli-ban-d1-on-"+on+" until pacer resource clear d1") {
		t.Errorf("ban output:\n%s", out)
	}
	if cc.running(on, "d1") {
		t.Errorf("d1 still on %s after ban --wait", on)
	}
	if !strings.Contains(cc.ok(t, via, "configure", "show"), "location cli-ban-d1-on-"+on+" d1 -inf: "+on) {
		t.Errorf("ban constraint missing:\n%s", cc.ok(t, via, "configure", "show"))
	}
	if out := cc.ok(t, via, "resource", "clear", "d1"); !strings.Contains(out, "removed cli-ban-d1-on-"+on) {
		t.Errorf("clear after ban: %q", out)
	}
	on = cc.where(t, "d1", 15*time.Second)

	// failcount and cleanup: d1's service dies; its monitor fails; the
	// DC recovers it in place and counts the failure
	if out := cc.ok(t, via, "resource", "failcount", "d1"); out != "d1: no fail count\n" {
		t.Errorf("failcount before a failure: %q", out)
	}
	if err := os.Remove(filepath.Join(cc.rsctmp[on], "Dummy-d1.state")); err != nil {
		t.Fatal(err)
	}
	waitAny(t, cc.all, 10*time.Second, "monitor failed", map[string]string{"rsc": "d1", "node": on}, nil)
	cc.waitRunning(t, "d1", on, 15*time.Second)
	deadline := time.Now().Add(10 * time.Second)
	for {
		out = cc.ok(t, via, "resource", "failcount", "d1")
		if strings.Contains(out, "fail-count=1") || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !regexp.MustCompile(`^d1 on ` + on + `: fail-count=1 migration-threshold=\S+ last-failure=20\S+Z expires=20\S+Z \(failure-timeout 600s\)\n$`).MatchString(out) {
		t.Errorf("failcount after a failure: %q", out)
	}
	if out := cc.ok(t, via, "resource", "failcount", "d1", otherThan(on)); out != "d1: no fail count on "+otherThan(on)+"\n" {
		t.Errorf("failcount on another node: %q", out)
	}
	st, _, _ = cc.run(t, via, "", "status")
	if !strings.Contains(st, "Failed") {
		t.Logf("status before cleanup has no failed action section:\n%s", st)
	}
	out = cc.ok(t, via, "resource", "cleanup", "d1")
	if !strings.Contains(out, "d1: cleaned up on every node:\n") || !strings.Contains(out, "removed fail-count-d1#monitor_1000 on "+on) {
		t.Errorf("cleanup output:\n%s", out)
	}
	if out := cc.ok(t, via, "resource", "failcount", "d1"); out != "d1: no fail count\n" {
		t.Errorf("failcount after cleanup: %q", out)
	}
	if _, _, code := cc.run(t, via, "", "status"); code != 0 {
		st, _, _ := cc.run(t, via, "", "status")
		t.Errorf("status after cleanup: exit %d (warnings left?)\n%s", code, st)
	}
	if out := cc.ok(t, via, "resource", "cleanup", "d1"); out != "d1: no fail count or failed operation on every node\n" {
		t.Errorf("second cleanup: %q", out)
	}
	if _, errOut, code := cc.run(t, via, "", "resource", "cleanup", "d1", "nosuch"); code != 1 || !strings.Contains(errOut, `no node "nosuch"`) {
		t.Errorf("cleanup on an unknown node: exit %d %q", code, errOut)
	}
	cc.waitRunning(t, "d1", on, time.Second)

	// node standby / online
	out = cc.ok(t, via, "node", "standby", on)
	if !regexp.MustCompile(`^` + on + `: standby=on \(forever, configuration version 0\.\d+\)\n$`).MatchString(out) {
		t.Errorf("standby output: %q", out)
	}
	cc.waitRunning(t, "d1", otherThan(on, cc.where(t, "d2", time.Second)), 15*time.Second)
	if st, _, _ := cc.run(t, via, "", "status", "--json"); !strings.Contains(st, `"standby": true`) {
		t.Errorf("status --json shows no node in standby")
	}
	if out := cc.ok(t, via, "node", "attribute", on, "standby"); out != "standby=on (forever)\n" {
		t.Errorf("attribute standby: %q", out)
	}
	out = cc.ok(t, via, "node", "online", on)
	if !strings.Contains(out, on+": standby=off (forever") {
		t.Errorf("online output: %q", out)
	}
	// a transient standby, then online clears it too
	cc.ok(t, via, "node", "standby", "--lifetime", "reboot", on)
	if out := cc.ok(t, via, "node", "attribute", on); !strings.Contains(out, "standby=off (forever)\n") || !strings.Contains(out, "standby=on (reboot)\n") {
		t.Errorf("attributes with both lifetimes:\n%s", out)
	}
	out = cc.ok(t, via, "node", "online", on)
	if !strings.Contains(out, on+": deleted standby=on (reboot)") {
		t.Errorf("online did not clear the transient standby: %q", out)
	}
	// maintenance / ready
	cc.ok(t, via, "node", "maintenance", on)
	if out := cc.ok(t, via, "node", "attribute", on, "maintenance"); out != "maintenance=on (forever)\n" {
		t.Errorf("maintenance: %q", out)
	}
	cc.ok(t, via, "node", "ready", on)
	// attribute set / get / delete, both lifetimes
	cc.ok(t, via, "node", "attribute", on, "site", "east")
	cc.ok(t, via, "node", "attribute", "--lifetime", "reboot", on, "pingd", "100")
	if out := cc.ok(t, otherThan(via), "node", "attribute", on, "site"); out != "site=east (forever)\n" {
		t.Errorf("get site: %q", out)
	}
	if out := cc.ok(t, otherThan(via), "node", "attribute", "-l", "reboot", on, "pingd"); out != "pingd=100 (reboot)\n" {
		t.Errorf("get pingd: %q", out)
	}
	cc.ok(t, via, "node", "attribute", "--delete", on, "site")
	cc.ok(t, via, "node", "attribute", "--delete", "-l", "reboot", on, "pingd")
	if _, errOut, code := cc.run(t, via, "", "node", "attribute", on, "site"); code != 1 || !strings.Contains(errOut, `no attribute "site"`) {
		t.Errorf("get a deleted attribute: exit %d %q", code, errOut)
	}
	for _, bad := range [][]string{
		{"node", "standby", "nosuch"},
		{"node", "attribute", "--lifetime", "reboot", "nosuch", "a", "b"},
		{"node", "attribute", "--lifetime", "sometimes", on, "a", "b"},
		{"resource", "stop", "nosuch"},
		{"resource", "move", "d1", "nosuch"},
		{"resource", "move", "d1"},
	} {
		before := cc.showXML(t, via)
		if _, errOut, code := cc.run(t, via, "", bad...); code != 1 || errOut == "" {
			t.Errorf("pacer %s: exit %d %q, want 1 with a message", strings.Join(bad, " "), code, errOut)
		}
		if cc.showXML(t, via) != before {
			t.Errorf("pacer %s changed the configuration", strings.Join(bad, " "))
		}
	}

	// fence: refused without --force and a terminal; with --force the
	// fence device runs and the node is recorded down.
	victim := otherThan(cc.dc, cc.where(t, "d1", time.Second))
	if _, errOut, code := cc.run(t, cc.dc, "", "node", "fence", victim); code != 1 || !strings.Contains(errOut, "--force") {
		t.Errorf("fence without --force: exit %d %q", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(cc.dir, "fence.log")); err == nil {
		t.Fatal("fence without --force fenced")
	}
	// without a fence device: refused, the reason said once
	if _, errOut, code := cc.run(t, cc.dc, "", "node", "fence", "--force", victim); code != 1 ||
		!strings.Contains(errOut, "no stonith resources are configured") || strings.Count(errOut, "fence "+victim) != 1 {
		t.Errorf("fence without a fence device: exit %d %q", code, errOut)
	}
	cc.ok(t, cc.dc, "configure", "primitive", "fence1", "stonith:fence_pacer_it", "params", `pcmk_host_list=alpha bravo charlie`)
	out = cc.ok(t, cc.dc, "node", "fence", "--force", victim)
	if !regexp.MustCompile(`^` + victim + ` fenced \(reboot\) by ` + cc.dc + ` with fence1 in [0-9.]+m?s\n$`).MatchString(out) {
		t.Errorf("fence output: %q", out)
	}
	b, err := os.ReadFile(filepath.Join(cc.dir, "fence.log"))
	if err != nil || !strings.Contains(string(b), "reboot "+victim+" ") {
		t.Errorf("fence agent log: %q %v", b, err)
	}
	cc.nodes[victim].ExitWait(t, 5*time.Second)
	t.Logf("node fence %s: %s", victim, strings.TrimSpace(out))

	// the operator's fencing is in the status section's fencing history,
	// shown by the third node too, as the DC's fencings are
	third := otherThan(cc.dc, victim)
	var doc struct {
		Fencing []struct {
			Target, Action, State, Origin, Executor, Reason string
			Devices                                         []string
		}
	}
	found := false
	// the third node's applied copy may trail the commit by a moment
	for deadline := time.Now().Add(5 * time.Second); !found && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		js, errOut, code := cc.run(t, third, "", "status", "--json")
		if code != 0 && code != 2 { // 2: the fenced node is OFFLINE, a warning
			t.Fatalf("status --json on %s: exit %d %s", third, code, errOut)
		}
		if err := json.Unmarshal([]byte(js), &doc); err != nil {
			t.Fatalf("status --json on %s: %v", third, err)
		}
		for _, f := range doc.Fencing {
			if f.Target == victim && f.Action == "reboot" && f.State == "success" && f.Origin == cc.dc &&
				f.Executor == cc.dc && f.Reason == "pacer node fence" && strings.Join(f.Devices, " ") == "fence1" {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("status --json on %s: fencing history %+v, want the reboot of %s by %s with fence1", third, doc.Fencing, victim, cc.dc)
	}
}

package integration

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"pacer/crm/cib/cibxml"
	"pacer/crm/cib/crmsh"
	"pacer/internal/control"
)

// startNodeEnv is StartNode with extra environment for pacerd (the
// agents' OCF_ROOT and a state directory of the node's own).
func startNodeEnv(t *testing.T, name string, id int, config string, env []string) *Node {
	t.Helper()
	n := &Node{Name: name, ID: id, Config: config, exited: make(chan struct{})}
	n.cond = sync.NewCond(&n.mu)
	n.cmd = exec.Command(filepath.Join(binDir, "pacerd"), "--config", config, "--log-format", "json")
	n.cmd.Env = append(os.Environ(), env...)
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stderr, err := n.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := n.cmd.Start(); err != nil {
		t.Fatalf("start pacerd %s: %v", name, err)
	}
	go n.collect(stderr)
	t.Cleanup(func() {
		n.Kill(syscall.SIGKILL)
		<-n.exited
		if t.Failed() {
			t.Logf("log of %s:\n%s", n.Name, strings.Join(n.Raw(), "\n"))
		}
	})
	return n
}

// configureCIB replaces the running cluster's configuration with the crm
// statements in crm, through the control socket (cib.get, cib.replace).
func configureCIB(t *testing.T, sock, crm string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := control.Dial(ctx, sock)
	if err != nil {
		t.Fatalf("dial %s: %v", sock, err)
	}
	defer c.Close()
	cur, err := c.GetCIB(ctx, false)
	if err != nil {
		t.Fatalf("cib.get: %v", err)
	}
	x, err := cibxml.Read(strings.NewReader(cur.XML), "cib.get")
	if err != nil {
		t.Fatalf("read the CIB: %v", err)
	}
	conf, err := crmsh.ParseConfiguration([]byte(crm), "test")
	if err != nil {
		t.Fatalf("configuration: %v", err)
	}
	x.Configuration = *conf
	var b bytes.Buffer
	if err := cibxml.Write(&b, x); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReplaceCIB(ctx, cur.AdminEpoch, cur.Epoch, b.String()); err != nil {
		t.Fatalf("cib.replace: %v", err)
	}
}

// waitAny waits until one of nodes logs msg with fields; it returns the
// event and who logged it.
func waitAny(t *testing.T, nodes []*Node, timeout time.Duration, msg string, fields map[string]string, not map[string]string) (Event, *Node) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		for _, n := range nodes {
			for _, e := range n.Events(msg, fields) {
				skip := false
				for k, v := range not {
					if fmt.Sprint(e.Fields[k]) == v {
						skip = true
					}
				}
				if !skip {
					return e, n
				}
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no node logged %q %v within %v", msg, fields, timeout)
	return Event{}, nil
}

// Three pacerd on loopback with the shipped Dummy agent: a primitive
// configured through the control socket starts on one node; SIGKILL of
// that node's pacerd makes the DC start it on another. The CIB has
// stonith-enabled=false (no fence device in this test), so the lost node
// is not fenced: its Dummy state file stays behind, as a resource would
// on a node that lost only its pacerd; test/lab covers fencing.
func TestCoordinatorFailover(t *testing.T) {
	specs := []NodeSpec{{"alpha", 1}, {"bravo", 2}, {"charlie", 3}}
	tm := Timing{Keepalive: 100 * time.Millisecond, Warntime: 300 * time.Millisecond,
		Deadtime: 600 * time.Millisecond, Initdead: 2 * time.Second}
	raftTOML := "[raft]\ntick = \"50ms\"\nelection_ticks = 10\nheartbeat_ticks = 1\n"
	dir := t.TempDir()
	dummy, err := filepath.Abs("../../agents/scripts/ocf/pacer/Dummy")
	if err != nil {
		t.Fatal(err)
	}
	ocfRoot := filepath.Join(dir, "ocf")
	if err := os.MkdirAll(filepath.Join(ocfRoot, "resource.d", "pacer"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(dummy, filepath.Join(ocfRoot, "resource.d", "pacer", "Dummy")); err != nil {
		t.Fatal(err)
	}
	key := keygen(t, dir)
	ports := freeUDPPorts(t, len(specs))
	links := udpMesh(specs, ports, nil)
	socks := map[string]string{}
	rsctmp := map[string]string{}
	byName := map[string]*Node{}
	var all []*Node
	for i, s := range specs {
		var peers []NodeSpec
		for j, p := range specs {
			if j != i {
				peers = append(peers, p)
			}
		}
		cfg := writeConfig(t, dir, s, peers, tm, key, links[i]+raftTOML)
		socks[s.Name] = filepath.Join(dir, s.Name+".sock")
		rsctmp[s.Name] = filepath.Join(dir, s.Name+"-rsctmp")
		n := startNodeEnv(t, s.Name, s.ID, cfg, []string{"OCF_ROOT=" + ocfRoot, "HA_RSCTMP=" + rsctmp[s.Name]})
		byName[s.Name] = n
		all = append(all, n)
	}
	dc, _ := waitOneDC(t, all, socks, "", 15*time.Second)
	byName[dc].WaitFor(t, 10*time.Second, 1, "became DC", map[string]string{"node": dc})
	for _, s := range specs {
		byName[dc].WaitFor(t, 10*time.Second, 1, "node joined", map[string]string{"node": s.Name})
	}

	configured := time.Now()
	configureCIB(t, socks[dc], "property stonith-enabled=false\n"+
		"primitive d1 ocf:pacer:Dummy op monitor interval=1s timeout=10s\n")
	ev, _ := waitAny(t, all, 15*time.Second, "action result", map[string]string{"rsc": "d1", "op": "start", "rc": "0"}, nil)
	first := ev.Str("node")
	t.Logf("d1 started on %s %v after the configuration was replaced (DC %s)", first, time.Since(configured).Round(time.Millisecond), dc)
	state := func(node string) bool {
		_, err := os.Stat(filepath.Join(rsctmp[node], "Dummy-d1.state"))
		return err == nil
	}
	for _, s := range specs {
		if got, want := state(s.Name), s.Name == first; got != want {
			t.Fatalf("Dummy state file on %s: %v, want %v", s.Name, got, want)
		}
	}
	waitAny(t, all, 10*time.Second, "action result", map[string]string{"rsc": "d1", "op": "monitor", "node": first, "rc": "0"}, nil)
	// The action line names why.
	if e, _ := waitAny(t, all, time.Second, "action initiated", map[string]string{"rsc": "d1", "op": "start"}, nil); e.Str("reason") == "" || e.Fields["transition"] == nil {
		t.Errorf("action line without reason or transition: %v", e.Fields)
	}

	// The service dies behind the cluster's back: the node's recurring
	// monitor reports it to the DC, which recovers it in place.
	crashedAt := time.Now()
	if err := os.Remove(filepath.Join(rsctmp[first], "Dummy-d1.state")); err != nil {
		t.Fatal(err)
	}
	waitAny(t, all, 10*time.Second, "monitor failed", map[string]string{"rsc": "d1", "node": first, "rc": "7"}, nil)
	ev, _ = waitAny(t, all, 10*time.Second, "action initiated", map[string]string{"rsc": "d1", "op": "start", "node": first}, map[string]string{"transition": "1"})
	waitAny(t, all, 10*time.Second, "action result", map[string]string{"rsc": "d1", "op": "start", "node": first, "rc": "0",
		"transition": fmt.Sprint(ev.Fields["transition"])}, nil)
	if !state(first) {
		t.Fatalf("d1 not recovered on %s", first)
	}
	t.Logf("d1's state file removed on %s: recovered in place %v later (monitor interval 1s; reason %q)", first,
		time.Since(crashedAt).Round(time.Millisecond), ev.Str("reason"))

	killed := byName[first]
	killedAt := time.Now()
	killed.Kill(syscall.SIGKILL)
	killed.ExitWait(t, 5*time.Second)
	var survivors []*Node
	for _, n := range all {
		if n != killed {
			survivors = append(survivors, n)
		}
	}
	ev, logger := waitAny(t, survivors, 20*time.Second, "action result", map[string]string{"rsc": "d1", "op": "start", "rc": "0"},
		map[string]string{"node": first})
	second := ev.Str("node")
	t.Logf("pacerd on %s killed; d1 started on %s %v later (DC %s; deadtime %v)", first, second,
		time.Since(killedAt).Round(time.Millisecond), logger.Name, tm.Deadtime)
	if !state(second) {
		t.Errorf("no Dummy state file on %s", second)
	}
	for _, n := range survivors {
		if n.Name != second && state(n.Name) {
			t.Errorf("d1 also running on %s", n.Name)
		}
	}
	logger.WaitFor(t, 5*time.Second, 1, "node lost", map[string]string{"node": first})
}

// fenceAgent is a test fence agent for pacerd processes on loopback: off
// and reboot kill the target's pacerd (its pid file) and remove its
// Dummy state files, as a power-off would; each fencing is logged with
// its time. It follows the fence agent API (options on stdin).
const fenceAgent = `#!/bin/sh
dir=@DIR@
action=reboot
plug=
while IFS='=' read -r k v; do
	case "$k" in
	action) action=$v ;;
	plug|port) plug=$v ;;
	esac
done
case "$action" in
metadata)
	cat <<'END'
<?xml version="1.0" ?>
<resource-agent name="fence_pacer_it" shortdesc="Test fence agent for pacerd on loopback">
<longdesc>Kills a pacerd process and removes its resources' state.</longdesc>
<parameters>
	<parameter name="action" unique="0" required="1"><getopt mixed="-o, --action=[action]" /><content type="string" default="reboot" /><shortdesc lang="en">Fencing action</shortdesc></parameter>
	<parameter name="plug" unique="0" required="1"><getopt mixed="-n, --plug=[name]" /><content type="string" /><shortdesc lang="en">Node</shortdesc></parameter>
</parameters>
<actions>
	<action name="on" /><action name="off" /><action name="reboot" /><action name="status" /><action name="monitor" /><action name="metadata" />
</actions>
</resource-agent>
END
	exit 0 ;;
monitor|status) exit 0 ;;
on) exit 0 ;;
off|reboot)
	[ -n "$plug" ] || exit 1
	[ -f "$dir/$plug.pid" ] && kill -9 "$(cat "$dir/$plug.pid")" 2>/dev/null
	rm -f "$dir/$plug-rsctmp/"*.state
	echo "$action $plug $(date +%s.%N)" >> "$dir/fence.log"
	exit 0 ;;
esac
exit 1
`

// The same with fencing: stonith-enabled=true and a fence device (the
// test agent above). SIGKILL of the node that runs d1 leaves d1 "running"
// there (its state file stays), so the DC must fence the node before it
// starts d1 anywhere else: the fencing is logged, and done, before the
// new start.
func TestCoordinatorFailoverFenced(t *testing.T) {
	specs := []NodeSpec{{"alpha", 1}, {"bravo", 2}, {"charlie", 3}}
	tm := Timing{Keepalive: 100 * time.Millisecond, Warntime: 300 * time.Millisecond,
		Deadtime: 600 * time.Millisecond, Initdead: 2 * time.Second}
	raftTOML := "[raft]\ntick = \"50ms\"\nelection_ticks = 10\nheartbeat_ticks = 1\n"
	dir := t.TempDir()
	dummy, err := filepath.Abs("../../agents/scripts/ocf/pacer/Dummy")
	if err != nil {
		t.Fatal(err)
	}
	ocfRoot := filepath.Join(dir, "ocf")
	fenceDir := filepath.Join(dir, "fence")
	for _, d := range []string{filepath.Join(ocfRoot, "resource.d", "pacer"), fenceDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(dummy, filepath.Join(ocfRoot, "resource.d", "pacer", "Dummy")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fenceDir, "fence_pacer_it"), []byte(strings.ReplaceAll(fenceAgent, "@DIR@", dir)), 0o755); err != nil {
		t.Fatal(err)
	}
	key := keygen(t, dir)
	ports := freeUDPPorts(t, len(specs))
	links := udpMesh(specs, ports, nil)
	socks := map[string]string{}
	byName := map[string]*Node{}
	var all []*Node
	for i, s := range specs {
		var peers []NodeSpec
		for j, p := range specs {
			if j != i {
				peers = append(peers, p)
			}
		}
		cfg := writeConfig(t, dir, s, peers, tm, key, links[i]+raftTOML)
		socks[s.Name] = filepath.Join(dir, s.Name+".sock")
		n := startNodeEnv(t, s.Name, s.ID, cfg, []string{"OCF_ROOT=" + ocfRoot,
			"HA_RSCTMP=" + filepath.Join(dir, s.Name+"-rsctmp"), "PACER_FENCE_AGENT_DIR=" + fenceDir})
		if err := os.WriteFile(filepath.Join(dir, s.Name+".pid"), []byte(fmt.Sprint(n.Pid())), 0o644); err != nil {
			t.Fatal(err)
		}
		byName[s.Name] = n
		all = append(all, n)
	}
	dc, _ := waitOneDC(t, all, socks, "", 15*time.Second)
	for _, s := range specs {
		byName[dc].WaitFor(t, 10*time.Second, 1, "node joined", map[string]string{"node": s.Name})
	}
	configureCIB(t, socks[dc], "property stonith-enabled=true\n"+
		"primitive fence1 stonith:fence_pacer_it params pcmk_host_list=\"alpha bravo charlie\" op monitor interval=10s\n"+
		"primitive d1 ocf:pacer:Dummy op monitor interval=1s timeout=10s\n")
	ev, _ := waitAny(t, all, 15*time.Second, "action result", map[string]string{"rsc": "d1", "op": "start", "rc": "0"}, nil)
	first := ev.Str("node")
	waitAny(t, all, 10*time.Second, "action result", map[string]string{"rsc": "fence1", "op": "start", "rc": "0"}, nil)
	state := func(node string) bool {
		_, err := os.Stat(filepath.Join(dir, node+"-rsctmp", "Dummy-d1.state"))
		return err == nil
	}
	if !state(first) {
		t.Fatalf("no Dummy state file on %s", first)
	}

	killed := byName[first]
	killedAt := time.Now()
	killed.Kill(syscall.SIGKILL)
	killed.ExitWait(t, 5*time.Second)
	var survivors []*Node
	for _, n := range all {
		if n != killed {
			survivors = append(survivors, n)
		}
	}
	ev, logger := waitAny(t, survivors, 30*time.Second, "action result", map[string]string{"rsc": "d1", "op": "start", "rc": "0"},
		map[string]string{"node": first})
	second := ev.Str("node")
	took := time.Since(killedAt)
	fenced := logger.Events("fencing succeeded", map[string]string{"node": first})
	if len(fenced) == 0 {
		t.Fatalf("the DC %s started d1 on %s without a 'fencing succeeded' line for %s", logger.Name, second, first)
	}
	// The DC's own log is in order: the fencing was committed before the
	// start was dispatched.
	var fencedAt, initiatedAt int = -1, -1
	for i, line := range logger.Raw() {
		switch {
		case fencedAt < 0 && strings.Contains(line, `"msg":"fencing succeeded"`) && strings.Contains(line, `"node":"`+first+`"`):
			fencedAt = i
		case strings.Contains(line, `"msg":"action initiated"`) && strings.Contains(line, `"rsc":"d1"`) &&
			strings.Contains(line, `"op":"start"`) && strings.Contains(line, `"node":"`+second+`"`):
			initiatedAt = i
		}
	}
	if fencedAt < 0 || initiatedAt < fencedAt {
		t.Errorf("in %s's log the start of d1 on %s (line %d) is not after the fencing of %s (line %d)", logger.Name, second, initiatedAt, first, fencedAt)
	}
	b, err := os.ReadFile(filepath.Join(dir, "fence.log"))
	if err != nil || !strings.Contains(string(b), " "+first+" ") {
		t.Errorf("fence agent log: %q %v", b, err)
	}
	if state(first) {
		t.Errorf("d1's state file on the fenced %s is still there", first)
	}
	if !state(second) {
		t.Errorf("no Dummy state file on %s", second)
	}
	t.Logf("pacerd on %s killed; fenced (%s) and d1 started on %s %v later (DC %s; deadtime %v)", first,
		strings.TrimSpace(string(b)), second, took.Round(time.Millisecond), logger.Name, tm.Deadtime)
}

package integration

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"pacer/internal/control"
)

// dcOf is the DC a node reports: through its control socket, or, when the
// test may not use the socket (not root, not in haclient), the last DC
// line of its log. "" means none.
func dcOf(t *testing.T, n *Node, sock string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c, err := control.Dial(ctx, sock)
	if err == nil {
		defer c.Close()
		var ni control.NodeInfo
		if ni, err = c.NodeInfo(ctx); err == nil {
			return ni.DC
		}
	}
	if !errors.Is(err, control.ErrPermission) {
		return "" // not up yet, or gone
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	for i := len(n.events) - 1; i >= 0; i-- {
		switch e := n.events[i]; e.Msg {
		case "DC changed":
			return e.Str("node")
		case "no DC":
			return ""
		}
	}
	return ""
}

// waitOneDC polls until every node in nodes reports the same DC, one of
// them and not the witness (a witness DC hands over), and returns it with
// the time it took. The deadline is a hang guard, not a timing claim.
func waitOneDC(t *testing.T, nodes []*Node, socks map[string]string, witness string, deadline time.Duration) (string, time.Duration) {
	t.Helper()
	start := time.Now()
	for time.Since(start) < deadline {
		dc, agree := "", true
		for _, n := range nodes {
			got := dcOf(t, n, socks[n.Name])
			if got == "" || (dc != "" && got != dc) {
				agree = false
				break
			}
			dc = got
		}
		if agree && dc != witness {
			for _, n := range nodes {
				if n.Name == dc {
					return dc, time.Since(start)
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	var views []string
	for _, n := range nodes {
		views = append(views, n.Name+"="+dcOf(t, n, socks[n.Name]))
	}
	t.Fatalf("no single DC within %v: %s", deadline, strings.Join(views, " "))
	return "", 0
}

// oneLeaderPerTerm checks the raft invariant over every log: no two nodes
// logged "elected DC" for the same term.
func oneLeaderPerTerm(t *testing.T, nodes ...*Node) {
	t.Helper()
	byTerm := map[string]string{}
	for _, n := range nodes {
		for _, e := range n.Events("elected DC", nil) {
			term := fmtAny(e.Fields["term"])
			if prev, ok := byTerm[term]; ok && prev != n.Name {
				t.Errorf("term %s has two DCs: %s and %s", term, prev, n.Name)
			}
			byTerm[term] = n.Name
		}
	}
}

// Two nodes and a witness on a loopback UDP mesh elect exactly one DC;
// SIGKILL of the DC gets a new one elected by the survivors; the killed
// node, restarted on its data_dir, rejoins under a single DC.
func TestDCElectionAndFailover(t *testing.T) {
	specs := []NodeSpec{{"alpha", 1}, {"bravo", 2}, {"charlie", 3}}
	const witness = "charlie"
	tm := Timing{Keepalive: 100 * time.Millisecond, Warntime: 300 * time.Millisecond,
		Deadtime: 600 * time.Millisecond, Initdead: 2 * time.Second}
	raftTOML := "[raft]\ntick = \"50ms\"\nelection_ticks = 10\nheartbeat_ticks = 1\n"
	dir := t.TempDir()
	key := keygen(t, dir)
	ports := freeUDPPorts(t, len(specs))
	links := udpMesh(specs, ports, nil)
	socks := map[string]string{}
	cfgs := map[string]string{}
	args := map[string][]string{witness: {"--witness"}}
	for i, s := range specs {
		var peers []NodeSpec
		for j, p := range specs {
			if j != i {
				peers = append(peers, p)
			}
		}
		path := writeConfig(t, dir, s, peers, tm, key, links[i]+raftTOML)
		// Every node knows charlie is the witness; charlie learns it from
		// --witness.
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		b = []byte(strings.Replace(string(b), "[[peer]]\nname = \"charlie\"\nid = 3\n", "[[peer]]\nname = \"charlie\"\nid = 3\nwitness = true\n", 1))
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		cfgs[s.Name] = path
		socks[s.Name] = filepath.Join(dir, s.Name+".sock")
	}
	start := time.Now()
	nodes := map[string]*Node{}
	var all []*Node
	for _, s := range specs {
		n := StartNode(t, s.Name, s.ID, cfgs[s.Name], args[s.Name]...)
		nodes[s.Name] = n
		all = append(all, n)
	}
	dc, took := waitOneDC(t, all, socks, witness, 15*time.Second)
	t.Logf("first DC %s agreed by all 3 nodes %v after start", dc, took.Round(time.Millisecond))
	nodes[dc].WaitFor(t, 5*time.Second, 1, "elected DC", map[string]string{"node": dc})
	nodes[witness].WaitFor(t, 5*time.Second, 1, "pacerd started", map[string]string{"role": "witness"})
	oneLeaderPerTerm(t, all...)

	// What crm_mon shows, from a node that is not the DC.
	for _, n := range all {
		if n.Name == dc {
			continue
		}
		cmd := exec.Command(filepath.Join(binDir, "pacer-helper"), "crm_mon", "-1")
		cmd.Env = append(os.Environ(), "PACER_SOCKET="+socks[n.Name])
		out, err := cmd.CombinedOutput()
		if err == nil && !strings.Contains(string(out), fmt.Sprintf("Current DC: %s (%d)", dc, nodes[dc].ID)) {
			t.Errorf("crm_mon -1 on %s does not name DC %s:\n%s", n.Name, dc, out)
		}
		break
	}

	// SIGKILL the DC: the survivors elect another.
	killed := nodes[dc]
	killedAt := time.Now()
	killed.Kill(syscall.SIGKILL)
	killed.ExitWait(t, 5*time.Second)
	var survivors []*Node
	for _, n := range all {
		if n != killed {
			survivors = append(survivors, n)
		}
	}
	next, _ := waitOneDC(t, survivors, socks, witness, 15*time.Second)
	failover := time.Since(killedAt)
	if next == dc {
		t.Fatalf("survivors still name the killed DC %s", dc)
	}
	t.Logf("DC %s killed; survivors agreed on DC %s after %v (raft election timeout 500ms..1s)", dc, next, failover.Round(time.Millisecond))

	// The killed node comes back on its data_dir and rejoins; one DC.
	restarted := StartNode(t, killed.Name, killed.ID, killed.Config, args[killed.Name]...)
	rejoinAt := time.Now()
	now := append(append([]*Node(nil), survivors...), restarted)
	final, _ := waitOneDC(t, now, socks, witness, 15*time.Second)
	t.Logf("%s restarted; all 3 agree on DC %s after %v (was %s)", killed.Name, final, time.Since(rejoinAt).Round(time.Millisecond), next)
	// Pre-vote keeps a rejoining node from deposing a DC that the others
	// still follow.
	if final != next {
		t.Errorf("the DC changed from %s to %s when %s rejoined", next, final, killed.Name)
	}
	oneLeaderPerTerm(t, killed, survivors[0], survivors[1], restarted)
	t.Logf("test wall time %v", time.Since(start).Round(time.Millisecond))
}

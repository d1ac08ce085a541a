package integration

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// cliCluster is three pacerd on loopback with the shipped Dummy agent,
// for the CLI tests: each test runs the pacer binary against one node's
// control socket, as an administrator would on that node.
type cliCluster struct {
	dir    string
	dc     string
	socks  map[string]string
	rsctmp map[string]string
	nodes  map[string]*Node
	all    []*Node
}

func startCLICluster(t *testing.T) *cliCluster {
	t.Helper()
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
	// fence_pacer_it (coordinator_test.go) kills a node's pacerd by its
	// pid file and logs to fence.log.
	if err := os.WriteFile(filepath.Join(fenceDir, "fence_pacer_it"), []byte(strings.ReplaceAll(fenceAgent, "@DIR@", dir)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(dummy, filepath.Join(ocfRoot, "resource.d", "pacer", "Dummy")); err != nil {
		t.Fatal(err)
	}
	key := keygen(t, dir)
	ports := freeUDPPorts(t, len(specs))
	links := udpMesh(specs, ports, nil)
	cc := &cliCluster{dir: dir, socks: map[string]string{}, rsctmp: map[string]string{}, nodes: map[string]*Node{}}
	for i, s := range specs {
		var peers []NodeSpec
		for j, p := range specs {
			if j != i {
				peers = append(peers, p)
			}
		}
		cfg := writeConfig(t, dir, s, peers, tm, key, links[i]+raftTOML)
		cc.socks[s.Name] = filepath.Join(dir, s.Name+".sock")
		cc.rsctmp[s.Name] = filepath.Join(dir, s.Name+"-rsctmp")
		n := startNodeEnv(t, s.Name, s.ID, cfg, []string{"OCF_ROOT=" + ocfRoot, "HA_RSCTMP=" + cc.rsctmp[s.Name],
			"PACER_FENCE_AGENT_DIR=" + fenceDir})
		if err := os.WriteFile(filepath.Join(dir, s.Name+".pid"), []byte(strconv.Itoa(n.Pid())), 0o644); err != nil {
			t.Fatal(err)
		}
		cc.nodes[s.Name] = n
		cc.all = append(cc.all, n)
	}
	cc.dc, _ = waitOneDC(t, cc.all, cc.socks, "", 15*time.Second)
	for _, s := range specs {
		cc.nodes[cc.dc].WaitFor(t, 10*time.Second, 1, "node joined", map[string]string{"node": s.Name})
	}
	return cc
}

// run runs pacer against node's socket (--socket is not needed:
// $PACER_SOCKET selects it) and returns stdout, stderr and the exit code.
func (cc *cliCluster) run(t *testing.T, node, stdin string, args ...string) (string, string, int) {
	t.Helper()
	return pacerCLI(t, []string{"PACER_SOCKET=" + cc.socks[node]}, stdin, args...)
}

// ok runs pacer and fails the test unless it exits 0.
func (cc *cliCluster) ok(t *testing.T, node string, args ...string) string {
	t.Helper()
	out, errOut, code := cc.run(t, node, "", args...)
	if code != 0 {
		t.Fatalf("pacer %s (on %s): exit %d\n%s%s", strings.Join(args, " "), node, code, out, errOut)
	}
	return out
}

// showXML is the live CIB's configuration as XML, read through node.
func (cc *cliCluster) showXML(t *testing.T, node string) string {
	t.Helper()
	x := cc.ok(t, node, "configure", "show", "xml")
	// the version and the status change with every operation result: the
	// configuration alone is compared
	i, j := strings.Index(x, "<configuration>"), strings.Index(x, "</configuration>")
	if i < 0 || j < 0 {
		t.Fatalf("configure show xml without a configuration:\n%s", x)
	}
	return x[i : j+len("</configuration>")]
}

// running reports whether rsc's Dummy state file exists on node.
func (cc *cliCluster) running(node, rsc string) bool {
	_, err := os.Stat(filepath.Join(cc.rsctmp[node], "Dummy-"+rsc+".state"))
	return err == nil
}

// waitRunning waits until rsc's Dummy runs on exactly the node want ("" for
// nowhere) and returns how long it took.
func (cc *cliCluster) waitRunning(t *testing.T, rsc, want string, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		var on []string
		for name := range cc.nodes {
			if cc.running(name, rsc) {
				on = append(on, name)
			}
		}
		if (want == "" && len(on) == 0) || (len(on) == 1 && on[0] == want) {
			return time.Since(start)
		}
		if time.Since(start) > timeout {
			t.Fatalf("%s runs on %v after %v, want %q", rsc, on, timeout, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// where is the node rsc's Dummy runs on, waiting until it runs on one.
func (cc *cliCluster) where(t *testing.T, rsc string, timeout time.Duration) string {
	t.Helper()
	start := time.Now()
	for {
		var on []string
		for name := range cc.nodes {
			if cc.running(name, rsc) {
				on = append(on, name)
			}
		}
		if len(on) == 1 {
			return on[0]
		}
		if time.Since(start) > timeout {
			t.Fatalf("%s runs on %v after %v, want one node", rsc, on, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

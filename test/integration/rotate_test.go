package integration

import (
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// The three-step key rotation on two running pacerd, reloading with SIGHUP
// after each step: the peers never lose each other.
func TestKeyRotationWithoutDowntime(t *testing.T) {
	tm := Timing{Keepalive: 100 * time.Millisecond, Warntime: 300 * time.Millisecond, Deadtime: 600 * time.Millisecond, Initdead: 5 * time.Second}
	specs := []NodeSpec{{"alpha", 1}, {"bravo", 2}}
	nodes := StartCluster(t, specs, tm)
	WaitJoined(t, nodes, 10*time.Second)
	key := filepath.Join(filepath.Dir(nodes[0].Config), "authkey")

	steps := [][]string{{"--add"}, {"--primary"}, {"--remove", "1"}}
	for i, args := range steps {
		out, err := exec.Command(filepath.Join(binDir, "pacer"), append([]string{"keygen", "--authkey", key}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("keygen %v: %v\n%s", args, err, out)
		}
		// Reload one node, let a deadtime pass with the two on different
		// key states, then the other.
		for _, n := range nodes {
			n.Kill(syscall.SIGHUP)
			n.WaitFor(t, 5*time.Second, i+1, "authkey reloaded", nil)
			time.Sleep(tm.Deadtime + tm.Keepalive)
		}
	}
	last := nodes[0].Events("authkey reloaded", nil)
	if got := last[len(last)-1].Fields; fmtAny(got["keys"]) != "[2]" || fmtAny(got["primary"]) != "2" {
		t.Fatalf("after rotation: %v", got)
	}
	for _, n := range nodes {
		if d := n.Events("node declared dead", nil); len(d) != 0 {
			t.Fatalf("%s lost its peer during rotation: %v", n.Name, d[0].Fields)
		}
		if d := n.Events("link down", nil); len(d) != 0 {
			t.Fatalf("%s lost a link during rotation: %v", n.Name, d[0].Fields)
		}
	}
}

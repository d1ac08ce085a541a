package integration

import (
	"syscall"
	"testing"
	"time"
)

var threeNodes = []NodeSpec{{"alpha", 1}, {"bravo", 2}, {"charlie", 3}}

// Three real pacerd on loopback UDP: SIGKILL one; the other two log it dead
// within deadtime + one keepalive of the kill, exactly once each.
func TestSIGKILLedNodeDeclaredDead(t *testing.T) {
	tm := Timing{Keepalive: 200 * time.Millisecond, Warntime: 500 * time.Millisecond, Deadtime: time.Second, Initdead: 5 * time.Second}
	nodes := StartCluster(t, threeNodes, tm)
	WaitJoined(t, nodes, 10*time.Second)
	time.Sleep(2 * tm.Keepalive) // steady state

	killed := time.Now()
	nodes[2].Kill(syscall.SIGKILL)
	for _, n := range nodes[:2] {
		ev := n.WaitFor(t, 10*time.Second, 1, "node declared dead", map[string]string{"node": "charlie"})[0]
		took := ev.TS.Sub(killed)
		t.Logf("%s declared charlie dead %v after the kill (silent_for %v, links %v)", n.Name, took, ev.Fields["silent_for"], ev.Fields["links"])
		if took > tm.Deadtime+tm.Keepalive {
			t.Errorf("%s: declared dead %v after the kill, want within deadtime+keepalive = %v", n.Name, took, tm.Deadtime+tm.Keepalive)
		}
		if took < tm.Deadtime-tm.Keepalive {
			t.Errorf("%s: declared dead after only %v: before deadtime", n.Name, took)
		}
		if ev.Str("node") != "charlie" || ev.Fields["links"] == nil || ev.Fields["silent_for"] == nil {
			t.Errorf("declared-dead line lacks fields: %v", ev.Fields)
		}
	}
	time.Sleep(2 * tm.Keepalive)
	for _, n := range nodes[:2] {
		if got := len(n.Events("node declared dead", nil)); got != 1 {
			t.Errorf("%s logged %d deaths, want exactly 1", n.Name, got)
		}
		if got := len(n.Events("node declared dead", map[string]string{"node": nodes[0].Name})) +
			len(n.Events("node declared dead", map[string]string{"node": nodes[1].Name})); got != 0 {
			t.Errorf("%s declared a live node dead", n.Name)
		}
	}
}

package scheduler_test

import (
	"strings"
	"testing"
)

// TestNodeStateRules: a node whose join state is "banned"
// (CRMD_JOINSTATE_NACK) is unclean and fenced; a configured standby
// attribute counts only for a node with a status entry (unpack_node_state),
// so an unseen standby node is simply OFFLINE.
func TestNodeStateRules(t *testing.T) {
	banned := `in_ccm="true" crmd="online" join="banned" expected="member"`
	tr := schedule(t, fencedCIB("", banned, prim("a", ""), map[string][]op{"a": stopped}))
	if got := fenceLines(tr); got != "Fence (reboot) node2 'peer failed Pacemaker membership criteria'" {
		t.Errorf("banned join: fencing %q", got)
	}
	h := strings.Replace(head, `<node id="2" uname="node2"/>`,
		`<node id="2" uname="node2"><instance_attributes id="n2"><nvpair id="n2s" name="standby" value="on"/></instance_attributes></node>`, 1)
	xml := h + `<resources>` + prim("a", "") + `</resources><constraints/></configuration>` +
		withStatus(history(1, map[string][]op{"a": started}, "a"))
	out := simulated(t, schedule(t, xml))
	if !strings.Contains(out, "    * OFFLINE: [ node2 ]\n") {
		t.Errorf("unseen standby node not listed OFFLINE:\n%s", out)
	}
}

// TestDegradedMonitor: OCF_DEGRADED (190) from a monitor means running,
// OCF_DEGRADED_PROMOTED (191) means Promoted: not failures.
func TestDegradedMonitor(t *testing.T) {
	ops := []op{{"monitor", 0, 7, 1}, {"start", 0, 0, 2}, {"monitor", 10000, 190, 3}}
	xml := head + `<resources>` + prim("a", "") + `</resources><constraints/></configuration>` +
		withStatus(history(1, map[string][]op{"a": ops}, "a"), history(2, map[string][]op{"a": stopped}, "a"))
	tr := schedule(t, xml)
	if got := summary(tr); got != "" {
		t.Errorf("summary %q, want nothing to do", got)
	}
}

package simout

import (
	"strings"
	"testing"

	"pacer/crm/cib"
	"pacer/crm/scheduler"
)

// TestPromotableCloneStatus checks pe__clone_default for a promotable
// anonymous clone: the header's "promotable" flag comes first, healthy
// Promoted instances are collapsed into "Promoted: [ ... ]" and Started
// or Unpromoted ones into "Unpromoted: [ ... ]" (never "Started"), in
// node-list order, followed by the Stopped nodes.
func TestPromotableCloneStatus(t *testing.T) {
	inst := func(id string, role cib.Role, nodes ...string) *scheduler.ResourceStatus {
		return &scheduler.ResourceStatus{ID: id, Class: "ocf", Provider: "pacemaker", Type: "Stateful", Role: role, Nodes: nodes, Managed: true}
	}
	tests := []struct {
		name       string
		promotable bool
		unique     bool
		children   []*scheduler.ResourceStatus
		want       string
	}{
		{"promoted and unpromoted", true, false,
			[]*scheduler.ResourceStatus{inst("s:0", cib.RoleUnpromoted, "node2"), inst("s:1", cib.RolePromoted, "node1"), inst("s:2", cib.RoleStopped)},
			"* Clone Set: ms [s] (promotable):\n  * Promoted: [ node1 ]\n  * Unpromoted: [ node2 ]\n  * Stopped: [ node3 ]\n"},
		{"started instances are listed as unpromoted", true, false,
			[]*scheduler.ResourceStatus{inst("s:0", cib.RoleStarted, "node3"), inst("s:1", cib.RoleStarted, "node1"), inst("s:2", cib.RoleStopped)},
			"* Clone Set: ms [s] (promotable):\n  * Unpromoted: [ node1 node3 ]\n  * Stopped: [ node2 ]\n"},
		{"promotable before unique", true, true,
			nil,
			"* Clone Set: ms [s] (promotable, unique):\n"},
		{"plain clone keeps Started", false, false,
			[]*scheduler.ResourceStatus{inst("s:0", cib.RoleStarted, "node1"), inst("s:1", cib.RoleStarted, "node2"), inst("s:2", cib.RoleStarted, "node3")},
			"* Clone Set: ms [s]:\n  * Started: [ node1 node2 node3 ]\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &scheduler.ResourceStatus{ID: "ms", Base: "s", Clone: true, Promotable: tc.promotable, Unique: tc.unique,
				Managed: true, Max: 3, AllNodes: []string{"node1", "node2", "node3"}, Children: tc.children}
			var b strings.Builder
			writeClone(&b, r, "")
			if b.String() != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", b.String(), tc.want)
			}
		})
	}
}

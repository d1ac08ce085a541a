package store

import (
	"testing"

	"pacer/crm/cib"
)

// What the coordinator writes after fencing a node and when a node joins:
// the history and attributes cleared, whole resources replaced or removed.
func TestStatusClearAndReplace(t *testing.T) {
	c := &cib.CIB{}
	applyStatus(c, &StatusUpdate{Node: "n1", NodeID: "1",
		Ops:   []OpResult{{Rsc: "a", Op: cib.LRMOp{ID: "a_last_0"}}, {Rsc: "b", Op: cib.LRMOp{ID: "b_last_0"}}},
		Attrs: []AttrUpdate{{Name: "fail-count-a#start_0", Op: AttrAdd, Delta: 1}}})
	ns := &c.Status.Nodes[0]
	if len(ns.LRM.Resources) != 2 || len(ns.Transient[0].Pairs) != 1 {
		t.Fatalf("setup: %+v", ns)
	}
	// Replace a, remove b.
	u := StatusUpdate{Node: "n1", Resources: []cib.LRMResource{
		{ID: "a", Ops: []cib.LRMOp{{ID: "a_last_0", Operation: "stop"}, {ID: "a_monitor_0"}}},
		{ID: "b"},
	}}
	if err := u.check(); err != nil {
		t.Fatal(err)
	}
	applyStatus(c, &u)
	if got := ns.LRM.Resources; len(got) != 1 || got[0].ID != "a" || len(got[0].Ops) != 2 || got[0].Ops[0].Operation != "stop" {
		t.Fatalf("after replace: %+v", got)
	}
	applyStatus(c, &StatusUpdate{Node: "n1", ClearLRM: true, ClearAttrs: true,
		State: &NodeMembership{InCCM: "false", Crmd: "offline", Join: "down", Expected: "down"}})
	if len(ns.LRM.Resources) != 0 || len(ns.Transient) != 0 || ns.HasTransient || ns.Join != "down" {
		t.Fatalf("after clear: %+v", ns)
	}
	bad := StatusUpdate{Node: "n1", Resources: []cib.LRMResource{{}}}
	if err := bad.check(); err == nil {
		t.Fatal("a resource without id was accepted")
	}
}

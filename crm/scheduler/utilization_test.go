package scheduler_test

import (
	"strings"
	"testing"
)

// TestUtilization checks placement-strategy with utilization: a resource
// goes only where the capacity left covers it (the capacity taken by
// those placed before it, higher priority first); "default" ignores
// utilization; a node's load_stopped pseudo-action orders stops before
// starts there.
func TestUtilization(t *testing.T) {
	nodes := `<nodes><node id="1" uname="node1"><utilization id="u1"><nvpair id="u1c" name="cpu" value="1"/></utilization></node>` +
		`<node id="2" uname="node2"><utilization id="u2"><nvpair id="u2c" name="cpu" value="2"/></utilization></node></nodes>`
	rsc := func(id, cpu, prio string) string {
		return `<primitive id="` + id + `" class="ocf" provider="heartbeat" type="Dummy"><meta_attributes id="` + id + `m"><nvpair id="` + id + `p" name="priority" value="` + prio + `"/></meta_attributes>` +
			`<utilization id="` + id + `u"><nvpair id="` + id + `uc" name="cpu" value="` + cpu + `"/></utilization></primitive>`
	}
	for _, tc := range []struct{ strategy, want string }{
		// big (cpu 2, priority 1) takes node2; small (cpu 2) fits nowhere.
		{"utilization", "Start big node2"},
		{"default", "Start big node1; Start small node2"},
	} {
		h := strings.Replace(head, `<nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes>`, nodes, 1)
		h = strings.Replace(h, `</cluster_property_set>`, `<nvpair id="ps" name="placement-strategy" value="`+tc.strategy+`"/></cluster_property_set>`, 1)
		tr := schedule(t, h+`<resources>`+rsc("small", "2", "0")+rsc("big", "2", "1")+`</resources><constraints/></configuration>`+online)
		if got := summary(tr); got != tc.want {
			t.Errorf("%s: summary %q, want %q", tc.strategy, got, tc.want)
		}
		if tc.strategy == "utilization" && !strings.Contains(executed(tr), "load_stopped_node2@node2") {
			t.Errorf("no load_stopped pseudo-action: %s", executed(tr))
		}
	}
}

// TestUndoneAssignmentGivesCapacityBack: a clone instance tried on the
// node it runs on but placed elsewhere is unassigned again
// (pcmk__unassign_resource), and the capacity that placement took is
// given back, so the next instance still fits there. Here c:0 runs on
// node1, which a higher-priority resource fills; mid takes half of
// node2; c:0's trial placement on node2 must not keep the other half from
// c:1, which runs there. (Checked against crm_simulate 2.1.5.)
func TestUndoneAssignmentGivesCapacityBack(t *testing.T) {
	util := func(id, mem string) string {
		return `<utilization id="u-` + id + `"><nvpair id="u-` + id + `-m" name="memory" value="` + mem + `"/></utilization>`
	}
	xml := `<cib admin_epoch="0" epoch="1" num_updates="1" have-quorum="1" validate-with="pacemaker-3.7"><configuration><crm_config><cluster_property_set id="o">` +
		`<nvpair id="o1" name="stonith-enabled" value="false"/><nvpair id="o2" name="placement-strategy" value="utilization"/></cluster_property_set></crm_config>` +
		`<nodes><node id="1" uname="node1">` + util("n1", "1024") + `</node><node id="2" uname="node2">` + util("n2", "1024") + `</node></nodes>` +
		`<resources><primitive id="big" class="ocf" provider="heartbeat" type="Dummy"><meta_attributes id="big-m"><nvpair id="big-p" name="priority" value="3"/></meta_attributes>` + util("big", "1024") + `</primitive>` +
		`<primitive id="mid" class="ocf" provider="heartbeat" type="Dummy"><meta_attributes id="mid-m"><nvpair id="mid-p" name="priority" value="2"/></meta_attributes>` + util("mid", "512") + `</primitive>` +
		`<clone id="cl"><meta_attributes id="clm"><nvpair id="clm-p" name="priority" value="1"/></meta_attributes><primitive id="c" class="ocf" provider="heartbeat" type="Dummy">` + util("c", "512") + `</primitive></clone>` +
		`</resources><constraints><rsc_location id="big-n1" rsc="big" node="node1" score="10"/><rsc_location id="mid-n2" rsc="mid" node="node2" score="10"/></constraints></configuration>` +
		withStatus(history(1, map[string][]op{"c": started}, "c"), history(2, map[string][]op{"c": started}, "c"))
	got := summary(schedule(t, xml))
	if !strings.Contains(got, "Start big node1") || !strings.Contains(got, "Start mid node2") || !strings.Contains(got, "Stop c:0 node1") || strings.Contains(got, "c:1") {
		t.Errorf("summary %q: want big started on node1, mid on node2, c:0 stopped, c:1 left on node2", got)
	}
}

// TestLoadOrderingOnlyWithUtilization: with a placement strategy, only a
// resource that uses some capacity waits for the node's load_stopped (the
// stops that free capacity there); one with no utilization starts without
// it. (As crm_simulate 2.1.5 orders rsc-sets-clone-1.)
func TestLoadOrderingOnlyWithUtilization(t *testing.T) {
	util := `<utilization id="u-big"><nvpair id="u-big-m" name="memory" value="512"/></utilization>`
	withCapacity := strings.NewReplacer(
		`<nvpair id="o1" name="stonith-enabled" value="false"/>`, `<nvpair id="o1" name="stonith-enabled" value="false"/><nvpair id="o2" name="placement-strategy" value="utilization"/>`,
		`<node id="1" uname="node1"/>`, `<node id="1" uname="node1"><utilization id="u-n1"><nvpair id="u-n1-m" name="memory" value="1024"/></utilization></node>`,
		`<node id="2" uname="node2"/>`, `<node id="2" uname="node2"><utilization id="u-n2"><nvpair id="u-n2-m" name="memory" value="1024"/></utilization></node>`)
	xml := withCapacity.Replace(head) +
		`<resources><primitive id="big" class="ocf" provider="heartbeat" type="Dummy">` + util + `</primitive>` + prim("plain", "") + `</resources><constraints/></configuration>` + online
	tr := schedule(t, xml)
	byID := map[int]string{}
	for _, a := range tr.Actions {
		byID[a.ID] = a.Key
	}
	seen := 0
	for _, a := range tr.Actions {
		if a.Task != "start" {
			continue
		}
		load := false
		for _, in := range a.Inputs {
			if strings.HasPrefix(byID[in], "load_stopped_") {
				load = true
			}
		}
		switch a.Rsc {
		case "big":
			seen++
			if !load {
				t.Errorf("big's start does not wait for load_stopped: inputs %v", a.Inputs)
			}
		case "plain":
			seen++
			if load {
				t.Errorf("plain (no utilization) waits for load_stopped: inputs %v", a.Inputs)
			}
		}
	}
	if seen != 2 {
		t.Fatalf("starts seen: %d", seen)
	}
}

// TestGroupColocationsMergedByPriority checks expand_group_colocations:
// "group with R" becomes "first member with R", merged into the member's
// own colocations in primary priority order (pcmk__add_this_with_list),
// not after them. The first member is colocated with r2 (priority 1000)
// itself and, through the group, with r3 (priority 2000); node1 has room
// for one of them, so r3 is placed first and gets it. (Checked against
// crm_simulate 2.1.5.)
func TestGroupColocationsMergedByPriority(t *testing.T) {
	meta := func(id, prio string, cpu bool) string {
		s := `<meta_attributes id="` + id + `-m"><nvpair id="` + id + `-p" name="priority" value="` + prio + `"/></meta_attributes>`
		if cpu {
			s += `<utilization id="` + id + `-u"><nvpair id="` + id + `-c" name="cpu" value="2"/></utilization>`
		}
		return s
	}
	xml := `<cib admin_epoch="0" epoch="1" num_updates="1" have-quorum="1" validate-with="pacemaker-3.7"><configuration><crm_config><cluster_property_set id="o">` +
		`<nvpair id="o1" name="stonith-enabled" value="false"/><nvpair id="o2" name="placement-strategy" value="utilization"/></cluster_property_set></crm_config>` +
		`<nodes><node id="1" uname="node1"><utilization id="n1-u"><nvpair id="n1-c" name="cpu" value="2"/></utilization></node>` +
		`<node id="2" uname="node2"><utilization id="n2-u"><nvpair id="n2-c" name="cpu" value="0"/></utilization></node></nodes>` +
		`<resources><group id="g">` + meta("g", "3000", false) + prim("m1", "") + prim("m2", "") + `</group>` +
		prim("r2", meta("r2", "1000", true)) + prim("r3", meta("r3", "2000", true)) + `</resources>` +
		`<constraints><rsc_colocation id="c-m1-r2" rsc="m1" with-rsc="r2" score="4000"/><rsc_colocation id="c-g-r3" rsc="g" with-rsc="r3" score="4000"/></constraints></configuration>` + online
	if got, want := summary(schedule(t, xml)), "Start m1 node1; Start m2 node1; Start r3 node1"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
}

// TestGroupMandatoryColocationPastUnmanagedMember checks the other half of
// expand_group_colocations: once a member is unmanaged (it stays where it
// is), the group's mandatory colocations are given to every member after
// it as well, so they stop with the primary that cannot run instead of
// following the unmanaged member. (Checked against crm_simulate 2.1.5.)
func TestGroupMandatoryColocationPastUnmanagedMember(t *testing.T) {
	unmanaged := `<meta_attributes id="m1-m"><nvpair id="m1-u" name="is-managed" value="false"/></meta_attributes>`
	g := `<group id="g">` + prim("m1", unmanaged) + prim("m2", "") + prim("m3", "") + `</group>` + prim("x", disabled)
	xml := cloneCIB(g, `<rsc_colocation id="c1" rsc="g" with-rsc="x" score="INFINITY"/>`,
		history(1, map[string][]op{"m1": started, "m2": started, "m3": started, "x": stopped}, "m1", "m2", "m3", "x"),
		history(2, map[string][]op{"m1": stopped, "m2": stopped, "m3": stopped, "x": stopped}, "m1", "m2", "m3", "x"))
	var got []string
	for _, l := range schedule(t, xml).Summary {
		got = append(got, l.Change+" "+l.Rsc+" "+l.Details+" "+l.Reason)
	}
	want := "Stop m2 node1 due to node availability; Stop m3 node1 due to node availability"
	if strings.Join(got, "; ") != want {
		t.Errorf("summary %q, want %q", strings.Join(got, "; "), want)
	}
}

// TestCloneAddsOneInstanceUtilization checks sum_unallocated_utilization
// with a clone in a colocated chain: the clone adds the utilization of
// one instance (the add_utilization method of a clone: the instances in
// the chain, else its first), a colocated group all its members. The
// group of two (cpu 2 each) is colocated with a two-instance clone (cpu
// 2): node2 (cpu 8) takes the group and one instance, so they go there,
// not to node3 (cpu 10), which the sum of every instance would demand.
// (Checked against crm_simulate 2.1.5.)
func TestCloneAddsOneInstanceUtilization(t *testing.T) {
	util := func(id string) string {
		return `<utilization id="` + id + `-u"><nvpair id="` + id + `-c" name="cpu" value="2"/></utilization>`
	}
	node := func(n, cpu string) string {
		return `<node id="` + n + `" uname="node` + n + `"><utilization id="n` + n + `-u"><nvpair id="n` + n + `-c" name="cpu" value="` + cpu + `"/></utilization></node>`
	}
	xml := `<cib admin_epoch="0" epoch="1" num_updates="1" have-quorum="1" validate-with="pacemaker-3.7"><configuration><crm_config><cluster_property_set id="o">` +
		`<nvpair id="o1" name="stonith-enabled" value="false"/><nvpair id="o2" name="placement-strategy" value="utilization"/></cluster_property_set></crm_config>` +
		`<nodes>` + node("1", "4") + node("2", "8") + node("3", "10") + `</nodes>` +
		`<resources><clone id="clone1"><meta_attributes id="c1m"><nvpair id="c1m1" name="clone-max" value="2"/></meta_attributes>` + prim("rsc1", util("rsc1")) + `</clone>` +
		`<group id="group2">` + prim("rsc4", util("rsc4")) + prim("rsc5", util("rsc5")) + `</group></resources>` +
		`<constraints><rsc_colocation id="g2c1" rsc="group2" with-rsc="clone1" score="INFINITY"/></constraints></configuration>` +
		`<status><node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member"/>` +
		`<node_state id="2" uname="node2" in_ccm="true" crmd="online" join="member" expected="member"/>` +
		`<node_state id="3" uname="node3" in_ccm="true" crmd="online" join="member" expected="member"/></status></cib>`
	if got, want := summary(schedule(t, xml)), "Start rsc1:0 node2; Start rsc1:1 node3; Start rsc4 node2; Start rsc5 node2"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
}

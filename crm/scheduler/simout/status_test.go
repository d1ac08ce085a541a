package simout_test

import (
	"bytes"
	"strings"
	"testing"

	"pacer/crm/cib/cibxml"
	"pacer/crm/scheduler"
	"pacer/crm/scheduler/simout"
)

const statusHead = `<cib admin_epoch="0" epoch="1" num_updates="1" have-quorum="1" validate-with="pacemaker-3.7"><configuration><crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="STONITH"/></cluster_property_set></crm_config><nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes><resources><primitive id="a" class="ocf" provider="heartbeat" type="Dummy"/></resources><constraints/></configuration><status>`

func nodeState(id, attrs string, started bool) string {
	s := `<node_state id="` + id + `" uname="node` + id + `" ` + attrs + `><lrm id="l` + id + `"><lrm_resources><lrm_resource id="a" class="ocf" provider="heartbeat" type="Dummy">`
	if started {
		s += `<lrm_rsc_op id="a_start_0" operation="start" interval="0" rc-code="0" op-status="0" call-id="2" transition-key="1:1:0:x"/>`
	}
	return s + `</lrm_resource></lrm_resources></lrm></node_state>`
}

// TestResourceLine checks crm_mon's resource line: the nodes of a
// multiply active resource in the order it was found on them, and the
// UNCLEAN flag for a resource on an unclean, offline node.
func TestResourceLine(t *testing.T) {
	up := `in_ccm="true" crmd="online" join="member" expected="member"`
	lost := `in_ccm="false" crmd="offline" join="member" expected="member"`
	tests := []struct{ name, xml, want string }{
		{"found order", strings.Replace(statusHead, "STONITH", "false", 1) + nodeState("2", up, true) + nodeState("1", up, true) + `</status></cib>`,
			"a\t(ocf:heartbeat:Dummy):\t Started [ node2 node1 ]\n"},
		{"unclean node", strings.Replace(statusHead, "STONITH", "true", 1) + nodeState("1", lost, true) + nodeState("2", up, false) + `</status></cib>`,
			"a\t(ocf:heartbeat:Dummy):\t Started node1 (UNCLEAN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := cibxml.Read(strings.NewReader(tc.xml), "test")
			if err != nil {
				t.Fatal(err)
			}
			tr, err := scheduler.Schedule(scheduler.Input{CIB: c})
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := simout.Write(&b, tr, simout.Options{}); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, b.String())
			}
		})
	}
}

// TestPendingOperationAfterSimulation checks sort_op_by_callid for a
// pending start the simulation moves away: crm_simulate records its
// results under its own transition series with number -1, which sorts
// after a pending operation of the same series (the stop wins: the
// resource left the node) but before one of another series (the pending
// start stays the last word). A pending operation older than a later
// result in its node's history shows as pending but does not decide the
// revised state. (Both checked against crm_simulate 2.1.5.)
func TestPendingOperationAfterSimulation(t *testing.T) {
	cibWith := func(uuid, node2ops string) string {
		return `<cib admin_epoch="0" epoch="1" num_updates="1" have-quorum="1" validate-with="pacemaker-3.7"><configuration><crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>` +
			`<nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes><resources><primitive id="r1" class="ocf" provider="heartbeat" type="Dummy"/></resources>` +
			`<constraints><rsc_location id="l1" rsc="r1" node="node1" score="INFINITY"/></constraints></configuration><status>` +
			`<node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member"><lrm id="1"><lrm_resources><lrm_resource id="r1" class="ocf" provider="heartbeat" type="Dummy">` +
			`<lrm_rsc_op id="r1_last_0" operation_key="r1_monitor_0" operation="monitor" transition-key="1:2:7:` + uuid + `" transition-magic="0:7;1:2:7:` + uuid + `" call-id="1" rc-code="7" op-status="0" interval="0"/>` +
			`</lrm_resource></lrm_resources></lrm></node_state>` +
			`<node_state id="2" uname="node2" in_ccm="true" crmd="online" join="member" expected="member"><lrm id="2"><lrm_resources><lrm_resource id="r1" class="ocf" provider="heartbeat" type="Dummy">` +
			strings.ReplaceAll(node2ops, "UUID", uuid) + `</lrm_resource></lrm_resources></lrm></node_state></status></cib>`
	}
	const pendingStart = `<lrm_rsc_op id="r1_start_0" operation_key="r1_start_0" operation="start" transition-key="3:9:0:UUID" transition-magic="-1:-1;3:9:0:UUID" call-id="-1" rc-code="-1" op-status="-1" interval="0"/>`
	const olderPendingStart = `<lrm_rsc_op id="r1_start_0" operation="start" transition-key="3:9:0:UUID" transition-magic="0:0;3:9:0:UUID" call-id="3" rc-code="-1" op-status="-1" interval="0"/>` +
		`<lrm_rsc_op id="r1_stop_0" operation="stop" transition-key="4:10:0:UUID" transition-magic="0:0;4:10:0:UUID" call-id="9" rc-code="0" op-status="0" interval="0"/>`
	const simulator = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
	const other = "0f0f0f0f-aaaa-bbbb-cccc-0123456789ab"
	tests := []struct{ name, xml, current, revised string }{
		{"same series: the simulated stop is newer", cibWith(simulator, pendingStart),
			"Starting node2", "\t Started node1\n"},
		{"other series: the pending start is newer", cibWith(other, pendingStart),
			"Starting node2", "\t Started [ node1 node2 ]\n"},
		{"a result after the pending start decides", cibWith(other, olderPendingStart),
			"Starting node2", "\t Started node1\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := cibxml.Read(strings.NewReader(tc.xml), "test")
			if err != nil {
				t.Fatal(err)
			}
			tr, err := scheduler.Schedule(scheduler.Input{CIB: c})
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := simout.Write(&b, tr, simout.Options{Simulate: true}); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			cur, rev, ok := strings.Cut(out, "Revised Cluster Status:")
			if !ok {
				t.Fatalf("no revised status:\n%s", out)
			}
			if !strings.Contains(cur, tc.current) || !strings.Contains(rev, "r1\t(ocf:heartbeat:Dummy):"+tc.revised) {
				t.Errorf("want current %q and revised %q:\n%s", tc.current, tc.revised, out)
			}
		})
	}
}

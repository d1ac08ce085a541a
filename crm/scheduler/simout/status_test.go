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

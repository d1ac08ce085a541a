package scheduler_test

import (
	"strings"
	"testing"
)

// unfencingCIB has a fence device that provides unfencing and a Dummy,
// two online nodes with the given node_states (fencing enabled).
func unfencingCIB(states ...string) string {
	head := strings.Replace(head, `value="false"/>`, `value="true"/>`, 1)
	dev := `<primitive id="dev" class="stonith" type="fence_scsi"><meta_attributes id="dm"><nvpair id="dm1" name="provides" value="unfencing"/></meta_attributes></primitive>`
	return head + `<resources>` + dev + prim("a", "") + `</resources><constraints><rsc_location id="l" rsc="a" node="node1" score="100"/></constraints></configuration>` + withStatus(states...)
}

// TestUnfencing checks Pacemaker's unfencing: any provides=unfencing
// turns it on; a node never unfenced (no #node-unfenced attribute) is
// unfenced ("Fence (on)") before a fence device or a resource (which now
// requires unfencing by default) is probed or started there, with the
// first reason that required it; an unfenced node is not unfenced
// again.
func TestUnfencing(t *testing.T) {
	plain := func(n string) string {
		return `<node_state id="` + n + `" uname="node` + n + `" in_ccm="true" crmd="online" join="member" expected="member"/>`
	}
	tests := []struct {
		name       string
		states     []string
		wantFence  []string // node changes
		wantBefore [][2]string
	}{
		{"never unfenced", []string{plain("1"), plain("2")},
			[]string{"Fence (on) node2 required by dev monitor", "Fence (on) node1 required by dev monitor"},
			[][2]string{{"stonith-node1-on@node1", "dev_monitor_0@node1"}, {"stonith-node1-on@node1", "a_start_0@node1"}}},
		{"already unfenced", []string{failNode("1", "#node-unfenced", "1234"), failNode("2", "#node-unfenced", "1234")},
			nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := schedule(t, unfencingCIB(tc.states...))
			var got []string
			for _, c := range tr.NodeChanges {
				got = append(got, c.Action+" "+c.Node+" "+c.Reason)
			}
			if strings.Join(got, "; ") != strings.Join(tc.wantFence, "; ") {
				t.Errorf("node changes %q, want %q", got, tc.wantFence)
			}
			ex := executed(tr)
			for _, p := range tc.wantBefore {
				i, j := strings.Index(ex, p[0]), strings.Index(ex, p[1])
				if i < 0 || j < 0 || i > j {
					t.Errorf("executed %q: want %s before %s", ex, p[0], p[1])
				}
			}
			if len(tc.wantFence) == 0 && strings.Contains(ex, "stonith") {
				t.Errorf("executed %q: unfenced an unfenced node", ex)
			}
		})
	}
}

// TestExpectedNotRunning checks determine_op_status: "not running" (7)
// when the transition expected it, whatever the operation (here a
// start), is a success that leaves the resource stopped, not a failure
// to recover from.
func TestExpectedNotRunning(t *testing.T) {
	st := `<node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member"><lrm id="1"><lrm_resources><lrm_resource id="a" class="ocf" provider="heartbeat" type="Dummy">` +
		`<lrm_rsc_op id="a_last_0" operation="start" interval="0" rc-code="7" op-status="0" call-id="3" transition-key="1:1:7:x" transition-magic="0:7;1:1:7:x" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>` +
		`</lrm_resource></lrm_resources></lrm></node_state>`
	xml := head + `<resources>` + prim("a", "") + `</resources><constraints><rsc_location id="l" rsc="a" node="node2" score="100"/></constraints></configuration>` +
		withStatus(st, history(2, map[string][]op{"a": stopped}, "a"))
	tr := schedule(t, xml)
	if got := summary(tr); got != "Start a node2" {
		t.Errorf("summary %q, want a plain start on node2 (no stop or recovery on node1)", got)
	}
}

// TestUnfencingAfterDeviceChange checks trigger_unfencing from a fence
// device's configuration check: where its parameters changed (the
// recorded digest differs) the device restarts and the node is
// unfenced again, and the resources that require unfencing there
// restart after it ("required stonith").
func TestUnfencingAfterDeviceChange(t *testing.T) {
	st := func(n string) string {
		return `<node_state id="` + n + `" uname="node` + n + `" in_ccm="true" crmd="online" join="member" expected="member">` +
			`<transient_attributes id="t` + n + `"><instance_attributes id="ta` + n + `"><nvpair id="u` + n + `" name="#node-unfenced" value="1"/></instance_attributes></transient_attributes>` +
			`<lrm id="` + n + `"><lrm_resources>`
	}
	dev := `<lrm_resource id="dev" class="stonith" type="fence_scsi"><lrm_rsc_op id="dev_last_0" operation="start" interval="0" rc-code="0" op-status="0" call-id="2" transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x" op-digest="00000000000000000000000000000000"/></lrm_resource>`
	devStopped := `<lrm_resource id="dev" class="stonith" type="fence_scsi"><lrm_rsc_op id="dev_last_0" operation="monitor" interval="0" rc-code="7" op-status="0" call-id="1" transition-key="1:1:7:x" transition-magic="0:7;1:1:7:x" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/></lrm_resource>`
	a := `<lrm_resource id="a" class="ocf" provider="heartbeat" type="Dummy"><lrm_rsc_op id="a_last_0" operation="start" interval="0" rc-code="0" op-status="0" call-id="3" transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/></lrm_resource>`
	aStopped := `<lrm_resource id="a" class="ocf" provider="heartbeat" type="Dummy"><lrm_rsc_op id="a_last_0" operation="monitor" interval="0" rc-code="7" op-status="0" call-id="1" transition-key="1:1:7:x" transition-magic="0:7;1:1:7:x" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/></lrm_resource>`
	end := `</lrm_resources></lrm></node_state>`
	tr := schedule(t, unfencingCIB(st("1")+dev+a+end, st("2")+devStopped+aStopped+end))
	var changes []string
	for _, c := range tr.NodeChanges {
		changes = append(changes, c.Action+" "+c.Node+" "+c.Reason)
	}
	if got := strings.Join(changes, "; "); got != "Fence (on) node1 Device parameters changed" {
		t.Errorf("node changes %q", got)
	}
	if got := summary(tr); !strings.Contains(got, "Restart a node1") {
		t.Errorf("summary %q: a not restarted after the unfencing", got)
	}
	for _, l := range tr.Summary {
		if l.Rsc == "a" && l.Reason != "due to required stonith" {
			t.Errorf("a's restart reason %q, want due to required stonith", l.Reason)
		}
	}
}

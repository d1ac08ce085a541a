package status_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pacer/crm/cib/cibxml"
	"pacer/crm/status"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// now is a fixed "now": after every failure of the fixtures, so
// failure-timeout expiry is exercised.
var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./crm/status -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func render(t *testing.T, s status.Snapshot) (*status.Report, []byte, []byte) {
	t.Helper()
	r, err := status.Build(s)
	if err != nil {
		t.Fatal(err)
	}
	var txt, js bytes.Buffer
	if err := status.WriteText(&txt, r, status.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := status.WriteJSON(&js, r, true); err != nil {
		t.Fatal(err)
	}
	return r, txt.Bytes(), js.Bytes()
}

// TestGolden renders CIBs of Pacemaker's scheduler corpus (copied into
// testdata) as text and JSON: failures with and without failure-timeout,
// a promotable clone, offline, pending and unclean nodes.
func TestGolden(t *testing.T) {
	tests := []struct {
		name string
		// what the output must show, beyond the golden file: the
		// facts the case was chosen for.
		want     []string
		warnings int
	}{
		{"expire-non-blocked-failure", []string{
			"rsc1\t(ocf:pacemaker:Dummy):\t FAILED node2 (blocked)",
			"rsc1_stop_0 on node2 'error' (1)",
			"fail-count=2 last-failure='Fri Apr 11 06:00:15 2014' expires=never",
		}, 2},
		{"multiple-monitor-one-failed", []string{
			"Dummy-test2_monitor_10000 on dhcp180 'not running' (7): call=16, status='complete'",
			"* Dummy-test2\t(ocf:test:Dummy):\t FAILED dhcp180",
		}, 1},
		{"clone-no-shuffle", []string{
			"* Clone Set: ms-drbd1 [drbd1] (promotable):\n    * Promoted: [ dktest2sles10 ]\n    * Stopped: [ dktest1sles10 ]",
			"testip\t(ocf:heartbeat:IPaddr2):\t Started dktest2sles10",
		}, 0},
		{"promoted-role", []string{"Promoted: [ sles11-a sles11-b ]"}, 0},
		{"stonith-4", []string{
			"* Node pcmk-5: UNCLEAN (offline)", "* Node pcmk-7: UNCLEAN (online)", "* Node pcmk-2: pending",
			"* OFFLINE: [ pcmk-4 pcmk-6 ]",
		}, 6},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := cibxml.ReadFile(filepath.Join("testdata", tc.name+".xml"))
			if err != nil {
				t.Fatal(err)
			}
			r, txt, js := render(t, status.Snapshot{Cluster: "corpus", CIB: c, Now: now})
			golden(t, filepath.Join("testdata", tc.name+".txt"), txt)
			golden(t, filepath.Join("testdata", tc.name+".json"), js)
			for _, w := range tc.want {
				if !strings.Contains(string(txt), w) {
					t.Errorf("text lacks %q", w)
				}
			}
			if len(r.Warnings) != tc.warnings {
				t.Errorf("warnings = %q, want %d", r.Warnings, tc.warnings)
			}
			// The JSON reads back into the same report and renders the
			// same text: the CLI renders what pacerd sent.
			back, err := status.DecodeJSON(js)
			if err != nil {
				t.Fatal(err)
			}
			var again bytes.Buffer
			status.WriteText(&again, back, status.TextOptions{})
			if again.String() != string(txt) {
				t.Errorf("text from decoded JSON differs:\n%s\nwant\n%s", again.String(), txt)
			}
		})
	}
}

// A failure older than failure-timeout is no longer listed; a younger one
// is, with its fail count and when it expires.
func TestFailureTimeout(t *testing.T) {
	cibXML := func(lastFailure int64) string {
		ts := itoa(lastFailure)
		return `<cib admin_epoch="0" epoch="3" num_updates="7" have-quorum="1">
<configuration><crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
<nodes><node id="1" uname="n1"/></nodes>
<resources><primitive id="web" class="ocf" provider="heartbeat" type="Dummy"><meta_attributes id="m"><nvpair id="m1" name="failure-timeout" value="10min"/></meta_attributes>
<operations><op id="web-mon" name="monitor" interval="10s"/></operations></primitive></resources><constraints/></configuration>
<status><node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member">
<transient_attributes id="1"><instance_attributes id="s1"><nvpair id="f1" name="fail-count-web#monitor_10000" value="1"/><nvpair id="f2" name="last-failure-web#monitor_10000" value="` + ts + `"/></instance_attributes></transient_attributes>
<lrm id="1"><lrm_resources><lrm_resource id="web" class="ocf" provider="heartbeat" type="Dummy">
<lrm_rsc_op id="web_last_0" operation_key="web_start_0" operation="start" interval="0" rc-code="0" op-status="0" call-id="2" transition-key="1:1:0:x" last-rc-change="` + itoa(lastFailure-100) + `"/>
<lrm_rsc_op id="web_monitor_10000" operation_key="web_monitor_10000" operation="monitor" interval="10000" rc-code="7" op-status="0" call-id="3" transition-key="2:1:0:x" exit-reason="pid file gone" last-rc-change="` + ts + `" exec-time="12" queue-time="1"/>
</lrm_resource></lrm_resources></lrm></node_state></status></cib>`
	}
	tests := []struct {
		name     string
		age      time.Duration
		listed   bool
		warnings int
	}{
		{"young failure", 2 * time.Minute, true, 1},
		{"expired failure", 11 * time.Minute, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			last := now.Add(-tc.age)
			c, err := cibxml.Read(strings.NewReader(cibXML(last.Unix())), "test")
			if err != nil {
				t.Fatal(err)
			}
			r, txt, _ := render(t, status.Snapshot{Cluster: "t", CIB: c, Now: now})
			if got := len(r.FailedActions) == 1; got != tc.listed {
				t.Fatalf("failed actions = %+v, listed want %v\n%s", r.FailedActions, tc.listed, txt)
			}
			if got := len(r.FailCounts) == 1; got != tc.listed {
				t.Fatalf("fail counts = %+v, want listed %v", r.FailCounts, tc.listed)
			}
			if len(r.Warnings) != tc.warnings {
				t.Fatalf("warnings = %q, want %d", r.Warnings, tc.warnings)
			}
			if !tc.listed {
				return
			}
			f := r.FailedActions[0]
			if f.RC != 7 || f.RCText != "OCF_NOT_RUNNING" || f.Text != "not running" || f.ExitReason != "pid file gone" ||
				f.IntervalMS != 10000 || f.ExecMS != 12 || !f.LastChange.Equal(last.Truncate(time.Second)) {
				t.Errorf("failed action = %+v", f)
			}
			fc := r.FailCounts[0]
			if fc.Value != 1 || fc.FailureTimeoutS != 600 || !fc.Expires.Equal(last.Truncate(time.Second).Add(10*time.Minute)) {
				t.Errorf("fail count = %+v", fc)
			}
			want := "expires='" + last.Truncate(time.Second).Add(10*time.Minute).Format("Mon Jan _2 15:04:05 2006") + "'"
			if !strings.Contains(string(txt), want) {
				t.Errorf("text lacks %q:\n%s", want, txt)
			}
		})
	}
}

func itoa(v int64) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// A live snapshot: membership, links, the DC, fencing history and pending
// actions, and a node the status section does not know yet but
// membership sees up (shown online, not unclean).
func TestLiveSnapshot(t *testing.T) {
	c, err := cibxml.ReadFile(filepath.Join("testdata", "multiple-monitor-one-failed.xml"))
	if err != nil {
		t.Fatal(err)
	}
	// The status section records dhcp180 only: dhcp69 (this node, the
	// DC) is not recorded yet; membership sees it up.
	if c.Status.Nodes[0].Uname != "dhcp180" {
		t.Fatalf("fixture changed: first node_state is %s", c.Status.Nodes[0].Uname)
	}
	c.Status.Nodes = c.Status.Nodes[:1]
	heard := now.Add(-3 * time.Second)
	s := status.Snapshot{Cluster: "lab", Node: "dhcp69", DC: &status.DC{Name: "dhcp69", ID: 1, Term: 4},
		Quorum: true, CIB: c, CIBVersion: status.Version{Epoch: 9, NumUpdates: 30}, CIBSource: "local",
		Members: []status.Member{
			{ID: 1, Name: "dhcp69", State: status.MemberUp, Self: true},
			{ID: 2, Name: "dhcp180", State: status.MemberWarn, Links: []status.Link{
				{Name: "ring0", State: "up", Heard: now}, {Name: "ring1", State: "dead", Heard: heard}}},
		},
		FencingKnown: true, Fencing: []status.FenceEvent{
			{Target: "dhcp180", Action: "reboot", State: status.FenceFailed, Origin: "dhcp69", Executor: "dhcp69",
				Devices: []string{"ipmi-180"}, Error: "timed out", Started: now.Add(-time.Hour), Completed: now.Add(-59 * time.Minute)},
			{Target: "dhcp180", Action: "reboot", State: status.FenceSuccess, Origin: "dhcp69", Executor: "dhcp69",
				Devices: []string{"ipmi-180"}, Started: now.Add(-58 * time.Minute), Completed: now.Add(-57 * time.Minute)},
		},
		PendingKnown: true, Pending: []status.PendingAction{{Rsc: "Dummy-test2", Task: "start", Node: "dhcp180", Since: now.Add(-2 * time.Second), Transition: "12"}},
		Now: now}
	r, txt, js := render(t, s)
	golden(t, filepath.Join("testdata", "live.txt"), txt)
	golden(t, filepath.Join("testdata", "live.json"), js)
	for _, w := range []string{
		"Current DC: dhcp69 (1) (term 4) - partition with quorum",
		"* Online: [ dhcp69 dhcp180 ]",
		"* dhcp180: warn via ring0 up, ring1 dead (last heard 'Mon Nov 23 11:59:57 2026')",
		"* reboot of dhcp180 successful: delegate=dhcp69, origin=dhcp69, completed='Mon Nov 23 11:03:00 2026', devices=ipmi-180\n  * reboot of dhcp180 failed",
		"* Dummy-test2 start on dhcp180 since 'Mon Nov 23 11:59:58 2026' (transition 12)",
	} {
		if !strings.Contains(string(txt), w) {
			t.Errorf("text lacks %q:\n%s", w, txt)
		}
	}
	// The later success settles the failed fencing: no warning for it.
	if len(r.Warnings) != 1 || r.Warnings[0] != "1 failed resource action(s)" {
		t.Errorf("warnings = %q, want only the failed action", r.Warnings)
	}
	var doc map[string]any
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["schema"] != "pacer-status/1" || doc["dc"].(map[string]any)["term"] != float64(4) {
		t.Errorf("json head = %v %v", doc["schema"], doc["dc"])
	}
}

// Unknown fencing history and pending actions are null in JSON and said
// to be unknown in text, never shown as "none".
func TestUnknownIsNotEmpty(t *testing.T) {
	c, err := cibxml.ReadFile(filepath.Join("testdata", "promoted-role.xml"))
	if err != nil {
		t.Fatal(err)
	}
	_, txt, js := render(t, status.Snapshot{CIB: c, Now: now})
	var doc map[string]json.RawMessage
	json.Unmarshal(js, &doc)
	if string(doc["fencing"]) != "null" || string(doc["pending_actions"]) != "null" {
		t.Errorf("fencing %s, pending %s: want null", doc["fencing"], doc["pending_actions"])
	}
	if !strings.Contains(string(txt), "not known") || strings.Contains(string(txt), "* none") {
		t.Errorf("text:\n%s", txt)
	}
	_, _, js2 := render(t, status.Snapshot{CIB: c, Now: now, FencingKnown: true, PendingKnown: true})
	json.Unmarshal(js2, &doc)
	if string(doc["fencing"]) != "[]" || string(doc["pending_actions"]) != "[]" {
		t.Errorf("known and empty: fencing %s, pending %s: want []", doc["fencing"], doc["pending_actions"])
	}
}

func TestBadInput(t *testing.T) {
	if _, err := status.Build(status.Snapshot{}); err == nil || !strings.Contains(err.Error(), "no CIB") {
		t.Fatalf("Build without a CIB: %v", err)
	}
	for _, doc := range []string{`{"schema":"pacer-status/2"}`, `not json`, `{"schema":"pacer-status/1","nodes":5}`} {
		if _, err := status.DecodeJSON([]byte(doc)); err == nil {
			t.Errorf("DecodeJSON(%s) accepted", doc)
		}
	}
}

// FuzzDecodeJSON: any input is a report or an error, never a panic, and a
// decoded report renders.
func FuzzDecodeJSON(f *testing.F) {
	for _, name := range []string{"live.json", "clone-no-shuffle.json"} {
		if b, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"schema":"pacer-status/1","resources":[{"id":"x","kind":"clone","children":[{"id":"y"}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := status.DecodeJSON(data)
		if err != nil {
			return
		}
		var b bytes.Buffer
		if err := status.WriteText(&b, r, status.TextOptions{}); err != nil {
			t.Fatal(err)
		}
	})
}

// A fresh cluster: the CIB knows no nodes yet. Membership fills them in as
// the DC does: alive nodes online, a node never heard from as the
// scheduler sees it (unclean while fencing is enabled), a witness not at
// all (it hosts nothing).
func TestMembershipFillsFreshCIB(t *testing.T) {
	c, err := cibxml.Read(strings.NewReader(`<cib admin_epoch="0" epoch="0" num_updates="0"><configuration><crm_config/><nodes/><resources/><constraints/></configuration><status/></cib>`), "fresh")
	if err != nil {
		t.Fatal(err)
	}
	r, err := status.Build(status.Snapshot{Cluster: "fresh", Node: "alpha", CIB: c, Now: now, Quorum: true,
		DC: &status.DC{Name: "alpha", ID: 1, Term: 2},
		Members: []status.Member{{ID: 1, Name: "alpha", State: status.MemberUp, Self: true},
			{ID: 2, Name: "beta", State: status.MemberDead}, {ID: 3, Name: "gamma", State: status.MemberWarn},
			{ID: 4, Name: "w", State: status.MemberUp, Witness: true}}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, n := range r.Nodes {
		got[n.Name] = n.State
	}
	want := map[string]string{"alpha": status.NodeOnline, "beta": status.NodeUnclean, "gamma": status.NodeOnline}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("node states = %v, want %v", got, want)
	}
	if len(c.Configuration.Nodes) != 0 || len(c.Status.Nodes) != 0 {
		t.Fatal("Build changed the snapshot's CIB")
	}
}

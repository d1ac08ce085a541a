package fencing

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"pacer/agents"
)

type agentsResult = agents.Result

func nodeState(uname, inCCM, crmd, lrm string) string {
	id := map[string]string{"n1": "1", "n2": "2", "n3": "3"}[uname]
	return fmt.Sprintf(`<node_state id=%q uname=%q in_ccm=%q crmd=%q join="member" expected="member"><lrm id=%q><lrm_resources>%s</lrm_resources></lrm></node_state>`,
		id, uname, inCCM, crmd, id, lrm)
}

// lrmRsc is one resource's history with one operation.
func lrmRsc(id, op string, rc, call int) string {
	return fmt.Sprintf(`<lrm_resource id=%q class="ocf" provider="pacer" type="Dummy"><lrm_rsc_op id="%s_last_0" operation_key="%s_%s_0" operation=%q crm-debug-origin="test" crm_feature_set="3.7.1" transition-key="1:1:0:x" transition-magic="0:%d;1:1:0:x" call-id="%d" rc-code="%d" op-status="0" interval="0" exec-time="1" queue-time="0"/></lrm_resource>`,
		id, id, id, op, op, rc, call, rc)
}

func TestPriorityDelay(t *testing.T) {
	rsc := `<primitive id="db" class="ocf" provider="pacer" type="Dummy"><meta_attributes id="db-m"><nvpair id="db-p" name="priority" value="10"/></meta_attributes></primitive>` +
		`<primitive id="web" class="ocf" provider="pacer" type="Dummy"><meta_attributes id="web-m"><nvpair id="web-p" name="priority" value="5"/></meta_attributes></primitive>` +
		`<master id="ms"><meta_attributes id="ms-m"><nvpair id="ms-p" name="priority" value="5"/></meta_attributes><primitive id="drbd" class="ocf" provider="pacer" type="Dummy"/></master>`
	prop := `<nvpair id="pfd" name="priority-fencing-delay" value="15s"/>`
	// n3 is a remote node in these CIBs' status? No: three members, so
	// splits of 1 against 2 hold a majority.
	tests := []struct {
		name    string
		props   string
		status  string
		online  []string
		target  string
		want    time.Duration
		whyHas  string
		members string // "2" to make n3 a remote node
	}{
		{"not set", "", nodeState("n1", "false", "offline", lrmRsc("db", "start", 0, 2)), []string{"n2"}, "n1", 0, "not set", "2"},
		{"target runs more", prop, nodeState("n1", "false", "offline", lrmRsc("db", "start", 0, 2)) + nodeState("n2", "true", "online", lrmRsc("web", "start", 0, 2)),
			[]string{"n2"}, "n1", 15 * time.Second, "highest", "2"},
		{"target runs less", prop, nodeState("n1", "false", "offline", lrmRsc("db", "start", 0, 2)) + nodeState("n2", "true", "online", lrmRsc("web", "start", 0, 2)),
			[]string{"n1"}, "n2", 0, "below the highest", "2"},
		{"equal priorities", prop, nodeState("n1", "false", "offline", lrmRsc("web", "start", 0, 2)) + nodeState("n2", "true", "online", lrmRsc("drbd:0", "start", 0, 2)),
			[]string{"n2"}, "n1", 0, "equal", "2"},
		{"promoted counts +1", prop, nodeState("n1", "false", "offline", lrmRsc("drbd:0", "promote", 0, 3)) + nodeState("n2", "true", "online", lrmRsc("web", "start", 0, 2)),
			[]string{"n2"}, "n1", 15 * time.Second, "(6)", "2"},
		{"stopped resources do not count", prop, nodeState("n1", "false", "offline", lrmRsc("db", "stop", 0, 4)) + nodeState("n2", "true", "online", lrmRsc("web", "start", 0, 2)),
			[]string{"n2"}, "n1", 0, "below", "2"},
		{"a probe that found it stopped does not count", prop, nodeState("n1", "false", "offline", lrmRsc("db", "monitor", 7, 1)) + nodeState("n2", "true", "online", lrmRsc("web", "start", 0, 2)),
			[]string{"n2"}, "n1", 0, "below", "2"},
		{"target online in our partition", prop, nodeState("n1", "true", "online", lrmRsc("db", "start", 0, 2)),
			[]string{"n1", "n2"}, "n1", 0, "in our partition", "2"},
		{"majority partition does not wait", prop, nodeState("n1", "false", "offline", lrmRsc("db", "start", 0, 2)),
			[]string{"n2", "n3"}, "n1", 0, "2 of 3", "3"},
		{"online read from the status section", prop, nodeState("n1", "false", "offline", lrmRsc("db", "start", 0, 2)) + nodeState("n2", "true", "online", lrmRsc("web", "start", 0, 2)),
			nil, "n1", 15 * time.Second, "highest", "2"},
		{"bad property", `<nvpair id="pfd" name="priority-fencing-delay" value="later"/>`, "", nil, "n1", 0, "", "2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := cibWith(t, rsc, "", "", tc.props, tc.status)
			if tc.members == "2" {
				c.Configuration.Nodes[2].Type = "remote"
			}
			var online map[string]bool
			if tc.online != nil {
				online = map[string]bool{}
				for _, n := range tc.online {
					online[n] = true
				}
			}
			d, why, err := PriorityDelay(c, tc.target, online)
			if tc.name == "bad property" {
				if err == nil || !strings.Contains(err.Error(), "priority-fencing-delay") {
					t.Fatalf("error %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d != tc.want || !strings.Contains(why, tc.whyHas) {
				t.Fatalf("delay %v (%s), want %v (%s)", d, why, tc.want, tc.whyHas)
			}
		})
	}
}

// TestTwoNodeRace: both sides of a two-node split fence each other at
// once with priority-fencing-delay; the side running the important
// resource fences first, so it survives.
func TestTwoNodeRace(t *testing.T) {
	rsc := `<primitive id="db" class="ocf" provider="pacer" type="Dummy"><meta_attributes id="db-m"><nvpair id="db-p" name="priority" value="10"/></meta_attributes></primitive>` +
		dev("st", "fence_full", []string{"pcmk_host_list=n1 n2"})
	props := `<nvpair id="pfd" name="priority-fencing-delay" value="20s"/>`
	status := nodeState("n1", "true", "online", lrmRsc("db", "start", 0, 2)) + nodeState("n2", "true", "online", "")
	c := cibWith(t, rsc, "", "", props, status)
	c.Configuration.Nodes[2].Type = "remote"
	var waits [2]time.Duration
	for i, side := range []struct{ self, peer string }{{"n1", "n2"}, {"n2", "n1"}} {
		h := newHarness(t, side.self, c, failOn())
		_, err, waited := h.fence(t, Request{Target: side.peer, Action: ActionReboot, Origin: side.self, Online: []string{side.self}})
		if err != nil {
			t.Fatal(err)
		}
		waits[i] = waited
	}
	if waits[0] != 0 || waits[1] != 20*time.Second {
		t.Fatalf("n1 (runs db) waits %v before fencing n2, n2 waits %v before fencing n1; want 0 and 20s", waits[0], waits[1])
	}
}

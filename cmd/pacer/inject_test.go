package main

import (
	"strings"
	"testing"
	"time"

	"pacer/crm/cib"
)

func TestParseOpSpec(t *testing.T) {
	tests := []struct {
		name, in string
		want     opSpec
		err      string
	}{
		{"monitor", "web_monitor_10000@alpha=7", opSpec{Rsc: "web", Task: "monitor", IntervalMS: 10000, Node: "alpha", RC: 7}, ""},
		{"underscores in the id", "my_web_app_start_0@node-1.example.com=1", opSpec{Rsc: "my_web_app", Task: "start", Node: "node-1.example.com", RC: 1}, ""},
		{"clone instance", "db:1_promote_0@bravo=1", opSpec{Rsc: "db:1", Task: "promote", Node: "bravo", RC: 1}, ""},
		{"migrate_to", "vm_migrate_to_0@alpha=1", opSpec{Rsc: "vm", Task: "migrate_to", Node: "alpha", RC: 1}, ""},
		{"migrate_from", "vm_migrate_from_0@bravo=1", opSpec{Rsc: "vm", Task: "migrate_from", Node: "bravo", RC: 1}, ""},
		{"no node", "web_monitor_10000=7", opSpec{}, "no @NODE"},
		{"no rc", "web_monitor_10000@alpha", opSpec{}, "no =RC"},
		{"empty node", "web_monitor_10000@=7", opSpec{}, "no node"},
		{"bad rc", "web_monitor_10000@alpha=x", opSpec{}, `rc "x"`},
		{"rc too big", "web_monitor_10000@alpha=256", opSpec{}, `rc "256"`},
		{"negative rc", "web_monitor_10000@alpha=-1", opSpec{}, `rc "-1"`},
		{"no interval", "web_monitor@alpha=7", opSpec{}, `interval "monitor"`},
		{"bad interval", "web_monitor_10s@alpha=7", opSpec{}, `interval "10s"`},
		{"no task", "web_10000@alpha=7", opSpec{}, "no _TASK"},
		{"no resource", "_monitor_0@alpha=7", opSpec{}, "no resource or task"},
		{"empty", "", opSpec{}, "no @NODE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseOpSpec(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), tc.in) {
					t.Fatalf("parseOpSpec(%q) = %+v, %v; want an error naming the spec and %q", tc.in, got, err, tc.err)
				}
				return
			}
			tc.want.Spec = tc.in
			if err != nil || got != tc.want {
				t.Fatalf("parseOpSpec(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			}
		})
	}
}

func FuzzParseOpSpec(f *testing.F) {
	for _, s := range []string{"web_monitor_10000@alpha=7", "vm_migrate_to_0@a=1", "a_b_c_0@x=0", "@=", "_0@a=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := parseOpSpec(s)
		if err != nil {
			return
		}
		// What parses names every part and prints back as it was read.
		if o.Rsc == "" || o.Task == "" || o.Node == "" || o.RC < 0 || o.RC > 255 || o.IntervalMS < 0 {
			t.Fatalf("parseOpSpec(%q) = %+v", s, o)
		}
		if !strings.HasPrefix(s, o.Key()) && !strings.HasPrefix(s, o.Rsc+"_"+o.Task+"_") {
			t.Fatalf("parseOpSpec(%q): key %q is not the spec's", s, o.Key())
		}
	})
}

const injectCIB = `<cib epoch="1" num_updates="0" admin_epoch="0" have-quorum="1">
  <configuration>
    <crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
    <nodes><node id="1" uname="alpha"/><node id="2" uname="bravo"/></nodes>
    <resources>
      <primitive id="web" class="ocf" provider="pacer" type="Dummy">
        <operations><op id="web-mon" name="monitor" interval="10s"/></operations>
      </primitive>
    </resources>
    <constraints/>
  </configuration>
  <status>
    <node_state id="1" uname="alpha" in_ccm="true" crmd="online" join="member" expected="member">
      <transient_attributes id="1"><instance_attributes id="status-1"><nvpair id="s1" name="site" value="east"/></instance_attributes></transient_attributes>
      <lrm id="1"><lrm_resources><lrm_resource id="web" class="ocf" provider="pacer" type="Dummy">
        <lrm_rsc_op id="web_last_0" operation_key="web_start_0" operation="start" transition-key="1:1:0:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" transition-magic="0:0;1:1:0:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" call-id="3" rc-code="0" op-status="0" interval="0" op-digest="abc"/>
        <lrm_rsc_op id="web_monitor_10000" operation_key="web_monitor_10000" operation="monitor" transition-key="2:1:0:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" transition-magic="0:0;2:1:0:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" call-id="4" rc-code="0" op-status="0" interval="10000" op-digest="def"/>
      </lrm_resource></lrm_resources></lrm>
    </node_state>
    <node_state id="2" uname="bravo" in_ccm="true" crmd="online" join="member" expected="member"/>
  </status>
</cib>`

func readInjectCIB(t *testing.T) *cib.CIB {
	t.Helper()
	c, err := readCIBString(injectCIB)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func attr(ns *cib.NodeState, name string) string {
	for _, s := range ns.Transient {
		for _, p := range s.Pairs {
			if p.Name == name {
				return p.Value
			}
		}
	}
	return ""
}

// The events change the status as crm_simulate's do, and a simulation on
// the changed copy shows what the cluster would do.
func TestInjections(t *testing.T) {
	now := time.Date(2026, 11, 24, 1, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		inj     injections
		mods    []string
		summary string // a Transition Summary line
		check   func(t *testing.T, c *cib.CIB)
	}{
		{"nothing", injections{}, nil, "", nil},
		{"node down", injections{NodeDown: []string{"alpha"}}, []string{"Taking node alpha offline"}, "Start      web     ( bravo )",
			func(t *testing.T, c *cib.CIB) {
				ns := &c.Status.Nodes[0]
				if ns.InCCM != "false" || ns.Crmd != "offline" || ns.Join != "down" || ns.Expected != "down" || ns.LRM != nil || len(ns.Transient) != 0 {
					t.Errorf("alpha after node down: %+v", ns)
				}
			}},
		{"node fail", injections{NodeFail: []string{"alpha"}}, []string{"Failing node alpha"}, "Start      web     ( bravo )", // no fencing: its history does not count
			func(t *testing.T, c *cib.CIB) {
				if ns := &c.Status.Nodes[0]; ns.InCCM != "false" || ns.Crmd != "online" || ns.LRM == nil {
					t.Errorf("alpha after node fail: %+v", ns)
				}
			}},
		{"monitor failure", injections{OpInject: []opSpec{mustSpec(t, "web_monitor_10000@alpha=7")}},
			[]string{"Injecting web_monitor_10000@alpha=7 into the configuration"}, "Recover    web     ( alpha )",
			func(t *testing.T, c *cib.CIB) {
				ns := &c.Status.Nodes[0]
				if got := attr(ns, "fail-count-web#monitor_10000"); got != "1" {
					t.Errorf("fail count %q, want 1", got)
				}
				if got := attr(ns, "last-failure-web#monitor_10000"); got != "1795482000" {
					t.Errorf("last failure %q", got)
				}
				var ids []string
				for _, op := range ns.LRM.Resources[0].Ops {
					ids = append(ids, op.ID+"/"+op.CallID+"/"+op.RCCode+"/"+op.OpDigest)
				}
				if got := strings.Join(ids, " "); got != "web_last_0/3/0/abc web_monitor_10000/4/0/def web_last_failure_0/5/7/def" {
					t.Errorf("history: %s", got)
				}
			}},
		{"two failures", injections{OpInject: []opSpec{mustSpec(t, "web_monitor_10000@alpha=7"), mustSpec(t, "web_monitor_10000@alpha=1")}},
			[]string{"Injecting web_monitor_10000@alpha=7 into the configuration", "Injecting web_monitor_10000@alpha=1 into the configuration"}, "",
			func(t *testing.T, c *cib.CIB) {
				if got := attr(&c.Status.Nodes[0], "fail-count-web#monitor_10000"); got != "2" {
					t.Errorf("fail count %q, want 2", got)
				}
			}},
		{"start failure on a node without history", injections{OpInject: []opSpec{mustSpec(t, "web_start_0@bravo=1")}},
			[]string{"Injecting web_start_0@bravo=1 into the configuration"}, "",
			func(t *testing.T, c *cib.CIB) {
				ns := &c.Status.Nodes[1]
				if got := attr(ns, "fail-count-web#start_0"); got != "INFINITY" {
					t.Errorf("fail count of a failed start %q, want INFINITY", got)
				}
				if ns.LRM == nil || len(ns.LRM.Resources) != 1 || ns.LRM.Resources[0].Type != "Dummy" {
					t.Errorf("bravo's history: %+v", ns.LRM)
				}
			}},
		{"success is no failure", injections{OpInject: []opSpec{mustSpec(t, "web_monitor_10000@alpha=0")}}, []string{"Injecting web_monitor_10000@alpha=0 into the configuration"}, "",
			func(t *testing.T, c *cib.CIB) {
				if got := attr(&c.Status.Nodes[0], "fail-count-web#monitor_10000"); got != "" {
					t.Errorf("a success counted as a failure: %q", got)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := readInjectCIB(t)
			mods, err := tc.inj.apply(c, now)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(mods, "|") != strings.Join(tc.mods, "|") {
				t.Errorf("modifications %q, want %q", mods, tc.mods)
			}
			if tc.check != nil {
				tc.check(t, c)
			}
			var out strings.Builder
			if err := simulate(&schedCIB{CIB: readInjectCIB(t), Source: "test", Now: now}, simulateOptions{sim: true, inject: tc.inj}, &out); err != nil {
				t.Fatal(err)
			}
			if tc.summary != "" && !strings.Contains(out.String(), tc.summary) {
				t.Errorf("simulation lacks %q:\n%s", tc.summary, out.String())
			}
			if len(tc.mods) > 0 && !strings.Contains(out.String(), "Performing Requested Modifications:\n  * "+tc.mods[0]) {
				t.Errorf("simulation does not list the modifications:\n%s", out.String())
			}
			// The current status is the one before the events.
			if !strings.Contains(out.String(), "Current cluster status:\n  * Node List:\n    * Online: [ alpha bravo ]") {
				t.Errorf("current status is not the one before the events:\n%s", out.String())
			}
		})
	}
}

// --op-fail fails the action when the simulated transition runs it: what
// depends on it does not run and the revised status shows it FAILED.
func TestOpFail(t *testing.T) {
	now := time.Date(2026, 11, 24, 1, 0, 0, 0, time.UTC)
	inj := injections{NodeDown: []string{"alpha"}, OpFail: []opSpec{mustSpec(t, "web_start_0@bravo=1")}}
	var out strings.Builder
	if err := simulate(&schedCIB{CIB: readInjectCIB(t), Source: "test", Now: now}, simulateOptions{sim: true, inject: inj}, &out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{"  * Resource action: web             start on bravo\n  * Pretending action web_start_0 on bravo failed with rc=1\n",
		"web\t(ocf:pacer:Dummy):\t FAILED bravo"} {
		if !strings.Contains(s, want) {
			t.Errorf("lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "web             monitor=10000 on bravo") {
		t.Errorf("the monitor after a failed start ran:\n%s", s)
	}
}

func TestInjectionErrors(t *testing.T) {
	tests := []struct {
		name string
		inj  injections
		want string
	}{
		{"unknown node down", injections{NodeDown: []string{"nosuch"}}, `--node-down: no node "nosuch" (nodes: alpha, bravo)`},
		{"unknown node up", injections{NodeUp: []string{"nosuch"}}, `--node-up: no node "nosuch"`},
		{"unknown node fail", injections{NodeFail: []string{"nosuch"}}, `--node-fail: no node "nosuch"`},
		{"unknown resource", injections{OpInject: []opSpec{mustSpec(t, "db_monitor_0@alpha=7")}}, `no primitive "db" (resources: web)`},
		{"unknown op node", injections{OpInject: []opSpec{mustSpec(t, "web_monitor_0@nosuch=7")}}, `no node "nosuch"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.inj.apply(readInjectCIB(t), time.Now())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := parseInjections(nil, nil, nil, []string{"x"}, []string{"y@z"}); err == nil ||
		!strings.Contains(err.Error(), `--op-inject operation "x"`) || !strings.Contains(err.Error(), `--op-fail operation "y@z"`) {
		t.Errorf("parseInjections: %v", err)
	}
}

func mustSpec(t *testing.T, s string) opSpec {
	t.Helper()
	o, err := parseOpSpec(s)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

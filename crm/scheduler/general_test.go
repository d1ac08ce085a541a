package scheduler_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"pacer/crm/scheduler"
	"pacer/crm/scheduler/simout"
)

// op is one lrm_rsc_op of a test history.
type op struct {
	task     string
	interval int // ms
	rc       int
	call     int
}

// history renders a node_state for node n (1 or 2) with the given
// resource histories (rsc id -> ops). Every op records the digest of no
// parameters, so the resources' definitions (none) are unchanged, and
// was expected to return the rc it returned.
func history(n int, rscs map[string][]op, order ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<node_state id="%d" uname="node%d" in_ccm="true" crmd="online" join="member" expected="member"><lrm id="%d"><lrm_resources>`, n, n, n)
	for _, id := range order {
		fmt.Fprintf(&b, `<lrm_resource id="%s" class="ocf" provider="heartbeat" type="Dummy">`, id)
		for _, o := range rscs[id] {
			fmt.Fprintf(&b, `<lrm_rsc_op id="%s_%s_%d" operation="%s" interval="%d" rc-code="%d" op-status="0" call-id="%d" transition-key="1:1:%d:x" transition-magic="0:%d;1:1:%d:x" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>`,
				id, o.task, o.interval, o.task, o.interval, o.rc, o.call, o.rc, o.rc, o.rc)
		}
		b.WriteString(`</lrm_resource>`)
	}
	b.WriteString(`</lrm_resources></lrm></node_state>`)
	return b.String()
}

// withStatus closes a configuration with the given node_states.
func withStatus(states ...string) string {
	return `<status>` + strings.Join(states, "") + `</status></cib>`
}

// executed lists the executed actions as "key@node".
func executed(tr *scheduler.Transition) string {
	var out []string
	for _, a := range tr.Execute() {
		s := a.Key
		if a.Task == "cancel" {
			s = fmt.Sprintf("%s_cancel_%d", a.Rsc, a.Interval.Milliseconds())
		}
		if a.Node != "" {
			s += "@" + a.Node
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

func simulated(t *testing.T, tr *scheduler.Transition) string {
	t.Helper()
	var b bytes.Buffer
	if err := simout.Write(&b, tr, simout.Options{Simulate: true}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

var (
	started  = []op{{"monitor", 0, 7, 1}, {"start", 0, 0, 2}}
	stopped  = []op{{"monitor", 0, 7, 1}}
	disabled = `<meta_attributes id="m"><nvpair id="tr" name="target-role" value="Stopped"/></meta_attributes>`
)

// TestInstanceCounts checks pe__count_common: target-role=Stopped
// primitives count as disabled, multiple-active=block ones as blocked,
// and crm_simulate then prints the count line first.
func TestInstanceCounts(t *testing.T) {
	tests := []struct {
		name, xml, want string
		inst, dis, blk  int
	}{
		{
			name: "disabled primitive",
			xml: head + `<resources>` + prim("a", disabled) + prim("b", "") + `</resources><constraints/></configuration>` +
				withStatus(history(1, map[string][]op{"a": started, "b": started}, "a", "b"), history(2, map[string][]op{"a": stopped, "b": stopped}, "a", "b")),
			want: "1 of 2 resource instances DISABLED and 0 BLOCKED from further action due to failure\n\nCurrent cluster status:",
			inst: 2, dis: 1,
		},
		{
			name: "group target-role is inherited",
			xml:  head + `<resources><group id="g">` + disabled + prim("a", "") + prim("b", "") + `</group></resources><constraints/></configuration>` + online,
			want: "2 of 2 resource instances DISABLED",
			inst: 2, dis: 2,
		},
		{
			name: "nothing disabled prints nothing",
			xml:  head + `<resources>` + prim("a", "") + `</resources><constraints/></configuration>` + online,
			want: "Current cluster status:",
			inst: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := schedule(t, tc.xml)
			if tr.Instances != tc.inst || tr.Disabled != tc.dis || tr.Blocked != tc.blk {
				t.Errorf("counts %d/%d/%d, want %d/%d/%d", tr.Instances, tr.Disabled, tr.Blocked, tc.inst, tc.dis, tc.blk)
			}
			if out := simulated(t, tr); !strings.HasPrefix(out, tc.want) {
				t.Errorf("output starts %q, want %q", out[:min(len(out), 120)], tc.want)
			}
		})
	}
}

// TestMultipleActive checks native_add_running's multiple-active
// recovery for a primitive active on two nodes.
func TestMultipleActive(t *testing.T) {
	both := func(meta string) string {
		return head + `<resources>` + prim("a", meta) + `</resources><constraints/></configuration>` +
			withStatus(history(1, map[string][]op{"a": started}, "a"), history(2, map[string][]op{"a": started}, "a"))
	}
	ma := func(v string) string {
		return `<meta_attributes id="m"><nvpair id="ma" name="multiple-active" value="` + v + `"/></meta_attributes>`
	}
	tests := []struct{ name, xml, want, status string }{
		{"block leaves it alone", both(ma("block")), "", "Started (blocked) [ node1 node2 ]"},
		{"stop_only stops everywhere", both(ma("stop_only")), "a_stop_0@node2 a_stop_0@node1", ""},
		{"stop_start restarts on one node", both(""), "a_stop_0@node2 a_stop_0@node1 a_start_0@node1", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := schedule(t, tc.xml)
			if got := executed(tr); got != tc.want {
				t.Errorf("executed %q, want %q", got, tc.want)
			}
			if tc.status != "" && !strings.Contains(simulated(t, tr), tc.status) {
				t.Errorf("status lacks %q:\n%s", tc.status, simulated(t, tr))
			}
		})
	}
}

// TestStoppedRoleMonitors checks recurring_op_for_inactive: a monitor
// configured for role Stopped runs where the resource will not run, after
// the probe and the stop there, is left alone where already active, and is
// cancelled (before the start) where the resource will run.
func TestStoppedRoleMonitors(t *testing.T) {
	ops := `<operations><op id="m10" name="monitor" interval="10"/><op id="m20" name="monitor" interval="20" role="Stopped"/></operations>`
	loc := func(n string) string {
		return `<constraints><rsc_location id="l" rsc="a" node="` + n + `" score="100"/></constraints>`
	}
	rsc := func(meta string) string {
		return `<resources><primitive id="a" class="ocf" provider="heartbeat" type="Dummy">` + meta + ops + `</primitive></resources>`
	}
	stoppedMon := []op{{"monitor", 0, 7, 1}, {"monitor", 20000, 7, 2}}
	tests := []struct{ name, xml, want string }{
		{
			name: "new resource: stopped monitor on the other node",
			xml:  head + rsc("") + loc("node1") + `</configuration>` + online,
			want: "a_monitor_0@node2 a_monitor_0@node1 a_monitor_20000@node2 a_start_0@node1 a_monitor_10000@node1",
		},
		{
			name: "disabled: stopped monitor after the stop",
			xml: head + rsc(disabled) + loc("node1") + `</configuration>` +
				withStatus(history(1, map[string][]op{"a": append(append([]op{}, started...), op{"monitor", 10000, 0, 3})}, "a"),
					history(2, map[string][]op{"a": stoppedMon}, "a")),
			want: "a_stop_0@node1 a_monitor_20000@node1",
		},
		{
			name: "moving: cancelled where it will run",
			xml: head + rsc("") + loc("node2") + `</configuration>` +
				withStatus(history(1, map[string][]op{"a": append(append([]op{}, started...), op{"monitor", 10000, 0, 3})}, "a"),
					history(2, map[string][]op{"a": stoppedMon}, "a")),
			want: "a_stop_0@node1 a_cancel_20000@node2 a_monitor_20000@node1 a_start_0@node2 a_monitor_10000@node2",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := schedule(t, tc.xml)
			if got := executed(tr); got != tc.want {
				t.Errorf("executed %q, want %q", got, tc.want)
			}
		})
	}
}

// reasons renders the summary with reasons.
func reasons(tr *scheduler.Transition) string {
	var out []string
	for _, l := range tr.Summary {
		s := l.Change + " " + l.Rsc
		if l.Reason != "" {
			s += " " + l.Reason
		}
		out = append(out, s)
	}
	return strings.Join(out, "; ")
}

// TestGroupOrderingRules checks group internal orderings and the probe
// ordering (pcmk__group_internal_constraints, pcmk__probe_rsc_on_node).
func TestGroupOrderingRules(t *testing.T) {
	grp := func(meta string, members ...string) string {
		s := `<resources><group id="g">`
		for _, m := range members {
			if m == "b" {
				s += prim(m, meta)
			} else {
				s += prim(m, "")
			}
		}
		return s + `</group></resources><constraints/></configuration>`
	}
	tests := []struct{ name, xml, wantExec, wantSummary string }{
		{
			// A probe orders before its own resource's start, not the
			// group's: the group start pseudo-action runs at once.
			name:     "probes order before the member start",
			xml:      head + grp("", "a") + `<status><node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member"/></status></cib>`,
			wantExec: "g_start_0 a_monitor_0@node1 a_start_0@node1 g_running_0",
		},
		{
			// Stopping members does not imply restarting the group:
			// a stays up while b (disabled) and c stop.
			name: "group stop does not restart earlier members",
			xml: head + grp(disabled, "a", "b", "c") + withStatus(history(1, map[string][]op{"a": started, "b": started, "c": started}, "a", "b", "c"),
				history(2, map[string][]op{"a": stopped, "b": stopped, "c": stopped}, "a", "b", "c")),
			wantExec:    "g_stop_0 c_stop_0@node1 b_stop_0@node1 g_stopped_0",
			wantSummary: "Stop b due to node availability; Stop c due to node availability",
		},
		{
			// A partially active ordered group stops in sequence: c
			// stops before a even though b between them is inactive.
			name: "partially active group shuts down in sequence",
			xml: head + strings.Replace(grp("", "a", "b", "c"), `<group id="g">`, `<group id="g">`+disabled, 1) +
				withStatus(history(1, map[string][]op{"a": started, "b": stopped, "c": started}, "a", "b", "c"),
					history(2, map[string][]op{"a": stopped, "b": stopped, "c": stopped}, "a", "b", "c")),
			wantExec: "g_stop_0 c_stop_0@node1 a_stop_0@node1 g_stopped_0",
		},
		{
			// A member made to restart by an earlier member's start
			// says why: "due to required a start".
			name: "restart reason names the required action",
			xml: head + grp("", "a", "b") + withStatus(history(1, map[string][]op{"a": stopped, "b": started}, "a", "b"),
				history(2, map[string][]op{"a": stopped, "b": stopped}, "a", "b")),
			wantSummary: "Start a; Restart b due to required a start",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := schedule(t, tc.xml)
			if got := executed(tr); tc.wantExec != "" && got != tc.wantExec {
				t.Errorf("executed %q, want %q", got, tc.wantExec)
			}
			if got := reasons(tr); tc.wantSummary != "" && got != tc.wantSummary {
				t.Errorf("summary %q, want %q", got, tc.wantSummary)
			}
		})
	}
}

// TestGroupLocationScores checks pcmk__group_apply_location: in a
// colocated group only the first member takes a group location's score,
// the later members get the node with score 0.
func TestGroupLocationScores(t *testing.T) {
	xml := head + `<resources><group id="g">` + prim("a", "") + prim("b", "") + `</group></resources>` +
		`<constraints><rsc_location id="l" rsc="g" node="node2" score="5"/></constraints></configuration>` + online
	tr := schedule(t, xml)
	got := map[string]string{}
	for _, s := range tr.Scores() {
		if s.Node == "node2" {
			got[s.Stage+" "+s.Rsc] = s.Score.String()
		}
	}
	want := map[string]string{
		"pcmk__group_assign g":     "5",
		"pcmk__group_assign a":     "5",
		"pcmk__group_assign b":     "0",
		"pcmk__primitive_assign a": "5",
		"pcmk__primitive_assign b": "0",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s on node2: got %q, want %q", k, got[k], v)
		}
	}
}

package scheduler_test

import (
	"strings"
	"testing"

	"pacer/crm/cib/cibxml"
	"pacer/crm/scheduler"
)

const head = `<cib admin_epoch="0" epoch="1" num_updates="1" have-quorum="1" validate-with="pacemaker-3.7"><configuration><crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config><nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes>`

const online = `<status><node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member"/><node_state id="2" uname="node2" in_ccm="true" crmd="online" join="member" expected="member"/></status></cib>`

func schedule(t *testing.T, xml string) *scheduler.Transition {
	t.Helper()
	c, err := cibxml.Read(strings.NewReader(xml), "test")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := scheduler.Schedule(scheduler.Input{CIB: c})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func summary(tr *scheduler.Transition) string {
	var out []string
	for _, l := range tr.Summary {
		out = append(out, l.Change+" "+l.Rsc+" "+l.Details)
	}
	return strings.Join(out, "; ")
}

func prim(id string, meta string) string {
	return `<primitive id="` + id + `" class="ocf" provider="heartbeat" type="Dummy">` + meta + `</primitive>`
}

func TestSchedulerRules(t *testing.T) {
	tests := []struct {
		name, xml, want string
	}{
		{
			// Equal scores: the node with fewer assigned resources wins,
			// then the lower name.
			name: "tie broken by fewest assigned resources",
			xml:  head + `<resources>` + prim("a", "") + prim("b", "") + `</resources><constraints/></configuration>` + online,
			want: "Start a node1; Start b node2",
		},
		{
			// meta priority is read like strtol: "2.0" is 2, so b is
			// placed first.
			name: "priority parsed as a leading integer",
			xml: head + `<resources>` + prim("a", "") +
				prim("b", `<meta_attributes id="m"><nvpair id="p" name="priority" value="2.0"/></meta_attributes>`) +
				`</resources><constraints/></configuration>` + online,
			want: "Start b node1; Start a node2",
		},
		{
			// Group members are colocated with the previous member.
			name: "group members stay together",
			xml:  head + `<resources><group id="g">` + prim("a", "") + prim("b", "") + `</group></resources><constraints/></configuration>` + online,
			want: "Start a node1; Start b node1",
		},
		{
			// An integer comparison whose value does not parse falls
			// back to a string comparison.
			name: "rule integer parse failure compares strings",
			xml:  head + `<resources>` + prim("a", "") + `</resources><constraints><rsc_location id="l" rsc="a"><rule id="r" score="100"><expression id="e" attribute="#uname" operation="gt" value="node1" type="integer"/></rule></rsc_location></constraints></configuration>` + online,
			want: "Start a node2",
		},
		{
			// INFINITY colocation puts the dependent with its primary.
			name: "mandatory colocation",
			xml:  head + `<resources>` + prim("a", "") + prim("b", "") + `</resources><constraints><rsc_location id="l" rsc="b" node="node2" score="10"/><rsc_colocation id="c" rsc="a" with-rsc="b" score="INFINITY"/></constraints></configuration>` + online,
			want: "Start a node2; Start b node2",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := summary(schedule(t, tc.xml)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestOrderAfterGroupRunning checks that "group then rsc" orders rsc after
// the group's running pseudo-action, not its start.
func TestOrderAfterGroupRunning(t *testing.T) {
	tr := schedule(t, head+`<resources><group id="g">`+prim("a", "")+`</group>`+prim("b", "")+`</resources><constraints><rsc_order id="o" first="g" then="b" kind="Optional"/></constraints></configuration>`+online)
	var pos = map[string]int{}
	for i, a := range tr.Execute() {
		pos[a.Key+"@"+a.Node] = i
	}
	if pos["g_running_0@"] > pos["b_start_0@node2"] {
		t.Errorf("b started before g was running: %v", pos)
	}
}

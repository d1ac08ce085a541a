package scheduler_test

import (
	"fmt"
	"strings"
	"testing"
)

// Digests of the parameter sets used below (calculate_operation_digest).
const (
	digestNone    = "f2317cad3d54cec5d7d7aa7d0bf35cf8" // no parameters
	digestTimeout = "4811cef7f7f94e3a35a70be7916cb2fd" // CRM_meta_timeout=20000
)

// rscOp is an lrm_rsc_op with digests.
func rscOp(id, task string, interval, call int, extra string) string {
	if !strings.Contains(extra, "rc-code") {
		extra += ` rc-code="0"`
	}
	return fmt.Sprintf(`<lrm_rsc_op id="%s_%s_%d" operation="%s" interval="%d" op-status="0" call-id="%d" crm_feature_set="3.16.2" transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x" %s/>`,
		id, task, interval, task, interval, call, extra)
}

// oneNode renders node1's history for a resource of the given agent.
func oneNode(id, class, provider, typ string, ops ...string) string {
	return withStatus(`<node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member"><lrm id="1"><lrm_resources>` +
		`<lrm_resource id="` + id + `" class="` + class + `" provider="` + provider + `" type="` + typ + `">` + strings.Join(ops, "") +
		`</lrm_resource></lrm_resources></lrm></node_state>` +
		`<node_state id="2" uname="node2" in_ccm="true" crmd="online" join="member" expected="member"/>`)
}

// TestDefinitionChange checks pcmk__check_action_config: an active
// resource whose parameters differ from those its operations ran with is
// restarted, reloaded (when the agent recorded a restart digest) or has
// its recurring operation rescheduled; a recurring operation no longer
// configured is cancelled; history of another agent is deleted; a
// difference in private parameters only is ignored (sanitized CIB).
func TestDefinitionChange(t *testing.T) {
	param := `<instance_attributes id="ia"><nvpair id="p1" name="fake" value="1"/></instance_attributes>`
	mon := `<operations><op id="m" name="monitor" interval="10s"/></operations>`
	loc := `<constraints><rsc_location id="l" rsc="a" node="node1" score="100"/></constraints></configuration>`
	cfg := func(body string) string {
		return head + `<resources><primitive id="a" class="ocf" provider="heartbeat" type="Dummy">` + body + `</primitive></resources>` + loc
	}
	probe := rscOp("a", "monitor", 0, 1, `op-digest="`+digestNone+`"`)
	tests := []struct{ name, xml, summary, want string }{
		{"unchanged", cfg(""), "", ""},
		{"changed parameter restarts",
			cfg(param) + oneNode("a", "ocf", "heartbeat", "Dummy", probe, rscOp("a", "start", 0, 2, `op-digest="`+digestNone+`"`)),
			"Restart    a    ( node1 )  due to resource definition change", "a_stop_0@node1 a_start_0@node1"},
		{"reloadable parameter reloads",
			cfg(param) + oneNode("a", "ocf", "heartbeat", "Dummy", probe, rscOp("a", "start", 0, 2,
				`op-digest="`+digestNone+`" op-force-restart=" state " op-restart-digest="`+digestNone+`"`)),
			"Reload     a    ( node1 )", "a_reload-agent_0@node1"},
		{"non-reloadable parameter restarts",
			cfg(param) + oneNode("a", "ocf", "heartbeat", "Dummy", probe, rscOp("a", "start", 0, 2,
				`op-digest="`+digestNone+`" op-force-restart=" fake " op-restart-digest="`+digestNone+`"`)),
			"Restart    a    ( node1 )  due to resource definition change", "a_stop_0@node1 a_start_0@node1"},
		{"recurring operation rescheduled",
			cfg(mon) + oneNode("a", "ocf", "heartbeat", "Dummy", probe, rscOp("a", "start", 0, 2, `op-digest="`+digestNone+`"`),
				rscOp("a", "monitor", 10000, 3, `op-digest="`+digestNone+`"`)),
			"", "a_monitor_10000@node1"},
		{"recurring operation unchanged",
			cfg(mon) + oneNode("a", "ocf", "heartbeat", "Dummy", probe, rscOp("a", "start", 0, 2, `op-digest="`+digestNone+`"`),
				rscOp("a", "monitor", 10000, 3, `op-digest="`+digestTimeout+`"`)),
			"", ""},
		{"orphaned recurring operation cancelled",
			cfg("") + oneNode("a", "ocf", "heartbeat", "Dummy", probe, rscOp("a", "start", 0, 2, `op-digest="`+digestNone+`"`),
				rscOp("a", "monitor", 5000, 3, `op-digest="`+digestTimeout+`"`)),
			"", "a_cancel_5000@node1"},
		{"inactive history of another agent deleted",
			cfg("") + oneNode("a", "lsb", "", "Dummy", rscOp("a", "monitor", 0, 1, `rc-code="7"`)),
			"Start      a    ( node1 )", "a_delete_0@node1 a_start_0@node1"},
		{"only private parameters differ",
			cfg(`<instance_attributes id="ia"><nvpair id="p1" name="passwd" value="****"/></instance_attributes>`) +
				oneNode("a", "ocf", "heartbeat", "Dummy", probe, rscOp("a", "start", 0, 2,
					`op-digest="0123" op-secure-params=" passwd " op-secure-digest="`+digestNone+`"`)),
			"", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "unchanged" {
				tc.xml = cfg("") + oneNode("a", "ocf", "heartbeat", "Dummy", probe, rscOp("a", "start", 0, 2, `op-digest="`+digestNone+`"`))
			}
			tr := schedule(t, tc.xml)
			var got []string
			for _, a := range strings.Fields(executed(tr)) {
				if !strings.Contains(a, "_monitor_0@") {
					got = append(got, a)
				}
			}
			if g := strings.Join(got, " "); g != tc.want {
				t.Errorf("executed %q, want %q", g, tc.want)
			}
			out := simulated(t, tr)
			sum := out[strings.Index(out, "Transition Summary:"):strings.Index(out, "Executing Cluster Transition:")]
			if tc.summary == "" && strings.Contains(sum, "*") {
				t.Errorf("unexpected summary:\n%s", sum)
			}
			if tc.summary != "" && !strings.Contains(strings.Join(strings.Fields(sum), " "), strings.Join(strings.Fields(tc.summary), " ")) {
				t.Errorf("summary lacks %q:\n%s", tc.summary, sum)
			}
		})
	}
}

// TestDefinitionChangeReason: a start forced by a definition change
// carries the reason "resource definition change", except for a
// resource whose start requires nothing (stonith disabled and
// no-quorum-policy=ignore): update_resource_action_runnable clears the
// reason of such an action each time it is asked for on a node.
func TestDefinitionChangeReason(t *testing.T) {
	changed := `<primitive id="a" class="ocf" provider="heartbeat" type="Dummy"><instance_attributes id="ia"><nvpair id="ia1" name="state" value="/x"/></instance_attributes></primitive>`
	for _, tc := range []struct{ props, want string }{
		{``, "due to resource definition change"},
		{`<nvpair id="nq" name="no-quorum-policy" value="ignore"/>`, ""},
	} {
		h := strings.Replace(head, `</cluster_property_set>`, tc.props+`</cluster_property_set>`, 1)
		xml := h + `<resources>` + changed + `</resources><constraints/></configuration>` +
			withStatus(history(1, map[string][]op{"a": started}, "a"), history(2, map[string][]op{"a": stopped}, "a"))
		tr := schedule(t, xml)
		if len(tr.Summary) != 1 || tr.Summary[0].Change != "Restart" || tr.Summary[0].Reason != tc.want {
			t.Errorf("props %q: summary %+v, want Restart with reason %q", tc.props, tr.Summary, tc.want)
		}
	}
}

// TestEmptyForceRestartList: an lrm_rsc_op whose op-force-restart is
// present but empty (every parameter reloadable) has its restart digest
// computed over no parameters; only an absent list keeps them all.
func TestEmptyForceRestartList(t *testing.T) {
	changed := `<primitive id="a" class="ocf" provider="heartbeat" type="Dummy"><instance_attributes id="ia"><nvpair id="ia1" name="state" value="/new"/></instance_attributes></primitive>`
	// The start ran with state=/old: op-digest differs, and the restart
	// digest recorded is that of no parameters.
	op := func(forceRestart string) string {
		return `<lrm_rsc_op id="a_start_0" operation="start" interval="0" rc-code="0" op-status="0" call-id="2" transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x" op-digest="0000" op-restart-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"` + forceRestart + `/>`
	}
	for _, tc := range []struct{ attr, want string }{
		{` op-force-restart=""`, "Reload"}, // empty list: restart digest matches, reload
		{``, "Restart"},                    // no list: all parameters, restart digest differs
	} {
		xml := head + `<resources>` + changed + `</resources><constraints/></configuration><status>` +
			`<node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member"><lrm id="1"><lrm_resources><lrm_resource id="a" class="ocf" provider="heartbeat" type="Dummy">` + op(tc.attr) + `</lrm_resource></lrm_resources></lrm></node_state>` +
			`<node_state id="2" uname="node2" in_ccm="true" crmd="online" join="member" expected="member"/></status></cib>`
		tr := schedule(t, xml)
		if len(tr.Summary) == 0 || tr.Summary[0].Change != tc.want {
			t.Errorf("op-force-restart %q: summary %+v, want %s", tc.attr, tr.Summary, tc.want)
		}
	}
}

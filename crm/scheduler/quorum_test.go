package scheduler_test

import (
	"strings"
	"testing"
)

// TestNoQuorumPolicy checks custom_action without quorum: "freeze"
// blocks starts with the reason "quorum freeze"; "suicide" falls back to
// "stop" (blocking starts for "no quorum") when fencing is disabled or
// the cluster never had quorum (unpack_config); a resource with
// requires=nothing starts anyway.
func TestNoQuorumPolicy(t *testing.T) {
	cib := func(policy string) string {
		h := strings.Replace(head, `have-quorum="1"`, `have-quorum="0"`, 1)
		h = strings.Replace(h, `</cluster_property_set>`, `<nvpair id="nq" name="no-quorum-policy" value="`+policy+`"/></cluster_property_set>`, 1)
		return h + `<resources>` + prim("a", "") + `</resources><constraints/></configuration>` + online
	}
	// requires=nothing: starts need no quorum (unpack_requires).
	nothing := strings.Replace(cib("stop"), prim("a", ""), prim("a", `<meta_attributes id="m"><nvpair id="rq" name="requires" value="nothing"/></meta_attributes>`), 1)
	if got := summary(schedule(t, nothing)); got != "Start a node1" {
		t.Errorf("requires=nothing without quorum: summary %q, want a start", got)
	}
	tests := []struct{ policy, want string }{
		{"freeze", "due to quorum freeze (blocked)"},
		{"suicide", "due to no quorum (blocked)"},
		{"stop", "due to no quorum (blocked)"},
	}
	for _, tc := range tests {
		t.Run(tc.policy, func(t *testing.T) {
			tr := schedule(t, cib(tc.policy))
			if len(tr.Summary) != 1 || tr.Summary[0].Reason != tc.want {
				t.Errorf("summary %+v, want one line %q", tr.Summary, tc.want)
			}
		})
	}
}

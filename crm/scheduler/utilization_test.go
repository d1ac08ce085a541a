package scheduler_test

import (
	"strings"
	"testing"
)

// TestUtilization checks placement-strategy with utilization: a resource
// goes only where the capacity left covers it (the capacity taken by
// those placed before it, higher priority first); "default" ignores
// utilization; a node's load_stopped pseudo-action orders stops before
// starts there.
func TestUtilization(t *testing.T) {
	nodes := `<nodes><node id="1" uname="node1"><utilization id="u1"><nvpair id="u1c" name="cpu" value="1"/></utilization></node>` +
		`<node id="2" uname="node2"><utilization id="u2"><nvpair id="u2c" name="cpu" value="2"/></utilization></node></nodes>`
	rsc := func(id, cpu, prio string) string {
		return `<primitive id="` + id + `" class="ocf" provider="heartbeat" type="Dummy"><meta_attributes id="` + id + `m"><nvpair id="` + id + `p" name="priority" value="` + prio + `"/></meta_attributes>` +
			`<utilization id="` + id + `u"><nvpair id="` + id + `uc" name="cpu" value="` + cpu + `"/></utilization></primitive>`
	}
	for _, tc := range []struct{ strategy, want string }{
		// big (cpu 2, priority 1) takes node2; small (cpu 2) fits nowhere.
		{"utilization", "Start big node2"},
		{"default", "Start big node1; Start small node2"},
	} {
		h := strings.Replace(head, `<nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes>`, nodes, 1)
		h = strings.Replace(h, `</cluster_property_set>`, `<nvpair id="ps" name="placement-strategy" value="`+tc.strategy+`"/></cluster_property_set>`, 1)
		tr := schedule(t, h+`<resources>`+rsc("small", "2", "0")+rsc("big", "2", "1")+`</resources><constraints/></configuration>`+online)
		if got := summary(tr); got != tc.want {
			t.Errorf("%s: summary %q, want %q", tc.strategy, got, tc.want)
		}
		if tc.strategy == "utilization" && !strings.Contains(executed(tr), "load_stopped_node2@node2") {
			t.Errorf("no load_stopped pseudo-action: %s", executed(tr))
		}
	}
}

package daemon

import (
	"testing"

	"pacer/crm/cib"
)

// Which history entries a cleanup takes: failure records and failed
// recurring monitors, never the record of what ran last.
func TestFailureRecord(t *testing.T) {
	tests := []struct {
		op   cib.LRMOp
		want bool
	}{
		{cib.LRMOp{ID: "d1_last_failure_0", Operation: "monitor", Interval: "1000", RCCode: "7"}, true},
		{cib.LRMOp{ID: "d1_last_failure_0", Operation: "start", Interval: "0", RCCode: "1"}, true},
		{cib.LRMOp{ID: "d1_last_0", Operation: "start", Interval: "0", RCCode: "1"}, false},
		{cib.LRMOp{ID: "d1_last_0", Operation: "stop", Interval: "0", RCCode: "0"}, false},
		{cib.LRMOp{ID: "d1_monitor_1000", Operation: "monitor", Interval: "1000", RCCode: "7"}, true},
		{cib.LRMOp{ID: "d1_monitor_1000", Operation: "monitor", Interval: "1000", RCCode: "0"}, false},
		{cib.LRMOp{ID: "d1_monitor_1000", Operation: "monitor", Interval: "1000", RCCode: "8"}, false},
		{cib.LRMOp{ID: "d1_monitor_0", Operation: "monitor", Interval: "0", RCCode: "7"}, false},
	}
	for _, tc := range tests {
		if got := failureRecord(tc.op); got != tc.want {
			t.Errorf("%s %s/%s rc %s: %v, want %v", tc.op.ID, tc.op.Operation, tc.op.Interval, tc.op.RCCode, got, tc.want)
		}
	}
}

// A cleanup of a group or clone covers its primitives and their clone
// instances; an unknown id only its own (orphan) history.
func TestHistoryIDs(t *testing.T) {
	cfg := &cib.Configuration{Resources: []*cib.Resource{
		{ID: "g", Kind: cib.KindGroup, Children: []*cib.Resource{{ID: "a"}, {ID: "b"}}},
		{ID: "cl", Kind: cib.KindClone, Children: []*cib.Resource{{ID: "c"}}},
		{ID: "solo"},
	}}
	tests := []struct {
		rsc        string
		configured bool
		match      []string
		not        []string
	}{
		{"g", true, []string{"a", "b", "g"}, []string{"c", "solo", "ab"}},
		{"a", true, []string{"a"}, []string{"b", "g"}},
		{"cl", true, []string{"c", "c:0", "c:12", "cl"}, []string{"a", "cc"}},
		{"gone", false, []string{"gone", "gone:1"}, []string{"g", "solo"}},
	}
	for _, tc := range tests {
		match, found := historyIDs(cfg, tc.rsc)
		if found != tc.configured {
			t.Errorf("%s: configured %v, want %v", tc.rsc, found, tc.configured)
		}
		for _, id := range tc.match {
			if !match(id) {
				t.Errorf("%s: %s not matched", tc.rsc, id)
			}
		}
		for _, id := range tc.not {
			if match(id) {
				t.Errorf("%s: %s matched", tc.rsc, id)
			}
		}
	}
}

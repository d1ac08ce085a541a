package scheduler_test

import (
	"strings"
	"testing"
)

// TestActiveRecurringBeforeRecovery checks unpack_lrm_resource's order:
// process_recurring makes the active recurring actions before
// process_rsc_state schedules a failed resource's recovery stop, and the
// graph lists a resource's actions newest first. So a recurring monitor
// no longer configured (cancelled after the stop) runs right after the
// stop, before the start that waits for the probe elsewhere too.
func TestActiveRecurringBeforeRecovery(t *testing.T) {
	failedMonitor := []op{{"start", 0, 0, 1}, {"monitor", 1000, 1, 2}}
	xml := cloneCIB(prim("r", ""), "", history(1, map[string][]op{"r": failedMonitor}, "r"), history(2, nil))
	tr := schedule(t, xml)
	if got, want := strings.TrimSpace(summary(tr)), "Recover r node1"; !strings.HasPrefix(got, "Recover r") {
		t.Fatalf("summary %q, want %q", got, want)
	}
	got := executed(tr)
	want := "r_monitor_0@node2 r_stop_0@node1 r_cancel_1000@node1 r_start_0@node1"
	if got != want {
		t.Errorf("executed\n  %s\nwant\n  %s", got, want)
	}
}

package resources

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"pacer/crm/cib"
)

func TestHistoryIDs(t *testing.T) {
	tests := []struct {
		name string
		rec  Record
		want []string
	}{
		{"probe as expected", Record{Rsc: "ip", Action: "monitor", RC: 7, TargetRC: 7}, []string{"ip_last_0"}},
		{"probe found running", Record{Rsc: "ip", Action: "monitor", RC: 0, TargetRC: 7}, []string{"ip_last_failure_0", "ip_last_0"}},
		{"start ok", Record{Rsc: "ip", Action: "start"}, []string{"ip_last_0"}},
		{"start timed out", Record{Rsc: "ip", Action: "start", RC: 1, Status: StatusTimedOut}, []string{"ip_last_failure_0", "ip_last_0"}},
		{"monitor ok", Record{Rsc: "ip", Action: "monitor", Interval: 10 * time.Second}, []string{"ip_monitor_10000"}},
		{"monitor failed", Record{Rsc: "ip", Action: "monitor", Interval: 10 * time.Second, RC: 7}, []string{"ip_last_failure_0"}},
		{"clone instance", Record{Rsc: "d:1", Action: "stop"}, []string{"d:1_last_0"}},
		{"cancelled", Record{Rsc: "ip", Action: "monitor", Interval: time.Second, Status: StatusCancelled}, nil},
		{"notify", Record{Rsc: "ip", Action: "notify"}, nil},
		{"migrate_to", Record{Rsc: "vm", Action: "migrate_to"}, []string{"vm_migrate_to_0"}},
		{"migrate_from failed", Record{Rsc: "vm", Action: "migrate_from", RC: 1}, []string{"vm_migrate_from_0"}},
		{"not installed", Record{Rsc: "ip", Action: "start", RC: 5, Status: StatusNotInstalled}, []string{"ip_last_failure_0", "ip_last_0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.rec.HistoryIDs()); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRecordLRMOp(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	r := Record{
		Rsc: "ip", Class: "ocf", Provider: "heartbeat", Type: "IPaddr2", Action: "monitor",
		Interval: 10 * time.Second, CallID: 12, RC: 7, Status: StatusDone, TargetRC: 0,
		ExitReason: "No address", LastRun: t0.Add(20 * time.Second), LastRCChange: t0,
		ExecTime: 1500 * time.Microsecond * 10, QueueTime: 3 * time.Millisecond,
		TransitionKey: "3:5:0:abc", OpDigest: "d1", SecureDigest: "d2", SecureParams: "  p  ",
	}
	got := r.LRMOp("ip_last_failure_0", "node1")
	want := cib.LRMOp{
		ID: "ip_last_failure_0", OperationKey: "ip_monitor_10000", Operation: "monitor", Interval: "10000",
		CallID: "12", RCCode: "7", OpStatus: "0", TransitionKey: "3:5:0:abc", TransitionMagic: "0:7;3:5:0:abc",
		OpDigest: "d1", OpSecureDigest: "d2", OpSecureParams: "  p  ",
		LastRCChange: "1700000000", ExecTime: "15", QueueTime: "3", ExitReason: "No address",
		OnNode: "node1", CRMFeatureSet: FeatureSet,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("LRMOp (-want +got):\n%s", diff)
	}
	// A one-shot op's last-rc-change is its run; a success has no exit reason.
	r.Interval, r.RC = 0, 0
	got = r.LRMOp("ip_last_0", "node1")
	if got.LastRCChange != "1700000020" || got.ExitReason != "" || got.OperationKey != "ip_monitor_0" {
		t.Errorf("one-shot: %+v", got)
	}
}

func TestRecordLRMOps(t *testing.T) {
	r := Record{Rsc: "ip", Action: "start", CallID: 3, RC: 1, Status: StatusDone, ExitReason: "boom"}
	ops := r.LRMOps("n1")
	if len(ops) != 2 || ops[0].ID != "ip_last_failure_0" || ops[1].ID != "ip_last_0" {
		t.Fatalf("ops %+v", ops)
	}
	for _, o := range ops {
		if o.ExitReason != "boom" || o.CallID != "3" || o.OnNode != "n1" {
			t.Errorf("entry %+v", o)
		}
	}
	m := Record{Rsc: "vm", Action: "migrate_to", MigrateSource: "n1", MigrateTarget: "n2"}
	if ops := m.LRMOps("n1"); len(ops) != 1 || ops[0].MigrateSource != "n1" || ops[0].MigrateTarget != "n2" {
		t.Errorf("migration %+v", ops)
	}
	r.Status = StatusCancelled
	if ops := r.LRMOps("n1"); len(ops) != 0 {
		t.Errorf("cancelled writes %+v", ops)
	}
}

func TestFakeTransitionKey(t *testing.T) {
	if got := fakeTransitionKey(9, 7); got != "9:-1:7:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" {
		t.Errorf("key %q", got)
	}
}

// TestHistoryApply follows one resource through the entries the status
// section would hold.
func TestHistoryApply(t *testing.T) {
	rec := func(action string, iv time.Duration, call, rc int, st OpStatus) Record {
		return Record{Rsc: "r", Class: "ocf", Provider: "heartbeat", Type: "Dummy", Action: action,
			Interval: iv, CallID: call, RC: rc, Status: st}
	}
	type entry struct {
		ID, Call, RC string
	}
	steps := []struct {
		rec  Record
		want []entry
	}{
		{withTarget(rec("monitor", 0, 1, 7, StatusDone), 7), []entry{{"r_last_0", "1", "7"}}},
		{rec("start", 0, 2, 0, StatusDone), []entry{{"r_last_0", "2", "0"}}},
		{rec("monitor", 10*time.Second, 3, 0, StatusDone), []entry{{"r_last_0", "2", "0"}, {"r_monitor_10000", "3", "0"}}},
		// A failed monitor writes last_failure and leaves its own entry.
		{rec("monitor", 10*time.Second, 3, 7, StatusDone), []entry{{"r_last_failure_0", "3", "7"}, {"r_last_0", "2", "0"}, {"r_monitor_10000", "3", "0"}}},
		{rec("monitor", 10*time.Second, 3, 0, StatusCancelled), []entry{{"r_last_failure_0", "3", "7"}, {"r_last_0", "2", "0"}}},
		{rec("stop", 0, 4, 1, StatusTimedOut), []entry{{"r_last_failure_0", "4", "1"}, {"r_last_0", "4", "1"}}},
		{rec("notify", 0, 5, 0, StatusDone), []entry{{"r_last_failure_0", "4", "1"}, {"r_last_0", "4", "1"}}},
		{rec("migrate_to", 0, 6, 1, StatusDone), []entry{{"r_last_failure_0", "4", "1"}, {"r_last_0", "4", "1"}, {"r_migrate_to_0", "6", "1"}}},
	}
	var h history
	for i, s := range steps {
		h.apply(s.rec)
		lr := h.lrm("r", "n1")
		if lr.ID != "r" || lr.Class != "ocf" || lr.Provider != "heartbeat" || lr.Type != "Dummy" {
			t.Fatalf("step %d: resource %+v", i, lr)
		}
		var got []entry
		for _, o := range lr.Ops {
			got = append(got, entry{o.ID, o.CallID, o.RCCode})
		}
		if diff := cmp.Diff(s.want, got); diff != "" {
			t.Fatalf("step %d (%s %v): entries (-want +got):\n%s", i, s.rec.Action, s.rec.Interval, diff)
		}
	}
}

func withTarget(r Record, target int) Record {
	r.TargetRC = target
	return r
}

func TestOpStatusString(t *testing.T) {
	for s, want := range map[OpStatus]string{StatusDone: "complete", StatusTimedOut: "Timed Out",
		StatusNotInstalled: "Not installed", StatusCancelled: "Cancelled", OpStatus(42): "UNKNOWN(42)"} {
		if got := s.String(); got != want {
			t.Errorf("%d: %q, want %q", int(s), got, want)
		}
	}
}

package resources

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"pacer/agents"
	"pacer/internal/clock"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func newTestExecutor(t *testing.T, r agents.Runner, clk clock.Clock, lg *zap.Logger) *Executor {
	t.Helper()
	cfg := DefaultConfig()
	cfg.NodeName = "node1"
	e, err := New(cfg, r, clk, lg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

func spec(id string) ResourceSpec {
	return ResourceSpec{ID: id, Class: "test", Type: "T", Params: map[string]string{"a": "1"}}
}

func mkOp(id, action string, iv time.Duration, target int) Op {
	return Op{Resource: spec(id), Action: action, Interval: iv, Timeout: 20 * time.Second, TargetRC: target}
}

func ctx10(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func queueLen(e *Executor, rsc string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	if r := e.rscs[rsc]; r != nil {
		return len(r.queue)
	}
	return 0
}

func TestSerializedPerResource(t *testing.T) {
	f := newFakeRunner()
	e := newTestExecutor(t, f, clock.NewFake(t0), nil)
	release := f.hold("A", "start")
	defer release()
	var jobs []*job
	for _, a := range []string{"start", "monitor", "stop", "start"} {
		j, err := e.submit(mkOp("A", a, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, j)
		if a == "start" && len(jobs) == 1 {
			waitFor(t, "first start running", func() bool { return f.count("A", "start") == 1 })
		}
	}
	// The held start is running; the rest wait in arrival order.
	if n := queueLen(e, "A"); n != 3 {
		t.Fatalf("queued behind the running start: %d, want 3", n)
	}
	release()
	var calls []int
	for _, j := range jobs {
		r, err := j.wait(ctx10(t))
		if err != nil {
			t.Fatal(err)
		}
		calls = append(calls, r.CallID)
	}
	if diff := cmp.Diff([]string{"A start", "A monitor", "A stop", "A start"}, f.ran("A")); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{1, 2, 3, 4}, calls); diff != "" {
		t.Errorf("call ids (-want +got):\n%s", diff)
	}
	if m := f.maxConcurrent("A"); m != 1 {
		t.Errorf("ops of A running at once: %d", m)
	}
}

func TestConcurrentAcrossResources(t *testing.T) {
	f := newFakeRunner()
	e := newTestExecutor(t, f, clock.NewFake(t0), nil)
	release := f.hold("A", "start")
	defer release()
	ja, err := e.submit(mkOp("A", "start", 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "A start running", func() bool { return f.count("A", "start") == 1 })
	// B completes while A's start is still held.
	rb, err := e.Execute(ctx10(t), mkOp("B", "start", 0, 0))
	if err != nil || rb.RC != 0 || rb.Status != StatusDone {
		t.Fatalf("B start: %+v %v", rb, err)
	}
	release()
	if ra, err := ja.wait(ctx10(t)); err != nil || ra.RC != 0 {
		t.Fatalf("A start: %+v %v", ra, err)
	}
}

func TestTimeoutRecorded(t *testing.T) {
	f := newFakeRunner()
	f.setResult("A", "start", agents.Result{RC: 1, TimedOut: true, Signal: "SIGTERM"}, agents.ErrTimeout)
	e := newTestExecutor(t, f, clock.NewFake(t0), nil)
	r, err := e.Execute(ctx10(t), mkOp("A", "start", 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if r.RC != 1 || r.Status != StatusTimedOut || !r.Failed() || r.ExitReason == "" {
		t.Fatalf("record %+v", r)
	}
	lr, _ := e.History("A")
	var ids []string
	for _, o := range lr.Ops {
		ids = append(ids, o.ID+" "+o.RCCode+" "+o.OpStatus+" "+o.TransitionMagic)
	}
	want := []string{
		"A_last_failure_0 1 2 2:1;1:-1:0:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
		"A_last_0 1 2 2:1;1:-1:0:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
	}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name   string
		res    agents.Result
		err    error
		rc     int
		status OpStatus
		reason bool
	}{
		{"agent rc", agents.Result{RC: 7}, nil, 7, StatusDone, false},
		{"agent reason kept", agents.Result{RC: 6, ExitReason: "bad ip"}, nil, 6, StatusDone, true},
		{"timeout", agents.Result{RC: 1, TimedOut: true}, agents.ErrTimeout, 1, StatusTimedOut, true},
		{"cancelled", agents.Result{RC: 1, Cancelled: true}, context.Canceled, 1, StatusCancelled, false},
		{"signal", agents.Result{RC: 1, Signal: "SIGSEGV"}, errFake, 1, StatusError, true},
		{"not installed", agents.Result{RC: 5}, errFake, 5, StatusNotInstalled, true},
		{"no privileges", agents.Result{RC: 4}, errFake, 4, StatusError, true},
		{"error never reads as success", agents.Result{}, errFake, 1, StatusError, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rc, st, reason := classify(tc.res, tc.err, time.Second)
			if rc != tc.rc || st != tc.status || (reason != "") != tc.reason {
				t.Errorf("classify = %d %v %q, want %d %v reason %v", rc, st, reason, tc.rc, tc.status, tc.reason)
			}
		})
	}
}

// TestHistoryAndCallIDs runs a resource's life and checks the status
// section entries the executor would report on join.
func TestHistoryAndCallIDs(t *testing.T) {
	f := newFakeRunner()
	f.setRC("A", "monitor", 7)
	clk := clock.NewFake(t0)
	e := newTestExecutor(t, f, clk, nil)

	if _, err := e.Probe(ctx10(t), []ResourceSpec{spec("A")}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	start := mkOp("A", "start", 0, 0)
	start.TransitionKey = "4:2:0:1a2b"
	if _, err := e.Execute(ctx10(t), start); err != nil {
		t.Fatal(err)
	}
	f.setRC("A", "monitor", 0)
	mon := mkOp("A", "monitor", 10*time.Second, 0)
	mon.TransitionKey = "5:2:0:1a2b"
	if _, err := e.Execute(ctx10(t), mon); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "monitor re-armed", func() bool { return clk.Pending() == 1 })
	if _, err := e.Execute(ctx10(t), mkOp("B", "start", 0, 0)); err != nil {
		t.Fatal(err)
	}
	clk.Advance(10 * time.Second) // an unchanged run: no new entry
	waitFor(t, "second monitor run", func() bool { return f.count("A", "monitor") == 3 && clk.Pending() == 1 })

	type entry struct{ ID, Key, Call, RC, TKey string }
	var got []entry
	for _, lr := range e.LRM() {
		for _, o := range lr.Ops {
			got = append(got, entry{o.ID, o.OperationKey, o.CallID, o.RCCode, o.TransitionKey})
		}
	}
	want := []entry{
		{"A_last_0", "A_start_0", "2", "0", "4:2:0:1a2b"},
		{"A_monitor_10000", "A_monitor_10000", "3", "0", "5:2:0:1a2b"},
		{"B_last_0", "B_start_0", "4", "0", "4:-1:0:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	lr, _ := e.History("A")
	if lr.Class != "test" || lr.Type != "T" {
		t.Errorf("resource %+v", lr)
	}
	for _, o := range lr.Ops {
		if o.OnNode != "node1" || o.CRMFeatureSet != FeatureSet {
			t.Errorf("entry %+v", o)
		}
	}
	// A recurring op's digest covers its timeout; a one-shot op's not.
	if d := lr.Ops[0].OpDigest; d != ParamsDigest(map[string]string{"a": "1"}) {
		t.Errorf("start digest %s", d)
	}
	if d := lr.Ops[1].OpDigest; d != ParamsDigest(map[string]string{"a": "1", "CRM_meta_timeout": "20000"}) {
		t.Errorf("monitor digest %s", d)
	}
	if _, ok := e.History("nope"); ok {
		t.Error("history of an unknown resource")
	}
}

func TestProbe(t *testing.T) {
	f := newFakeRunner()
	f.setRC("A", "monitor", 7)
	f.setRC("B", "monitor", 0)
	f.setResult("C", "monitor", agents.Result{RC: 5}, errFake)
	e := newTestExecutor(t, f, clock.NewFake(t0), nil)
	// A's probe waits until B's has run: only concurrent probes finish.
	releaseA := f.hold("A", "monitor")
	defer releaseA()
	go func() {
		deadline := time.Now().Add(10 * time.Second)
		for f.count("B", "monitor") == 0 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		releaseA()
	}()
	recs, err := e.Probe(ctx10(t), []ResourceSpec{spec("A"), spec("B"), spec("C"), {ID: ""}})
	if err == nil {
		t.Error("probe of a resource without id: no error")
	}
	if len(recs) != 4 {
		t.Fatalf("%d records", len(recs))
	}
	type got struct {
		Rsc    string
		RC     int
		Status OpStatus
		Failed bool
	}
	var have []got
	for _, r := range recs[:3] {
		if r.Action != "monitor" || r.Interval != 0 || r.TargetRC != 7 {
			t.Errorf("probe %+v", r)
		}
		have = append(have, got{r.Rsc, r.RC, r.Status, r.Failed()})
	}
	want := []got{{"A", 7, StatusDone, false}, {"B", 0, StatusDone, true}, {"C", 5, StatusNotInstalled, true}}
	if diff := cmp.Diff(want, have); diff != "" {
		t.Errorf("probes (-want +got):\n%s", diff)
	}
	if lr, _ := e.History("B"); len(lr.Ops) != 2 || lr.Ops[0].ID != "B_last_failure_0" {
		t.Errorf("B history %+v", lr.Ops)
	}
}

func TestDigestsRecorded(t *testing.T) {
	f := newFakeRunner()
	f.meta = dummy2020
	e := newTestExecutor(t, f, clock.NewFake(t0), nil)
	rs := ResourceSpec{ID: "rsc1", Class: "ocf", Provider: "pacemaker", Type: "Dummy", Params: map[string]string{"fake": "300"}}
	r, err := e.Execute(ctx10(t), Op{Resource: rs, Action: "start", Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// value-source.xml rsc1: the digests Pacemaker recorded.
	want := Record{OpDigest: "740d07f67c20fca411b03996e601119e", RestartDigest: "f2317cad3d54cec5d7d7aa7d0bf35cf8",
		ForceRestart: "  envfile op_sleep passwd state  ", SecureDigest: "740d07f67c20fca411b03996e601119e", SecureParams: "  passwd  "}
	gotD := Record{OpDigest: r.OpDigest, RestartDigest: r.RestartDigest, ForceRestart: r.ForceRestart,
		SecureDigest: r.SecureDigest, SecureParams: r.SecureParams}
	if diff := cmp.Diff(want, gotD); diff != "" {
		t.Errorf("digests (-want +got):\n%s", diff)
	}
	// Meta-data is read before each start, cached for monitors, and not
	// needed for a stop, whose entry carries op-digest only.
	for _, o := range []Op{{Resource: rs, Action: "monitor", Interval: 0}, {Resource: rs, Action: "stop"},
		{Resource: rs, Action: "start"}} {
		r, err := e.Execute(ctx10(t), o)
		if err != nil {
			t.Fatal(err)
		}
		if o.Action == "stop" && (r.OpDigest != want.OpDigest || r.RestartDigest != "" || r.SecureDigest != "") {
			t.Errorf("stop digests %+v", r)
		}
		if o.Action == "monitor" && (r.RestartDigest != want.RestartDigest || r.SecureDigest != want.SecureDigest) {
			t.Errorf("probe digests %+v", r)
		}
	}
	if n := f.count("", "meta-data"); n != 2 {
		t.Errorf("meta-data read %d times, want 2", n)
	}
}

func TestMetadataUnavailable(t *testing.T) {
	f := newFakeRunner() // meta-data answers rc 3
	core, logs := observer.New(zapcore.DebugLevel)
	e := newTestExecutor(t, f, clock.NewFake(t0), zap.New(core))
	rs := ResourceSpec{ID: "r", Class: "ocf", Provider: "heartbeat", Type: "Gone", Params: map[string]string{"x": "1"}}
	r, err := e.Execute(ctx10(t), Op{Resource: rs, Action: "start"})
	if err != nil {
		t.Fatal(err)
	}
	if r.OpDigest != ParamsDigest(rs.Params) || r.RestartDigest != "" || r.SecureDigest != "" {
		t.Errorf("record %+v", r)
	}
	if n := logs.FilterMessage("agent meta-data unavailable").Len(); n != 1 {
		t.Errorf("%d meta-data warnings", n)
	}
}

func TestLogLines(t *testing.T) {
	f := newFakeRunner()
	clk := clock.NewFake(t0)
	core, logs := observer.New(zapcore.InfoLevel)
	e := newTestExecutor(t, f, clk, zap.New(core))
	if _, err := e.Execute(ctx10(t), mkOp("A", "monitor", 10*time.Second, 0)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "monitor re-armed", func() bool { return clk.Pending() == 1 })
	for i := 0; i < 3; i++ {
		clk.Advance(10 * time.Second)
		runs := i + 2
		waitFor(t, "monitor run", func() bool { return f.count("A", "monitor") == runs && clk.Pending() == 1 })
	}
	f.setResult("A", "start", agents.Result{RC: 1, TimedOut: true}, agents.ErrTimeout)
	if _, err := e.Execute(ctx10(t), mkOp("A", "start", 0, 0)); err != nil {
		t.Fatal(err)
	}
	lines := logs.FilterMessage("operation result").All()
	if len(lines) != 2 {
		t.Fatalf("%d result lines at Info and above, want 2 (unchanged monitor runs only at Debug)", len(lines))
	}
	m := lines[0].ContextMap()
	for _, k := range []string{"rsc", "op", "interval", "rc", "rc_text", "duration", "call_id"} {
		if _, ok := m[k]; !ok {
			t.Errorf("field %q missing from %v", k, m)
		}
	}
	if m["rsc"] != "A" || m["op"] != "monitor" || m["rc_text"] != "OCF_SUCCESS" || m["interval"] != 10*time.Second {
		t.Errorf("fields %v", m)
	}
	if lines[1].Level != zapcore.ErrorLevel || lines[1].ContextMap()["status"] != "Timed Out" {
		t.Errorf("timeout line %v %v", lines[1].Level, lines[1].ContextMap())
	}
}

func TestNewAndValidate(t *testing.T) {
	f := newFakeRunner()
	if _, err := New(DefaultConfig(), nil, clock.Real{}, nil); err == nil {
		t.Error("nil runner accepted")
	}
	if _, err := New(DefaultConfig(), f, nil, nil); err == nil {
		t.Error("nil clock accepted")
	}
	bad := DefaultConfig()
	bad.ProbeTimeout = 0
	if _, err := New(bad, f, clock.Real{}, nil); err == nil {
		t.Error("zero probe timeout accepted")
	}
	e := newTestExecutor(t, f, clock.NewFake(t0), nil)
	for _, o := range []Op{{Action: "start"}, {Resource: spec("A")}, mkOp("A", "monitor", -time.Second, 0)} {
		if _, err := e.Execute(ctx10(t), o); err == nil {
			t.Errorf("op %+v accepted", o)
		}
	}
}

func TestExecuteContextBoundsOnlyTheWait(t *testing.T) {
	f := newFakeRunner()
	e := newTestExecutor(t, f, clock.NewFake(t0), nil)
	var rec recorder
	e.Subscribe(rec.add)
	release := f.hold("A", "start")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// A cancelled wait may still see the op finish; hold it so it cannot.
	if _, err := e.Execute(ctx, mkOp("A", "start", 0, 0)); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	release()
	recs := rec.waitLen(t, 1)
	if recs[0].Action != "start" || recs[0].Status != StatusDone {
		t.Errorf("reported %+v", recs[0])
	}
}

func TestUnsubscribe(t *testing.T) {
	f := newFakeRunner()
	e := newTestExecutor(t, f, clock.NewFake(t0), nil)
	var a, b recorder
	unsub := e.Subscribe(a.add)
	e.Subscribe(b.add)
	if _, err := e.Execute(ctx10(t), mkOp("A", "start", 0, 0)); err != nil {
		t.Fatal(err)
	}
	a.waitLen(t, 1)
	unsub()
	if _, err := e.Execute(ctx10(t), mkOp("A", "stop", 0, 0)); err != nil {
		t.Fatal(err)
	}
	b.waitLen(t, 2)
	if n := len(a.all()); n != 1 {
		t.Errorf("unsubscribed saw %d results", n)
	}
}

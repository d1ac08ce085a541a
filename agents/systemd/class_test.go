package systemd

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pacer/agents"
	"pacer/agents/ocf"
	"pacer/internal/clock"
)

// newTestClass returns a class talking to a fake systemd on a private bus,
// with RunDir a temporary directory standing in for /run/systemd/system.
func newTestClass(t *testing.T, units ...*fakeUnit) (*Class, *fakeSystemd, string) {
	t.Helper()
	addr := startBus(t)
	f := newFakeSystemd(t, addr, units...)
	runDir := t.TempDir()
	c, err := New(Config{Address: addr, RunDir: runDir, PollInterval: 5 * time.Millisecond}, clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, f, runDir
}

func req(typ, action string) agents.Request {
	return agents.Request{Class: "systemd", Type: typ, Action: action, Timeout: 20 * time.Second}
}

type step struct {
	action string
	rc     ocf.RC
	reason string // substring of ExitReason; "" means none
	errIs  error  // nil: Run must succeed
	state  string // the fake unit's ActiveState afterwards; "" to skip
}

func runSteps(t *testing.T, c *Class, f *fakeSystemd, typ, unit string, steps []step) {
	t.Helper()
	for i, s := range steps {
		res, err := c.Run(context.Background(), req(typ, s.action))
		switch {
		case s.errIs == nil && err != nil:
			t.Fatalf("step %d %s: %v (%+v)", i, s.action, err, res)
		case s.errIs != nil && !errors.Is(err, s.errIs):
			t.Fatalf("step %d %s: error %v, want %v", i, s.action, err, s.errIs)
		}
		if ocf.RC(res.RC) != s.rc {
			t.Fatalf("step %d %s: rc %v, want %v (%+v)", i, s.action, ocf.RC(res.RC), s.rc, res)
		}
		if (s.reason == "") != (res.ExitReason == "") || !strings.Contains(res.ExitReason, s.reason) {
			t.Fatalf("step %d %s: exit reason %q, want %q", i, s.action, res.ExitReason, s.reason)
		}
		if s.state != "" {
			if got := f.state(unit); got != s.state {
				t.Fatalf("step %d %s: unit %s is %q, want %q", i, s.action, unit, got, s.state)
			}
		}
	}
}

func TestClassOverRealBus(t *testing.T) {
	cases := []struct {
		name  string
		typ   string
		unit  string
		units []*fakeUnit
		steps []step
	}{
		{
			name:  "lifecycle",
			typ:   "web",
			unit:  "web.service",
			units: []*fakeUnit{{name: "web.service"}},
			steps: []step{
				{action: "monitor", rc: ocf.NotRunning, reason: "inactive", state: "inactive"},
				{action: "start", rc: ocf.Success, state: "active"},
				{action: "monitor", rc: ocf.Success},
				{action: "status", rc: ocf.Success},
				{action: "start", rc: ocf.Success, state: "active"}, // idempotent
				{action: "stop", rc: ocf.Success, state: "inactive"},
				{action: "monitor", rc: ocf.NotRunning, reason: "inactive"},
				{action: "stop", rc: ocf.Success}, // stop of a stopped unit
			},
		},
		{
			name:  "suffix kept",
			typ:   "data.mount",
			unit:  "data.mount",
			units: []*fakeUnit{{name: "data.mount"}},
			steps: []step{
				{action: "start", rc: ocf.Success, state: "active"},
				{action: "monitor", rc: ocf.Success},
				{action: "stop", rc: ocf.Success, state: "inactive"},
			},
		},
		{
			name: "unknown unit",
			typ:  "nope",
			unit: "nope.service",
			steps: []step{
				{action: "monitor", rc: ocf.NotRunning, reason: "inactive"}, // probe: not running, as Pacemaker
				{action: "start", rc: ocf.ErrInstalled, reason: "NoSuchUnit", errIs: ErrUnknownUnit},
				{action: "stop", rc: ocf.Success}, // an unknown unit is stopped
			},
		},
		{
			name:  "start job fails",
			typ:   "broken",
			unit:  "broken.service",
			units: []*fakeUnit{{name: "broken.service", startResult: "failed"}},
			steps: []step{
				{action: "start", rc: ocf.ErrGeneric, reason: `result "failed"`, state: "failed"},
				{action: "monitor", rc: ocf.NotRunning, reason: "failed"},
				{action: "stop", rc: ocf.Success, state: "inactive"},
			},
		},
		{
			name:  "start job timed out in systemd",
			typ:   "slowpoke",
			unit:  "slowpoke.service",
			units: []*fakeUnit{{name: "slowpoke.service", startResult: "timeout"}},
			steps: []step{
				{action: "start", rc: ocf.ErrGeneric, reason: "timed out", errIs: agents.ErrTimeout},
			},
		},
		{
			name:  "oneshot exits: start done but unit down",
			typ:   "oneshot",
			unit:  "oneshot.service",
			units: []*fakeUnit{{name: "oneshot.service", afterStart: "inactive"}},
			steps: []step{
				{action: "start", rc: ocf.ErrGeneric, reason: "is inactive after start"},
			},
		},
		{
			name:  "activating settles",
			typ:   "db",
			unit:  "db.service",
			units: []*fakeUnit{{name: "db.service", activatingReads: 3}},
			steps: []step{
				{action: "start", rc: ocf.Success, state: "active"},
			},
		},
		{
			name:  "template without instance",
			typ:   "getty@",
			unit:  "getty@.service",
			steps: []step{{action: "start", rc: ocf.ErrInstalled, reason: "InvalidName", errIs: ErrUnknownUnit}},
		},
		{
			name:  "action not implemented",
			typ:   "web",
			unit:  "web.service",
			units: []*fakeUnit{{name: "web.service"}},
			steps: []step{{action: "promote", rc: ocf.ErrUnimplemented, reason: "not implemented"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, f, _ := newTestClass(t, tc.units...)
			runSteps(t, c, f, tc.typ, tc.unit, tc.steps)
		})
	}
}

// TestStartStopCalls checks what goes over the wire: the unit name with
// its suffix, "replace" mode, the drop-in and the reloads around it.
func TestStartStopCalls(t *testing.T) {
	c, f, runDir := newTestClass(t, &fakeUnit{name: "web.service"})
	drop := filepath.Join(runDir, "web.service.d", overrideName)

	if res, err := c.Run(context.Background(), req("web", "start")); err != nil || res.RC != 0 {
		t.Fatalf("start: %v %+v", err, res)
	}
	b, err := os.ReadFile(drop)
	if err != nil {
		t.Fatalf("drop-in after start: %v", err)
	}
	if string(b) != string(Override("web.service")) {
		t.Errorf("drop-in %q", b)
	}
	if res, err := c.Run(context.Background(), req("web", "stop")); err != nil || res.RC != 0 {
		t.Fatalf("stop: %v %+v", err, res)
	}
	if _, err := os.Stat(filepath.Dir(drop)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("drop-in directory after stop: %v", err)
	}
	var jobs []string
	for _, call := range f.callLog() {
		if strings.HasPrefix(call, "StartUnit") || strings.HasPrefix(call, "StopUnit") {
			jobs = append(jobs, call)
		}
	}
	want := []string{"StartUnit web.service replace", "StopUnit web.service replace"}
	if strings.Join(jobs, "|") != strings.Join(want, "|") {
		t.Errorf("jobs %q, want %q", jobs, want)
	}
	f.mu.Lock()
	reloads, subs := f.reloads, f.subscribed
	f.mu.Unlock()
	if reloads != 2 || subs != 1 {
		t.Errorf("reloads %d (want 2: drop-in added, removed), subscribes %d (want 1)", reloads, subs)
	}
}

// TestTimeout: a start whose job never finishes is ended by the op
// timeout and reported as Pacemaker reports a timed-out op.
func TestTimeout(t *testing.T) {
	c, _, _ := newTestClass(t, &fakeUnit{name: "hang.service", hangStart: true})
	r := req("hang", "start")
	r.Timeout = 200 * time.Millisecond
	res, err := c.Run(context.Background(), r)
	if !errors.Is(err, agents.ErrTimeout) || !res.TimedOut || res.RC != int(ocf.ErrGeneric) {
		t.Fatalf("got %v %+v, want a timeout with rc 1", err, res)
	}
	// A monitor of the unit still activating waits for it to settle, so it
	// times out too rather than guessing.
	r.Action = "monitor"
	res, err = c.Run(context.Background(), r)
	if !errors.Is(err, agents.ErrTimeout) || !res.TimedOut {
		t.Fatalf("monitor of activating unit: %v %+v", err, res)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err = c.Run(ctx, req("hang", "monitor"))
	if err == nil || !res.Cancelled || res.TimedOut {
		t.Fatalf("cancelled op: %v %+v", err, res)
	}
}

// TestReconnect: a dropped bus connection is remade on the next op.
func TestReconnect(t *testing.T) {
	c, f, _ := newTestClass(t, &fakeUnit{name: "web.service", active: "active"})
	if res, err := c.Run(context.Background(), req("web", "monitor")); err != nil || res.RC != 0 {
		t.Fatalf("monitor: %v %+v", err, res)
	}
	c.mu.Lock()
	c.conn.Close() // as when dbus-daemon restarts under pacerd
	c.mu.Unlock()
	if res, err := c.Run(context.Background(), req("web", "stop")); err != nil || res.RC != 0 {
		t.Fatalf("stop after reconnect: %v %+v", err, res)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.subscribed != 2 {
		t.Errorf("subscribed %d times, want 2 (once per connection)", f.subscribed)
	}
}

func TestMetadataOverBus(t *testing.T) {
	c, _, _ := newTestClass(t, &fakeUnit{name: "web.service", description: "The <web> server & co"})
	res, err := c.Run(context.Background(), req("web", "meta-data"))
	if err != nil || res.RC != 0 {
		t.Fatalf("meta-data: %v %+v", err, res)
	}
	md, err := ocf.ParseMetadata([]byte(res.Output))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, res.Output)
	}
	if md.Name != "web" || md.LongDesc != "The <web> server & co" || md.ShortDesc != "systemd unit file for web" {
		t.Errorf("meta-data %+v", md)
	}
}

func TestNotBooted(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-systemd")
	// The address is never dialled: the sd_booted check comes first.
	c, err := New(Config{Address: "unix:path=/nonexistent", RunDir: missing, PollInterval: time.Second}, clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	for _, action := range []string{"start", "monitor", "status"} {
		res, err := c.Run(context.Background(), req("foo", action))
		if !errors.Is(err, ErrNotBooted) || res.RC != int(ocf.ErrInstalled) {
			t.Fatalf("%s: %v %+v", action, err, res)
		}
		want := "systemd is not running on this host (no " + missing + "): systemd:foo cannot be managed"
		if !strings.Contains(err.Error(), want) || res.ExitReason != want {
			t.Errorf("%s: error %q, reason %q; want %q", action, err, res.ExitReason, want)
		}
	}
	// A stop succeeds: no unit runs where systemd does not, and a failed
	// stop would get the node fenced.
	res, err := c.Run(context.Background(), req("foo", "stop"))
	if err != nil || res.RC != 0 || !strings.Contains(res.Stderr, "nothing to stop") {
		t.Fatalf("stop: %v %+v", err, res)
	}
	// meta-data still works, so ra info runs on any host.
	res, err = c.Run(context.Background(), req("foo", "meta-data"))
	if err != nil || res.RC != 0 {
		t.Fatalf("meta-data: %v %+v", err, res)
	}
	md, err := ocf.ParseMetadata([]byte(res.Output))
	if err != nil || md.LongDesc != "Systemd unit file for foo" {
		t.Fatalf("meta-data %+v %v", md, err)
	}
}

// TestThisHost documents the real host: on a machine without systemd as
// PID 1 the default config refuses with the clear error.
func TestThisHost(t *testing.T) {
	if _, err := os.Stat(DefaultRunDir); err == nil {
		t.Skip("systemd runs here; the not-booted path is covered by TestNotBooted")
	}
	c, err := New(DefaultConfig(), clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Run(context.Background(), req("foo", "monitor"))
	if want := "systemd is not running on this host (no /run/systemd/system): systemd:foo cannot be managed"; err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want it to say %q", err, want)
	}
}

// TestConcurrentOps: ops on different units run at once over one
// connection, and each takes only its own job's JobRemoved.
func TestConcurrentOps(t *testing.T) {
	names := []string{"a", "b", "c", "d"}
	var units []*fakeUnit
	for _, n := range names {
		u := &fakeUnit{name: n + ".service"}
		if n == "c" {
			u.startResult = "dependency"
		}
		units = append(units, u)
	}
	c, _, _ := newTestClass(t, units...)
	type out struct {
		name string
		res  agents.Result
		err  error
	}
	ch := make(chan out, len(names))
	for _, n := range names {
		go func() {
			res, err := c.Run(context.Background(), req(n, "start"))
			ch <- out{n, res, err}
		}()
	}
	for range names {
		o := <-ch
		want := ocf.Success
		if o.name == "c" {
			want = ocf.ErrGeneric
		}
		if o.err != nil || ocf.RC(o.res.RC) != want {
			t.Errorf("start %s: %v rc %v, want %v (%+v)", o.name, o.err, ocf.RC(o.res.RC), want, o.res)
		}
	}
}

package scripts

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pacer/agents"
	"pacer/agents/ocf"
	"pacer/internal/clock"
)

// dummyRunner returns a process runner whose OCF_ROOT has
// resource.d/pacer linked to this directory's ocf/pacer, so the shipped
// Dummy runs exactly as an installed one would.
func dummyRunner(t *testing.T) *agents.ProcessRunner {
	t.Helper()
	src, err := filepath.Abs(filepath.Join("ocf", "pacer"))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "resource.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(src, filepath.Join(root, "resource.d", "pacer")); err != nil {
		t.Fatal(err)
	}
	cfg := agents.DefaultRunnerConfig()
	cfg.KillGrace = time.Second
	cfg.IODelay = time.Second
	r, err := agents.NewProcessRunner(cfg, clock.Real{}, map[string]agents.Class{"ocf": ocf.Class{Root: root}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func dummyReq(action string, interval time.Duration, params map[string]string) agents.Request {
	return agents.Request{
		Class: "ocf", Provider: "pacer", Type: "Dummy", Action: action,
		Instance: "dummy1", Params: params, Interval: interval, Timeout: 20 * time.Second,
	}
}

func TestDummyMetadata(t *testing.T) {
	r := dummyRunner(t)
	res, err := r.Run(context.Background(), dummyReq("meta-data", 0, nil))
	if err != nil || res.RC != 0 {
		t.Fatalf("meta-data: %v %+v", err, res)
	}
	md, err := ocf.ParseMetadata([]byte(res.Output))
	if err != nil {
		t.Fatalf("parse meta-data: %v\n%s", err, res.Output)
	}
	if md.Name != "Dummy" || md.Version != "1.1" {
		t.Errorf("name %q version %q", md.Name, md.Version)
	}
	params := map[string]ocf.Parameter{}
	for _, p := range md.Parameters {
		params[p.Name] = p
	}
	for _, name := range []string{"state", "fake", "op_sleep", "fail_start", "fail_monitor"} {
		if _, ok := params[name]; !ok {
			t.Errorf("parameter %s missing", name)
		}
	}
	if !params["fake"].Reloadable || !params["state"].Unique {
		t.Errorf("fake must be reloadable and state unique: %+v %+v", params["fake"], params["state"])
	}
	var actions []string
	for _, a := range md.Actions {
		actions = append(actions, a.Name)
	}
	want := "start stop monitor reload-agent migrate_to migrate_from validate-all meta-data"
	if got := strings.Join(actions, " "); got != want {
		t.Errorf("actions %q, want %q", got, want)
	}
}

type dummyStep struct {
	action   string
	interval time.Duration
	params   map[string]string // merged over the case's params
	rc       ocf.RC
	reason   string // exact ExitReason
	running  bool   // whether the state file exists afterwards
}

func TestDummyActions(t *testing.T) {
	cases := []struct {
		name   string
		params map[string]string
		steps  []dummyStep
	}{
		{
			name: "lifecycle",
			steps: []dummyStep{
				{action: "monitor", rc: ocf.NotRunning}, // probe: no exit reason
				{action: "start", rc: ocf.Success, running: true},
				{action: "monitor", interval: 10 * time.Second, rc: ocf.Success, running: true},
				{action: "start", rc: ocf.Success, running: true}, // idempotent
				{action: "stop", rc: ocf.Success},
				{action: "monitor", interval: 10 * time.Second, rc: ocf.NotRunning, reason: "No process state file found"},
				{action: "stop", rc: ocf.Success}, // stop of a stopped resource
			},
		},
		{
			name: "migration",
			steps: []dummyStep{
				{action: "start", rc: ocf.Success, running: true},
				{action: "migrate_to", rc: ocf.Success},
				{action: "migrate_from", rc: ocf.Success, running: true},
				{action: "monitor", rc: ocf.Success, running: true},
			},
		},
		{
			name:   "fail_start",
			params: map[string]string{"fail_start": "true"},
			steps: []dummyStep{
				{action: "start", rc: ocf.ErrGeneric, reason: "start failed on request (fail_start is set)"},
				{action: "migrate_from", rc: ocf.ErrGeneric, reason: "start failed on request (fail_start is set)"},
				{action: "monitor", rc: ocf.NotRunning},
				{action: "stop", rc: ocf.Success},
			},
		},
		{
			name: "fail_monitor",
			steps: []dummyStep{
				{action: "monitor", params: map[string]string{"fail_monitor": "1"}, rc: ocf.NotRunning}, // a probe still works
				{action: "start", rc: ocf.Success, running: true},
				{action: "monitor", interval: time.Second, params: map[string]string{"fail_monitor": "yes"}, rc: ocf.ErrGeneric,
					reason: "monitor failed on request (fail_monitor is set)", running: true},
				{action: "stop", params: map[string]string{"fail_monitor": "yes"}, rc: ocf.Success},
			},
		},
		{
			name:   "bad configuration",
			params: map[string]string{"op_sleep": "soon"},
			steps: []dummyStep{
				{action: "validate-all", rc: ocf.ErrConfigured, reason: "op_sleep 'soon' is not a number of seconds"},
				{action: "start", rc: ocf.ErrConfigured, reason: "op_sleep 'soon' is not a number of seconds"},
				{action: "monitor", rc: ocf.NotRunning}, // probe of a stopped resource
				{action: "stop", rc: ocf.Success},       // a stop never fails on configuration
			},
		},
		{
			name:   "bad boolean",
			params: map[string]string{"fail_start": "maybe"},
			steps:  []dummyStep{{action: "start", rc: ocf.ErrConfigured, reason: "fail_start 'maybe' is not a boolean"}},
		},
		{
			name:   "relative state",
			params: map[string]string{"state": "dummy.state"},
			steps:  []dummyStep{{action: "start", rc: ocf.ErrConfigured, reason: "state 'dummy.state' is not an absolute path"}},
		},
		{
			name:  "unknown action",
			steps: []dummyStep{{action: "promote", rc: ocf.ErrUnimplemented}},
		},
		{
			name: "validate-all",
			steps: []dummyStep{
				{action: "validate-all", params: map[string]string{"op_sleep": "0.5", "fail_start": "no"}, rc: ocf.Success},
			},
		},
	}
	r := dummyRunner(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// A state directory that does not exist yet: start creates it,
			// as /run is empty after a boot.
			state := filepath.Join(t.TempDir(), "sub", "dummy.state")
			for i, s := range tc.steps {
				params := map[string]string{"state": state}
				for k, v := range tc.params {
					params[k] = v
				}
				for k, v := range s.params {
					params[k] = v
				}
				res, err := r.Run(context.Background(), dummyReq(s.action, s.interval, params))
				if err != nil {
					t.Fatalf("step %d %s: %v (%+v)", i, s.action, err, res)
				}
				if ocf.RC(res.RC) != s.rc || res.ExitReason != s.reason {
					t.Fatalf("step %d %s: rc %v reason %q, want %v %q; stderr %q",
						i, s.action, ocf.RC(res.RC), res.ExitReason, s.rc, s.reason, res.Stderr)
				}
				if _, err := os.Stat(state); (err == nil) != s.running {
					t.Fatalf("step %d %s: state file exists=%v, want %v", i, s.action, err == nil, s.running)
				}
			}
		})
	}
}

// TestDummyReload: reload-agent applies the reloadable parameter to the
// running resource; its value is what the state file holds.
func TestDummyReload(t *testing.T) {
	r := dummyRunner(t)
	state := filepath.Join(t.TempDir(), "dummy.state")
	steps := []struct {
		action, fake, want string
	}{
		{"start", "one", "one\n"},
		{"reload-agent", "two", "two\n"},
	}
	for _, s := range steps {
		res, err := r.Run(context.Background(), dummyReq(s.action, 0, map[string]string{"state": state, "fake": s.fake}))
		if err != nil || res.RC != 0 {
			t.Fatalf("%s: %v %+v", s.action, err, res)
		}
		b, err := os.ReadFile(state)
		if err != nil || string(b) != s.want {
			t.Fatalf("%s: state file %q %v, want %q", s.action, b, err, s.want)
		}
	}
}

// TestDummyOpSleepTimeout: op_sleep longer than the op's timeout makes the
// runner kill the agent and report a timeout, as a hung agent would.
func TestDummyOpSleepTimeout(t *testing.T) {
	r := dummyRunner(t)
	state := filepath.Join(t.TempDir(), "dummy.state")
	req := dummyReq("start", 0, map[string]string{"state": state, "op_sleep": "60"})
	req.Timeout = 300 * time.Millisecond
	res, err := r.Run(context.Background(), req)
	if !errors.Is(err, agents.ErrTimeout) || !res.TimedOut || res.RC != int(ocf.ErrGeneric) {
		t.Fatalf("got %v %+v, want a timeout with rc 1", err, res)
	}
	if _, err := os.Stat(state); err == nil {
		t.Fatal("a start killed while sleeping left a state file")
	}
}

// TestDummyDefaultState: without a state parameter the file is
// HA_RSCTMP/Dummy-INSTANCE.state, one per instance. Run directly, because
// pacer's OCF environment does not carry HA_RSCTMP and the default under
// /run/resource-agents is not the test's to write.
func TestDummyDefaultState(t *testing.T) {
	tmp := t.TempDir()
	for _, action := range []string{"start", "monitor"} {
		cmd := exec.Command(filepath.Join("ocf", "pacer", "Dummy"), action)
		cmd.Env = []string{"PATH=" + ocf.AgentPath, "HA_RSCTMP=" + tmp, "OCF_RESOURCE_INSTANCE=web:1"}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v: %s", action, err, out)
		}
	}
	if _, err := os.Stat(filepath.Join(tmp, "Dummy-web:1.state")); err != nil {
		t.Fatal(err)
	}
}

package ocf

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"pacer/agents"
	"pacer/internal/clock"
)

// TestRealDummy runs ocf:heartbeat:Dummy from Debian's resource-agents,
// unchanged, through the OCF class and the process runner.
func TestRealDummy(t *testing.T) {
	agent, err := Path(DefaultRoot, "heartbeat", "Dummy")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(agent); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s missing in CI: install resource-agents: %v", agent, err)
		}
		t.Skipf("%s missing (apt-get install resource-agents): %v", agent, err)
	}
	r, err := agents.NewProcessRunner(agents.DefaultRunnerConfig(), clock.Real{}, map[string]agents.Class{"ocf": Class{}})
	if err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(t.TempDir(), "dummy.state")
	run := func(action string, interval time.Duration) agents.Result {
		t.Helper()
		res, err := r.Run(context.Background(), agents.Request{
			Class: "ocf", Provider: "heartbeat", Type: "Dummy", Action: action,
			Instance: "dummy:0", Params: map[string]string{"state": state},
			Interval: interval, Timeout: 20 * time.Second,
		})
		if err != nil {
			t.Fatalf("%s: %v (result %+v)", action, err, res)
		}
		return res
	}

	res := run("meta-data", 0)
	if res.RC != int(Success) {
		t.Fatalf("meta-data rc %v: %+v", RC(res.RC), res)
	}
	md, err := ParseMetadata([]byte(res.Output))
	if err != nil {
		t.Fatalf("parse Dummy meta-data: %v", err)
	}
	if md.Name != "Dummy" || !hasParam(md, "state") || !hasAction(md, "monitor") || !hasAction(md, "start") {
		t.Errorf("meta-data %+v", md)
	}

	steps := []struct {
		action   string
		interval time.Duration
		want     RC
		reason   string
	}{
		{"monitor", 0, NotRunning, ""}, // probe: no exit reason
		{"start", 0, Success, ""},
		{"monitor", 10 * time.Second, Success, ""},
		{"stop", 0, Success, ""},
		{"monitor", 10 * time.Second, NotRunning, "No process state file found"},
	}
	for _, s := range steps {
		res := run(s.action, s.interval)
		if RC(res.RC) != s.want || res.ExitReason != s.reason {
			t.Fatalf("%s (interval %v): rc %v reason %q, want %v %q; stderr %q",
				s.action, s.interval, RC(res.RC), res.ExitReason, s.want, s.reason, res.Stderr)
		}
	}
}

func hasParam(m Metadata, name string) bool {
	for _, p := range m.Parameters {
		if p.Name == name {
			return true
		}
	}
	return false
}

func hasAction(m Metadata, name string) bool {
	for _, a := range m.Actions {
		if a.Name == name {
			return true
		}
	}
	return false
}

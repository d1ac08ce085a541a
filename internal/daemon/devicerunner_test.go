package daemon

import (
	"context"
	"testing"

	"pacer/agents"
)

// recordingRunner answers every request with rc and records the actions.
type recordingRunner struct {
	rc  int
	ran []string
}

func (r *recordingRunner) Run(_ context.Context, req agents.Request) (agents.Result, error) {
	r.ran = append(r.ran, req.Class+":"+req.Instance+":"+req.Action)
	return agents.Result{RC: r.rc}, nil
}

// A fence device is running on a node only between its start and its stop
// there: a probe elsewhere (or before the start, or after a pacerd
// restart) is "not running" even though the device answers.
func TestDeviceRunnerTracksRegistration(t *testing.T) {
	inner := &recordingRunner{}
	r := newDeviceRunner(inner)
	ctx := context.Background()
	step := func(class, id, action string, wantRC int) {
		t.Helper()
		res, err := r.Run(ctx, agents.Request{Class: class, Instance: id, Action: action})
		if err != nil || res.RC != wantRC {
			t.Fatalf("%s %s %s: rc %d err %v, want rc %d", class, id, action, res.RC, err, wantRC)
		}
	}
	step("stonith", "fence1", "monitor", 7) // probe before any start
	step("stonith", "fence1", "start", 0)   // runs the agent's monitor
	step("stonith", "fence1", "monitor", 0) // registered: the agent's monitor
	step("stonith", "fence2", "monitor", 7) // another device, not started here
	step("stonith", "fence1", "stop", 0)
	step("stonith", "fence1", "monitor", 7)
	step("ocf", "d1", "monitor", 0) // other classes run as they are
	want := []string{"stonith:fence1:monitor", "stonith:fence1:monitor", "ocf:d1:monitor"}
	if len(inner.ran) != len(want) {
		t.Fatalf("agent ran %v, want %v", inner.ran, want)
	}
	for i := range want {
		if inner.ran[i] != want[i] {
			t.Fatalf("agent ran %v, want %v", inner.ran, want)
		}
	}

	// A start whose monitor fails registers nothing.
	inner.rc = 1
	step("stonith", "fence3", "start", 1)
	inner.rc = 0
	step("stonith", "fence3", "monitor", 7)
}

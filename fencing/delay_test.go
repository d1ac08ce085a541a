package fencing

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestDelayBase(t *testing.T) {
	tests := []struct {
		value, target string
		want          time.Duration
		errHas        string
	}{
		{"", "n1", 0, ""},
		{"5", "n1", 5 * time.Second, ""},
		{"2s", "n1", 2 * time.Second, ""},
		{"1500ms", "n1", 1500 * time.Millisecond, ""},
		{"n1:0s;n2:5s", "n2", 5 * time.Second, ""},
		{"n1:0s;n2:5s", "N2", 5 * time.Second, ""},
		{"n1:3 n2:5", "n1", 3 * time.Second, ""},
		{"n1:3\tn2:5", "n3", 0, ""},
		{"n1:3;n10:9", "n10", 9 * time.Second, ""},
		{"n1:3;n10:9", "n1", 3 * time.Second, ""},
		{"soon", "n1", 0, `pcmk_delay_base "soon"`},
		{"n1:;n2:5", "n2", 0, `entry "n1:" is not node:time`},
		{"n2:later", "n2", 0, `entry "n2:later"`},
		{"-5s", "n1", 0, "negative"},
	}
	for _, tc := range tests {
		t.Run(tc.value+"/"+tc.target, func(t *testing.T) {
			got, err := DelayBase(tc.value, tc.target)
			if tc.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("error %v, want one saying %q", err, tc.errHas)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("DelayBase(%q, %q) = %v, %v; want %v", tc.value, tc.target, got, err, tc.want)
			}
		})
	}
}

// fixedRand returns n-1 for every draw, the top of the range.
type fixedRand struct{ draws []int64 }

func (f *fixedRand) Int64N(n int64) int64 { f.draws = append(f.draws, n); return n - 1 }

func TestDeviceDelay(t *testing.T) {
	tests := []struct {
		name      string
		params    map[string]string
		action    string
		want      time.Duration
		wantDraw  int64 // the range drawn from, 0 for no draw
		wantWarn  bool
		wantError bool
	}{
		{"nothing", map[string]string{}, ActionReboot, 0, 0, false, false},
		{"base only", map[string]string{"pcmk_delay_base": "5s"}, ActionOff, 5 * time.Second, 0, false, false},
		{"max only", map[string]string{"pcmk_delay_max": "10s"}, ActionReboot, 10*time.Second - 1, int64(10 * time.Second), false, false},
		{"base and max", map[string]string{"pcmk_delay_base": "2s", "pcmk_delay_max": "10s"}, ActionReboot, 10*time.Second - 1, int64(8 * time.Second), false, false},
		{"base above max", map[string]string{"pcmk_delay_base": "20s", "pcmk_delay_max": "10s"}, ActionReboot, 10 * time.Second, 0, true, false},
		{"not for on", map[string]string{"pcmk_delay_base": "5s", "pcmk_delay_max": "10s"}, ActionOn, 0, 0, false, false},
		{"per-node base", map[string]string{"pcmk_delay_base": "n1:7s;n2:1s"}, ActionOff, 7 * time.Second, 0, false, false},
		{"bad max", map[string]string{"pcmk_delay_max": "x"}, ActionOff, 0, 0, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &fixedRand{}
			got, warn, err := DeviceDelay(tc.params, tc.action, "n1", r)
			if (err != nil) != tc.wantError {
				t.Fatalf("error %v", err)
			}
			if got != tc.want || (warn != "") != tc.wantWarn {
				t.Fatalf("delay %v warn %q; want %v warn %v", got, warn, tc.want, tc.wantWarn)
			}
			if tc.wantDraw == 0 && len(r.draws) != 0 || tc.wantDraw != 0 && (len(r.draws) != 1 || r.draws[0] != tc.wantDraw) {
				t.Fatalf("draws %v, want one from %d", r.draws, tc.wantDraw)
			}
		})
	}
}

// TestFenceWaitsForDelays runs a fencing through the Fencer with a fake
// clock: the device's delay (base + a random part from the seeded source)
// is waited before the agent runs, and priority-fencing-delay is added
// for the first device only.
func TestFenceWaitsForDelays(t *testing.T) {
	seeded := rand.New(rand.NewPCG(1, 2))
	randomPart := time.Duration(seeded.Int64N(int64(8 * time.Second)))
	// A two-node split: n1 (gone) ran the priority-10 resource.
	twoNodes := `<nvpair id="pfd" name="priority-fencing-delay" value="30s"/>`
	status := nodeState("n1", "false", "offline", lrmRsc("db", "start", 0, 3)) + nodeState("n3", "true", "online", lrmRsc("web", "start", 0, 3))
	rsc := `<primitive id="db" class="ocf" provider="pacer" type="Dummy"><meta_attributes id="db-m"><nvpair id="db-p" name="priority" value="10"/></meta_attributes></primitive>` +
		`<primitive id="web" class="ocf" provider="pacer" type="Dummy"/>`
	tests := []struct {
		name    string
		devs    string
		topo    string
		props   string
		status  string
		online  []string
		answer  map[string]bool
		want    time.Duration
		wantRun []string
	}{
		{"base", dev("d", "fence_full", []string{"pcmk_host_list=n1", "pcmk_delay_base=5s"}), "", "", "", nil, nil, 5 * time.Second, []string{"d:off:n1"}},
		{"base and random max", dev("d", "fence_full", []string{"pcmk_host_list=n1", "pcmk_delay_base=2s", "pcmk_delay_max=10s"}), "", "", "", nil, nil, 2*time.Second + randomPart, []string{"d:off:n1"}},
		{"priority delay on the first device only", dev("a", "fence_full", []string{"pcmk_host_list=n1", "pcmk_off_retries=0"}) + dev("b", "fence_full", []string{"pcmk_host_list=n1", "pcmk_delay_base=1s"}),
			"", twoNodes, status, nil, map[string]bool{"a:off": true}, 31 * time.Second, []string{"a:off:n1", "b:off:n1"}},
		{"no priority delay when the target is in our partition", dev("a", "fence_full", []string{"pcmk_host_list=n1"}),
			"", twoNodes, status, []string{"n1", "n3"}, nil, 0, []string{"a:off:n1"}},
		{"priority delay with topology: first level's first device", dev("a", "fence_full", []string{"pcmk_host_list=n1"}) + dev("b", "fence_full", []string{"pcmk_host_list=n1"}),
			level("l1", 1, "n1", "a,b"), twoNodes, status, nil, nil, 30 * time.Second, []string{"a:off:n1", "b:off:n1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			answer := failOn()
			if tc.answer != nil {
				answer = func(c call) (agentsResult, error) {
					if tc.answer[c.Device+":"+c.Action] {
						return agentsResult{RC: 1}, nil
					}
					return agentsResult{}, nil
				}
			}
			c := cibWith(t, rsc+tc.devs, "", tc.topo, tc.props, tc.status)
			h := newHarness(t, "n3", c, answer)
			_, err, waited := h.fence(t, Request{Target: "n1", Action: ActionOff, Origin: "n3", Online: tc.online})
			if err != nil {
				t.Fatal(err)
			}
			if waited != tc.want {
				t.Errorf("waited %v, want %v", waited, tc.want)
			}
			if got := h.r.got(); strings.Join(got, " ") != strings.Join(tc.wantRun, " ") {
				t.Errorf("runs %q, want %q", got, tc.wantRun)
			}
		})
	}
}

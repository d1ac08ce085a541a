package fencing

import (
	"context"
	"sync"
	"testing"
	"time"

	"pacer/agents"
)

// TestActionLimit: two fencings through one device run one at a time by
// default (pcmk_action_limit=1) and together with pcmk_action_limit=2.
func TestActionLimit(t *testing.T) {
	tests := []struct {
		name    string
		params  []string
		wantMax int
	}{
		{"default one at a time", []string{"pcmk_host_list=n1 n2"}, 1},
		{"limit 2", []string{"pcmk_host_list=n1 n2", "pcmk_action_limit=2"}, 2},
		{"unlimited", []string{"pcmk_host_list=n1 n2", "pcmk_action_limit=-1"}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			active, max := 0, 0
			entered := make(chan struct{}, 2)
			release := make(chan struct{})
			answer := func(c call) (agents.Result, error) {
				mu.Lock()
				active++
				if active > max {
					max = active
				}
				mu.Unlock()
				entered <- struct{}{}
				<-release
				mu.Lock()
				active--
				mu.Unlock()
				return agents.Result{}, nil
			}
			h := newHarness(t, "n3", cibWith(t, dev("d", "fence_full", tc.params), "", "", "", ""), answer)
			errs := make(chan error, 2)
			for _, target := range []string{"n1", "n2"} {
				go func() {
					_, err := h.f.Fence(context.Background(), Request{Target: target, Action: ActionOff, Origin: "n3"})
					errs <- err
				}()
			}
			<-entered
			if tc.wantMax == 2 {
				select {
				case <-entered:
				case <-time.After(10 * time.Second):
					t.Fatal("the second fencing never ran alongside the first")
				}
			} else {
				// The second must wait for the first: give it the
				// chance to run wrongly before releasing.
				select {
				case <-entered:
					t.Fatal("two actions ran on the device at once")
				case <-time.After(50 * time.Millisecond):
				}
			}
			close(release)
			for i := 0; i < 2; i++ {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			if max != tc.wantMax {
				t.Fatalf("at most %d at once, want %d", max, tc.wantMax)
			}
		})
	}
}

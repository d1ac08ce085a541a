package resources

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"pacer/agents"
)

// fakeRunner stands in for agents.ProcessRunner: it answers each request
// with rc from a table, can hold an op until the test releases it, and
// records what ran, in what order, and how many ops of one resource ran
// at once.
type fakeRunner struct {
	mu       sync.Mutex
	rc       map[string]int // by "instance action"; default 0
	result   map[string]fakeResult
	gates    map[string]chan struct{}
	meta     string // meta-data output; "" answers rc 3
	calls    []agents.Request
	running  map[string]int
	maxRun   map[string]int
	inFlight int
	maxAll   int
}

type fakeResult struct {
	res agents.Result
	err error
}

func newFakeRunner() *fakeRunner {
	return &fakeRunner{rc: map[string]int{}, result: map[string]fakeResult{}, gates: map[string]chan struct{}{},
		running: map[string]int{}, maxRun: map[string]int{}}
}

var _ agents.Runner = (*fakeRunner)(nil)

func (f *fakeRunner) setRC(instance, action string, rc int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rc[instance+" "+action] = rc
	delete(f.result, instance+" "+action)
}

func (f *fakeRunner) setResult(instance, action string, res agents.Result, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.result[instance+" "+action] = fakeResult{res, err}
}

// hold makes the next runs of instance's action wait for release.
func (f *fakeRunner) hold(instance, action string) (release func()) {
	ch := make(chan struct{})
	f.mu.Lock()
	f.gates[instance+" "+action] = ch
	f.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			f.mu.Lock()
			delete(f.gates, instance+" "+action)
			f.mu.Unlock()
			close(ch)
		})
	}
}

func (f *fakeRunner) Run(ctx context.Context, req agents.Request) (agents.Result, error) {
	key := req.Instance + " " + req.Action
	f.mu.Lock()
	f.calls = append(f.calls, req)
	f.running[req.Instance]++
	if f.running[req.Instance] > f.maxRun[req.Instance] {
		f.maxRun[req.Instance] = f.running[req.Instance]
	}
	f.inFlight++
	if f.inFlight > f.maxAll {
		f.maxAll = f.inFlight
	}
	gate := f.gates[key]
	rc, fixed, meta := f.rc[key], f.result[key], f.meta
	_, hasFixed := f.result[key]
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.running[req.Instance]--
		f.inFlight--
		f.mu.Unlock()
	}()
	if req.Action == "meta-data" {
		if meta == "" {
			return agents.Result{RC: 3}, nil
		}
		return agents.Result{Output: meta}, nil
	}
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return agents.Result{RC: 1, Cancelled: true}, ctx.Err()
		}
	}
	if hasFixed {
		return fixed.res, fixed.err
	}
	return agents.Result{RC: rc}, nil
}

// ran lists "instance action" of the runs so far, meta-data left out.
func (f *fakeRunner) ran(instance string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		if c.Action != "meta-data" && (instance == "" || c.Instance == instance) {
			out = append(out, c.Instance+" "+c.Action)
		}
	}
	return out
}

func (f *fakeRunner) count(instance, action string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if c.Instance == instance && c.Action == action {
			n++
		}
	}
	return n
}

func (f *fakeRunner) maxConcurrent(instance string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.maxRun[instance]
}

// waitFor polls cond until it holds. The deadline is generous and only
// turns a hang into a failure; no test asserts how long anything takes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// recorder collects reported results.
type recorder struct {
	mu   sync.Mutex
	recs []Record
}

func (r *recorder) add(rec Record) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, rec)
}

func (r *recorder) all() []Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Record(nil), r.recs...)
}

func (r *recorder) waitLen(t *testing.T, n int) []Record {
	t.Helper()
	waitFor(t, "reported results", func() bool { return len(r.all()) >= n })
	return r.all()
}

var errFake = errors.New("fake failure")

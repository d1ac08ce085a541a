package clock

import (
	"sort"
	"sync"
	"time"
)

// Fake is a manually advanced clock for tests and the simulator. Timers and
// tickers fire, in deadline order, only inside Advance/AdvanceTo.
type Fake struct {
	mu      sync.Mutex
	now     time.Time
	waiters []*fakeWaiter
	nextID  uint64
}

var _ Clock = (*Fake)(nil)

// NewFake returns a fake clock set to start.
func NewFake(start time.Time) *Fake { return &Fake{now: start} }

type fakeWaiter struct {
	id       uint64
	deadline time.Time
	period   time.Duration // >0 for tickers
	ch       chan time.Time
	fn       func()
	clock    *Fake
	active   bool
}

func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *Fake) Since(t time.Time) time.Duration { return f.Now().Sub(t) }

func (f *Fake) add(w *fakeWaiter) {
	f.nextID++
	w.id = f.nextID
	w.active = true
	f.waiters = append(f.waiters, w)
}

func (f *Fake) NewTimer(d time.Duration) Timer {
	f.mu.Lock()
	defer f.mu.Unlock()
	w := &fakeWaiter{deadline: f.now.Add(d), ch: make(chan time.Time, 1), clock: f}
	f.add(w)
	return (*fakeTimer)(w)
}

func (f *Fake) AfterFunc(d time.Duration, fn func()) Timer {
	f.mu.Lock()
	defer f.mu.Unlock()
	w := &fakeWaiter{deadline: f.now.Add(d), fn: fn, clock: f}
	f.add(w)
	return (*fakeTimer)(w)
}

func (f *Fake) NewTicker(d time.Duration) Ticker {
	if d <= 0 {
		panic("clock: non-positive ticker period") // same contract as time.NewTicker
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	w := &fakeWaiter{deadline: f.now.Add(d), period: d, ch: make(chan time.Time, 1), clock: f}
	f.add(w)
	return (*fakeTicker)(w)
}

// Advance moves the clock forward by d, firing every timer and ticker due on
// the way in deadline order.
func (f *Fake) Advance(d time.Duration) { f.AdvanceTo(f.Now().Add(d)) }

// AdvanceTo moves the clock to t (never backwards).
func (f *Fake) AdvanceTo(t time.Time) {
	for {
		f.mu.Lock()
		var due *fakeWaiter
		for _, w := range f.waiters {
			if w.active && !w.deadline.After(t) && (due == nil || w.deadline.Before(due.deadline) ||
				(w.deadline.Equal(due.deadline) && w.id < due.id)) {
				due = w
			}
		}
		if due == nil {
			if t.After(f.now) {
				f.now = t
			}
			f.compact()
			f.mu.Unlock()
			return
		}
		if due.deadline.After(f.now) {
			f.now = due.deadline
		}
		fireAt := f.now
		var fn func()
		if due.period > 0 {
			due.deadline = due.deadline.Add(due.period)
		} else {
			due.active = false
		}
		if due.fn != nil {
			fn = due.fn
		} else {
			select { // like time.Ticker: drop a tick nobody has read
			case due.ch <- fireAt:
			default:
			}
		}
		f.mu.Unlock()
		if fn != nil {
			fn()
		}
	}
}

// Pending reports how many timers and tickers are armed (for tests).
func (f *Fake) Pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, w := range f.waiters {
		if w.active {
			n++
		}
	}
	return n
}

// NextDeadline returns the earliest armed deadline, if any.
func (f *Fake) NextDeadline() (time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ds []time.Time
	for _, w := range f.waiters {
		if w.active {
			ds = append(ds, w.deadline)
		}
	}
	if len(ds) == 0 {
		return time.Time{}, false
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i].Before(ds[j]) })
	return ds[0], true
}

func (f *Fake) compact() {
	live := f.waiters[:0]
	for _, w := range f.waiters {
		if w.active {
			live = append(live, w)
		}
	}
	for i := len(live); i < len(f.waiters); i++ {
		f.waiters[i] = nil
	}
	f.waiters = live
}

func (w *fakeWaiter) stop() bool {
	w.clock.mu.Lock()
	defer w.clock.mu.Unlock()
	was := w.active
	w.active = false
	return was
}

func (w *fakeWaiter) reset(d time.Duration) bool {
	w.clock.mu.Lock()
	defer w.clock.mu.Unlock()
	was := w.active
	w.deadline = w.clock.now.Add(d)
	if w.period > 0 {
		w.period = d
	}
	if !w.active {
		w.active = true
		w.clock.waiters = append(w.clock.waiters, w)
	}
	return was
}

type fakeTimer fakeWaiter

func (t *fakeTimer) C() <-chan time.Time        { return t.ch }
func (t *fakeTimer) Stop() bool                 { return (*fakeWaiter)(t).stop() }
func (t *fakeTimer) Reset(d time.Duration) bool { return (*fakeWaiter)(t).reset(d) }

type fakeTicker fakeWaiter

func (t *fakeTicker) C() <-chan time.Time   { return t.ch }
func (t *fakeTicker) Stop()                 { (*fakeWaiter)(t).stop() }
func (t *fakeTicker) Reset(d time.Duration) { (*fakeWaiter)(t).reset(d) }

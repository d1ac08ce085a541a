package sim

import (
	"flag"
	"fmt"
	"maps"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"testing/cryptotest"
	"time"

	"go.uber.org/zap"
)

var (
	flagSeeds = flag.Int("sim.seeds", 300, "seeds to run (1..N, or from -sim.first)")
	flagFirst = flag.Uint64("sim.first", 1, "first seed")
	flagSeed  = flag.Uint64("sim.seed", 0, "run only this seed (a replay), with its trace")
	flagLog   = flag.Bool("sim.log", false, "print the nodes' logs (with -sim.seed)")
)

func TestMain(m *testing.M) {
	// Applying a config entry parses the CIB, and a cibxml reader
	// allocates a 768 KiB string table per read: at the default GOGC the
	// collector runs all the time and a seed takes three times as long.
	debug.SetGCPercent(400)
	os.Exit(m.Run())
}

// runSeed runs one seed with crypto/rand (raft's election jitter) set to
// it, so the seed alone decides the run.
func runSeed(t *testing.T, o Options) Result {
	cryptotest.SetGlobalRandom(t, o.Seed)
	return Run(o)
}

// TestSim runs -sim.seeds seeds (300 by default; `make sim SEEDS=N`) and
// prints a summary; a failing seed prints how to replay it.
func TestSim(t *testing.T) {
	seeds := make([]uint64, 0, *flagSeeds)
	switch {
	case *flagSeed != 0:
		seeds = append(seeds, *flagSeed)
	case testing.Short():
		for i := range min(*flagSeeds, 30) {
			seeds = append(seeds, *flagFirst+uint64(i))
		}
	default:
		for i := range *flagSeeds {
			seeds = append(seeds, *flagFirst+uint64(i))
		}
	}
	start := time.Now()
	var steps uint64
	var elections, committed, cfgAcked, stAcked, maxLive, snaps int
	faults := map[string]uint64{}
	shapes := map[string]int{}
	failed := 0
	for _, seed := range seeds {
		o := Options{Seed: seed}
		if *flagLog && *flagSeed != 0 {
			lg, _ := zap.NewDevelopment()
			o.Log = lg
		}
		r := runSeed(t, o)
		steps += r.Steps
		elections += r.Elections
		committed += r.Committed
		cfgAcked += r.ConfigAcked
		stAcked += r.StatusAcked
		snaps += r.Snapshots
		maxLive = max(maxLive, r.MaxLiveTicks)
		shapes[fmt.Sprintf("%dv+%dl", r.Voters, r.Learners)]++
		for k, v := range r.Faults {
			faults[k] += v
		}
		if *flagSeed != 0 {
			t.Logf("seed %d: %d voters, %d steps, trace %016x, %d elections, %d committed, %d config and %d status writes acknowledged",
				seed, r.Voters, r.Steps, r.Trace, r.Elections, r.Committed, r.ConfigAcked, r.StatusAcked)
		}
		if len(r.Violations) > 0 {
			failed++
			t.Errorf("seed %d (%d voters) violated:\n  %s\nreplay: make sim SEED=%d   (go test ./test/sim -run 'TestSim$' -v -sim.seed=%d [-sim.log])",
				seed, r.Voters, strings.Join(r.Violations, "\n  "), seed, seed)
		}
	}
	var fs []string
	for _, k := range slices.Sorted(maps.Keys(faults)) {
		fs = append(fs, fmt.Sprintf("%s=%d", k, faults[k]))
	}
	var sh []string
	for _, k := range slices.Sorted(maps.Keys(shapes)) {
		sh = append(sh, fmt.Sprintf("%s=%d", k, shapes[k]))
	}
	summary := fmt.Sprintf("sim: seeds=%d (%s) steps=%d elections=%d committed=%d config-acked=%d status-acked=%d snapshots-sent=%d max-live-ticks=%d violations=%d wall=%s\nsim: faults %s",
		len(seeds), strings.Join(sh, " "), steps, elections, committed, cfgAcked, stAcked, snaps, maxLive, failed, time.Since(start).Round(time.Millisecond), strings.Join(fs, " "))
	t.Log(summary)
	fmt.Println(summary)
}

// TestReplay: one seed run twice gives the same trace, event for event.
func TestReplay(t *testing.T) {
	for _, seed := range []uint64{7, 42} {
		a := runSeed(t, Options{Seed: seed})
		b := runSeed(t, Options{Seed: seed})
		if a.Trace != b.Trace || a.Steps != b.Steps {
			t.Fatalf("seed %d: trace %016x (%d steps), then %016x (%d steps)", seed, a.Trace, a.Steps, b.Trace, b.Steps)
		}
		c := runSeed(t, Options{Seed: seed + 1})
		if c.Trace == a.Trace {
			t.Fatalf("seeds %d and %d gave the same trace", seed, seed+1)
		}
	}
}

// TestCatchesSendBeforeSync: with persist-before-send broken, crashes lose
// writes a node had already acknowledged; the checker must notice within a
// few seeds, or it could not catch the real bug either.
// Raft itself often notices first (it panics on a log that lost entries it
// was told were there), so the test asks for one the checker found.
func TestCatchesSendBeforeSync(t *testing.T) {
	panics := 0
	for seed := uint64(1); seed <= 100; seed++ {
		r := runSeed(t, Options{Seed: seed, SendBeforeSync: true})
		if len(r.Violations) == 0 {
			continue
		}
		if strings.Contains(r.Violations[0], "panicked") {
			panics++
			continue
		}
		t.Logf("seed %d: %s (%d seeds before: raft panicked)", seed, r.Violations[0], panics)
		return
	}
	t.Fatalf("100 seeds with persist-before-send broken: the checker found nothing (raft panicked in %d)", panics)
}

// TestCatchesDuplicateDelivery: a transport that delivers a message twice
// (store.Transport forbids it; the heartbeat mux's replay window prevents
// it) makes raft commit a duplicated proposal twice, so a status update
// counts twice. The checker must see it.
func TestCatchesDuplicateDelivery(t *testing.T) {
	for seed := uint64(1); seed <= 100; seed++ {
		r := runSeed(t, Options{Seed: seed, NoReplayCheck: true})
		for _, v := range r.Violations {
			if strings.Contains(v, "committed twice") {
				t.Logf("seed %d: %s", seed, v)
				return
			}
		}
	}
	t.Fatal("100 seeds delivering duplicates: no proposal committed twice")
}

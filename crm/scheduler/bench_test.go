package scheduler_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"pacer/crm/cib/cibxml"
	"pacer/crm/scheduler"
)

// BenchmarkSchedule runs the scheduler alone (no XML parsing, no output) on
// CIBs from ../shared/tools/gen-cib.py. PACER_BENCH_CIB=FILE benchmarks one
// given CIB instead (make bench-scheduler compares whole runs with
// crm_simulate; this is for profiling).
func BenchmarkSchedule(b *testing.B) {
	files := map[string]string{}
	if f := os.Getenv("PACER_BENCH_CIB"); f != "" {
		files[filepath.Base(f)] = f
	} else {
		gen := filepath.Join("..", "..", "..", "shared", "tools", "gen-cib.py")
		if _, err := os.Stat(gen); err != nil {
			b.Skipf("gen-cib.py not found beside the checkout: %v", err)
		}
		for _, size := range []struct{ name, n, r string }{{"2x50", "2", "50"}, {"16x500", "16", "500"}} {
			out := filepath.Join(b.TempDir(), size.name+".xml")
			if msg, err := exec.Command("python3", gen, "-n", size.n, "-r", size.r, "--seed", "1", "-o", out).CombinedOutput(); err != nil {
				b.Fatalf("gen-cib %s: %v\n%s", size.name, err, msg)
			}
			files[size.name] = out
		}
	}
	for name, path := range files {
		b.Run(name, func(b *testing.B) {
			f, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			c, err := cibxml.Read(f, path)
			f.Close()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := scheduler.Schedule(scheduler.Input{CIB: c}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package simout_test

import (
	"bytes"
	"encoding/csv"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pacer/crm/cib/cibxml"
	"pacer/crm/scheduler"
	"pacer/crm/scheduler/simout"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files of the explanation tests")

// TestExplanationGolden checks `pacer simulate -s` with its placement
// explanations against golden files: locations, stickiness and a
// colocation; an opt-in cluster with a group, a rule and a fail count
// at migration-threshold; a clone with a colocation and clone-max.
func TestExplanationGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/explain/*.xml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			c, err := cibxml.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := scheduler.Schedule(scheduler.Input{CIB: c, Explain: true})
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := simout.Write(&b, tr, simout.Options{Scores: true, Explain: true}); err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(f, ".xml") + ".golden"
			if *updateGolden {
				if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if b.String() != string(want) {
				t.Errorf("output differs from %s:\n%s", golden, b.String())
			}
		})
	}
}

// TestExplanationsEndAtPrintedScore checks, on every conformance case,
// that each explanation's chain of steps ends at the score printed for
// it, so that no step that changed a score went unrecorded, and that
// scheduling with explanations changes nothing else.
func TestExplanationsEndAtPrintedScore(t *testing.T) {
	dir := corpusDir(t)
	f, err := os.Open(filepath.Join(dir, "index.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	cases, bad := 0, 0
	for _, row := range rows[1:] {
		c, err := cibxml.ReadFile(filepath.Join(dir, "xml", row[0]+".xml"))
		if err != nil {
			continue
		}
		plain, err := scheduler.Schedule(scheduler.Input{CIB: c, Now: corpusNow(c)})
		if err != nil {
			continue
		}
		c2, _ := cibxml.ReadFile(filepath.Join(dir, "xml", row[0]+".xml"))
		tr, err := scheduler.Schedule(scheduler.Input{CIB: c2, Now: corpusNow(c2), Explain: true})
		if err != nil {
			t.Fatalf("%s: %v", row[0], err)
		}
		cases++
		var p1, p2 bytes.Buffer
		_ = simout.Write(&p1, plain, simout.Options{Simulate: true, Scores: true})
		_ = simout.Write(&p2, tr, simout.Options{Simulate: true, Scores: true})
		if p1.String() != p2.String() {
			t.Errorf("%s: scheduling with explanations changed the output", row[0])
		}
		for _, e := range tr.Explanations() {
			last, ok := e.Start, e.StartAllowed
			if n := len(e.Steps); n > 0 {
				last, ok = e.Steps[n-1].After, e.Steps[n-1].Allowed
			}
			if !ok || last != e.Score {
				bad++
				if bad <= 10 {
					t.Errorf("%s: %s", row[0], strings.TrimSpace(e.String()))
				}
			}
		}
	}
	t.Logf("%d cases, %d explanations not ending at their score", cases, bad)
}

package simout_test

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pacer/crm/cib"
	"pacer/crm/cib/cibxml"
	"pacer/crm/scheduler"
	"pacer/crm/scheduler/simout"
)

// tier1Floor is the number of tier-1 conformance cases known to pass; the
// test fails if fewer do. Raise it as the scheduler improves.
const tier1Floor = 87

// tier2Floor is the same for tier 2 (clones, failures, fencing, ...).
const tier2Floor = 213

func corpusDir(t *testing.T) string {
	dir := filepath.Join("..", "..", "..", "..", "shared", "conformance", "pcmk-scheduler")
	if _, err := os.Stat(filepath.Join(dir, "index.csv")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("conformance corpus missing at %s", dir)
		}
		t.Skipf("conformance corpus not found at %s", dir)
	}
	return dir
}

// normalise drops all whitespace and blank lines, as
// diff --ignore-all-space --ignore-blank-lines compares.
func normalise(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.Join(strings.Fields(l), "")
		if l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func runCase(dir, name string) (string, error) {
	c, err := cibxml.ReadFile(filepath.Join(dir, "xml", name+".xml"))
	if err != nil {
		return "", err
	}
	tr, err := scheduler.Schedule(scheduler.Input{CIB: c, Now: corpusNow(c)})
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := simout.Write(&b, tr, simout.Options{Simulate: true}); err != nil {
		return "", err
	}
	return b.String(), nil
}

func TestConformanceTier1(t *testing.T) { conformanceTier(t, "1", tier1Floor) }

func TestConformanceTier2(t *testing.T) { conformanceTier(t, "2", tier2Floor) }

func conformanceTier(t *testing.T, want string, floor int) {
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
	out := os.Getenv("PACER_CONFORMANCE_OUT")
	pass, total := 0, 0
	var failed []string
	for _, row := range rows[1:] {
		name, tier := row[0], row[2]
		if tier != want && (want != "1" || os.Getenv("PACER_CONFORMANCE_ALL") == "") {
			continue
		}
		total++
		want, err := os.ReadFile(filepath.Join(dir, "summary", name+".summary"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := runCase(dir, name)
		if err == nil && normalise(got) == normalise(string(want)) {
			pass++
			continue
		}
		failed = append(failed, name)
		if out != "" {
			if err != nil {
				got = "error: " + err.Error() + "\n"
			}
			_ = os.MkdirAll(out, 0o755)
			_ = os.WriteFile(filepath.Join(out, name+".got"), []byte(got), 0o644)
		}
	}
	t.Logf("conformance: %d of %d cases pass", pass, total)
	t.Logf("failing: %s", strings.Join(failed, " "))
	if pass < floor {
		t.Fatalf("conformance regressed: %d pass, floor is %d", pass, floor)
	}
}

// corpusNow is what crm_simulate (and pacer simulate) take as "now": the
// CIB's execution-date when it has one, else the wall clock, which for
// the corpus is long after every recorded failure.
func corpusNow(c *cib.CIB) time.Time {
	if c.ExecutionDate != "" {
		return time.Time{} // the scheduler reads execution-date itself
	}
	return time.Now().UTC()
}

package simout_test

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"pacer/crm/cib/cibxml"
	"pacer/crm/scheduler"
)

func scoreLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.Join(strings.Fields(l), "")
		if strings.Contains(l, "allocationscoreon") {
			out = append(out, l)
		}
	}
	sort.Strings(out)
	return out
}

// TestScoresTier1 reports how many tier-1 cases' allocation scores match
// upstream's .scores files (sorted, whitespace ignored).
func TestScoresTier1(t *testing.T) {
	dir := corpusDir(t)
	f, err := os.Open(filepath.Join(dir, "index.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := csv.NewReader(f).ReadAll()
	match, total := 0, 0
	for _, row := range rows[1:] {
		if row[2] != "1" {
			continue
		}
		total++
		want, err := os.ReadFile(filepath.Join(dir, "scores", row[0]+".scores"))
		if err != nil {
			continue
		}
		c, err := cibxml.ReadFile(filepath.Join(dir, "xml", row[0]+".xml"))
		if err != nil {
			continue
		}
		tr, err := scheduler.Schedule(scheduler.Input{CIB: c})
		if err != nil {
			continue
		}
		var got []string
		for _, s := range tr.Scores {
			got = append(got, s.Stage+": "+s.Rsc+" allocation score on "+s.Node+": "+s.Score.String())
		}
		if strings.Join(scoreLines(strings.Join(got, "\n")), "\n") == strings.Join(scoreLines(string(want)), "\n") {
			match++
		}
	}
	t.Logf("scores: %d of %d tier-1 cases match", match, total)
}

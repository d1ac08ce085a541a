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

// tier1ScoresFloor is the number of tier-1 cases whose allocation scores
// matched upstream's when it was last raised; like tier1Floor it only goes
// up.
const tier1ScoresFloor = 87

// TestScoresTier1 checks how many tier-1 cases' allocation scores match
// upstream's .scores files (sorted, whitespace ignored) and fails if the
// count drops below tier1ScoresFloor.
func TestScoresTier1(t *testing.T) {
	dir := corpusDir(t)
	f, err := os.Open(filepath.Join(dir, "index.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("index.csv: %v", err)
	}
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
		tr, err := scheduler.Schedule(scheduler.Input{CIB: c, Now: corpusNow(c)})
		if err != nil {
			continue
		}
		var got []string
		for _, s := range tr.Scores() {
			if s.Stage == "promotion" {
				got = append(got, s.Rsc+" promotion score on "+s.Node+": "+s.Score.String())
				continue
			}
			got = append(got, s.Stage+": "+s.Rsc+" allocation score on "+s.Node+": "+s.Score.String())
		}
		if strings.Join(scoreLines(strings.Join(got, "\n")), "\n") == strings.Join(scoreLines(string(want)), "\n") {
			match++
		}
	}
	t.Logf("scores: %d of %d tier-1 cases match", match, total)
	if match < tier1ScoresFloor {
		t.Errorf("tier-1 scores match in %d cases, below the floor of %d", match, tier1ScoresFloor)
	}
}

package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"pacer/crm/cib"
)

// conformanceDir is the shared Pacemaker scheduler corpus.
func conformanceDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "conformance", "pcmk-scheduler")
	if _, err := os.Stat(filepath.Join(dir, "index.csv")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("conformance corpus missing at %s", dir)
		}
		t.Skipf("conformance corpus not found at %s", dir)
	}
	return dir
}

var (
	simScoreLine = regexp.MustCompile(`^pcmk__primitive_assign: (\S+) allocation score on (\S+): (\S+)$`)
	explainInst  = regexp.MustCompile(`^(\S+): (running|stopped)`)
	explainRow   = regexp.MustCompile(`^  ([^\s*]\S*)\s+(\S+)\s+\S`)
)

// explainScores parses pacer explain's per-node table: instance -> node -> score.
func explainScores(out string) map[string]string {
	got := map[string]string{}
	inst := ""
	for _, l := range strings.Split(out, "\n") {
		if m := explainInst.FindStringSubmatch(l); m != nil {
			inst = m[1]
			continue
		}
		if m := explainRow.FindStringSubmatch(l); m != nil && inst != "" {
			got[inst+" on "+m[1]] = m[2]
		}
	}
	return got
}

// On the clone and constraint cases of the conformance set, the score pacer
// explain gives each instance on each node is the score pacer simulate -s
// prints (its last pcmk__primitive_assign line for that instance and node),
// and every printed score is explained.
func TestExplainMatchesSimulateScores(t *testing.T) {
	dir := conformanceDir(t)
	f, err := os.Open(filepath.Join(dir, "index.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	classes := map[string]bool{"clone": true, "colocation": true, "location": true, "order": true, "resource-sets": true}
	now := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	cases, compared := 0, 0
	for _, row := range rows[1:] {
		name, class := row[0], row[3]
		if !classes[class] {
			continue
		}
		cases++
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, "xml", name+".xml")
			var sim bytes.Buffer
			if err := runSimulate(path, simulateOptions{scores: true, now: now}, nil, &sim); err != nil {
				t.Fatalf("simulate -s: %v", err)
			}
			want := map[string]string{}
			for _, l := range strings.Split(sim.String(), "\n") {
				if m := simScoreLine.FindStringSubmatch(l); m != nil {
					want[m[1]+" on "+m[2]] = m[3]
				}
			}
			c, err := readCIBFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, r := range c.Configuration.Resources {
				var out bytes.Buffer
				src := &schedCIB{CIB: mustRead(t, path), Source: path, Now: now}
				if c.ExecutionDate != "" {
					src.Now = time.Time{}
				}
				if err := writeExplain(&out, src, r.ID, false); err != nil {
					t.Fatalf("explain %s: %v", r.ID, err)
				}
				text := explainScores(out.String())
				for k, v := range text {
					if old, dup := got[k]; dup && old != v {
						t.Errorf("%s explained twice, %s and %s", k, old, v)
					}
					got[k] = v
				}
				// --json gives the same scores.
				var js bytes.Buffer
				src = &schedCIB{CIB: mustRead(t, path), Source: path, Now: src.Now}
				if err := writeExplain(&js, src, r.ID, true); err != nil {
					t.Fatalf("explain --json %s: %v", r.ID, err)
				}
				var x Explanation
				if err := json.Unmarshal(js.Bytes(), &x); err != nil || x.Schema != "pacer-explain/1" {
					t.Fatalf("explain --json %s: %v %s", r.ID, err, js.String())
				}
				n := 0
				for _, inst := range x.Instances {
					for _, nd := range inst.Nodes {
						n++
						if text[inst.ID+" on "+nd.Node] != nd.Score {
							t.Errorf("--json: %s on %s: %s, the text says %s", inst.ID, nd.Node, nd.Score, text[inst.ID+" on "+nd.Node])
						}
						if len(nd.Steps) > 0 && nd.Steps[len(nd.Steps)-1].Score != nd.Score {
							t.Errorf("--json: %s on %s: the steps end at %s, not at the score %s", inst.ID, nd.Node, nd.Steps[len(nd.Steps)-1].Score, nd.Score)
						}
					}
				}
				if n != len(text) {
					t.Errorf("--json has %d scores, the text %d", n, len(text))
				}
			}
			configured := map[string]bool{}
			for _, id := range resourceIDs(c.Configuration.Resources) {
				configured[id] = true
			}
			for k, v := range want {
				rsc := k[:strings.Index(k, " on ")]
				if !belongs(rsc, configured) {
					continue // an orphan: not in the configuration, nothing to ask explain about
				}
				compared++
				if got[k] != v {
					t.Errorf("%s: simulate -s prints %s, explain says %q", k, v, got[k])
				}
			}
			for k, v := range got {
				if _, ok := want[k]; !ok {
					t.Errorf("explain scores %s (%s), simulate -s prints no such score", k, v)
				}
			}
		})
	}
	if cases < 100 {
		t.Errorf("only %d clone and constraint cases found", cases)
	}
	t.Logf("%d cases, %d scores compared", cases, compared)
}

func mustRead(t *testing.T, path string) *cib.CIB {
	t.Helper()
	c, err := readCIBFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

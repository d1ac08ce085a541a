package scheduler

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"pacer/crm/cib/cibxml"
)

// TestDigestsCorpus recomputes the op-digest, op-restart-digest and
// op-secure-digest of every recorded operation of a configured primitive
// in the conformance corpus and reports how many equal the recorded ones
// (a digest differs only where the case changed the definition).
func TestDigestsCorpus(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "conformance", "pcmk-scheduler", "xml")
	files, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
	if len(files) == 0 {
		t.Skip("corpus not found")
	}
	var total, match, rtotal, rmatch, stotal, smatch int
	var bad []string
	for _, f := range files {
		c, err := cibxml.ReadFile(f)
		if err != nil {
			continue
		}
		ws, err := unpack(c, time.Unix(0, 0), false)
		if err != nil {
			continue
		}
		for _, st := range c.Status.Nodes {
			n := ws.byNodeID[st.ID]
			if n == nil {
				n = ws.byNodeName[st.Uname]
			}
			if n == nil || st.LRM == nil {
				continue
			}
			for _, lr := range st.LRM.Resources {
				r := ws.all[lr.ID]
				if r == nil || r.orphan || r.isGroup() {
					continue
				}
				for k := range lr.Ops {
					o := &lr.Ops[k]
					if o.OpDigest == "" {
						continue
					}
					iv, _ := strconv.ParseInt(o.Interval, 10, 64)
					task := o.Operation
					if iv == 0 && (task == "monitor" || task == "migrate_from" || task == "promote") {
						task = "start"
					}
					d := ws.computeDigests(r, n, task, iv, o)
					total++
					if d.all == o.OpDigest {
						match++
					} else {
						bad = append(bad, filepath.Base(f)+" "+o.ID)
					}
					if o.OpRestartDigest != "" {
						rtotal++
						if d.restart == o.OpRestartDigest {
							rmatch++
						}
					}
					if o.OpSecureDigest != "" {
						stotal++
						if d.secure == o.OpSecureDigest {
							smatch++
						}
					}
				}
			}
		}
	}
	t.Logf("op-digest: %d of %d match; op-restart-digest: %d of %d; op-secure-digest: %d of %d", match, total, rmatch, rtotal, smatch, stotal)
	// The rest differ because the cases changed the definition (or
	// masked passwords) after the operation ran.
	if match < 1620 || rmatch < 389 || smatch < 134 {
		t.Errorf("digest matches fell below 1620/389/134")
	}
	if os.Getenv("DIGEST_VERBOSE") != "" {
		t.Log(strings.Join(bad, "\n"))
	}
}

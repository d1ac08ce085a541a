package crmsh

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"pacer/crm/cib"
	"pacer/crm/cib/cibxml"
)

// corpusDir is Pacemaker's scheduler regression corpus, shared beside the
// repository.
const corpusDir = "../../../../shared/conformance/pcmk-scheduler/xml"

// cmpModel compares configurations the way the round trip promises:
// everything but where things were read from.
var cmpModel = []cmp.Option{cmpopts.IgnoreTypes(cib.Pos{}), cmpopts.EquateEmpty()}

// roundTrip prints c, parses the text back and reports any difference.
func roundTrip(t *testing.T, name string, c *cib.Configuration) (string, bool) {
	t.Helper()
	var b bytes.Buffer
	if err := Print(&b, c); err != nil {
		t.Errorf("%s: print: %v", name, err)
		return "", false
	}
	c2, err := ParseConfiguration(b.Bytes(), name+".crm")
	if err != nil {
		t.Errorf("%s: parse printed text: %v\n%s", name, err, b.String())
		return b.String(), false
	}
	if d := cmp.Diff(c, c2, cmpModel...); d != "" {
		t.Errorf("%s: configuration changed in the round trip (-before +after):\n%s", name, d)
		return b.String(), false
	}
	return b.String(), true
}

// TestCorpusRoundTrip prints every CIB of Pacemaker's scheduler corpus in
// crm syntax, parses it back and requires the same configuration.
func TestCorpusRoundTrip(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.xml"))
	if len(files) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("corpus not found at %s", corpusDir)
		}
		t.Skipf("corpus not found at %s", corpusDir)
	}
	ok := 0
	for _, f := range files {
		name := filepath.Base(f)
		c, err := cibxml.ReadFile(f)
		if err != nil {
			t.Errorf("%s: read: %v", name, err)
			continue
		}
		if _, good := roundTrip(t, name, &c.Configuration); good {
			ok++
		}
	}
	t.Logf("crm syntax round trip: %d/%d CIBs", ok, len(files))
}

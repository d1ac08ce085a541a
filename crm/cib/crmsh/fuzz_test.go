package crmsh

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzParse feeds arbitrary text to the parser. It must never panic, and
// whatever it accepts must print and parse back to the same configuration.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.crm")
	for _, name := range files {
		if src, err := os.ReadFile(name); err == nil {
			f.Add(src)
		}
	}
	for _, tc := range parseErrorCases {
		f.Add([]byte(tc.src))
	}
	// The printed awkward models: text full of pacer's $-words.
	for _, c := range awkwardModels() {
		var b bytes.Buffer
		if err := Print(&b, c); err == nil {
			f.Add(b.Bytes())
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		c, err := ParseConfiguration(src, "fuzz.crm")
		if err != nil {
			return
		}
		var b bytes.Buffer
		if err := Print(&b, c); err != nil {
			t.Fatalf("accepted text does not print: %v\n%s", err, src)
		}
		c2, err := ParseConfiguration(b.Bytes(), "printed.crm")
		if err != nil {
			t.Fatalf("printed text does not parse: %v\ninput:\n%s\nprinted:\n%s", err, src, b.String())
		}
		if d := cmp.Diff(c, c2, cmpModel...); d != "" {
			t.Fatalf("round trip changed the configuration (-before +after):\n%s\ninput:\n%s\nprinted:\n%s", d, src, b.String())
		}
	})
}

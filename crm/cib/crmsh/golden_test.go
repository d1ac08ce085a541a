package crmsh

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGolden parses each testdata/*.crm, prints it and compares the text
// with testdata/*.golden (go test -update rewrites them; read the diff).
// The printed text must parse back to the same configuration.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.crm")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".crm")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			c, err := ParseConfiguration(src, f)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			var b bytes.Buffer
			if err := Print(&b, c); err != nil {
				t.Fatalf("print: %v", err)
			}
			golden := strings.TrimSuffix(f, ".crm") + ".golden"
			if *update {
				if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if d := cmp.Diff(string(want), b.String()); d != "" {
				t.Errorf("printed text differs from %s (-want +got):\n%s", golden, d)
			}
			c2, err := ParseConfiguration(b.Bytes(), golden)
			if err != nil {
				t.Fatalf("parse printed text: %v", err)
			}
			if d := cmp.Diff(c, c2, cmpModel...); d != "" {
				t.Errorf("round trip changed the configuration (-before +after):\n%s", d)
			}
		})
	}
}

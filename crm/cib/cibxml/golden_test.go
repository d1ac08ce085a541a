package cibxml

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestGolden writes the hand-written CIBs in testdata/ and compares the
// result, and the upgrade's report, with testdata/NAME.golden.xml and
// NAME.changes. Run with -update and read the diff.
func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "*.xml"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, in := range inputs {
		if strings.HasSuffix(in, ".golden.xml") {
			continue
		}
		n++
		base := strings.TrimSuffix(in, ".xml")
		t.Run(filepath.Base(base), func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			c, changes, err := ReadOptions(bytes.NewReader(src), in, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := Write(&out, c); err != nil {
				t.Fatal(err)
			}
			var report strings.Builder
			for _, ch := range changes {
				report.WriteString(ch.String())
				report.WriteByte('\n')
			}
			golden(t, base+".golden.xml", out.Bytes())
			golden(t, base+".changes", []byte(report.String()))

			// The output is a fixed point: reading and writing it again
			// changes nothing, upgrade included.
			c2, changes2, err := ReadOptions(bytes.NewReader(out.Bytes()), base+".golden.xml", Options{})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(c, c2, ignorePos); d != "" {
				t.Errorf("re-read model differs:\n%s", d)
			}
			for _, ch := range changes2 {
				if strings.Contains(ch.Msg, " moved ") || strings.Contains(ch.Msg, " renamed ") || strings.Contains(ch.Msg, " is now ") {
					t.Errorf("upgrade not idempotent: %s", ch)
				}
			}
			var again bytes.Buffer
			if err := Write(&again, c2); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(out.String(), again.String()); d != "" {
				t.Errorf("second write differs:\n%s", d)
			}
		})
	}
	if n == 0 {
		t.Fatal("no inputs in testdata/")
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, d)
	}
}

package cibxml

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzRead: Read never panics, and whatever it accepts Write prints and
// Read reads back to an equal model, with and without the upgrade.
func FuzzRead(f *testing.F) {
	for _, tc := range readErrorCases {
		f.Add([]byte(tc.doc))
	}
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.xml"))
	// The smallest corpus CIBs, when the corpus is there; a fuzz run
	// without it still has the hand-written seeds.
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.xml"))
	sort.Slice(files, func(i, j int) bool { return size(files[i]) < size(files[j]) })
	if len(files) > 25 {
		files = files[:25]
	}
	for _, p := range append(seeds, files...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		for _, raw := range []bool{true, false} {
			c1, _, err := ReadOptions(bytes.NewReader(doc), "fuzz.xml", Options{Raw: raw})
			if err != nil {
				if c1 != nil {
					t.Fatalf("model returned with error %v", err)
				}
				return
			}
			var out bytes.Buffer
			if err := Write(&out, c1); err != nil {
				t.Fatalf("Read accepted it but Write refuses: %v", err)
			}
			c2, _, err := ReadOptions(bytes.NewReader(out.Bytes()), "written.xml", Options{Raw: raw})
			if err != nil {
				t.Fatalf("cannot re-read the output: %v\n%s", err, out.Bytes())
			}
			if d := cmp.Diff(c1, c2, ignorePos); d != "" {
				t.Fatalf("model changed by write+read (raw=%v):\n%s\noutput:\n%s", raw, d, out.Bytes())
			}
		}
	})
}

func size(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

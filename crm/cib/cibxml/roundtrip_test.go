package cibxml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"pacer/crm/cib"
)

// The scheduler corpus sits beside the repository: /work/main and
// /work/shared here, a clone with shared/ beside it in CI.
var corpusDir = filepath.Join("..", "..", "..", "..", "shared", "conformance", "pcmk-scheduler", "xml")

func corpus(t testing.TB) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.xml"))
	if len(files) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("scheduler corpus not found at %s", corpusDir)
		}
		t.Skipf("scheduler corpus not found at %s (clone shared/ beside the repository)", corpusDir)
	}
	return files
}

var ignorePos = cmpopts.IgnoreTypes(cib.Pos{})

// TestCorpusRoundTrip reads every CIB of the corpus, writes it and reads
// it back: the models must be equal (positions aside), and every element,
// attribute and value of the input must be in the output.
func TestCorpusRoundTrip(t *testing.T) {
	files := corpus(t)
	passed, upgraded := 0, 0
	for _, path := range files {
		name := filepath.Base(path)
		ok := t.Run(strings.TrimSuffix(name, ".xml"), func(t *testing.T) {
			in, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, raw := range []bool{true, false} {
				c1, changes, err := ReadOptions(bytes.NewReader(in), name, Options{Raw: raw})
				if err != nil {
					t.Fatalf("read (raw=%v): %v", raw, err)
				}
				var out bytes.Buffer
				if err := Write(&out, c1); err != nil {
					t.Fatalf("write: %v", err)
				}
				c2, _, err := ReadOptions(bytes.NewReader(out.Bytes()), name+" (written)", Options{Raw: raw})
				if err != nil {
					t.Fatalf("re-read (raw=%v): %v\n%s", raw, err, out.Bytes())
				}
				if d := cmp.Diff(c1, c2, ignorePos); d != "" {
					t.Fatalf("model changed by write+read (raw=%v) (-first +second):\n%s", raw, d)
				}
				if !raw && len(changes) > 0 {
					// The upgrade edits the document on purpose; the
					// upgrade tests cover what it does.
					upgraded++
					continue
				}
				if missing, extra := diffItems(t, in, out.Bytes()); len(missing)+len(extra) > 0 {
					t.Fatalf("output differs from input (raw=%v):\nmissing from output:\n  %s\nnot in input:\n  %s",
						raw, strings.Join(missing, "\n  "), strings.Join(extra, "\n  "))
				}
			}
		})
		if ok {
			passed++
		}
	}
	t.Logf("round trip: %d/%d corpus CIBs; %d changed by the upgrade", passed, len(files), upgraded)
}

// items is a canonical multiset of a document: one entry per element
// (its path, ancestors named with their ids) and one per attribute
// (path, name, value), plus non-blank text. Order, whitespace, comments and
// attribute order do not count.
func items(t testing.TB, doc []byte) map[string]int {
	t.Helper()
	m := map[string]int{}
	d := xml.NewDecoder(bytes.NewReader(doc))
	var path []string
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return m
		}
		if err != nil {
			t.Fatalf("canonical form: %v", err)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			seg := qname(tk.Name)
			for _, a := range tk.Attr {
				if a.Name.Local == "id" && a.Name.Space == "" {
					seg += "[" + a.Value + "]"
				}
			}
			path = append(path, seg)
			p := strings.Join(path, "/")
			m[p]++
			for _, a := range tk.Attr {
				m[p+" @"+qname(a.Name)+"="+a.Value]++
			}
		case xml.EndElement:
			path = path[:len(path)-1]
		case xml.CharData:
			if s := strings.TrimSpace(string(tk)); s != "" {
				m[strings.Join(path, "/")+" #text="+s]++
			}
		}
	}
}

func diffItems(t testing.TB, in, out []byte) (missing, extra []string) {
	a, b := items(t, in), items(t, out)
	for k, n := range a {
		if b[k] < n {
			missing = append(missing, k)
		}
	}
	for k, n := range b {
		if a[k] < n {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	return missing, extra
}

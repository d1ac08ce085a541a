package cibxml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

// readFast reads doc on the scanner alone (no fallback), through a window
// of the given size (0: the default) and src (nil: all at once).
func readFast[T any](doc []byte, window int, wrap func(io.Reader) io.Reader, read func(*reader) (T, error)) (T, error) {
	var in io.Reader = bytes.NewReader(doc)
	if wrap != nil {
		in = wrap(in)
	}
	rd := newReader("x.xml", Options{})
	rd.s = newScanner(in, window)
	return read(rd)
}

// readSlow reads doc on encoding/xml alone, as the reader did before it
// had a scanner.
func readSlow[T any](doc []byte, read func(*reader) (T, error)) (T, error) {
	rd := newReader("x.xml", Options{})
	rd.d = newDecoder(bytes.NewReader(doc))
	return read(rd)
}

// sameAsSlow: when the scanner reads doc, it gives the model the
// encoding/xml path gives, positions included. It reports whether the
// scanner read it.
func sameAsSlow(t *testing.T, doc []byte, window int, wrap func(io.Reader) io.Reader) bool {
	t.Helper()
	fast, err := readFast(doc, window, wrap, (*reader).document)
	if err != nil {
		if !errors.Is(err, errFallback) {
			t.Fatalf("scanner path returned %v, want errFallback", err)
		}
		return false
	}
	slow, err := readSlow(doc, (*reader).document)
	if err != nil {
		t.Fatalf("scanner read it, encoding/xml says: %v", err)
	}
	if d := cmp.Diff(slow, fast); d != "" {
		t.Fatalf("scanner and encoding/xml differ (-xml +scanner):\n%s", d)
	}
	return true
}

// TestScannerCorpus: the scanner reads every corpus CIB without DOCTYPE
// or CDATA, to the same model, positions included.
func TestScannerCorpus(t *testing.T) {
	files := corpus(t)
	inputs, _ := filepath.Glob(filepath.Join("testdata", "*.xml"))
	files = append(files, inputs...)
	fast := 0
	for _, path := range files {
		doc, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
			unusual := bytes.Contains(doc, []byte("<!DOCTYPE")) || bytes.Contains(doc, []byte("<![CDATA[")) ||
				bytes.Contains(bytes.ToLower(doc[:min(len(doc), 100)]), []byte("iso-8859"))
			if sameAsSlow(t, doc, 0, nil) {
				fast++
			} else if !unusual {
				t.Errorf("scanner gave up on %s", path)
			}
			// A small window and a reader that returns little at a time
			// exercise refilling.
			if len(doc) < 20000 {
				sameAsSlow(t, doc, 7, iotest.HalfReader)
				sameAsSlow(t, doc, 1, iotest.OneByteReader)
			}
		})
	}
	t.Logf("scanner read %d/%d", fast, len(files))
}

// TestScannerFallsBack: what the scanner leaves to encoding/xml is still
// read, through readTwice, from a Seeker and from a plain reader.
func TestScannerFallsBack(t *testing.T) {
	for _, tc := range []struct{ name, doc string }{
		{"doctype", "<?xml version=\"1.0\"?>\n<!DOCTYPE cib>\n<cib><configuration/></cib>"},
		{"cdata", "<cib><configuration><acls><x><![CDATA[a<b]]></x></acls></configuration></cib>"},
		{"latin1", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><cib><configuration><nodes><node id=\"1\" uname=\"n\xe9\"/></nodes></configuration></cib>"},
		{"non-ascii name", "<cib><configuration><acls><\u00e9l/></acls></configuration></cib>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := readFast([]byte(tc.doc), 0, nil, (*reader).document); !errors.Is(err, errFallback) {
				t.Fatalf("scanner: %v, want errFallback", err)
			}
			want, err := readSlow([]byte(tc.doc), (*reader).document)
			if err != nil {
				t.Fatal(err)
			}
			for _, in := range []io.Reader{strings.NewReader(tc.doc), iotest.HalfReader(strings.NewReader(tc.doc))} {
				got, _, err := ReadOptions(in, "x.xml", Options{Raw: true})
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("differs:\n%s", d)
				}
			}
		})
	}
	// Errors come from the encoding/xml path, also from a plain reader
	// and after a long prefix the scanner has already read.
	long := "<cib><configuration><acls>" + strings.Repeat("<x a=\"1\"/>\n", 100000) + "<y></z></acls></configuration></cib>"
	want := `x.xml:100001:4: <y>: </z> does not close <y>`
	for _, in := range []io.Reader{strings.NewReader(long), iotest.HalfReader(strings.NewReader(long))} {
		_, err := Read(in, "x.xml")
		if err == nil || err.Error() != want {
			t.Errorf("got %v, want %s", err, want)
		}
	}
}

// TestReadGenerated: a generated CIB, read by both paths.
func TestReadGenerated(t *testing.T) {
	path := filepath.Join(os.TempDir(), "pacer-cibxml-bench-n16-r500-s1.xml")
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("%v (run the benchmark once to generate it)", err)
	}
	if !sameAsSlow(t, doc, 0, nil) {
		t.Fatal("scanner gave up")
	}
}

// xmlTokens lists doc's tokens as encoding/xml's RawToken sees them, with
// the position before each, up to EOF or the first error.
func xmlTokens(doc []byte) ([]string, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	var out []string
	for {
		l, c := d.InputPos()
		tok, err := d.RawToken()
		if err == io.EOF {
			return append(out, fmt.Sprintf("%d:%d EOF", l, c)), nil
		}
		if err != nil {
			return out, err
		}
		var s string
		switch x := tok.(type) {
		case xml.StartElement:
			s = "<" + qname(x.Name)
			for _, a := range x.Attr {
				s += fmt.Sprintf(" %s=%q", qname(a.Name), a.Value)
			}
			s += ">"
		case xml.EndElement:
			s = "</" + qname(x.Name) + ">"
		case xml.CharData:
			s = fmt.Sprintf("text %q", []byte(x))
		default:
			s = "other"
		}
		out = append(out, fmt.Sprintf("%d:%d %s", l, c, s))
	}
}

// scannerTokens lists them as the scanner sees them, through a window of
// the given size and wrap (nil: none) around the reader.
func scannerTokens(doc []byte, window int, wrap func(io.Reader) io.Reader) ([]string, error) {
	var in io.Reader = bytes.NewReader(doc)
	if wrap != nil {
		in = wrap(in)
	}
	s := newScanner(in, window)
	var t token
	var out []string
	for {
		if err := s.next(&t); err != nil {
			return out, err
		}
		var str string
		switch t.kind {
		case tokEOF:
			return append(out, fmt.Sprintf("%d:%d EOF", t.pos.Line, t.pos.Col)), nil
		case tokStart:
			str = "<" + t.name
			for _, a := range t.attrs {
				str += fmt.Sprintf(" %s=%q", a.name, a.value)
			}
			str += ">"
		case tokEnd:
			str = "</" + t.name + ">"
		case tokText:
			str = fmt.Sprintf("text %q", t.text)
		default:
			str = "other"
		}
		out = append(out, fmt.Sprintf("%d:%d %s", t.pos.Line, t.pos.Col, str))
	}
}

// FuzzTokenizerAgainstEncodingXML: whatever the scanner reads to the end,
// encoding/xml (Strict, RawToken) reads too, to the same tokens at the
// same positions; whatever encoding/xml rejects, the scanner gives up on.
// And when the scanner reads a CIB, the model is the one the encoding/xml
// path builds, positions included.
func FuzzTokenizerAgainstEncodingXML(f *testing.F) {
	for _, tc := range readErrorCases {
		f.Add([]byte(tc.doc), uint8(0))
	}
	for i, s := range fuzzSeeds {
		f.Add([]byte(s), uint8(i))
	}
	for _, s := range tokenizerSeeds {
		f.Add([]byte(s), uint8(3))
	}
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.xml"))
	sort.Slice(files, func(i, j int) bool { return size(files[i]) < size(files[j]) })
	if len(files) > 32 {
		files = files[:32]
	}
	inputs, _ := filepath.Glob(filepath.Join("testdata", "*.xml"))
	for _, p := range append(files, inputs...) {
		if b, err := os.ReadFile(p); err == nil && len(b) < 8000 {
			f.Add(b, uint8(0))
		}
	}
	f.Fuzz(func(t *testing.T, doc []byte, w uint8) {
		window := int(w % 32) // 0 is the default window
		var wrap func(io.Reader) io.Reader
		if w >= 128 {
			wrap = iotest.HalfReader
		}
		got, err := scannerTokens(doc, window, wrap)
		want, xerr := xmlTokens(doc)
		if err == nil {
			if xerr != nil {
				t.Fatalf("scanner accepts, encoding/xml says %v\nscanner:\n%s", xerr, strings.Join(got, "\n"))
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Fatalf("tokens differ (-xml +scanner):\n%s", d)
			}
		} else if !errors.Is(err, errFallback) {
			t.Fatalf("scanner error %v, want errFallback", err)
		}
		if c, err := readFast(doc, window, wrap, (*reader).document); err == nil {
			slow, err := readSlow(doc, (*reader).document)
			if err != nil {
				t.Fatalf("scanner read a CIB, encoding/xml path says: %v", err)
			}
			if d := cmp.Diff(slow, c); d != "" {
				t.Fatalf("models differ (-xml +scanner):\n%s", d)
			}
		}
		if c, err := readFast(doc, window, wrap, (*reader).fragment); err == nil {
			slow, err := readSlow(doc, (*reader).fragment)
			if err != nil {
				t.Fatalf("scanner read a fragment, encoding/xml path says: %v", err)
			}
			if d := cmp.Diff(slow, c); d != "" {
				t.Fatalf("fragments differ (-xml +scanner):\n%s", d)
			}
		}
	})
}

// tokenizerSeeds are the lexical corners: entities, references, \r,
// quotes, comments, declarations.
var tokenizerSeeds = []string{
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<!-- c -->\n<a b='x\"y' c=\"&lt;&gt;&amp;&apos;&quot;&#65;&#x42;&#x1F600;\">t&amp;u\r\nv\rw<?pi data?></a>\n",
	"<a x=\"\r\n\t\"/><b\ty = \"1\"\n/>",
	"<a>&#0;</a>",
	"<a>&#xD800;&#x10FFFF;&#x110000;</a>",
	"<a>]]></a>",
	"<a b=\"]]>\"/>",
	"<a:b:c/>",
	"<:a/><a:/>",
	"<a>\u00e9\xff</a>",
	"<!--a--b-->",
	"<!---->",
	"<?xml version=\"1.1\"?><a/>",
	"<?xml encoding=\"latin1\"?><a/>",
	"<a b=\"1\"c=\"2\"/>",
	"<a></a >",
	"text",
	"<a>&unknown;</a>",
	"<a>&#x;</a>",
	"\ufeff<a/>",
}

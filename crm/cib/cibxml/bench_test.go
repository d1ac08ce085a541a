package cibxml

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain has one extra mode, for side-by-side measurements under
// /usr/bin/time without a cmd/ binary:
//
//	go test -c -o /tmp/cibxml.test ./crm/cib/cibxml
//	CIBXML_READWRITE=a.xml,b.xml /usr/bin/time -v /tmp/cibxml.test
//
// reads and writes (to io.Discard) each file once and exits.
func TestMain(m *testing.M) {
	if files := os.Getenv("CIBXML_READWRITE"); files != "" {
		os.Exit(readWriteFiles(strings.Split(files, ",")))
	}
	os.Exit(m.Run())
}

func readWriteFiles(files []string) int {
	for _, path := range files {
		start := time.Now()
		c, err := ReadFile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		read := time.Since(start)
		if err := Write(io.Discard, c); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Printf("%s: read %v, write %v, %d resources, %d node states\n", path, read, time.Since(start)-read,
			len(c.Configuration.Resources), len(c.Status.Nodes))
	}
	return 0
}

// benchCIB generates (once, cached in the temp directory) a CIB with
// shared/tools/gen-cib.py.
func benchCIB(b *testing.B, nodes, resources int) []byte {
	b.Helper()
	gen := filepath.Join(corpusDir, "..", "..", "..", "tools", "gen-cib.py")
	if _, err := os.Stat(gen); err != nil {
		b.Skipf("gen-cib.py not found at %s", gen)
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		b.Skip("python3 not installed")
	}
	path := filepath.Join(os.TempDir(), fmt.Sprintf("pacer-cibxml-bench-n%d-r%d-s1.xml", nodes, resources))
	if doc, err := os.ReadFile(path); err == nil && len(doc) > 0 {
		return doc
	}
	tmp := path + ".tmp"
	cmd := exec.Command(py, gen, "--nodes", fmt.Sprint(nodes), "--resources", fmt.Sprint(resources), "--seed", "1", "-o", tmp)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("gen-cib.py: %v\n%s", err, out)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	doc, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return doc
}

// BenchmarkReadWrite reads and writes generated CIBs of 16 nodes and 500
// resources, and 32 nodes and 2000 resources (MB/s of input XML).
func BenchmarkReadWrite(b *testing.B) {
	for _, size := range []struct{ nodes, resources int }{{16, 500}, {32, 2000}} {
		name := fmt.Sprintf("n%d-r%d", size.nodes, size.resources)
		b.Run(name+"/read", func(b *testing.B) {
			doc := benchCIB(b, size.nodes, size.resources)
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Read(bytes.NewReader(doc), name); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/write", func(b *testing.B) {
			doc := benchCIB(b, size.nodes, size.resources)
			c, err := Read(bytes.NewReader(doc), name)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				if err := Write(io.Discard, c); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/read+write", func(b *testing.B) {
			doc := benchCIB(b, size.nodes, size.resources)
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				c, err := Read(bytes.NewReader(doc), name)
				if err != nil {
					b.Fatal(err)
				}
				if err := Write(io.Discard, c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package main

import (
	"archive/tar"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSanitize(t *testing.T) {
	tests := []struct{ in, want string }{
		{`<nvpair id="f-passwd" name="passwd" value="s3cret"/>`, `<nvpair id="f-passwd" name="passwd" value="****"/>`},
		{`<nvpair id="a" name="ipmi_password" value="x y"/>`, `<nvpair id="a" name="ipmi_password" value="****"/>`},
		{`<nvpair id="a" name="client_SECRET" value="k"/>`, `<nvpair id="a" name="client_SECRET" value="****"/>`},
		{`<nvpair id="a" name="ip" value="10.0.0.1"/>`, `<nvpair id="a" name="ip" value="10.0.0.1"/>`},
		{`<nvpair id="passwd-ref" name="login" value="admin"/>`, `<nvpair id="passwd-ref" name="login" value="admin"/>`},
	}
	for _, tc := range tests {
		if got := sanitize(tc.in); got != tc.want {
			t.Errorf("sanitize(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// readArchive returns the files of a .tar.gz by name.
func readArchive(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	out := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		out[h.Name] = string(data)
	}
}

func TestWriteArchive(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.tar.gz")
	files := []reportFile{{"README.txt", []byte("hello\n")}, {filepath.Join("nodes", "alpha", "journal.jsonl"), []byte("{}\n")}}
	if err := writeArchive(path, "pacer-report-x", files, time.Now()); err != nil {
		t.Fatal(err)
	}
	got := readArchive(t, path)
	if got["pacer-report-x/README.txt"] != "hello\n" || got["pacer-report-x/nodes/alpha/journal.jsonl"] != "{}\n" || len(got) != 2 {
		t.Errorf("archive: %v", got)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("archive mode %v, want 0600 (it holds the CIB)", st.Mode())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	// A directory that does not exist: an error, nothing written.
	if err := writeArchive(filepath.Join(dir, "no", "r.tar.gz"), "x", files, time.Now()); err == nil || !strings.Contains(err.Error(), "no") {
		t.Errorf("writeArchive into a missing directory: %v", err)
	}
}

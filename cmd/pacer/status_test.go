package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"pacer/crm/cib/cibxml"
	"pacer/crm/status"
	"pacer/internal/control"
)

// docSource serves status documents made from corpus CIBs, a new one at
// each request once switched, counting requests.
type docSource struct {
	mu   sync.Mutex
	docs [][]byte
	n    int
}

func (s *docSource) Status(context.Context) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.docs[min(s.n, len(s.docs)-1)]
	s.n++
	return d, nil
}

// frameWriter collects the watch's output (one Write per snapshot) and
// calls stop after frames writes: the watch then ends having printed
// exactly that many, however slow the machine.
type frameWriter struct {
	bytes.Buffer
	stop   func()
	frames int
}

func (w *frameWriter) Write(p []byte) (int, error) {
	n, err := w.Buffer.Write(p)
	if w.frames--; w.frames == 0 {
		w.stop()
	}
	return n, err
}

func statusDoc(t *testing.T, name string) []byte {
	t.Helper()
	c, err := cibxml.ReadFile(filepath.Join("..", "..", "crm", "status", "testdata", name+".xml"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := status.Build(status.Snapshot{Cluster: "unit", CIB: c, Now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	status.WriteJSON(&b, r, false)
	return bytes.TrimSpace(b.Bytes())
}

func serveStatus(t *testing.T, src control.StatusSource) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "pst")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "s.sock")
	s, err := control.Listen(control.Config{Path: path}, control.Backend{Status: src}, nil)
	if err != nil {
		t.Fatal(err)
	}
	go s.Run(context.Background())
	t.Cleanup(func() { s.Close() })
	return path
}

// Exit codes: 0 for a cluster without warnings, 2 with warnings (the
// status still printed), 1 when pacerd cannot be reached.
func TestStatusOnceExitCodes(t *testing.T) {
	tests := []struct {
		cib  string
		code int
		want string
	}{
		{"promoted-role", exitStatusOK, "Promoted: [ sles11-a sles11-b ]"},
		{"multiple-monitor-one-failed", exitStatusWarnings, "Failed Resource Actions:"},
	}
	for _, tc := range tests {
		t.Run(tc.cib, func(t *testing.T) {
			sock := serveStatus(t, &docSource{docs: [][]byte{statusDoc(t, tc.cib)}})
			var out bytes.Buffer
			code, err := statusRun{socket: sock, stdout: &out, stderr: &out, location: time.UTC}.once(context.Background())
			if err != nil || code != tc.code || !strings.Contains(out.String(), tc.want) {
				t.Fatalf("exit %d, %v, want %d with %q:\n%s", code, err, tc.code, tc.want, out.String())
			}
		})
	}
	var out bytes.Buffer
	code, err := statusRun{socket: "/nonexistent/pacerd.sock", stdout: &out, stderr: &out}.once(context.Background())
	if code != exitStatusError || err == nil || !strings.Contains(err.Error(), "cannot reach pacerd") || out.Len() != 0 {
		t.Fatalf("no pacerd: exit %d, %v, output %q", code, err, out.String())
	}
}

// --watch on a terminal redraws the screen each time; without one it
// appends the snapshots, a line per JSON document, and keeps going past a
// failed request.
func TestStatusWatch(t *testing.T) {
	a, b := statusDoc(t, "promoted-role"), statusDoc(t, "multiple-monitor-one-failed")
	tests := []struct {
		name      string
		tty, json bool
		check     func(t *testing.T, out string)
	}{
		{"tty text", true, false, func(t *testing.T, out string) {
			frames := strings.Split(out, "\x1b[H\x1b[2J")
			if len(frames) != 4 || frames[0] != "" {
				t.Fatalf("%d redraws, want 3:\n%q", len(frames)-1, out)
			}
			if !strings.Contains(frames[1], "Promoted: [ sles11-a") || !strings.Contains(frames[len(frames)-1], "FAILED dhcp180") {
				t.Fatalf("frames do not follow the cluster:\n%s", out)
			}
		}},
		{"pipe json", false, true, func(t *testing.T, out string) {
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 3 || strings.Contains(out, "\x1b") {
				t.Fatalf("%d lines, want 3, no escapes:\n%s", len(lines), out)
			}
			for _, l := range lines {
				if _, err := status.DecodeJSON([]byte(l)); err != nil {
					t.Fatalf("line is not a document: %v: %.100s", err, l)
				}
			}
		}},
		{"pipe text", false, false, func(t *testing.T, out string) {
			if n := strings.Count(out, "Cluster Summary:"); n != 3 || strings.Count(out, "\n--- ") != n-1 {
				t.Fatalf("%d snapshots, separators %d:\n%s", n, strings.Count(out, "\n--- "), out)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			sock := serveStatus(t, &docSource{docs: [][]byte{a, b}})
			out := &frameWriter{stop: cancel, frames: 3}
			var errOut bytes.Buffer
			statusRun{socket: sock, tty: tc.tty, json: tc.json, stdout: out, stderr: &errOut, location: time.UTC}.watch(ctx, time.Millisecond)
			tc.check(t, out.String())
		})
	}
	// A pacerd that is not there: reported on stderr at each try, and
	// the watch goes on until stopped.
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	statusRun{socket: "/nonexistent/pacerd.sock", stdout: &out, stderr: &errOut, location: time.UTC}.watch(ctx, 10*time.Millisecond)
	if n := strings.Count(errOut.String(), "cannot reach pacerd"); n < 2 || out.Len() != 0 {
		t.Fatalf("errors reported %d times, stdout %q", n, out.String())
	}
}

package journal

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

func open(t *testing.T, dir string, max int64) (*Journal, *zap.Logger) {
	t.Helper()
	j, err := Open(Config{Dir: dir, Host: "alpha", MaxBytes: max})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j, zap.New(j.Core())
}

func msgs(es []Entry) string {
	var out []string
	for _, e := range es {
		out = append(out, fmt.Sprintf("%d:%s", e.Seq, e.Msg))
	}
	return strings.Join(out, " ")
}

func TestWriteRead(t *testing.T) {
	dir := t.TempDir()
	j, lg := open(t, dir, 0)
	co := lg.Named("coordinator")
	co.Debug("per tick") // below Info: not kept
	co.Info("transition started", zap.Uint64("transition", 1))
	co.Info("action initiated", zap.String("rsc", "web"), zap.String("op", "start"), zap.String("node", "bravo"))
	co.Error("action result", zap.String("rsc", "web:1"), zap.Int("rc", 1), zap.Duration("duration", 1500*time.Millisecond))
	lg.Named("membership").Warn("node declared dead", zap.String("node", "charlie"), zap.Strings("links", []string{"ring0"}))
	lg.Named("store").Info("snapshot saved") // no event: kept, shown with All
	co.With(zap.Uint64("term", 3)).Info("transition complete")

	all, more, err := j.Read(Filter{All: true}, 0, 0, 0)
	if err != nil || more {
		t.Fatal(err, more)
	}
	if got := msgs(all); got != "6:transition complete 5:snapshot saved 4:node declared dead 3:action result 2:action initiated 1:transition started" {
		t.Fatalf("all, newest first: %s", got)
	}
	e := all[3]
	if e.Host != "alpha" || e.Logger != "coordinator" || e.Level != "error" || e.Str("rsc") != "web:1" ||
		fmt.Sprint(e.Fields["rc"]) != "1" || e.Str("duration") != "1.5s" || e.TS.IsZero() {
		t.Errorf("entry: %+v", e)
	}
	if all[0].Fields["term"] == nil {
		t.Errorf("a With field is lost: %+v", all[0])
	}
	tests := []struct {
		name string
		f    Filter
		want string
	}{
		{"events", Filter{}, "6:transition complete 4:node declared dead 3:action result 2:action initiated 1:transition started"},
		{"resource and its instances", Filter{Rscs: []string{"web"}}, "3:action result 2:action initiated"},
		{"instance", Filter{Rscs: []string{"web:1"}}, "3:action result"},
		{"about a node", Filter{Node: "charlie"}, "4:node declared dead"},
		{"recorded on a node", Filter{Node: "alpha"}, "6:transition complete 4:node declared dead 3:action result 2:action initiated 1:transition started"},
		{"future", Filter{Since: time.Now().Add(time.Hour)}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := j.Read(tc.f, 0, 0, 0)
			if err != nil || msgs(got) != tc.want {
				t.Fatalf("got %q, %v; want %q", msgs(got), err, tc.want)
			}
		})
	}
	// Paging: two at a time, by seq.
	page, more, _ := j.Read(Filter{All: true}, 0, 2, 0)
	if msgs(page) != "6:transition complete 5:snapshot saved" || !more {
		t.Fatalf("page 1: %s %v", msgs(page), more)
	}
	page, more, _ = j.Read(Filter{All: true}, page[1].Seq, 2, 0)
	if msgs(page) != "4:node declared dead 3:action result" || !more {
		t.Fatalf("page 2: %s %v", msgs(page), more)
	}
	page, more, _ = j.Read(Filter{All: true}, 2, 0, 1) // a byte limit still returns one
	if msgs(page) != "1:transition started" || more {
		t.Fatalf("page 3: %s %v", msgs(page), more)
	}
}

// The journal stays within two files of MaxBytes, keeps the newest lines,
// and numbers on across a restart; a torn last line is skipped.
func TestRotateReopen(t *testing.T) {
	dir := t.TempDir()
	j, lg := open(t, dir, 2000)
	for i := 0; i < 100; i++ {
		lg.Info("node joined", zap.Int("i", i))
	}
	for _, n := range []string{currentName, previousName} {
		st, err := os.Stat(filepath.Join(dir, n))
		if err != nil || st.Size() > 2000 {
			t.Fatalf("%s: %v %v", n, st, err)
		}
	}
	got, _, _ := j.Read(Filter{}, 0, 0, 0)
	if len(got) == 0 || len(got) >= 100 || got[0].Seq != 100 || fmt.Sprint(got[0].Fields["i"]) != "99" {
		t.Fatalf("after rotation: %d entries, newest %+v", len(got), got[0])
	}
	j.Close()
	f, _ := os.OpenFile(filepath.Join(dir, currentName), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"level":"info","ts":"2026-11-24T01:00:00Z","msg":"node jo`) // torn by a crash
	f.Close()
	j2, lg2 := open(t, dir, 2000)
	lg2.Info("node joined", zap.Int("i", 100))
	got, _, err := j2.Read(Filter{}, 0, 1, 0)
	if err != nil || got[0].Seq != 101 {
		t.Fatalf("after reopen: %+v %v", got, err)
	}
}

func TestOpenErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o600)
	if _, err := Open(Config{Dir: filepath.Join(file, "sub")}); err == nil || !strings.Contains(err.Error(), "journal") {
		t.Errorf("a journal under a file: %v", err)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, line := range []string{"", "{", `{"msg":"x","seq":1}`, `{"ts":"2026-11-24T01:00:00Z","seq":1}`,
		`{"ts":"2026-11-24T01:00:00Z","msg":"x"}`, `{"ts":"2026-11-24T01:00:00Z","msg":"x","seq":0}`,
		`{"ts":"2026-11-24T01:00:00Z","msg":"x","seq":-1}`, `{"ts":"2026-11-24T01:00:00Z","msg":"x","seq":1} {}`, `[]`} {
		if _, err := Decode([]byte(line)); err == nil {
			t.Errorf("Decode(%q) accepted", line)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"level":"info","ts":"2026-11-24T01:00:00.5Z","logger":"coordinator","msg":"action initiated","seq":7,"host":"alpha","rsc":"web","rc":1}`))
	f.Add([]byte(`{"ts":"2026-11-24T01:00:00Z","msg":"x","seq":1}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		e, err := Decode(line)
		if err != nil {
			return
		}
		if e.Seq == 0 || e.Msg == "" || e.TS.IsZero() && !strings.Contains(string(line), "0001") {
			t.Fatalf("Decode(%q) = %+v", line, e)
		}
		// The raw line decodes again to the same entry.
		again, err := Decode(e.Raw)
		if err != nil || again.Seq != e.Seq || again.Msg != e.Msg || !again.TS.Equal(e.TS) {
			t.Fatalf("raw line does not decode the same: %+v %v", again, err)
		}
	})
}

var _ zapcore.Core = (*core)(nil)

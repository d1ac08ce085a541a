package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"pacer/internal/control"
	"pacer/internal/journal"
)

func TestHistoryLine(t *testing.T) {
	tests := []struct {
		name, line, want string
	}{
		{"action with reason first fields first",
			`{"level":"info","ts":"2026-11-24T01:17:05.847Z","logger":"coordinator","msg":"action initiated","seq":5,"host":"charlie","transition":1,"rsc":"web","op":"start","node":"alpha","reason":"Start web ( alpha )"}`,
			`2026-11-24 01:17:05.847  charlie  action     action initiated node=alpha rsc=web op=start transition=1 reason="Start web ( alpha )"`},
		{"warn level shown, lists as JSON",
			`{"level":"warn","ts":"2026-11-24T01:17:05.832Z","logger":"membership","msg":"node declared dead","seq":9,"host":"alpha","node":"bravo","links":["ring0","ring1"],"silent_for":"3s"}`,
			`2026-11-24 01:17:05.832  alpha    node       WARN node declared dead node=bravo links=["ring0","ring1"] silent_for=3s`},
		{"a line that is no event shows its logger",
			`{"level":"info","ts":"2026-11-24T01:17:05Z","logger":"store","msg":"snapshot saved","seq":1,"host":"alpha","index":12,"empty":"","ok":true}`,
			`2026-11-24 01:17:05.000  alpha    store      snapshot saved empty="" index=12 ok=true`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := journal.Decode([]byte(tc.line))
			if err != nil {
				t.Fatal(err)
			}
			if got := historyLine(e, time.UTC); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestWriteHistory(t *testing.T) {
	res := control.HistoryResult{Entries: []json.RawMessage{
		json.RawMessage(`{"level":"info","ts":"2026-11-24T01:00:00Z","msg":"elected DC","seq":1,"host":"alpha","node":"alpha","term":2}`),
		json.RawMessage(`{"broken`),
	}}
	var b strings.Builder
	if err := writeHistory(&b, res, false, time.UTC); err != nil {
		t.Fatal(err)
	}
	want := "2026-11-24 01:00:00.000  alpha    dc         elected DC node=alpha term=2\n(an entry pacer cannot read: journal line: unexpected EOF)\n"
	if b.String() != want {
		t.Errorf("got %q\nwant %q", b.String(), want)
	}
	b.Reset()
	writeHistory(&b, res, true, time.UTC)
	if b.String() != string(res.Entries[0])+"\n"+string(res.Entries[1])+"\n" {
		t.Errorf("--json: %q", b.String())
	}
	b.Reset()
	writeHistory(&b, control.HistoryResult{}, false, time.UTC)
	if b.String() != "no events\n" {
		t.Errorf("empty: %q", b.String())
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		err  bool
	}{
		{"", time.Time{}, false},
		{"30m", now.Add(-30 * time.Minute), false},
		{"2026-11-24T01:00:00Z", time.Date(2026, 11, 24, 1, 0, 0, 0, time.UTC), false},
		{"-5m", time.Time{}, true},
		{"yesterday", time.Time{}, true},
	}
	for _, tc := range tests {
		got, err := parseSince(tc.in, now)
		if (err != nil) != tc.err || !got.Equal(tc.want) {
			t.Errorf("parseSince(%q) = %v, %v", tc.in, got, err)
		}
	}
}

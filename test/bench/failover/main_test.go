package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestStats(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want string
	}{
		{nil, "-"},
		{[]float64{5}, "5/5/5 (1)"},
		{[]float64{3, 1, 2}, "1/2/3 (3)"},
		{[]float64{4, 1, 3, 2}, "1/2/4 (4)"}, // median 2.5, %.0f rounds half to even
		{[]float64{10050.4, 9996, 10120}, "9996/10050/10120 (3)"},
	} {
		if got := stats(tc.in); got != tc.want {
			t.Errorf("stats(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestReadPeer(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       []peerRow
		err        string
	}{
		{
			name: "two labels, NA skipped",
			text: "keepalived/v3-100ms/kill takeover_ms=288 gap_ms=12 old_answered_ms_after_fault=3593\n" +
				"pacemaker/2n-token-1000-fence-on/kill takeover_ms=NA gap_ms=NA dc=n1 new=none\n" +
				"keepalived/v3-100ms/kill takeover_ms=272 gap_ms=11\n" +
				"\n" +
				"pacemaker/2n-token-1000-fence-on/kill takeover_ms=2364 gap_ms=120 dc=n1 new=n2\n",
			want: []peerRow{
				{label: "keepalived/v3-100ms/kill", takeover: []float64{288, 272}, gap: []float64{12, 11}},
				{label: "pacemaker/2n-token-1000-fence-on/kill", takeover: []float64{2364}, gap: []float64{120}},
			},
		},
		{name: "a setup failure only", text: "pacemaker/3n/kill setup-failed (see runs)\n",
			want: []peerRow{{label: "pacemaker/3n/kill"}}},
		{name: "empty", text: "", err: "no rows"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "results.txt")
			if err := os.WriteFile(p, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := readPeer(p)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("readPeer: %v, want an error with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("readPeer = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestGroups(t *testing.T) {
	runs := []Run{
		{Config: "3n", Fault: "kill", TakeoverMs: 1},
		{Config: "3n", Fault: "poweroff", TakeoverMs: 2},
		{Config: "3n", Fault: "kill", TakeoverMs: 3},
		{Config: "2n+w", Fault: "kill", TakeoverMs: 4},
	}
	var got []string
	for _, g := range groups(runs) {
		got = append(got, g.c+"/"+g.f+":"+stats(pick(g.rs, func(r Run) float64 { return r.TakeoverMs })))
	}
	want := []string{"3n/kill:1/2/3 (2)", "3n/poweroff:2/2/2 (1)", "2n+w/kill:4/4/4 (1)"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("groups = %v, want %v", got, want)
	}
}

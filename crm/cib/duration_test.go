package cib

import (
	"testing"
	"time"
)

func TestParseISODate(t *testing.T) {
	utc := func(y int, m time.Month, d, h, min, s int) time.Time {
		return time.Date(y, m, d, h, min, s, 0, time.UTC)
	}
	tests := []struct {
		in   string
		want time.Time
		err  bool
	}{
		{"2005-01-20", utc(2005, 1, 20, 0, 0, 0), false},
		{"20050120", utc(2005, 1, 20, 0, 0, 0), false},
		{"2005-020T12:30", utc(2005, 1, 20, 12, 30, 0), false},
		{"2005-020T11:30", utc(2005, 1, 20, 11, 30, 0), false},
		{"2014-05-07 00:28:00", utc(2014, 5, 7, 0, 28, 0), false},
		{"2019-06-01T08:00:00Z", utc(2019, 6, 1, 8, 0, 0), false},
		{"2019-06-01T10:00:00+02:00", utc(2019, 6, 1, 8, 0, 0), false},
		{"2019-06-01T10:00:00+0200", utc(2019, 6, 1, 8, 0, 0), false},
		{"2019-06-01T03:00-05", utc(2019, 6, 1, 8, 0, 0), false},
		{"2019-06-01T083000", utc(2019, 6, 1, 8, 30, 0), false},
		{"2019-06-01T08", utc(2019, 6, 1, 8, 0, 0), false},
		{"2005-W03-4", utc(2005, 1, 20, 0, 0, 0), false},  // ISO week 3 of 2005, Thursday
		{"2009-W01-1", utc(2008, 12, 29, 0, 0, 0), false}, // week 1 starts in the previous year
		{"2004-W53-7", utc(2005, 1, 2, 0, 0, 0), false},
		{"2005W034", utc(2005, 1, 20, 0, 0, 0), false},
		{"2004-366", utc(2004, 12, 31, 0, 0, 0), false},
		{"2005-01-20T24:00:00", utc(2005, 1, 21, 0, 0, 0), false},
		{"", time.Time{}, true},
		{"2005", time.Time{}, true},
		{"2005-13-01", time.Time{}, true},
		{"2005-02-29", time.Time{}, true},
		{"2005-366", time.Time{}, true},
		{"2005-W54-1", time.Time{}, true},
		{"2005-W03-8", time.Time{}, true},
		{"2005-01-20T25:00", time.Time{}, true},
		{"2005-01-20T24:30", time.Time{}, true},
		{"2005-01-20T12:61", time.Time{}, true},
		{"2005-01-20T", time.Time{}, true},
		{"2005-01-20T12:00+2:00:00", time.Time{}, true},
		{"tomorrow", time.Time{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseISODate(tc.in)
			if (err != nil) != tc.err || !got.Equal(tc.want) {
				t.Fatalf("ParseISODate(%q) = %v, %v; want %v, err=%v", tc.in, got, err, tc.want, tc.err)
			}
		})
	}
	loc := time.FixedZone("X", 3600)
	got, err := ParseISODateIn("2005-01-20 12:00", loc)
	if err != nil || !got.Equal(time.Date(2005, 1, 20, 11, 0, 0, 0, time.UTC)) {
		t.Fatalf("ParseISODateIn = %v, %v", got, err)
	}
}

func TestParseBoolean(t *testing.T) {
	for _, s := range []string{"true", "TRUE", "on", "yes", "y", "1"} {
		if b, err := ParseBoolean(s); err != nil || !b {
			t.Errorf("ParseBoolean(%q) = %v, %v", s, b, err)
		}
	}
	for _, s := range []string{"false", "off", "No", "n", "0"} {
		if b, err := ParseBoolean(s); err != nil || b {
			t.Errorf("ParseBoolean(%q) = %v, %v", s, b, err)
		}
	}
	for _, s := range []string{"", "maybe", "2", "t"} {
		if _, err := ParseBoolean(s); err == nil {
			t.Errorf("ParseBoolean(%q) accepted", s)
		}
	}
}

func TestIsValidID(t *testing.T) {
	for _, s := range []string{"vip", "_x", "rsc1-monitor-10", "a.b_c", "nœud", "ms:drbd"[:2]} {
		if !IsValidID(s) {
			t.Errorf("IsValidID(%q) = false", s)
		}
	}
	for _, s := range []string{"", "1rsc", "-x", ".x", "a b", "a:b", "a/b"} {
		if IsValidID(s) {
			t.Errorf("IsValidID(%q) = true", s)
		}
	}
}

func FuzzParseISODate(f *testing.F) {
	for _, s := range []string{"2005-020T12:30", "2014-05-07 00:28:00", "2005-W03-4", "20050120T1230+0100"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = ParseISODate(s)
	})
}

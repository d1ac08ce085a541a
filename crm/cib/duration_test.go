package cib

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"30", 30 * time.Second, false},
		{"0", 0, false},
		{"30s", 30 * time.Second, false},
		{"30sec", 30 * time.Second, false},
		{"30 s", 30 * time.Second, false},
		{" 20s ", 20 * time.Second, false},
		{"500ms", 500 * time.Millisecond, false},
		{"500msec", 500 * time.Millisecond, false},
		{"1500us", 1500 * time.Microsecond, false},
		{"1500usec", 1500 * time.Microsecond, false},
		{"5m", 5 * time.Minute, false},
		{"5min", 5 * time.Minute, false},
		{"5MIN", 5 * time.Minute, false},
		{"2h", 2 * time.Hour, false},
		{"2hr", 2 * time.Hour, false},
		{"PT5M", 5 * time.Minute, false},
		{"P1DT2H", 26 * time.Hour, false},
		{"P2W", 14 * 24 * time.Hour, false},
		{"P1M", 30 * 24 * time.Hour, false},
		{"P1Y", 365 * 24 * time.Hour, false},
		{"PT1H30M10S", time.Hour + 30*time.Minute + 10*time.Second, false},
		{"P10S", 10 * time.Second, false},
		{"", 0, true},
		{"s", 0, true},
		{"-5s", 0, true},
		{"1.5s", 0, true},
		{"5d", 0, true},
		{"5 parsecs", 0, true},
		{"P", 0, true},
		{"PT", 0, true},
		{"P5", 0, true},
		{"P5X", 0, true},
		{"PT5M5M", 0, true},
		{"P1DT", 0, true},
		{"99999999999999999999s", 0, true},
		{"9999999999h", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseDuration(tc.in)
			if (err != nil) != tc.err || got != tc.want {
				t.Fatalf("ParseDuration(%q) = %v, %v; want %v, err=%v", tc.in, got, err, tc.want, tc.err)
			}
		})
	}
}

func TestParseInterval(t *testing.T) {
	for _, ok := range []string{"0", "0s", "10s", "1ms", "PT10S"} {
		if _, err := ParseInterval(ok); err != nil {
			t.Errorf("ParseInterval(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "500us", "x", "-1"} {
		if _, err := ParseInterval(bad); err == nil {
			t.Errorf("ParseInterval(%q) accepted", bad)
		}
	}
}

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

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"30", "500ms", "PT5M", "P1DT2H", "1.5s", "5 min"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err == nil && d < 0 {
			t.Fatalf("ParseDuration(%q) = %v < 0", s, d)
		}
	})
}

func FuzzParseISODate(f *testing.F) {
	for _, s := range []string{"2005-020T12:30", "2014-05-07 00:28:00", "2005-W03-4", "20050120T1230+0100"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = ParseISODate(s)
	})
}

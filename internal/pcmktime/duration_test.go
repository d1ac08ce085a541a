package pcmktime

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

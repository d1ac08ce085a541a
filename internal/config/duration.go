package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration written in TOML either as a Go duration string
// ("500ms", "2s", "1m30s") or as a whole number of seconds (30), the way
// ha.cf writes "deadtime 30".
type Duration struct{ time.Duration }

// Seconds builds a Duration of n seconds.
func Seconds(n int64) Duration { return Duration{time.Duration(n) * time.Second} }

// UnmarshalText implements encoding.TextUnmarshaler. The toml library hands
// integers over as their decimal text, so "30" means 30 seconds.
func (d *Duration) UnmarshalText(text []byte) error {
	s := strings.TrimSpace(string(text))
	if s == "" {
		return errors.New(`empty duration (write e.g. "2s", "500ms" or a whole number of seconds)`)
	}
	if isDigits(strings.TrimPrefix(s, "-")) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n > int64(maxSeconds) || n < -int64(maxSeconds) {
			return fmt.Errorf("%s seconds is out of range", s)
		}
		if n < 0 {
			return fmt.Errorf("duration %s is negative", s)
		}
		d.Duration = time.Duration(n) * time.Second
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration (write e.g. \"2s\", \"500ms\", \"1m30s\" or a whole number of seconds)", s)
	}
	if v < 0 {
		return fmt.Errorf("duration %s is negative", s)
	}
	d.Duration = v
	return nil
}

// maxSeconds is the largest whole number of seconds a time.Duration holds.
const maxSeconds = int64(1<<63-1) / int64(time.Second)

// MarshalText implements encoding.TextMarshaler with time.Duration's form.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Package pcmktime reads time spans in Pacemaker's syntax, for every
// layer that meets them: the CIB (op intervals, timeouts, failure-timeout)
// and agent meta-data (action timeouts). It imports nothing from pacer.
package pcmktime

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseDuration reads a time span the way Pacemaker reads op intervals,
// timeouts, start-delay, failure-timeout and the cluster's time options:
//
//   - a whole number followed by an optional unit, case-insensitive, with
//     optional white space between them (crm_get_msec): no unit or s, sec
//     means seconds; ms, msec milliseconds; us, usec microseconds; m, min
//     minutes; h, hr hours. "30", "30s", "500ms", "5min", "1h".
//   - an ISO 8601 duration (crm_time_parse_duration): "PT5M", "P1DT2H",
//     "P2W", and, as Pacemaker allows, hours and seconds without the T
//     ("P10S"). Years count 365 days and months 30 days, as Pacemaker does when
//     it turns a duration into seconds.
//
// Pacemaker stops reading a number at a decimal point, so "1.5s" means one
// second there; pacer refuses fractions instead of guessing. Negative spans
// are refused.
func ParseDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("empty duration (want e.g. 30s, 500ms, 5min or PT5M)")
	}
	if t[0] == 'P' {
		return parseISODuration(t)
	}
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i == 0 {
		if t[0] == '-' {
			return 0, fmt.Errorf("%q is negative", s)
		}
		return 0, fmt.Errorf("%q is not a duration (want a number with an optional unit ms, s, m, h, or an ISO 8601 duration such as PT5M)", s)
	}
	if i < len(t) && t[i] == '.' {
		return 0, fmt.Errorf("%q has a fraction, which Pacemaker ignores (write a whole number of a smaller unit, e.g. 1500ms)", s)
	}
	n, err := strconv.ParseInt(t[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is out of range", s)
	}
	unit := strings.ToLower(strings.TrimSpace(t[i:]))
	var per time.Duration
	switch unit {
	case "", "s", "sec":
		per = time.Second
	case "ms", "msec":
		per = time.Millisecond
	case "us", "usec":
		per = time.Microsecond
	case "m", "min":
		per = time.Minute
	case "h", "hr":
		per = time.Hour
	default:
		return 0, fmt.Errorf("%q has an unknown unit %q (want ms, msec, us, usec, s, sec, m, min, h or hr)", s, strings.TrimSpace(t[i:]))
	}
	if n > int64(math.MaxInt64/per) {
		return 0, fmt.Errorf("%q is out of range", s)
	}
	return time.Duration(n) * per, nil
}

// ParseInterval reads an op interval: a duration as ParseDuration reads
// it, where "0" (the default) means the op is not recurring. Pacemaker keeps
// intervals in whole milliseconds, so a non-zero interval shorter than 1ms
// is refused rather than silently becoming 0.
func ParseInterval(s string) (time.Duration, error) {
	d, err := ParseDuration(s)
	if err != nil {
		return 0, err
	}
	if d > 0 && d < time.Millisecond {
		return 0, fmt.Errorf("%q is shorter than 1ms, the smallest interval Pacemaker keeps", s)
	}
	return d, nil
}

// parseISODuration reads P[nY][nM][nW][nD][T[nH][nM][nS]].
func parseISODuration(s string) (time.Duration, error) {
	bad := func(why string) (time.Duration, error) {
		return 0, fmt.Errorf("%q is not an ISO 8601 duration (%s; want e.g. PT5M, P1DT2H or P2W)", s, why)
	}
	rest := s[1:]
	if rest == "" {
		return bad("nothing after P")
	}
	const day = 24 * time.Hour
	// Pacemaker also takes H and S before the T ("P10S"); only M means
	// months there and minutes after it.
	dateUnits := map[byte]time.Duration{'Y': 365 * day, 'M': 30 * day, 'W': 7 * day, 'D': day, 'H': time.Hour, 'S': time.Second}
	timeUnits := map[byte]time.Duration{'H': time.Hour, 'M': time.Minute, 'S': time.Second}
	var total time.Duration
	inTime := false
	seen := map[string]bool{}
	fields := 0
	for len(rest) > 0 {
		if rest[0] == 'T' {
			if inTime {
				return bad("T twice")
			}
			inTime = true
			rest = rest[1:]
			if rest == "" {
				return bad("nothing after T")
			}
			continue
		}
		j := 0
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		if j == 0 {
			return bad(fmt.Sprintf("expected a number at %q", rest))
		}
		if j == len(rest) {
			return bad("number without a unit")
		}
		n, err := strconv.ParseInt(rest[:j], 10, 64)
		if err != nil {
			return bad("number out of range")
		}
		u := rest[j]
		units := dateUnits
		key := string(u)
		if inTime {
			units = timeUnits
			if u == 'M' {
				key = "minutes"
			}
		}
		per, ok := units[u]
		if !ok {
			return bad(fmt.Sprintf("unknown unit %q", string(u)))
		}
		if seen[key] {
			return bad(fmt.Sprintf("unit %q twice", string(u)))
		}
		seen[key] = true
		if n > int64(math.MaxInt64/per) || total > math.MaxInt64-time.Duration(n)*per {
			return bad("out of range")
		}
		total += time.Duration(n) * per
		fields++
		rest = rest[j+1:]
	}
	if fields == 0 {
		return bad("no fields")
	}
	return total, nil
}

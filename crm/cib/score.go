package cib

import (
	"fmt"
	"strconv"
	"strings"
)

// Infinity is Pacemaker's INFINITY: scores saturate at +/-Infinity.
const Infinity = 1000000

// Score is a placement score in [-Infinity, Infinity].
type Score int

// ParseScore reads a score the way Pacemaker does: INFINITY, +INFINITY,
// -INFINITY (any case), or a decimal integer clamped to +/-INFINITY.
// Anything else is an error.
func ParseScore(s string) (Score, error) {
	t := strings.TrimSpace(s)
	switch strings.ToUpper(t) {
	case "INFINITY", "+INFINITY":
		return Infinity, nil
	case "-INFINITY":
		return -Infinity, nil
	case "":
		return 0, fmt.Errorf("empty score")
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			if strings.HasPrefix(t, "-") {
				return -Infinity, nil
			}
			return Infinity, nil
		}
		return 0, fmt.Errorf("score %q: want an integer, INFINITY or -INFINITY", s)
	}
	return clamp(n), nil
}

func clamp(n int64) Score {
	if n > Infinity {
		return Infinity
	}
	if n < -Infinity {
		return -Infinity
	}
	return Score(n)
}

// Add is Pacemaker's score addition: -INFINITY wins over +INFINITY, and
// finite sums saturate.
func (a Score) Add(b Score) Score {
	switch {
	case a <= -Infinity || b <= -Infinity:
		return -Infinity
	case a >= Infinity || b >= Infinity:
		return Infinity
	}
	return clamp(int64(a) + int64(b))
}

// String prints a score as Pacemaker does.
func (a Score) String() string {
	switch {
	case a >= Infinity:
		return "INFINITY"
	case a <= -Infinity:
		return "-INFINITY"
	}
	return strconv.Itoa(int(a))
}

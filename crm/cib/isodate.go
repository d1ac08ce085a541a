package cib

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseISODate reads a date and time in the ISO 8601 forms Pacemaker
// accepts in date_expression start/end and for crm_simulate's -t:
//
//	2005-01-20           calendar date (also basic: 20050120)
//	2005-020             ordinal date: the 20th day of 2005
//	2005-W03-4           week date: Thursday of ISO week 3 of 2005
//
// optionally followed by "T" or a space and a time HH:MM:SS, HH:MM, HH or
// HHMMSS ("24:00:00" is the end of the day), optionally followed by an
// offset: Z, +HH, +HH:MM or +HHMM (or -). Examples: "2005-020T12:30",
// "2014-05-07 00:28:00", "2019-06-01T08:00:00Z", "2005-W03-4T10:00+02:00".
//
// A date without an offset is taken as UTC; see ParseISODateIn to choose.
func ParseISODate(s string) (time.Time, error) {
	return ParseISODateIn(s, time.UTC)
}

// ParseISODateIn is ParseISODate with dates that carry no offset placed in
// loc (Pacemaker uses the local time zone of the node for them).
func ParseISODateIn(s string, loc *time.Location) (time.Time, error) {
	t := strings.TrimSpace(s)
	bad := func(why string) (time.Time, error) {
		return time.Time{}, fmt.Errorf("%q is not an ISO 8601 date (%s; want e.g. 2005-01-20, 2005-020T12:30, 2005-W03-4 or \"2014-05-07 00:28:00\")", s, why)
	}
	if t == "" {
		return time.Time{}, fmt.Errorf("empty date (want e.g. 2005-01-20T12:30:00)")
	}
	datePart, timePart := t, ""
	if i := strings.IndexAny(t, "T "); i >= 0 {
		datePart, timePart = t[:i], strings.TrimSpace(t[i+1:])
		if timePart == "" {
			return bad("nothing after the date")
		}
	}
	y, yday, err := parseISODay(datePart)
	if err != nil {
		return bad(err.Error())
	}
	var secs int
	offset, hasOffset := 0, false
	if timePart != "" {
		clock := timePart
		if j := strings.IndexAny(timePart, "Z+-"); j >= 0 {
			clock = strings.TrimSpace(timePart[:j])
			o, err := parseISOOffset(timePart[j:])
			if err != nil {
				return bad(err.Error())
			}
			offset, hasOffset = o, true
		}
		secs, err = parseISOClock(clock, true)
		if err != nil {
			return bad(err.Error())
		}
	}
	if hasOffset {
		loc = time.FixedZone("", offset)
	}
	if loc == nil {
		loc = time.UTC
	}
	d := time.Date(y, time.January, 1, 0, 0, 0, 0, loc).AddDate(0, 0, yday-1)
	return d.Add(time.Duration(secs) * time.Second), nil
}

// parseISODay reads a calendar, ordinal or week date and returns the year
// and the day of that year (1-based).
func parseISODay(s string) (year, yday int, err error) {
	if s == "" {
		return 0, 0, fmt.Errorf("no date")
	}
	parts := strings.Split(s, "-")
	switch {
	case len(parts) == 3 && strings.HasPrefix(parts[1], "W"):
		return weekDate(parts[0], parts[1][1:], parts[2])
	case len(parts) == 3:
		return calendarDate(parts[0], parts[1], parts[2])
	case len(parts) == 2:
		y, err := isoNum(parts[0], 1, 9999, "year")
		if err != nil {
			return 0, 0, err
		}
		d, err := isoNum(parts[1], 1, daysIn(y), "day of the year")
		if err != nil {
			return 0, 0, err
		}
		return y, d, nil
	case len(parts) == 1 && len(s) == 8 && allDigits(s):
		return calendarDate(s[:4], s[4:6], s[6:])
	case len(parts) == 1 && len(s) == 8 && s[4] == 'W' && allDigits(s[:4]+s[5:]):
		return weekDate(s[:4], s[5:7], s[7:])
	}
	return 0, 0, fmt.Errorf("unrecognised date %q", s)
}

func calendarDate(ys, ms, ds string) (int, int, error) {
	y, err := isoNum(ys, 1, 9999, "year")
	if err != nil {
		return 0, 0, err
	}
	m, err := isoNum(ms, 1, 12, "month")
	if err != nil {
		return 0, 0, err
	}
	last := time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	d, err := isoNum(ds, 1, last, "day of the month")
	if err != nil {
		return 0, 0, err
	}
	return y, time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).YearDay(), nil
}

// weekDate converts an ISO week date to (year, day of year), which may fall
// in the previous or next calendar year.
func weekDate(ys, ws, ds string) (int, int, error) {
	y, err := isoNum(ys, 1, 9999, "year")
	if err != nil {
		return 0, 0, err
	}
	w, err := isoNum(ws, 1, isoWeeksIn(y), "week")
	if err != nil {
		return 0, 0, err
	}
	d, err := isoNum(ds, 1, 7, "day of the week")
	if err != nil {
		return 0, 0, err
	}
	// Monday of week 1 is the Monday on or before 4 January.
	jan4 := time.Date(y, time.January, 4, 0, 0, 0, 0, time.UTC)
	wd := int(jan4.Weekday()+6) % 7 // Monday=0
	day := jan4.AddDate(0, 0, -wd+(w-1)*7+(d-1))
	return day.Year(), day.YearDay(), nil
}

func isoWeeksIn(y int) int {
	_, w := time.Date(y, time.December, 28, 0, 0, 0, 0, time.UTC).ISOWeek()
	return w
}

func daysIn(y int) int {
	return time.Date(y, time.December, 31, 0, 0, 0, 0, time.UTC).YearDay()
}

// parseISOClock reads HH:MM:SS, HH:MM, HH or HHMM[SS] and returns seconds
// since midnight. allow24 accepts 24:00:00.
func parseISOClock(s string, allow24 bool) (int, error) {
	var fields []string
	switch {
	case strings.Contains(s, ":"):
		fields = strings.Split(s, ":")
	case allDigits(s) && (len(s) == 2 || len(s) == 4 || len(s) == 6):
		for i := 0; i < len(s); i += 2 {
			fields = append(fields, s[i:i+2])
		}
	default:
		return 0, fmt.Errorf("unrecognised time %q", s)
	}
	if len(fields) > 3 {
		return 0, fmt.Errorf("unrecognised time %q", s)
	}
	limits := []struct {
		max  int
		what string
	}{{24, "hour"}, {59, "minute"}, {60, "second"}}
	var v [3]int
	for i, f := range fields {
		n, err := isoNum(f, 0, limits[i].max, limits[i].what)
		if err != nil {
			return 0, err
		}
		v[i] = n
	}
	if v[0] == 24 && (!allow24 || v[1] != 0 || v[2] != 0) {
		return 0, fmt.Errorf("hour 24 is only allowed as 24:00:00")
	}
	return v[0]*3600 + v[1]*60 + v[2], nil
}

// parseISOOffset reads Z, +HH, +HH:MM or +HHMM (or with -) and returns the
// offset east of UTC in seconds.
func parseISOOffset(s string) (int, error) {
	if s == "Z" {
		return 0, nil
	}
	sign := 1
	switch s[0] {
	case '+':
	case '-':
		sign = -1
	default:
		return 0, fmt.Errorf("unrecognised offset %q", s)
	}
	body := s[1:]
	if strings.Count(body, ":") > 1 {
		return 0, fmt.Errorf("unrecognised offset %q", s)
	}
	secs, err := parseISOClock(body, false)
	if err != nil || secs%60 != 0 {
		return 0, fmt.Errorf("unrecognised offset %q", s)
	}
	return sign * secs, nil
}

func isoNum(s string, lo, hi int, what string) (int, error) {
	if !allDigits(s) {
		return 0, fmt.Errorf("%s %q is not a number", what, s)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s %s is out of range %d-%d", what, s, lo, hi)
	}
	return n, nil
}

func allDigits(s string) bool {
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

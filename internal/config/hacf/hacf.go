// Package hacf reads Heartbeat's /etc/ha.d/ha.cf and /etc/ha.d/authkeys and
// turns them into pacer's pacer.toml and authkey (see Convert and
// ConvertAuthkeys). Every value taken, every default filled in and every
// directive pacer cannot honour is reported as a Note naming the line it
// came from; input Heartbeat itself would refuse is an *Error naming file
// and line, and nothing is produced.
//
// docs/migration.md is the operator's description of the mapping.
package hacf

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxSize bounds the input: a real ha.cf or authkeys is a few KiB.
const MaxSize = 1 << 20

// maxErrors bounds how many problems one parse reports.
const maxErrors = 50

// Error is a problem in an input file, with where it is.
type Error struct {
	File string
	Line int // 0 when it concerns the whole file
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

// Directive is one ha.cf line: the directive's name and its words.
type Directive struct {
	Name string
	Args []string
	Line int
}

// File is a parsed ha.cf, directives in file order.
type File struct {
	Name       string
	Directives []Directive
}

// kind says how Heartbeat reads a directive's words.
type kind int

const (
	// optionList: each word is one value (node alice bob; serial
	// /dev/ttyS0 /dev/ttyS1), split on blanks and commas.
	optionList kind = iota
	// wholeLine: the words together are one value (ucast eth0 10.0.0.2,
	// mcast eth1 239.0.0.1 694 1 0, stonith_host * ...).
	wholeLine
)

type directiveSpec struct {
	kind     kind
	min, max int // word counts; max 0 means unbounded
}

// directives are the ha.cf directives of Heartbeat 3.0 (config.c's
// Directives and WLdirectives, and the HBcomm media plugins), with how many
// words each takes. Heartbeat refused any other directive, and so does
// Parse.
var directives = map[string]directiveSpec{
	// cluster and nodes
	"cluster": {optionList, 1, 1}, "node": {optionList, 1, 0}, "autojoin": {optionList, 1, 1},
	"uuidfrom": {optionList, 1, 1}, "hopfudge": {optionList, 1, 1},
	// timing
	"keepalive": {optionList, 1, 1}, "deadtime": {optionList, 1, 1}, "warntime": {optionList, 1, 1},
	"initdead": {optionList, 1, 1}, "deadping": {optionList, 1, 1},
	// media
	"udpport": {optionList, 1, 1}, "baud": {optionList, 1, 1},
	"bcast": {optionList, 1, 0}, "udp": {optionList, 1, 0}, "serial": {optionList, 1, 0},
	"ucast": {wholeLine, 2, 0}, "mcast": {wholeLine, 5, 5}, "mcast6": {wholeLine, 5, 5},
	"ping": {optionList, 1, 0}, "ping_group": {wholeLine, 2, 0}, "hbaping": {optionList, 1, 0},
	// resources and failover
	"auto_failback": {optionList, 1, 1}, "nice_failback": {optionList, 1, 1},
	"crm": {optionList, 1, 1}, "pacemaker": {optionList, 1, 1},
	"stonith": {wholeLine, 2, 0}, "stonith_host": {wholeLine, 3, 0},
	"watchdog": {optionList, 1, 1}, "respawn": {wholeLine, 2, 0}, "failfast": {wholeLine, 2, 0},
	"quorum_server": {optionList, 1, 1},
	// logging
	"logfacility": {optionList, 1, 1}, "logfile": {optionList, 1, 1}, "debugfile": {optionList, 1, 1},
	"debug": {optionList, 1, 1}, "use_logd": {optionList, 1, 1}, "conn_logd_time": {optionList, 1, 1},
	"syslogmsgfmt": {optionList, 1, 1},
	// process and wire details
	"realtime": {optionList, 1, 1}, "rtprio": {optionList, 1, 1}, "coredumps": {optionList, 1, 1},
	"coreroot": {optionList, 1, 1}, "hbgenmethod": {optionList, 1, 1}, "msgfmt": {optionList, 1, 1},
	"compression": {optionList, 1, 1}, "compression_threshold": {optionList, 1, 1},
	"traditional_compression": {optionList, 1, 1}, "max_rexmit_delay": {optionList, 1, 1},
	"memreserve": {optionList, 1, 1}, "env": {optionList, 1, 0}, "apiauth": {wholeLine, 2, 0},
	"use_apphbd": {optionList, 1, 1}, "record_config_changes": {optionList, 1, 1},
	"record_pengine_inputs": {optionList, 1, 1}, "enable_config_writes": {optionList, 1, 1},
}

// Parse reads an ha.cf. name is used in messages. '#' starts a comment
// anywhere on a line, as Heartbeat reads it. On error it returns nil and
// every problem found (up to 50), each an *Error naming the line.
func Parse(data []byte, name string) (*File, error) {
	if len(data) > MaxSize {
		return nil, &Error{File: name, Msg: fmt.Sprintf("file is larger than %d bytes", MaxSize)}
	}
	f := &File{Name: name}
	var errs []error
	for i, raw := range bytes.Split(data, []byte("\n")) {
		if len(errs) >= maxErrors {
			break
		}
		line := i + 1
		text := string(raw)
		if strings.IndexByte(text, 0) >= 0 {
			errs = append(errs, &Error{File: name, Line: line, Msg: "NUL byte in a text file"})
			continue
		}
		if j := strings.IndexByte(text, '#'); j >= 0 {
			text = text[:j]
		}
		words := strings.Fields(text)
		if len(words) == 0 {
			continue
		}
		dname := words[0]
		spec, ok := directives[dname]
		if !ok {
			errs = append(errs, &Error{File: name, Line: line, Msg: fmt.Sprintf("unknown directive %q (Heartbeat refuses it too: \"Illegal directive\")", dname)})
			continue
		}
		args := words[1:]
		if spec.kind == optionList {
			// Heartbeat splits option values on commas as well.
			args = nil
			for _, w := range words[1:] {
				for _, p := range strings.Split(w, ",") {
					if p != "" {
						args = append(args, p)
					}
				}
			}
		}
		switch {
		case len(args) < spec.min:
			errs = append(errs, &Error{File: name, Line: line, Msg: fmt.Sprintf("%s needs %s", dname, wordCount(spec.min, spec.max))})
			continue
		case spec.max > 0 && len(args) > spec.max:
			errs = append(errs, &Error{File: name, Line: line, Msg: fmt.Sprintf("%s takes %s, got %d", dname, wordCount(spec.min, spec.max), len(args))})
			continue
		}
		f.Directives = append(f.Directives, Directive{Name: dname, Args: args, Line: line})
	}
	if len(errs) > 0 {
		if len(errs) > maxErrors {
			errs = errs[:maxErrors]
		}
		return nil, errors.Join(errs...)
	}
	return f, nil
}

func wordCount(min, max int) string {
	plural := func(n int) string {
		if n == 1 {
			return "1 value"
		}
		return strconv.Itoa(n) + " values"
	}
	switch {
	case min == max:
		return plural(min)
	case max == 0:
		return "at least " + plural(min)
	default:
		return fmt.Sprintf("%d to %d values", min, max)
	}
}

// ParseMsec reads a Heartbeat time as cl_get_msec does: a number of
// seconds, possibly with a fraction ("2", "0.5"), or a number followed by
// "ms" or "us" ("500ms"), rounded to the millisecond.
func ParseMsec(s string) (time.Duration, error) {
	num := s
	unit := time.Second
	lower := strings.ToLower(s)
	switch {
	case strings.HasSuffix(lower, "ms"):
		num, unit = strings.TrimSpace(s[:len(s)-2]), time.Millisecond
	case strings.HasSuffix(lower, "us"):
		num, unit = strings.TrimSpace(s[:len(s)-2]), time.Microsecond
	}
	if num == "" || strings.Trim(num, "0123456789.") != "" || strings.Count(num, ".") > 1 || num == "." {
		return 0, fmt.Errorf("%q is not a time: Heartbeat reads seconds (2, 0.5) or a number with ms or us (500ms)", s)
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v > 1e9 {
		return 0, fmt.Errorf("%q is not a time: Heartbeat reads seconds (2, 0.5) or a number with ms or us (500ms)", s)
	}
	ms := int64(v*float64(unit)/float64(time.Millisecond) + 0.5)
	return time.Duration(ms) * time.Millisecond, nil
}

// parseBool reads a Heartbeat boolean as cl_str_to_boolean does.
func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true", "on", "yes", "y", "1":
		return true, true
	case "false", "off", "no", "n", "0":
		return false, true
	}
	return false, false
}

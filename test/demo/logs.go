package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"
)

// event is one line of a pacerd JSON log (--log-format json): zap's
// level, ts (RFC 3339, nanoseconds), logger and msg, and the structured
// fields. The demo takes every time it prints from these lines, so the
// figures are what the daemons recorded, not what this program observed.
type event struct {
	Node   string // whose log
	TS     time.Time
	Logger string
	Msg    string
	Fields map[string]any
}

// Str returns field k as text ("" when absent).
func (e event) Str(k string) string {
	v, ok := e.Fields[k]
	if !ok {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

// readEvents parses a node's log. Lines that are not JSON (a panic, the
// start of a line still being written) are skipped.
func readEvents(node, path string) []event {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []event
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) != nil {
			continue
		}
		e := event{Node: node, Fields: m}
		e.Msg, _ = m["msg"].(string)
		e.Logger, _ = m["logger"].(string)
		if ts, ok := m["ts"].(string); ok {
			e.TS, _ = time.Parse(time.RFC3339Nano, ts)
		}
		out = append(out, e)
	}
	return out
}

// match is a filter on events: the message, and fields that must (or,
// with a leading "!", must not) have a value.
type match struct {
	logger string // "" for any
	msg    string
	fields map[string]string
	after  time.Time
}

func (m match) ok(e event) bool {
	if e.Msg != m.msg || e.TS.Before(m.after) || (m.logger != "" && e.Logger != m.logger) {
		return false
	}
	for k, v := range m.fields {
		if neg, found := strings.CutPrefix(v, "!"); found {
			if e.Str(k) == neg {
				return false
			}
		} else if e.Str(k) != v {
			return false
		}
	}
	return true
}

// find returns the earliest event, over the given nodes' logs, that m
// matches.
func (d *demo) find(nodes []string, m match) (event, bool) {
	var hits []event
	for _, n := range nodes {
		for _, e := range readEvents(n, d.logPath(n)) {
			if m.ok(e) {
				hits = append(hits, e)
				break
			}
		}
	}
	if len(hits) == 0 {
		return event{}, false
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i].TS.Before(hits[j].TS) })
	return hits[0], true
}

// waitFor polls the logs until m matches or the timeout passes; the
// error says what was awaited.
func (d *demo) waitFor(nodes []string, timeout time.Duration, m match) (event, error) {
	deadline := time.Now().Add(timeout)
	for {
		if e, ok := d.find(nodes, m); ok {
			return e, nil
		}
		if time.Now().After(deadline) {
			return event{}, fmt.Errorf("no %q %v in the logs of %s within %v", m.msg, m.fields, strings.Join(nodes, ", "), timeout)
		}
		select {
		case <-d.ctx.Done():
			return event{}, fmt.Errorf("waiting for %q %v: %w", m.msg, m.fields, d.ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// line renders an event for the reader: time, node, message and the
// fields an operator would ask about.
func (e event) line() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %-8s %s", e.TS.Local().Format("15:04:05.000"), e.Node, e.Msg)
	for _, k := range []string{"transition", "rsc", "op", "node", "rc", "rc_text", "devices", "executor", "term", "duration", "reason"} {
		if v := e.Str(k); v != "" {
			if k == "reason" || strings.ContainsAny(v, " ") {
				v = fmt.Sprintf("%q", v)
			}
			fmt.Fprintf(&b, " %s=%s", k, v)
		}
	}
	return b.String()
}

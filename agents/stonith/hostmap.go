package stonith

import (
	"fmt"
	"strings"
)

// HostMap is a parsed pcmk_host_map: node name to the plug (port) the
// device knows it by. Node names compare case-insensitively, as in
// Pacemaker; keys are stored lower-cased.
type HostMap map[string]string

// Lookup returns the plug for node.
func (m HostMap) Lookup(node string) (string, bool) {
	p, ok := m[strings.ToLower(node)]
	return p, ok
}

// ParseHostMap parses pcmk_host_map as Pacemaker's build_port_aliases
// does: entries "node:plug" or "node=plug", separated by ';', spaces or
// tabs (not commas, which may list several plugs for one node); a
// backslash escapes the next character. A later entry for a node replaces
// an earlier one. Fragments without a node name or plug are skipped, as
// Pacemaker skips them, and the first is reported in the error; the map
// holds every good entry either way.
func ParseHostMap(s string) (HostMap, error) {
	m := HostMap{}
	var firstErr error
	var tok strings.Builder
	var name string
	haveName := false
	flush := func() {
		val := tok.String()
		tok.Reset()
		switch {
		case haveName && name != "" && val != "":
			m[strings.ToLower(name)] = val
		case haveName || val != "":
			if firstErr == nil {
				frag := val
				if haveName {
					frag = name + ":" + val
				}
				firstErr = fmt.Errorf("pcmk_host_map: cannot parse %q (want node:plug)", frag)
			}
		}
		name, haveName = "", false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 < len(s) {
				i++
				tok.WriteByte(s[i])
			}
		case '=', ':':
			// As in Pacemaker, a second assignment character starts
			// the name over: "a=b=c" maps b to c.
			if tok.Len() > 0 {
				name, haveName = tok.String(), true
			} else if !haveName {
				haveName = true
			}
			tok.Reset()
		case ';', ' ', '\t', '\n', '\r':
			flush()
		default:
			tok.WriteByte(c)
		}
	}
	flush()
	return m, firstErr
}

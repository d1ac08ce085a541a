package stonith

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// Plug is one line of a fence agent's list or list-status output: a plug
// (outlet, VM, port) the device controls, its alias (often the VM or host
// name) and, from list-status, its state ("ON", "OFF", "UNKNOWN").
type Plug struct {
	Name   string
	Alias  string
	Status string
}

// maxListLine bounds a line of list output, so a broken agent cannot make
// the parser hold an unbounded line.
const maxListLine = 64 << 10

// ParseList parses the output of the list and list-status actions.
// fence-agents print "plug,alias" (list) or "plug,alias,status"
// (list-status), one plug a line, with the separator option's default
// ","; older agents such as fence_xvm separate fields with blanks instead,
// so a line without a comma is split on spaces, tabs and ';'.
//
// Lines that are not plugs are skipped: empty lines, "N/A" (an agent
// without plugs), fence-agents' "NOTICE:" lines, and, as in Pacemaker's
// parse_host_line, lines holding "invalid" or "variable" (an agent's
// complaint about a parameter it does not know). A line whose first field
// is empty is an error naming its line number; the plugs read so far are
// returned with it.
func ParseList(out []byte) ([]Plug, error) {
	var plugs []Plug
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 4096), maxListLine)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if skipListLine(line) {
			continue
		}
		var fields []string
		if strings.Contains(line, ",") {
			fields = strings.Split(line, ",")
		} else {
			fields = strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '\t' || r == ';' })
		}
		for i := range fields {
			fields[i] = strings.TrimSpace(fields[i])
		}
		if len(fields) == 0 || fields[0] == "" {
			return plugs, fmt.Errorf("fence agent list line %d %q: no plug name", n, line)
		}
		p := Plug{Name: fields[0]}
		if len(fields) > 1 {
			p.Alias = fields[1]
		}
		if len(fields) > 2 {
			p.Status = strings.ToUpper(fields[2])
		}
		plugs = append(plugs, p)
	}
	if err := sc.Err(); err != nil {
		return plugs, fmt.Errorf("fence agent list line %d: %w", n+1, err)
	}
	return plugs, nil
}

func skipListLine(line string) bool {
	return line == "" || line == "N/A" || strings.HasPrefix(line, "NOTICE:") ||
		strings.Contains(line, "invalid") || strings.Contains(line, "variable")
}

// Targets returns the names a device with pcmk_host_check=dynamic-list
// can fence: every plug name and alias, as Pacemaker's fencer counts both
// (it never counts the words "on" and "off", which some agents print in a
// status column). Duplicates appear once, in first-seen order.
func Targets(plugs []Plug) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range plugs {
		for _, n := range []string{p.Name, p.Alias} {
			if n == "" || n == "on" || n == "off" || seen[n] {
				continue
			}
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

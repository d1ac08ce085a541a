// Package haresources imports Heartbeat v1's /etc/ha.d/haresources into
// pacer's CIB model.
//
// Each line of the file names a node and the resources it normally runs,
// started left to right and stopped right to left:
//
//	node1 IPaddr::10.0.0.1/24/eth0 Filesystem::/dev/drbd0::/srv::ext4 drbddisk::r0 nfs-kernel-server
//
// Parse turns every line into a group of primitives (or a single primitive)
// with a location constraint preferring the node, named as Heartbeat's own
// converter, haresources2cib.py, named them. docs/haresources.md describes
// the whole mapping.
package haresources

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"pacer/crm/cib"
)

// MaxSize bounds the input: a real haresources file is a few lines long.
const MaxSize = 1 << 20

// maxErrors bounds how many problems one Parse reports.
const maxErrors = 50

// Error is a problem in the input, with where it is.
type Error struct {
	File string
	Pos  cib.Pos
	Msg  string
}

func (e *Error) Error() string {
	return e.Pos.Where(e.File) + e.Msg
}

// Warning is something the import did that an administrator should review
// (an assumed init script, a resource class pacer cannot run).
type Warning struct {
	File string
	Pos  cib.Pos
	Msg  string
}

func (w Warning) String() string {
	return (&Error{File: w.File, Pos: w.Pos, Msg: w.Msg}).Error()
}

// Options are the ha.cf settings that change the meaning of haresources.
type Options struct {
	// AutoFailback is ha.cf's auto_failback: when on (Heartbeat's
	// behaviour by default), resources move back to their node as soon as
	// it returns; when off they stay where they are until that node fails.
	AutoFailback bool
}

// DefaultOptions are Heartbeat's defaults (auto_failback on).
func DefaultOptions() Options { return Options{AutoFailback: true} }

// Result is what a haresources file becomes: resources and constraints to
// add to a configuration (see Merge), and warnings to show.
type Result struct {
	Resources   []*cib.Resource
	Constraints []*cib.Constraint
	Warnings    []Warning
	// Lines says what each haresources line became, in file order, for
	// an import to explain itself.
	Lines []Line
}

// Line is what one logical haresources line became.
type Line struct {
	Pos  cib.Pos // of the node word
	Node string
	// Top is the group (or lone primitive) made of the line's resources,
	// "" when the line held only drbddisk words.
	Top     string
	TopKind cib.ResourceKind
	// Members are the primitives, in start order.
	Members []*cib.Resource
	// DRBD are the promotable clones the line's drbddisk words stand for
	// (made by this line or an earlier one).
	DRBD []*cib.Resource
	// Constraints are the ones this line made: the node preference, and
	// the colocation and order with each DRBD clone.
	Constraints []*cib.Constraint
}

// Parse reads a haresources file with DefaultOptions. name is used in
// error messages. On any error it returns a nil Result and every problem
// found (up to 50), each an *Error naming line and column.
func Parse(r io.Reader, name string) (*Result, error) {
	return ParseOptions(r, name, DefaultOptions())
}

// ParseOptions is Parse with options.
func ParseOptions(r io.Reader, name string, o Options) (*Result, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read haresources %s: %w", name, err)
	}
	if len(data) > MaxSize {
		return nil, &Error{File: name, Msg: fmt.Sprintf("file is larger than %d bytes", MaxSize)}
	}
	lines, errs := lex(data, name)
	c := newConverter(name, o)
	c.errs = errs
	for _, l := range lines {
		if len(c.errs) >= maxErrors {
			break
		}
		c.line(l)
	}
	if len(c.errs) > 0 {
		if len(c.errs) > maxErrors {
			c.errs = c.errs[:maxErrors]
		}
		return nil, errors.Join(c.errs...)
	}
	return c.res, nil
}

// Merge adds the result to cfg. It validates the merged configuration first
// and, if that fails (an id already used, for example), returns the
// validation errors and leaves cfg unchanged.
func (res *Result) Merge(cfg *cib.Configuration) error {
	merged := *cfg
	merged.Resources = append(append([]*cib.Resource(nil), cfg.Resources...), res.Resources...)
	merged.Constraints = append(append([]*cib.Constraint(nil), cfg.Constraints...), res.Constraints...)
	if err := cib.ValidateConfiguration(&merged); err != nil {
		return fmt.Errorf("merge haresources: %w", err)
	}
	*cfg = merged
	return nil
}

// token is one whitespace-separated word and where it starts.
type token struct {
	text string
	pos  cib.Pos
}

// lex splits the input into logical lines of tokens. '#' at the start of a
// word begins a comment that runs to the end of the physical line; a line
// ending in '\' continues on the next one; blank and comment-only lines
// are skipped (a comment line does not end a continuation).
func lex(data []byte, name string) ([][]token, []error) {
	var (
		out  [][]token
		cur  []token
		errs []error
	)
	for i, raw := range bytes.Split(data, []byte("\n")) {
		lineNo := i + 1
		line := strings.TrimSuffix(string(raw), "\r")
		if strings.IndexByte(line, 0) >= 0 {
			errs = append(errs, &Error{File: name, Pos: cib.Pos{Line: lineNo, Col: strings.IndexByte(line, 0) + 1}, Msg: "NUL byte in a text file"})
			continue
		}
		toks, cont := lexLine(line, lineNo)
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			if len(cur) > 0 {
				out = append(out, cur)
				cur = nil
			}
			continue
		}
		if strings.HasPrefix(trimmed, "#") {
			continue
		}
		cur = append(cur, toks...)
		if !cont && len(cur) > 0 {
			out = append(out, cur)
			cur = nil
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out, errs
}

// lexLine returns the words of one physical line and whether it ends in a
// continuation backslash (which is not part of any word).
func lexLine(line string, lineNo int) ([]token, bool) {
	var toks []token
	cont := false
	i := 0
	for i < len(line) {
		if isSpace(line[i]) {
			i++
			continue
		}
		if line[i] == '#' {
			break
		}
		j := i
		for j < len(line) && !isSpace(line[j]) {
			j++
		}
		toks = append(toks, token{text: line[i:j], pos: cib.Pos{Line: lineNo, Col: i + 1}})
		i = j
	}
	if n := len(toks); n > 0 {
		last := &toks[n-1]
		if strings.HasSuffix(last.text, `\`) {
			cont = true
			last.text = strings.TrimSuffix(last.text, `\`)
			if last.text == "" {
				toks = toks[:n-1]
			}
		}
	}
	return toks, cont
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\v' || b == '\f' }

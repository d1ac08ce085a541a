package config

import (
	"strconv"
	"strings"
)

// The toml library keeps the position of each key by its dotted name only, so
// every [[link]] table shares one "link.baud" entry (the last one). To point an
// error at the right line of the right table, the source is scanned once more
// here: a small TOML tokenizer that knows tables, arrays of tables, keys,
// strings, arrays and inline tables, and records where each key is written
// under the path errors use ("link[2].baud"). It runs only on input that the
// toml parser has accepted, and on anything else it stops early without
// panicking.

// position is where a key is written: 1-based line and byte column.
type position struct{ line, col int }

// positions maps key paths to where they are written.
type positions map[string]position

// keyPart renders one key component for a path: bare when it is a TOML bare
// key, quoted otherwise, so "alpha.example.com" stays one component.
func keyPart(s string) string {
	if s == "" {
		return `""`
	}
	for _, r := range s {
		if !isBare(byte(r)) || r >= 0x80 {
			return strconv.Quote(s)
		}
	}
	return s
}

// joinPath appends one key component to a path.
func joinPath(prefix, part string) string {
	if prefix == "" {
		return keyPart(part)
	}
	return prefix + "." + keyPart(part)
}

// indexPath names element i of an array.
func indexPath(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

func isBare(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// scanner walks TOML source recording key positions.
type scanner struct {
	src  string
	i    int
	line int
	col0 int // offset of the first byte of the current line
	pos  positions
	// arrays counts the elements of each array of tables by resolved path
	// ("link", "link[0].sub").
	arrays map[string]int
}

// scanPositions returns where each key, table and array-of-tables element of
// src is written.
func scanPositions(src string) positions {
	s := &scanner{src: src, line: 1, pos: positions{}, arrays: map[string]int{}}
	if strings.HasPrefix(src, "\uFEFF") { // a UTF-8 byte order mark
		s.i = len("\uFEFF")
	}
	s.document()
	return s.pos
}

func (s *scanner) eof() bool { return s.i >= len(s.src) }

func (s *scanner) peek() byte {
	if s.eof() {
		return 0
	}
	return s.src[s.i]
}

func (s *scanner) here() position { return position{line: s.line, col: s.i - s.col0 + 1} }

// advance moves one byte, counting lines.
func (s *scanner) advance() {
	if s.eof() {
		return
	}
	if s.src[s.i] == '\n' {
		s.line++
		s.col0 = s.i + 1
	}
	s.i++
}

func (s *scanner) record(path string, p position) {
	if _, ok := s.pos[path]; !ok {
		s.pos[path] = p
	}
}

// skipSpace skips blanks; with newlines it also skips line ends and comments.
func (s *scanner) skipSpace(newlines bool) {
	for !s.eof() {
		switch c := s.peek(); {
		case c == ' ' || c == '\t':
			s.advance()
		case newlines && (c == '\n' || c == '\r'):
			s.advance()
		case newlines && c == '#':
			s.skipLine()
		default:
			return
		}
	}
}

// skipLine moves past the end of the current line.
func (s *scanner) skipLine() {
	for !s.eof() && s.peek() != '\n' {
		s.advance()
	}
	s.advance()
}

func (s *scanner) hasPrefix(p string) bool { return strings.HasPrefix(s.src[s.i:], p) }

func (s *scanner) document() {
	prefix := ""
	for !s.eof() {
		s.skipSpace(true)
		if s.eof() {
			return
		}
		start := s.i
		at := s.here()
		switch {
		case s.hasPrefix("[["):
			s.advance()
			s.advance()
			parts := s.key()
			base := s.resolve(parts[:len(parts)-1])
			base = joinPath(base, parts[len(parts)-1])
			n := s.arrays[base]
			s.arrays[base] = n + 1
			prefix = indexPath(base, n)
			s.record(prefix, at)
			s.skipLine()
		case s.peek() == '[':
			s.advance()
			prefix = s.resolve(s.key())
			s.record(prefix, at)
			s.skipLine()
		default:
			parts := s.key()
			if len(parts) == 0 {
				s.skipLine()
				break
			}
			path := prefix
			for _, p := range parts {
				path = joinPath(path, p)
			}
			s.record(path, at)
			s.skipSpace(false)
			if s.peek() != '=' {
				s.skipLine()
				break
			}
			s.advance()
			s.value(path)
		}
		if s.i == start { // never loop without progress
			s.advance()
		}
	}
}

// resolve turns header key components into a path, indexing every
// component that names an array of tables with its last element.
func (s *scanner) resolve(parts []string) string {
	path := ""
	for _, p := range parts {
		path = joinPath(path, p)
		if n, ok := s.arrays[path]; ok && n > 0 {
			path = indexPath(path, n-1)
		}
	}
	return path
}

// key reads a dotted key: bare, "basic" or 'literal' components.
func (s *scanner) key() []string {
	var parts []string
	for {
		s.skipSpace(false)
		start := s.i
		switch c := s.peek(); {
		case c == '"':
			parts = append(parts, unquoteBasic(s.basicString()))
		case c == '\'':
			raw := s.literalString()
			parts = append(parts, strings.TrimSuffix(strings.TrimPrefix(raw, "'"), "'"))
		case isBare(c):
			for !s.eof() && isBare(s.peek()) {
				s.advance()
			}
			parts = append(parts, s.src[start:s.i])
		default:
			return parts
		}
		if s.i == start {
			return parts
		}
		s.skipSpace(false)
		if s.peek() != '.' {
			return parts
		}
		s.advance()
	}
}

// basicString reads a "basic" string on one line and returns its raw text,
// quotes included.
func (s *scanner) basicString() string {
	start := s.i
	s.advance()
	for !s.eof() {
		switch s.peek() {
		case '\\':
			s.advance()
			s.advance()
		case '"':
			s.advance()
			return s.src[start:s.i]
		case '\n':
			return s.src[start:s.i]
		default:
			s.advance()
		}
	}
	return s.src[start:s.i]
}

// literalString reads a 'literal' string on one line, quotes included.
func (s *scanner) literalString() string {
	start := s.i
	s.advance()
	for !s.eof() {
		switch s.peek() {
		case '\'':
			s.advance()
			return s.src[start:s.i]
		case '\n':
			return s.src[start:s.i]
		default:
			s.advance()
		}
	}
	return s.src[start:s.i]
}

// multiline skips a multi-line string (delim is three quotes), which may hold
// up to two extra quotes just before its closing delimiter.
func (s *scanner) multiline(delim string) {
	for range 3 {
		s.advance()
	}
	for !s.eof() {
		if delim == `"""` && s.peek() == '\\' {
			s.advance()
			s.advance()
			continue
		}
		if s.hasPrefix(delim) {
			for range 3 {
				s.advance()
			}
			for n := 0; n < 2 && s.peek() == delim[0]; n++ {
				s.advance()
			}
			return
		}
		s.advance()
	}
}

// value skips one value, recording the keys of inline tables under path and
// the elements of arrays as path[i].
func (s *scanner) value(path string) {
	s.skipSpace(false)
	switch c := s.peek(); {
	case s.hasPrefix(`"""`):
		s.multiline(`"""`)
	case s.hasPrefix(`'''`):
		s.multiline(`'''`)
	case c == '"':
		s.basicString()
	case c == '\'':
		s.literalString()
	case c == '[':
		s.array(path)
	case c == '{':
		s.inlineTable(path)
	default:
		for !s.eof() {
			switch s.peek() {
			case ',', ']', '}', '#', '\n', '\r':
				return
			}
			s.advance()
		}
	}
}

func (s *scanner) array(path string) {
	s.advance() // [
	for n := 0; !s.eof(); n++ {
		s.skipSpace(true)
		if s.peek() == ']' {
			s.advance()
			return
		}
		start := s.i
		elem := indexPath(path, n)
		s.record(elem, s.here())
		s.value(elem)
		s.skipSpace(true)
		if s.peek() == ',' {
			s.advance()
		} else if s.i == start {
			return // not a value: give up rather than spin
		}
	}
}

func (s *scanner) inlineTable(path string) {
	s.advance() // {
	for !s.eof() {
		s.skipSpace(true) // TOML 1.1 allows newlines in inline tables
		if s.peek() == '}' {
			s.advance()
			return
		}
		at := s.here()
		parts := s.key()
		if len(parts) == 0 {
			return
		}
		p := path
		for _, k := range parts {
			p = joinPath(p, k)
		}
		s.record(p, at)
		s.skipSpace(false)
		if s.peek() != '=' {
			return
		}
		s.advance()
		s.value(p)
		s.skipSpace(true)
		if s.peek() == ',' {
			s.advance()
		}
	}
}

// unquoteBasic decodes a "basic" TOML string as well as Go's rules allow,
// which covers the escapes keys use in practice; on failure the text between
// the quotes is returned as is.
func unquoteBasic(raw string) string {
	if u, err := strconv.Unquote(raw); err == nil {
		return u
	}
	return strings.TrimSuffix(strings.TrimPrefix(raw, `"`), `"`)
}

package crmsh

import (
	"strings"

	"pacer/crm/cib"
)

// A token is one shell word of a statement, after quote removal.
type token struct {
	text string
	pos  cib.Pos
	// bare is true when no quote or backslash was used: only bare words
	// are keywords, so `"params"` names a resource called params.
	bare bool
	// qpos and qend delimit in text the first part that came from quotes
	// or a backslash (qpos -1 if none): `$"a=b":x` is a pair whose id is
	// a=b, not `$a=...`, and `$"a:b":x` one whose id is a:b.
	qpos, qend int
	eof        bool
}

// A line is one logical line of input: physical lines joined at a
// trailing backslash, as crmsh's lines2cli joins them.
type line struct {
	text []byte
	pos  []cib.Pos // pos[i] is where text[i] was read
	end  cib.Pos   // just past the last byte, for "unexpected end" errors
}

// splitLines cuts src into logical lines. Like crmsh it strips every
// physical line, drops the trailing backslashes of a continued one and
// joins the pieces without a separator (the space before the backslash is
// what separates words). Blank lines and lines starting with '#' are
// skipped, except that a continued statement goes on over a '#' line.
func splitLines(src []byte) []line {
	var out []line
	var cur line
	flush := func() {
		if len(cur.text) > 0 {
			out = append(out, cur)
		}
		cur = line{}
	}
	lineNo := 0
	for len(src) > 0 {
		var raw []byte
		if i := indexByte(src, '\n'); i >= 0 {
			raw, src = src[:i], src[i+1:]
		} else {
			raw, src = src, nil
		}
		lineNo++
		start, stop := trimBounds(raw)
		body := raw[start:stop]
		if len(body) == 0 {
			// A blank line ends a continued statement, as in crmsh.
			flush()
			continue
		}
		if body[0] == '#' && len(cur.text) == 0 {
			// A comment; inside a continued statement crmsh takes the
			// line as part of it (`\t#uname eq a` is an expression).
			continue
		}
		cont := false
		for len(body) > 0 && body[len(body)-1] == '\\' {
			body = body[:len(body)-1]
			cont = true
		}
		col := start + 1
		for i := range body {
			cur.text = append(cur.text, body[i])
			cur.pos = append(cur.pos, cib.Pos{Line: lineNo, Col: col + i})
		}
		cur.end = cib.Pos{Line: lineNo, Col: col + len(body)}
		if !cont {
			flush()
		}
	}
	flush()
	return out
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'
}

func trimBounds(b []byte) (int, int) {
	i, j := 0, len(b)
	for i < j && isSpace(b[i]) {
		i++
	}
	for j > i && isSpace(b[j-1]) {
		j--
	}
	return i, j
}

// lexError is a tokenizing problem (an unterminated quote).
type lexError struct {
	pos cib.Pos
	msg string
}

// tokenize splits a logical line into words with POSIX shell rules, the
// rules of Python's shlex.split that crmsh uses: whitespace separates
// words, '...' is literal, "..." takes \" and \\ as escapes and keeps any
// other backslash, and outside quotes a backslash escapes the next byte.
func tokenize(l line) ([]token, *lexError) {
	var toks []token
	var b strings.Builder
	text := l.text
	posAt := func(i int) cib.Pos {
		if i < len(l.pos) {
			return l.pos[i]
		}
		return l.end
	}
	if i := indexByte(text, 0); i >= 0 {
		// Nothing in a CIB can hold a NUL, and the parser uses one
		// internally (noID).
		return nil, &lexError{posAt(i), "NUL byte in input"}
	}
	i := 0
	for i < len(text) {
		for i < len(text) && isSpace(text[i]) {
			i++
		}
		if i >= len(text) {
			break
		}
		start := i
		bare := true
		qpos, qend := -1, -1
		b.Reset()
		for i < len(text) && !isSpace(text[i]) {
			first := false
			if c := text[i]; (c == '\'' || c == '"' || c == '\\') && qpos < 0 {
				qpos, first = b.Len(), true
			}
			switch c := text[i]; c {
			case '\'':
				bare = false
				j := i + 1
				for j < len(text) && text[j] != '\'' {
					j++
				}
				if j >= len(text) {
					return nil, &lexError{posAt(i), "unterminated ' quote"}
				}
				b.Write(text[i+1 : j])
				i = j + 1
			case '"':
				bare = false
				j := i + 1
				for {
					if j >= len(text) {
						return nil, &lexError{posAt(i), `unterminated " quote`}
					}
					if text[j] == '"' {
						break
					}
					if text[j] == '\\' && j+1 < len(text) && (text[j+1] == '"' || text[j+1] == '\\') {
						b.WriteByte(text[j+1])
						j += 2
						continue
					}
					b.WriteByte(text[j])
					j++
				}
				i = j + 1
			case '\\':
				bare = false
				if i+1 < len(text) {
					b.WriteByte(text[i+1])
					i += 2
				} else {
					// shlex refuses a trailing lone backslash; keeping it
					// literally is kinder and cannot be a continuation
					// here (those were removed by splitLines).
					b.WriteByte(c)
					i++
				}
			default:
				b.WriteByte(c)
				i++
			}
			if first {
				qend = b.Len()
			}
		}
		toks = append(toks, token{text: b.String(), pos: posAt(start), bare: bare, qpos: qpos, qend: qend})
	}
	return toks, nil
}

// argsTokens turns already split words (a command line) into tokens. The
// shell removed the quotes, so every word counts as bare; columns are
// those of the words joined by single spaces.
func argsTokens(args []string) []token {
	toks := make([]token, len(args))
	col := 1
	for i, a := range args {
		toks[i] = token{text: a, pos: cib.Pos{Line: 1, Col: col}, bare: true, qpos: -1}
		col += len(a) + 1
	}
	return toks
}

package cibxml

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"pacer/crm/cib"
)

// The scanner is the reader's fast path: a streaming tokenizer for the
// part of XML that CIBs use (an XML declaration saying UTF-8 or nothing,
// elements, attributes quoted with ' or ", the five predefined entities
// and character references, comments, processing instructions, white
// space and text). It reads through a window of bytes that it refills,
// so the document is never all in memory, and hands out tokens whose
// names are interned and whose attribute values and text point into the
// window until the next token: nothing is allocated per token.
//
// It is sound, not complete. Whatever it accepts, encoding/xml's
// RawToken with Strict set accepts too, token for token and at the same
// InputPos (FuzzTokenizerAgainstEncodingXML checks this). Anything else
// (a DOCTYPE, CDATA, another encoding, a name outside ASCII, and every
// syntax error) makes it give up with errFallback, and the reader starts
// again from the beginning on encoding/xml, which then gives the answer,
// error messages included.

// errFallback: the scanner met something it leaves to encoding/xml.
var errFallback = errors.New("cibxml: scanner cannot read this; use encoding/xml")

type tokKind uint8

const (
	tokEOF   tokKind = iota
	tokStart         // <name attr="v"...> or <name/>
	tokEnd           // </name>, or the end half of <name/>
	tokText          // character data
	tokOther         // comment, processing instruction, directive
)

// attr is one attribute of a start tag. With the scanner, value points
// into its window and is valid until the next token.
type attr struct {
	name  string
	value []byte
}

// token is what the reader consumes, from either source. pos is where
// the token starts (encoding/xml's InputPos before the token).
type token struct {
	kind  tokKind
	name  string // start and end tags
	attrs []attr // start tags
	text  []byte // character data
	pos   cib.Pos
	// distinct: the attribute names are known to differ from each other
	// (so the reader need not compare them).
	distinct bool
}

const (
	// The window starts small, for the many small documents, and doubles
	// with every refill up to scanWindow; a token larger than the window
	// grows it further.
	firstWindow = 16 << 10
	scanWindow  = 256 << 10
	maxNames    = 4096 // distinct element and attribute names kept
)

type scanner struct {
	r      io.Reader
	buf    []byte
	window int // what buf grows to on refills
	off    int // buf[off:end] is read but not consumed
	end    int
	abs    int64 // input offset of buf[0]
	eof    bool
	err    error // a read error other than io.EOF

	line      int
	lineStart int64 // input offset of the current line's first byte

	needClose bool // the last start tag was <name/>
	closeName string

	attrs   []attr
	decoded []byte // values and text with entities replaced, per token
	names   map[string]string
	nl      bool // the token being scanned may hold a '\n'

	// Names are predicted before they are looked up: an end tag closes
	// the element open at its depth, and elements at one depth tend to
	// have the name and attributes (in order) of the previous one.
	open []string    // names of the open elements
	pred []predicted // by depth, up to maxPredicted
}

// predicted is the last start tag seen at one depth.
type predicted struct {
	name     string
	attrs    []string
	distinct bool // no two of attrs are equal
}

const maxPredicted = 32

// newScanner reads r through a window of the given size (0: the default,
// growing from firstWindow to scanWindow).
func newScanner(r io.Reader, window int) *scanner {
	first := window
	if window <= 0 {
		first, window = firstWindow, scanWindow
	}
	return &scanner{r: r, buf: make([]byte, first), window: window, line: 1, names: make(map[string]string)}
}

type scanStatus uint8

const (
	scanOK   scanStatus = iota
	scanMore            // the token runs past the window: read more and try again
	scanBail            // not for the scanner: errFallback
)

// next reads one token into t.
func (s *scanner) next(t *token) error {
	t.pos = s.here()
	if s.needClose {
		s.needClose = false
		t.kind, t.name, t.attrs, t.text = tokEnd, s.closeName, nil, nil
		return nil
	}
	t.distinct = false
	for {
		if s.off == s.end {
			if s.eof {
				t.kind, t.name, t.attrs, t.text = tokEOF, "", nil, nil
				return nil
			}
			if !s.fill() {
				return errFallback
			}
			continue
		}
		s.nl = true
		n, st := s.scan(t)
		switch st {
		case scanOK:
			s.consume(n)
			switch t.kind {
			case tokStart:
				if s.needClose {
					break
				}
				s.open = append(s.open, t.name)
			case tokEnd:
				if len(s.open) > 0 {
					s.open = s.open[:len(s.open)-1]
				}
			}
			return nil
		case scanBail:
			return errFallback
		}
		if s.eof || !s.fill() {
			return errFallback
		}
	}
}

// here is the position of the next unread byte.
func (s *scanner) here() cib.Pos {
	return cib.Pos{Line: s.line, Col: int(s.abs+int64(s.off)-s.lineStart) + 1}
}

// consume moves past n bytes, counting lines as encoding/xml does (a
// line starts after each '\n').
func (s *scanner) consume(n int) {
	b := s.buf[s.off : s.off+n]
	if !s.nl {
		s.off += n
		return
	}
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		s.line += 1 + bytes.Count(b[:i], nl)
		s.lineStart = s.abs + int64(s.off+i+1)
	}
	s.off += n
}

var nl = []byte{'\n'}

// fill reads more input, first moving what is left to the front of the
// window and growing the window when one token fills it (and, up to
// s.window, on every refill).
func (s *scanner) fill() bool {
	if s.err != nil || s.eof {
		return false
	}
	if s.off > 0 {
		copy(s.buf, s.buf[s.off:s.end])
		s.abs += int64(s.off)
		s.end -= s.off
		s.off = 0
	}
	if s.end == len(s.buf) || len(s.buf) < s.window {
		nb := make([]byte, 2*len(s.buf))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	// Fill the window, so that a token scanned again after each refill
	// (one longer than the window) costs linear time, not quadratic, even
	// from a reader that returns little at a time.
	for empty := 0; s.end < len(s.buf); {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err == io.EOF {
			s.eof = true
			return true
		}
		if err != nil {
			s.err = err
			return false
		}
		if n > 0 {
			empty = 0
		} else if empty++; empty == 100 {
			s.err = io.ErrNoProgress
			return false
		}
	}
	return true
}

// scan reads one token from the start of the window; it returns how many
// bytes the token takes.
func (s *scanner) scan(t *token) (int, scanStatus) {
	b := s.buf[s.off:s.end]
	s.decoded = s.decoded[:0]
	if b[0] != '<' {
		return s.scanText(t, b)
	}
	if len(b) < 2 {
		return 0, scanMore
	}
	switch b[1] {
	case '/':
		return s.scanEnd(t, b)
	case '?':
		return s.scanPI(t, b)
	case '!':
		return s.scanComment(t, b)
	}
	return s.scanStart(t, b)
}

func (s *scanner) scanText(t *token, b []byte) (int, scanStatus) {
	n := bytes.IndexByte(b, '<')
	if n < 0 {
		if !s.eof {
			return 0, scanMore
		}
		n = len(b)
	}
	raw := b[:n]
	t.kind, t.name, t.attrs = tokText, "", nil
	i := 0
	for i < len(raw) && (raw[i] == ' ' || raw[i] == '\n' || raw[i] == '\t') {
		i++
	}
	if i == len(raw) {
		t.text = raw
		return n, scanOK
	}
	if bytes.Contains(raw, cdataEnd) {
		return 0, scanBail
	}
	text, ok := s.decode(raw)
	if !ok {
		return 0, scanBail
	}
	t.text = text
	return n, scanOK
}

var cdataEnd = []byte("]]>")

func (s *scanner) scanEnd(t *token, b []byte) (int, scanStatus) {
	j, st := scanName(b, 2)
	if st != scanOK {
		return 0, st
	}
	var name string
	if k := len(s.open) - 1; k >= 0 && string(b[2:j]) == s.open[k] {
		name = s.open[k]
	} else {
		var ok bool
		if name, ok = s.name(b[2:j], true); !ok {
			return 0, scanBail
		}
	}
	j = skipSpace(b, j)
	if j == len(b) {
		return 0, scanMore
	}
	if b[j] != '>' {
		return 0, scanBail
	}
	t.kind, t.name, t.attrs, t.text = tokEnd, name, nil, nil
	return j + 1, scanOK
}

func (s *scanner) scanStart(t *token, b []byte) (int, scanStatus) {
	j, st := scanName(b, 1)
	if st != scanOK {
		return 0, st
	}
	var p *predicted
	if d := len(s.open); d < maxPredicted {
		for len(s.pred) <= d {
			s.pred = append(s.pred, predicted{})
		}
		p = &s.pred[d]
	} else {
		p = &predicted{}
	}
	var name string
	if string(b[1:j]) == p.name {
		name = p.name
	} else {
		var ok bool
		if name, ok = s.name(b[1:j], true); !ok {
			return 0, scanBail
		}
		p.name = name
	}
	hit := true // every attribute name as predicted
	nl := false
	attrs := s.attrs[:0]
	empty := false
	for {
		j, nl = skipSpaceNL(b, j, nl)
		if j == len(b) {
			return 0, scanMore
		}
		c := b[j]
		if c == '>' {
			j++
			break
		}
		if c == '/' {
			if j+1 == len(b) {
				return 0, scanMore
			}
			if b[j+1] != '>' {
				return 0, scanBail
			}
			j += 2
			empty = true
			break
		}
		k, st := scanName(b, j)
		if st != scanOK {
			return 0, st
		}
		var an string
		if i := len(attrs); hit && i < len(p.attrs) && string(b[j:k]) == p.attrs[i] {
			an = p.attrs[i]
		} else {
			var ok bool
			if an, ok = s.name(b[j:k], true); !ok {
				return 0, scanBail
			}
			hit = false
		}
		j, nl = skipSpaceNL(b, k, nl)
		if j == len(b) {
			return 0, scanMore
		}
		if b[j] != '=' {
			return 0, scanBail
		}
		j, nl = skipSpaceNL(b, j+1, nl)
		if j == len(b) {
			return 0, scanMore
		}
		q := b[j]
		if q != '"' && q != '\'' {
			return 0, scanBail
		}
		j++
		v := j
		for {
			for v < len(b) && valueTab[b[v]] == 0 {
				v++
			}
			if v < len(b) && b[v] == '\n' {
				nl = true
				v++
				continue
			}
			break
		}
		if v < len(b) && b[v] == q {
			attrs = append(attrs, attr{name: an, value: b[j:v]})
			j = v + 1
			continue
		}
		// The slow way: entities, \r, the other quote, non-ASCII.
		e := bytes.IndexByte(b[j:], q)
		if e < 0 {
			return 0, scanMore
		}
		raw := b[j : j+e]
		if bytes.IndexByte(raw, '<') >= 0 {
			return 0, scanBail
		}
		val, ok := s.decode(raw)
		if !ok {
			return 0, scanBail
		}
		nl = true
		attrs = append(attrs, attr{name: an, value: val})
		j += e + 1
	}
	s.attrs = attrs
	if !hit || len(attrs) != len(p.attrs) {
		p.attrs = p.attrs[:0]
		for _, a := range attrs {
			p.attrs = append(p.attrs, a.name)
		}
		p.distinct = distinct(p.attrs)
	}
	s.nl = nl
	t.kind, t.name, t.attrs, t.text = tokStart, name, attrs, nil
	t.distinct = p.distinct
	if empty {
		s.needClose, s.closeName = true, name
	}
	return j, scanOK
}

// scanPI reads <?target ...?>. Only the XML declaration matters: it must
// declare version 1.0 (or none) and UTF-8 (or nothing).
func (s *scanner) scanPI(t *token, b []byte) (int, scanStatus) {
	j, st := scanName(b, 2)
	if st != scanOK {
		return 0, st
	}
	target := b[2:j]
	j = skipSpace(b, j)
	if j == len(b) {
		return 0, scanMore
	}
	e := bytes.Index(b[j:], piEnd)
	if e < 0 {
		return 0, scanMore
	}
	if string(target) == "xml" {
		content := string(b[j : j+e])
		if v := procInst("version", content); v != "" && v != "1.0" {
			return 0, scanBail
		}
		if enc := procInst("encoding", content); enc != "" && !strings.EqualFold(enc, "utf-8") {
			return 0, scanBail
		}
	}
	t.kind, t.name, t.attrs, t.text = tokOther, "", nil, nil
	return j + e + 2, scanOK
}

var piEnd = []byte("?>")

// scanComment reads <!-- ... -->; CDATA sections and directives (a
// DOCTYPE) are left to encoding/xml.
func (s *scanner) scanComment(t *token, b []byte) (int, scanStatus) {
	if len(b) < 4 {
		return 0, scanMore
	}
	if b[2] != '-' || b[3] != '-' {
		return 0, scanBail
	}
	e := bytes.Index(b[4:], dashes)
	if e < 0 || 4+e+2 >= len(b) {
		return 0, scanMore
	}
	if b[4+e+2] != '>' {
		return 0, scanBail // "--" inside a comment
	}
	t.kind, t.name, t.attrs, t.text = tokOther, "", nil, nil
	return 4 + e + 3, scanOK
}

var dashes = []byte("--")

// scanName returns the end of the ASCII XML name at b[i:]. A name that
// is not ASCII is left to encoding/xml.
func scanName(b []byte, i int) (int, scanStatus) {
	if i == len(b) {
		return 0, scanMore
	}
	if nameTab[b[i]] != nameFirst {
		return 0, scanBail
	}
	j := i + 1
	for j < len(b) && nameTab[b[j]] != 0 {
		j++
	}
	if j == len(b) {
		return 0, scanMore
	}
	if b[j] >= utf8.RuneSelf {
		return 0, scanBail
	}
	return j, scanOK
}

// name interns a tag or attribute name. With ns set it refuses what
// encoding/xml's nsname refuses: more than one colon.
func (s *scanner) name(b []byte, ns bool) (string, bool) {
	if n, ok := s.names[string(b)]; ok {
		return n, true
	}
	if ns && bytes.Count(b, colon) > 1 {
		return "", false
	}
	n := string(b)
	if len(s.names) < maxNames {
		s.names[n] = n
	}
	return n, true
}

var colon = []byte{':'}

// distinct reports whether no two names are equal; it is for the short
// lists of one start tag.
func distinct(names []string) bool {
	if len(names) > 64 {
		return false // the reader checks, without going quadratic
	}
	for i := 1; i < len(names); i++ {
		for j := 0; j < i; j++ {
			if names[i] == names[j] {
				return false
			}
		}
	}
	return true
}

// skipSpaceNL is skipSpace that also notes a '\n'.
func skipSpaceNL(b []byte, i int, nl bool) (int, bool) {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\r':
			i++
		case '\n':
			nl = true
			i++
		default:
			return i, nl
		}
	}
	return i, nl
}

func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\n', '\t', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

const (
	nameFirst = 1 // may start a name
	nameRest  = 2 // may follow in a name
)

// nameTab classifies ASCII name bytes as encoding/xml does.
var nameTab = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = nameFirst
		t[c-'a'+'A'] = nameFirst
	}
	t['_'], t[':'] = nameFirst, nameFirst
	for c := '0'; c <= '9'; c++ {
		t[c] = nameRest
	}
	t['-'], t['.'] = nameRest, nameRest
	return t
}()

// valueTab marks the bytes that end the fast scan of an attribute value:
// the quotes, markup, \r (rewritten to \n), control characters and
// non-ASCII (checked for UTF-8 and XML's character range), and \n, which
// counts a line.
var valueTab = func() (t [256]uint8) {
	for c := 0; c < 0x20; c++ {
		if c != '\t' && c != '\n' {
			t[c] = 1
		}
	}
	for c := 0x80; c < 0x100; c++ {
		t[c] = 1
	}
	t['"'], t['\''], t['<'], t['&'], t['\n'] = 1, 1, 1, 1, 1
	return t
}()

// decode replaces entities and character references in raw (text or an
// attribute value without its quotes), rewrites \r\n and \r to \n, and
// checks that what results is UTF-8 in XML's character range, as
// encoding/xml's text does. It returns raw itself when nothing changes.
func (s *scanner) decode(raw []byte) ([]byte, bool) {
	i := 0
	for i < len(raw) {
		c := raw[i]
		if c == '&' || c == '\r' {
			break
		}
		if c < 0x20 && c != '\t' && c != '\n' {
			return nil, false
		}
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && n == 1 || !isInCharacterRange(r) {
				return nil, false
			}
			i += n
			continue
		}
		i++
	}
	if i == len(raw) {
		return raw, true
	}
	start := len(s.decoded)
	out := append(s.decoded, raw[:i]...)
	for i < len(raw) {
		c := raw[i]
		switch c {
		case '\r':
			out = append(out, '\n')
			if i+1 < len(raw) && raw[i+1] == '\n' {
				i++
			}
			i++
			continue
		case '&':
			semi := bytes.IndexByte(raw[i:], ';')
			if semi < 0 {
				return nil, false
			}
			ref := raw[i+1 : i+semi]
			r, ok := entityRune(ref)
			if !ok {
				return nil, false
			}
			out = utf8.AppendRune(out, r)
			i += semi + 1
			continue
		}
		out = append(out, c)
		i++
	}
	s.decoded = out
	val := out[start:]
	for k := 0; k < len(val); {
		c := val[k]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return nil, false
			}
			k++
			continue
		}
		r, n := utf8.DecodeRune(val[k:])
		if r == utf8.RuneError && n == 1 || !isInCharacterRange(r) {
			return nil, false
		}
		k += n
	}
	return val, true
}

// entityRune is the character an entity or character reference (without
// & and ;) stands for, among those encoding/xml knows without a DTD.
func entityRune(ref []byte) (rune, bool) {
	if len(ref) > 1 && ref[0] == '#' {
		digits, base := ref[1:], 10
		if digits[0] == 'x' {
			digits, base = digits[1:], 16
		}
		if len(digits) == 0 {
			return 0, false
		}
		for _, c := range digits {
			if !('0' <= c && c <= '9' || base == 16 && ('a' <= c && c <= 'f' || 'A' <= c && c <= 'F')) {
				return 0, false
			}
		}
		n, err := strconv.ParseUint(string(digits), base, 64)
		if err != nil || n > unicode.MaxRune {
			return 0, false
		}
		return rune(n), true
	}
	switch string(ref) {
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "amp":
		return '&', true
	case "apos":
		return '\'', true
	case "quot":
		return '"', true
	}
	return 0, false
}

// isInCharacterRange is XML's Char production, as encoding/xml has it.
func isInCharacterRange(r rune) bool {
	return r == 0x09 ||
		r == 0x0A ||
		r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// procInst is encoding/xml's reading of a parameter of the XML
// declaration, kept identical so both readers agree on what it says.
func procInst(param, s string) string {
	param = param + "="
	lenp := len(param)
	i := 0
	var sep byte
	for i < len(s) {
		sub := s[i:]
		k := strings.Index(sub, param)
		if k < 0 || lenp+k >= len(sub) {
			return ""
		}
		i += lenp + k + 1
		if c := sub[lenp+k]; c == '\'' || c == '"' {
			sep = c
			break
		}
	}
	if sep == 0 {
		return ""
	}
	j := strings.IndexByte(s[i:], sep)
	if j < 0 {
		return ""
	}
	return s[i : i+j]
}

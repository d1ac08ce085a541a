package cibxml

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"pacer/crm/cib"
)

// DefaultMaxDepth bounds element nesting. A real CIB nests about eight
// deep (cib/status/node_state/lrm/lrm_resources/lrm_resource/lrm_rsc_op,
// or a few nested rules); the bound keeps a hostile document from driving
// the recursive reader into the ground.
const DefaultMaxDepth = 64

// Options tune ReadOptions.
type Options struct {
	// Raw skips the schema upgrade: the model holds exactly what the
	// document says, as cibadmin --query would show it.
	Raw bool
	// MaxDepth bounds element nesting; 0 means DefaultMaxDepth.
	MaxDepth int
}

// Read reads a whole CIB (<cib> with <configuration> and <status>) and
// upgrades it the way Pacemaker 2.1.5 does on load (see Upgrade). name is
// used in error messages only.
func Read(r io.Reader, name string) (*cib.CIB, error) {
	c, _, err := ReadOptions(r, name, Options{})
	return c, err
}

// ReadFile is Read on a file.
func ReadFile(path string) (*cib.CIB, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read CIB: %w", err)
	}
	defer f.Close()
	return Read(f, path)
}

// ReadOptions is Read with options; it also returns what the upgrade
// changed (or deliberately kept), for the caller to log.
func ReadOptions(r io.Reader, name string, o Options) (*cib.CIB, []Change, error) {
	c, err := readTwice(r, name, o, (*reader).document)
	if err != nil {
		return nil, nil, err
	}
	var changes []Change
	if !o.Raw {
		changes = Upgrade(c)
	}
	return c, changes, nil
}

// ReadConfiguration reads a bare <configuration>, or one of its sections
// (<resources>, <constraints>, <nodes>, <crm_config>, <rsc_defaults>,
// <op_defaults>, <fencing-topology>, <tags>, <alerts>) into the matching
// field of an otherwise empty Configuration, as `cibadmin --replace -o
// resources` takes them. A fragment has no validate-with, so it is not
// upgraded.
func ReadConfiguration(r io.Reader, name string) (*cib.Configuration, error) {
	return readTwice(r, name, Options{}, (*reader).fragment)
}

// document reads a whole <cib>.
func (r *reader) document() (*cib.CIB, error) {
	root, err := r.root()
	if err != nil {
		return nil, err
	}
	if root.name != "cib" {
		return nil, r.errAt(nil, root.pos, "", fmt.Sprintf("root element is <%s>, want <cib>", root.name), ErrNotCIB)
	}
	c, err := r.cib(root)
	if err != nil {
		return nil, err
	}
	if err := r.epilog(); err != nil {
		return nil, err
	}
	return c, nil
}

// fragment reads a <configuration> or one of its sections.
func (r *reader) fragment() (*cib.Configuration, error) {
	root, err := r.root()
	if err != nil {
		return nil, err
	}
	conf := &cib.Configuration{}
	switch {
	case root.name == "configuration":
		err = r.configuration(root, conf)
	case isSection(root.name):
		conf.Pos = root.pos
		err = r.section(root, conf)
	default:
		err = r.errAt(nil, root.pos, "", fmt.Sprintf("root element is <%s>, want <configuration> or one of its sections", root.name), ErrNotCIB)
	}
	if err != nil {
		return nil, err
	}
	if err := r.epilog(); err != nil {
		return nil, err
	}
	return conf, nil
}

// readTwice runs read on the scanner and, if that fails for any reason,
// again from the start on encoding/xml, whose answer stands: the scanner
// is only ever a faster way to the same model, and every error message
// comes from the encoding/xml path. To start again, in is sought back
// when it can be; otherwise what the scanner read of it is kept aside.
func readTwice[T any](in io.Reader, name string, o Options, read func(*reader) (T, error)) (T, error) {
	var rec *recorder
	src := in
	offset, seekErr := int64(0), errors.New("not a Seeker")
	if s, ok := in.(io.Seeker); ok {
		offset, seekErr = s.Seek(0, io.SeekCurrent)
	}
	if seekErr != nil {
		rec = &recorder{r: in}
		src = rec
	}
	rd := newReader(name, o)
	rd.s = newScanner(src, 0)
	v, err := read(rd)
	rd.strs.release()
	if err == nil {
		return v, nil
	}
	if rec != nil {
		in = io.MultiReader(rec.replay(), in)
	} else if _, err := in.(io.Seeker).Seek(offset, io.SeekStart); err != nil {
		var zero T
		return zero, &Error{File: name, Msg: "read again from the start: " + err.Error(), Err: err}
	}
	rd = newReader(name, o)
	rd.d = newDecoder(in)
	v, err = read(rd)
	rd.strs.release()
	return v, err
}

// recorder keeps what is read through it, for a reader that cannot seek.
type recorder struct {
	r      io.Reader
	chunks [][]byte
}

func (c *recorder) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.chunks = append(c.chunks, bytes.Clone(p[:n]))
	}
	return n, err
}

func (c *recorder) replay() io.Reader {
	rs := make([]io.Reader, len(c.chunks))
	for i, b := range c.chunks {
		rs[i] = bytes.NewReader(b)
	}
	return io.MultiReader(rs...)
}

// reader walks a token stream: the scanner's (s) or, when the scanner
// gives up, encoding/xml's (d). With encoding/xml it uses RawToken, not
// Token: prefixes stay as written (an attribute "xmlns:x" or "x:y" is
// kept verbatim in Extra instead of being expanded to a URL), namespace
// bookkeeping costs nothing, and next() checks that end tags match itself.
type reader struct {
	s        *scanner
	d        *xml.Decoder
	tok      token
	file     string
	depth    int
	maxDepth int
	stack    []start // the open elements, by depth
	strs     strTable

	// keep and flush: the values of one element, copied into one string
	// (see strings.go).
	pending []pendingValue
	values  []byte
	deduped []byte
	columns [][]column // by depth, then attribute index

	// Slabs the status section's slices are cut from, and a slice reused
	// from node to node, so that the model's slices are allocated at
	// their final size and a few at a time.
	ops       []cib.LRMOp
	extras    []cib.Attr
	resources []cib.LRMResource
	opExtra   []cib.Attr // the last op's Extra, see shareOpExtra
}

// start is an element just opened: its name as written (prefix:local),
// its attributes and where its '<' is. With the scanner, attribute values
// are valid only until the next token: the element readers take what
// they keep from them before reading on.
type start struct {
	name     string
	attrs    []attr
	pos      cib.Pos
	distinct bool // the attribute names are known to differ
}

func newReader(name string, o Options) *reader {
	depth := o.MaxDepth
	if depth <= 0 {
		depth = DefaultMaxDepth
	}
	return &reader{file: name, maxDepth: depth}
}

func newDecoder(in io.Reader) *xml.Decoder {
	d := xml.NewDecoder(in)
	d.Strict = true
	d.CharsetReader = charsetReader
	return d
}

// read reads the next token into r.tok. At the end of the input it is a
// tokEOF, not an error.
func (r *reader) read() error {
	if r.s != nil {
		return r.s.next(&r.tok)
	}
	t := &r.tok
	t.pos = r.pos()
	tok, err := r.d.RawToken()
	if err == io.EOF {
		t.kind = tokEOF
		return nil
	}
	if err != nil {
		return err
	}
	switch x := tok.(type) {
	case xml.StartElement:
		t.kind, t.name, t.text, t.distinct = tokStart, qname(x.Name), nil, false
		t.attrs = make([]attr, len(x.Attr))
		for i, a := range x.Attr {
			t.attrs[i] = attr{name: qname(a.Name), value: []byte(a.Value)}
		}
	case xml.EndElement:
		t.kind, t.name, t.attrs, t.text = tokEnd, qname(x.Name), nil, nil
	case xml.CharData:
		t.kind, t.name, t.attrs, t.text = tokText, "", nil, x
	default:
		t.kind, t.name, t.attrs, t.text = tokOther, "", nil, nil
	}
	return nil
}

// charsetReader accepts the two non-UTF-8 encodings an old CIB may
// declare. Pacemaker itself writes UTF-8.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "us-ascii", "ascii":
		return in, nil
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1":
		return &latin1Reader{r: bufio.NewReader(in)}, nil
	}
	return nil, fmt.Errorf("unsupported encoding %q (want UTF-8)", label)
}

// latin1Reader turns ISO-8859-1 bytes into UTF-8.
type latin1Reader struct {
	r       *bufio.Reader
	pending []byte
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(l.pending) > 0 {
			c := copy(p[n:], l.pending)
			l.pending = l.pending[c:]
			n += c
			continue
		}
		b, err := l.r.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		if b < utf8.RuneSelf {
			p[n] = b
			n++
			continue
		}
		l.pending = utf8.AppendRune(l.pending[:0], rune(b))
	}
	return n, nil
}

func qname(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// describe names an element for messages: <rsc_location id="l1">.
func describe(e *start) string {
	if e == nil {
		return ""
	}
	for _, a := range e.attrs {
		if a.name == "id" {
			return "<" + e.name + " id=" + strconv.Quote(string(a.value)) + ">"
		}
	}
	return "<" + e.name + ">"
}

func (r *reader) errAt(e *start, pos cib.Pos, attr, msg string, cause error) error {
	if r.s != nil {
		// The encoding/xml path reads it again and says what is wrong
		// (readTwice); the scanner's own attribute values may be gone.
		return errFallback
	}
	return &Error{File: r.file, Line: pos.Line, Col: pos.Col, Element: describe(e), Attr: attr, Msg: msg, Err: cause}
}

// attrErr is a problem with one attribute of e; it points at e's start.
func (r *reader) attrErr(e *start, attr, msg string) error {
	return r.errAt(e, e.pos, attr, msg, nil)
}

// unexpected reports a child element that has no place in its parent.
func (r *reader) unexpected(parent, child *start) error {
	return r.errAt(parent, child.pos, "", "unexpected element <"+child.name+">", nil)
}

func (r *reader) duplicate(parent, child *start) error {
	return r.errAt(parent, child.pos, "", "more than one <"+child.name+">", nil)
}

func (r *reader) pos() cib.Pos {
	l, c := r.d.InputPos()
	return cib.Pos{Line: l, Col: c}
}

// syntax wraps a decoder error with where the decoder stopped.
func (r *reader) syntax(e *start, err error) error {
	if r.s != nil {
		return errFallback
	}
	p := r.pos()
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return r.errAt(e, p, "", se.Msg, fmt.Errorf("%w: %w", ErrSyntax, err))
	}
	// An I/O error from the underlying reader.
	return r.errAt(e, p, "", err.Error(), err)
}

// root skips the prolog (XML declaration, comments, DOCTYPE, whitespace)
// and returns the root element.
func (r *reader) root() (*start, error) {
	for {
		if err := r.read(); err != nil {
			return nil, r.syntax(nil, err)
		}
		t := &r.tok
		switch t.kind {
		case tokEOF:
			return nil, r.errAt(nil, t.pos, "", "no root element", ErrNotCIB)
		case tokStart:
			r.depth = 1
			s := r.push(t)
			if err := r.checkAttrs(s); err != nil {
				return nil, err
			}
			return s, nil
		case tokEnd:
			return nil, r.errAt(nil, t.pos, "", "unexpected </"+t.name+">", ErrSyntax)
		case tokText:
			if !isSpace(t.text) {
				return nil, r.errAt(nil, t.pos, "", "text before the root element", ErrSyntax)
			}
		}
	}
}

// push makes the start tag t the element open at r.depth.
func (r *reader) push(t *token) *start {
	for len(r.stack) <= r.depth {
		r.stack = append(r.stack, start{})
	}
	s := &r.stack[r.depth]
	*s = start{name: t.name, attrs: t.attrs, pos: t.pos, distinct: t.distinct}
	return s
}

// epilog accepts only whitespace, comments and processing instructions
// after the root element.
func (r *reader) epilog() error {
	for {
		if err := r.read(); err != nil {
			return r.syntax(nil, err)
		}
		t := &r.tok
		switch t.kind {
		case tokEOF:
			return nil
		case tokStart:
			return r.errAt(nil, t.pos, "", "second root element <"+t.name+">", ErrSyntax)
		case tokEnd:
			return r.errAt(nil, t.pos, "", "unexpected </"+t.name+">", ErrSyntax)
		case tokText:
			if !isSpace(t.text) {
				return r.errAt(nil, t.pos, "", "text after the root element", ErrSyntax)
			}
		}
	}
}

// children calls each for every child element of e, in document order, up
// to e's end tag; it stops at the first error. Text other than white space
// is an error, as in next.
func (r *reader) children(e *start, each func(ch *start) error) error {
	for {
		ch, err := r.next(e, nil)
		if err != nil {
			return err
		}
		if ch == nil {
			return nil
		}
		if err := each(ch); err != nil {
			return err
		}
	}
}

// next returns the next child element of e, or nil once e's end tag has
// been read. The child stays valid until the next sibling is read.
// Comments and processing instructions are skipped (the model has no
// place for them). Character data is appended to *text when text is
// non-nil (unmodelled elements keep it); otherwise anything but
// whitespace is an error, because no modelled CIB element holds text.
func (r *reader) next(e *start, text *[]byte) (*start, error) {
	for {
		if err := r.read(); err != nil {
			return nil, r.syntax(e, err)
		}
		t := &r.tok
		switch t.kind {
		case tokEOF:
			return nil, r.errAt(e, t.pos, "", "unexpected end of input: <"+e.name+"> is not closed", ErrSyntax)
		case tokStart:
			if r.depth >= r.maxDepth {
				return nil, r.errAt(e, t.pos, "", fmt.Sprintf("<%s> nests deeper than %d elements", t.name, r.maxDepth), ErrTooDeep)
			}
			r.depth++
			c := r.push(t)
			if err := r.checkAttrs(c); err != nil {
				return nil, err
			}
			return c, nil
		case tokEnd:
			if t.name != e.name {
				return nil, r.errAt(e, t.pos, "", "</"+t.name+"> does not close <"+e.name+">", ErrSyntax)
			}
			r.depth--
			return nil, nil
		case tokText:
			if text != nil {
				*text = append(*text, t.text...)
			} else if !isSpace(t.text) {
				return nil, r.errAt(e, t.pos, "", "unexpected text "+quoteShort(t.text), nil)
			}
		}
	}
}

// empty consumes an element that must have no children.
func (r *reader) empty(e *start) error {
	c, err := r.next(e, nil)
	if err != nil {
		return err
	}
	if c != nil {
		return r.unexpected(e, c)
	}
	return nil
}

// checkAttrs rejects a repeated attribute, which XML forbids and
// encoding/xml lets through; keeping one of the two silently would lose
// the other.
func (r *reader) checkAttrs(e *start) error {
	if e.distinct {
		return nil
	}
	if len(e.attrs) > 64 {
		// A hostile element with thousands of attributes must not make
		// this quadratic.
		seen := make(map[string]bool, len(e.attrs))
		for _, a := range e.attrs {
			if seen[a.name] {
				return r.attrErr(e, a.name, "attribute given twice")
			}
			seen[a.name] = true
		}
		return nil
	}
	for i := 1; i < len(e.attrs); i++ {
		for j := 0; j < i; j++ {
			if e.attrs[i].name == e.attrs[j].name {
				return r.attrErr(e, e.attrs[i].name, "attribute given twice")
			}
		}
	}
	return nil
}

// noAttrs is for container elements that take no attributes
// (<configuration>, <resources>, ...): the model has nowhere to keep one.
func (r *reader) noAttrs(e *start) error {
	if len(e.attrs) > 0 {
		return r.attrErr(e, e.attrs[0].name, "unknown attribute")
	}
	return nil
}

// field maps one modelled attribute of a T to its string field. The same
// tables drive Write, so their order is the order attributes are written
// in.

// readAttrs fills v's modelled fields from e's attributes and appends the
// rest to *extra in document order. An attribute that is present but empty
// goes to *extra as well, so `exit-reason=""` survives a round trip while
// the field stays "" (the model cannot tell empty from absent otherwise).
// With extra == nil an unmodelled attribute is an error.
func readAttrs[T any](r *reader, e *start, v *T, fs []cib.Field[T], extra *[]cib.Attr) error {
	nextra := 0
	for k, a := range e.attrs {
		col := r.column(k)
		i := fieldOf(fs, a.name, col)
		switch {
		case i >= 0 && (len(a.value) != 0 || extra == nil):
			r.keepIn(fs[i].Ptr(v), a.value, col)
		case extra != nil:
			nextra++
		default:
			r.flush()
			return r.attrErr(e, a.name, "unknown attribute")
		}
	}
	if nextra > 0 {
		// Room made once, so that the pointers keep takes stay put.
		x := *extra
		if len(x) == 0 {
			x = r.extraSpace(nextra)
		} else {
			x = slices.Grow(x, nextra)
		}
		for k, a := range e.attrs {
			col := r.column(k)
			if i := fieldOf(fs, a.name, col); i < 0 || len(a.value) == 0 {
				x = append(x, cib.Attr{Name: a.name})
				r.keepIn(&x[len(x)-1].Value, a.value, col)
			}
		}
		*extra = x
	}
	r.flush()
	return nil
}

// fieldOf is fieldIndex, remembered in col (when not nil) for the next
// element at that depth.
func fieldOf[T any](fs []cib.Field[T], name string, col *column) int {
	if col == nil || len(fs) == 0 {
		return fieldIndex(fs, name)
	}
	table := any(&fs[0])
	if col.table == table && col.name == name {
		return col.field
	}
	i := fieldIndex(fs, name)
	col.name, col.table, col.field = name, table, i
	return i
}

func fieldIndex[T any](fs []cib.Field[T], name string) int {
	for i := range fs {
		if fs[i].Name == name {
			return i
		}
	}
	return -1
}

// element reads an element the model does not interpret (acls, anything
// newer) verbatim. Text is kept only when it is more than whitespace.
func (r *reader) element(e *start) (cib.Element, error) {
	el := cib.Element{Name: e.name, Attrs: r.attrList(e)}
	var text []byte
	for {
		c, err := r.next(e, &text)
		if err != nil {
			return el, err
		}
		if c == nil {
			break
		}
		ch, err := r.element(c)
		if err != nil {
			return el, err
		}
		el.Children = append(el.Children, ch)
	}
	if !isSpace(text) {
		el.Text = string(text)
	}
	return el, nil
}

func isSpace(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\n', '\r':
		default:
			return false
		}
	}
	return true
}

func quoteShort(b []byte) string {
	const limit = 40
	if len(b) > limit {
		return strconv.Quote(string(b[:limit])) + "..."
	}
	return strconv.Quote(string(b))
}

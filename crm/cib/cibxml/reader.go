package cibxml

import (
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
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
	rd := newReader(r, name, o)
	root, err := rd.root()
	if err != nil {
		return nil, nil, err
	}
	if root.name != "cib" {
		return nil, nil, rd.errAt(nil, root.pos, "", fmt.Sprintf("root element is <%s>, want <cib>", root.name), ErrNotCIB)
	}
	c, err := rd.cib(&root)
	if err != nil {
		return nil, nil, err
	}
	if err := rd.epilog(); err != nil {
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
	rd := newReader(r, name, Options{})
	root, err := rd.root()
	if err != nil {
		return nil, err
	}
	conf := &cib.Configuration{}
	switch {
	case root.name == "configuration":
		err = rd.configuration(&root, conf)
	case isSection(root.name):
		conf.Pos = root.pos
		err = rd.section(&root, conf)
	default:
		err = rd.errAt(nil, root.pos, "", fmt.Sprintf("root element is <%s>, want <configuration> or one of its sections", root.name), ErrNotCIB)
	}
	if err != nil {
		return nil, err
	}
	if err := rd.epilog(); err != nil {
		return nil, err
	}
	return conf, nil
}

// reader walks the token stream of an xml.Decoder. It uses RawToken, not
// Token: prefixes stay as written (an attribute "xmlns:x" or "x:y" is kept
// verbatim in Extra instead of being expanded to a URL), namespace
// bookkeeping costs nothing, and next() checks that end tags match itself.
type reader struct {
	d        *xml.Decoder
	file     string
	depth    int
	maxDepth int
	strs     map[string]string // see intern
}

// start is an element just opened: its name as written (prefix:local),
// its attributes and where its '<' is.
type start struct {
	name  string
	attrs []xml.Attr
	pos   cib.Pos
}

func newReader(r io.Reader, name string, o Options) *reader {
	d := xml.NewDecoder(r)
	d.Strict = true
	d.CharsetReader = charsetReader
	depth := o.MaxDepth
	if depth <= 0 {
		depth = DefaultMaxDepth
	}
	return &reader{d: d, file: name, maxDepth: depth, strs: make(map[string]string)}
}

// intern returns one shared copy of short, repeated values (feature sets,
// agent and node names, operation names, digests of identical
// parameters...). The status section repeats them tens of thousands of
// times; sharing them lowers the peak memory of reading a 38 MB CIB from
// about 110 MB to about 90 MB. The table is bounded so that unique values
// (call ids, timestamps) cannot make it grow with the input.
func (r *reader) intern(s string) string {
	if len(s) > 32 {
		return s
	}
	if t, ok := r.strs[s]; ok {
		return t
	}
	if len(r.strs) < maxInterned {
		r.strs[s] = s
	}
	return s
}

const maxInterned = 1 << 16

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
		if a.Name.Space == "" && a.Name.Local == "id" {
			return "<" + e.name + " id=" + strconv.Quote(a.Value) + ">"
		}
	}
	return "<" + e.name + ">"
}

func (r *reader) errAt(e *start, pos cib.Pos, attr, msg string, cause error) error {
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
func (r *reader) root() (start, error) {
	for {
		p := r.pos()
		tok, err := r.d.RawToken()
		if err == io.EOF {
			return start{}, r.errAt(nil, p, "", "no root element", ErrNotCIB)
		}
		if err != nil {
			return start{}, r.syntax(nil, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			s := start{name: qname(t.Name), attrs: t.Attr, pos: p}
			r.depth = 1
			if err := r.checkAttrs(&s); err != nil {
				return start{}, err
			}
			return s, nil
		case xml.EndElement:
			return start{}, r.errAt(nil, p, "", "unexpected </"+qname(t.Name)+">", ErrSyntax)
		case xml.CharData:
			if !isSpace(t) {
				return start{}, r.errAt(nil, p, "", "text before the root element", ErrSyntax)
			}
		}
	}
}

// epilog accepts only whitespace, comments and processing instructions
// after the root element.
func (r *reader) epilog() error {
	for {
		p := r.pos()
		tok, err := r.d.RawToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return r.syntax(nil, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return r.errAt(nil, p, "", "second root element <"+qname(t.Name)+">", ErrSyntax)
		case xml.EndElement:
			return r.errAt(nil, p, "", "unexpected </"+qname(t.Name)+">", ErrSyntax)
		case xml.CharData:
			if !isSpace(t) {
				return r.errAt(nil, p, "", "text after the root element", ErrSyntax)
			}
		}
	}
}

// next returns the next child element of e, or ok=false once e's end tag
// has been read. Comments and processing instructions are skipped (the
// model has no place for them). Character data is appended to *text when
// text is non-nil (unmodelled elements keep it); otherwise anything but
// whitespace is an error, because no modelled CIB element holds text.
// children calls each for every child element of e, in document order, up
// to e's end tag; it stops at the first error. Text other than white space
// is an error, as in next.
func (r *reader) children(e *start, each func(ch *start) error) error {
	for {
		ch, ok, err := r.next(e, nil)
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		if err := each(&ch); err != nil {
			return err
		}
	}
}

func (r *reader) next(e *start, text *[]byte) (c start, ok bool, err error) {
	for {
		p := r.pos()
		tok, err := r.d.RawToken()
		if err == io.EOF {
			return start{}, false, r.errAt(e, p, "", "unexpected end of input: <"+e.name+"> is not closed", ErrSyntax)
		}
		if err != nil {
			return start{}, false, r.syntax(e, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			c := start{name: qname(t.Name), attrs: t.Attr, pos: p}
			if r.depth >= r.maxDepth {
				return start{}, false, r.errAt(e, p, "", fmt.Sprintf("<%s> nests deeper than %d elements", c.name, r.maxDepth), ErrTooDeep)
			}
			r.depth++
			if err := r.checkAttrs(&c); err != nil {
				return start{}, false, err
			}
			return c, true, nil
		case xml.EndElement:
			if n := qname(t.Name); n != e.name {
				return start{}, false, r.errAt(e, p, "", "</"+n+"> does not close <"+e.name+">", ErrSyntax)
			}
			r.depth--
			return start{}, false, nil
		case xml.CharData:
			if text != nil {
				*text = append(*text, t...)
			} else if !isSpace(t) {
				return start{}, false, r.errAt(e, p, "", "unexpected text "+quoteShort(t), nil)
			}
		}
	}
}

// empty consumes an element that must have no children.
func (r *reader) empty(e *start) error {
	c, ok, err := r.next(e, nil)
	if err != nil {
		return err
	}
	if ok {
		return r.unexpected(e, &c)
	}
	return nil
}

// checkAttrs rejects a repeated attribute, which XML forbids and
// encoding/xml lets through; keeping one of the two silently would lose
// the other.
func (r *reader) checkAttrs(e *start) error {
	if len(e.attrs) > 64 {
		// A hostile element with thousands of attributes must not make
		// this quadratic.
		seen := make(map[xml.Name]bool, len(e.attrs))
		for _, a := range e.attrs {
			if seen[a.Name] {
				return r.attrErr(e, qname(a.Name), "attribute given twice")
			}
			seen[a.Name] = true
		}
		return nil
	}
	for i := 1; i < len(e.attrs); i++ {
		for j := 0; j < i; j++ {
			if e.attrs[i].Name == e.attrs[j].Name {
				return r.attrErr(e, qname(e.attrs[i].Name), "attribute given twice")
			}
		}
	}
	return nil
}

// noAttrs is for container elements that take no attributes
// (<configuration>, <resources>, ...): the model has nowhere to keep one.
func (r *reader) noAttrs(e *start) error {
	if len(e.attrs) > 0 {
		return r.attrErr(e, qname(e.attrs[0].Name), "unknown attribute")
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
	for _, a := range e.attrs {
		n := a.Name.Local
		if a.Name.Space != "" {
			n = qname(a.Name)
		}
		i := 0
		for ; i < len(fs); i++ {
			if fs[i].Name == n {
				break
			}
		}
		switch {
		case i < len(fs) && (a.Value != "" || extra == nil):
			*fs[i].Ptr(v) = r.intern(a.Value)
		case extra != nil:
			*extra = append(*extra, cib.Attr{Name: r.intern(n), Value: r.intern(a.Value)})
		default:
			return r.attrErr(e, n, "unknown attribute")
		}
	}
	return nil
}

// element reads an element the model does not interpret (acls, anything
// newer) verbatim. Text is kept only when it is more than whitespace.
func (r *reader) element(e *start) (cib.Element, error) {
	el := cib.Element{Name: e.name}
	if len(e.attrs) > 0 {
		el.Attrs = make([]cib.Attr, len(e.attrs))
		for i, a := range e.attrs {
			el.Attrs[i] = cib.Attr{Name: qname(a.Name), Value: a.Value}
		}
	}
	var text []byte
	for {
		c, ok, err := r.next(e, &text)
		if err != nil {
			return el, err
		}
		if !ok {
			break
		}
		ch, err := r.element(&c)
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

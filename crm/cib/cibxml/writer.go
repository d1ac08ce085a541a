package cibxml

import (
	"bufio"
	"encoding/xml"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"pacer/crm/cib"
)

// Write prints c as Pacemaker CIB XML: no XML declaration (cibadmin
// --query prints none), two-space indentation, empty elements
// self-closed, modelled attributes in the order of the tables in
// fields.go and then Extra in the order it was read. Empty optional
// attributes are left out, except where the model records that an empty
// value was given (NVPair.HasValue, or an empty attribute kept in Extra).
// Sections of <configuration> come in a fixed order (crm_config, nodes,
// resources, constraints, fencing-topology, rsc_defaults, op_defaults,
// tags, alerts, then unmodelled elements such as acls); Pacemaker does not
// care about that order and the model does not keep it.
//
// Whatever Write produces, Read reads back to an equal model (positions
// aside). A model that could not make that true (an attribute set both as
// a field and in Extra, an unknown resource kind, a character XML 1.0
// cannot carry) is refused with a *WriteError.
func Write(w io.Writer, c *cib.CIB) error {
	if c == nil {
		return &WriteError{Object: "<cib>", Msg: "nil CIB"}
	}
	wr := newWriter(w)
	wr.cib(c)
	return wr.flush()
}

// WriteConfiguration prints a bare <configuration>, the counterpart of
// ReadConfiguration.
func WriteConfiguration(w io.Writer, conf *cib.Configuration) error {
	if conf == nil {
		return &WriteError{Object: "<configuration>", Msg: "nil configuration"}
	}
	wr := newWriter(w)
	wr.configuration(conf)
	return wr.flush()
}

// writer prints elements with a sticky error, bufio style: the element
// writers do not check errors, flush reports the first.
type writer struct {
	b       *bufio.Writer
	err     error
	depth   int
	compact int // >0 inside an unmodelled element with text: no added whitespace

	elem, elemID string // the element being written, for WriteError
}

func newWriter(w io.Writer) *writer {
	return &writer{b: bufio.NewWriterSize(w, 64<<10)}
}

func (w *writer) flush() error {
	if w.err != nil {
		return w.err
	}
	if err := w.b.Flush(); err != nil {
		return err
	}
	return nil
}

func (w *writer) fail(msg string) {
	if w.err != nil {
		return
	}
	obj := "<" + w.elem + ">"
	if w.elemID != "" {
		obj = "<" + w.elem + " id=" + strconv.Quote(w.elemID) + ">"
	}
	w.err = &WriteError{Object: obj, Msg: msg}
}

func (w *writer) str(s string) {
	if w.err == nil {
		if _, err := w.b.WriteString(s); err != nil {
			w.err = err
		}
	}
}

func (w *writer) indent() {
	if w.compact > 0 {
		return
	}
	const spaces = "                                                                "
	n := 2 * w.depth
	for n > len(spaces) {
		w.str(spaces)
		n -= len(spaces)
	}
	w.str(spaces[:n])
}

func (w *writer) nl() {
	if w.compact == 0 {
		w.str("\n")
	}
}

// open starts an element: indentation and "<name".
func (w *writer) open(name string) {
	w.elem, w.elemID = name, ""
	w.indent()
	w.str("<")
	w.str(name)
}

// end closes an element that has no children.
func (w *writer) end() {
	w.str("/>")
	w.nl()
}

// begin ends the start tag of an element with children.
func (w *writer) begin() {
	w.str(">")
	w.nl()
	w.depth++
}

// close writes the end tag of an element opened with begin.
func (w *writer) close(name string) {
	w.depth--
	w.indent()
	w.str("</")
	w.str(name)
	w.str(">")
	w.nl()
}

func (w *writer) attr(name, value string) {
	if name == "id" {
		w.elemID = value
	}
	w.str(" ")
	w.str(name)
	w.str(`="`)
	w.escape(value, true)
	w.str(`"`)
}

// writeFields prints v's non-empty modelled attributes, then extra.
func writeFields[T any](w *writer, v *T, fs []cib.Field[T], extra []cib.Attr) {
	for i := range fs {
		if s := *fs[i].Ptr(v); s != "" {
			w.attr(fs[i].Name, s)
		}
	}
	if len(extra) == 0 {
		return
	}
	for _, a := range extra {
		for j := range fs {
			if fs[j].Name == a.Name && *fs[j].Ptr(v) != "" {
				w.fail("attribute " + strconv.Quote(a.Name) + " is both a field and in Extra")
				return
			}
		}
	}
	if w.checkAttrs(extra) {
		for _, a := range extra {
			w.attr(a.Name, a.Value)
		}
	}
}

// attrs prints a free attribute list (RuntimeAttrs, DateSpec.Attrs, ...)
// after an optional id.
func (w *writer) attrs(id string, list []cib.Attr) {
	if id != "" {
		w.attr("id", id)
		for _, a := range list {
			if a.Name == "id" {
				w.fail(`attribute "id" given twice`)
				return
			}
		}
	}
	if w.checkAttrs(list) {
		for _, a := range list {
			w.attr(a.Name, a.Value)
		}
	}
}

// checkAttrs refuses a list with a name that is not an XML name or that
// comes twice; Read would refuse the output otherwise.
func (w *writer) checkAttrs(list []cib.Attr) bool {
	var seen map[string]bool
	if len(list) > 64 {
		seen = make(map[string]bool, len(list))
	}
	for i, a := range list {
		if !isName(a.Name) {
			w.fail("attribute name " + strconv.Quote(a.Name) + " is not an XML name")
			return false
		}
		dup := false
		if seen != nil {
			dup = seen[a.Name]
			seen[a.Name] = true
		} else {
			for _, b := range list[:i] {
				dup = dup || b.Name == a.Name
			}
		}
		if dup {
			w.fail("attribute " + strconv.Quote(a.Name) + " given twice")
			return false
		}
	}
	return true
}

// escape writes s as attribute value (attr) or element text. In values it
// escapes the quote and the whitespace characters a parser would otherwise
// normalise to spaces (tab, newline, carriage return), as libxml2 does.
func (w *writer) escape(s string, attr bool) {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if (r == utf8.RuneError && size == 1) || r == 0xFFFE || r == 0xFFFF {
				w.fail("text " + strconv.Quote(s) + " is not valid UTF-8 XML")
				return
			}
			i += size
			continue
		}
		var esc string
		switch c {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			if attr {
				esc = "&quot;"
			}
		case '\n':
			if attr {
				esc = "&#10;"
			}
		case '\t':
			if attr {
				esc = "&#9;"
			}
		case '\r':
			esc = "&#13;"
		default:
			if c < 0x20 {
				w.fail("text " + strconv.Quote(s) + " holds a control character XML 1.0 cannot carry")
				return
			}
		}
		if esc != "" {
			w.str(s[last:i])
			w.str(esc)
			last = i + 1
		}
		i++
	}
	w.str(s[last:])
}

// isName reports whether s is a name Read accepts, to refuse in-memory
// Extra or Element names that would not read back. ASCII names are checked
// here; anything else is put to encoding/xml itself, so the two can never
// disagree about the Unicode tables.
func isName(s string) bool {
	if s == "" {
		return false
	}
	ascii := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= utf8.RuneSelf:
			ascii = false
		case c == '_' || c == ':' || ('A' <= c && c <= 'Z') || ('a' <= c && c <= 'z'):
		case i > 0 && (c == '-' || c == '.' || ('0' <= c && c <= '9')):
		default:
			return false
		}
	}
	if ascii {
		return true
	}
	d := xml.NewDecoder(strings.NewReader("<" + s + "/>"))
	tok, err := d.RawToken()
	if err != nil {
		return false
	}
	se, ok := tok.(xml.StartElement)
	return ok && qname(se.Name) == s && len(se.Attr) == 0
}

// element writes an unmodelled element verbatim. One that carries text is
// written without added whitespace, itself and everything in it, so the
// text reads back exactly.
func (w *writer) element(el *cib.Element) {
	if !isName(el.Name) {
		w.fail("element name " + strconv.Quote(el.Name) + " is not an XML name")
		return
	}
	w.open(el.Name)
	w.attrs("", el.Attrs)
	switch {
	case el.Text != "":
		w.str(">")
		w.compact++
		w.escape(el.Text, false)
		for i := range el.Children {
			w.element(&el.Children[i])
		}
		w.str("</" + el.Name + ">")
		w.compact--
		w.nl()
	case len(el.Children) > 0:
		w.begin()
		for i := range el.Children {
			w.element(&el.Children[i])
		}
		w.close(el.Name)
	default:
		w.end()
	}
}

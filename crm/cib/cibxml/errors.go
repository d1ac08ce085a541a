package cibxml

import (
	"errors"
	"strconv"
	"strings"
)

// Sentinels for the decisions a caller may take on a bad document; the
// *Error that wraps them says where.
var (
	// ErrNotCIB: the root element is not <cib> (or, for ReadConfiguration,
	// not <configuration> or one of its sections).
	ErrNotCIB = errors.New("not a CIB document")
	// ErrTooDeep: elements nest deeper than Options.MaxDepth.
	ErrTooDeep = errors.New("elements nest too deep")
	// ErrSyntax: the input is not well-formed XML.
	ErrSyntax = errors.New("malformed XML")
)

// Error is a problem in a CIB document. It names the file, the line and
// column, the element (with its id when it has one) and, when the problem is
// one attribute, that attribute:
//
//	cib.xml:12:5: <rsc_location id="l1">: unexpected element <foo>
//	cib.xml:3:7: <nvpair id="n1">: attribute "vaule": unknown attribute
type Error struct {
	File    string
	Line    int
	Col     int
	Element string // e.g. `<rsc_location id="l1">`; empty before the root
	Attr    string // the attribute concerned, if any
	Msg     string
	Err     error // the cause: ErrSyntax, ErrTooDeep, ErrNotCIB, an I/O error...
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
		if e.Col > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(e.Col))
		}
	}
	b.WriteString(": ")
	if e.Element != "" {
		b.WriteString(e.Element)
		b.WriteString(": ")
	}
	if e.Attr != "" {
		b.WriteString("attribute ")
		b.WriteString(strconv.Quote(e.Attr))
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// WriteError is a model that cannot be written as XML (built in memory with
// an attribute given twice, a name that is not an XML name, or a character
// XML 1.0 cannot carry). Object names the element being written.
type WriteError struct {
	Object string
	Msg    string
}

func (e *WriteError) Error() string { return "write CIB XML: " + e.Object + ": " + e.Msg }

package crmsh

import (
	"errors"
	"strings"

	"pacer/crm/cib"
)

// ErrSyntax is wrapped by every parse error, for errors.Is.
var ErrSyntax = errors.New("crm syntax error")

// ErrUnprintable is wrapped by Print errors about model content that crm
// syntax (even with pacer's extensions) cannot express.
var ErrUnprintable = errors.New("not expressible in crm syntax")

// Error is one problem in crm text: where it is, which object it belongs
// to and what is wrong. It formats like a compiler's message:
//
//	config.crm:7:18: primitive "vip": unknown operation attribute "intervl"
type Error struct {
	File   string
	Line   int
	Col    int
	Object string // e.g. `primitive "vip"`; empty before the id was read
	Msg    string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Pos().Where(e.File))
	if e.Object != "" {
		b.WriteString(e.Object)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap makes errors.Is(err, ErrSyntax) true.
func (e *Error) Unwrap() error { return ErrSyntax }

// Pos is where the error is, in the model's terms.
func (e *Error) Pos() cib.Pos { return cib.Pos{Line: e.Line, Col: e.Col} }

// maxErrors bounds how many statement errors one parse collects: enough to
// fix a file in one go, not a flood for a binary file fed by mistake.
const maxErrors = 20

// ErrorList is every error of one parse, in input order. errors.As finds
// the first *Error in it.
type ErrorList []*Error

func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap lets errors.Is and errors.As look at each error.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// printError is a Print failure: the object and why.
type printError struct {
	object string
	msg    string
}

func (e *printError) Error() string {
	return "crmsh: " + e.object + ": " + e.msg
}

func (e *printError) Unwrap() error { return ErrUnprintable }

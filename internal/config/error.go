package config

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem in a configuration or authkey file: where it is and
// what is wrong. Line and Col are 1-based and zero when unknown (a required
// key that is missing from the file altogether, or a Config built in code).
//
// Key is the key as an operator finds it in the file: "deadtime", "node.id",
// "link[2].baud" (the third [[link]] table), "link[0].peers.beta".
type Error struct {
	File string
	Line int
	Col  int
	Key  string
	Msg  string
}

// Error renders the compiler-style "file:line:col: key: message", which
// editors can jump to.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		if b.Len() == 0 {
			b.WriteString("line ")
		} else {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%d", e.Line)
		if e.Col > 0 {
			fmt.Fprintf(&b, ":%d", e.Col)
		}
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// joinErrors orders errs by position (errors without a line first, then by
// line and column) and joins them. One error is returned as itself, so that
// callers may type-assert it; none gives nil.
func joinErrors(errs []*Error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	slices.SortStableFunc(errs, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = e
	}
	return errors.Join(out...)
}

package crmsh

import (
	"strings"

	"pacer/crm/cib"
)

// The printer writes each element in crmsh's words, then reads those
// words back with the parser and compares: whatever came out different
// (crm syntax turns "inf" into INFINITY, assumes ocf:heartbeat, has no
// place for an expression's id or an attribute pacer keeps verbatim) is
// corrected with `$name=value` and `$-name` words in the element's
// attribute slot. The parser applies those last, so the element reads back
// exactly as it is in the model. Ids are not patched here: ids.go decides
// which to write.

// patchAttrs returns the words that turn got into want. got's fields and
// extras are those the parser produced from the words printed so far.
func patchAttrs[T any](fs []cib.Field[T], got, want *T, gotExtra, wantExtra []cib.Attr) []string {
	var words []string
	cur := map[string]string{}
	for _, fl := range fs {
		cur[fl.Name] = *fl.Ptr(got)
	}
	extra := gotExtra
	if !sameAttrs(gotExtra, wantExtra) && len(gotExtra) > 0 {
		seen := map[string]bool{}
		for _, a := range gotExtra {
			if seen[a.Name] || a.Name == "id" {
				continue
			}
			seen[a.Name] = true
			words = append(words, "$-"+a.Name)
			if _, ok := cur[a.Name]; ok {
				cur[a.Name] = ""
			}
		}
		extra = nil
	}
	for _, fl := range fs {
		if fl.Name == "id" {
			continue
		}
		w := *fl.Ptr(want)
		if cur[fl.Name] == w {
			continue
		}
		if w == "" {
			words = append(words, "$-"+fl.Name)
		} else {
			words = append(words, "$"+fl.Name+"="+quoteValue(w))
		}
	}
	if !sameAttrs(extra, wantExtra) {
		for _, a := range wantExtra {
			words = append(words, "$"+a.Name+"="+quoteValue(a.Value))
		}
	}
	return words
}

func sameAttrs(a, b []cib.Attr) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// withoutID drops id entries: ids are handled by the id walker, and an
// empty id attribute kept in Extra is printed with the element's id.
func withoutID(attrs []cib.Attr) []cib.Attr {
	var out []cib.Attr
	for _, a := range attrs {
		if a.Name != "id" {
			out = append(out, a)
		}
	}
	return out
}

// reparser returns a parser over printed words, as the parser would see
// them in a file.
func reparser(words []string) (*parser, bool) {
	text := strings.Join(words, " ")
	l := line{text: []byte(text)}
	toks, err := tokenize(l)
	if err != nil {
		return nil, false
	}
	return &parser{toks: toks, object: "(print check)", lenient: true}, true
}

// reparseStatement parses printed words as a whole statement.
func reparseStatement(words []string) (Object, bool) {
	p, ok := reparser(words)
	if !ok {
		return nil, false
	}
	toks := p.toks
	obj := p.statement(toks, line{})
	if p.err != nil || obj == nil {
		return nil, false
	}
	return obj, true
}

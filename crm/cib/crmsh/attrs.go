package crmsh

import "pacer/crm/cib"

// Attribute tables: for each element, the XML attributes the model keeps in
// fields. They mirror cibxml's tables so that pacer's `$name=value`
// extension (set an attribute crm syntax has no words for) lands exactly
// where the XML reader would put the same attribute: a modelled attribute
// with a value goes to its field; an unmodelled one, or a modelled one
// that is present but empty, goes to Extra.

// noID marks, while parsing, an id the text set to "nothing" (`$-id`), so
// that id generation leaves it empty. No real id contains a NUL byte.
const noID = "\x00"

// setAttr stores one attribute the way cibxml's reader does.
func setAttr[T any](fs []cib.Field[T], v *T, extra *[]cib.Attr, name, value string) {
	if value != "" {
		for _, fl := range fs {
			if fl.Name == name {
				*fl.Ptr(v) = value
				return
			}
		}
	}
	*extra = append(*extra, cib.Attr{Name: name, Value: value})
}

// unsetAttr clears an attribute: the field, if modelled, and any Extra
// entry of that name. Clearing "id" leaves the noID mark so that no id is
// generated.
func unsetAttr[T any](fs []cib.Field[T], v *T, extra *[]cib.Attr, name string) {
	for _, fl := range fs {
		if fl.Name == name {
			if name == "id" {
				*fl.Ptr(v) = noID
			} else {
				*fl.Ptr(v) = ""
			}
		}
	}
	out := (*extra)[:0]
	for _, a := range *extra {
		if a.Name != name {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		out = nil
	}
	*extra = out
}

func modelled[T any](fs []cib.Field[T], name string) bool {
	for _, fl := range fs {
		if fl.Name == name {
			return true
		}
	}
	return false
}

func hasAttr(attrs []cib.Attr, name string) bool {
	for _, a := range attrs {
		if a.Name == name {
			return true
		}
	}
	return false
}

// override is one `$name=value` (set) or `$-name` (unset) token.
type override struct {
	name  string
	value string
	unset bool
	tok   token
}

// noIDOverride rejects `$id=` and `$-id` for objects whose id is the word
// after the keyword.
func noIDOverride(p *parser, ovs []override) {
	for _, o := range ovs {
		if o.name == "id" {
			p.errorf(o.tok, "%q: the id is the word after the keyword", o.tok.text)
			return
		}
	}
}

// applyOverrides applies overrides after an element's ordinary syntax was
// parsed, so they win over what that syntax implied.
func applyOverrides[T any](p *parser, fs []cib.Field[T], v *T, extra *[]cib.Attr, ovs []override) {
	for _, o := range ovs {
		if o.unset {
			unsetAttr(fs, v, extra, o.name)
			continue
		}
		if hasAttr(*extra, o.name) {
			p.errorf(o.tok, "attribute %q given twice", o.name)
			continue
		}
		setAttr(fs, v, extra, o.name, o.value)
	}
}

package crmsh

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"

	"pacer/crm/cib"
)

// maxXMLDepth bounds the nesting of an `xml` statement, like cibxml's
// reader bounds a CIB, so a hostile line cannot exhaust the stack.
const maxXMLDepth = 64

// modelledElements may not come through `xml`: the model has fields for
// them and crm syntax for them, and putting one among the unknown
// elements would write it twice.
var modelledElements = []string{
	"crm_config", "nodes", "resources", "constraints", "rsc_defaults", "op_defaults",
	"fencing-topology", "tags", "alerts", "status", "configuration", "cib",
	"node", "primitive", "group", "clone", "master", "bundle", "template",
	"rsc_location", "rsc_colocation", "rsc_order", "rsc_ticket",
	"cluster_property_set", "meta_attributes", "fencing-level", "tag", "alert",
}

// xml reads `xml <element>...</element>`: an element the model keeps
// verbatim among Configuration.Unknown (crmsh's escape hatch, used for
// <acls>). The rest of the logical line is the element.
func (p *parser) xml(kw token) Object {
	raw := p.rawRest(kw)
	if strings.TrimSpace(raw) == "" {
		p.errorf(kw, "expected an XML element")
		return nil
	}
	el, err := parseElement(raw)
	if err != nil {
		p.errorf(kw, "%v", err)
		return nil
	}
	for _, m := range modelledElements {
		if el.Name == m {
			p.errorf(kw, "<%s> has crm syntax; write it as a statement, not xml", el.Name)
			return nil
		}
	}
	p.i = len(p.toks)
	return &XMLObject{Element: el, pos: kw.pos}
}

// rawRest is the text of the logical line after the keyword token kw,
// quotes and all; for words from a command line, the words joined.
func (p *parser) rawRest(kw token) string {
	if len(p.line.text) == 0 {
		var words []string
		for _, t := range p.toks[p.i:] {
			words = append(words, t.text)
		}
		return strings.Join(words, " ")
	}
	for i, pos := range p.line.pos {
		if pos == kw.pos {
			return string(p.line.text[i+len(kw.text):])
		}
	}
	return ""
}

// parseElement reads one XML element into the model's verbatim form:
// attributes in order, children in order, and the element's own text
// concatenated (kept only if it is not all whitespace, as cibxml does).
func parseElement(s string) (cib.Element, error) {
	d := xml.NewDecoder(strings.NewReader(s))
	d.Strict = true
	var stack []*cib.Element
	var texts []*bytes.Buffer
	var root cib.Element
	done := false
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return root, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if done {
				return root, errors.New("more than one element")
			}
			if len(stack) >= maxXMLDepth {
				return root, errors.New("elements nest too deep")
			}
			el := cib.Element{Name: qname(t.Name)}
			for _, a := range t.Attr {
				el.Attrs = append(el.Attrs, cib.Attr{Name: qname(a.Name), Value: a.Value})
			}
			stack = append(stack, &el)
			texts = append(texts, &bytes.Buffer{})
		case xml.EndElement:
			if len(stack) == 0 {
				return root, errors.New("unexpected </" + qname(t.Name) + ">")
			}
			el := stack[len(stack)-1]
			if el.Name != qname(t.Name) {
				return root, errors.New("</" + qname(t.Name) + "> does not close <" + el.Name + ">")
			}
			if txt := texts[len(texts)-1].Bytes(); !onlySpace(txt) {
				el.Text = string(txt)
			}
			stack, texts = stack[:len(stack)-1], texts[:len(texts)-1]
			if len(stack) == 0 {
				root, done = *el, true
			} else {
				parent := stack[len(stack)-1]
				parent.Children = append(parent.Children, *el)
			}
		case xml.CharData:
			if len(stack) == 0 {
				if !onlySpace(t) {
					return root, errors.New("text outside the element")
				}
				continue
			}
			texts[len(texts)-1].Write(t)
		}
	}
	if len(stack) > 0 {
		return root, errors.New("<" + stack[len(stack)-1].Name + "> is not closed")
	}
	if !done {
		return root, errors.New("no element")
	}
	return root, nil
}

func qname(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

func onlySpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

// writeElement writes el on one line: text first, then the children (the
// model does not record how they interleave).
func writeElement(b *strings.Builder, el *cib.Element) {
	b.WriteByte('<')
	b.WriteString(el.Name)
	for _, a := range el.Attrs {
		b.WriteByte(' ')
		b.WriteString(a.Name)
		b.WriteString(`="`)
		escapeXML(b, a.Value, true)
		b.WriteByte('"')
	}
	if el.Text == "" && len(el.Children) == 0 {
		b.WriteString("/>")
		return
	}
	b.WriteByte('>')
	escapeXML(b, el.Text, false)
	for i := range el.Children {
		writeElement(b, &el.Children[i])
	}
	b.WriteString("</")
	b.WriteString(el.Name)
	b.WriteByte('>')
}

// escapeXML escapes s; newlines and tabs become character references so
// the element stays on one crm line and whitespace survives.
func escapeXML(b *strings.Builder, s string, attr bool) {
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			if attr {
				b.WriteString("&quot;")
			} else {
				b.WriteRune(r)
			}
		case '\n':
			b.WriteString("&#xA;")
		case '\r':
			b.WriteString("&#xD;")
		case '\t':
			b.WriteString("&#x9;")
		default:
			b.WriteRune(r)
		}
	}
}

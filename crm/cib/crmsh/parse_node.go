package crmsh

import (
	"strings"

	"pacer/crm/cib"
)

var nodeTypes = []string{"normal", "member", "ping", "remote"}

// node reads
//
//	node [<id>: | $id=<id>] <uname>[:<type>] [description=<text>]
//	    [attributes <attr_list>] [utilization <attr_list>]
//
// The id defaults to the uname. Pairs right after the uname are
// attributes, as in crmsh (`node alpha standby=on`).
func (p *parser) node(kw token) Object {
	n := cib.Node{Pos: kw.pos}
	var ovs []override
	t := p.peek()
	if o, ok := overrideToken(t); ok && o.name == "id" {
		p.i++
		ovs = append(ovs, o)
	} else if id, ok := nodeIDTok(t); ok && !p.peekAt(1).eof {
		p.i++
		n.ID = id
	}
	u := p.want("a node name")
	if p.err != nil {
		return nil
	}
	uname, typ := u.text, ""
	if i := strings.LastIndexByte(u.text, ':'); i >= 0 && oneOf(u.text[i+1:], nodeTypes) {
		uname, typ = u.text[:i], u.text[i+1:]
	}
	if strings.HasSuffix(uname, ":") {
		// "ID:" heads `node ID: NAME`; as a name it could not be printed
		// back unambiguously.
		p.errorf(u, "name %q cannot end in ':' (write `node ID: NAME`)", uname)
		return nil
	}
	setAttr(cib.NodeFields, &n, &n.Extra, "uname", uname)
	if typ != "" {
		n.Type = typ
	}
	p.name("node", uname)
	ovs = append(ovs, p.headAttrs(true)...)
	first := true
	for p.err == nil && !p.atEnd() {
		t := p.peek()
		switch {
		case isKw(t, "attributes"):
			p.i++
			n.Attributes = append(n.Attributes, p.attrList(cib.InstanceAttributes, t, nodeKeywords))
		case isKw(t, "utilization"):
			p.i++
			n.Utilization = append(n.Utilization, p.attrList(cib.UtilizationSet, t, nodeKeywords))
		case first:
			s := p.attrList(cib.InstanceAttributes, t, nodeKeywords)
			if len(s.Pairs) == 0 && s.Rule == nil && s.Score == "" {
				p.errorf(t, "unexpected %q (want attributes or utilization)", t.text)
			}
			n.Attributes = append(n.Attributes, s)
		default:
			p.errorf(t, "unexpected %q (want attributes or utilization)", t.text)
		}
		first = false
	}
	applyOverrides(p, cib.NodeFields, &n, &n.Extra, ovs)
	return &NodeObject{Node: n}
}

// nodeIDTok recognises the `<id>:` head of node and property statements.
func nodeIDTok(t token) (string, bool) {
	if t.eof || len(t.text) < 2 || !strings.HasSuffix(t.text, ":") {
		return "", false
	}
	id := t.text[:len(t.text)-1]
	if strings.ContainsAny(id, ":=") || strings.HasPrefix(id, "$") {
		return "", false
	}
	return id, true
}

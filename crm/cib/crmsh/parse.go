package crmsh

import (
	"fmt"
	"strconv"
	"strings"

	"pacer/crm/cib"
)

// parser reads one statement. Errors are sticky: the first one is kept and
// every later read sees the end of input, so the recursive-descent code
// below can check p.err once per loop instead of after every call.
type parser struct {
	file   string
	toks   []token
	i      int
	line   line    // the logical line, for `xml` and end-of-line positions
	end    cib.Pos // where "unexpected end of line" points
	object string  // `primitive "vip"`, for messages
	err    *Error
	depth  int // nested rules
	// lenient skips the checks that a statement says enough (a location
	// needs a score or a rule). The printer reads back words without their
	// `$`-words first; those may be all an element has.
	lenient bool
}

func (p *parser) errorf(t token, format string, args ...any) {
	if p.err != nil {
		return
	}
	pos := t.pos
	if t.eof {
		pos = p.end
	}
	p.err = &Error{File: p.file, Line: pos.Line, Col: pos.Col, Object: p.object, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) peek() token {
	if p.err != nil || p.i >= len(p.toks) {
		return token{eof: true, pos: p.end}
	}
	return p.toks[p.i]
}

// peekAt looks n tokens ahead (0 is peek).
func (p *parser) peekAt(n int) token {
	if p.err != nil || p.i+n >= len(p.toks) {
		return token{eof: true, pos: p.end}
	}
	return p.toks[p.i+n]
}

func (p *parser) next() token {
	t := p.peek()
	if !t.eof {
		p.i++
	}
	return t
}

func (p *parser) atEnd() bool { return p.peek().eof }

// isKw reports whether t is one of the keywords (bare, any case).
func isKw(t token, kws ...string) bool {
	if !t.bare || t.eof {
		return false
	}
	for _, k := range kws {
		if strings.EqualFold(t.text, k) {
			return true
		}
	}
	return false
}

func (p *parser) acceptKw(kws ...string) (token, bool) {
	t := p.peek()
	if isKw(t, kws...) {
		p.i++
		return t, true
	}
	return t, false
}

// want reads one word that is not a keyword of the enclosing statement.
func (p *parser) want(what string) token {
	t := p.peek()
	if t.eof {
		p.errorf(t, "expected %s, got end of line", what)
		return t
	}
	p.i++
	return t
}

// statement dispatches on the keyword. It returns nil for an empty line.
func (p *parser) statement(toks []token, l line) Object {
	p.toks, p.line = toks, l
	p.end = l.end
	if len(toks) > 0 && p.end.Line == 0 {
		last := toks[len(toks)-1]
		p.end = cib.Pos{Line: last.pos.Line, Col: last.pos.Col + len(last.text) + 1}
	}
	if len(toks) == 0 {
		return nil
	}
	kw := p.next()
	if !kw.bare {
		p.errorf(kw, "unknown statement %q", kw.text)
		return nil
	}
	p.object = strings.ToLower(kw.text)
	switch strings.ToLower(kw.text) {
	case "node":
		return p.node(kw)
	case "primitive", "rsc_template", "group", "clone", "ms", "master", "bundle":
		return p.resource(kw)
	case "location", "colocation", "collocation", "order", "rsc_ticket":
		return p.constraint(kw)
	case "property", "rsc_defaults", "op_defaults":
		return p.propertySet(kw)
	case "fencing_topology", "fencing-topology":
		return p.fencingTopology(kw)
	case "tag":
		return p.tag(kw)
	case "alert":
		return p.alert(kw)
	case "xml":
		return p.xml(kw)
	case "user", "role", "acl_target", "acl_group":
		p.errorf(kw, "ACL statements are not supported; write the <acls> section with `xml <acls>...</acls>`")
		return nil
	case "monitor":
		p.errorf(kw, "`monitor` edits a primitive; write the op in the primitive (op monitor interval=...)")
		return nil
	}
	p.errorf(kw, "unknown statement %q", kw.text)
	return nil
}

// name sets the object description used in messages once the id is known.
func (p *parser) name(kw string, id string) {
	p.object = kw + " " + strconv.Quote(id)
}

// objectID reads a statement's id. crmsh also takes `id=<id>`.
func (p *parser) objectID(kw string) token {
	t := p.want("an id")
	if t.eof {
		return t
	}
	if strings.HasPrefix(t.text, "id=") && t.bare {
		t.text = t.text[3:]
	}
	if t.text == "" || t.bare && (hasEq(t) || strings.HasPrefix(t.text, "$") || strings.HasPrefix(t.text, "@")) {
		p.errorf(t, "expected an id, got %q", t.text)
		return t
	}
	p.name(kw, t.text)
	return t
}

// overrideToken recognises pacer's `$name=value` and `$-name`: the name
// has no ':' (that would be crmsh's `$id:name=value` nvpair).
func overrideToken(t token) (override, bool) {
	s := t.text
	if t.eof || len(s) < 2 || s[0] != '$' {
		return override{}, false
	}
	if s[1] == '-' {
		n := s[2:]
		if n == "" || strings.ContainsAny(n, ":=") {
			return override{}, false
		}
		return override{name: n, unset: true, tok: t}, true
	}
	eq := strings.IndexByte(s, '=')
	if eq < 2 || !t.bare && t.qpos >= 0 && t.qpos <= eq {
		return override{}, false
	}
	n := s[1:eq]
	if strings.ContainsRune(n, ':') {
		return override{}, false
	}
	return override{name: n, value: s[eq+1:], tok: t}, true
}

// headAttrs reads an element's attribute slot: `$name=value`, `$-name`
// and, where allowed, `description=...`, which is one more attribute.
func (p *parser) headAttrs(desc bool) []override {
	var ovs []override
	for p.err == nil {
		t := p.peek()
		if o, ok := overrideToken(t); ok {
			p.i++
			ovs = append(ovs, o)
			continue
		}
		if desc && hasPrefixFold(t.text, "description=") && !t.eof {
			p.i++
			ovs = append(ovs, override{name: "description", value: t.text[len("description="):], tok: t})
			continue
		}
		break
	}
	return ovs
}

// hasPrefixFold is strings.HasPrefix ignoring ASCII case, safe to slice
// after: the prefix's length in s is the prefix's own.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// hasEq reports whether t has a '=' that is syntax: one before any quoted
// part, so that `"a=b"` is a plain word and `name="a b"` a pair.
func hasEq(t token) bool {
	i := strings.IndexByte(t.text, '=')
	return i >= 0 && (t.bare || t.qpos < 0 || i < t.qpos)
}

// splitNV splits name=value at the first '='.
func splitNV(s string) (name, value string, ok bool) {
	i := strings.IndexByte(s, '=')
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+1:], true
}

// scoreTok recognises crmsh's `<score>:` token.
func scoreTok(t token) (string, bool) {
	s := t.text
	if t.eof || len(s) < 2 || s[len(s)-1] != ':' {
		return "", false
	}
	s = s[:len(s)-1]
	if strings.ContainsAny(s, ":=") || strings.HasPrefix(s, "$") {
		return "", false
	}
	return s, true
}

// scoreKind is how crmsh reads the text before ':' of a score token.
type scoreKind int

const (
	scoreNumber    scoreKind = iota // an integer or [+-]inf[inity]
	scoreAttribute                  // anything else: a node attribute name
)

// interpretScore is crmsh's validate_score: `inf` and `infinity` in any
// case become INFINITY with the sign kept, `mandatory` and `advisory`
// become INFINITY and 0, integers stay as written, and anything else is
// the name of a node attribute holding the score.
func interpretScore(s string) (string, scoreKind) {
	switch strings.ToLower(s) {
	case "mandatory":
		return "INFINITY", scoreNumber
	case "advisory":
		return "0", scoreNumber
	}
	body := s
	sign := ""
	if body != "" && (body[0] == '+' || body[0] == '-') {
		sign, body = body[:1], body[1:]
	}
	switch strings.ToLower(body) {
	case "inf", "infinity":
		return sign + "INFINITY", scoreNumber
	}
	if body != "" && isDigits(body) {
		return s, scoreNumber
	}
	return s, scoreAttribute
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

var roles = []string{"Stopped", "Started", "Promoted", "Unpromoted", "Master", "Slave"}
var actions = []string{"start", "stop", "promote", "demote"}

func oneOf(s string, list []string) bool {
	for _, x := range list {
		if strings.EqualFold(s, x) {
			return true
		}
	}
	return false
}

// isTrue reports whether s is one of crmsh's boolean spellings.
func isBoolean(s string) bool {
	return oneOf(s, []string{"true", "false", "yes", "no", "on", "off", "1", "0", "y", "n"})
}

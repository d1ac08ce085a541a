package crmsh

import (
	"strings"

	"pacer/crm/cib"
)

// Section keywords that end an attribute list, per statement. crmsh's
// TERMINATORS plus the keywords of the statements that have more.
var (
	primitiveKeywords = []string{"params", "meta", "utilization", "operations", "op", "op_params", "op_meta", "rule", "attributes"}
	nodeKeywords      = []string{"attributes", "utilization", "rule", "params", "meta"}
	bundleKeywords    = []string{"params", "meta", "utilization", "rule", "docker", "podman", "rkt", "network", "storage", "primitive", "port-mapping", "storage-mapping"}
	alertKeywords     = []string{"attributes", "meta", "rule", "to", "select", "}"}
)

// attrList reads the body of an attribute set after its keyword:
//
//	[$id=<id>] [$id-ref=<id>] [<score>:] [rule ...] [<name>=<value> ...]
//
// stop lists the keywords that end it.
func (p *parser) attrList(kind cib.NVSetKind, at token, stop []string) cib.NVSet {
	s := cib.NVSet{Kind: kind, Pos: at.pos}
	ovs := p.headAttrs(false)
	if sc, ok := scoreTok(p.peek()); ok {
		p.i++
		setAttr(cib.NVSetFields, &s, &s.Extra, "score", sc)
	}
	for p.err == nil {
		t, ok := p.acceptKw("rule")
		if !ok {
			break
		}
		if s.Rule != nil {
			p.errorf(t, "an attribute set takes at most one rule")
			break
		}
		r := p.rule(t)
		s.Rule = &r
	}
	s.Pairs = p.nvpairs(stop)
	applyOverrides(p, cib.NVSetFields, &s, &s.Extra, ovs)
	return s
}

// nvpairs reads name/value pairs:
//
//	name=value   name (no value: an unset)   $id:name=value   $id:name
//	@ref   @ref:name   @ref:name=value
func (p *parser) nvpairs(stop []string) []cib.NVPair {
	var out []cib.NVPair
	for p.err == nil {
		t := p.peek()
		if t.eof || isKw(t, stop...) {
			break
		}
		pair, ok := p.nvpair(t)
		if !ok {
			break
		}
		p.i++
		out = append(out, pair)
	}
	return out
}

// nvpair interprets one token as a pair; false if it is not one.
func (p *parser) nvpair(t token) (cib.NVPair, bool) {
	s := t.text
	pair := cib.NVPair{Pos: t.pos}
	switch {
	case strings.HasPrefix(s, "@"):
		ref, rest, hasName := strings.Cut(s[1:], ":")
		if ref == "" {
			return pair, false
		}
		pair.IDRef = ref
		if hasName {
			n, v, hasValue := splitNV(rest)
			pair.Name, pair.Value, pair.HasValue = n, v, hasValue
		}
		return pair, true
	case strings.HasPrefix(s, "$"):
		from := 1
		if !t.bare && t.qpos == 1 && t.qend > 1 {
			from = t.qend // $"id:with:colons":name
		}
		i := strings.IndexByte(s[from:], ':')
		if i < 0 {
			return pair, false
		}
		id, rest := s[1:from+i], s[from+i+1:]
		n, v, hasValue := splitNV(rest)
		if n == "" {
			p.errorf(t, "%q: missing name", s)
			return pair, false
		}
		if id == "" {
			id = noID
		}
		pair.ID, pair.Name, pair.Value, pair.HasValue = id, n, v, hasValue
		return pair, true
	}
	n, v, hasValue := splitNV(s)
	if n == "" {
		if hasValue {
			p.errorf(t, "%q: missing name before '='", s)
		}
		return pair, false
	}
	if !hasValue && strings.ContainsRune(n, ':') {
		return pair, false
	}
	pair.Name, pair.Value, pair.HasValue = n, v, hasValue
	return pair, true
}

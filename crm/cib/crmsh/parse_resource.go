package crmsh

import (
	"strings"

	"pacer/crm/cib"
)

// resource reads primitive, rsc_template, group, clone, ms (master) and
// bundle statements.
func (p *parser) resource(kw token) Object {
	r := &cib.Resource{Pos: kw.pos}
	switch strings.ToLower(kw.text) {
	case "primitive":
		r.Kind = cib.KindPrimitive
	case "rsc_template":
		r.Kind = cib.KindTemplate
	case "group":
		r.Kind = cib.KindGroup
	case "clone":
		r.Kind = cib.KindClone
	case "ms", "master":
		r.Kind = cib.KindMaster
	case "bundle":
		r.Kind = cib.KindBundle
	}
	obj := &ResourceObject{Resource: r}
	id := p.objectID(resourceKeyword(r.Kind))
	if p.err != nil {
		return nil
	}
	r.ID = id.text
	fs := cib.ResourceFields(r.Kind)
	var ovs []override
	switch r.Kind {
	case cib.KindPrimitive, cib.KindTemplate:
		p.agent(r)
	case cib.KindGroup:
		for p.err == nil {
			t := p.peek()
			if t.eof || hasEq(t) || isKw(t, primitiveKeywords...) {
				break
			}
			if _, ok := overrideToken(t); ok {
				break
			}
			p.i++
			for _, c := range obj.ChildIDs {
				if c == t.text {
					p.errorf(t, "%q is listed twice", t.text)
				}
			}
			obj.ChildIDs = append(obj.ChildIDs, t.text)
			obj.childPos = append(obj.childPos, t.pos)
		}
		if len(obj.ChildIDs) == 0 {
			p.errorf(p.peek(), "a group needs at least one resource")
		}
	case cib.KindClone, cib.KindMaster:
		t := p.want("the resource to clone")
		if p.err == nil && (hasEq(t) || isKw(t, primitiveKeywords...)) {
			p.errorf(t, "expected the resource to clone, got %q", t.text)
		}
		obj.ChildIDs = []string{t.text}
		obj.childPos = []cib.Pos{t.pos}
	}
	ovs = append(ovs, p.headAttrs(true)...)
	p.resourceBody(obj)
	noIDOverride(p, ovs)
	applyOverrides(p, fs, r, &r.Extra, ovs)
	if p.err != nil {
		return nil
	}
	return obj
}

// agent reads `[<class>:[<provider>:]]<type>` or `@<template>`. A bare
// type is ocf:heartbeat, and ocf without a provider is heartbeat, as
// crmsh assumes when it cannot ask the node which providers exist.
func (p *parser) agent(r *cib.Resource) {
	t := p.want("a resource agent ([class:[provider:]]type or @template)")
	if p.err != nil {
		return
	}
	if strings.HasPrefix(t.text, "@") && r.Kind == cib.KindPrimitive {
		setAttr(cib.PrimitiveFields, r, &r.Extra, "template", t.text[1:])
		return
	}
	if hasEq(t) || isKw(t, primitiveKeywords...) {
		p.errorf(t, "expected a resource agent ([class:[provider:]]type), got %q", t.text)
		return
	}
	parts := strings.Split(t.text, ":")
	var class, provider, typ string
	switch len(parts) {
	case 1:
		class, provider, typ = "ocf", "heartbeat", parts[0]
	case 2:
		class, typ = parts[0], parts[1]
		if class == "ocf" {
			provider = "heartbeat"
		}
	case 3:
		class, provider, typ = parts[0], parts[1], parts[2]
	default:
		p.errorf(t, "resource agent %q: want [class:[provider:]]type", t.text)
		return
	}
	setAttr(cib.PrimitiveFields, r, &r.Extra, "class", class)
	if provider != "" || len(parts) == 3 {
		setAttr(cib.PrimitiveFields, r, &r.Extra, "provider", provider)
	}
	setAttr(cib.PrimitiveFields, r, &r.Extra, "type", typ)
}

// resourceBody reads the attribute sets, operations and bundle parts.
func (p *parser) resourceBody(obj *ResourceObject) {
	r := obj.Resource
	agent := r.Kind == cib.KindPrimitive || r.Kind == cib.KindTemplate
	stop := primitiveKeywords
	if r.Kind == cib.KindBundle {
		stop = bundleKeywords
	}
	first := true
	for p.err == nil && !p.atEnd() {
		t := p.peek()
		switch {
		case isKw(t, "params"):
			p.i++
			r.Instance = append(r.Instance, p.attrList(cib.InstanceAttributes, t, stop))
		case isKw(t, "meta"):
			p.i++
			r.Meta = append(r.Meta, p.attrList(cib.MetaAttributes, t, stop))
		case isKw(t, "utilization"):
			p.i++
			r.Utilization = append(r.Utilization, p.attrList(cib.UtilizationSet, t, stop))
		case agent && isKw(t, "operations"):
			p.i++
			p.operations(r)
		case agent && isKw(t, "op"):
			p.i++
			r.Ops = append(r.Ops, p.op(t))
			r.HasOps = false
		case r.Kind == cib.KindBundle && isKw(t, "docker", "podman", "rkt", "network", "storage", "primitive"):
			p.bundlePart(obj)
		case first && agent:
			// crmsh's implicit params: `primitive p Dummy state=1`.
			s := p.attrList(cib.InstanceAttributes, t, stop)
			if len(s.Pairs) == 0 && s.Rule == nil && s.Score == "" && len(s.Extra) == 0 {
				p.errorf(t, "unexpected %q", t.text)
			}
			r.Instance = append(r.Instance, s)
		default:
			p.errorf(t, "unexpected %q", t.text)
		}
		first = false
	}
}

// operations reads `operations [$id=<id>] [$id-ref=<id>]`.
func (p *parser) operations(r *cib.Resource) {
	r.HasOps = len(r.Ops) == 0
	for p.err == nil {
		o, ok := overrideToken(p.peek())
		if !ok {
			return
		}
		p.i++
		switch {
		case o.name == "id" && !o.unset:
			r.OpsID = o.value
		case o.name == "id-ref" && !o.unset:
			r.OpsIDRef = o.value
		default:
			p.errorf(o.tok, "operations takes $id=<id> or $id-ref=<id>, not %q", o.tok.text)
		}
	}
}

// op reads one operation after `op`:
//
//	op <name> [<attribute>=<value> ...] [OCF_CHECK_LEVEL=<n>]
//	    [op_params <attr_list>] [op_meta <attr_list>]
//
// An op without interval gets interval=0, as in crmsh.
func (p *parser) op(at token) cib.Op {
	op := cib.Op{Pos: at.pos}
	n := p.want("an operation name (monitor, start, stop, ...)")
	if p.err != nil {
		return op
	}
	if strings.Contains(n.text, "=") {
		p.errorf(n, "expected an operation name, got %q", n.text)
		return op
	}
	setAttr(cib.OpFields, &op, &op.Extra, "name", n.text)
	var ovs []override
	hasInterval := false
	seen := map[string]bool{}
	for p.err == nil {
		t := p.peek()
		if t.eof || isKw(t, primitiveKeywords...) {
			break
		}
		if o, ok := overrideToken(t); ok {
			p.i++
			ovs = append(ovs, o)
			continue
		}
		name, value, ok := splitNV(t.text)
		if !ok {
			p.errorf(t, "op %s: unexpected %q", n.text, t.text)
			break
		}
		if seen[name] {
			p.errorf(t, "op %s: %s given twice", n.text, name)
			break
		}
		seen[name] = true
		p.i++
		switch {
		case name != "name" && modelled(cib.OpFields, name):
			if name == "interval" {
				hasInterval = true
			}
			setAttr(cib.OpFields, &op, &op.Extra, name, value)
		case name == "OCF_CHECK_LEVEL":
			if len(op.Instance) == 0 {
				op.Instance = append(op.Instance, cib.NVSet{Kind: cib.InstanceAttributes, Pos: t.pos})
			}
			s := &op.Instance[0]
			s.Pairs = append(s.Pairs, cib.NVPair{Name: name, Value: value, HasValue: true, Pos: t.pos})
		default:
			p.errorf(t, "unknown operation attribute %q (agent parameters go in op_params)", name)
		}
	}
	if !hasInterval {
		op.Interval = "0"
	}
	for p.err == nil {
		t, ok := p.acceptKw("op_params", "op_meta")
		if !ok {
			break
		}
		if strings.EqualFold(t.text, "op_params") {
			op.Instance = append(op.Instance, p.attrList(cib.InstanceAttributes, t, primitiveKeywords))
		} else {
			op.Meta = append(op.Meta, p.attrList(cib.MetaAttributes, t, primitiveKeywords))
		}
	}
	applyOverrides(p, cib.OpFields, &op, &op.Extra, ovs)
	return op
}

// bundlePart reads one part of a bundle:
//
//	docker|podman|rkt <attribute>=<value> ...
//	network [<attribute>=<value> ...] [port-mapping [id=<id>] <attribute>=<value> ...]...
//	storage [$id=<id>] [storage-mapping [id=<id>] <attribute>=<value> ...]...
//	primitive <id>
func (p *parser) bundlePart(obj *ResourceObject) {
	r := obj.Resource
	t := p.next()
	if r.Bundle == nil {
		r.Bundle = &cib.BundleSpec{}
	}
	b := r.Bundle
	kw := strings.ToLower(t.text)
	switch kw {
	case "docker", "podman", "rkt":
		if b.Runtime != "" {
			p.errorf(t, "more than one container runtime (%s and %s)", b.Runtime, kw)
			return
		}
		b.Runtime = kw
		b.RuntimeAttrs = p.plainAttrs()
	case "network":
		if b.Network != nil {
			p.errorf(t, "more than one network")
			return
		}
		b.Network = &cib.BundleNetwork{Attrs: p.plainAttrs()}
		for p.err == nil {
			if _, ok := p.acceptKw("port-mapping"); !ok {
				break
			}
			id, attrs := splitIDAttr(p.plainAttrs())
			b.Network.PortMappings = append(b.Network.PortMappings, cib.PortMapping{ID: id, Attrs: attrs})
		}
	case "storage":
		if b.HasStorage || b.StorageID != "" || len(b.Storage) > 0 {
			p.errorf(t, "more than one storage")
			return
		}
		if o, ok := overrideToken(p.peek()); ok && o.name == "id" && !o.unset {
			p.i++
			b.StorageID = o.value
		}
		for p.err == nil {
			if _, ok := p.acceptKw("storage-mapping"); !ok {
				break
			}
			id, attrs := splitIDAttr(p.plainAttrs())
			b.Storage = append(b.Storage, cib.StorageMapping{ID: id, Attrs: attrs})
		}
		b.HasStorage = len(b.Storage) == 0
	case "primitive":
		if len(obj.ChildIDs) > 0 {
			p.errorf(t, "a bundle holds one primitive")
			return
		}
		c := p.want("the primitive's id")
		obj.ChildIDs = append(obj.ChildIDs, c.text)
		obj.childPos = append(obj.childPos, c.pos)
	}
}

// plainAttrs reads <attribute>=<value> words until a keyword.
func (p *parser) plainAttrs() []cib.Attr {
	var out []cib.Attr
	for p.err == nil {
		t := p.peek()
		if t.eof || isKw(t, bundleKeywords...) {
			break
		}
		n, v, ok := splitNV(t.text)
		if !ok || n == "" {
			break
		}
		p.i++
		out = append(out, cib.Attr{Name: n, Value: v})
	}
	return out
}

// splitIDAttr takes the id out of a mapping's attributes.
func splitIDAttr(attrs []cib.Attr) (string, []cib.Attr) {
	var id string
	var rest []cib.Attr
	hasID := false
	for _, a := range attrs {
		if a.Name == "id" && !hasID {
			id, hasID = a.Value, true
			continue
		}
		rest = append(rest, a)
	}
	if hasID && id == "" {
		id = noID
	}
	return id, rest
}

package crmsh

import (
	"strconv"
	"strings"

	"pacer/crm/cib"
)

// Printing nodes and resources.

func (pr *printer) node(n *cib.Node) (*stmt, error) {
	obj := "node " + strconv.Quote(n.Uname)
	head := []string{"node"}
	if w, ok := pr.idWord(&n.ID); ok {
		if n.ID != "" && noQuotes(n.ID) {
			w = n.ID + ":"
		}
		head = append(head, w)
	}
	u := n.Uname
	if oneOf(n.Type, nodeTypes) {
		u += ":" + n.Type
	}
	head = append(head, quoteWord(u))
	slot := len(head)
	st := &stmt{}
	st.add(0, head...)
	if n.Description != "" {
		st.add(1, nv("description", n.Description))
	}
	for i := range n.Attributes {
		w, err := pr.nvsetWords(obj, "attributes", &n.Attributes[i], nodeKeywords)
		if err != nil {
			return nil, err
		}
		st.add(1, w...)
	}
	for i := range n.Utilization {
		w, err := pr.nvsetWords(obj, "utilization", &n.Utilization[i], nodeKeywords)
		if err != nil {
			return nil, err
		}
		st.add(1, w...)
	}
	o, ok := reparseStatement(st.words())
	got, isNode := o.(*NodeObject)
	if !ok || !isNode {
		return nil, &printError{object: obj, msg: "cannot print node"}
	}
	fix := patchAttrs(cib.NodeFields, &got.Node, n, withoutID(got.Node.Extra), n.Extra)
	st.lines[0] = insert(st.lines[0], slot, fix...)
	return st, nil
}

// agentWord is the agent as crmsh writes it: ocf:heartbeat:X as X.
func agentWord(r *cib.Resource) string {
	switch {
	case r.Template != "" && r.Kind == cib.KindPrimitive:
		return "@" + quoteWord(r.Template)
	case r.Class == "ocf" && r.Provider == "heartbeat" && r.Type != "":
		return quoteWord(r.Type)
	case r.Provider != "":
		return quoteWord(r.Class + ":" + r.Provider + ":" + r.Type)
	case r.Class != "":
		return quoteWord(r.Class + ":" + r.Type)
	}
	return quoteWord(r.Type)
}

func (pr *printer) resource(o *ResourceObject) (*stmt, error) {
	r := o.Resource
	kw := resourceKeyword(r.Kind)
	obj := kw + " " + strconv.Quote(r.ID)
	if r.ID == "" {
		return nil, &printError{object: kw, msg: "a resource without an id has no crm syntax"}
	}
	head := []string{kw, quoteWord(r.ID)}
	switch r.Kind {
	case cib.KindPrimitive, cib.KindTemplate:
		head = append(head, agentWord(r))
	case cib.KindGroup:
		if len(o.ChildIDs) == 0 {
			return nil, &printError{object: obj, msg: "a group without members has no crm syntax"}
		}
		for _, c := range o.ChildIDs {
			head = append(head, quoteWord(c))
		}
	case cib.KindClone, cib.KindMaster:
		if len(o.ChildIDs) != 1 {
			return nil, &printError{object: obj, msg: "a clone holds exactly one resource in crm syntax"}
		}
		head = append(head, quoteWord(o.ChildIDs[0]))
	case cib.KindBundle:
	default:
		return nil, &printError{object: obj, msg: "unknown resource kind " + strconv.Quote(string(r.Kind))}
	}
	slot := len(head)
	st := &stmt{}
	st.add(0, head...)
	if r.Description != "" {
		st.add(1, nv("description", r.Description))
	}
	stop := primitiveKeywords
	if r.Kind == cib.KindBundle {
		stop = bundleKeywords
		if err := pr.bundleLines(obj, st, o); err != nil {
			return nil, err
		}
	}
	for _, part := range []struct {
		kw   string
		sets []cib.NVSet
	}{{"params", r.Instance}, {"meta", r.Meta}, {"utilization", r.Utilization}} {
		for i := range part.sets {
			w, err := pr.nvsetWords(obj, part.kw, &part.sets[i], stop)
			if err != nil {
				return nil, err
			}
			st.add(1, w...)
		}
	}
	agent := r.Kind == cib.KindPrimitive || r.Kind == cib.KindTemplate
	if !agent && (len(r.Ops) > 0 || r.OpsID != "" || r.OpsIDRef != "" || r.HasOps) {
		return nil, &printError{object: obj, msg: "operations belong to primitives"}
	}
	if r.OpsID != "" || r.OpsIDRef != "" || (r.HasOps && len(r.Ops) == 0) {
		w := []string{"operations"}
		if r.OpsID != "" {
			w = append(w, "$id="+quoteValue(r.OpsID))
		}
		if r.OpsIDRef != "" {
			w = append(w, "$id-ref="+quoteValue(r.OpsIDRef))
		}
		st.add(1, w...)
	}
	for i := range r.Ops {
		lines, err := pr.opLines(obj, &r.Ops[i])
		if err != nil {
			return nil, err
		}
		for _, l := range lines {
			st.add(1, l...)
		}
	}
	po, ok := reparseStatement(st.words())
	if !ok && agent {
		// The agent's own words do not read back (a type with colons):
		// write a placeholder and let the $-words say what it is.
		st.lines[0][2] = "x"
		po, ok = reparseStatement(st.words())
	}
	got, isRsc := po.(*ResourceObject)
	if !ok || !isRsc {
		return nil, &printError{object: obj, msg: "cannot print resource"}
	}
	fix := patchAttrs(cib.ResourceFields(r.Kind), got.Resource, r, withoutID(got.Resource.Extra), r.Extra)
	st.lines[0] = insert(st.lines[0], slot, fix...)
	return st, nil
}

// opLines prints an op and its op_params and op_meta sets.
func (pr *printer) opLines(obj string, op *cib.Op) ([][]string, error) {
	w := []string{"op", quoteWord(op.Name)}
	if !pr.ids.elide[&op.ID] {
		switch {
		case pr.ids.none[&op.ID]:
			w = append(w, "$-id")
		case op.ID != "":
			w = append(w, nv("id", op.ID))
		}
	}
	for _, fl := range cib.OpFields[2:] {
		if v := *fl.Ptr(op); v != "" {
			w = append(w, nv(fl.Name, v))
		}
	}
	lines := [][]string{w}
	for i := range op.Instance {
		sw, err := pr.nvsetWords(obj, "op_params", &op.Instance[i], primitiveKeywords)
		if err != nil {
			return nil, err
		}
		lines = append(lines, sw)
	}
	for i := range op.Meta {
		sw, err := pr.nvsetWords(obj, "op_meta", &op.Meta[i], primitiveKeywords)
		if err != nil {
			return nil, err
		}
		lines = append(lines, sw)
	}
	var all []string
	for _, l := range lines {
		all = append(all, l...)
	}
	p, ok := reparser(all[1:])
	if !ok {
		return nil, &printError{object: obj, msg: "cannot print op " + op.Name}
	}
	got := p.op(token{})
	if p.err != nil || !p.atEnd() || len(got.Instance) != len(op.Instance) || len(got.Meta) != len(op.Meta) {
		return nil, &printError{object: obj, msg: "cannot print op " + op.Name}
	}
	lines[0] = append(lines[0], patchAttrs(cib.OpFields, &got, op, withoutID(got.Extra), op.Extra)...)
	return lines, nil
}

// bundleLines prints a bundle's container, network, storage and
// primitive the way crmsh 4 does, one attribute per line under the
// container and one mapping per line.
func (pr *printer) bundleLines(obj string, st *stmt, o *ResourceObject) error {
	b := o.Resource.Bundle
	attrWords := func(attrs []cib.Attr) ([]string, error) {
		var out []string
		for _, a := range attrs {
			if a.Name == "" || strings.ContainsRune(a.Name, '=') {
				return nil, &printError{object: obj, msg: "bundle attribute " + strconv.Quote(a.Name) + " has no crm syntax"}
			}
			out = append(out, nv(a.Name, a.Value))
		}
		return out, nil
	}
	mapping := func(kw string, id *string, attrs []cib.Attr) ([]string, error) {
		w := []string{kw}
		if !pr.ids.elide[id] && (*id != "" || pr.ids.none[id]) {
			w = append(w, nv("id", *id))
		}
		for _, a := range attrs {
			if a.Name == "id" {
				return nil, &printError{object: obj, msg: kw + " with two ids"}
			}
		}
		aw, err := attrWords(attrs)
		return append(w, aw...), err
	}
	if b != nil {
		if b.Runtime != "" {
			if !oneOf(b.Runtime, []string{"docker", "podman", "rkt"}) || b.Runtime != strings.ToLower(b.Runtime) {
				return &printError{object: obj, msg: "container runtime " + strconv.Quote(b.Runtime) + " has no crm syntax"}
			}
			aw, err := attrWords(b.RuntimeAttrs)
			if err != nil {
				return err
			}
			if len(aw) == 0 {
				st.add(1, b.Runtime)
			} else {
				st.add(1, b.Runtime, aw[0])
				for _, w := range aw[1:] {
					st.add(2, w)
				}
			}
		} else if len(b.RuntimeAttrs) > 0 {
			return &printError{object: obj, msg: "container attributes without a runtime"}
		}
		if b.Network != nil {
			aw, err := attrWords(b.Network.Attrs)
			if err != nil {
				return err
			}
			st.add(1, append([]string{"network"}, aw...)...)
			for i := range b.Network.PortMappings {
				m := &b.Network.PortMappings[i]
				w, err := mapping("port-mapping", &m.ID, m.Attrs)
				if err != nil {
					return err
				}
				st.add(2, w...)
			}
		}
		if b.HasStorage || b.StorageID != "" || len(b.Storage) > 0 {
			w := []string{"storage"}
			if b.StorageID != "" {
				w = append(w, "$id="+quoteValue(b.StorageID))
			}
			st.add(1, w...)
			for i := range b.Storage {
				m := &b.Storage[i]
				w, err := mapping("storage-mapping", &m.ID, m.Attrs)
				if err != nil {
					return err
				}
				st.add(2, w...)
			}
		}
	}
	switch len(o.ChildIDs) {
	case 0:
	case 1:
		st.add(1, "primitive", quoteWord(o.ChildIDs[0]))
	default:
		return &printError{object: obj, msg: "a bundle holds one primitive"}
	}
	return nil
}

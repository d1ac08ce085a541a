// Package crmsh reads and writes the crm shell's configuration language,
// the syntax of `crm configure show` and `crm configure load update`
// (crmsh 4.x), to and from the cib model:
//
//	primitive vip IPaddr2 \
//		params ip=10.0.0.1 \
//		op monitor interval=10s
//	location prefer-alpha vip 100: alpha
//
// ParseConfiguration reads a whole text into a cib.Configuration; ParseLine
// and ParseObject read one statement typed on a command line into an
// Object the caller merges into a configuration. Print writes a
// configuration back. Ids the text leaves out are generated the way crmsh
// generates them (vip-instance_attributes-ip, vip-monitor-10s), and Print
// leaves out exactly the ids the parser would generate, so a configuration
// survives Print and ParseConfiguration unchanged. What crm syntax cannot
// say (an id crmsh has no place for, an attribute pacer keeps verbatim) is
// written with a few documented extensions; docs/crm-syntax.md has the
// grammar.
package crmsh

import (
	"bytes"
	"strings"

	"pacer/crm/cib"
)

// Object is one parsed statement: *NodeObject, *ResourceObject,
// *ConstraintObject, *SetObject, *FencingObject, *TagObject,
// *AlertObject or *XMLObject.
type Object interface {
	// Keyword is the statement's keyword as crmsh prints it
	// ("primitive", "ms", "location", "property", ...).
	Keyword() string
	// ID is the object's id ("" for a fencing_topology or a bare section).
	ID() string
	// Pos is where the statement starts.
	Pos() cib.Pos
}

// NodeObject is a `node` statement.
type NodeObject struct {
	Node cib.Node
}

// ResourceObject is a primitive, rsc_template, group, clone, ms or bundle.
// A container statement names its children by id only; they are separate
// statements, so Resource.Children is empty and ChildIDs lists them (a
// group's members in order, the one child of a clone or ms, the primitive
// of a bundle). ParseConfiguration resolves them; a caller merging one
// statement into a configuration moves the named resources itself.
type ResourceObject struct {
	Resource *cib.Resource
	ChildIDs []string
	childPos []cib.Pos
}

// ConstraintObject is a location, colocation, order or rsc_ticket.
type ConstraintObject struct {
	Constraint *cib.Constraint
}

// Section names where a SetObject goes.
type Section string

const (
	SectionProperty    Section = "property"     // Configuration.CRMConfig
	SectionRscDefaults Section = "rsc_defaults" // Configuration.RscDefaults
	SectionOpDefaults  Section = "op_defaults"  // Configuration.OpDefaults
)

// SetObject is a property, rsc_defaults or op_defaults statement. Set is
// nil for a bare `rsc_defaults` or `op_defaults`, pacer's way of writing
// an empty section. Anonymous is true when the text gave no id: crmsh then
// uses the default set (cib-bootstrap-options, rsc-options, op-options)
// and merges into it.
type SetObject struct {
	Section   Section
	Set       *cib.NVSet
	Anonymous bool
	pos       cib.Pos
}

// FencingObject is a fencing_topology statement. Levels is empty for a
// bare `fencing_topology` (an empty fencing-topology section).
type FencingObject struct {
	Levels []cib.FencingLevel
	pos    cib.Pos
	// anyNode holds levels written without a target until they are
	// given to every node.
	anyNode []cib.FencingLevel
}

// TagObject is a tag statement; Tag is nil for a bare `tag` (an empty
// tags section).
type TagObject struct {
	Tag *cib.Tag
	pos cib.Pos
}

// AlertObject is an alert statement; Alert is nil for a bare `alert` (an
// empty alerts section).
type AlertObject struct {
	Alert *cib.Alert
	pos   cib.Pos
}

// XMLObject is an `xml <...>` statement: an element the model keeps
// verbatim in Configuration.Unknown (acls and the like).
type XMLObject struct {
	Element cib.Element
	pos     cib.Pos
}

func (o *NodeObject) Keyword() string { return "node" }
func (o *NodeObject) ID() string      { return o.Node.ID }
func (o *NodeObject) Pos() cib.Pos    { return o.Node.Pos }

func (o *ResourceObject) Keyword() string { return resourceKeyword(o.Resource.Kind) }
func (o *ResourceObject) ID() string      { return o.Resource.ID }
func (o *ResourceObject) Pos() cib.Pos    { return o.Resource.Pos }

func (o *ConstraintObject) Keyword() string { return constraintKeyword(o.Constraint.Kind) }
func (o *ConstraintObject) ID() string      { return o.Constraint.ID }
func (o *ConstraintObject) Pos() cib.Pos    { return o.Constraint.Pos }

func (o *SetObject) Keyword() string { return string(o.Section) }
func (o *SetObject) ID() string {
	if o.Set == nil {
		return ""
	}
	return o.Set.ID
}
func (o *SetObject) Pos() cib.Pos { return o.pos }

func (o *FencingObject) Keyword() string { return "fencing_topology" }
func (o *FencingObject) ID() string      { return "" }
func (o *FencingObject) Pos() cib.Pos    { return o.pos }

func (o *TagObject) Keyword() string { return "tag" }
func (o *TagObject) ID() string {
	if o.Tag == nil {
		return ""
	}
	return o.Tag.ID
}
func (o *TagObject) Pos() cib.Pos { return o.pos }

func (o *AlertObject) Keyword() string { return "alert" }
func (o *AlertObject) ID() string {
	if o.Alert == nil {
		return ""
	}
	return o.Alert.ID
}
func (o *AlertObject) Pos() cib.Pos { return o.pos }

func (o *XMLObject) Keyword() string { return "xml" }
func (o *XMLObject) ID() string      { return attrValue(o.Element.Attrs, "id") }
func (o *XMLObject) Pos() cib.Pos    { return o.pos }

func resourceKeyword(k cib.ResourceKind) string {
	switch k {
	case cib.KindMaster:
		return "ms"
	case cib.KindTemplate:
		return "rsc_template"
	}
	return string(k)
}

func constraintKeyword(k cib.ConstraintKind) string {
	switch k {
	case cib.KindLocation:
		return "location"
	case cib.KindColocation:
		return "colocation"
	case cib.KindOrder:
		return "order"
	case cib.KindTicket:
		return "rsc_ticket"
	}
	return string(k)
}

func attrValue(attrs []cib.Attr, name string) string {
	for _, a := range attrs {
		if a.Name == name {
			return a.Value
		}
	}
	return ""
}

// Option tunes ParseLine and ParseObject.
type Option func(*options)

type options struct {
	existing *cib.Configuration
}

// WithExisting names the configuration the parsed object will be merged
// into: generated ids avoid the ids it already uses, as crmsh's do, and a
// fencing_topology without targets applies to its nodes.
func WithExisting(c *cib.Configuration) Option {
	return func(o *options) { o.existing = c }
}

// ParseConfiguration reads a whole crm configuration: the output of
// `crm configure show` or a `crm configure load update` file. name is used
// in error messages. On error it returns an ErrorList with every statement
// that failed (up to a limit), each a *Error.
func ParseConfiguration(src []byte, name string) (*cib.Configuration, error) {
	objs, err := parseText(src, name)
	if err != nil {
		return nil, err
	}
	return assemble(objs, name)
}

// ParseLine reads one statement written as on the crm command line or in
// a file; backslash continuations are allowed.
func ParseLine(text string, opts ...Option) (Object, error) {
	objs, err := parseText([]byte(text), "")
	if err != nil {
		return nil, err
	}
	if len(objs) != 1 {
		return nil, ErrorList{{Line: 1, Msg: "want exactly one statement"}}
	}
	return finishOne(objs[0], opts)
}

// ParseObject reads one statement given as separate words, as a shell
// passes `pacer configure primitive vip IPaddr2 params ip=10.0.0.1` on.
// Every word counts as unquoted.
func ParseObject(args []string, opts ...Option) (Object, error) {
	if len(args) == 0 {
		return nil, ErrorList{{Msg: "empty statement"}}
	}
	for _, t := range argsTokens(args) {
		if i := strings.IndexByte(t.text, 0); i >= 0 {
			return nil, ErrorList{{Line: 1, Col: t.pos.Col + i, Msg: "NUL byte in input"}}
		}
	}
	p := &parser{}
	obj := p.statement(argsTokens(args), line{})
	if p.err != nil {
		return nil, ErrorList{p.err}
	}
	return finishOne(obj, opts)
}

// finishOne generates the ids of a single statement and, for a
// fencing_topology without targets, expands it over the nodes.
func finishOne(obj Object, opts []Option) (Object, error) {
	var o options
	for _, fn := range opts {
		fn(&o)
	}
	g := newAssigner()
	if o.existing != nil {
		g.reserveConfiguration(o.existing)
	}
	g.reserve([]Object{obj})
	if f, ok := obj.(*FencingObject); ok {
		var nodes []cib.Node
		if o.existing != nil {
			nodes = o.existing.Nodes
		}
		if err := expandAllNodes(f, nodes); err != nil {
			return nil, ErrorList{err}
		}
	}
	g.assign([]Object{obj})
	return obj, nil
}

// isXMLLine reports whether a logical line is an `xml` statement.
func isXMLLine(l line) bool {
	t := l.text
	return len(t) > 3 && (t[0] == 'x' || t[0] == 'X') && (t[1] == 'm' || t[1] == 'M') &&
		(t[2] == 'l' || t[2] == 'L') && isSpace(t[3])
}

// parseText parses every statement of src. Errors are collected per
// statement so one mistake does not hide the next.
func parseText(src []byte, name string) ([]Object, error) {
	var objs []Object
	var errs ErrorList
	for _, l := range splitLines(bytes.TrimPrefix(src, []byte("\xef\xbb\xbf"))) {
		var toks []token
		var lerr *lexError
		if isXMLLine(l) {
			// The XML is not shell words: an apostrophe in it is text.
			toks = []token{{text: string(l.text[:3]), pos: l.pos[0], bare: true}}
		} else {
			toks, lerr = tokenize(l)
		}
		if lerr != nil {
			errs = append(errs, &Error{File: name, Line: lerr.pos.Line, Col: lerr.pos.Col, Msg: lerr.msg})
		} else {
			p := &parser{file: name}
			obj := p.statement(toks, l)
			if p.err != nil {
				errs = append(errs, p.err)
			} else if obj != nil {
				objs = append(objs, obj)
			}
		}
		if len(errs) >= maxErrors {
			break
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return objs, nil
}

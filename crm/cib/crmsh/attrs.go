package crmsh

import "pacer/crm/cib"

// Attribute tables: for each element, the XML attributes the model keeps in
// fields. They mirror cibxml's tables so that pacer's `$name=value`
// extension (set an attribute crm syntax has no words for) lands exactly
// where the XML reader would put the same attribute: a modelled attribute
// with a value goes to its field; an unmodelled one, or a modelled one
// that is present but empty, goes to Extra.

type field[T any] struct {
	name string
	ptr  func(*T) *string
}

type f[T any] = field[T]

var nvsetFields = []f[cib.NVSet]{
	{"id", func(s *cib.NVSet) *string { return &s.ID }},
	{"id-ref", func(s *cib.NVSet) *string { return &s.IDRef }},
	{"score", func(s *cib.NVSet) *string { return &s.Score }},
}

var nodeFields = []f[cib.Node]{
	{"id", func(n *cib.Node) *string { return &n.ID }},
	{"uname", func(n *cib.Node) *string { return &n.Uname }},
	{"type", func(n *cib.Node) *string { return &n.Type }},
	{"score", func(n *cib.Node) *string { return &n.Score }},
	{"description", func(n *cib.Node) *string { return &n.Description }},
}

var primitiveFields = []f[cib.Resource]{
	{"id", func(r *cib.Resource) *string { return &r.ID }},
	{"class", func(r *cib.Resource) *string { return &r.Class }},
	{"provider", func(r *cib.Resource) *string { return &r.Provider }},
	{"type", func(r *cib.Resource) *string { return &r.Type }},
	{"template", func(r *cib.Resource) *string { return &r.Template }},
	{"description", func(r *cib.Resource) *string { return &r.Description }},
}

var containerFields = []f[cib.Resource]{
	{"id", func(r *cib.Resource) *string { return &r.ID }},
	{"description", func(r *cib.Resource) *string { return &r.Description }},
}

func resourceFields(k cib.ResourceKind) []f[cib.Resource] {
	if k == cib.KindPrimitive || k == cib.KindTemplate {
		return primitiveFields
	}
	return containerFields
}

// opFields is in the order the printer writes an op's attributes.
var opFields = []f[cib.Op]{
	{"id", func(o *cib.Op) *string { return &o.ID }},
	{"name", func(o *cib.Op) *string { return &o.Name }},
	{"interval", func(o *cib.Op) *string { return &o.Interval }},
	{"timeout", func(o *cib.Op) *string { return &o.Timeout }},
	{"role", func(o *cib.Op) *string { return &o.Role }},
	{"on-fail", func(o *cib.Op) *string { return &o.OnFail }},
	{"requires", func(o *cib.Op) *string { return &o.Requires }},
	{"start-delay", func(o *cib.Op) *string { return &o.StartDelay }},
	{"interval-origin", func(o *cib.Op) *string { return &o.IntervalOrigin }},
	{"record-pending", func(o *cib.Op) *string { return &o.RecordPending }},
	{"enabled", func(o *cib.Op) *string { return &o.Enabled }},
	{"description", func(o *cib.Op) *string { return &o.Description }},
}

var locationFields = []f[cib.Constraint]{
	{"id", func(c *cib.Constraint) *string { return &c.ID }},
	{"rsc", func(c *cib.Constraint) *string { return &c.Rsc }},
	{"rsc-pattern", func(c *cib.Constraint) *string { return &c.RscPattern }},
	{"role", func(c *cib.Constraint) *string { return &c.Role }},
	{"node", func(c *cib.Constraint) *string { return &c.Node }},
	{"score", func(c *cib.Constraint) *string { return &c.Score }},
	{"resource-discovery", func(c *cib.Constraint) *string { return &c.ResourceDiscovery }},
}

var colocationFields = []f[cib.Constraint]{
	{"id", func(c *cib.Constraint) *string { return &c.ID }},
	{"rsc", func(c *cib.Constraint) *string { return &c.Rsc }},
	{"rsc-role", func(c *cib.Constraint) *string { return &c.RscRole }},
	{"with-rsc", func(c *cib.Constraint) *string { return &c.WithRsc }},
	{"with-rsc-role", func(c *cib.Constraint) *string { return &c.WithRscRole }},
	{"node-attribute", func(c *cib.Constraint) *string { return &c.NodeAttribute }},
	{"score", func(c *cib.Constraint) *string { return &c.Score }},
	{"influence", func(c *cib.Constraint) *string { return &c.Influence }},
}

var orderFields = []f[cib.Constraint]{
	{"id", func(c *cib.Constraint) *string { return &c.ID }},
	{"first", func(c *cib.Constraint) *string { return &c.First }},
	{"first-action", func(c *cib.Constraint) *string { return &c.FirstAction }},
	{"then", func(c *cib.Constraint) *string { return &c.Then }},
	{"then-action", func(c *cib.Constraint) *string { return &c.ThenAction }},
	{"kind", func(c *cib.Constraint) *string { return &c.OrderKind }},
	{"symmetrical", func(c *cib.Constraint) *string { return &c.Symmetrical }},
	{"require-all", func(c *cib.Constraint) *string { return &c.RequireAll }},
}

var ticketFields = []f[cib.Constraint]{
	{"id", func(c *cib.Constraint) *string { return &c.ID }},
	{"rsc", func(c *cib.Constraint) *string { return &c.Rsc }},
	{"rsc-role", func(c *cib.Constraint) *string { return &c.RscRole }},
	{"ticket", func(c *cib.Constraint) *string { return &c.Ticket }},
	{"loss-policy", func(c *cib.Constraint) *string { return &c.LossPolicy }},
}

func constraintFields(k cib.ConstraintKind) []f[cib.Constraint] {
	switch k {
	case cib.KindLocation:
		return locationFields
	case cib.KindColocation:
		return colocationFields
	case cib.KindOrder:
		return orderFields
	case cib.KindTicket:
		return ticketFields
	}
	return nil
}

var resourceSetFields = []f[cib.ResourceSet]{
	{"id", func(s *cib.ResourceSet) *string { return &s.ID }},
	{"id-ref", func(s *cib.ResourceSet) *string { return &s.IDRef }},
	{"sequential", func(s *cib.ResourceSet) *string { return &s.Sequential }},
	{"require-all", func(s *cib.ResourceSet) *string { return &s.RequireAll }},
	{"ordering", func(s *cib.ResourceSet) *string { return &s.Ordering }},
	{"action", func(s *cib.ResourceSet) *string { return &s.Action }},
	{"role", func(s *cib.ResourceSet) *string { return &s.Role }},
	{"score", func(s *cib.ResourceSet) *string { return &s.Score }},
	{"kind", func(s *cib.ResourceSet) *string { return &s.Kind }},
}

var ruleFields = []f[cib.Rule]{
	{"id", func(r *cib.Rule) *string { return &r.ID }},
	{"id-ref", func(r *cib.Rule) *string { return &r.IDRef }},
	{"score", func(r *cib.Rule) *string { return &r.Score }},
	{"score-attribute", func(r *cib.Rule) *string { return &r.ScoreAttribute }},
	{"boolean-op", func(r *cib.Rule) *string { return &r.BooleanOp }},
	{"role", func(r *cib.Rule) *string { return &r.Role }},
}

var attrExprFields = []f[cib.Expr]{
	{"id", func(x *cib.Expr) *string { return &x.ID }},
	{"attribute", func(x *cib.Expr) *string { return &x.Attribute }},
	{"operation", func(x *cib.Expr) *string { return &x.Operation }},
	{"value", func(x *cib.Expr) *string { return &x.Value }},
	{"type", func(x *cib.Expr) *string { return &x.Type }},
	{"value-source", func(x *cib.Expr) *string { return &x.ValueSource }},
}

var dateExprFields = []f[cib.Expr]{
	{"id", func(x *cib.Expr) *string { return &x.ID }},
	{"operation", func(x *cib.Expr) *string { return &x.Operation }},
	{"start", func(x *cib.Expr) *string { return &x.Start }},
	{"end", func(x *cib.Expr) *string { return &x.End }},
}

var rscExprFields = []f[cib.Expr]{
	{"id", func(x *cib.Expr) *string { return &x.ID }},
	{"class", func(x *cib.Expr) *string { return &x.Class }},
	{"provider", func(x *cib.Expr) *string { return &x.Provider }},
	{"type", func(x *cib.Expr) *string { return &x.AgentType }},
}

var opExprFields = []f[cib.Expr]{
	{"id", func(x *cib.Expr) *string { return &x.ID }},
	{"name", func(x *cib.Expr) *string { return &x.Name }},
	{"interval", func(x *cib.Expr) *string { return &x.Interval }},
}

func exprFields(k cib.ExprKind) []f[cib.Expr] {
	switch k {
	case cib.ExprAttribute:
		return attrExprFields
	case cib.ExprDate:
		return dateExprFields
	case cib.ExprResource:
		return rscExprFields
	case cib.ExprOp:
		return opExprFields
	}
	return nil
}

var fencingLevelFields = []f[cib.FencingLevel]{
	{"id", func(l *cib.FencingLevel) *string { return &l.ID }},
	{"index", func(l *cib.FencingLevel) *string { return &l.Index }},
	{"target", func(l *cib.FencingLevel) *string { return &l.Target }},
	{"target-pattern", func(l *cib.FencingLevel) *string { return &l.TargetPattern }},
	{"target-attribute", func(l *cib.FencingLevel) *string { return &l.TargetAttribute }},
	{"target-value", func(l *cib.FencingLevel) *string { return &l.TargetValue }},
	{"devices", func(l *cib.FencingLevel) *string { return &l.Devices }},
}

var alertFields = []f[cib.Alert]{
	{"id", func(a *cib.Alert) *string { return &a.ID }},
	{"path", func(a *cib.Alert) *string { return &a.Path }},
	{"description", func(a *cib.Alert) *string { return &a.Description }},
}

var recipientFields = []f[cib.Recipient]{
	{"id", func(a *cib.Recipient) *string { return &a.ID }},
	{"value", func(a *cib.Recipient) *string { return &a.Value }},
	{"description", func(a *cib.Recipient) *string { return &a.Description }},
}

// noID marks, while parsing, an id the text set to "nothing" (`$-id`), so
// that id generation leaves it empty. No real id contains a NUL byte.
const noID = "\x00"

// setAttr stores one attribute the way cibxml's reader does.
func setAttr[T any](fs []f[T], v *T, extra *[]cib.Attr, name, value string) {
	if value != "" {
		for _, fl := range fs {
			if fl.name == name {
				*fl.ptr(v) = value
				return
			}
		}
	}
	*extra = append(*extra, cib.Attr{Name: name, Value: value})
}

// unsetAttr clears an attribute: the field, if modelled, and any Extra
// entry of that name. Clearing "id" leaves the noID mark so that no id is
// generated.
func unsetAttr[T any](fs []f[T], v *T, extra *[]cib.Attr, name string) {
	for _, fl := range fs {
		if fl.name == name {
			if name == "id" {
				*fl.ptr(v) = noID
			} else {
				*fl.ptr(v) = ""
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

func modelled[T any](fs []f[T], name string) bool {
	for _, fl := range fs {
		if fl.name == name {
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
func applyOverrides[T any](p *parser, fs []f[T], v *T, extra *[]cib.Attr, ovs []override) {
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

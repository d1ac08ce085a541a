package cibxml

import "pacer/crm/cib"

// The attribute tables: one per element kind, in the order Pacemaker's own
// tools usually write the attributes. Read uses them to fill the model and
// Write to print it, so the two cannot drift apart. Attributes not listed
// go to (and come from) the element's Extra, in document order.

type f[T any] = field[T]

var cibFields = []f[cib.CIB]{
	{"crm_feature_set", func(c *cib.CIB) *string { return &c.CRMFeatureSet }},
	{"validate-with", func(c *cib.CIB) *string { return &c.ValidateWith }},
	{"epoch", func(c *cib.CIB) *string { return &c.Epoch }},
	{"num_updates", func(c *cib.CIB) *string { return &c.NumUpdates }},
	{"admin_epoch", func(c *cib.CIB) *string { return &c.AdminEpoch }},
	{"have-quorum", func(c *cib.CIB) *string { return &c.HaveQuorum }},
	{"dc-uuid", func(c *cib.CIB) *string { return &c.DCUUID }},
	{"execution-date", func(c *cib.CIB) *string { return &c.ExecutionDate }},
}

var nvsetFields = []f[cib.NVSet]{
	{"id", func(s *cib.NVSet) *string { return &s.ID }},
	{"id-ref", func(s *cib.NVSet) *string { return &s.IDRef }},
	{"score", func(s *cib.NVSet) *string { return &s.Score }},
}

// nvpairFields leaves out value: HasValue needs it handled apart.
var nvpairFields = []f[cib.NVPair]{
	{"id", func(p *cib.NVPair) *string { return &p.ID }},
	{"id-ref", func(p *cib.NVPair) *string { return &p.IDRef }},
	{"name", func(p *cib.NVPair) *string { return &p.Name }},
}

var nodeFields = []f[cib.Node]{
	{"id", func(n *cib.Node) *string { return &n.ID }},
	{"uname", func(n *cib.Node) *string { return &n.Uname }},
	{"type", func(n *cib.Node) *string { return &n.Type }},
	{"score", func(n *cib.Node) *string { return &n.Score }},
	{"description", func(n *cib.Node) *string { return &n.Description }},
}

// primitiveFields serve primitive and template.
var primitiveFields = []f[cib.Resource]{
	{"id", func(r *cib.Resource) *string { return &r.ID }},
	{"class", func(r *cib.Resource) *string { return &r.Class }},
	{"provider", func(r *cib.Resource) *string { return &r.Provider }},
	{"type", func(r *cib.Resource) *string { return &r.Type }},
	{"template", func(r *cib.Resource) *string { return &r.Template }},
	{"description", func(r *cib.Resource) *string { return &r.Description }},
}

// containerFields serve group, clone, master and bundle.
var containerFields = []f[cib.Resource]{
	{"id", func(r *cib.Resource) *string { return &r.ID }},
	{"description", func(r *cib.Resource) *string { return &r.Description }},
}

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

// Constraint attributes depend on the kind: a colocation's "role" is not
// a location's Role, so each kind has its own table.
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

var nodeStateFields = []f[cib.NodeState]{
	{"id", func(n *cib.NodeState) *string { return &n.ID }},
	{"uname", func(n *cib.NodeState) *string { return &n.Uname }},
	{"in_ccm", func(n *cib.NodeState) *string { return &n.InCCM }},
	{"crmd", func(n *cib.NodeState) *string { return &n.Crmd }},
	{"join", func(n *cib.NodeState) *string { return &n.Join }},
	{"expected", func(n *cib.NodeState) *string { return &n.Expected }},
	{"shutdown", func(n *cib.NodeState) *string { return &n.Shutdown }},
}

var lrmFields = []f[cib.LRM]{
	{"id", func(l *cib.LRM) *string { return &l.ID }},
}

var lrmResourceFields = []f[cib.LRMResource]{
	{"id", func(l *cib.LRMResource) *string { return &l.ID }},
	{"type", func(l *cib.LRMResource) *string { return &l.Type }},
	{"class", func(l *cib.LRMResource) *string { return &l.Class }},
	{"provider", func(l *cib.LRMResource) *string { return &l.Provider }},
	{"container", func(l *cib.LRMResource) *string { return &l.Container }},
}

// lrmOpFields follow the controller's own order for <lrm_rsc_op>.
var lrmOpFields = []f[cib.LRMOp]{
	{"id", func(o *cib.LRMOp) *string { return &o.ID }},
	{"operation_key", func(o *cib.LRMOp) *string { return &o.OperationKey }},
	{"operation", func(o *cib.LRMOp) *string { return &o.Operation }},
	{"crm_feature_set", func(o *cib.LRMOp) *string { return &o.CRMFeatureSet }},
	{"transition-key", func(o *cib.LRMOp) *string { return &o.TransitionKey }},
	{"transition-magic", func(o *cib.LRMOp) *string { return &o.TransitionMagic }},
	{"exit-reason", func(o *cib.LRMOp) *string { return &o.ExitReason }},
	{"on_node", func(o *cib.LRMOp) *string { return &o.OnNode }},
	{"call-id", func(o *cib.LRMOp) *string { return &o.CallID }},
	{"rc-code", func(o *cib.LRMOp) *string { return &o.RCCode }},
	{"op-status", func(o *cib.LRMOp) *string { return &o.OpStatus }},
	{"interval", func(o *cib.LRMOp) *string { return &o.Interval }},
	{"last-run", func(o *cib.LRMOp) *string { return &o.LastRun }},
	{"last-rc-change", func(o *cib.LRMOp) *string { return &o.LastRCChange }},
	{"exec-time", func(o *cib.LRMOp) *string { return &o.ExecTime }},
	{"queue-time", func(o *cib.LRMOp) *string { return &o.QueueTime }},
	{"op-digest", func(o *cib.LRMOp) *string { return &o.OpDigest }},
	{"op-force-restart", func(o *cib.LRMOp) *string { return &o.OpForceRestart }},
	{"op-restart-digest", func(o *cib.LRMOp) *string { return &o.OpRestartDigest }},
	{"op-secure-params", func(o *cib.LRMOp) *string { return &o.OpSecureParams }},
	{"op-secure-digest", func(o *cib.LRMOp) *string { return &o.OpSecureDigest }},
	{"migrate_source", func(o *cib.LRMOp) *string { return &o.MigrateSource }},
	{"migrate_target", func(o *cib.LRMOp) *string { return &o.MigrateTarget }},
}

// sections are the children of <configuration> the model holds.
var sections = [...]string{
	"crm_config", "nodes", "resources", "constraints", "rsc_defaults",
	"op_defaults", "fencing-topology", "tags", "alerts",
}

func isSection(name string) bool {
	for _, s := range sections {
		if s == name {
			return true
		}
	}
	return false
}

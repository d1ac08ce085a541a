package cib

// Field maps one attribute of a CIB element to the model field that holds
// it. The tables below list, per element kind, the attributes the model
// has a field for, in the order Pacemaker's tools usually write them; the
// XML reader and writer and the crm shell parser and printer all use them,
// so the syntaxes cannot drift apart. Attributes not listed live in the
// element's Extra.
type Field[T any] struct {
	Name string
	Ptr  func(*T) *string
}

var CIBFields = []Field[CIB]{
	{"crm_feature_set", func(c *CIB) *string { return &c.CRMFeatureSet }},
	{"validate-with", func(c *CIB) *string { return &c.ValidateWith }},
	{"epoch", func(c *CIB) *string { return &c.Epoch }},
	{"num_updates", func(c *CIB) *string { return &c.NumUpdates }},
	{"admin_epoch", func(c *CIB) *string { return &c.AdminEpoch }},
	{"have-quorum", func(c *CIB) *string { return &c.HaveQuorum }},
	{"dc-uuid", func(c *CIB) *string { return &c.DCUUID }},
	{"execution-date", func(c *CIB) *string { return &c.ExecutionDate }},
}

var NVSetFields = []Field[NVSet]{
	{"id", func(s *NVSet) *string { return &s.ID }},
	{"id-ref", func(s *NVSet) *string { return &s.IDRef }},
	{"score", func(s *NVSet) *string { return &s.Score }},
}

// NVPairFields leaves out value: HasValue needs it handled apart.
var NVPairFields = []Field[NVPair]{
	{"id", func(p *NVPair) *string { return &p.ID }},
	{"id-ref", func(p *NVPair) *string { return &p.IDRef }},
	{"name", func(p *NVPair) *string { return &p.Name }},
}

var NodeFields = []Field[Node]{
	{"id", func(n *Node) *string { return &n.ID }},
	{"uname", func(n *Node) *string { return &n.Uname }},
	{"type", func(n *Node) *string { return &n.Type }},
	{"score", func(n *Node) *string { return &n.Score }},
	{"description", func(n *Node) *string { return &n.Description }},
}

// PrimitiveFields serve primitive and template.
var PrimitiveFields = []Field[Resource]{
	{"id", func(r *Resource) *string { return &r.ID }},
	{"class", func(r *Resource) *string { return &r.Class }},
	{"provider", func(r *Resource) *string { return &r.Provider }},
	{"type", func(r *Resource) *string { return &r.Type }},
	{"template", func(r *Resource) *string { return &r.Template }},
	{"description", func(r *Resource) *string { return &r.Description }},
}

// ContainerFields serve group, clone, master and bundle.
var ContainerFields = []Field[Resource]{
	{"id", func(r *Resource) *string { return &r.ID }},
	{"description", func(r *Resource) *string { return &r.Description }},
}

var OpFields = []Field[Op]{
	{"id", func(o *Op) *string { return &o.ID }},
	{"name", func(o *Op) *string { return &o.Name }},
	{"interval", func(o *Op) *string { return &o.Interval }},
	{"timeout", func(o *Op) *string { return &o.Timeout }},
	{"role", func(o *Op) *string { return &o.Role }},
	{"on-fail", func(o *Op) *string { return &o.OnFail }},
	{"requires", func(o *Op) *string { return &o.Requires }},
	{"start-delay", func(o *Op) *string { return &o.StartDelay }},
	{"interval-origin", func(o *Op) *string { return &o.IntervalOrigin }},
	{"record-pending", func(o *Op) *string { return &o.RecordPending }},
	{"enabled", func(o *Op) *string { return &o.Enabled }},
	{"description", func(o *Op) *string { return &o.Description }},
}

// Constraint attributes depend on the kind: a colocation's "role" is not
// a location's Role, so each kind has its own table.
var LocationFields = []Field[Constraint]{
	{"id", func(c *Constraint) *string { return &c.ID }},
	{"rsc", func(c *Constraint) *string { return &c.Rsc }},
	{"rsc-pattern", func(c *Constraint) *string { return &c.RscPattern }},
	{"role", func(c *Constraint) *string { return &c.Role }},
	{"node", func(c *Constraint) *string { return &c.Node }},
	{"score", func(c *Constraint) *string { return &c.Score }},
	{"resource-discovery", func(c *Constraint) *string { return &c.ResourceDiscovery }},
}

var ColocationFields = []Field[Constraint]{
	{"id", func(c *Constraint) *string { return &c.ID }},
	{"rsc", func(c *Constraint) *string { return &c.Rsc }},
	{"rsc-role", func(c *Constraint) *string { return &c.RscRole }},
	{"with-rsc", func(c *Constraint) *string { return &c.WithRsc }},
	{"with-rsc-role", func(c *Constraint) *string { return &c.WithRscRole }},
	{"node-attribute", func(c *Constraint) *string { return &c.NodeAttribute }},
	{"score", func(c *Constraint) *string { return &c.Score }},
	{"influence", func(c *Constraint) *string { return &c.Influence }},
}

var OrderFields = []Field[Constraint]{
	{"id", func(c *Constraint) *string { return &c.ID }},
	{"first", func(c *Constraint) *string { return &c.First }},
	{"first-action", func(c *Constraint) *string { return &c.FirstAction }},
	{"then", func(c *Constraint) *string { return &c.Then }},
	{"then-action", func(c *Constraint) *string { return &c.ThenAction }},
	{"kind", func(c *Constraint) *string { return &c.OrderKind }},
	{"symmetrical", func(c *Constraint) *string { return &c.Symmetrical }},
	{"require-all", func(c *Constraint) *string { return &c.RequireAll }},
}

var TicketFields = []Field[Constraint]{
	{"id", func(c *Constraint) *string { return &c.ID }},
	{"rsc", func(c *Constraint) *string { return &c.Rsc }},
	{"rsc-role", func(c *Constraint) *string { return &c.RscRole }},
	{"ticket", func(c *Constraint) *string { return &c.Ticket }},
	{"loss-policy", func(c *Constraint) *string { return &c.LossPolicy }},
}

func ConstraintFields(k ConstraintKind) []Field[Constraint] {
	switch k {
	case KindLocation:
		return LocationFields
	case KindColocation:
		return ColocationFields
	case KindOrder:
		return OrderFields
	case KindTicket:
		return TicketFields
	}
	return nil
}

var ResourceSetFields = []Field[ResourceSet]{
	{"id", func(s *ResourceSet) *string { return &s.ID }},
	{"id-ref", func(s *ResourceSet) *string { return &s.IDRef }},
	{"sequential", func(s *ResourceSet) *string { return &s.Sequential }},
	{"require-all", func(s *ResourceSet) *string { return &s.RequireAll }},
	{"ordering", func(s *ResourceSet) *string { return &s.Ordering }},
	{"action", func(s *ResourceSet) *string { return &s.Action }},
	{"role", func(s *ResourceSet) *string { return &s.Role }},
	{"score", func(s *ResourceSet) *string { return &s.Score }},
	{"kind", func(s *ResourceSet) *string { return &s.Kind }},
}

var RuleFields = []Field[Rule]{
	{"id", func(r *Rule) *string { return &r.ID }},
	{"id-ref", func(r *Rule) *string { return &r.IDRef }},
	{"score", func(r *Rule) *string { return &r.Score }},
	{"score-attribute", func(r *Rule) *string { return &r.ScoreAttribute }},
	{"boolean-op", func(r *Rule) *string { return &r.BooleanOp }},
	{"role", func(r *Rule) *string { return &r.Role }},
}

var AttrExprFields = []Field[Expr]{
	{"id", func(x *Expr) *string { return &x.ID }},
	{"attribute", func(x *Expr) *string { return &x.Attribute }},
	{"operation", func(x *Expr) *string { return &x.Operation }},
	{"value", func(x *Expr) *string { return &x.Value }},
	{"type", func(x *Expr) *string { return &x.Type }},
	{"value-source", func(x *Expr) *string { return &x.ValueSource }},
}

var DateExprFields = []Field[Expr]{
	{"id", func(x *Expr) *string { return &x.ID }},
	{"operation", func(x *Expr) *string { return &x.Operation }},
	{"start", func(x *Expr) *string { return &x.Start }},
	{"end", func(x *Expr) *string { return &x.End }},
}

var RscExprFields = []Field[Expr]{
	{"id", func(x *Expr) *string { return &x.ID }},
	{"class", func(x *Expr) *string { return &x.Class }},
	{"provider", func(x *Expr) *string { return &x.Provider }},
	{"type", func(x *Expr) *string { return &x.AgentType }},
}

var OpExprFields = []Field[Expr]{
	{"id", func(x *Expr) *string { return &x.ID }},
	{"name", func(x *Expr) *string { return &x.Name }},
	{"interval", func(x *Expr) *string { return &x.Interval }},
}

func ExprFields(k ExprKind) []Field[Expr] {
	switch k {
	case ExprAttribute:
		return AttrExprFields
	case ExprDate:
		return DateExprFields
	case ExprResource:
		return RscExprFields
	case ExprOp:
		return OpExprFields
	}
	return nil
}

var FencingLevelFields = []Field[FencingLevel]{
	{"id", func(l *FencingLevel) *string { return &l.ID }},
	{"index", func(l *FencingLevel) *string { return &l.Index }},
	{"target", func(l *FencingLevel) *string { return &l.Target }},
	{"target-pattern", func(l *FencingLevel) *string { return &l.TargetPattern }},
	{"target-attribute", func(l *FencingLevel) *string { return &l.TargetAttribute }},
	{"target-value", func(l *FencingLevel) *string { return &l.TargetValue }},
	{"devices", func(l *FencingLevel) *string { return &l.Devices }},
}

var AlertFields = []Field[Alert]{
	{"id", func(a *Alert) *string { return &a.ID }},
	{"path", func(a *Alert) *string { return &a.Path }},
	{"description", func(a *Alert) *string { return &a.Description }},
}

var RecipientFields = []Field[Recipient]{
	{"id", func(a *Recipient) *string { return &a.ID }},
	{"value", func(a *Recipient) *string { return &a.Value }},
	{"description", func(a *Recipient) *string { return &a.Description }},
}

var NodeStateFields = []Field[NodeState]{
	{"id", func(n *NodeState) *string { return &n.ID }},
	{"uname", func(n *NodeState) *string { return &n.Uname }},
	{"in_ccm", func(n *NodeState) *string { return &n.InCCM }},
	{"crmd", func(n *NodeState) *string { return &n.Crmd }},
	{"join", func(n *NodeState) *string { return &n.Join }},
	{"expected", func(n *NodeState) *string { return &n.Expected }},
	{"shutdown", func(n *NodeState) *string { return &n.Shutdown }},
}

var FenceEventFields = []Field[FenceEvent]{
	{"id", func(f *FenceEvent) *string { return &f.ID }},
	{"target", func(f *FenceEvent) *string { return &f.Target }},
	{"action", func(f *FenceEvent) *string { return &f.Action }},
	{"state", func(f *FenceEvent) *string { return &f.State }},
	{"origin", func(f *FenceEvent) *string { return &f.Origin }},
	{"executor", func(f *FenceEvent) *string { return &f.Executor }},
	{"reason", func(f *FenceEvent) *string { return &f.Reason }},
	{"devices", func(f *FenceEvent) *string { return &f.Devices }},
	{"error", func(f *FenceEvent) *string { return &f.Error }},
	{"started", func(f *FenceEvent) *string { return &f.Started }},
	{"completed", func(f *FenceEvent) *string { return &f.Completed }},
}

var LRMFields = []Field[LRM]{
	{"id", func(l *LRM) *string { return &l.ID }},
}

var LRMResourceFields = []Field[LRMResource]{
	{"id", func(l *LRMResource) *string { return &l.ID }},
	{"type", func(l *LRMResource) *string { return &l.Type }},
	{"class", func(l *LRMResource) *string { return &l.Class }},
	{"provider", func(l *LRMResource) *string { return &l.Provider }},
	{"container", func(l *LRMResource) *string { return &l.Container }},
}

// LRMOpFields follow the controller's own order for <lrm_rsc_op>.
var LRMOpFields = []Field[LRMOp]{
	{"id", func(o *LRMOp) *string { return &o.ID }},
	{"operation_key", func(o *LRMOp) *string { return &o.OperationKey }},
	{"operation", func(o *LRMOp) *string { return &o.Operation }},
	{"crm_feature_set", func(o *LRMOp) *string { return &o.CRMFeatureSet }},
	{"transition-key", func(o *LRMOp) *string { return &o.TransitionKey }},
	{"transition-magic", func(o *LRMOp) *string { return &o.TransitionMagic }},
	{"exit-reason", func(o *LRMOp) *string { return &o.ExitReason }},
	{"on_node", func(o *LRMOp) *string { return &o.OnNode }},
	{"call-id", func(o *LRMOp) *string { return &o.CallID }},
	{"rc-code", func(o *LRMOp) *string { return &o.RCCode }},
	{"op-status", func(o *LRMOp) *string { return &o.OpStatus }},
	{"interval", func(o *LRMOp) *string { return &o.Interval }},
	{"last-run", func(o *LRMOp) *string { return &o.LastRun }},
	{"last-rc-change", func(o *LRMOp) *string { return &o.LastRCChange }},
	{"exec-time", func(o *LRMOp) *string { return &o.ExecTime }},
	{"queue-time", func(o *LRMOp) *string { return &o.QueueTime }},
	{"op-digest", func(o *LRMOp) *string { return &o.OpDigest }},
	{"op-force-restart", func(o *LRMOp) *string { return &o.OpForceRestart }},
	{"op-restart-digest", func(o *LRMOp) *string { return &o.OpRestartDigest }},
	{"op-secure-params", func(o *LRMOp) *string { return &o.OpSecureParams }},
	{"op-secure-digest", func(o *LRMOp) *string { return &o.OpSecureDigest }},
	{"migrate_source", func(o *LRMOp) *string { return &o.MigrateSource }},
	{"migrate_target", func(o *LRMOp) *string { return &o.MigrateTarget }},
}

// sections are the children of <configuration> the model holds.

// ResourceFields returns the attribute table of a resource kind.
func ResourceFields(k ResourceKind) []Field[Resource] {
	if k == KindPrimitive || k == KindTemplate {
		return PrimitiveFields
	}
	return ContainerFields
}

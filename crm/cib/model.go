// Package cib is pacer's model of the cluster information base: everything a
// Pacemaker 2.1 CIB holds, the configuration (nodes, resources, constraints,
// properties, defaults, fencing topology, tags, alerts) and the status
// (node state, operation history, transient attributes).
//
// Values are kept as the strings an administrator wrote ("INFINITY", "30s",
// "Master"), so reading and writing a CIB never rewrites what it did not
// change; typed accessors (ParseScore, ParseDuration, ParseRole) and Validate
// interpret them. Children keep their order, which Pacemaker's scheduler
// uses to break ties. Attributes pacer does not interpret are kept in Extra
// so a CIB round-trips unchanged.
//
// The syntaxes live in sub-packages: cibxml (Pacemaker XML), crmsh (the crm
// shell) and haresources (Heartbeat v1).
package cib

import "strconv"

// Attr is one attribute not modelled by its element's fields, kept in order.
type Attr struct {
	Name, Value string
}

// Pos is where an object was read from, for error messages. Zero when the
// object was built in memory.
type Pos struct {
	Line, Col int
}

// Where is the location prefix of an error message, "file:line:col: ",
// leaving out what is unknown ("" when nothing is).
func (p Pos) Where(file string) string {
	s := ""
	if file != "" {
		s = file + ":"
	}
	if p.Line > 0 {
		s += strconv.Itoa(p.Line) + ":"
		if p.Col > 0 {
			s += strconv.Itoa(p.Col) + ":"
		}
	}
	if s != "" {
		s += " "
	}
	return s
}

// Element is an XML element pacer does not model (acls, a newer schema's
// addition), kept verbatim so it is written back unchanged.
type Element struct {
	Name     string
	Attrs    []Attr
	Children []Element
	Text     string
}

// CIB is a whole cluster information base.
type CIB struct {
	// The version triple, compared in this order; Pacemaker increments
	// Epoch on every configuration change and NumUpdates on every status
	// change, and only an administrator touches AdminEpoch.
	AdminEpoch string
	Epoch      string
	NumUpdates string

	ValidateWith  string // schema, e.g. "pacemaker-3.7"
	CRMFeatureSet string
	HaveQuorum    string // "0"/"1"/"true"/"false"
	DCUUID        string
	// ExecutionDate (seconds since the epoch) is "now" for the scheduler
	// when set, as crm_simulate uses it.
	ExecutionDate string
	Extra         []Attr // cib-last-written, update-origin, ...

	Configuration Configuration
	Status        Status
	Pos           Pos
}

// Configuration is the <configuration> section.
type Configuration struct {
	CRMConfig          []NVSet // cluster_property_set
	Nodes              []Node
	Resources          []*Resource
	Constraints        []*Constraint
	RscDefaults        []NVSet // meta_attributes
	OpDefaults         []NVSet // meta_attributes
	FencingTopology    []FencingLevel
	HasFencingTopology bool // an empty <fencing-topology/> was present
	Tags               []Tag
	Alerts             []Alert
	Unknown            []Element // acls and anything newer
	Pos                Pos

	// An empty <rsc_defaults/>, <op_defaults/>, <tags/> or <alerts/> was
	// present (Pacemaker's tools write them), so it round-trips.
	HasRscDefaults bool
	HasOpDefaults  bool
	HasTags        bool
	HasAlerts      bool
}

// NVSetKind names the element an NVSet came from.
type NVSetKind string

const (
	InstanceAttributes NVSetKind = "instance_attributes"
	MetaAttributes     NVSetKind = "meta_attributes"
	UtilizationSet     NVSetKind = "utilization"
	PropertySet        NVSetKind = "cluster_property_set"
)

// NVSet is a set of name/value pairs (instance_attributes, meta_attributes,
// utilization, cluster_property_set), optionally conditional on a rule and
// ordered by score.
type NVSet struct {
	Kind  NVSetKind
	ID    string
	IDRef string
	Score string
	Rule  *Rule
	Pairs []NVPair
	Extra []Attr
	Pos   Pos
}

// NVPair is one name/value pair.
type NVPair struct {
	ID    string
	IDRef string
	Name  string
	Value string
	// HasValue distinguishes value="" from no value attribute (an unset).
	HasValue bool
	Pos      Pos
}

// Node is a <node> of the configuration.
type Node struct {
	ID          string
	Uname       string
	Type        string // member (default), remote, ping
	Score       string
	Description string
	Attributes  []NVSet // instance_attributes
	Utilization []NVSet
	Extra       []Attr
	Pos         Pos
}

// ResourceKind is the kind of a resource element.
type ResourceKind string

const (
	KindPrimitive ResourceKind = "primitive"
	KindGroup     ResourceKind = "group"
	KindClone     ResourceKind = "clone"
	KindMaster    ResourceKind = "master" // the classic ms: a promotable clone
	KindBundle    ResourceKind = "bundle"
	KindTemplate  ResourceKind = "template"
)

// Resource is a primitive, group, clone, master (ms), bundle or template.
type Resource struct {
	Kind        ResourceKind
	ID          string
	Description string

	// Primitive and template: the agent. A primitive may instead name a
	// Template, whose agent, attributes and operations it inherits.
	Class    string
	Provider string
	Type     string
	Template string

	Instance    []NVSet // instance_attributes
	Meta        []NVSet // meta_attributes
	Utilization []NVSet
	Ops         []Op
	OpsID       string // id of <operations>, if any
	OpsIDRef    string
	HasOps      bool // an empty <operations/> was present

	// Children: a group's members in order; a clone's or master's single
	// child; a bundle's primitive (at most one).
	Children []*Resource

	Bundle *BundleSpec

	Extra []Attr
	Pos   Pos
}

// Op is an operation definition of a primitive or template.
type Op struct {
	ID             string
	Name           string // monitor, start, stop, promote, ...
	Interval       string
	Timeout        string
	Role           string
	OnFail         string
	Requires       string
	StartDelay     string
	IntervalOrigin string
	RecordPending  string
	Enabled        string
	Description    string
	Instance       []NVSet // e.g. OCF_CHECK_LEVEL
	Meta           []NVSet
	Extra          []Attr
	Pos            Pos
}

// BundleSpec is a bundle's container, network and storage.
type BundleSpec struct {
	Runtime      string // docker, podman, rkt
	RuntimeAttrs []Attr // image, replicas, replicas-per-host, promoted-max, network, options, run-command, ...
	Network      *BundleNetwork
	Storage      []StorageMapping
	StorageID    string
	HasStorage   bool
}

// BundleNetwork is a bundle's <network>.
type BundleNetwork struct {
	Attrs        []Attr // ip-range-start, host-interface, host-netmask, control-port, add-host
	PortMappings []PortMapping
}

// PortMapping is a bundle's <port-mapping>.
type PortMapping struct {
	ID    string
	Attrs []Attr // port, internal-port, range
}

// StorageMapping is a bundle's <storage-mapping>.
type StorageMapping struct {
	ID    string
	Attrs []Attr // source-dir, source-dir-root, target-dir, options
}

// ConstraintKind is the kind of a constraint element.
type ConstraintKind string

const (
	KindLocation   ConstraintKind = "rsc_location"
	KindColocation ConstraintKind = "rsc_colocation"
	KindOrder      ConstraintKind = "rsc_order"
	KindTicket     ConstraintKind = "rsc_ticket"
)

// Constraint is a location, colocation, order or ticket constraint. Which
// fields apply depends on Kind; unused ones are empty.
type Constraint struct {
	Kind ConstraintKind
	ID   string

	// Location: Rsc or RscPattern, then either Node+Score or Rules.
	Rsc               string
	RscPattern        string
	Node              string
	Score             string
	Role              string
	ResourceDiscovery string
	Rules             []Rule

	// Colocation: Rsc (with RscRole) placed relative to WithRsc (WithRscRole).
	WithRsc       string
	RscRole       string
	WithRscRole   string
	NodeAttribute string
	Influence     string

	// Order: First (FirstAction) then Then (ThenAction).
	First       string
	Then        string
	FirstAction string
	ThenAction  string
	OrderKind   string // Mandatory, Optional, Serialize
	Symmetrical string
	RequireAll  string

	// Ticket: Rsc (RscRole) depends on Ticket.
	Ticket     string
	LossPolicy string

	// Resource sets replace the single resources above.
	Sets []ResourceSet

	Lifetime []Rule // deprecated <lifetime> rules
	Extra    []Attr
	Pos      Pos
}

// ResourceSet is a <resource_set>.
type ResourceSet struct {
	ID         string
	IDRef      string
	Sequential string
	RequireAll string
	Ordering   string
	Action     string
	Role       string
	Score      string
	Kind       string
	Resources  []string // resource_ref ids, in order
	Extra      []Attr
	Pos        Pos
}

// Rule is a <rule>: its expressions combined with BooleanOp (and, or).
type Rule struct {
	ID             string
	IDRef          string
	Score          string
	ScoreAttribute string
	BooleanOp      string
	Role           string
	Exprs          []Expr
	Extra          []Attr
	Pos            Pos
}

// ExprKind is the kind of one rule expression.
type ExprKind string

const (
	ExprAttribute ExprKind = "expression"
	ExprDate      ExprKind = "date_expression"
	ExprResource  ExprKind = "rsc_expression"
	ExprOp        ExprKind = "op_expression"
	ExprRule      ExprKind = "rule" // a nested rule
)

// Expr is one expression of a rule.
type Expr struct {
	Kind ExprKind
	ID   string

	// expression: Attribute Operation Value, compared as Type; ValueSource
	// literal|param|meta.
	Attribute   string
	Operation   string
	Value       string
	Type        string
	ValueSource string

	// date_expression: Operation in_range|gt|lt|date_spec.
	Start    string
	End      string
	DateSpec *DateSpec
	Duration *DateSpec // <duration> uses the date_spec fields

	// rsc_expression and op_expression.
	Class     string
	Provider  string
	AgentType string
	Name      string
	Interval  string

	Rule *Rule // ExprRule

	Extra []Attr
	Pos   Pos
}

// DateSpec is a <date_spec> or <duration>: each field a value or range
// ("9-16").
type DateSpec struct {
	ID    string
	Attrs []Attr // hours, monthdays, weekdays, yeardays, months, weeks, years, weekyears, moon, minutes, seconds
}

// FencingLevel is one <fencing-level>.
type FencingLevel struct {
	ID              string
	Index           string
	Target          string
	TargetPattern   string
	TargetAttribute string
	TargetValue     string
	Devices         string // comma-separated device ids
	Extra           []Attr
	Pos             Pos
}

// Tag is a <tag>: a name for a set of resources or constraints.
type Tag struct {
	ID   string
	Refs []string
	Pos  Pos
}

// Alert is an <alert> with its recipients.
type Alert struct {
	ID          string
	Path        string
	Description string
	Instance    []NVSet
	Meta        []NVSet
	Select      *Element
	Recipients  []Recipient
	Extra       []Attr
	Pos         Pos
}

// Recipient is an alert <recipient>.
type Recipient struct {
	ID          string
	Value       string
	Description string
	Instance    []NVSet
	Meta        []NVSet
	Extra       []Attr
}

package cib

// Status is the <status> section: what each node reports.
type Status struct {
	Nodes      []NodeState
	Tickets    []TicketState
	HasTickets bool
	// Fencing is pacer's <fencing_history>: the fencings the DCs carried
	// out, oldest first (Pacemaker keeps this history in its fencers'
	// memory; pacer replicates it with the status section, so every node
	// shows it). HasFencing keeps an empty <fencing_history/>.
	Fencing    []FenceEvent
	HasFencing bool
	// LooseLRM holds <lrm> elements found directly under <status> (seen in
	// old CIBs); kept for round-trip, ignored by the scheduler.
	Unknown []Element
}

// NodeState is a <node_state>: membership and the executor's history.
type NodeState struct {
	ID       string
	Uname    string
	InCCM    string // "true"/"false" or, since 2.1.7, a timestamp
	Crmd     string // online/offline or a timestamp
	Join     string // member, down, pending, banned
	Expected string // member, down
	Shutdown string // "0" or the time shutdown was requested
	// Pacemaker-remote and misc attributes (remote_node, node_fenced,
	// clear_shutdown, ha, crm-debug-origin, node_in_maintenance) in Extra.
	Extra []Attr

	TransientID  string  // <transient_attributes id>
	Transient    []NVSet // transient node attributes: fail counts, master-*, ...
	HasTransient bool

	LRM *LRM
	Pos Pos
}

// LRM is a node's <lrm>: the operation history per resource.
type LRM struct {
	ID          string
	ResourcesID string // <lrm_resources id>, rarely set
	Resources   []LRMResource
	Extra       []Attr
}

// LRMResource is the history of one resource on one node.
type LRMResource struct {
	ID        string
	Class     string
	Provider  string
	Type      string
	Container string
	Extra     []Attr // shutdown-lock, ...
	Ops       []LRMOp
}

// LRMOp is an <lrm_rsc_op>: the last result of one operation.
type LRMOp struct {
	ID              string
	OperationKey    string
	Operation       string
	Interval        string // ms
	CallID          string
	RCCode          string
	OpStatus        string
	TransitionKey   string
	TransitionMagic string
	OpDigest        string
	OpRestartDigest string
	OpSecureDigest  string
	OpForceRestart  string
	OpSecureParams  string
	LastRun         string
	LastRCChange    string
	ExecTime        string
	QueueTime       string
	ExitReason      string
	OnNode          string
	MigrateSource   string
	MigrateTarget   string
	CRMFeatureSet   string
	// crm-debug-origin and the old underscore spellings (last_run,
	// exec_time, ...) are kept in Extra exactly as read.
	Extra []Attr
}

// TicketState is a <ticket_state> of the status' <tickets>.
// FenceTimeLayout is how FenceEvent's times are written: RFC 3339 in UTC
// with milliseconds.
const FenceTimeLayout = "2006-01-02T15:04:05.000Z07:00"

// FenceEvent is a <fence_event> of <fencing_history>: one fencing. Times
// are FenceTimeLayout; Devices is space-separated; Extra holds the rest
// (attempts: how many attempts a failed fencing made).
type FenceEvent struct {
	ID        string
	Target    string
	Action    string // off, reboot, on
	State     string // success, failed
	Origin    string // the node that asked (the DC)
	Executor  string // the node that ran the devices
	Reason    string
	Devices   string
	Error     string
	Started   string
	Completed string
	Extra     []Attr
}

type TicketState struct {
	ID    string
	Attrs []Attr // granted, standby, last-granted, ...
}

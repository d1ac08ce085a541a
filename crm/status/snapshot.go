// Package status turns what pacerd knows of the cluster (a Snapshot: the
// CIB with its status section, membership, the DC, fencing history,
// pending actions) into the cluster status `pacer status` prints: a
// Report, the versioned JSON document "pacer-status/1" (docs/status-json.md
// describes every field), and its text form in crm_mon -1's layout.
//
// It is pure: no I/O but the writer it is given, no clock (the snapshot
// carries "now"), no logging. The resource lines are crm_simulate's (the
// same code prints them, crm/scheduler/simout), read from the scheduler's
// view of the status section, so `pacer status` and `pacer simulate` never
// disagree on a resource's role.
package status

import (
	"time"

	"pacer/crm/cib"
)

// Snapshot is the input: what one pacerd knows at one moment.
type Snapshot struct {
	Cluster string
	// Node is the node that answered.
	Node string
	// DC is the designated controller (the raft leader) as this node
	// knows it; nil while there is none.
	DC *DC
	// Quorum is whether this node's partition has quorum.
	Quorum bool
	// Members are the configured nodes as this node's membership sees
	// them. nil when not known (a CIB read from a file): node states
	// then come from the CIB's status section alone.
	Members []Member
	// CIB is the CIB with its status section; required.
	CIB *cib.CIB
	// CIBVersion is the CIB's version; CIBSource says which copy it is
	// ("local": this node's applied copy, which may trail the DC).
	CIBVersion Version
	CIBSource  string
	// Fencing is the fencing history, oldest first; FencingKnown says
	// whether the answering pacerd has one at all (false: the report's
	// fencing is null, "not known", rather than an empty list).
	Fencing      []FenceEvent
	FencingKnown bool
	// Pending are the actions in flight; PendingKnown as FencingKnown.
	Pending      []PendingAction
	PendingKnown bool
	// Now is the moment of the snapshot: failure timeouts are judged
	// against it and it is the report's "generated".
	Now time.Time
}

// DC names the designated controller.
type DC struct {
	Name string `json:"name"`
	ID   uint64 `json:"id"`
	Term uint64 `json:"term"`
}

// Version is a CIB version.
type Version struct {
	AdminEpoch uint64 `json:"admin_epoch"`
	Epoch      uint64 `json:"epoch"`
	NumUpdates uint64 `json:"num_updates"`
}

// Membership states of a node or a link, membership's words.
const (
	MemberUp      = "up"
	MemberWarn    = "warn"
	MemberDead    = "dead"
	MemberPending = "pending"
)

// Member is one configured node as membership sees it.
type Member struct {
	ID   uint64
	Name string
	// State is MemberUp, MemberWarn, MemberDead or MemberPending (this
	// node is always up).
	State   string
	Witness bool
	// Self marks the answering node (it has no links to itself).
	Self bool
	// Links are the heartbeat links to the node, best first.
	Links []Link
}

// Link is one heartbeat link to a node.
type Link struct {
	Name  string    `json:"name"`
	State string    `json:"state"`
	Heard time.Time `json:"last_heard,omitzero"`
}

// Fencing states.
const (
	FencePending = "pending"
	FenceSuccess = "success"
	FenceFailed  = "failed"
)

// FenceEvent is one fencing operation of the history.
type FenceEvent struct {
	Target    string    `json:"target"`
	Action    string    `json:"action"`
	State     string    `json:"state"`
	Origin    string    `json:"origin,omitempty"`
	Executor  string    `json:"executor,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	Devices   []string  `json:"devices,omitempty"`
	Error     string    `json:"error,omitempty"`
	Started   time.Time `json:"started,omitzero"`
	Completed time.Time `json:"completed,omitzero"`
}

// PendingAction is an action dispatched and not yet answered.
type PendingAction struct {
	Rsc        string        `json:"rsc,omitempty"`
	Task       string        `json:"task"`
	Interval   time.Duration `json:"-"`
	IntervalMS int64         `json:"interval_ms"`
	Node       string        `json:"node"`
	Since      time.Time     `json:"since,omitzero"`
	Transition string        `json:"transition,omitempty"`
}

// Package control is pacerd's local control socket (/run/pacer/pacerd.sock):
// the request/response protocol, the Server inside pacerd and the Client
// that the pacer CLI and the agent helpers (crm_attribute, crm_master,
// attrd_updater, crm_node, crm_resource, crm_mon) use.
//
// The wire format is a 4-byte big-endian length followed by one JSON
// object, one request then one response, any number of times per
// connection. JSON rather than msgpack (which the cluster links use):
// requests come from local, possibly hostile processes, and encoding/json
// is the decoder in the standard library that is hardened and fuzzed for
// untrusted input, needs no codec configuration, and lets an operator read
// a captured exchange; at a few requests per agent operation the size and
// speed msgpack would save do not matter.
//
// Only root and members of the group haclient may connect (the socket is
// 0660 root:haclient) and each request is checked again against the
// peer's credentials (SO_PEERCRED), for reads as for changes, as
// Pacemaker's IPC does.
package control

import (
	"encoding/json"
	"time"
)

// Version is the protocol version a request carries. A server refuses
// other versions with ErrBadRequest, so an old helper against a new
// pacerd fails loudly rather than half-working.
const Version = 1

// MaxFrame bounds one frame's body. Attribute names and values are short;
// a whole CIB (cib.get, cib.replace) is the largest thing sent, and a CIB
// of thousands of resources stays well under this; anything larger is a
// mistake or an attack.
const MaxFrame = 16 << 20

// Op names a request.
type Op string

// The requests.
const (
	// OpAttrGet reads a node attribute (Attr: Node, Name, Lifetime; All
	// for every node).
	OpAttrGet Op = "attr.get"
	// OpAttrSet sets a node attribute.
	OpAttrSet Op = "attr.set"
	// OpAttrDelete deletes a node attribute.
	OpAttrDelete Op = "attr.delete"
	// OpNodeInfo returns this node's identity, the members and quorum.
	OpNodeInfo Op = "node.info"
	// OpLocate returns where a resource runs (Rsc).
	OpLocate Op = "rsc.locate"
	// OpCIBGet returns the CIB (CIB: Local for this node's applied copy
	// instead of a linearizable read through the DC).
	OpCIBGet Op = "cib.get"
	// OpCIBReplace replaces the configuration if the CIB is still at the
	// expected (admin_epoch, epoch): compare-and-swap. Any node takes it;
	// raft forwards it to the DC. A lost race is CodeConflict with the
	// fresh CIB in the response.
	OpCIBReplace Op = "cib.replace"
	// OpStatus returns the cluster status: the pacer-status/1 document
	// (crm/status) `pacer status` prints.
	OpStatus Op = "status"
)

// writes reports whether op changes state, for error messages and logs;
// the credential check is the same for reads and writes.
func (op Op) writes() bool {
	return op == OpAttrSet || op == OpAttrDelete || op == OpCIBReplace || op.admin()
}

func (op Op) known() bool {
	switch op {
	case OpAttrGet, OpAttrSet, OpAttrDelete, OpNodeInfo, OpLocate, OpCIBGet, OpCIBReplace, OpStatus, OpHistory:
		return true
	}
	return op.admin()
}

// Request is one request.
type Request struct {
	Version int       `json:"version"`
	Op      Op        `json:"op"`
	Attr    *AttrArgs `json:"attr,omitempty"`
	Rsc     string    `json:"rsc,omitempty"`
	CIB     *CIBArgs  `json:"cib,omitempty"`
	// Admin are the administration requests' arguments (admin.go).
	Admin *AdminArgs `json:"admin,omitempty"`
	// History are a history request's arguments (history.go).
	History *HistoryArgs `json:"history,omitempty"`
}

// CIBArgs are a cib.get or cib.replace request's arguments.
type CIBArgs struct {
	// Local (cib.get) reads this node's applied copy, which may trail the
	// DC, rather than a linearizable read.
	Local bool `json:"local,omitempty"`
	// XML (cib.replace) is the new CIB; its status section is ignored
	// (status belongs to the cluster).
	XML string `json:"xml,omitempty"`
	// AdminEpoch and Epoch (cib.replace) are the version the change was
	// made against, from an earlier cib.get.
	AdminEpoch uint64 `json:"admin_epoch"`
	Epoch      uint64 `json:"epoch"`
}

// CIB is a CIB and its version.
type CIB struct {
	XML        string `json:"xml,omitempty"`
	AdminEpoch uint64 `json:"admin_epoch"`
	Epoch      uint64 `json:"epoch"`
	NumUpdates uint64 `json:"num_updates"`
}

// Lifetimes, crm_attribute's -l words.
const (
	LifetimeReboot  = "reboot"
	LifetimeForever = "forever"
)

// AttrArgs are a node attribute request's arguments.
type AttrArgs struct {
	// Node is the node's name; empty means the node pacerd runs on.
	Node     string `json:"node,omitempty"`
	Name     string `json:"name"`
	Value    string `json:"value,omitempty"`
	Lifetime string `json:"lifetime"`
	// Delay dampens a transient attribute (attrd_updater -d): it applies
	// when the update creates the attribute, or always with SetDelay.
	Delay     time.Duration `json:"delay,omitempty"`
	SetDelay  bool          `json:"set_delay,omitempty"`
	KeepValue bool          `json:"keep_value,omitempty"` // change only the delay
	Private   bool          `json:"private,omitempty"`
	// All asks attr.get for the attribute on every node.
	All bool `json:"all,omitempty"`
}

// Response is one response: Error, or the result of the request's op.
type Response struct {
	Error    *Error      `json:"error,omitempty"`
	Attrs    []AttrValue `json:"attrs,omitempty"`
	Node     *NodeInfo   `json:"node,omitempty"`
	Location *Location   `json:"location,omitempty"`
	// CIB answers cib.get and cib.replace (the new version, no XML); with
	// a CodeConflict error it is the CIB the change lost to.
	CIB *CIB `json:"cib,omitempty"`
	// Status answers status: a JSON document whose "schema" names its
	// version, passed through as is.
	Status json.RawMessage `json:"status,omitempty"`
	// Admin answers the administration requests (admin.go).
	Admin *AdminResult `json:"admin,omitempty"`
	// History answers history (history.go).
	History *HistoryResult `json:"history,omitempty"`
}

// AttrValue is one node attribute.
type AttrValue struct {
	Node     string `json:"node"`
	Name     string `json:"name"`
	Lifetime string `json:"lifetime"`
	// Written is the value the cluster acts on, valid when InCIB.
	Written string `json:"written,omitempty"`
	InCIB   bool   `json:"in_cib"`
	// Current is the attribute manager's latest value (attrd_updater -Q),
	// ahead of Written while a dampened change waits.
	Current string        `json:"current"`
	Delay   time.Duration `json:"delay,omitempty"`
	Private bool          `json:"private,omitempty"`
}

// Member states, crm_node's words.
const (
	StateMember = "member"
	StateLost   = "lost"
)

// NodeInfo is what crm_node asks.
type NodeInfo struct {
	Cluster string   `json:"cluster"`
	Name    string   `json:"name"`
	ID      uint64   `json:"id"`
	Members []Member `json:"members"`
	// Quorum is whether this node's partition has quorum.
	Quorum bool `json:"quorum"`
	// DC names the current DC (the raft leader) as this node knows it,
	// "" while there is none; DCID is its node id and Term the raft term.
	DC   string `json:"dc,omitempty"`
	DCID uint64 `json:"dc_id,omitempty"`
	Term uint64 `json:"term,omitempty"`
	// Witness is set when this node is a witness: a voter that hosts no
	// resources (pacerd --witness).
	Witness bool `json:"witness,omitempty"`
	// RaftID is this node's raft id (its node id unless it rejoined under
	// a new one after being fenced); Voters and Learners are the raft
	// configuration as this node applied it.
	RaftID   uint64   `json:"raft_id,omitempty"`
	Voters   []uint64 `json:"voters,omitempty"`
	Learners []uint64 `json:"learners,omitempty"`
	// WaitingForAll: two_node with wait_for_all, and the peer has been
	// neither seen nor fenced since boot: no DC actions yet.
	WaitingForAll bool `json:"waiting_for_all,omitempty"`
}

// Member is one configured node and what this node believes of it.
type Member struct {
	ID    uint64 `json:"id"`
	Name  string `json:"name"`
	State string `json:"state"` // StateMember or StateLost
	// Witness: the node votes and hosts no resources.
	Witness bool `json:"witness,omitempty"`
}

// Location is where a resource runs.
type Location struct {
	Rsc   string    `json:"rsc"`
	Nodes []RscNode `json:"nodes"`
}

// RscNode is one node a resource is active on.
type RscNode struct {
	Node     string `json:"node"`
	Promoted bool   `json:"promoted,omitempty"`
}

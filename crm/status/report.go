package status

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"pacer/agents/ocf"
	"pacer/crm/cib"
	"pacer/crm/scheduler"
)

// Schema names the JSON document's version. A change that removes or
// changes the meaning of a field takes a new number; adding a field does
// not.
const Schema = "pacer-status/1"

// Report is the cluster status: the "pacer-status/1" document.
type Report struct {
	Schema    string    `json:"schema"`
	Generated time.Time `json:"generated"`
	Cluster   string    `json:"cluster"`
	Node      string    `json:"node,omitempty"`
	// DC is null while there is none.
	DC              *DC    `json:"dc"`
	Quorum          bool   `json:"quorum"`
	CIB             CIB    `json:"cib"`
	StonithEnabled  bool   `json:"stonith_enabled"`
	MaintenanceMode bool   `json:"maintenance_mode"`
	Nodes           []Node `json:"nodes"`
	// Resources is the resource tree in configuration order.
	Resources     []*Resource    `json:"resources"`
	FailedActions []FailedAction `json:"failed_actions"`
	FailCounts    []FailCount    `json:"fail_counts"`
	// CLIConstraints are the move and ban constraints in force
	// (cliconstraints.go).
	CLIConstraints []CLIConstraint `json:"cli_constraints"`
	// Fencing and PendingActions are null when the answering pacerd
	// does not know them, [] when it knows there are none.
	Fencing        []FenceEvent    `json:"fencing"`
	PendingActions []PendingAction `json:"pending_actions"`
	// Warnings are the conditions that make `pacer status` exit 2.
	Warnings []string `json:"warnings"`
}

// CIB is the version of the CIB the report was made from.
type CIB struct {
	Version
	Source string `json:"source,omitempty"`
}

// Node states, the one word Node.State says.
const (
	NodeOnline      = "online"
	NodeOffline     = "offline"
	NodeStandby     = "standby"
	NodeMaintenance = "maintenance"
	NodeUnclean     = "unclean"
	NodePending     = "pending"
)

// Node is one node.
type Node struct {
	Name string `json:"name"`
	// ID is the node's id when membership knows it.
	ID uint64 `json:"id,omitempty"`
	// State is the most telling of the flags below: unclean, pending,
	// standby, maintenance, else online or offline.
	State         string `json:"state"`
	Online        bool   `json:"online"`
	Standby       bool   `json:"standby"`
	StandbyOnFail bool   `json:"standby_onfail"`
	Maintenance   bool   `json:"maintenance"`
	Unclean       bool   `json:"unclean"`
	Pending       bool   `json:"pending"`
	Shutdown      bool   `json:"shutdown"`
	DC            bool   `json:"dc"`
	Witness       bool   `json:"witness,omitempty"`
	// Membership is what this node's heartbeat membership says of it
	// (up, warn, dead, pending), "" when not known; Links its links.
	Membership string `json:"membership,omitempty"`
	Links      []Link `json:"links,omitempty"`
	// ResourcesRunning counts the primitive instances active on it.
	ResourcesRunning int `json:"resources_running"`
}

// Resource kinds.
const (
	KindPrimitive = "primitive"
	KindGroup     = "group"
	KindClone     = "clone"
)

// Resource is one resource of the tree.
type Resource struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	// Agent is class:provider:type (class:type without a provider);
	// primitives only.
	Agent    string `json:"agent,omitempty"`
	Class    string `json:"class,omitempty"`
	Provider string `json:"provider,omitempty"`
	Type     string `json:"type,omitempty"`
	// Role is the current role; TargetRole the configured target-role
	// ("" when not set).
	Role       string `json:"role"`
	TargetRole string `json:"target_role,omitempty"`
	// Nodes are where it is active, in the order it was found there.
	Nodes   []string `json:"nodes"`
	Managed bool     `json:"managed"`
	Blocked bool     `json:"blocked"`
	Orphan  bool     `json:"orphan"`
	Failed  bool     `json:"failed"`
	// Unclean: active on one node, which is unclean and offline.
	Unclean bool        `json:"unclean"`
	Pending *PendingOp  `json:"pending,omitempty"`
	Clone   *CloneInfo  `json:"clone,omitempty"`
	Member  bool        `json:"clone_instance,omitempty"`
	Unique  bool        `json:"unique,omitempty"`
	Items   []*Resource `json:"children,omitempty"`
}

// PendingOp is a resource's operation in flight, as the status section
// records it (record-pending).
type PendingOp struct {
	Task       string `json:"task"`
	IntervalMS int64  `json:"interval_ms"`
	Node       string `json:"node,omitempty"`
}

// CloneInfo describes a clone set.
type CloneInfo struct {
	Base       string   `json:"base"`
	Promotable bool     `json:"promotable"`
	Unique     bool     `json:"unique"`
	Max        int      `json:"clone_max"`
	Allowed    []string `json:"allowed_nodes"`
}

// FailedAction is one failed operation.
type FailedAction struct {
	Rsc        string `json:"rsc"`
	Node       string `json:"node"`
	Op         string `json:"op"`
	Key        string `json:"key"`
	IntervalMS int64  `json:"interval_ms"`
	RC         int    `json:"rc"`
	// RCText is the OCF name (OCF_NOT_RUNNING), as the logs' rc_text;
	// Text is crm_mon's words ("not running").
	RCText     string    `json:"rc_text"`
	Text       string    `json:"text"`
	Status     string    `json:"status"`
	ExitReason string    `json:"exit_reason"`
	CallID     int       `json:"call_id"`
	LastChange time.Time `json:"last_rc_change,omitzero"`
	ExecMS     int64     `json:"exec_ms"`
	QueueMS    int64     `json:"queue_ms"`
	// Ignored: the operation has on-fail=ignore; the cluster carries on
	// as if it had succeeded.
	Ignored bool `json:"ignored"`
}

// FailCount is a resource's fail count on a node.
type FailCount struct {
	Rsc   string `json:"rsc"`
	Node  string `json:"node"`
	Count string `json:"count"` // a score: a number or INFINITY
	// Value is Count as a number (INFINITY: 1000000).
	Value              int64     `json:"value"`
	LastFailure        time.Time `json:"last_failure,omitzero"`
	FailureTimeoutS    int64     `json:"failure_timeout_s"`
	Expires            time.Time `json:"expires,omitzero"`
	MigrationThreshold string    `json:"migration_threshold"`
}

// Build makes the report of a snapshot.
func Build(s Snapshot) (*Report, error) {
	if s.CIB == nil {
		return nil, errors.New("status: the snapshot has no CIB")
	}
	c := withMembership(s.CIB, s.Members)
	if s.Members != nil {
		// Live: the quorum is the answering node's, as the DC sets it
		// in its own scheduler input (the stored CIB need not say).
		cp := *c
		cp.HaveQuorum = "0"
		if s.Quorum {
			cp.HaveQuorum = "1"
		}
		c = &cp
	}
	t, err := scheduler.Schedule(scheduler.Input{CIB: c, Now: s.Now, LiveCIB: true})
	if err != nil {
		return nil, fmt.Errorf("status: read the CIB: %w", err)
	}
	st := t.CurrentStatus()
	if s.CIBVersion == (Version{}) {
		s.CIBVersion = Version{AdminEpoch: atou(s.CIB.AdminEpoch), Epoch: atou(s.CIB.Epoch), NumUpdates: atou(s.CIB.NumUpdates)}
	}
	r := &Report{Schema: Schema, Generated: s.Now.UTC(), Cluster: s.Cluster, Node: s.Node, DC: s.DC,
		Quorum: s.Quorum, CIB: CIB{Version: s.CIBVersion, Source: s.CIBSource},
		StonithEnabled: t.StonithEnabled(), MaintenanceMode: t.MaintenanceMode(),
		Nodes: []Node{}, Resources: []*Resource{}, FailedActions: []FailedAction{}, FailCounts: []FailCount{},
		Warnings: []string{}}
	if s.Members == nil {
		// A CIB without pacerd: the quorum it records.
		r.Quorum = s.CIB.HaveQuorum == "1" || s.CIB.HaveQuorum == "true"
	}
	running := map[string]int{}
	for _, rs := range st.Resources {
		countRunning(rs, running)
	}
	members := map[string]Member{}
	for _, m := range s.Members {
		members[m.Name] = m
	}
	for _, n := range st.Nodes {
		node := Node{Name: n.Name, Online: n.Online, Standby: n.Standby, StandbyOnFail: n.StandbyOnFail,
			Maintenance: n.Maintenance, Unclean: n.Unclean, Pending: n.Pending, Shutdown: n.Shutdown,
			DC: s.DC != nil && s.DC.Name == n.Name, ResourcesRunning: running[n.Name]}
		if m, ok := members[n.Name]; ok {
			node.ID, node.Membership, node.Witness, node.Links = m.ID, m.State, m.Witness, m.Links
		}
		node.State = nodeState(node)
		r.Nodes = append(r.Nodes, node)
	}
	for _, rs := range st.Resources {
		r.Resources = append(r.Resources, fromScheduler(rs))
	}
	for _, f := range t.FailedOps() {
		r.FailedActions = append(r.FailedActions, FailedAction{Rsc: f.Rsc, Node: f.Node, Op: f.Task, Key: f.Key,
			IntervalMS: f.Interval.Milliseconds(), RC: f.RC, RCText: ocf.RC(f.RC).String(), Text: rcWords(f.RC),
			Status: execStatus(f.OpStatus), ExitReason: f.ExitReason, CallID: f.CallID, LastChange: f.LastRCChange,
			ExecMS: f.Exec.Milliseconds(), QueueMS: f.Queue.Milliseconds(), Ignored: f.Ignored})
	}
	r.CLIConstraints = cliConstraints(s.CIB, s.Now)
	for _, f := range t.FailCounts() {
		r.FailCounts = append(r.FailCounts, FailCount{Rsc: f.Rsc, Node: f.Node, Count: f.Count.String(),
			Value: scoreValue(f.Count), LastFailure: f.LastFailure, FailureTimeoutS: int64(f.FailureTimeout / time.Second),
			Expires: f.Expires, MigrationThreshold: f.MigrationThreshold.String()})
	}
	if s.FencingKnown {
		r.Fencing = append([]FenceEvent{}, s.Fencing...)
	}
	if s.PendingKnown {
		r.PendingActions = []PendingAction{}
		for _, p := range s.Pending {
			p.IntervalMS = p.Interval.Milliseconds()
			r.PendingActions = append(r.PendingActions, p)
		}
	}
	r.Warnings = warnings(r, s.Members != nil)
	return r, nil
}

// withMembership returns c, or a copy of it completed from membership as
// the DC completes its scheduler input: a configured node (not a witness,
// which hosts nothing) missing from the CIB's nodes is added under its
// node id, and a node membership sees alive that the status section does
// not mention yet is recorded online (as the DC records a node that
// joined); until then the scheduler would take a node it has never heard
// of for unclean. Dead and pending nodes are left as the status section
// has them.
func withMembership(c *cib.CIB, members []Member) *cib.CIB {
	inConfig, inStatus := map[string]bool{}, map[string]bool{}
	for _, n := range c.Configuration.Nodes {
		inConfig[n.Uname] = true
	}
	for _, ns := range c.Status.Nodes {
		inStatus[ns.Uname] = true
	}
	var nodes []cib.Node
	var states []cib.NodeState
	for _, m := range members {
		if m.Witness {
			continue
		}
		id := strconv.FormatUint(m.ID, 10)
		if !inConfig[m.Name] {
			nodes = append(nodes, cib.Node{ID: id, Uname: m.Name})
		} else {
			for _, n := range c.Configuration.Nodes {
				if n.Uname == m.Name {
					id = n.ID
				}
			}
		}
		if !inStatus[m.Name] && (m.State == MemberUp || m.State == MemberWarn) {
			states = append(states, cib.NodeState{ID: id, Uname: m.Name, InCCM: "true", Crmd: "online", Join: "member", Expected: "member"})
		}
	}
	if len(nodes) == 0 && len(states) == 0 {
		return c
	}
	cp := *c
	cp.Configuration.Nodes = append(slices.Clip(c.Configuration.Nodes), nodes...)
	cp.Status.Nodes = append(slices.Clip(c.Status.Nodes), states...)
	return &cp
}

func countRunning(r *scheduler.ResourceStatus, out map[string]int) {
	if len(r.Children) == 0 && !r.Clone && !r.Group {
		for _, n := range r.Nodes {
			out[n]++
		}
		return
	}
	for _, c := range r.Children {
		countRunning(c, out)
	}
}

func nodeState(n Node) string {
	switch {
	case n.Unclean:
		return NodeUnclean
	case n.Pending:
		return NodePending
	case n.Standby:
		return NodeStandby
	case n.Maintenance:
		return NodeMaintenance
	case n.Online:
		return NodeOnline
	}
	return NodeOffline
}

func roleString(r cib.Role) string {
	if r == cib.RoleUnknown {
		return ""
	}
	return r.String()
}

func parseRole(s string) cib.Role {
	if s == "" {
		return cib.RoleUnknown
	}
	r, err := cib.ParseRole(s)
	if err != nil {
		return cib.RoleUnknown
	}
	return r
}

func fromScheduler(rs *scheduler.ResourceStatus) *Resource {
	r := &Resource{ID: rs.ID, Kind: KindPrimitive, Role: roleString(rs.Role), TargetRole: roleString(rs.TargetRole),
		Nodes: append([]string{}, rs.Nodes...), Managed: rs.Managed, Blocked: rs.Blocked, Orphan: rs.Orphan,
		Failed: rs.Failed, Unclean: rs.Unclean, Member: rs.CloneMember, Unique: rs.CloneMember && rs.Unique}
	if r.Role == "" {
		r.Role = cib.RoleStopped.String()
	}
	switch {
	case rs.Clone:
		r.Kind = KindClone
		r.Clone = &CloneInfo{Base: rs.Base, Promotable: rs.Promotable, Unique: rs.Unique, Max: rs.Max,
			Allowed: append([]string{}, rs.AllNodes...)}
	case rs.Group:
		r.Kind = KindGroup
	default:
		r.Class, r.Provider, r.Type = rs.Class, rs.Provider, rs.Type
		r.Agent = rs.Class + ":" + rs.Type
		if rs.Provider != "" {
			r.Agent = rs.Class + ":" + rs.Provider + ":" + rs.Type
		}
	}
	if rs.Pending != "" {
		r.Pending = &PendingOp{Task: rs.Pending, IntervalMS: rs.PendingInterval, Node: rs.PendingNode}
	}
	for _, c := range rs.Children {
		r.Items = append(r.Items, fromScheduler(c))
	}
	return r
}

// toScheduler is fromScheduler's inverse, for simout's resource lines.
func toScheduler(r *Resource) *scheduler.ResourceStatus {
	rs := &scheduler.ResourceStatus{ID: r.ID, Class: r.Class, Provider: r.Provider, Type: r.Type,
		Group: r.Kind == KindGroup, Clone: r.Kind == KindClone, CloneMember: r.Member, Unique: r.Unique,
		Role: parseRole(r.Role), TargetRole: parseRole(r.TargetRole), Nodes: r.Nodes, Managed: r.Managed,
		Blocked: r.Blocked, Orphan: r.Orphan, Failed: r.Failed, Unclean: r.Unclean}
	if r.Clone != nil {
		rs.Base, rs.Promotable, rs.Unique, rs.Max, rs.AllNodes = r.Clone.Base, r.Clone.Promotable, r.Clone.Unique, r.Clone.Max, r.Clone.Allowed
	}
	if r.Pending != nil {
		rs.Pending, rs.PendingInterval, rs.PendingNode = r.Pending.Task, r.Pending.IntervalMS, r.Pending.Node
	}
	for _, c := range r.Items {
		rs.Children = append(rs.Children, toScheduler(c))
	}
	return rs
}

// rcWords are crm_mon's words for an OCF exit code
// (services_ocf_exitcode_str).
func rcWords(rc int) string {
	switch rc {
	case 0:
		return "ok"
	case 1:
		return "error"
	case 2:
		return "invalid parameter"
	case 3:
		return "unimplemented feature"
	case 4:
		return "insufficient privileges"
	case 5:
		return "not installed"
	case 6:
		return "not configured"
	case 7:
		return "not running"
	case 8:
		return "promoted"
	case 9:
		return "promoted (failed)"
	case 190:
		return "degraded"
	case 191:
		return "degraded promoted"
	}
	return "unknown"
}

// execStatus is crm_mon's word for an op-status (pcmk_exec_status_str).
func execStatus(s int) string {
	switch s {
	case 0:
		return "complete"
	case 1:
		return "Cancelled"
	case 2:
		return "Timed Out"
	case 3:
		return "NOT SUPPORTED"
	case 4:
		return "Error"
	case 5:
		return "Hard error"
	case 6:
		return "Fatal error"
	case 7:
		return "Not installed"
	}
	return "status " + strconv.Itoa(s)
}

func atou(s string) uint64 {
	v, _ := strconv.ParseUint(s, 10, 64)
	return v
}

func scoreValue(s cib.Score) int64 { return int64(s) }

// warnings are the conditions an operator must look at; any makes
// `pacer status` exit 2.
func warnings(r *Report, live bool) []string {
	w := []string{}
	if live && r.DC == nil {
		w = append(w, "no DC: no node coordinates the cluster")
	}
	if !r.Quorum {
		w = append(w, "partition WITHOUT quorum")
	}
	for _, n := range r.Nodes {
		switch {
		case n.Unclean:
			w = append(w, fmt.Sprintf("node %s is UNCLEAN: it must be fenced before its resources can move", n.Name))
		case !n.Online && !n.Pending:
			w = append(w, fmt.Sprintf("node %s is OFFLINE", n.Name))
		}
	}
	if n := len(r.FailedActions); n > 0 {
		w = append(w, fmt.Sprintf("%d failed resource action(s)", n))
	}
	var blocked []string
	var walk func([]*Resource)
	walk = func(list []*Resource) {
		for _, x := range list {
			if x.Blocked {
				blocked = append(blocked, x.ID)
			}
			walk(x.Items)
		}
	}
	walk(r.Resources)
	for _, id := range blocked {
		w = append(w, fmt.Sprintf("resource %s is blocked: the cluster will not act on it until it is cleaned up", id))
	}
	// A target whose latest fencing failed: a later success settles
	// an earlier failure.
	last := map[string]FenceEvent{}
	var targets []string
	for _, f := range r.Fencing {
		if _, ok := last[f.Target]; !ok {
			targets = append(targets, f.Target)
		}
		last[f.Target] = f
	}
	for _, t := range targets {
		if f := last[t]; f.State == FenceFailed {
			w = append(w, fmt.Sprintf("fencing (%s) of %s failed: %s", f.Action, f.Target, f.Error))
		}
	}
	return w
}

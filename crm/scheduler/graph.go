package scheduler

import (
	"fmt"
	"strings"
	"time"

	"pacer/crm/cib"
)

// shouldAddToGraph is should_add_action_to_graph.
func shouldAddToGraph(a *action) bool {
	if !a.is(flagRunnable) {
		return false
	}
	if a.is(flagOptional) && !a.is(flagPrintAlways) {
		return false
	}
	if a.rsc != nil && !a.rsc.managed && a.task != "monitor" && a.interval == 0 {
		return false
	}
	if a.is(flagPseudo) || a.cluster {
		return true
	}
	if a.node == nil || !a.node.online || a.node.unclean {
		return false
	}
	return true
}

func shouldAddInput(e *actionEdge) bool {
	in := e.first
	if e.typ == 0 {
		return false
	}
	if e.typ == orderAntiColocation {
		if e.then.node != nil && in.node != nil && e.then.node != in.node {
			return false
		}
		if in.is(flagOptional) {
			return false
		}
	}
	if e.typ == orderLoad {
		// Load orderings matter only on one node and when 'first'
		// will happen.
		if e.then.node != nil && in.node != nil && e.then.node != in.node {
			return false
		}
		if in.is(flagOptional) {
			return false
		}
	}
	canChange := e.typ&^(orderImpliesFirstPrinted|orderImpliesThenPrinted|orderOptional) != 0
	if !in.is(flagRunnable) && !canChange {
		return false
	}
	if !in.is(flagRunnable) && e.typ&orderOneOrMore != 0 {
		return false
	}
	if e.typ&orderImpliesFirstMigratable != 0 && !in.is(flagRunnable) {
		return false // a migration that will not happen
	}
	if e.typ == orderOptional && in.is(flagMigrateRunnable) && in.task == "stop" {
		return false // optional, and the stop is part of a migration
	}
	if in.is(flagOptional) && !in.is(flagPrintAlways) && !in.is(flagDumped) && !shouldAddToGraph(in) {
		return false
	}
	return true
}

// buildGraph lays the actions out in Pacemaker's synapse order: each
// resource's own actions newest first, then its children's, then the
// node actions, newest first.
func (ws *workingSet) buildGraph(t *Transition) {
	var order []*action
	add := func(a *action) {
		if a.is(flagDumped) || !shouldAddToGraph(a) {
			return
		}
		a.flags |= flagDumped
		a.graphID = len(order)
		order = append(order, a)
	}
	var addRsc func(r *resource)
	addRsc = func(r *resource) {
		if r.isClone() {
			// clone_expand: the notifications (now that the flags are
			// final), the instances, then the clone itself.
			if r.clone.notify {
				ws.createNotifications(r)
			}
			for _, c := range r.children {
				addRsc(c)
			}
			for i := len(r.actions) - 1; i >= 0; i-- {
				add(r.actions[i])
			}
			return
		}
		for i := len(r.actions) - 1; i >= 0; i-- {
			add(r.actions[i])
		}
		for _, c := range r.children {
			addRsc(c)
		}
	}
	for _, r := range ws.resources {
		addRsc(r)
	}
	for i := len(ws.actions) - 1; i >= 0; i-- {
		if ws.actions[i].rsc == nil {
			add(ws.actions[i])
		}
	}
	for _, a := range order {
		out := &Action{ID: a.graphID, Key: a.key, Task: a.task, Interval: a.interval, Reason: a.reason, Meta: a.meta}
		if a.rsc != nil && a.rsc.cloneName != "" && a.task != "notify" && a.task != "cancel" {
			// action2xml: the graph's operation key names the
			// resource as its history does.
			out.HistoryKey = opKey(a.rsc.cloneName, a.task, a.interval)
		}
		if a.rsc != nil {
			out.Rsc, out.RscName = a.rsc.id, a.rsc.id
			out.ExecID, out.ExecLongID = execNames(a.rsc)
			if base, ok := anonymousBase(a.rsc); ok {
				switch {
				case a.cluster:
					// A controller action names the resource by its
					// configured id (the graph's ID, not ID_LONG).
					out.RscName = base
				case a.rsc.cloneName != "" && a.rsc.cloneName != base:
					// add_resource_details: the name the history
					// was found under (ID_LONG) when it is numbered.
					out.RscName = a.rsc.cloneName
				case ws.knownName(base):
					out.RscName = base
				}
			}
		}
		if a.node != nil {
			out.Node = a.node.name
		}
		switch {
		case a.is(flagPseudo):
			out.Kind = PseudoAction
		case a.fencing:
			out.Kind = FenceAction
		case a.cluster:
			out.Kind = ClusterAction
		default:
			out.Kind = ResourceAction
		}
		seen := map[int]bool{}
		for _, e := range a.before {
			if !shouldAddInput(e) {
				continue
			}
			id := -1
			if e.first.is(flagDumped) {
				id = e.first.graphID
			}
			if seen[id] {
				continue
			}
			seen[id] = true
			out.Inputs = append(out.Inputs, id)
			if id >= 0 {
				t.Edges = append(t.Edges, Edge{First: id, Then: a.graphID})
			}
		}
		t.Actions = append(t.Actions, out)
	}
}

// Execute returns the actions in the order crm_simulate's simulated
// executor runs them: pass after pass over the graph, firing every action
// whose inputs are all confirmed, each confirmed as soon as it fires.
// Actions with an input that never runs are left out.
func (t *Transition) Execute() []*Action {
	ran, _ := t.ExecuteFailing(nil)
	return ran
}

// ExecuteFailing is Execute with some actions failing, as crm_simulate's
// --op-fail makes them: fails (nil: none) says whether an action fails
// when it runs. A failed action runs (it is in ran, and in failed) but is
// never confirmed, so nothing that depends on it runs.
func (t *Transition) ExecuteFailing(fails func(*Action) bool) (ran, failed []*Action) {
	fired := make([]bool, len(t.Actions))
	confirmed := make([]bool, len(t.Actions))
	for {
		progress := false
		for i, a := range t.Actions {
			if fired[i] {
				continue
			}
			ready := true
			for _, in := range a.Inputs {
				if in < 0 || !confirmed[in] {
					ready = false
					break
				}
			}
			if !ready {
				continue
			}
			fired[i], progress = true, true
			ran = append(ran, a)
			if fails != nil && fails(a) {
				failed = append(failed, a)
				continue
			}
			confirmed[i] = true
		}
		if !progress {
			return ran, failed
		}
	}
}

// RevisedStatusFailing is RevisedStatus after ExecuteFailing: the failed
// actions took no effect but left their resource FAILED on their node (a
// failed start or promote leaves it active there, as its history then
// says).
func (t *Transition) RevisedStatusFailing(ran, failed []*Action) *Status {
	isFailed := map[*Action]bool{}
	for _, a := range failed {
		isFailed[a] = true
	}
	var ok []*Action
	for _, a := range ran {
		if !isFailed[a] {
			ok = append(ok, a)
		}
	}
	st := t.RevisedStatus(ok)
	byID := map[string]*ResourceStatus{}
	var index func(list []*ResourceStatus)
	index = func(list []*ResourceStatus) {
		for _, r := range list {
			byID[r.ID] = r
			index(r.Children)
		}
	}
	index(st.Resources)
	for _, a := range failed {
		r := byID[a.Rsc]
		if r == nil || a.Kind != ResourceAction {
			continue
		}
		r.Failed = true
		if !containsString(r.Nodes, a.Node) {
			r.Nodes = append(r.Nodes, a.Node)
		}
		if r.Role < cib.RoleStarted {
			r.Role = cib.RoleStarted
		}
	}
	return st
}

// ResourceStatus is one resource's state, for printing cluster status.
type ResourceStatus struct {
	ID                    string
	Class, Provider, Type string
	Group                 bool
	// Clone: a clone set; Base is its child's configured id; Unique
	// for globally-unique clones. AllNodes lists the nodes a stopped
	// anonymous instance is reported on (the clone's allowed nodes).
	Clone, Unique bool
	// Promotable: a promotable clone (its instances are listed as
	// Promoted and Unpromoted).
	Promotable bool
	// CloneMember: the instance of a clone (for a cloned group's
	// instance, Unique tells whether the clone is globally unique).
	CloneMember bool
	// InPromotable: its top-level resource is a promotable clone, so
	// a Started role shows as Unpromoted (native_displayable_role).
	InPromotable bool
	Base         string
	AllNodes     []string
	Max          int // clone-max
	// Pending is the operation in flight (start, stop, monitor, ...),
	// PendingInterval its interval in ms.
	Pending         string
	PendingInterval int64
	// PendingNode is where the pending operation runs.
	PendingNode string
	// PendingOpID is the pending operation's history entry id.
	PendingOpID string
	// PendingBeforeSimulated: a result the simulated executor records
	// on PendingNode is newer than the pending operation.
	PendingBeforeSimulated bool
	// PendingLast: the pending operation is the newest entry in
	// PendingNode's history for the resource; an older one shows as
	// pending but the results after it decide the state.
	PendingLast bool
	// Unclean: the one node it is active on is unclean and offline.
	Unclean bool
	// DownUnmanaged: an unmanaged primitive active only on nodes that
	// are down. native_add_running gives its nodes to its parents only
	// while they are online, so to the clone or group it is as if it
	// ran nowhere (see simout).
	DownUnmanaged bool
	Children      []*ResourceStatus
	Role          cib.Role
	Nodes         []string // where active
	TargetRole    cib.Role
	Managed       bool
	Blocked       bool
	Orphan        bool
	Failed        bool
}

// NodeStatus is one node's state.
type NodeStatus struct {
	Name                               string
	Online, Standby, Unclean, Shutdown bool
	Maintenance, Pending               bool
	StandbyOnFail                      bool
}

// Status is the cluster state as crm_mon prints it.
type Status struct {
	Nodes     []NodeStatus
	Resources []*ResourceStatus
}

// CurrentStatus is the state the input CIB describes.
func (t *Transition) CurrentStatus() *Status {
	ws := t.ws
	st := &Status{}
	for _, n := range ws.nodes {
		st.Nodes = append(st.Nodes, NodeStatus{Name: n.name, Online: n.online, Standby: n.standby,
			Unclean: n.unclean, Shutdown: n.shutdown, Maintenance: n.maintenance, Pending: n.pending,
			StandbyOnFail: n.standbyOnFail})
	}
	var conv func(r *resource) *ResourceStatus
	conv = func(r *resource) *ResourceStatus {
		rs := &ResourceStatus{ID: r.id, Class: r.class, Provider: r.provider, Type: r.typ,
			Group: r.isGroup(), Role: r.role, TargetRole: r.targetRole, Managed: r.unpackManaged(ws),
			Blocked: r.blocked,
			Orphan:  r.orphan, Failed: r.failed, Pending: r.pendingTask, PendingInterval: r.pendingInterval, PendingOpID: r.pendingOpID,
			PendingBeforeSimulated: r.pendingBeforeSimulated, PendingLast: r.pendingLast}
		for _, n := range r.running {
			rs.Nodes = append(rs.Nodes, n.name)
		}
		if r.pendingNode != nil {
			rs.PendingNode = r.pendingNode.name
		}
		if len(r.running) == 1 && r.running[0].unclean && !r.running[0].online {
			rs.Unclean = true
		}
		if !r.isCollective() && len(r.running) > 0 && !rs.Managed {
			rs.DownUnmanaged = true
			for _, n := range r.running {
				if n.online {
					rs.DownUnmanaged = false
				}
			}
		}
		for _, c := range r.children {
			rs.Children = append(rs.Children, conv(c))
		}
		if r.parent != nil && r.parent.isClone() {
			rs.CloneMember, rs.Unique = true, r.parent.clone.unique
		}
		if top := r.top(); top.isClone() && top.clone.promotable {
			rs.InPromotable = true
		}
		if r.isClone() {
			rs.Clone, rs.Unique, rs.Base, rs.Max = true, r.clone.unique, r.clone.base, r.clone.max
			rs.Promotable = r.clone.promotable
			for _, n := range ws.nodes {
				if ws.symmetric || r.knownOnAny(n) {
					rs.AllNodes = append(rs.AllNodes, n.name)
				}
			}
		}
		return rs
	}
	for _, r := range ws.displayOrder {
		if r.orphan && len(r.running) == 0 {
			continue
		}
		st.Resources = append(st.Resources, conv(r))
	}
	return st
}

// unpackManaged is whether the resource was managed as unpacked (before
// the scheduler unmanaged it for lack of fencing).
func (r *resource) unpackManaged(ws *workingSet) bool {
	if r.orphan && r.parent == nil {
		// process_orphan_resource: a resource gone from the
		// configuration is unmanaged unless stop-orphan-resources. An
		// orphaned clone instance (create_anonymous_orphan) is managed
		// like the clone's other instances.
		return ws.stopOrphans
	}
	if r.blocked {
		return false
	}
	m := boolDefault(r.meta["is-managed"], true)
	if v, ok := ws.props["is-managed-default"]; ok && r.meta["is-managed"] == "" {
		m = isTrue(v)
	}
	if isTrue(ws.props["maintenance-mode"]) || isTrue(r.meta["maintenance"]) {
		m = false
	}
	return m
}

// simulatorTransitionUUID is the transition series crm_simulate's
// executor stamps on every result it records (transition number -1):
// history made by an earlier simulation carries it too.
const simulatorTransitionUUID = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"

// RevisedStatus is the state after every executed action has run.
func (t *Transition) RevisedStatus(executed []*Action) *Status {
	st := t.CurrentStatus()
	byID := map[string]*ResourceStatus{}
	var index func(list []*ResourceStatus)
	index = func(list []*ResourceStatus) {
		for _, r := range list {
			byID[r.ID] = r
			index(r.Children)
		}
	}
	index(st.Resources)
	promotableInstance := map[*ResourceStatus]bool{}
	for _, r := range byID {
		if r.Clone && r.Promotable {
			for _, c := range r.Children {
				promotableInstance[c] = true
			}
		}
	}
	simulatedOn := map[*ResourceStatus]map[string]bool{}
	for _, a := range executed {
		if a.Kind == FenceAction {
			if a.Task != "on" { // unfencing leaves the node as it was
				fenced(st, byID, a.Node)
			}
			continue
		}
		if a.Kind != ResourceAction {
			continue
		}
		r := byID[a.Rsc]
		if r == nil {
			continue
		}
		if simulatedOn[r] == nil {
			simulatedOn[r] = map[string]bool{}
		}
		simulatedOn[r][a.Node] = true
		if r.Pending != "" && a.Node == r.PendingNode && replacesPending(r, a) {
			r.Pending = "" // the simulated result replaces the pending one
		}
		switch a.Task {
		case "stop":
			var keep []string
			for _, n := range r.Nodes {
				if n != a.Node {
					keep = append(keep, n)
				}
			}
			r.Nodes = keep
			if len(keep) == 0 {
				r.Role = cib.RoleStopped
			}
			r.Failed = false
		case "start", "migrate_from":
			if !containsString(r.Nodes, a.Node) {
				r.Nodes = append(r.Nodes, a.Node)
			}
			if r.Role < cib.RoleStarted {
				r.Role = cib.RoleStarted
				if promotableInstance[r] {
					r.Role = cib.RoleUnpromoted
				}
			}
			r.Failed = false
		case "promote":
			r.Role = cib.RolePromoted
			r.Failed = false
		case "demote":
			// A successful demote clears the failure that on-fail=demote
			// answered (update_resource_state).
			r.Role, r.Failed = cib.RoleUnpromoted, false
		}
	}
	// A pending operation whose history entry no simulated result
	// replaced is still in flight. sort_op_by_callid puts it after the
	// simulated results (it is the last word on its node) unless it
	// belongs to the simulator's transition series and theirs, number
	// -1, always sorts last. The revised status is printed without
	// pending operations.
	for _, r := range byID {
		if r.Pending != "" && r.PendingNode != "" && r.PendingLast && !(r.PendingBeforeSimulated && simulatedOn[r][r.PendingNode]) {
			switch r.Pending {
			case "start", "migrate_to":
				if !containsString(r.Nodes, r.PendingNode) {
					r.Nodes = append(r.Nodes, r.PendingNode)
				}
				if r.Role < cib.RoleStarted {
					r.Role = cib.RoleStarted
					if promotableInstance[r] {
						r.Role = cib.RoleUnpromoted
					}
				}
			case "promote":
				r.Role = cib.RolePromoted
			}
		}
		r.Pending, r.PendingInterval, r.PendingNode, r.PendingOpID = "", 0, "", ""
	}
	// Orphans that stopped disappear.
	var keep []*ResourceStatus
	for _, r := range st.Resources {
		if r.Orphan && len(r.Nodes) == 0 {
			continue
		}
		keep = append(keep, r)
	}
	st.Resources = keep
	return st
}

var _ = time.Second

// fenced applies a simulated fencing: the node leaves the membership
// cleanly and its resource history is gone, so nothing runs there.
func fenced(st *Status, byID map[string]*ResourceStatus, name string) {
	for i := range st.Nodes {
		n := &st.Nodes[i]
		if n.Name == name {
			n.Online, n.Unclean, n.Pending, n.Standby, n.Shutdown = false, false, false, false, false
		}
	}
	for _, r := range byID {
		if !containsString(r.Nodes, name) {
			continue
		}
		var keep []string
		for _, n := range r.Nodes {
			if n != name {
				keep = append(keep, n)
			}
		}
		r.Nodes, r.Unclean, r.Failed = keep, false, false
		if r.PendingNode == name {
			r.Pending, r.PendingNode = "", ""
		}
		if len(keep) == 0 {
			r.Role = cib.RoleStopped
		}
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// anonymousBase is the configured id of an anonymous clone's instance, or
// of a member of a cloned group's instance.
func anonymousBase(r *resource) (string, bool) {
	p := r.parent
	if p == nil {
		return "", false
	}
	if p.anonymous() {
		return p.clone.base, true
	}
	if p.isGroup() && p.parent != nil && p.parent.anonymous() {
		return cloneStrip(r.id), true
	}
	return "", false
}

// replacesPending says a simulated action's result is written over the
// pending operation's history entry (crm_simulate records a result as
// RSC_last_0, or RSC_TASK_INTERVAL for a recurring one); an entry under
// another id (an older CIB's RSC_start_0) stays.
func replacesPending(r *ResourceStatus, a *Action) bool {
	id := r.PendingOpID
	if a.Interval > 0 {
		return a.Task == r.Pending && a.Interval.Milliseconds() == r.PendingInterval && strings.HasSuffix(id, fmt.Sprintf("_%s_%d", a.Task, a.Interval.Milliseconds()))
	}
	return strings.HasSuffix(id, "_last_0")
}

// execNames is add_resource_details: the names the graph gives the node
// for the resource (see Action.ExecID).
func execNames(r *resource) (id, long string) {
	base, anonymous := anonymousBase(r)
	switch {
	case r.orphan && r.cloneName != "":
		return r.cloneName, r.id
	case anonymous:
		if r.cloneName != "" && r.cloneName != base {
			return base, r.cloneName
		}
		return base, r.id
	}
	return r.id, ""
}

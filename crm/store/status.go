package store

// Status updates: what nodes report (operation results, node membership
// state, transient node attributes, fail counts included). They are the
// bulk of the traffic, so they are a cheap entry of their own: no CAS (each
// node owns its own node_state, and fail counts are increments, so
// concurrent updates compose instead of overwriting each other), and they
// bump num_updates, not epoch, as Pacemaker does.

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"pacer/crm/cib"
)

// StatusUpdate changes one node's <node_state>.
type StatusUpdate struct {
	// Node is the node's uname; NodeID its node_state id (Pacemaker's node
	// id), set when the node_state is created.
	Node   string `codec:"n"`
	NodeID string `codec:"i"`
	// State, when set, replaces the node_state's membership fields.
	State *NodeMembership `codec:"s"`
	// Ops are operation results, each replacing the op of the same id in
	// the resource's history (creating the resource's entry).
	Ops []OpResult `codec:"o"`
	// Attrs change transient node attributes, in order.
	Attrs []AttrUpdate `codec:"a"`
	// ClearLRM empties the node's operation history and ClearAttrs its
	// transient attributes, before Resources, Ops and Attrs apply: what
	// Pacemaker's controller does to a node it has fenced.
	ClearLRM   bool `codec:"L"`
	ClearAttrs bool `codec:"A"`
	// Resources replace whole resource histories (a node's join, a
	// recurring op cancelled): a resource with no ops is removed.
	Resources []cib.LRMResource `codec:"R"`
	// Fence, when set, is a fencing of the history (<fencing_history>),
	// replacing an event with its id or appended; only the last
	// MaxFenceHistory events are kept.
	Fence *cib.FenceEvent `codec:"F"`
}

// MaxFenceHistory is how many fencings the status section keeps.
const MaxFenceHistory = 100

// NodeMembership is the membership part of a node_state.
type NodeMembership struct {
	InCCM    string `codec:"c"`
	Crmd     string `codec:"d"`
	Join     string `codec:"j"`
	Expected string `codec:"e"`
}

// OpResult is one operation result for the status section.
type OpResult struct {
	Rsc      string    `codec:"r"`
	Class    string    `codec:"c"`
	Provider string    `codec:"p"`
	Type     string    `codec:"t"`
	Op       cib.LRMOp `codec:"o"`
}

// AttrOp says what an AttrUpdate does.
type AttrOp uint8

const (
	AttrSet    AttrOp = iota // Value replaces the value
	AttrDelete               // the attribute goes
	AttrAdd                  // Delta is added (fail counts); INFINITY saturates
)

// AttrUpdate changes one transient node attribute.
type AttrUpdate struct {
	Name  string `codec:"n"`
	Op    AttrOp `codec:"o"`
	Value string `codec:"v"`
	Delta int64  `codec:"d"`
}

// FailCountAttr is Pacemaker's fail-count attribute name for rsc's op at
// interval (milliseconds), e.g. "fail-count-db#monitor_10000".
func FailCountAttr(rsc, op string, intervalMS uint64) string {
	return "fail-count-" + rsc + "#" + op + "_" + strconv.FormatUint(intervalMS, 10)
}

// check refuses an update that cannot be applied, before it is proposed
// and again at apply time (it is input from outside either way).
func (u *StatusUpdate) check() error {
	if u.Node == "" {
		return fmt.Errorf("status update: no node")
	}
	for i, o := range u.Ops {
		if o.Rsc == "" || o.Op.ID == "" {
			return fmt.Errorf("status update for %s: op %d: resource and op id are required", u.Node, i)
		}
	}
	for i, r := range u.Resources {
		if r.ID == "" {
			return fmt.Errorf("status update for %s: resource %d: no id", u.Node, i)
		}
	}
	for i, a := range u.Attrs {
		if a.Name == "" || a.Op > AttrAdd {
			return fmt.Errorf("status update for %s: attribute %d: no name or unknown op %d", u.Node, i, a.Op)
		}
	}
	if f := u.Fence; f != nil && (f.ID == "" || f.Target == "" || f.Action == "" || f.State == "") {
		return fmt.Errorf("status update for %s: fence event %q: id, target, action and state are required", u.Node, f.ID)
	}
	return nil
}

// applyStatus applies u to c. The caller has checked u.
func applyStatus(c *cib.CIB, u *StatusUpdate) {
	ns := findNodeState(c, u)
	if u.State != nil {
		ns.InCCM, ns.Crmd, ns.Join, ns.Expected = u.State.InCCM, u.State.Crmd, u.State.Join, u.State.Expected
	}
	if u.ClearLRM && ns.LRM != nil {
		ns.LRM.Resources = nil
	}
	if u.ClearAttrs {
		ns.Transient, ns.HasTransient, ns.TransientID = nil, false, ""
	}
	for _, r := range u.Resources {
		replaceResource(ns, r)
	}
	for _, o := range u.Ops {
		applyOp(ns, &o)
	}
	for _, a := range u.Attrs {
		applyAttr(ns, &a)
	}
	if u.Fence != nil {
		applyFence(&c.Status, *u.Fence)
	}
}

// applyFence records a fencing in the history: in place of the event with
// its id, else appended, the oldest dropped beyond MaxFenceHistory.
func applyFence(st *cib.Status, f cib.FenceEvent) {
	f.Extra = slices.Clone(f.Extra)
	for i := range st.Fencing {
		if st.Fencing[i].ID == f.ID {
			st.Fencing[i] = f
			return
		}
	}
	st.Fencing = append(st.Fencing, f)
	if n := len(st.Fencing) - MaxFenceHistory; n > 0 {
		st.Fencing = slices.Delete(st.Fencing, 0, n)
	}
	st.HasFencing = false
}

func findNodeState(c *cib.CIB, u *StatusUpdate) *cib.NodeState {
	for i := range c.Status.Nodes {
		if c.Status.Nodes[i].Uname == u.Node {
			return &c.Status.Nodes[i]
		}
	}
	id := u.NodeID
	if id == "" {
		id = u.Node
	}
	c.Status.Nodes = append(c.Status.Nodes, cib.NodeState{ID: id, Uname: u.Node})
	return &c.Status.Nodes[len(c.Status.Nodes)-1]
}

func applyOp(ns *cib.NodeState, o *OpResult) {
	if ns.LRM == nil {
		ns.LRM = &cib.LRM{ID: ns.ID}
	}
	var r *cib.LRMResource
	for i := range ns.LRM.Resources {
		if ns.LRM.Resources[i].ID == o.Rsc {
			r = &ns.LRM.Resources[i]
			break
		}
	}
	if r == nil {
		ns.LRM.Resources = append(ns.LRM.Resources, cib.LRMResource{ID: o.Rsc, Class: o.Class, Provider: o.Provider, Type: o.Type})
		r = &ns.LRM.Resources[len(ns.LRM.Resources)-1]
	}
	for i := range r.Ops {
		if r.Ops[i].ID == o.Op.ID {
			r.Ops[i] = o.Op
			return
		}
	}
	r.Ops = append(r.Ops, o.Op)
}

// replaceResource puts r in place of the resource's history (removing it
// when r has no ops).
func replaceResource(ns *cib.NodeState, r cib.LRMResource) {
	if ns.LRM == nil {
		if len(r.Ops) == 0 {
			return
		}
		ns.LRM = &cib.LRM{ID: ns.ID}
	}
	for i := range ns.LRM.Resources {
		if ns.LRM.Resources[i].ID == r.ID {
			if len(r.Ops) == 0 {
				ns.LRM.Resources = append(ns.LRM.Resources[:i], ns.LRM.Resources[i+1:]...)
			} else {
				ns.LRM.Resources[i] = r
			}
			return
		}
	}
	if len(r.Ops) > 0 {
		ns.LRM.Resources = append(ns.LRM.Resources, r)
	}
}

func applyAttr(ns *cib.NodeState, a *AttrUpdate) {
	if len(ns.Transient) == 0 {
		if a.Op == AttrDelete {
			return
		}
		// Pacemaker's ids for the transient set.
		ns.TransientID = ns.ID
		ns.HasTransient = true
		ns.Transient = []cib.NVSet{{Kind: cib.InstanceAttributes, ID: "status-" + ns.ID}}
	}
	set := &ns.Transient[0]
	at := -1
	for i := range set.Pairs {
		if set.Pairs[i].Name == a.Name {
			at = i
			break
		}
	}
	switch a.Op {
	case AttrDelete:
		if at >= 0 {
			set.Pairs = append(set.Pairs[:at], set.Pairs[at+1:]...)
		}
		return
	case AttrAdd:
		old := ""
		if at >= 0 {
			old = set.Pairs[at].Value
		}
		a = &AttrUpdate{Name: a.Name, Value: addScore(old, a.Delta)}
	}
	if at >= 0 {
		set.Pairs[at].Value, set.Pairs[at].HasValue = a.Value, true
		return
	}
	set.Pairs = append(set.Pairs, cib.NVPair{ID: set.ID + "-" + a.Name, Name: a.Name, Value: a.Value, HasValue: true})
}

// addScore adds delta to a fail count as Pacemaker does: saturating at
// INFINITY (1000000), an unparsable old value counting as 0.
func addScore(old string, delta int64) string {
	const inf = 1000000
	var v int64
	switch old {
	case "INFINITY", "+INFINITY":
		v = inf
	case "-INFINITY":
		v = -inf
	default:
		v, _ = strconv.ParseInt(old, 10, 64)
	}
	switch {
	case delta > 0 && v > math.MaxInt64-delta:
		v = inf
	case delta < 0 && v < math.MinInt64-delta:
		v = -inf
	default:
		v += delta
	}
	switch {
	case v >= inf:
		return "INFINITY"
	case v <= -inf:
		return "-INFINITY"
	}
	return strconv.FormatInt(v, 10)
}

// ApplyStatus applies updates to c as the replicated state machine does,
// num_updates aside; a bad update is refused before anything changes.
// For tests and tools that keep a CIB without raft (the coordinator's
// fake store).
func ApplyStatus(c *cib.CIB, updates ...StatusUpdate) error {
	for i := range updates {
		if err := updates[i].check(); err != nil {
			return err
		}
	}
	for i := range updates {
		applyStatus(c, &updates[i])
	}
	return nil
}

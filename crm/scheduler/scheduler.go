// Package scheduler is pacer's policy engine: a pure, deterministic function
// from a CIB (configuration and status) and a point in time to a transition,
// the actions that take the cluster from its current state to the state the
// configuration asks for, with their ordering edges and the allocation
// scores that explain every placement.
//
// It follows Pacemaker 2.1.5's scheduler (pacemaker-schedulerd) so that it
// makes the same decisions on the same input. The stages each have a file:
// unpack (node and resource state from the status section), location,
// colocation, allocate, actions, order and graph (the order crm_simulate's
// simulated executor runs the transition in). No I/O, no logging, no clock.
package scheduler

import (
	"fmt"
	"strconv"
	"time"

	"pacer/crm/cib"
)

// Input is what the scheduler decides on.
type Input struct {
	CIB *cib.CIB
	// Now is "now" for rules and failure timeouts. When zero, the CIB's
	// execution-date is used; when that is absent too, the Unix epoch
	// (the scheduler never reads the wall clock).
	Now time.Time
	// LiveCIB says the CIB is the cluster's own. By default the scheduler
	// treats it as crm_simulate does, as a possibly sanitized copy (a
	// troubleshooting report masks passwords): an operation whose
	// parameters differ only in private ones (op-secure-digest still
	// matches) is not taken as a definition change.
	LiveCIB bool
	// Explain records why each resource has its allocation score on
	// each node (Transition.Explanations). It costs time and memory on
	// big clusters, so it is off unless asked for.
	Explain bool
}

// ActionKind says what executes an action.
type ActionKind int

const (
	// ResourceAction runs on a node through the executor.
	ResourceAction ActionKind = iota
	// PseudoAction is bookkeeping (group and clone start/running ...).
	PseudoAction
	// ClusterAction is a controller action: do_shutdown, clear_failcount.
	ClusterAction
	// FenceAction fences a node.
	FenceAction
)

// Action is one action of a transition.
type Action struct {
	ID  int    // position in the graph (synapse id)
	Key string // operation key, e.g. rsc1_start_0
	// HistoryKey is the operation key under the name the resource's
	// history was found under, when that differs from its id (an
	// anonymous clone instance, rsc:N, found as rsc): crm_simulate shows
	// a pseudo-action by it.
	HistoryKey string
	Rsc        string // resource id, empty for node actions
	// RscName is the name crm_simulate shows for the resource: for an
	// anonymous clone instance the graph carries the configured
	// (instance-free) id, shown when some resource's id or history
	// name is that id, and otherwise the instance id.
	RscName string
	// ExecID and ExecLongID name the resource for the node that runs
	// the action, as Pacemaker's graph does (add_resource_details): an
	// anonymous clone instance goes by its configured, instance-free id
	// (ExecLongID the name its history was found under, or the instance
	// id); an orphaned instance by its history name; anything else by
	// its id (ExecLongID empty). The node uses ExecID if its executor
	// knows it or knows neither, else ExecLongID, so an instance's
	// history stays under one name whichever DC placed it.
	ExecID, ExecLongID string
	Task               string // start, stop, monitor, ...
	Interval           time.Duration
	Node               string // node name, empty for pseudo actions
	Kind               ActionKind
	// Inputs are the ids of the actions that must complete first.
	Inputs []int
	// Reason is why the action is needed, when Pacemaker records one.
	Reason string
	// Meta holds extra variables for the agent: notify_type,
	// notify_operation and the notify_*_resource / notify_*_uname lists
	// of a notification.
	Meta map[string]string
}

// NodeChange is a scheduled node action: Action is "Fence (reboot)".
type NodeChange struct {
	Action, Node, Reason string
}

// Edge is an ordering edge between two actions of the graph.
type Edge struct {
	First, Then int
}

// NodeScore is one allocation score with the stage that printed it.
type NodeScore struct {
	// Stage is pcmk__primitive_assign, pcmk__group_assign,
	// pcmk__clone_allocate, or "promotion" for a promotable instance's
	// promotion score (Node "none" when it is not assigned).
	Stage string
	Rsc   string
	Node  string
	Score cib.Score
}

// Transition is the scheduler's result.
type Transition struct {
	// Actions in graph (synapse) order.
	Actions []*Action
	Edges   []Edge
	// NodeChanges are the node actions of the Transition Summary
	// (fencing), before the resource lines.
	NodeChanges []NodeChange
	// Summary is the Transition Summary: one line per resource change.
	Summary []SummaryLine
	// Now is the time the scheduler used.
	Now time.Time
	// ExecutionDate is set when Now came from the CIB's execution-date.
	ExecutionDate bool
	// Instances counts the primitive instances; Disabled those with
	// target-role=Stopped and Blocked those blocked from further action
	// (crm_simulate reports them when either is non-zero).
	Instances, Disabled, Blocked int

	ws *workingSet
}

// Schedule computes the transition for in.
func Schedule(in Input) (*Transition, error) {
	if in.CIB == nil {
		return nil, fmt.Errorf("schedule: no CIB")
	}
	now, fromCIB := in.Now, false
	if now.IsZero() {
		if s := in.CIB.ExecutionDate; s != "" {
			secs, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("schedule: execution-date %q: %w", s, err)
			}
			now, fromCIB = time.Unix(secs, 0).UTC(), true
		} else {
			now = time.Unix(0, 0).UTC()
		}
	}
	ws, err := unpack(in.CIB, now, in.Explain)
	if err != nil {
		return nil, err
	}
	ws.liveCIB = in.LiveCIB
	inst, dis, blk := ws.countInstances()
	ws.applyLocations()
	ws.traced(func() string { return "resource-stickiness (where it is active)" }, ws.allResources(), ws.applyStickiness)
	ws.traced(func() string { return "fail count reached migration-threshold" }, ws.allResources(), ws.applyFailureThresholds)
	// User orderings are unpacked before the internal ones, as
	// pcmk__unpack_constraints runs before pcmk__create_internal_
	// constraints: the order they are applied in decides which exist
	// when an ordering looks for its actions.
	ws.unpackOrders()
	ws.internalConstraints()
	ws.checkConfigChanges()
	ws.unpackColocations()
	ws.allocateAll()
	ws.createActions()
	ws.applyOrderings()
	ws.updateActions()
	t := &Transition{Now: now, ExecutionDate: fromCIB, Instances: inst, Disabled: dis, Blocked: blk, ws: ws}
	ws.buildGraph(t)
	t.NodeChanges = ws.nodeChanges()
	t.Summary = ws.summary()
	return t, nil
}

// Scores are the allocation scores in the order they were computed. They
// are kept compact while scheduling and expanded here, on demand: a big
// cluster has a score for every resource on every node.
func (t *Transition) Scores() []NodeScore {
	out := make([]NodeScore, len(t.ws.scores))
	for i, s := range t.ws.scores {
		node := "none"
		if s.node >= 0 {
			node = t.ws.nodes[s.node].name
		}
		out[i] = NodeScore{Stage: s.stage.String(), Rsc: s.rsc.id, Node: node, Score: s.score}
	}
	return out
}

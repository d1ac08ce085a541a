package main

// Synthetic cluster events for `pacer simulate`, as crm_simulate's
// --node-up, --node-down, --node-fail, --op-inject and --op-fail: changes
// to the status section of the CIB the scheduler then runs on (never to
// the cluster's own CIB), or failures of the simulated transition's
// actions.

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"pacer/crm/cib"
	"pacer/crm/scheduler"
	"pacer/resources"
)

// opSpec is an operation result to inject or fail, crm_simulate's
// ${resource}_${task}_${interval_in_ms}@${node}=${rc}, e.g.
// web_monitor_10000@alpha=7.
type opSpec struct {
	Spec       string
	Rsc, Task  string
	IntervalMS int64
	Node       string
	RC         int
}

// Key is the operation key, RSC_TASK_INTERVAL.
func (o opSpec) Key() string {
	return o.Rsc + "_" + o.Task + "_" + strconv.FormatInt(o.IntervalMS, 10)
}

// tasks with an underscore, which the key's last underscores do not
// separate.
var underscoreTasks = []string{"migrate_to", "migrate_from"}

// parseOpSpec parses RSC_TASK_INTERVAL@NODE=RC.
func parseOpSpec(s string) (opSpec, error) {
	bad := func(format string, args ...any) (opSpec, error) {
		return opSpec{}, fmt.Errorf("operation %q: %s (want RSC_TASK_INTERVAL@NODE=RC, e.g. web_monitor_10000@alpha=7)",
			s, fmt.Sprintf(format, args...))
	}
	at := strings.IndexByte(s, '@')
	if at < 0 {
		return bad("no @NODE")
	}
	key, rest := s[:at], s[at+1:]
	eq := strings.LastIndexByte(rest, '=')
	if eq < 0 {
		return bad("no =RC")
	}
	node, rcText := rest[:eq], rest[eq+1:]
	if node == "" {
		return bad("no node before =")
	}
	rc, err := strconv.Atoi(rcText)
	if err != nil || rc < 0 || rc > 255 {
		return bad("rc %q: want a number from 0 to 255 (7 is not running, 1 a generic error)", rcText)
	}
	us := strings.LastIndexByte(key, '_')
	if us < 0 {
		return bad("no _INTERVAL in %q", key)
	}
	interval, err := strconv.ParseInt(key[us+1:], 10, 64)
	if err != nil || interval < 0 {
		return bad("interval %q: want milliseconds, e.g. 0 or 10000", key[us+1:])
	}
	head := key[:us]
	task := ""
	for _, t := range underscoreTasks {
		if strings.HasSuffix(head, "_"+t) {
			task = t
		}
	}
	if task == "" {
		us = strings.LastIndexByte(head, '_')
		if us < 0 {
			return bad("no _TASK in %q", key)
		}
		task = head[us+1:]
	}
	rsc := strings.TrimSuffix(head, "_"+task)
	if rsc == "" || task == "" {
		return bad("no resource or task in %q", key)
	}
	return opSpec{Spec: s, Rsc: rsc, Task: task, IntervalMS: interval, Node: node, RC: rc}, nil
}

// injections are the events to simulate.
type injections struct {
	NodeUp, NodeDown, NodeFail []string
	OpInject, OpFail           []opSpec
}

func (inj injections) empty() bool {
	return len(inj.NodeUp)+len(inj.NodeDown)+len(inj.NodeFail)+len(inj.OpInject)+len(inj.OpFail) == 0
}

// parseInjections parses the flags' values; every bad one is reported.
func parseInjections(up, down, fail, inject, opFail []string) (injections, error) {
	inj := injections{NodeUp: up, NodeDown: down, NodeFail: fail}
	var errs []string
	for _, s := range inject {
		o, err := parseOpSpec(s)
		if err != nil {
			errs = append(errs, "--op-inject "+err.Error())
			continue
		}
		inj.OpInject = append(inj.OpInject, o)
	}
	for _, s := range opFail {
		o, err := parseOpSpec(s)
		if err != nil {
			errs = append(errs, "--op-fail "+err.Error())
			continue
		}
		inj.OpFail = append(inj.OpFail, o)
	}
	if len(errs) > 0 {
		return injections{}, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return inj, nil
}

// nodeNames lists the CIB's nodes, configured or with a status entry.
func nodeNames(c *cib.CIB) []string {
	var out []string
	seen := map[string]bool{}
	add := func(n string) {
		if n != "" && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	for _, n := range c.Configuration.Nodes {
		if n.Uname != "" {
			add(n.Uname)
		} else {
			add(n.ID)
		}
	}
	for _, ns := range c.Status.Nodes {
		add(ns.Uname)
	}
	return out
}

// injectNodeState returns the status entry of node, creating it (with the
// configured id) when the node has none yet, as pcmk__inject_node does.
func injectNodeState(c *cib.CIB, node string) (*cib.NodeState, error) {
	for i := range c.Status.Nodes {
		if c.Status.Nodes[i].Uname == node {
			return &c.Status.Nodes[i], nil
		}
	}
	for _, n := range c.Configuration.Nodes {
		if n.Uname == node || (n.Uname == "" && n.ID == node) {
			c.Status.Nodes = append(c.Status.Nodes, cib.NodeState{ID: n.ID, Uname: node})
			return &c.Status.Nodes[len(c.Status.Nodes)-1], nil
		}
	}
	return nil, fmt.Errorf("no node %q (nodes: %s)", node, strings.Join(nodeNames(c), ", "))
}

// setMembership is pcmk__inject_node_state_change: a node that joined
// (up) or left cleanly.
func setMembership(ns *cib.NodeState, up bool) {
	if up {
		ns.InCCM, ns.Crmd, ns.Join, ns.Expected = "true", "online", "member", "member"
		return
	}
	ns.InCCM, ns.Crmd, ns.Join, ns.Expected = "false", "offline", "down", "down"
}

// findPrimitive returns the configured primitive an injected operation
// names (RSC, or RSC:N for a clone instance).
func findPrimitive(c *cib.CIB, id string) *cib.Resource {
	base := id
	if i := strings.LastIndexByte(id, ':'); i > 0 {
		base = id[:i]
	}
	r := findConfigured(c.Configuration.Resources, base)
	if r == nil || len(r.Children) > 0 {
		return nil
	}
	return r
}

// apply changes c's status as the injections say, in crm_simulate's
// order (nodes up, down, failed, then operations), and returns the
// modification lines crm_simulate prints. A node or resource that does
// not exist is an error and c may be half changed: the caller drops it.
func (inj injections) apply(c *cib.CIB, now time.Time) ([]string, error) {
	var mods []string
	for _, n := range inj.NodeUp {
		ns, err := injectNodeState(c, n)
		if err != nil {
			return nil, fmt.Errorf("--node-up: %w", err)
		}
		setMembership(ns, true)
		mods = append(mods, "Bringing node "+n+" online")
	}
	for _, n := range inj.NodeDown {
		ns, err := injectNodeState(c, n)
		if err != nil {
			return nil, fmt.Errorf("--node-down: %w", err)
		}
		setMembership(ns, false)
		// A node that left has no resource history and no transient
		// attributes any more.
		ns.LRM, ns.Transient, ns.HasTransient = nil, nil, false
		mods = append(mods, "Taking node "+n+" offline")
	}
	for _, n := range inj.NodeFail {
		ns, err := injectNodeState(c, n)
		if err != nil {
			return nil, fmt.Errorf("--node-fail: %w", err)
		}
		// Its controller was up but the node left the membership:
		// unclean, to be fenced.
		setMembership(ns, true)
		ns.InCCM = "false"
		mods = append(mods, "Failing node "+n)
	}
	for _, o := range inj.OpInject {
		if err := injectOp(c, o, now); err != nil {
			return nil, fmt.Errorf("--op-inject %s: %w", o.Spec, err)
		}
		mods = append(mods, "Injecting "+o.Spec+" into the configuration")
	}
	return mods, nil
}

// injectOp records the result of o in the node's resource history, and
// counts it as a failure (fail count and last-failure time) when it is
// one, as pacerd's DC commits a result a node reports.
func injectOp(c *cib.CIB, o opSpec, now time.Time) error {
	r := findPrimitive(c, o.Rsc)
	if r == nil {
		return fmt.Errorf("no primitive %q (resources: %s)", o.Rsc, strings.Join(resourceIDs(c.Configuration.Resources), ", "))
	}
	ns, err := injectNodeState(c, o.Node)
	if err != nil {
		return err
	}
	if ns.LRM == nil {
		ns.LRM = &cib.LRM{ID: ns.ID}
	}
	var lr *cib.LRMResource
	for i := range ns.LRM.Resources {
		if ns.LRM.Resources[i].ID == o.Rsc {
			lr = &ns.LRM.Resources[i]
		}
	}
	if lr == nil {
		ns.LRM.Resources = append(ns.LRM.Resources, cib.LRMResource{ID: o.Rsc, Class: r.Class, Provider: r.Provider, Type: r.Type})
		lr = &ns.LRM.Resources[len(ns.LRM.Resources)-1]
	}
	callID := 0
	var digests *cib.LRMOp
	for i, op := range lr.Ops {
		if n, err := strconv.Atoi(op.CallID); err == nil && n > callID {
			callID = n
		}
		// The operation's definition is unchanged: its digests are
		// those of its last record (the same operation, or the last
		// one-shot operation of the same task).
		if op.OperationKey == o.Key() || (digests == nil && o.IntervalMS == 0 && op.Operation == o.Task) {
			digests = &lr.Ops[i]
		}
	}
	rec := resources.Record{Rsc: o.Rsc, Class: r.Class, Provider: r.Provider, Type: r.Type, Action: o.Task,
		Interval: time.Duration(o.IntervalMS) * time.Millisecond, CallID: callID + 1, RC: o.RC,
		Status: resources.StatusDone, TargetRC: 0, LastRun: now, LastRCChange: now}
	if o.Task == "monitor" && o.IntervalMS == 0 && o.RC == 7 {
		rec.TargetRC = 7 // a probe that finds it stopped: expected
	}
	// The executor's key for an operation no transition asked for.
	rec.TransitionKey = fmt.Sprintf("%d:-1:%d:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", rec.CallID, rec.TargetRC)
	if digests != nil {
		rec.OpDigest, rec.RestartDigest, rec.ForceRestart = digests.OpDigest, digests.OpRestartDigest, digests.OpForceRestart
		rec.SecureDigest, rec.SecureParams = digests.OpSecureDigest, digests.OpSecureParams
	}
	for _, op := range rec.LRMOps(o.Node) {
		replaced := false
		for i := range lr.Ops {
			if lr.Ops[i].ID == op.ID {
				lr.Ops[i], replaced = op, true
			}
		}
		if !replaced {
			lr.Ops = append(lr.Ops, op)
		}
	}
	if !rec.Failed() {
		return nil
	}
	// The fail count of the operation (INFINITY for a failed start,
	// unless start-failure-is-fatal=false) and its last-failure time.
	suffix := o.Rsc + "#" + o.Task + "_" + strconv.FormatInt(o.IntervalMS, 10)
	if i := strings.LastIndexByte(o.Rsc, ':'); i > 0 {
		suffix = o.Rsc[:i] + "#" + o.Task + "_" + strconv.FormatInt(o.IntervalMS, 10)
	}
	count := "1"
	if o.Task == "start" && startFailureIsFatal(c) {
		count = "INFINITY"
	}
	set := transientSet(ns)
	found := false
	for i := range set.Pairs {
		if set.Pairs[i].Name == "fail-count-"+suffix {
			found = true
			if count != "INFINITY" {
				old, _ := cib.ParseScore(set.Pairs[i].Value)
				count = cib.Score(int64(old) + 1).String()
			}
			set.Pairs[i].Value = count
		}
	}
	if !found {
		set.Pairs = append(set.Pairs, cib.NVPair{ID: "status-" + ns.ID + "-fail-count-" + suffix, Name: "fail-count-" + suffix, Value: count, HasValue: true})
	}
	last := strconv.FormatInt(now.Unix(), 10)
	found = false
	for i := range set.Pairs {
		if set.Pairs[i].Name == "last-failure-"+suffix {
			set.Pairs[i].Value, found = last, true
		}
	}
	if !found {
		set.Pairs = append(set.Pairs, cib.NVPair{ID: "status-" + ns.ID + "-last-failure-" + suffix, Name: "last-failure-" + suffix, Value: last, HasValue: true})
	}
	return nil
}

// transientSet is the node's transient attribute set, created if needed.
func transientSet(ns *cib.NodeState) *cib.NVSet {
	if len(ns.Transient) == 0 {
		ns.HasTransient = true
		if ns.TransientID == "" {
			ns.TransientID = ns.ID
		}
		ns.Transient = []cib.NVSet{{Kind: cib.InstanceAttributes, ID: "status-" + ns.ID}}
	}
	return &ns.Transient[0]
}

func startFailureIsFatal(c *cib.CIB) bool {
	for _, set := range c.Configuration.CRMConfig {
		for _, p := range set.Pairs {
			if p.Name == "start-failure-is-fatal" {
				v := strings.ToLower(p.Value)
				return !(v == "false" || v == "no" || v == "0" || v == "off" || v == "n")
			}
		}
	}
	return true
}

// failer is simout's Fail for the --op-fail specs: an action fails when
// its resource (or the clone instance's configured id), task, interval
// and node match.
func failer(specs []opSpec) func(a *scheduler.Action) (int, bool) {
	if len(specs) == 0 {
		return nil
	}
	return func(a *scheduler.Action) (int, bool) {
		if a.Kind != scheduler.ResourceAction {
			return 0, false
		}
		for _, o := range specs {
			base := a.Rsc
			if i := strings.LastIndexByte(base, ':'); i > 0 {
				base = base[:i]
			}
			if (o.Rsc == a.Rsc || o.Rsc == base || o.Rsc == a.RscName) && o.Task == a.Task &&
				o.IntervalMS == a.Interval.Milliseconds() && o.Node == a.Node {
				return o.RC, true
			}
		}
		return 0, false
	}
}

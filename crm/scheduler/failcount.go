package scheduler

import (
	"strconv"
	"strings"
	"time"

	"pacer/crm/cib"
)

// failCount is pe_get_failcount with pe_fc_effective: the sum of the
// node's fail-count-RSC and fail-count-RSC#OP_INTERVAL attributes (an
// anonymous clone instance counts under its configured id), zero when
// failure-timeout is set and every failure (the latest last-failure) is
// older than it.
func (ws *workingSet) failCount(r *resource, n *node) cib.Score {
	f := n.failuresOf(r)
	count, last := f.count, f.last
	if count > 0 && last > 0 && !ws.blockFailure(r, n) {
		if timeout := r.failureTimeout(); timeout > 0 && ws.now.Unix() > last+int64(timeout/time.Second) {
			return 0
		}
	}
	return count
}

// failEntry is a resource's failures on a node, from its attributes.
type failEntry struct {
	count cib.Score // fail-count-RSC plus every fail-count-RSC#OP_INTERVAL
	last  int64     // the latest last-failure-RSC[#OP_INTERVAL]
}

// failures indexes the node's fail-count and last-failure attributes by
// resource name, once: looking them up per resource would scan every
// attribute of the node for each resource.
func (n *node) failures() map[string]failEntry {
	if n.failIndex != nil {
		return n.failIndex
	}
	n.failIndex = map[string]failEntry{}
	n.anonFailIndex = map[string]failEntry{}
	for k, v := range n.attrs {
		var prefix string
		switch {
		case strings.HasPrefix(k, "fail-count-"):
			prefix = "fail-count-"
		case strings.HasPrefix(k, "last-failure-"):
			prefix = "last-failure-"
		default:
			continue
		}
		name := k[len(prefix):]
		if i := strings.IndexByte(name, '#'); i >= 0 {
			name = name[:i]
		}
		if !matchesFailAttr(k, prefix, name) {
			continue
		}
		add := func(index map[string]failEntry, name string) {
			e := index[name]
			if prefix == "fail-count-" {
				if sc, err := cib.ParseScore(v); err == nil {
					e.count = e.count.Add(sc)
				}
			} else if t, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && t > e.last {
				e.last = t
			}
			index[name] = e
		}
		add(n.failIndex, name)
		add(n.anonFailIndex, stripInstanceNumber(name))
	}
	return n.failIndex
}

// matchesFailAttr says attr is prefix+rsc, optionally followed by
// "#op_interval".
func matchesFailAttr(attr, prefix, rsc string) bool {
	rest, ok := strings.CutPrefix(attr, prefix+rsc)
	if !ok {
		return false
	}
	if rest == "" {
		return true
	}
	if rest[0] != '#' {
		return false
	}
	i := strings.LastIndexByte(rest, '_')
	if i < 2 {
		return false
	}
	_, err := strconv.ParseUint(rest[i+1:], 10, 64)
	return err == nil
}

// failureTimeout is the resource's failure-timeout meta attribute.
func (r *resource) failureTimeout() time.Duration {
	v := r.meta["failure-timeout"]
	if v == "" {
		return 0
	}
	d, err := cib.ParseInterval(v)
	if err != nil {
		return 0
	}
	return d
}

// migrationThreshold is the migration-threshold meta attribute
// (default INFINITY; 0 means never move away).
func (r *resource) migrationThreshold() cib.Score {
	v := r.meta["migration-threshold"]
	if v == "" {
		return infinity
	}
	s, err := cib.ParseScore(v)
	if err != nil {
		return infinity
	}
	return s
}

// applyFailureThresholds is check_failure_threshold for every node and
// primitive: once a resource's fail count on a node reaches its
// migration-threshold, the resource (for an anonymous clone instance,
// the whole clone) is banned from that node.
func (ws *workingSet) applyFailureThresholds() {
	prims := ws.primitivesInOrder()
	for _, n := range ws.nodes {
		for _, r := range prims {
			th := r.migrationThreshold()
			if th <= 0 {
				continue
			}
			// failcount_clear_action_exists: a fail count that is about
			// to be cleared does not force the resource away.
			if ws.findAction(r, opKey(r.id, "clear_failcount", 0), n) != nil {
				continue
			}
			fc := ws.failCount(r, n)
			if fc <= 0 || th-fc > 0 {
				continue
			}
			ban := r
			if r.parent != nil && r.parent.anonymous() {
				ban = r.parent
			}
			ban.addLocation(n, -infinity)
		}
	}
}

// opFailed says a history entry records a failure: an rc other than the
// one its transition expected (a stop, start or migrate_from other than
// 0; a monitor other than 0, 7 and 8, or a recurring monitor finding the
// resource in the state it was not expected in).
func opFailed(o lrmOp) bool {
	if o.rc == 7 && expectedRC(o.op) == 7 {
		return false
	}
	switch o.task {
	case "notify":
		return false
	case "stop", "start", "migrate_from", "promote", "demote":
		return o.rc != 0
	case "monitor":
		switch o.rc {
		case 0, 190:
			return o.interval > 0 && expectedRC(o.op) == 7
		case 7:
			return o.interval > 0 && expectedRC(o.op) >= 0 && expectedRC(o.op) != 7
		case 8, 191:
			return false
		}
		return true
	}
	// Any other operation (migrate_to, reload, an unknown task) expects 0.
	return o.rc != 0
}

// checkExpiry is check_operation_expiry: an operation older than the
// resource's failure-timeout expires when no unexpired failure is left
// (the fail count is then cleared, "it expired"); the last failure of a
// start or monitor whose parameters have changed since clears the fail
// count too. A probe that found a definite state never expires.
func (ws *workingSet) checkExpiry(r *resource, n *node, o *lrmOp) bool {
	expired := false
	var unexpired cib.Score
	if ft := r.failureTimeout(); ft > 0 && o.op.LastRCChange != "" {
		if last, err := strconv.ParseInt(strings.TrimSpace(o.op.LastRCChange), 10, 64); err == nil {
			if ws.now.Unix() >= last+int64(ft/time.Second) {
				expired = true
			}
			unexpired = ws.failCount(r, n)
		}
	}
	reason := ""
	if expired {
		if ws.rawFailCount(r, n) > 0 {
			if unexpired == 0 {
				reason = "it expired"
			} else {
				expired = false
			}
		}
	}
	if !expired && strings.HasSuffix(o.op.ID, "_last_failure_0") && (o.task == "start" || o.task == "monitor") {
		if res, _ := ws.compareDigests(r, n, *o); res != digestMatch && res != digestUnknown {
			reason = "resource parameters have changed"
		}
	}
	if reason != "" {
		ws.clearFailcount(r, n)
	}
	if expired && o.interval == 0 && o.task == "monitor" {
		switch o.rc {
		case 0, 7, 8, 190, 191:
			expired = false
		}
	}
	return expired
}

// rawFailCount is pe_get_failcount without failure-timeout.
func (ws *workingSet) rawFailCount(r *resource, n *node) cib.Score {
	return n.failuresOf(r).count
}

// failuresOf is r's entry in n's failures, under rsc_fail_name: the id,
// or for an instance of an anonymous clone (or a member of one) the id
// without its ":N", matching attributes with or without an instance
// number (generate_fail_regex's "(:[0-9]+)?": an anonymous clone's fail
// counts may carry one from when it was globally unique, or from the
// instance that failed).
func (n *node) failuresOf(r *resource) failEntry {
	n.failures()
	if top := r.top(); top != r && top.anonymous() {
		return n.anonFailIndex[cloneStrip(r.id)]
	}
	return n.failIndex[r.id]
}

// clearFailcount is pe__clear_failcount: a controller action clearing the
// resource's fail count on the node.
func (ws *workingSet) clearFailcount(r *resource, n *node) {
	a := ws.customAction(r, opKey(r.id, "clear_failcount", 0), "clear_failcount", n, false)
	a.cluster = true
	a.flags |= flagRunnable
}

// blockFailure is block_failure: failures of an operation configured with
// on-fail=block never expire (failure-timeout does not apply): the
// resource's history on the node holds a failure of an op whose
// configuration says on-fail="block".
func (ws *workingSet) blockFailure(r *resource, n *node) bool {
	for _, op := range ws.configuredOps(r) {
		if !strings.EqualFold(op.OnFail, "block") {
			continue
		}
		iv, _ := cib.ParseInterval(op.Interval)
		for _, o := range r.historyOn(n) {
			if o.task == op.Name && o.interval == iv.Milliseconds() &&
				(opFailed(o) || strings.HasSuffix(o.op.ID, "_last_failure_0")) {
				return true
			}
		}
	}
	return false
}

// stripInstanceNumber drops a ":N" (digits only) from a name.
func stripInstanceNumber(name string) string {
	i := strings.LastIndexByte(name, ':')
	if i < 0 || i == len(name)-1 {
		return name
	}
	for _, c := range name[i+1:] {
		if c < '0' || c > '9' {
			return name
		}
	}
	return name[:i]
}

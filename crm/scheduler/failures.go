package scheduler

import (
	"strconv"
	"strings"
	"time"

	"pacer/crm/cib"
)

// FailedOp is one failed operation of the status section, as crm_mon's
// "Failed Resource Actions" lists it: the history entries that record a
// failure the cluster still acts on (expired failures are left out).
type FailedOp struct {
	// Rsc is the resource as the history names it (an anonymous clone's
	// instance under its configured id); Key the operation key.
	Rsc, Node, Key string
	Task           string
	Interval       time.Duration
	RC             int
	// OpStatus is the executor's op-status: 0 done, 2 timed out, 4
	// error, 5 hard error, 6 fatal error.
	OpStatus   int
	CallID     int
	ExitReason string
	// LastRCChange is when the result last changed; zero when the
	// history does not say.
	LastRCChange   time.Time
	Exec, Queue    time.Duration
	ExpectedRC     int // from the transition key, -1 when unknown
	FailureTimeout time.Duration
	BlocksExpiry   bool // on-fail=block: the failure never expires
	// Ignored: the operation's on-fail is ignore; the failure is shown
	// and counted but the cluster carries on as if it had succeeded.
	Ignored         bool
	CountsByHistory bool // the entry is a <rsc>_last_failure_0 record
}

// FailedOps lists the failed operations in node order, then resource
// order, each operation key once per node (a recurring monitor's entry
// and its last-failure record are one failure).
func (t *Transition) FailedOps() []FailedOp {
	ws := t.ws
	var out []FailedOp
	prims := ws.primitivesInOrder()
	for _, n := range ws.nodes {
		seen := map[string]bool{}
		for _, r := range prims {
			for _, o := range r.historyOn(n) {
				if !opFailure(o) || ws.failureExpired(r, n, o) {
					continue
				}
				name := r.id
				if r.cloneName != "" {
					name = r.cloneName
				}
				key := o.op.OperationKey
				if key == "" {
					key = opKey(name, o.task, time.Duration(o.interval)*time.Millisecond)
				}
				if seen[key] {
					continue
				}
				seen[key] = true
				f := FailedOp{Rsc: name, Node: n.name, Key: key, Task: o.task,
					Interval: time.Duration(o.interval) * time.Millisecond, RC: o.rc, OpStatus: o.status,
					CallID: o.callID, ExitReason: o.op.ExitReason, ExpectedRC: expectedRC(o.op),
					FailureTimeout: r.failureTimeout(), BlocksExpiry: ws.blockFailure(r, n),
					CountsByHistory: strings.HasSuffix(o.op.ID, "_last_failure_0"),
					Ignored:         ws.opOnFail(r, o.task, o.interval) == onFailIgnore}
				if s, err := strconv.ParseInt(strings.TrimSpace(o.op.LastRCChange), 10, 64); err == nil {
					f.LastRCChange = time.Unix(s, 0).UTC()
				}
				f.Exec = time.Duration(atoiDefault(o.op.ExecTime, 0)) * time.Millisecond
				f.Queue = time.Duration(atoiDefault(o.op.QueueTime, 0)) * time.Millisecond
				out = append(out, f)
			}
		}
	}
	return out
}

// opFailure says a completed history entry records a failure: the
// executor reports it timed out or failed hard (op-status 2, 5, 6), or it
// completed (op-status 0, or 4, which old histories record for results
// judged by their rc, as unpack does) with an rc its operation counts as
// a failure (opFailed).
func opFailure(o lrmOp) bool {
	switch o.status {
	case 2, 5, 6:
		return true
	case 0, 4:
		return opFailed(o)
	}
	return false
}

// failureExpired is the time part of checkExpiry without its side
// effects: the failure is older than failure-timeout and no unexpired
// failure keeps the fail count up. A probe that found a definite state
// never expires.
func (ws *workingSet) failureExpired(r *resource, n *node, o lrmOp) bool {
	ft := r.failureTimeout()
	if ft <= 0 || o.op.LastRCChange == "" || ws.blockFailure(r, n) {
		return false
	}
	last, err := strconv.ParseInt(strings.TrimSpace(o.op.LastRCChange), 10, 64)
	if err != nil || ws.now.Unix() < last+int64(ft/time.Second) {
		return false
	}
	if ws.rawFailCount(r, n) > 0 && ws.failCount(r, n) > 0 {
		return false
	}
	if o.interval == 0 && o.task == "monitor" {
		switch o.rc {
		case 0, 7, 8, 190, 191:
			return false
		}
	}
	return true
}

// FailCount is one resource's fail count on one node, as crm_mon's
// "Migration Summary" shows it, with when it expires.
type FailCount struct {
	Rsc, Node string
	// Count is the effective fail count (zero once expired; such
	// entries are not listed); Raw the attributes' sum.
	Count, Raw cib.Score
	// LastFailure is the latest last-failure-RSC; zero when unknown.
	LastFailure time.Time
	// FailureTimeout is the resource's failure-timeout (0: never
	// expires); Expires is LastFailure plus it, zero when the count
	// does not expire (no timeout, on-fail=block, unknown time).
	FailureTimeout time.Duration
	Expires        time.Time
	// MigrationThreshold is the resource's migration-threshold; the
	// resource is banned from the node once Count reaches it.
	MigrationThreshold cib.Score
}

// FailCounts lists the non-zero effective fail counts, by node, then in
// resource order.
func (t *Transition) FailCounts() []FailCount {
	ws := t.ws
	var out []FailCount
	prims := ws.primitivesInOrder()
	for _, n := range ws.nodes {
		fails := n.failures()
		done := map[string]bool{}
		for _, r := range prims {
			name := r.id
			if r.parent != nil && r.parent.anonymous() {
				name = r.parent.clone.base
			}
			f, ok := fails[name]
			if !ok || done[name] || f.count == 0 {
				continue
			}
			done[name] = true
			c := FailCount{Rsc: name, Node: n.name, Count: ws.failCount(r, n), Raw: f.count,
				FailureTimeout: r.failureTimeout(), MigrationThreshold: r.migrationThreshold()}
			if c.Count == 0 {
				continue
			}
			if f.last > 0 {
				c.LastFailure = time.Unix(f.last, 0).UTC()
				if c.FailureTimeout > 0 && !ws.blockFailure(r, n) {
					c.Expires = c.LastFailure.Add(c.FailureTimeout)
				}
			}
			out = append(out, c)
		}
	}
	return out
}

// StonithEnabled is the stonith-enabled cluster property (default true).
func (t *Transition) StonithEnabled() bool { return t.ws.stonithEnabled }

// MaintenanceMode is the maintenance-mode cluster property.
func (t *Transition) MaintenanceMode() bool { return isTrue(t.ws.props["maintenance-mode"]) }

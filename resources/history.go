package resources

import (
	"sort"
	"strconv"
	"time"

	"pacer/crm/cib"
)

// FeatureSet is the crm_feature_set written with every history entry.
// The scheduler reads it to choose how op-secure-digest was computed
// (3.16.0 and later: over every parameter but the secret ones, a
// recurring op's timeout included), which is how this package computes
// it; it is the feature set pacer's CIB files carry.
const FeatureSet = "3.16.2"

// fakeTEID is the transition UUID Pacemaker's controller writes into the
// key of an operation no transition asked for (a probe at start), so the
// entry still has a well-formed transition-key and transition-magic.
const fakeTEID = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"

// Record is one operation result as the executor recorded it: the data
// of an lrm_rsc_op, with durations and times typed. LRMOps writes it in
// the status section's form. A reported record with StatusCancelled is
// a recurring op's end: its entry (OperationKey) left the history.
type Record struct {
	Rsc      string // resource id, "rsc:N" for a clone instance
	Class    string
	Provider string
	Type     string
	Action   string
	Interval time.Duration
	// CallID is the executor's call number: monotonic per executor, and
	// the same for every run of one recurring operation, as in execd.
	CallID   int
	RC       int
	Status   OpStatus
	TargetRC int // the rc the caller expected; decides last_failure
	// ExitReason is the agent's ocf-exit-reason, or why it could not run.
	ExitReason string
	// LastRun is when this execution started; LastRCChange when the op's
	// result last changed (for a one-shot op, LastRun).
	LastRun      time.Time
	LastRCChange time.Time
	ExecTime     time.Duration // running the agent
	QueueTime    time.Duration // waiting behind other ops of the resource
	// TransitionKey comes from the request; the executor makes up
	// Pacemaker's fake key when there was none.
	TransitionKey string
	OpDigest      string
	// RestartDigest and ForceRestart are set for one-shot ops of agents
	// that can reload (ForceRestart may be empty: all reloadable).
	RestartDigest string
	ForceRestart  string
	// SecureDigest and SecureParams are set when the agent has secret
	// parameters.
	SecureDigest string
	SecureParams string
	// MigrateSource and MigrateTarget are a migration's nodes, from the
	// op's migrate_source and migrate_target meta attributes.
	MigrateSource string
	MigrateTarget string
}

// Failed is Pacemaker's did_rsc_op_fail: the op could not run or ran out
// of time, or the agent returned something other than expected. A
// cancelled op has not failed.
func (r Record) Failed() bool {
	switch r.Status {
	case StatusCancelled, StatusPending:
		return false
	case StatusDone:
		return r.RC != r.TargetRC
	}
	return true
}

// OperationKey is Pacemaker's op key, RSC_ACTION_INTERVALMS.
func (r Record) OperationKey() string {
	return opKey(r.Rsc, r.Action, r.Interval)
}

func opKey(rsc, action string, interval time.Duration) string {
	return rsc + "_" + action + "_" + strconv.FormatInt(interval.Milliseconds(), 10)
}

// TransitionMagic is "op-status:rc;transition-key".
func (r Record) TransitionMagic() string {
	return strconv.Itoa(int(r.Status)) + ":" + strconv.Itoa(r.RC) + ";" + r.TransitionKey
}

// HistoryIDs are the ids of the lrm_rsc_op entries this result writes
// (pcmk__create_history_xml): a failure goes to RSC_last_failure_0 and,
// for a one-shot op, to RSC_last_0 as well; a recurring op's success to
// RSC_ACTION_INTERVALMS, leaving that entry's earlier success in place
// when it fails; any other result to RSC_last_0. Migrations keep their own
// entry (RSC_migrate_to_0), failed or not, because the scheduler needs
// both halves. Cancelled ops, notify and meta-data write nothing.
func (r Record) HistoryIDs() []string {
	switch {
	case r.Status == StatusCancelled || !recordable(r.Action):
		return nil
	case isMigration(r.Action):
		return []string{r.OperationKey()}
	case r.Failed() && r.Interval == 0:
		return []string{r.Rsc + "_last_failure_0", r.Rsc + "_last_0"}
	case r.Failed():
		return []string{r.Rsc + "_last_failure_0"}
	case r.Interval > 0:
		return []string{r.OperationKey()}
	}
	return []string{r.Rsc + "_last_0"}
}

func isMigration(action string) bool { return action == "migrate_to" || action == "migrate_from" }

// recordable is controld_action_is_recordable.
func recordable(action string) bool {
	switch action {
	case "cancel", "delete", "notify", "meta-data":
		return false
	}
	return true
}

// LRMOps writes the record as the lrm_rsc_op entries it updates (see
// HistoryIDs); node is their on_node.
func (r Record) LRMOps(node string) []cib.LRMOp {
	ids := r.HistoryIDs()
	out := make([]cib.LRMOp, len(ids))
	for i, id := range ids {
		out[i] = r.LRMOp(id, node)
	}
	return out
}

// LRMOp writes the record as the lrm_rsc_op with the given id (one of
// HistoryIDs); node is its on_node.
func (r Record) LRMOp(id, node string) cib.LRMOp {
	change := r.LastRun
	if r.Interval > 0 && !r.LastRCChange.IsZero() {
		change = r.LastRCChange
	}
	op := cib.LRMOp{
		ID:              id,
		OperationKey:    r.OperationKey(),
		Operation:       r.Action,
		Interval:        strconv.FormatInt(r.Interval.Milliseconds(), 10),
		CallID:          strconv.Itoa(r.CallID),
		RCCode:          strconv.Itoa(r.RC),
		OpStatus:        strconv.Itoa(int(r.Status)),
		TransitionKey:   r.TransitionKey,
		TransitionMagic: r.TransitionMagic(),
		OpDigest:        r.OpDigest,
		OpRestartDigest: r.RestartDigest,
		OpForceRestart:  r.ForceRestart,
		OpSecureDigest:  r.SecureDigest,
		OpSecureParams:  r.SecureParams,
		LastRCChange:    strconv.FormatInt(change.Unix(), 10),
		ExecTime:        strconv.FormatInt(r.ExecTime.Milliseconds(), 10),
		QueueTime:       strconv.FormatInt(r.QueueTime.Milliseconds(), 10),
		OnNode:          node,
		CRMFeatureSet:   FeatureSet,
	}
	if isMigration(r.Action) {
		op.MigrateSource, op.MigrateTarget = r.MigrateSource, r.MigrateTarget
	}
	// Pacemaker writes the exit reason of a failure into every entry
	// that failure writes, last_0 included.
	if r.Failed() {
		op.ExitReason = r.ExitReason
	}
	return op
}

// fakeTransitionKey is pcmk__transition_key(-1, call_id, target_rc,
// FAKE_TE_ID): "CALLID:-1:TARGETRC:xxxxxxxx-...".
func fakeTransitionKey(callID, targetRC int) string {
	return strconv.Itoa(callID) + ":-1:" + strconv.Itoa(targetRC) + ":" + fakeTEID
}

// history is the executor's memory of one resource, the controller's
// rsc_history_t: enough to write the resource's lrm_resource again.
type history struct {
	seen                 bool
	class, provider, typ string
	last, failed         *Record
	recurring            map[string]*Record // by operation key
	migrations           map[string]*Record // by operation key
}

// apply records a result the way the status section would change.
func (h *history) apply(r Record) {
	h.seen = true
	h.class, h.provider, h.typ = r.Class, r.Provider, r.Type
	if !recordable(r.Action) {
		return
	}
	if r.Status == StatusCancelled {
		if r.Interval > 0 {
			delete(h.recurring, r.OperationKey())
		}
		return
	}
	rc := r
	switch {
	case isMigration(r.Action):
		if h.migrations == nil {
			h.migrations = map[string]*Record{}
		}
		h.migrations[r.OperationKey()] = &rc
	case r.Failed():
		h.failed = &rc
		if r.Interval == 0 {
			h.last = &rc
		}
	case r.Interval > 0:
		if h.recurring == nil {
			h.recurring = map[string]*Record{}
		}
		h.recurring[r.OperationKey()] = &rc
	default:
		h.last = &rc
	}
}

// lrm writes the resource's history as an lrm_resource: the last
// failure, the last one-shot result, the migrations, then the recurring
// ops by interval.
func (h *history) lrm(rsc, node string) cib.LRMResource {
	out := cib.LRMResource{ID: rsc, Class: h.class, Provider: h.provider, Type: h.typ}
	if h.failed != nil {
		out.Ops = append(out.Ops, h.failed.LRMOp(rsc+"_last_failure_0", node))
	}
	if h.last != nil {
		out.Ops = append(out.Ops, h.last.LRMOp(rsc+"_last_0", node))
	}
	for _, k := range []string{rsc + "_migrate_from_0", rsc + "_migrate_to_0"} {
		if m := h.migrations[k]; m != nil {
			out.Ops = append(out.Ops, m.LRMOp(k, node))
		}
	}
	keys := make([]string, 0, len(h.recurring))
	for k := range h.recurring {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := h.recurring[keys[i]], h.recurring[keys[j]]
		if a.Interval != b.Interval {
			return a.Interval < b.Interval
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys {
		out.Ops = append(out.Ops, h.recurring[k].LRMOp(k, node))
	}
	return out
}

// known reports whether any result of the resource was recorded.
func (h *history) known() bool { return h.seen }

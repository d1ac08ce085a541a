package daemon

// The pacer CLI's administration requests that are no configuration
// change: `pacer resource cleanup` and `pacer node attribute --lifetime
// reboot` propose status updates (crm/store/status.go); `pacer node
// fence` runs the fencer on this node with the CIB's devices, as
// stonith_admin --fence asks the local fencer.

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"pacer/crm/cib"
	"pacer/crm/store"
	"pacer/fencing"
	"pacer/internal/control"
	"pacer/internal/logfield"
)

// cliBackend serves control.Admin.
type cliBackend struct{ d *Daemon }

var _ control.Admin = cliBackend{}

// nodeID is the configured node id of name, as node_state ids are.
func (b cliBackend) nodeID(name string) (string, bool) {
	if name == b.d.cfg.Node.Name {
		return strconv.FormatUint(b.d.cfg.Node.ID, 10), true
	}
	for _, p := range b.d.cfg.Peers {
		if p.Name == name {
			return strconv.FormatUint(p.ID, 10), true
		}
	}
	return "", false
}

func (b cliBackend) unknownNode(name string) error {
	names := []string{b.d.cfg.Node.Name}
	for _, p := range b.d.cfg.Peers {
		names = append(names, p.Name)
	}
	return fmt.Errorf("%w: no node %q in this cluster (nodes: %s)", control.ErrUnknownNode, name, strings.Join(names, ", "))
}

// historyIDs are the ids a resource's operation history may be kept
// under: its own, its primitives' (a group, a clone) and their clone
// instances' ("d1:0").
func historyIDs(cfg *cib.Configuration, rsc string) (match func(string) bool, found bool) {
	ids := map[string]bool{}
	var add func(r *cib.Resource)
	add = func(r *cib.Resource) {
		ids[r.ID] = true
		for _, ch := range r.Children {
			add(ch)
		}
	}
	var walk func(rs []*cib.Resource)
	walk = func(rs []*cib.Resource) {
		for _, r := range rs {
			if r.ID == rsc {
				add(r)
				found = true
				return
			}
			walk(r.Children)
		}
	}
	walk(cfg.Resources)
	if !found {
		ids[rsc] = true // an orphan: only its history is left
	}
	return func(id string) bool {
		if i := strings.IndexByte(id, ':'); i > 0 {
			id = id[:i]
		}
		return ids[id]
	}, found
}

// Cleanup removes a resource's fail counts, last-failure times and
// failure records (the <id>_last_failure_0 entries and failed recurring
// monitors) on one node or all, in one status update per node, so the
// scheduler counts no failure against it any more. The records of what
// ran last (<id>_last_0) stay: the resource's state is not forgotten.
func (b cliBackend) Cleanup(ctx context.Context, a control.AdminArgs) (control.AdminResult, error) {
	if a.Node != "" {
		if _, ok := b.nodeID(a.Node); !ok {
			return control.AdminResult{}, b.unknownNode(a.Node)
		}
	}
	c, _, err := b.d.store.ReadConfig(ctx)
	if err != nil {
		return control.AdminResult{}, storeErr(err)
	}
	match, configured := historyIDs(&c.Configuration, a.Rsc)
	var updates []store.StatusUpdate
	var removed []string
	seen := false
	for _, ns := range c.Status.Nodes {
		if a.Node != "" && ns.Uname != a.Node {
			continue
		}
		u := store.StatusUpdate{Node: ns.Uname, NodeID: ns.ID}
		for _, set := range ns.Transient {
			for _, p := range set.Pairs {
				for _, prefix := range []string{"fail-count-", "last-failure-"} {
					if !strings.HasPrefix(p.Name, prefix) {
						continue
					}
					id, _, _ := strings.Cut(p.Name[len(prefix):], "#")
					if match(id) {
						u.Attrs = append(u.Attrs, store.AttrUpdate{Name: p.Name, Op: store.AttrDelete})
						removed = append(removed, p.Name+" on "+ns.Uname)
					}
				}
			}
		}
		if ns.LRM != nil {
			for _, r := range ns.LRM.Resources {
				if !match(r.ID) {
					continue
				}
				seen = true
				kept := r
				kept.Ops = nil
				for _, o := range r.Ops {
					if failureRecord(o) {
						removed = append(removed, o.ID+" on "+ns.Uname)
						continue
					}
					kept.Ops = append(kept.Ops, o)
				}
				if len(kept.Ops) != len(r.Ops) {
					u.Resources = append(u.Resources, kept)
				}
			}
		}
		if len(u.Attrs) > 0 || len(u.Resources) > 0 {
			updates = append(updates, u)
		}
	}
	if !configured && !seen && len(removed) == 0 {
		return control.AdminResult{}, fmt.Errorf("%w: no resource %q in the configuration or the status", control.ErrBadRequest, a.Rsc)
	}
	lg := b.d.lg.Named("control")
	if len(updates) == 0 {
		lg.Info("resource cleanup: nothing to clear", logfield.Rsc(a.Rsc), logfield.Node(a.Node))
		return control.AdminResult{}, nil
	}
	v, err := b.d.store.ProposeStatus(ctx, updates...)
	if err != nil {
		return control.AdminResult{}, storeErr(err)
	}
	lg.Info("resource cleaned up", logfield.Rsc(a.Rsc), logfield.Node(a.Node), zap.Strings("removed", removed),
		zap.String("version", v.String()))
	return control.AdminResult{Removed: removed, Version: control.CIB{AdminEpoch: v.AdminEpoch, Epoch: v.Epoch, NumUpdates: v.NumUpdates}}, nil
}

// failureRecord: an operation history entry that records a failure and
// not the resource's current state.
func failureRecord(o cib.LRMOp) bool {
	if strings.HasSuffix(o.ID, "_last_failure_0") {
		return true
	}
	if o.Interval == "" || o.Interval == "0" || o.Operation != "monitor" {
		return false
	}
	return o.RCCode != "0" && o.RCCode != "8" // a failed recurring monitor
}

// StatusAttr sets or deletes a transient node attribute.
func (b cliBackend) StatusAttr(ctx context.Context, a control.AdminArgs) (control.AdminResult, error) {
	id, ok := b.nodeID(a.Node)
	if !ok {
		return control.AdminResult{}, b.unknownNode(a.Node)
	}
	u := store.StatusUpdate{Node: a.Node, NodeID: id}
	if a.Delete {
		u.Attrs = []store.AttrUpdate{{Name: a.Name, Op: store.AttrDelete}}
	} else {
		u.Attrs = []store.AttrUpdate{{Name: a.Name, Op: store.AttrSet, Value: a.Value}}
	}
	v, err := b.d.store.ProposeStatus(ctx, u)
	if err != nil {
		return control.AdminResult{}, storeErr(err)
	}
	f := []zap.Field{logfield.Node(a.Node), zap.String("name", a.Name), zap.String("lifetime", "reboot"), zap.String("version", v.String())}
	if a.Delete {
		b.d.lg.Named("control").Info("node attribute deleted", f...)
	} else {
		b.d.lg.Named("control").Info("node attribute set", append(f, zap.String("value", a.Value))...)
	}
	return control.AdminResult{Version: control.CIB{AdminEpoch: v.AdminEpoch, Epoch: v.Epoch, NumUpdates: v.NumUpdates}}, nil
}

// Fence fences a node on an operator's request: the fencer on this node
// with the CIB's devices and topology, then, once the node is off, the
// same status update the DC commits for a node it fenced (offline, its
// history and transient attributes cleared) so the DC recovers its
// resources without fencing it again.
func (b cliBackend) Fence(ctx context.Context, a control.AdminArgs) (control.AdminResult, error) {
	id, ok := b.nodeID(a.Node)
	if !ok {
		return control.AdminResult{}, b.unknownNode(a.Node)
	}
	if a.Node == b.d.cfg.Node.Name {
		return control.AdminResult{}, fmt.Errorf("%w: %s cannot fence itself: ask another node's pacerd", control.ErrBadRequest, a.Node)
	}
	runner, err := agentRunner(b.d.clk, b.d.cfg.Socket)
	if err != nil {
		return control.AdminResult{}, fmt.Errorf("%w: fence %s: %v", control.ErrInternal, a.Node, err)
	}
	f, err := fencing.New(fencing.Config{Node: b.d.cfg.Node.Name}, runner, b.d.clk, b.d.lg)
	if err != nil {
		return control.AdminResult{}, fmt.Errorf("%w: fence %s: %v", control.ErrInternal, a.Node, err)
	}
	lg := b.d.lg.Named("control")
	start := b.d.clk.Now()
	lg.Info("fencing requested", logfield.Node(a.Node), logfield.Op(a.Action), logfield.Reason("pacer node fence"))
	const reason = "pacer node fence"
	res, err := cibFencer{f: f, s: b.d.store}.Fence(ctx, fencing.Request{Target: a.Node, TargetID: id, Action: a.Action,
		Origin: b.d.cfg.Node.Name, Reason: reason})
	if err != nil {
		// not in the fencing history: pacer has no command to clear a
		// failed fencing from it, and status would warn until the next
		// fencing of the node succeeded
		lg.Error("fencing failed", logfield.Node(a.Node), logfield.Op(a.Action), zap.Error(err))
		return control.AdminResult{}, fmt.Errorf("%w: %v", control.ErrUnavailable, err) // err names the node: "fence NODE ..."
	}
	// the fencing goes into the status section's history with the node
	// recorded down, as the DC's do, so pacer status shows it on every node
	ev := manualFenceEvent(a.Node, a.Action, b.d.cfg.Node.Name, reason, res, start, b.d.clk.Now())
	lg.Info("fencing succeeded", logfield.Node(a.Node), logfield.Op(a.Action), zap.Strings("devices", res.Devices),
		zap.String("executor", res.Executor), logfield.Duration(b.d.clk.Since(start)))
	out := control.AdminResult{Devices: res.Devices, Executor: res.Executor}
	u := store.StatusUpdate{Node: a.Node, NodeID: id, ClearLRM: true, ClearAttrs: true,
		State: &store.NodeMembership{InCCM: "false", Crmd: "offline", Join: "down", Expected: "down"}, Fence: &ev}
	v, err := b.d.store.ProposeStatus(ctx, u)
	if err != nil {
		return out, fmt.Errorf("%w: %s was fenced (devices %s), but recording it failed: %v; the DC will see it lost",
			control.ErrUnavailable, a.Node, strings.Join(res.Devices, ","), storeErr(err))
	}
	out.Version = control.CIB{AdminEpoch: v.AdminEpoch, Epoch: v.Epoch, NumUpdates: v.NumUpdates}
	return out, nil
}

// manualFenceEvent is the fencing history's entry for an operator's
// successful fencing (pacer node fence) of target, asked on origin, with
// the devices that did it.
func manualFenceEvent(target, action, origin, reason string, res fencing.Result, started, completed time.Time) cib.FenceEvent {
	if res.Action != "" {
		action = res.Action
	}
	if action == "" {
		action = "reboot"
	}
	ev := cib.FenceEvent{ID: "fence-" + target + "-" + strconv.FormatInt(started.UnixMilli(), 10), Target: target,
		Action: action, State: "success", Origin: origin, Executor: res.Executor, Reason: reason,
		Devices: strings.Join(res.Devices, " "), Started: started.UTC().Format(cib.FenceTimeLayout),
		Completed: completed.UTC().Format(cib.FenceTimeLayout)}
	return ev
}

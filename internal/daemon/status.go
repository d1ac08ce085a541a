package daemon

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"pacer/crm/cib"
	"pacer/crm/status"
	"pacer/internal/cluster"
	"pacer/internal/control"
	"pacer/membership"
)

// statusSource answers the control socket's status request: the
// pacer-status/1 document of this node's view of the cluster.
type statusSource struct{ d *Daemon }

var _ control.StatusSource = statusSource{}

// Status builds the report from this node's applied CIB (a local read:
// status must answer on a node cut off from the DC, and says "local copy"),
// its membership, the DC it knows and the quorum policy.
func (s statusSource) Status(ctx context.Context) ([]byte, error) {
	snap, err := s.d.statusSnapshot(ctx)
	if err != nil {
		return nil, err
	}
	r, err := status.Build(snap)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", control.ErrInternal, err)
	}
	var b bytes.Buffer
	if err := status.WriteJSON(&b, r, false); err != nil {
		return nil, fmt.Errorf("%w: encode status: %v", control.ErrInternal, err)
	}
	return bytes.TrimSpace(b.Bytes()), nil
}

// statusSnapshot gathers what the status report is made of. The fencing
// history is the status section's (the DCs commit each fencing there);
// the actions in flight are left unknown (PendingKnown false): this
// pacerd does not collect them yet, and the report says "not known"
// rather than "none".
func (d *Daemon) statusSnapshot(ctx context.Context) (status.Snapshot, error) {
	c, v, err := d.store.Local()
	if err != nil {
		return status.Snapshot{}, storeErr(err)
	}
	ni, err := controlBackend{d, d.attrs}.NodeInfo(ctx)
	if err != nil {
		return status.Snapshot{}, err
	}
	snap := status.Snapshot{Cluster: d.cfg.Cluster, Node: d.cfg.Node.Name, Quorum: ni.Quorum, CIB: c,
		CIBVersion: status.Version{AdminEpoch: v.AdminEpoch, Epoch: v.Epoch, NumUpdates: v.NumUpdates},
		CIBSource:  "local", Now: d.clk.Now()}
	if ni.DC != "" {
		snap.DC = &status.DC{Name: ni.DC, ID: ni.DCID, Term: ni.Term}
	}
	snap.Members = statusMembers(d.membership.View(), ni.Members, d.cfg.Node.ID)
	snap.Fencing, snap.FencingKnown = statusFencing(c.Status.Fencing), true
	return snap, nil
}

// statusFencing is the status section's fencing history for the report.
// A time that does not parse is left out (unknown).
func statusFencing(evs []cib.FenceEvent) []status.FenceEvent {
	out := make([]status.FenceEvent, 0, len(evs))
	for _, e := range evs {
		f := status.FenceEvent{Target: e.Target, Action: e.Action, State: e.State, Origin: e.Origin,
			Executor: e.Executor, Reason: e.Reason, Devices: strings.Fields(e.Devices), Error: e.Error}
		f.Started, _ = time.Parse(cib.FenceTimeLayout, e.Started)
		f.Completed, _ = time.Parse(cib.FenceTimeLayout, e.Completed)
		out = append(out, f)
	}
	return out
}

// statusMembers describes every configured node as membership sees it.
func statusMembers(v membership.View, members []control.Member, self uint64) []status.Member {
	out := make([]status.Member, 0, len(members))
	for _, m := range members {
		sm := status.Member{ID: m.ID, Name: m.Name, Witness: m.Witness, Self: m.ID == self, State: status.MemberPending}
		if n, ok := v.Node(cluster.NodeID(m.ID)); ok {
			sm.State = n.State.String()
			for _, l := range n.Links {
				sm.Links = append(sm.Links, status.Link{Name: string(l.Name), State: l.State.String(), Heard: l.LastHeard})
			}
		}
		if sm.Self {
			sm.State = status.MemberUp // this node is up while it answers
		}
		out = append(out, sm)
	}
	return out
}

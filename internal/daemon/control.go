package daemon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/user"
	"strconv"

	"go.uber.org/zap"

	"pacer/crm/cib"
	"pacer/crm/cib/cibxml"
	"pacer/crm/store"
	"pacer/internal/attrd"
	"pacer/internal/cluster"
	"pacer/internal/control"
	"pacer/membership"
)

// HAClientGroup is the group that, besides root, may use the control
// socket, as with Pacemaker's IPC.
const HAClientGroup = "haclient"

// controlACL allows root and, when the system has it, group haclient.
func controlACL(lg *zap.Logger) control.ACL {
	g, err := user.LookupGroup(HAClientGroup)
	if err != nil {
		lg.Warn("group haclient not found; only root may use the control socket", zap.Error(err))
		return control.ACL{}
	}
	gid, err := strconv.ParseUint(g.Gid, 10, 32)
	if err != nil {
		lg.Warn("group haclient has a non-numeric gid; only root may use the control socket", zap.String("gid", g.Gid))
		return control.ACL{}
	}
	return control.ACL{GID: uint32(gid), Group: true}
}

// controlBackend answers the control socket's requests from the daemon's
// parts.
type controlBackend struct {
	d     *Daemon
	attrs attrd.Store
}

var (
	_ control.Attributes = controlBackend{}
	_ control.Nodes      = controlBackend{}
	_ control.CIBStore   = controlBackend{}
)

func (b controlBackend) node(n string) string {
	if n == "" {
		return b.d.cfg.Node.Name
	}
	return n
}

func lifetime(s string) (attrd.Lifetime, error) {
	lt, err := attrd.ParseLifetime(s)
	if err != nil {
		return 0, &control.Error{Code: control.CodeBadRequest, Msg: err.Error()}
	}
	return lt, nil
}

// wire maps the store's errors to the control socket's codes.
func wire(err error) error {
	code := control.CodeInternal
	switch {
	case err == nil:
		return nil
	case errors.Is(err, attrd.ErrUnknownAttribute):
		code = control.CodeUnknownAttribute
	case errors.Is(err, attrd.ErrUnknownNode):
		code = control.CodeUnknownNode
	case errors.Is(err, attrd.ErrInvalid):
		code = control.CodeBadRequest
	case errors.Is(err, attrd.ErrClosed):
		code = control.CodeUnavailable
	}
	return &control.Error{Code: code, Msg: err.Error()}
}

func toControl(v attrd.Value) control.AttrValue {
	return control.AttrValue{Node: v.Node, Name: v.Name, Lifetime: v.Lifetime.String(), Written: v.Written,
		InCIB: v.InCIB, Current: v.Current, Delay: v.Delay, Private: v.Private}
}

func (b controlBackend) GetAttr(_ context.Context, a control.AttrArgs) ([]control.AttrValue, error) {
	lt, err := lifetime(a.Lifetime)
	if err != nil {
		return nil, err
	}
	if a.All {
		vs, err := b.attrs.List(a.Name, lt)
		if err != nil {
			return nil, wire(err)
		}
		out := make([]control.AttrValue, len(vs))
		for i, v := range vs {
			out[i] = toControl(v)
		}
		return out, nil
	}
	v, err := b.attrs.Get(b.node(a.Node), a.Name, lt)
	if err != nil {
		return nil, wire(err)
	}
	return []control.AttrValue{toControl(v)}, nil
}

func (b controlBackend) SetAttr(_ context.Context, a control.AttrArgs) error {
	lt, err := lifetime(a.Lifetime)
	if err != nil {
		return err
	}
	return wire(b.attrs.Set(attrd.Update{Node: b.node(a.Node), Name: a.Name, Value: a.Value, Lifetime: lt,
		Delay: a.Delay, SetDelay: a.SetDelay, KeepValue: a.KeepValue, Private: a.Private}))
}

func (b controlBackend) DeleteAttr(_ context.Context, a control.AttrArgs) error {
	lt, err := lifetime(a.Lifetime)
	if err != nil {
		return err
	}
	return wire(b.attrs.Delete(b.node(a.Node), a.Name, lt))
}

// NodeInfo answers from membership and the store (the DC, the raft
// configuration). Quorum is the configured policy over the raft voters: a
// majority, or in two_node mode one of the two once wait_for_all is
// satisfied.
func (b controlBackend) NodeInfo(context.Context) (control.NodeInfo, error) {
	cfg := b.d.cfg
	v := b.d.membership.View()
	ids := []cluster.NodeID{cluster.NodeID(cfg.Node.ID)}
	for _, p := range cfg.Peers {
		ids = append(ids, cluster.NodeID(p.ID))
	}
	policy := membership.QuorumPolicy{Mode: membership.Majority}
	if cfg.Quorum.TwoNode {
		policy = membership.QuorumPolicy{Mode: membership.TwoNode, WaitForAll: cfg.Quorum.WaitForAll}
	}
	st := b.d.store.Status()
	// The voters are raft's (learners do not count), as nodes; until this
	// node knows the configuration, every configured node.
	if len(st.Voters) > 0 {
		var voters []cluster.NodeID
		for _, id := range st.Voters {
			if n, ok := b.d.router.NodeOf(id); ok {
				voters = append(voters, n)
			}
		}
		if len(voters) == len(st.Voters) {
			ids = voters
		}
	}
	ni := control.NodeInfo{Cluster: cfg.Cluster, Name: cfg.Node.Name, ID: cfg.Node.ID,
		Quorum:  membership.HasQuorum(policy, ids, v, b.d.ActionsAllowed()),
		Witness: cfg.Node.Witness, RaftID: st.ID, Voters: st.Voters, Learners: st.Learners,
		WaitingForAll: !b.d.ActionsAllowed()}
	if dc := b.d.DC(); dc.ID != 0 {
		ni.DC, ni.DCID, ni.Term = string(dc.Name), dc.ID, dc.Term
	}
	add := func(id uint64, name string, witness bool) {
		state := control.StateLost
		if n, ok := v.Node(cluster.NodeID(id)); ok && n.State.Alive() {
			state = control.StateMember
		}
		if id == cfg.Node.ID {
			state = control.StateMember // this node is up while it answers
		}
		ni.Members = append(ni.Members, control.Member{ID: id, Name: name, State: state, Witness: witness})
	}
	add(cfg.Node.ID, cfg.Node.Name, cfg.Node.Witness)
	for _, p := range cfg.Peers {
		add(p.ID, p.Name, p.Witness)
	}
	return ni, nil
}

func cibOut(c *cib.CIB, v store.Version, withXML bool) (control.CIB, error) {
	out := control.CIB{AdminEpoch: v.AdminEpoch, Epoch: v.Epoch, NumUpdates: v.NumUpdates}
	if withXML {
		var b bytes.Buffer
		if err := cibxml.Write(&b, c); err != nil {
			return control.CIB{}, fmt.Errorf("%w: encode CIB: %v", control.ErrInternal, err)
		}
		out.XML = b.String()
	}
	return out, nil
}

// storeErr maps the store's errors to the control socket's codes.
func storeErr(err error) error {
	switch {
	case errors.Is(err, store.ErrNoLeader):
		return fmt.Errorf("%w: %v", control.ErrNoLeader, err)
	case errors.Is(err, store.ErrStopped):
		return fmt.Errorf("%w: %v", control.ErrUnavailable, err)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return fmt.Errorf("%w: %v", control.ErrUnavailable, err)
	}
	return fmt.Errorf("%w: %v", control.ErrInternal, err)
}

// GetCIB reads the CIB: linearizable (raft's ReadIndex through the DC,
// from any node) or, with local, this node's applied copy.
func (b controlBackend) GetCIB(ctx context.Context, local bool) (control.CIB, error) {
	var c *cib.CIB
	var v store.Version
	var err error
	if local {
		c, v, err = b.d.store.Local()
	} else {
		c, v, err = b.d.store.ReadConfig(ctx)
	}
	if err != nil {
		return control.CIB{}, storeErr(err)
	}
	return cibOut(c, v, true)
}

// ReplaceCIB is the configuration CAS. Proposed on this node, raft
// forwards it to the DC; the answer comes once this node applied it.
func (b controlBackend) ReplaceCIB(ctx context.Context, a control.CIBArgs) (control.CIB, error) {
	c, _, err := cibxml.ReadOptions(bytes.NewReader([]byte(a.XML)), "cib.replace", cibxml.Options{Raw: true})
	if err != nil {
		return control.CIB{}, fmt.Errorf("%w: %v", control.ErrBadRequest, err)
	}
	if err := cib.ValidateConfiguration(&c.Configuration); err != nil {
		return control.CIB{}, fmt.Errorf("%w: cib.replace: %v", control.ErrBadRequest, err)
	}
	v, err := b.d.store.ProposeConfig(ctx, store.Version{AdminEpoch: a.AdminEpoch, Epoch: a.Epoch}, c)
	var ce *store.ConflictError
	if errors.As(err, &ce) {
		out, oerr := cibOut(ce.CIB, ce.Current, ce.CIB != nil)
		if oerr != nil {
			return control.CIB{}, oerr
		}
		return out, fmt.Errorf("%w: the change was made against version %s, the CIB is at %s: merge with the CIB returned and retry",
			control.ErrConflict, ce.Expected, ce.Current)
	}
	if err != nil {
		return control.CIB{}, storeErr(err)
	}
	b.d.lg.Named("control").Info("configuration replaced", zap.String("version", v.String()),
		zap.String("expected", store.Version{AdminEpoch: a.AdminEpoch, Epoch: a.Epoch}.String()))
	return control.CIB{AdminEpoch: v.AdminEpoch, Epoch: v.Epoch, NumUpdates: v.NumUpdates}, nil
}

// openControl creates the attribute store and the control socket.
func (d *Daemon) openControl(deps Deps) error {
	d.attrs = deps.Attrs
	if d.attrs == nil {
		nodes := []string{d.cfg.Node.Name}
		for _, p := range d.cfg.Peers {
			nodes = append(nodes, p.Name)
		}
		d.attrWrites = newAttrWriter()
		mem := attrd.NewMem(attrd.Config{Nodes: nodes, Written: d.attrWrites.written}, d.clk, d.lg.Named("attrd"))
		d.attrs, d.closeAttrs = mem, mem.Close
	}
	lg := d.lg.Named("control")
	acl := controlACL(lg)
	if deps.ControlACL != nil {
		acl = *deps.ControlACL
	}
	srv, err := control.Listen(control.Config{Path: d.cfg.Socket, ACL: acl},
		control.Backend{Attrs: controlBackend{d, d.attrs}, Nodes: controlBackend{d, d.attrs}, Resources: deps.Resources,
			CIB: controlBackend{d, d.attrs}, Status: statusSource{d}, Admin: cliBackend{d}, History: historySource{d}}, lg)
	if err != nil {
		if d.closeAttrs != nil {
			d.closeAttrs()
		}
		return fmt.Errorf("control: %w", err)
	}
	d.control = srv
	return nil
}

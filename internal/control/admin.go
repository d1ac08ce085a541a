package control

import (
	"context"
	"fmt"
)

// The administration requests of the pacer CLI (`pacer resource cleanup`,
// `pacer node attribute --lifetime reboot`, `pacer node fence`): changes
// to the cluster's status section, and fencing, which no configuration
// change expresses.
const (
	// OpRscCleanup clears a resource's fail counts and failed operation
	// history (Admin: Rsc, Node or "" for every node).
	OpRscCleanup Op = "rsc.cleanup"
	// OpNodeStatusAttr sets (Admin: Node, Name, Value) or deletes
	// (Delete) a transient node attribute in the status section: one
	// that lasts until the node leaves the cluster (crm_attribute -l
	// reboot).
	OpNodeStatusAttr Op = "node.status-attr"
	// OpNodeFence fences a node (Admin: Node, Action "reboot" or "off").
	OpNodeFence Op = "node.fence"
)

func (op Op) admin() bool {
	return op == OpRscCleanup || op == OpNodeStatusAttr || op == OpNodeFence
}

// AdminArgs are an administration request's arguments.
type AdminArgs struct {
	Rsc    string `json:"rsc,omitempty"`
	Node   string `json:"node,omitempty"`
	Name   string `json:"name,omitempty"`
	Value  string `json:"value,omitempty"`
	Delete bool   `json:"delete,omitempty"`
	Action string `json:"action,omitempty"`
}

// AdminResult is what an administration request did.
type AdminResult struct {
	// Removed lists what was cleared ("fail-count-d1#monitor_1000 on
	// alpha", "d1_last_failure_0 on alpha").
	Removed []string `json:"removed,omitempty"`
	// Version is the CIB version after the change.
	Version CIB `json:"version"`
	// Devices and Executor tell who fenced (node.fence).
	Devices  []string `json:"devices,omitempty"`
	Executor string   `json:"executor,omitempty"`
}

// Admin serves the administration requests.
type Admin interface {
	Cleanup(ctx context.Context, a AdminArgs) (AdminResult, error)
	StatusAttr(ctx context.Context, a AdminArgs) (AdminResult, error)
	Fence(ctx context.Context, a AdminArgs) (AdminResult, error)
}

func (req Request) checkAdminArgs() error {
	a := req.Admin
	if a == nil {
		return errorf(ErrBadRequest, "%s without admin arguments", req.Op)
	}
	switch req.Op {
	case OpRscCleanup:
		if a.Rsc == "" {
			return errorf(ErrBadRequest, "%s: no resource", req.Op)
		}
	case OpNodeStatusAttr:
		if a.Node == "" || a.Name == "" {
			return errorf(ErrBadRequest, "%s: node and attribute name are required", req.Op)
		}
	case OpNodeFence:
		if a.Node == "" {
			return errorf(ErrBadRequest, "%s: no node", req.Op)
		}
		if a.Action != "reboot" && a.Action != "off" {
			return errorf(ErrBadRequest, "%s: action %q, want reboot or off", req.Op, a.Action)
		}
	}
	return nil
}

func (s *Server) dispatchAdmin(ctx context.Context, req Request) (*AdminResult, error) {
	if s.b.Admin == nil {
		return nil, errorf(ErrUnsupported, "this pacerd serves no administration requests")
	}
	var r AdminResult
	var err error
	switch req.Op {
	case OpRscCleanup:
		r, err = s.b.Admin.Cleanup(ctx, *req.Admin)
	case OpNodeStatusAttr:
		r, err = s.b.Admin.StatusAttr(ctx, *req.Admin)
	case OpNodeFence:
		r, err = s.b.Admin.Fence(ctx, *req.Admin)
	default:
		return nil, errorf(ErrBadRequest, "unknown op %q", req.Op)
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// Admin sends an administration request.
func (c *Client) Admin(ctx context.Context, op Op, a AdminArgs) (AdminResult, error) {
	resp, err := c.Do(ctx, Request{Op: op, Admin: &a})
	if err != nil {
		return AdminResult{}, err
	}
	if resp.Admin == nil {
		return AdminResult{}, fmt.Errorf("%w: %s: empty reply", ErrInternal, op)
	}
	return *resp.Admin, nil
}

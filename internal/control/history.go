package control

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// OpHistory returns the cluster's events from the nodes' journals
// (internal/journal): `pacer history` and `pacer report`.
const OpHistory Op = "history"

// MaxHistoryLimit bounds HistoryArgs.Limit, so a reply stays far below
// MaxFrame.
const MaxHistoryLimit = 20000

// HistoryArgs are a history request's arguments.
type HistoryArgs struct {
	// Node keeps events recorded on the node or about it.
	Node string `json:"node,omitempty"`
	// Rscs keeps events about these resources (and their instances).
	Rscs []string `json:"rscs,omitempty"`
	// Since keeps events at or after it.
	Since time.Time `json:"since,omitempty"`
	// All keeps every journal line, not only events.
	All bool `json:"all,omitempty"`
	// Limit is the number of newest entries returned (0: every one, up
	// to MaxHistoryLimit per node).
	Limit int `json:"limit,omitempty"`
	// From limits the journals read to these nodes; empty: every node.
	From []string `json:"from,omitempty"`
}

// HistoryResult is the entries, oldest first, and which nodes' journals
// they come from.
type HistoryResult struct {
	// Entries are journal lines as the nodes wrote them.
	Entries []json.RawMessage `json:"entries"`
	Nodes   []HistoryNode     `json:"nodes"`
	// Truncated: the oldest entries were left out to keep the answer
	// within the socket's frame size.
	Truncated bool `json:"truncated,omitempty"`
}

// HistoryNode is what one node's journal gave.
type HistoryNode struct {
	Name    string `json:"name"`
	Reached bool   `json:"reached"`
	Entries int    `json:"entries"`
	// More: the node has older matching entries the limit left out.
	More  bool   `json:"more,omitempty"`
	Error string `json:"error,omitempty"`
}

// HistorySource serves history requests.
type HistorySource interface {
	History(ctx context.Context, a HistoryArgs) (HistoryResult, error)
}

func (a *HistoryArgs) check() error {
	if a == nil {
		return nil
	}
	if a.Limit < 0 || a.Limit > MaxHistoryLimit {
		return errorf(ErrBadRequest, "%s: limit %d, want 0 to %d", OpHistory, a.Limit, MaxHistoryLimit)
	}
	return nil
}

func (s *Server) dispatchHistory(ctx context.Context, req Request) (*HistoryResult, error) {
	if s.b.History == nil {
		return nil, errorf(ErrUnsupported, "this pacerd keeps no event journal")
	}
	var a HistoryArgs
	if req.History != nil {
		a = *req.History
	}
	r, err := s.b.History.History(ctx, a)
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// History asks for the cluster's events.
func (c *Client) History(ctx context.Context, a HistoryArgs) (HistoryResult, error) {
	resp, err := c.Do(ctx, Request{Op: OpHistory, History: &a})
	if err != nil {
		return HistoryResult{}, err
	}
	if resp.History == nil {
		return HistoryResult{}, fmt.Errorf("%w: history: empty reply", ErrInternal)
	}
	return *resp.History, nil
}

package daemon

// The event journal (internal/journal) inside pacerd, and the history
// request of the control socket: this node's journal and every other
// live node's, fetched over the heartbeat mux on ChannelControl a page
// at a time (docs/decisions/0010-event-journal.md).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"pacer/heartbeat"
	"pacer/internal/cluster"
	"pacer/internal/control"
	"pacer/internal/journal"
)

// Paging of a peer's journal: a page is one cluster message (well under
// a UDP frame), asked again when its answer does not come in time.
const (
	historyPageBytes   = 40 << 10
	historyPageTimeout = time.Second
	historyPageTries   = 3
	// historyMaxBytes bounds a history answer's entries, under the control
	// socket's MaxFrame: the oldest are dropped beyond it.
	historyMaxBytes = 12 << 20
	// historyServing bounds the peer pages served at once.
	historyServing = 2
)

// history is the journal and the pages asked of peers.
type history struct {
	j       *journal.Journal
	next    atomic.Uint64
	mu      sync.Mutex
	pending map[uint64]chan peerMsg
	serving chan struct{}
}

// openJournal opens the journal in the data directory and tees the
// daemon's logger into it: every line at Info and above from then on is
// kept, whatever the console's level.
func (d *Daemon) openJournal() error {
	if d.cfg.DataDir == "" {
		return nil
	}
	j, err := journal.Open(journal.Config{Dir: filepath.Join(d.cfg.DataDir, "journal"), Host: d.cfg.Node.Name})
	if err != nil {
		return err
	}
	d.hist = &history{j: j, pending: map[uint64]chan peerMsg{}, serving: make(chan struct{}, historyServing)}
	d.lg = d.lg.WithOptions(zap.WrapCore(func(c zapcore.Core) zapcore.Core { return zapcore.NewTee(c, j.Core()) }))
	return nil
}

// closeJournal closes the journal once nothing logs any more.
func (d *Daemon) closeJournal() {
	if d.hist != nil {
		_ = d.hist.j.Close()
	}
}

// peerMsg is a ChannelControl message: a page request or its answer.
type peerMsg struct {
	Type string `json:"t"`
	ID   uint64 `json:"id"`
	// Request: the filter, the page's end (entries with a lower seq;
	// 0: from the newest) and how many entries at most.
	Filter *peerFilter `json:"f,omitempty"`
	Before uint64      `json:"b,omitempty"`
	Max    int         `json:"m,omitempty"`
	// Answer: the entries, newest first, and whether older ones match.
	Entries []json.RawMessage `json:"e,omitempty"`
	More    bool              `json:"more,omitempty"`
	Err     string            `json:"err,omitempty"`
}

type peerFilter struct {
	Node  string    `json:"n,omitempty"`
	Rscs  []string  `json:"r,omitempty"`
	Since time.Time `json:"s,omitempty"`
	All   bool      `json:"a,omitempty"`
}

const (
	peerHistory      = "history"
	peerHistoryReply = "history-reply"
)

// decodePeerMsg decodes a ChannelControl message (from an authenticated
// peer, still checked: a bad one is dropped).
func decodePeerMsg(data []byte) (peerMsg, error) {
	var m peerMsg
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&m); err != nil {
		return peerMsg{}, fmt.Errorf("control message: %w", err)
	}
	if dec.More() {
		return peerMsg{}, errors.New("control message: data after the object")
	}
	switch m.Type {
	case peerHistory:
		if m.Filter == nil || m.Max < 0 || m.Max > control.MaxHistoryLimit {
			return peerMsg{}, fmt.Errorf("control message: bad history request (max %d)", m.Max)
		}
	case peerHistoryReply:
	default:
		return peerMsg{}, fmt.Errorf("control message: unknown type %q", m.Type)
	}
	return m, nil
}

// onControlMessage serves a peer's page request, or hands an answer to
// the request waiting for it. It runs on the receiver: the reading is
// done on another goroutine, and requests beyond historyServing are
// dropped (the asker asks again).
func (d *Daemon) onControlMessage(from cluster.NodeID, m heartbeat.Message) {
	if m.Channel != heartbeat.ChannelControl || d.hist == nil {
		return
	}
	msg, err := decodePeerMsg(m.Data)
	if err != nil {
		d.lg.Named("control").Debug("bad control message", zap.Uint64("from", uint64(from)), zap.Error(err))
		return
	}
	h := d.hist
	if msg.Type == peerHistoryReply {
		h.mu.Lock()
		ch := h.pending[msg.ID]
		h.mu.Unlock()
		if ch != nil {
			select {
			case ch <- msg:
			default:
			}
		}
		return
	}
	select {
	case h.serving <- struct{}{}:
	default:
		return
	}
	go func() {
		defer func() { <-h.serving }()
		f := journal.Filter{Node: msg.Filter.Node, Rscs: msg.Filter.Rscs, Since: msg.Filter.Since, All: msg.Filter.All}
		out := peerMsg{Type: peerHistoryReply, ID: msg.ID}
		es, more, err := h.j.Read(f, msg.Before, msg.Max, historyPageBytes)
		if err != nil {
			out.Err = err.Error()
		}
		for _, e := range es {
			if len(e.Raw) > historyPageBytes {
				continue // no page holds it; never written by pacerd
			}
			out.Entries = append(out.Entries, e.Raw)
		}
		out.More = more
		data, err := json.Marshal(out)
		if err != nil {
			return
		}
		_, _ = d.mux.Send(from, heartbeat.Message{Channel: heartbeat.ChannelControl, Data: data})
	}()
}

// ask sends a page request to a peer and waits for its answer, asking
// again up to historyPageTries times.
func (d *Daemon) ask(ctx context.Context, to cluster.NodeID, req peerMsg) (peerMsg, error) {
	h := d.hist
	req.ID = h.next.Add(1)
	ch := make(chan peerMsg, 1)
	h.mu.Lock()
	h.pending[req.ID] = ch
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		delete(h.pending, req.ID)
		h.mu.Unlock()
	}()
	data, err := json.Marshal(req)
	if err != nil {
		return peerMsg{}, err
	}
	var lastErr error
	for try := 0; try < historyPageTries; try++ {
		if _, err := d.mux.Send(to, heartbeat.Message{Channel: heartbeat.ChannelControl, Data: data}); err != nil {
			lastErr = err
		}
		t := time.NewTimer(historyPageTimeout)
		select {
		case m := <-ch:
			t.Stop()
			if m.Err != "" {
				return m, errors.New(m.Err)
			}
			return m, nil
		case <-ctx.Done():
			t.Stop()
			return peerMsg{}, ctx.Err()
		case <-t.C:
		}
	}
	if lastErr != nil {
		return peerMsg{}, fmt.Errorf("no answer: %v", lastErr)
	}
	return peerMsg{}, fmt.Errorf("no answer after %d tries of %v", historyPageTries, historyPageTimeout)
}

// historySource answers the control socket's history request.
type historySource struct{ d *Daemon }

var _ control.HistorySource = historySource{}

// nodeEntries is what one node's journal gave.
type nodeEntries struct {
	node    control.HistoryNode
	entries []journal.Entry
}

func (s historySource) History(ctx context.Context, a control.HistoryArgs) (control.HistoryResult, error) {
	d := s.d
	if d.hist == nil {
		return control.HistoryResult{}, fmt.Errorf("%w: this pacerd has no data directory, so no event journal", control.ErrUnsupported)
	}
	limit := a.Limit
	if limit == 0 {
		limit = control.MaxHistoryLimit
	}
	type target struct {
		name string
		id   cluster.NodeID
	}
	all := []target{{d.cfg.Node.Name, cluster.NodeID(d.cfg.Node.ID)}}
	for _, p := range d.cfg.Peers {
		all = append(all, target{p.Name, cluster.NodeID(p.ID)})
	}
	targets := all
	if len(a.From) > 0 {
		targets = nil
		for _, n := range a.From {
			found := false
			for _, t := range all {
				if t.name == n {
					targets, found = append(targets, t), true
				}
			}
			if !found {
				names := make([]string, len(all))
				for i, t := range all {
					names[i] = t.name
				}
				return control.HistoryResult{}, fmt.Errorf("%w: no node %q in this cluster (nodes: %s)", control.ErrUnknownNode, n, strings.Join(names, ", "))
			}
		}
	}
	f := journal.Filter{Node: a.Node, Rscs: a.Rscs, Since: a.Since, All: a.All}
	results := make([]nodeEntries, len(targets))
	var wg sync.WaitGroup
	view := d.membership.View()
	for i, t := range targets {
		results[i].node.Name = t.name
		if t.id == cluster.NodeID(d.cfg.Node.ID) {
			es, more, err := d.hist.j.Read(f, 0, limit, 0)
			results[i].entries, results[i].node.More = es, more
			results[i].node.Reached = err == nil
			if err != nil {
				results[i].node.Error = err.Error()
			}
			continue
		}
		if n, ok := view.Node(t.id); !ok || !n.State.Alive() {
			state := "pending (never heard)"
			if ok {
				state = n.State.String()
			}
			results[i].node.Error = "not asked: membership has it " + state
			continue
		}
		wg.Add(1)
		go func(r *nodeEntries, id cluster.NodeID) {
			defer wg.Done()
			pf := &peerFilter{Node: f.Node, Rscs: f.Rscs, Since: f.Since, All: f.All}
			var before uint64
			for len(r.entries) < limit {
				m, err := d.ask(ctx, id, peerMsg{Type: peerHistory, Filter: pf, Before: before, Max: limit - len(r.entries)})
				if err != nil {
					r.node.Error = err.Error()
					return
				}
				r.node.Reached = true
				for _, raw := range m.Entries {
					e, err := journal.Decode(raw)
					if err != nil {
						continue
					}
					r.entries = append(r.entries, e)
					before = e.Seq
				}
				r.node.More = m.More
				if !m.More || len(m.Entries) == 0 {
					return
				}
			}
		}(&results[i], t.id)
	}
	wg.Wait()
	var merged []journal.Entry
	var out control.HistoryResult
	for _, r := range results {
		r.node.Entries = len(r.entries)
		out.Nodes = append(out.Nodes, r.node)
		merged = append(merged, r.entries...)
	}
	// Oldest first, by the recording nodes' clocks.
	sort.SliceStable(merged, func(i, j int) bool {
		if !merged[i].TS.Equal(merged[j].TS) {
			return merged[i].TS.Before(merged[j].TS)
		}
		if merged[i].Host != merged[j].Host {
			return merged[i].Host < merged[j].Host
		}
		return merged[i].Seq < merged[j].Seq
	})
	if a.Limit > 0 && len(merged) > a.Limit {
		merged = merged[len(merged)-a.Limit:]
	}
	size := 0
	first := len(merged)
	for first > 0 && size+len(merged[first-1].Raw) <= historyMaxBytes {
		first--
		size += len(merged[first].Raw)
	}
	if first > 0 {
		out.Truncated = true
	}
	for _, e := range merged[first:] {
		out.Entries = append(out.Entries, e.Raw)
	}
	return out, nil
}

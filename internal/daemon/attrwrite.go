package daemon

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"

	"pacer/crm/store"
	"pacer/internal/logfield"
)

// attrWriter puts the transient node attributes attrd writes (what agents
// set with crm_attribute, crm_master and attrd_updater, after dampening:
// promotion scores above all) into the CIB's status section, where the
// scheduler reads them. A write that fails (no DC yet, an election) is
// retried until it lands or a newer value of the same attribute replaces
// it; the latest value of each attribute is the one that lands.
type attrWriter struct {
	mu      sync.Mutex
	pending map[attrKey]attrValue
	seq     uint64
	kick    chan struct{}
}

type attrKey struct{ node, name string }

type attrValue struct {
	value   string
	deleted bool
	seq     uint64
}

func newAttrWriter() *attrWriter {
	return &attrWriter{pending: map[attrKey]attrValue{}, kick: make(chan struct{}, 1)}
}

// written is attrd's Written hook: it must not block.
func (w *attrWriter) written(node, name, value string, deleted bool) {
	w.mu.Lock()
	w.seq++
	w.pending[attrKey{node, name}] = attrValue{value: value, deleted: deleted, seq: w.seq}
	w.mu.Unlock()
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// attrRetry is how long a failed write waits before the next try.
const attrRetry = 300 * time.Millisecond

// runAttrWriter proposes the pending attributes, one status update per
// node, until ctx ends.
func (d *Daemon) runAttrWriter(ctx context.Context) error {
	w := d.attrWrites
	lg := d.lg.Named("attrd")
	var retry <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-w.kick:
		case <-retry:
		}
		retry = nil
		w.mu.Lock()
		snap := make(map[attrKey]attrValue, len(w.pending))
		for k, v := range w.pending {
			snap[k] = v
		}
		w.mu.Unlock()
		if len(snap) == 0 {
			continue
		}
		byNode := map[string]*store.StatusUpdate{}
		var updates []store.StatusUpdate
		for k, v := range snap {
			u := byNode[k.node]
			if u == nil {
				id, ok := cliBackend{d}.nodeID(k.node)
				if !ok {
					continue // attrd refuses unknown nodes; nothing to write
				}
				u = &store.StatusUpdate{Node: k.node, NodeID: id}
				byNode[k.node] = u
			}
			a := store.AttrUpdate{Name: k.name, Op: store.AttrSet, Value: v.value}
			if v.deleted {
				a = store.AttrUpdate{Name: k.name, Op: store.AttrDelete}
			}
			u.Attrs = append(u.Attrs, a)
		}
		for _, u := range byNode {
			updates = append(updates, *u)
		}
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		v, err := d.store.ProposeStatus(pctx, updates...)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			lg.Warn("node attributes not written to the CIB yet; retrying", zap.Int("attributes", len(snap)),
				zap.Duration("retry_in", attrRetry), zap.Error(err))
			retry = time.After(attrRetry)
			continue
		}
		w.mu.Lock()
		for k, sent := range snap {
			if now, ok := w.pending[k]; ok && now.seq == sent.seq {
				delete(w.pending, k)
			}
		}
		more := len(w.pending) > 0
		w.mu.Unlock()
		for k, sent := range snap {
			lg.Debug("node attribute in the CIB", logfield.Node(k.node), zap.String("name", k.name),
				zap.String("value", sent.value), zap.Bool("deleted", sent.deleted), zap.String("version", v.String()))
		}
		if more {
			retry = time.After(0)
		}
	}
}

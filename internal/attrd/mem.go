package attrd

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"

	"pacer/internal/clock"
	"pacer/internal/logfield"
)

// Config configures a Mem store.
type Config struct {
	// Nodes are the names of the cluster's nodes; an attribute of any
	// other node is refused with ErrUnknownNode. Empty accepts any node
	// (tests).
	Nodes []string
	// Written, when set, is told every transient attribute value written
	// (after dampening; deleted: the attribute was removed), in the order
	// written: the daemon puts them in the CIB's status section, where the
	// scheduler reads them. It is called with the store's lock held and
	// must neither block nor call the store.
	Written func(node, name, value string, deleted bool)
}

// Mem is the in-memory Store. Transient attributes are dampened on the
// injected clock; nothing survives a restart of pacerd, which for transient
// attributes is Pacemaker's behaviour and for permanent ones lasts until the
// replicated CIB holds them.
type Mem struct {
	clk   clock.Clock
	lg    *zap.Logger
	nodes map[string]bool

	written func(node, name, value string, deleted bool)

	mu        sync.Mutex
	closed    bool
	transient map[string]*attribute // by name
	forever   map[nodeName]string
}

var _ Store = (*Mem)(nil)

type nodeName struct{ node, name string }

// attribute is one transient attribute across nodes. As in Pacemaker's
// attrd, the delay and the dampening timer belong to the attribute, not to
// a node's value: any change restarts the timer, and its expiry writes every
// node's pending value at once.
type attribute struct {
	name    string
	delay   time.Duration
	private bool
	values  map[string]*nodeValue // by node
	timer   clock.Timer
	gen     uint64 // a fired timer of an older generation does nothing
}

type nodeValue struct {
	current string
	deleted bool // current is "no value"
	written string
	inCIB   bool
}

// NewMem returns an empty store. It starts no goroutines: dampening runs on
// clock timers, which Close stops.
func NewMem(cfg Config, clk clock.Clock, lg *zap.Logger) *Mem {
	if clk == nil {
		clk = clock.Real{}
	}
	if lg == nil {
		lg = zap.NewNop()
	}
	m := &Mem{clk: clk, lg: lg, written: cfg.Written, transient: map[string]*attribute{}, forever: map[nodeName]string{}}
	if len(cfg.Nodes) > 0 {
		m.nodes = map[string]bool{}
		for _, n := range cfg.Nodes {
			m.nodes[n] = true
		}
	}
	return m
}

func (m *Mem) checkNode(node string) error {
	if m.nodes != nil && !m.nodes[node] {
		return fmt.Errorf("node %q: %w", node, ErrUnknownNode)
	}
	return nil
}

// Set applies u: a permanent attribute is written at once; a transient one
// is written at once without a delay, else once it has not changed for the
// delay.
func (m *Mem) Set(u Update) error {
	if err := u.validate(); err != nil {
		return err
	}
	if err := m.checkNode(u.Node); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	if u.Lifetime == Forever {
		k := nodeName{u.Node, u.Name}
		if old, ok := m.forever[k]; ok && old == u.Value {
			return nil
		}
		m.forever[k] = u.Value
		m.logWrite("node attribute set", u.Node, u.Name, u.Value, Forever, 0)
		return nil
	}
	a := m.transient[u.Name]
	if a == nil {
		if u.KeepValue {
			return fmt.Errorf("%s[%s]: %w", u.Name, u.Node, ErrUnknownAttribute)
		}
		a = &attribute{name: u.Name, delay: u.Delay, private: u.Private, values: map[string]*nodeValue{}}
		m.transient[u.Name] = a
	} else if u.SetDelay && a.delay != u.Delay {
		m.lg.Debug("node attribute delay changed", logfield.Node(u.Node), zap.String("name", u.Name),
			zap.Duration("delay", u.Delay), zap.Duration("was", a.delay))
		a.delay = u.Delay
	}
	if u.KeepValue {
		return nil
	}
	v := a.values[u.Node]
	if v == nil {
		v = &nodeValue{deleted: true}
		a.values[u.Node] = v
	}
	if !v.deleted && v.current == u.Value {
		return nil // unchanged: no write, no timer restart (as attrd)
	}
	v.current, v.deleted = u.Value, false
	m.changed(a, u.Node)
	return nil
}

// Delete removes an attribute. A transient one is dampened like a change.
func (m *Mem) Delete(node, name string, lt Lifetime) error {
	if err := (Update{Node: node, Name: name, Lifetime: lt}).validate(); err != nil {
		return err
	}
	if err := m.checkNode(node); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	if lt == Forever {
		k := nodeName{node, name}
		if _, ok := m.forever[k]; ok {
			delete(m.forever, k)
			m.logDelete(node, name, Forever)
		}
		return nil
	}
	a := m.transient[name]
	if a == nil {
		return nil
	}
	v := a.values[node]
	if v == nil || v.deleted {
		return nil
	}
	v.current, v.deleted = "", true
	m.changed(a, node)
	return nil
}

// changed writes a or (re)starts its dampening timer. m.mu is held.
func (m *Mem) changed(a *attribute, node string) {
	if a.private {
		return // never written
	}
	if a.delay <= 0 {
		m.write(a)
		return
	}
	if a.timer != nil {
		a.timer.Stop()
	}
	a.gen++
	gen := a.gen
	m.lg.Debug("node attribute change dampened", logfield.Node(node), zap.String("name", a.name),
		zap.String("value", a.values[node].current), zap.Duration("delay", a.delay))
	a.timer = m.clk.AfterFunc(a.delay, func() { m.flush(a.name, gen) })
}

// flush is the dampening timer's expiry.
func (m *Mem) flush(name string, gen uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a := m.transient[name]
	if m.closed || a == nil || a.gen != gen {
		return
	}
	a.timer = nil
	m.write(a)
}

// write makes every node's current value of a the written one, logging
// each real change once. m.mu is held.
func (m *Mem) write(a *attribute) {
	nodes := make([]string, 0, len(a.values))
	for n := range a.values {
		nodes = append(nodes, n)
	}
	slices.Sort(nodes)
	for _, n := range nodes {
		v := a.values[n]
		switch {
		case v.deleted && v.inCIB:
			v.written, v.inCIB = "", false
			m.logDelete(n, a.name, Reboot)
			if m.written != nil {
				m.written(n, a.name, "", true)
			}
		case !v.deleted && (!v.inCIB || v.written != v.current):
			v.written, v.inCIB = v.current, true
			m.logWrite("node attribute set", n, a.name, v.current, Reboot, a.delay)
			if m.written != nil {
				m.written(n, a.name, v.current, false)
			}
		}
	}
}

func (m *Mem) logWrite(msg, node, name, value string, lt Lifetime, delay time.Duration) {
	fields := []zap.Field{logfield.Node(node), zap.String("name", name), zap.String("value", value),
		zap.String("lifetime", lt.String())}
	if delay > 0 {
		fields = append(fields, zap.Duration("delay", delay))
	}
	m.lg.Info(msg, fields...)
}

func (m *Mem) logDelete(node, name string, lt Lifetime) {
	m.lg.Info("node attribute deleted", logfield.Node(node), zap.String("name", name),
		zap.String("lifetime", lt.String()))
}

// Get returns one attribute.
func (m *Mem) Get(node, name string, lt Lifetime) (Value, error) {
	if err := (Update{Node: node, Name: name, Lifetime: lt}).validate(); err != nil {
		return Value{}, err
	}
	if err := m.checkNode(node); err != nil {
		return Value{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if lt == Forever {
		val, ok := m.forever[nodeName{node, name}]
		if !ok {
			return Value{}, fmt.Errorf("%s[%s]: %w", name, node, ErrUnknownAttribute)
		}
		return Value{Node: node, Name: name, Lifetime: Forever, Written: val, InCIB: true, Current: val}, nil
	}
	a := m.transient[name]
	if a == nil || a.values[node] == nil {
		return Value{}, fmt.Errorf("%s[%s]: %w", name, node, ErrUnknownAttribute)
	}
	return a.value(node), nil
}

func (a *attribute) value(node string) Value {
	v := a.values[node]
	return Value{Node: node, Name: a.name, Lifetime: Reboot, Written: v.written, InCIB: v.inCIB,
		Current: v.current, Delay: a.delay, Private: a.private}
}

// List returns name on every node that has it, sorted by node.
func (m *Mem) List(name string, lt Lifetime) ([]Value, error) {
	if err := (Update{Node: "-", Name: name, Lifetime: lt}).validate(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Value
	if lt == Forever {
		for k, val := range m.forever {
			if k.name == name {
				out = append(out, Value{Node: k.node, Name: name, Lifetime: Forever, Written: val, InCIB: true, Current: val})
			}
		}
	} else if a := m.transient[name]; a != nil {
		for n := range a.values {
			out = append(out, a.value(n))
		}
	}
	slices.SortFunc(out, func(x, y Value) int {
		if x.Node < y.Node {
			return -1
		}
		if x.Node > y.Node {
			return 1
		}
		return 0
	})
	return out, nil
}

// Close stops every dampening timer; pending changes are dropped, as
// transient attributes are when Pacemaker's attrd stops. Later calls fail
// with ErrClosed.
func (m *Mem) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	for _, a := range m.transient {
		if a.timer != nil {
			a.timer.Stop()
			a.timer = nil
		}
	}
	return nil
}

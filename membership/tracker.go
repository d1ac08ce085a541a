package membership

import (
	"cmp"
	"slices"
	"time"

	"pacer/internal/cluster"
)

// Observation is a verified heartbeat (or any verified frame) from Node that
// arrived on Link at At, sent by the daemon run Epoch.
type Observation struct {
	Node  cluster.NodeID
	Link  cluster.LinkName
	Epoch cluster.BootEpoch
	At    time.Time
	// Reverse is what the node says of the other direction: whether it
	// hears this node on Link (from its heartbeat; unknown otherwise).
	Reverse Reverse
	// Leaving: the node says it is leaving the cluster cleanly (its
	// daemon is stopping after its resources were stopped or moved). It
	// is taken out of the membership at once, as left rather than dead,
	// and nothing more of this boot epoch is believed.
	Leaving bool
}

// Reverse is a peer's word on whether it hears this node on a link.
type Reverse uint8

const (
	ReverseUnknown Reverse = iota // not said: the link's belief stands
	ReverseHears
	ReverseDeaf
)

// TransitionKind says what changed.
type TransitionKind uint8

const (
	// NodeJoined: the first frame from a node since this node started
	// (Return false), or a frame from a node declared dead (Return true: it
	// came back). Link is the link it was heard on; its other links come up
	// with their own LinkUp.
	NodeJoined TransitionKind = iota + 1
	// NodeRecovered: a node in warn was heard again (Heartbeat's "late
	// heartbeat"). SilentFor is how long it had been silent.
	NodeRecovered
	// NodeWarn: every link to a node has been silent for warntime. Once per
	// episode.
	NodeWarn
	// NodeDead: every link to a node has been silent for deadtime (initdead
	// if it was never heard). Links lists all its links, which die with it
	// and are not reported separately; SilentFor is the time since it was
	// last heard on any link (since this node started if never).
	NodeDead
	// NodeRestarted: a node not declared dead was heard with a newer boot
	// epoch: its daemon restarted behind our back, and the state of the
	// resources on it is unknown. Epoch is the new epoch.
	NodeRestarted
	// LinkUp: a link to a live node was heard for the first time, or again
	// after it was down.
	LinkUp
	// LinkWarn: a link has been silent for warntime (its node is not
	// necessarily in warn). Operators see it only at Debug.
	LinkWarn
	// LinkDown: a link has been silent for deadtime (initdead if never
	// heard on) while its node stays alive through another link.
	LinkDown
	// LocalLate: this node's own timer ran late by Late (a VM pause, CPU
	// starvation, SIGSTOP); every peer's and link's silence was extended by
	// Late so the stall does not count against them.
	LocalLate
	// NodeLeft: a node announced that it leaves cleanly (a stopping
	// daemon). It is down at once (NodeStateDead, Left in the view),
	// without waiting out deadtime; only a frame with a newer boot epoch
	// brings it back (NodeJoined, Return true).
	NodeLeft
)

func (k TransitionKind) String() string {
	switch k {
	case NodeJoined:
		return "node joined"
	case NodeRecovered:
		return "node recovered"
	case NodeWarn:
		return "node warn"
	case NodeDead:
		return "node dead"
	case NodeRestarted:
		return "node restarted"
	case LinkUp:
		return "link up"
	case LinkWarn:
		return "link warn"
	case LinkDown:
		return "link down"
	case LocalLate:
		return "local late"
	case NodeLeft:
		return "node left"
	}
	return "unknown"
}

// Transition is one change of membership, for the log and for consumers
// that react to events rather than views.
type Transition struct {
	Kind TransitionKind
	Node cluster.NodeID   // zero for LocalLate
	Name cluster.NodeName // the node's name
	Link cluster.LinkName // NodeJoined, NodeRecovered, NodeRestarted, LinkUp, LinkWarn, LinkDown
	// Links are all the node's links (NodeDead only).
	Links []cluster.LinkName
	// Epoch is the node's boot epoch as last heard.
	Epoch cluster.BootEpoch
	// SilentFor is the wall time since the node (or link) was last heard,
	// including any stall of this node (NodeRecovered, NodeWarn, NodeDead,
	// LinkWarn, LinkDown).
	SilentFor time.Duration
	// Late is how late this node's timer ran (LocalLate).
	Late time.Duration
	// Return is set on NodeJoined for a node that had been declared dead.
	Return bool
	At     time.Time
}

// Stats counts observations that were dropped or ignored.
type Stats struct {
	// Stale: frames with an older boot epoch than already heard, or
	// received before the death (of the node or link) they would undo.
	Stale uint64
	// Unknown: frames from a node or on a link not in the config.
	Unknown uint64
}

// Tracker is membership's pure core: it takes observations and the time,
// and returns transitions. It starts no goroutines and reads no clock, and
// it is not safe for concurrent use.
type Tracker struct {
	cfg   Config
	nodes []*peerState // sorted by id
	byID  map[cluster.NodeID]*peerState
	start time.Time
	// initRef is start, moved forward by every stall of this node: the
	// reference initdead counts from.
	initRef     time.Time
	lastAdvance time.Time
	advanced    bool
	version     uint64
	nlinks      int
	stats       Stats
}

type peerState struct {
	id        cluster.NodeID
	name      cluster.NodeName
	state     NodeState
	epoch     cluster.BootEpoch
	heard     bool
	lastHeard time.Time // latest frame on any link
	deadAt    time.Time // when declared dead
	// left: the node announced its clean leave with boot epoch epoch
	// (state is NodeStateDead); frames of that epoch or older are stale.
	left  bool
	links []linkState
	names []cluster.LinkName
}

type linkState struct {
	name      cluster.LinkName
	state     LinkState
	heard     bool
	lastHeard time.Time // latest frame, as received
	// ref is lastHeard moved forward by every stall of this node: the
	// reference warntime and deadtime count from.
	ref    time.Time
	deadAt time.Time
	// peerHears: the peer's latest heartbeat on this link says it hears
	// this node there. False until a heartbeat says so and again once the
	// link is declared down, so a link that comes back carries messages
	// only once both directions work.
	peerHears bool
}

// silentLinks is a bit set (see linkBit) of the links to peer not heard
// on within d before now, never-heard links included.
func (t *Tracker) silentLinks(peer cluster.NodeID, now time.Time, d time.Duration) uint64 {
	p := t.byID[peer]
	if p == nil {
		return 0
	}
	var bits uint64
	for i, l := range p.links {
		if i < 64 && (!l.heard || now.Sub(l.lastHeard) > d) {
			bits |= 1 << i
		}
	}
	return bits
}

// linkBit is link's bit in silentLinks' set (0 if unknown). The links of
// a peer are fixed at configuration, so it needs no lock.
func (t *Tracker) linkBit(peer cluster.NodeID, link cluster.LinkName) uint64 {
	p := t.byID[peer]
	if p == nil {
		return 0
	}
	for i, l := range p.links {
		if l.name == link && i < 64 {
			return 1 << i
		}
	}
	return 0
}

// NewTracker returns a tracker for cfg that starts at start (every peer
// pending, initdead counting from start).
func NewTracker(cfg Config, start time.Time) (*Tracker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	t := &Tracker{
		cfg:     cfg,
		byID:    make(map[cluster.NodeID]*peerState, len(cfg.Peers)),
		start:   start,
		initRef: start,
		version: 1,
	}
	for _, p := range cfg.Peers {
		ps := &peerState{id: p.ID, name: p.Name, names: slices.Clone(p.Links)}
		for _, l := range p.Links {
			ps.links = append(ps.links, linkState{name: l})
		}
		t.nlinks += len(p.Links)
		t.nodes = append(t.nodes, ps)
		t.byID[p.ID] = ps
	}
	slices.SortFunc(t.nodes, func(a, b *peerState) int { return cmp.Compare(a.id, b.id) })
	t.cfg.Peers = nil // the tracker's own copies live in nodes
	return t, nil
}

// Version is the version of the View the tracker would return now.
func (t *Tracker) Version() uint64 { return t.version }

// Stats returns the counts of ignored observations.
func (t *Tracker) Stats() Stats { return t.stats }

// Observe applies one verified frame. Frames from unknown nodes or links,
// with an older boot epoch than already heard, or received before the death
// they would undo are ignored and counted. A frame from an up node on an up
// link changes no state, returns nil and does not allocate.
func (t *Tracker) Observe(o Observation) []Transition {
	p := t.byID[o.Node]
	if p == nil {
		t.stats.Unknown++
		return nil
	}
	l := p.link(o.Link)
	if l == nil {
		t.stats.Unknown++
		return nil
	}
	if p.heard && o.Epoch < p.epoch ||
		p.left && o.Epoch <= p.epoch ||
		p.state == NodeStateDead && o.At.Before(p.deadAt) ||
		l.state == LinkStateDead && o.At.Before(l.deadAt) {
		t.stats.Stale++
		return nil
	}

	if o.Leaving {
		return t.leave(p, o)
	}
	var out []Transition
	changed := false
	joined := false
	p.left = false
	switch {
	case p.state == NodeStatePending || p.state == NodeStateDead:
		joined = true
		out = append(out, t.nodeTransition(NodeJoined, p, o.At, Transition{
			Link: o.Link, Epoch: o.Epoch, Return: p.state == NodeStateDead,
		}))
	case o.Epoch != p.epoch: // newer: older was refused above
		out = append(out, t.nodeTransition(NodeRestarted, p, o.At, Transition{Link: o.Link, Epoch: o.Epoch}))
	case p.state == NodeStateWarn:
		out = append(out, t.nodeTransition(NodeRecovered, p, o.At, Transition{
			Link: o.Link, SilentFor: o.At.Sub(p.lastHeard),
		}))
	}
	if len(out) > 0 || p.state != NodeStateUp {
		p.state = NodeStateUp
		changed = true
	}
	if l.state != LinkStateUp {
		if !joined && (l.state == LinkStatePending || l.state == LinkStateDead) {
			out = append(out, t.nodeTransition(LinkUp, p, o.At, Transition{Link: o.Link}))
		}
		l.state = LinkStateUp
		changed = true
	}

	if o.Reverse != ReverseUnknown {
		if hears := o.Reverse == ReverseHears; hears != l.peerHears {
			l.peerHears = hears
			changed = true
		}
	}
	l.heard, p.heard = true, true
	p.epoch = o.Epoch
	if o.At.After(l.lastHeard) {
		l.lastHeard = o.At
	}
	if o.At.After(l.ref) {
		l.ref = o.At
	}
	if o.At.After(p.lastHeard) {
		p.lastHeard = o.At
	}
	if changed {
		t.version++
	}
	return out
}

// leave takes p out of the membership on its announcement that it leaves
// cleanly: down at once, every link with it.
func (t *Tracker) leave(p *peerState, o Observation) []Transition {
	p.heard, p.epoch, p.left = true, o.Epoch, true
	if o.At.After(p.lastHeard) {
		p.lastHeard = o.At
	}
	p.state, p.deadAt = NodeStateDead, o.At
	for i := range p.links {
		p.links[i].state, p.links[i].deadAt, p.links[i].peerHears = LinkStateDead, o.At, false
	}
	t.version++
	return []Transition{t.nodeTransition(NodeLeft, p, o.At, Transition{Link: o.Link, Links: slices.Clone(p.names), Epoch: o.Epoch})}
}

// Advance evaluates every timeout at now. The driver calls it every Tick;
// when the gap since the previous call exceeds Tick by more than
// max(Tick, Keepalive/2), this node stalled: every peer's and link's silence
// is extended by the excess (the stall does not count against them), and
// the first transition returned is LocalLate. The first call only sets the
// baseline for that check.
//
// Transitions come in node id order; for each node its links in priority
// order, then the node. A node that dies yields one NodeDead listing all its
// links, and no LinkWarn or LinkDown for them.
func (t *Tracker) Advance(now time.Time) []Transition {
	return t.advance(now, t.lastAdvance.Add(t.cfg.Tick))
}

// AdvanceDue is Advance for a driver that sleeps until the next deadline
// instead of ticking: due is when it meant to wake. Waking later than due by
// more than max(Tick, Keepalive/2) means this node stalled, and the stall is
// not counted against its peers, as with Advance.
func (t *Tracker) AdvanceDue(now, due time.Time) []Transition {
	return t.advance(now, due)
}

// NextDeadline is the earliest time at which Advance could change a state
// (a warn, a link down, a death), if any peer is not yet dead. Frames only
// move deadlines later, so a driver may sleep until then and re-check.
func (t *Tracker) NextDeadline() (time.Time, bool) {
	var next time.Time
	found := false
	at := func(d time.Time) {
		if !found || d.Before(next) {
			next, found = d, true
		}
	}
	for _, p := range t.nodes {
		if p.state == NodeStateDead {
			continue
		}
		if !p.heard {
			at(t.initRef.Add(t.cfg.Initdead))
			continue
		}
		ref := p.ref()
		at(ref.Add(t.cfg.Deadtime))
		if p.state == NodeStateUp {
			at(ref.Add(t.cfg.Warntime))
		}
		for i := range p.links {
			l := &p.links[i]
			switch {
			case l.state == LinkStateDead:
			case !l.heard:
				at(t.initRef.Add(t.cfg.Initdead))
			default:
				at(l.ref.Add(t.cfg.Deadtime))
				if l.state == LinkStateUp {
					at(l.ref.Add(t.cfg.Warntime))
				}
			}
		}
	}
	return next, found
}

func (t *Tracker) advance(now, due time.Time) []Transition {
	var out []Transition
	if t.advanced {
		if late := now.Sub(due); late > t.cfg.tolerance() {
			t.extend(now, late)
			out = append(out, Transition{Kind: LocalLate, Late: late, At: now})
		}
	}
	if !t.advanced || now.After(t.lastAdvance) {
		t.lastAdvance = now
	}
	t.advanced = true

	changed := false
	for _, p := range t.nodes {
		if p.state == NodeStateDead {
			continue
		}
		if t.nodeDead(p, now) {
			p.state, p.deadAt = NodeStateDead, now
			for i := range p.links {
				p.links[i].state, p.links[i].deadAt, p.links[i].peerHears = LinkStateDead, now, false
			}
			out = append(out, t.nodeTransition(NodeDead, p, now, Transition{
				Links:     slices.Clone(p.names),
				SilentFor: t.silentSince(p.heard, p.lastHeard, now),
			}))
			changed = true
			continue
		}
		for i := range p.links {
			l := &p.links[i]
			if l.state == LinkStateDead {
				continue
			}
			var kind TransitionKind
			switch {
			case !l.heard:
				if now.Sub(t.initRef) >= t.cfg.Initdead {
					kind = LinkDown
				}
			case now.Sub(l.ref) >= t.cfg.Deadtime:
				kind = LinkDown
			case now.Sub(l.ref) >= t.cfg.Warntime && l.state == LinkStateUp:
				kind = LinkWarn
			}
			if kind == 0 {
				continue
			}
			if kind == LinkDown {
				l.state, l.deadAt, l.peerHears = LinkStateDead, now, false
			} else {
				l.state = LinkStateWarn
			}
			out = append(out, t.nodeTransition(kind, p, now, Transition{
				Link: l.name, SilentFor: t.silentSince(l.heard, l.lastHeard, now),
			}))
			changed = true
		}
		if p.state == NodeStateUp && p.heard && now.Sub(p.ref()) >= t.cfg.Warntime {
			p.state = NodeStateWarn
			out = append(out, t.nodeTransition(NodeWarn, p, now, Transition{SilentFor: now.Sub(p.lastHeard)}))
			changed = true
		}
	}
	if changed {
		t.version++
	}
	return out
}

// View returns a snapshot of membership now.
func (t *Tracker) View() View {
	v := View{Version: t.version, Self: t.cfg.Self, Nodes: make([]NodeStatus, 0, len(t.nodes)+1)}
	links := make([]LinkStatus, 0, t.nlinks)
	self := NodeStatus{ID: t.cfg.Self, Name: t.cfg.SelfName, State: NodeStateUp}
	selfDone := false
	for _, p := range t.nodes {
		if !selfDone && p.id > t.cfg.Self {
			v.Nodes, selfDone = append(v.Nodes, self), true
		}
		first := len(links)
		for _, l := range p.links {
			links = append(links, LinkStatus{Name: l.name, State: l.state, LastHeard: l.lastHeard, PeerHears: l.peerHears})
		}
		v.Nodes = append(v.Nodes, NodeStatus{
			ID: p.id, Name: p.name, State: p.state, Left: p.left, Epoch: p.epoch, LastHeard: p.lastHeard,
			Links: links[first:len(links):len(links)],
		})
	}
	if !selfDone {
		v.Nodes = append(v.Nodes, self)
	}
	return v
}

// nodeDead reports whether p, not yet dead, must be declared dead at now.
func (t *Tracker) nodeDead(p *peerState, now time.Time) bool {
	if !p.heard {
		return now.Sub(t.initRef) >= t.cfg.Initdead
	}
	return now.Sub(p.ref()) >= t.cfg.Deadtime
}

// extend moves every reference time forward by late (never past now), so a
// stall of this node does not count as silence of its peers.
func (t *Tracker) extend(now time.Time, late time.Duration) {
	t.initRef = minTime(t.initRef.Add(late), now)
	for _, p := range t.nodes {
		for i := range p.links {
			if l := &p.links[i]; l.heard {
				l.ref = minTime(l.ref.Add(late), now)
			}
		}
	}
}

// silentSince is the wall time since lastHeard, or since start if never
// heard.
func (t *Tracker) silentSince(heard bool, lastHeard, now time.Time) time.Duration {
	if !heard {
		return now.Sub(t.start)
	}
	return now.Sub(lastHeard)
}

func (t *Tracker) nodeTransition(kind TransitionKind, p *peerState, at time.Time, tr Transition) Transition {
	tr.Kind, tr.Node, tr.Name, tr.At = kind, p.id, p.name, at
	if tr.Epoch == 0 {
		tr.Epoch = p.epoch
	}
	return tr
}

func (p *peerState) link(name cluster.LinkName) *linkState {
	for i := range p.links {
		if p.links[i].name == name {
			return &p.links[i]
		}
	}
	return nil
}

// ref is the latest judgement reference over the links heard on.
func (p *peerState) ref() time.Time {
	var r time.Time
	for _, l := range p.links {
		if l.heard && l.ref.After(r) {
			r = l.ref
		}
	}
	return r
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

package store

import (
	"errors"
	"fmt"
	"time"

	"pacer/internal/cluster"
)

// Peer is an initial voter of a new cluster.
type Peer struct {
	ID   uint64 // raft id, never reused
	Name cluster.NodeName
}

// Config is a Node's settings. Zero fields take DefaultConfig's values.
type Config struct {
	// ID is this node's raft id: one of Peers when bootstrapping, or the id
	// AddNode returned when joining. Raft ids are never reused, so a node
	// that was removed comes back under a new one.
	ID   uint64
	Name cluster.NodeName
	// Peers are the initial voters. Used only when the log is empty: every
	// initial node is started with the same list. A joining node leaves it
	// empty and waits for the leader to send it the log.
	Peers []Peer

	// TickInterval is one raft tick on the injected clock. Elections take
	// ElectionTicks..2*ElectionTicks ticks; the leader heartbeats every
	// HeartbeatTicks.
	TickInterval   time.Duration
	ElectionTicks  int
	HeartbeatTicks int

	// Witnesses are the raft ids of witness voters: they vote but host no
	// resources, and one that is elected DC hands leadership to the most
	// caught-up active voter that is not a witness (it stays DC while there
	// is none). The same list on every node.
	Witnesses []uint64

	// MaxVoters bounds the raft voters; further members are learners.
	MaxVoters int
	// PromoteLag is how many entries a learner may trail the leader's last
	// index and still be promoted to voter.
	PromoteLag uint64

	// SnapshotEntries: a snapshot is taken every time this many entries
	// have been applied since the last one. CompactionTail entries are kept
	// behind it so a slightly lagging follower catches up from the log,
	// not a whole snapshot.
	SnapshotEntries uint64
	CompactionTail  uint64
	// SnapshotTimeoutTicks: a snapshot sent to a follower and not
	// acknowledged within this many ticks is reported failed, so raft
	// sends another (a lost snapshot would otherwise stall the follower).
	SnapshotTimeoutTicks int

	// MaxSizePerMsg and MaxInflightMsgs bound raft's append flow control.
	MaxSizePerMsg   uint64
	MaxInflightMsgs int

	// InboxLen bounds the channels feeding the loop (messages, proposals).
	InboxLen int
}

// DefaultConfig returns the production settings for a node.
func DefaultConfig(id uint64, name cluster.NodeName) Config {
	return Config{
		ID:              id,
		Name:            name,
		TickInterval:    100 * time.Millisecond,
		ElectionTicks:   10,
		HeartbeatTicks:  1,
		MaxVoters:       5,
		PromoteLag:      64,
		SnapshotEntries: 10000,
		CompactionTail:  5000,
		// 30 s at the default tick: room for a large CIB over a slow link.
		SnapshotTimeoutTicks: 300,
		MaxSizePerMsg:        1 << 20,
		MaxInflightMsgs:      256,
		InboxLen:             1024,
	}
}

// withDefaults fills zero fields from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig(c.ID, c.Name)
	if c.TickInterval == 0 {
		c.TickInterval = d.TickInterval
	}
	if c.ElectionTicks == 0 {
		c.ElectionTicks = d.ElectionTicks
	}
	if c.HeartbeatTicks == 0 {
		c.HeartbeatTicks = d.HeartbeatTicks
	}
	if c.MaxVoters == 0 {
		c.MaxVoters = d.MaxVoters
	}
	if c.PromoteLag == 0 {
		c.PromoteLag = d.PromoteLag
	}
	if c.SnapshotEntries == 0 {
		c.SnapshotEntries = d.SnapshotEntries
	}
	if c.CompactionTail == 0 {
		c.CompactionTail = d.CompactionTail
	}
	if c.SnapshotTimeoutTicks == 0 {
		c.SnapshotTimeoutTicks = d.SnapshotTimeoutTicks
	}
	if c.MaxSizePerMsg == 0 {
		c.MaxSizePerMsg = d.MaxSizePerMsg
	}
	if c.MaxInflightMsgs == 0 {
		c.MaxInflightMsgs = d.MaxInflightMsgs
	}
	if c.InboxLen == 0 {
		c.InboxLen = d.InboxLen
	}
	return c
}

// Validate checks the settings after defaults are applied.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if c.ID == 0 {
		errs = append(errs, errors.New("id must not be 0"))
	}
	if c.TickInterval < 0 {
		errs = append(errs, fmt.Errorf("tick interval %v must be positive", c.TickInterval))
	}
	if c.HeartbeatTicks < 1 || c.ElectionTicks <= c.HeartbeatTicks {
		errs = append(errs, fmt.Errorf("election ticks %d must exceed heartbeat ticks %d (>= 1)", c.ElectionTicks, c.HeartbeatTicks))
	}
	if c.MaxVoters < 1 {
		errs = append(errs, fmt.Errorf("max voters %d must be at least 1", c.MaxVoters))
	}
	if len(c.Peers) > c.MaxVoters {
		errs = append(errs, fmt.Errorf("%d initial peers exceed max voters %d", len(c.Peers), c.MaxVoters))
	}
	seen := map[uint64]bool{}
	self := len(c.Peers) == 0
	for _, p := range c.Peers {
		if p.ID == 0 || seen[p.ID] {
			errs = append(errs, fmt.Errorf("peer id %d: zero or repeated", p.ID))
		}
		seen[p.ID] = true
		self = self || p.ID == c.ID
	}
	if !self {
		errs = append(errs, fmt.Errorf("id %d is not among the initial peers", c.ID))
	}
	if c.SnapshotTimeoutTicks < 1 {
		errs = append(errs, fmt.Errorf("snapshot timeout %d ticks must be at least 1", c.SnapshotTimeoutTicks))
	}
	if c.InboxLen < 1 {
		errs = append(errs, fmt.Errorf("inbox length %d must be at least 1", c.InboxLen))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("store config: %w", err)
	}
	return nil
}

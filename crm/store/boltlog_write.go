package store

// The write side of Log. Each call is ONE bbolt transaction, synced on
// commit (bbolt's default), so a Ready is on disk as a whole or not at all:
// the snapshot record first, then the entries (a conflicting suffix
// truncated), then the hard state. Only after the commit returns does the
// caller send messages (persist, then send), and only then is the in-memory
// cache swapped, so a failed write leaves both memory and disk as they were.

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// update runs fn in a write transaction on a copy of the cache and installs
// the copy only if the transaction commits.
func (l *Log) update(what string, fn func(tx *bolt.Tx, c *cache) error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.c.clone()
	err := l.db.Update(func(tx *bolt.Tx) error {
		tx.Bucket(bucketEntries).FillPercent = 0.9 // keys arrive in order
		if err := fn(tx, &c); err != nil {
			return err
		}
		if l.testHookBeforeCommit != nil {
			return l.testHookBeforeCommit()
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("bolt log %s: %s: %w", l.path, what, err)
	}
	l.c = c
	return nil
}

// Save persists one Ready: snap (skipped if empty), then ents, then hs
// (skipped if empty), in one synced transaction. Call it before sending the
// Ready's messages.
//
// A Ready with nothing to persist costs nothing: no transaction is opened
// (bbolt would still write and sync a meta page).
func (l *Log) Save(hs *raftpb.HardState, ents []*raftpb.Entry, snap *raftpb.Snapshot) error {
	if raft.IsEmptyHardState(hs) && len(ents) == 0 && raft.IsEmptySnap(snap) {
		return nil
	}
	what := fmt.Sprintf("save %d entries", len(ents))
	return l.update(what, func(tx *bolt.Tx, c *cache) error {
		if !raft.IsEmptySnap(snap) {
			if err := applySnapshot(tx, c, snap); err != nil {
				return err
			}
		}
		if err := appendEntries(tx, c, ents); err != nil {
			return err
		}
		if !raft.IsEmptyHardState(hs) {
			return putHardState(tx, c, hs)
		}
		return nil
	})
}

// Append persists entries as MemoryStorage.Append does: entries already
// compacted are skipped and a conflicting suffix of the log is replaced.
func (l *Log) Append(ents []*raftpb.Entry) error {
	return l.update(fmt.Sprintf("append %d entries", len(ents)), func(tx *bolt.Tx, c *cache) error {
		return appendEntries(tx, c, ents)
	})
}

// SetHardState persists the hard state.
func (l *Log) SetHardState(hs *raftpb.HardState) error {
	return l.update("set hard state", func(tx *bolt.Tx, c *cache) error {
		return putHardState(tx, c, hs)
	})
}

// ApplySnapshot replaces the log with snap, as MemoryStorage.ApplySnapshot
// does: every entry is dropped and the snapshot becomes the compaction
// marker. A snapshot not newer than the saved one is ErrSnapOutOfDate,
// unless none is saved (an index-0 snapshot carrying only a ConfState
// bootstraps a new log).
func (l *Log) ApplySnapshot(snap *raftpb.Snapshot) error {
	return l.update("apply snapshot", func(tx *bolt.Tx, c *cache) error {
		return applySnapshot(tx, c, snap)
	})
}

// CreateSnapshot saves a snapshot of the state at index i (which must be
// in the log and newer than the saved snapshot: else ErrSnapOutOfDate,
// ErrCompacted or ErrUnavailable) with the configuration cs (nil keeps the
// saved one) and data, and returns it. It does not compact; call Compact.
func (l *Log) CreateSnapshot(i uint64, cs *raftpb.ConfState, data []byte) (*raftpb.Snapshot, error) {
	var out *raftpb.Snapshot
	err := l.update(fmt.Sprintf("create snapshot at %d", i), func(tx *bolt.Tx, c *cache) error {
		if i <= c.snap.GetIndex() {
			return raft.ErrSnapOutOfDate
		}
		term, err := c.term(i)
		if err != nil {
			return err
		}
		if cs == nil {
			cs = c.snap.GetConfState()
		}
		s := &raftpb.Snapshot{
			Data: data,
			Metadata: &raftpb.SnapshotMetadata{
				Index:     new(i),
				Term:      new(term),
				ConfState: raftpb.EnsureConfState(proto.Clone(cs).(*raftpb.ConfState)),
			},
		}
		if err := putSnapshot(tx, c, s); err != nil {
			return err
		}
		out = proto.Clone(s).(*raftpb.Snapshot)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Compact discards the entries before index i, keeping i's index and term as
// the marker; i at or before the marker is ErrCompacted, beyond the last
// entry ErrUnavailable. Do not compact past the applied index.
func (l *Log) Compact(i uint64) error {
	return l.update(fmt.Sprintf("compact to %d", i), func(tx *bolt.Tx, c *cache) error {
		if i <= c.offset {
			return raft.ErrCompacted
		}
		if i > c.lastIndex() {
			return fmt.Errorf("compact %d beyond last index %d: %w", i, c.lastIndex(), raft.ErrUnavailable)
		}
		b := tx.Bucket(bucketEntries)
		for j := c.offset + 1; j <= i; j++ {
			if err := b.Delete(u64(j)); err != nil {
				return fmt.Errorf("delete entry %d: %w", j, err)
			}
		}
		term := c.terms[i-c.offset]
		c.terms = append([]uint64{term}, c.terms[i-c.offset+1:]...)
		c.offset = i
		return putMarker(tx, i, term)
	})
}

// SaveApplied records that the FSM has applied every entry up to index and
// that state is the state this produced, in one synced transaction, so a
// restart never re-applies an entry to a state that already holds it, nor
// skips one. cs is the configuration in force at index (nil keeps the saved
// one); InitialState returns it once index is past the snapshot.
func (l *Log) SaveApplied(index uint64, cs *raftpb.ConfState, state []byte) error {
	return l.SaveAppliedFunc(index, cs, func(b *bolt.Bucket) error {
		return b.Put(keyFSMState, state)
	})
}

// SaveAppliedFunc is SaveApplied for an FSM that keeps its state in keys of
// its own: fn writes them into the FSM bucket inside the same transaction
// that records index and cs. An error from fn aborts the whole transaction.
func (l *Log) SaveAppliedFunc(index uint64, cs *raftpb.ConfState, fn func(b *bolt.Bucket) error) error {
	return l.update(fmt.Sprintf("save applied %d", index), func(tx *bolt.Tx, c *cache) error {
		if index < c.applied {
			return fmt.Errorf("%d < %d: %w", index, c.applied, ErrAppliedRegress)
		}
		if index > c.hs.GetCommit() && index > c.snap.GetIndex() {
			return fmt.Errorf("%d > commit %d: %w", index, c.hs.GetCommit(), ErrNotCommitted)
		}
		if cs == nil {
			cs = c.appliedCS
			if cs == nil || c.snap.GetIndex() > c.applied {
				cs = c.snap.GetConfState()
			}
		}
		cs = raftpb.EnsureConfState(proto.Clone(cs).(*raftpb.ConfState))
		if err := fn(tx.Bucket(bucketFSM)); err != nil {
			return fmt.Errorf("fsm: %w", err)
		}
		b, err := proto.Marshal(cs)
		if err != nil {
			return fmt.Errorf("encode conf state: %w", err)
		}
		if err := tx.Bucket(bucketMeta).Put(keyApplied, append(u64(index), b...)); err != nil {
			return fmt.Errorf("put %q: %w", keyApplied, err)
		}
		c.applied, c.appliedCS = index, cs
		return nil
	})
}

func applySnapshot(tx *bolt.Tx, c *cache, snap *raftpb.Snapshot) error {
	snap = raftpb.EnsureSnapshot(proto.Clone(raftpb.EnsureSnapshot(snap)).(*raftpb.Snapshot))
	idx, term := snap.GetMetadata().GetIndex(), snap.GetMetadata().GetTerm()
	if have := c.snap.GetIndex(); have != 0 && have >= idx {
		return fmt.Errorf("snapshot %d not newer than saved %d: %w", idx, have, raft.ErrSnapOutOfDate)
	}
	if err := putSnapshot(tx, c, snap); err != nil {
		return err
	}
	// Dropping the bucket is cheaper than deleting every key.
	if err := tx.DeleteBucket(bucketEntries); err != nil {
		return fmt.Errorf("drop entries: %w", err)
	}
	b, err := tx.CreateBucket(bucketEntries)
	if err != nil {
		return fmt.Errorf("recreate entries: %w", err)
	}
	b.FillPercent = 0.9
	c.offset, c.terms = idx, []uint64{term}
	return putMarker(tx, idx, term)
}

func putSnapshot(tx *bolt.Tx, c *cache, s *raftpb.Snapshot) error {
	v, err := proto.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode snapshot %d: %w", s.GetMetadata().GetIndex(), err)
	}
	if err := tx.Bucket(bucketMeta).Put(keySnapshot, v); err != nil {
		return fmt.Errorf("put snapshot %d: %w", s.GetMetadata().GetIndex(), err)
	}
	c.snap = proto.Clone(s.GetMetadata()).(*raftpb.SnapshotMetadata)
	return nil
}

func putMarker(tx *bolt.Tx, index, term uint64) error {
	var v [16]byte
	binary.BigEndian.PutUint64(v[:], index)
	binary.BigEndian.PutUint64(v[8:], term)
	if err := tx.Bucket(bucketMeta).Put(keyCompacted, v[:]); err != nil {
		return fmt.Errorf("put %q: %w", keyCompacted, err)
	}
	return nil
}

func putHardState(tx *bolt.Tx, c *cache, hs *raftpb.HardState) error {
	hs = proto.Clone(hs).(*raftpb.HardState)
	v, err := proto.Marshal(hs)
	if err != nil {
		return fmt.Errorf("encode hard state: %w", err)
	}
	if err := tx.Bucket(bucketMeta).Put(keyHardState, v); err != nil {
		return fmt.Errorf("put hard state: %w", err)
	}
	c.hs = hs
	return nil
}

// appendEntries follows MemoryStorage.Append, with errors where it panics.
func appendEntries(tx *bolt.Tx, c *cache, ents []*raftpb.Entry) error {
	if len(ents) == 0 {
		return nil
	}
	for k := 1; k < len(ents); k++ {
		if ents[k].GetIndex() != ents[0].GetIndex()+uint64(k) {
			return fmt.Errorf("entries not contiguous: %d follows %d", ents[k].GetIndex(), ents[k-1].GetIndex())
		}
	}
	first := c.firstIndex()
	last := ents[0].GetIndex() + uint64(len(ents)) - 1
	if last < first {
		return nil // all compacted already
	}
	if first > ents[0].GetIndex() {
		ents = ents[first-ents[0].GetIndex():]
	}
	from, oldLast := ents[0].GetIndex(), c.lastIndex()
	if from > oldLast+1 {
		return fmt.Errorf("missing log entry: last %d, append at %d", oldLast, from)
	}
	b := tx.Bucket(bucketEntries)
	// Truncate the conflicting suffix beyond what the new entries overwrite.
	for j := last + 1; j <= oldLast; j++ {
		if err := b.Delete(u64(j)); err != nil {
			return fmt.Errorf("truncate entry %d: %w", j, err)
		}
	}
	if keep := from - c.offset; keep < uint64(len(c.terms)) {
		// A conflicting suffix: copy, the committed cache still holds it.
		c.terms = append(make([]uint64, 0, keep+uint64(len(ents))), c.terms[:keep]...)
	}
	for _, e := range ents {
		v, err := proto.Marshal(e)
		if err != nil {
			return fmt.Errorf("encode entry %d: %w", e.GetIndex(), err)
		}
		if err := b.Put(u64(e.GetIndex()), v); err != nil {
			return fmt.Errorf("put entry %d: %w", e.GetIndex(), err)
		}
		c.terms = append(c.terms, e.GetTerm())
	}
	return nil
}

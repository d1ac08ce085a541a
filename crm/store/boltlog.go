// Package store is the replicated CIB: an etcd raft state machine whose log,
// hard state, snapshots and applied state live in one bbolt file.
//
// This file is the read side of Log, raft's Storage backed by bbolt. The
// disk is the truth; the hot values raft asks for on every step (first and
// last index, every entry's term, the hard state, the snapshot's metadata,
// the applied index) are cached in memory and only replaced after the bbolt
// transaction that wrote them has committed and synced, so memory never runs
// ahead of the disk. Entry keys are big-endian indexes so bbolt's byte order
// is log order: a cursor walks a range in sequence and appends land on the
// rightmost page.
package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// Bucket and key names of the bolt file. See docs/decisions/0005.
var (
	bucketEntries = []byte("entries") // big-endian index -> raftpb.Entry
	bucketMeta    = []byte("meta")    // the keys below
	bucketFSM     = []byte("fsm")     // the state machine's own keys

	keyFormat    = []byte("format")    // formatVersion, big-endian uint64
	keyHardState = []byte("hardstate") // raftpb.HardState
	keySnapshot  = []byte("snapshot")  // raftpb.Snapshot, data included
	keyCompacted = []byte("compacted") // index, term of the entry before the first one kept
	keyApplied   = []byte("applied")   // index, then raftpb.ConfState in force at it

	// keyFSMState is where SaveApplied keeps a whole-state blob.
	keyFSMState = []byte("state")
)

const formatVersion = 1

// ErrAppliedRegress is returned by SaveApplied when the index is below the
// applied index already saved.
var ErrAppliedRegress = errors.New("applied index would go backwards")

// ErrNotCommitted is returned by SaveApplied when the index is beyond the
// commit index of the saved hard state.
var ErrNotCommitted = errors.New("index not committed")

// Log is raft.Storage on a bbolt file, plus the write side the Ready loop
// needs (Save, CreateSnapshot, Compact, SaveApplied). It is safe for
// concurrent use; writers are serialized.
type Log struct {
	path string
	db   *bolt.DB

	mu sync.RWMutex
	c  cache

	// testHookBeforeCommit, when set, runs inside every write transaction
	// after all puts and before the commit; an error aborts it.
	testHookBeforeCommit func() error
}

// cache mirrors what is on disk. It is replaced as a whole after a commit.
type cache struct {
	hs *raftpb.HardState
	// snap is the saved snapshot's metadata (its data stays on disk).
	snap *raftpb.SnapshotMetadata
	// offset is the index of the entry before the first one kept (the
	// compaction marker); terms[i] is the term of entry offset+i, so
	// terms[0] is the marker's term and len(terms)-1 entries are stored.
	offset uint64
	terms  []uint64
	// applied is the index the FSM state on disk reflects; appliedCS is the
	// configuration in force at it (nil if never saved).
	applied   uint64
	appliedCS *raftpb.ConfState
}

func (c *cache) lastIndex() uint64  { return c.offset + uint64(len(c.terms)) - 1 }
func (c *cache) firstIndex() uint64 { return c.offset + 1 }

// clone copies the cache for a writer to modify. terms shares its array:
// writers only append past the original's length in place (invisible to
// the original, which keeps its length) and copy before rewriting anything
// inside it, so a failed transaction leaves the original untouched without
// copying the whole term cache on every write.
func (c *cache) clone() cache { return *c }

var _ raft.Storage = (*Log)(nil)

// Open opens or creates the bolt file at path and recovers the log, hard
// state, snapshot metadata and applied state saved in it. A record that does
// not decode, a gap in the entries, or a commit index beyond the last entry
// is an error naming the key: raft would panic on such a log.
//
// If Applied is below the snapshot's index, the FSM must be restored from
// Snapshot and SaveApplied called before raft is started with Applied.
func Open(path string) (*Log, error) {
	return open(path, &bolt.Options{
		Timeout: 2 * time.Second,
		// As etcd does: the freelist is rebuilt at open rather than written
		// on every commit, and kept in a map (log truncation frees pages).
		NoFreelistSync: true,
		FreelistType:   bolt.FreelistMapType,
	})
}

func open(path string, opts *bolt.Options) (*Log, error) {
	db, err := bolt.Open(path, 0o600, opts)
	if err != nil {
		return nil, fmt.Errorf("bolt log %s: open: %w", path, err)
	}
	l := &Log{path: path, db: db}
	if !opts.ReadOnly {
		err = db.Update(func(tx *bolt.Tx) error {
			for _, name := range [][]byte{bucketEntries, bucketMeta, bucketFSM} {
				if _, err := tx.CreateBucketIfNotExists(name); err != nil {
					return fmt.Errorf("create bucket %s: %w", name, err)
				}
			}
			meta := tx.Bucket(bucketMeta)
			if meta.Get(keyFormat) == nil {
				return meta.Put(keyFormat, u64(formatVersion))
			}
			return nil
		})
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("bolt log %s: init: %w", path, err)
		}
	}
	if err := db.View(func(tx *bolt.Tx) error {
		c, err := l.load(tx)
		l.c = c
		return err
	}); err != nil {
		db.Close()
		return nil, fmt.Errorf("bolt log %s: recover: %w", path, err)
	}
	return l, nil
}

// load reads the cache from disk, checking the records as it goes.
func (l *Log) load(tx *bolt.Tx) (cache, error) {
	var c cache
	meta, ents := tx.Bucket(bucketMeta), tx.Bucket(bucketEntries)
	if meta == nil || ents == nil || tx.Bucket(bucketFSM) == nil {
		return c, errors.New("missing bucket: not a pacer raft log")
	}
	if v := meta.Get(keyFormat); len(v) != 8 || binary.BigEndian.Uint64(v) != formatVersion {
		return c, fmt.Errorf("meta key %q: unknown format %x", keyFormat, v)
	}
	c.hs = &raftpb.HardState{}
	if v := meta.Get(keyHardState); v != nil {
		if err := proto.Unmarshal(v, c.hs); err != nil {
			return c, fmt.Errorf("meta key %q: %w", keyHardState, err)
		}
	}
	c.snap = raftpb.EnsureSnapshotMetadata(nil)
	if v := meta.Get(keySnapshot); v != nil {
		s := &raftpb.Snapshot{}
		if err := proto.Unmarshal(v, s); err != nil {
			return c, fmt.Errorf("meta key %q: %w", keySnapshot, err)
		}
		c.snap = raftpb.EnsureSnapshot(s).GetMetadata()
	}
	var markerTerm uint64
	if v := meta.Get(keyCompacted); v != nil {
		if len(v) != 16 {
			return c, fmt.Errorf("meta key %q: %d bytes, want 16", keyCompacted, len(v))
		}
		c.offset, markerTerm = binary.BigEndian.Uint64(v), binary.BigEndian.Uint64(v[8:])
	}
	c.terms = []uint64{markerTerm}
	cur := ents.Cursor()
	for k, v := cur.First(); k != nil; k, v = cur.Next() {
		want := c.lastIndex() + 1
		if len(k) != 8 || binary.BigEndian.Uint64(k) != want {
			return c, fmt.Errorf("entry key %x: want index %d (gap or stray key)", k, want)
		}
		e := &raftpb.Entry{}
		if err := proto.Unmarshal(v, e); err != nil {
			return c, fmt.Errorf("entry key %x: %w", k, err)
		}
		if e.GetIndex() != want {
			return c, fmt.Errorf("entry key %x: holds index %d", k, e.GetIndex())
		}
		c.terms = append(c.terms, e.GetTerm())
	}
	if v := meta.Get(keyApplied); v != nil {
		if len(v) < 8 {
			return c, fmt.Errorf("meta key %q: %d bytes, want at least 8", keyApplied, len(v))
		}
		c.applied = binary.BigEndian.Uint64(v)
		c.appliedCS = &raftpb.ConfState{}
		if err := proto.Unmarshal(v[8:], c.appliedCS); err != nil {
			return c, fmt.Errorf("meta key %q: %w", keyApplied, err)
		}
	}
	if commit := c.hs.GetCommit(); commit > c.lastIndex() {
		return c, fmt.Errorf("meta key %q: commit %d beyond last entry %d", keyHardState, commit, c.lastIndex())
	}
	return c, nil
}

// Close closes the bolt file. The Log is unusable afterwards.
func (l *Log) Close() error {
	if err := l.db.Close(); err != nil {
		return fmt.Errorf("bolt log %s: close: %w", l.path, err)
	}
	return nil
}

// Path is the bolt file's path.
func (l *Log) Path() string { return l.path }

// InitialState implements raft.Storage. The ConfState is the one saved with
// the applied index when that is past the snapshot (so raft, started with
// Config.Applied, does not need the ConfChanges it will not replay), else the
// snapshot's.
func (l *Log) InitialState() (*raftpb.HardState, *raftpb.ConfState, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	cs := l.c.snap.GetConfState()
	if l.c.appliedCS != nil && l.c.applied > l.c.snap.GetIndex() {
		cs = l.c.appliedCS
	}
	return proto.Clone(l.c.hs).(*raftpb.HardState), raftpb.EnsureConfState(proto.Clone(cs).(*raftpb.ConfState)), nil
}

// HardState returns the saved hard state.
func (l *Log) HardState() *raftpb.HardState {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return proto.Clone(l.c.hs).(*raftpb.HardState)
}

// Entries implements raft.Storage: entries [lo, hi), at most maxSize bytes
// of them (encoded) but at least one.
func (l *Log) Entries(lo, hi, maxSize uint64) ([]*raftpb.Entry, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if lo <= l.c.offset {
		return nil, raft.ErrCompacted
	}
	if hi > l.c.lastIndex()+1 {
		return nil, fmt.Errorf("bolt log %s: entries [%d, %d) beyond last index %d: %w",
			l.path, lo, hi, l.c.lastIndex(), raft.ErrUnavailable)
	}
	if len(l.c.terms) == 1 {
		return nil, raft.ErrUnavailable
	}
	if lo >= hi {
		return nil, nil
	}
	out := make([]*raftpb.Entry, 0, min(hi-lo, 64))
	var size uint64
	err := l.db.View(func(tx *bolt.Tx) error {
		cur := tx.Bucket(bucketEntries).Cursor()
		want := lo
		for k, v := cur.Seek(u64(lo)); want < hi; k, v = cur.Next() {
			if k == nil || !bytes.Equal(k, u64(want)) {
				return fmt.Errorf("entry %d: missing (found key %x)", want, k)
			}
			size += uint64(len(v))
			if len(out) > 0 && size > maxSize {
				return nil
			}
			e := &raftpb.Entry{}
			if err := proto.Unmarshal(v, e); err != nil {
				return fmt.Errorf("entry key %x: %w", k, err)
			}
			if e.GetIndex() != want {
				return fmt.Errorf("entry key %x: holds index %d", k, e.GetIndex())
			}
			out = append(out, e)
			want++
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bolt log %s: read entries [%d, %d): %w", l.path, lo, hi, err)
	}
	return out, nil
}

// Term implements raft.Storage from the in-memory term cache.
func (l *Log) Term(i uint64) (uint64, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.c.term(i)
}

func (c *cache) term(i uint64) (uint64, error) {
	if i < c.offset {
		return 0, raft.ErrCompacted
	}
	if i > c.lastIndex() {
		return 0, raft.ErrUnavailable
	}
	return c.terms[i-c.offset], nil
}

// LastIndex implements raft.Storage.
func (l *Log) LastIndex() (uint64, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.c.lastIndex(), nil
}

// FirstIndex implements raft.Storage.
func (l *Log) FirstIndex() (uint64, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.c.firstIndex(), nil
}

// Snapshot implements raft.Storage. It reads the snapshot, data included,
// from disk.
func (l *Log) Snapshot() (*raftpb.Snapshot, error) {
	s := &raftpb.Snapshot{}
	err := l.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketMeta).Get(keySnapshot)
		if v == nil {
			return nil
		}
		if err := proto.Unmarshal(v, s); err != nil {
			return fmt.Errorf("meta key %q: %w", keySnapshot, err)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bolt log %s: read snapshot: %w", l.path, err)
	}
	return raftpb.EnsureSnapshot(s), nil
}

// Applied returns the applied index saved by SaveApplied (0 if none).
func (l *Log) Applied() uint64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.c.applied
}

// AppliedState reads the applied index, the configuration saved with it
// (nil if none) and the blob SaveApplied stored, in one read transaction.
func (l *Log) AppliedState() (uint64, *raftpb.ConfState, []byte, error) {
	var (
		index uint64
		cs    *raftpb.ConfState
		state []byte
	)
	err := l.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketFSM).Get(keyFSMState); v != nil {
			state = bytes.Clone(v)
		}
		v := tx.Bucket(bucketMeta).Get(keyApplied)
		if v == nil {
			return nil
		}
		if len(v) < 8 {
			return fmt.Errorf("meta key %q: %d bytes, want at least 8", keyApplied, len(v))
		}
		index, cs = binary.BigEndian.Uint64(v), &raftpb.ConfState{}
		if err := proto.Unmarshal(v[8:], cs); err != nil {
			return fmt.Errorf("meta key %q: %w", keyApplied, err)
		}
		return nil
	})
	if err != nil {
		return 0, nil, nil, fmt.Errorf("bolt log %s: read applied state: %w", l.path, err)
	}
	return index, cs, state, nil
}

// ViewFSM runs fn on the FSM bucket in a read transaction. The bucket and
// its values are valid only inside fn.
func (l *Log) ViewFSM(fn func(b *bolt.Bucket) error) error {
	if err := l.db.View(func(tx *bolt.Tx) error { return fn(tx.Bucket(bucketFSM)) }); err != nil {
		return fmt.Errorf("bolt log %s: view fsm: %w", l.path, err)
	}
	return nil
}

// u64 is the big-endian key of an index.
func u64(i uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], i)
	return b[:]
}

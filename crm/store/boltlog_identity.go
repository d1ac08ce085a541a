package store

// The raft id a log belongs to, and wiping a log for a node that rejoins
// under a new raft id. A log written before either existed has no id key:
// its node uses its configured id.

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
	"go.etcd.io/raft/v3/raftpb"
)

// keyRaftID is the raft id the log belongs to when it is not the node's
// configured one (big-endian uint64).
var keyRaftID = []byte("raftid")

// RaftID returns the raft id saved by Reset, 0 if none.
func (l *Log) RaftID() (uint64, error) {
	var id uint64
	err := l.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketMeta).Get(keyRaftID)
		if v == nil {
			return nil
		}
		if len(v) != 8 || binary.BigEndian.Uint64(v) == 0 {
			return fmt.Errorf("meta key %q: %x is not a raft id", keyRaftID, v)
		}
		id = binary.BigEndian.Uint64(v)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("bolt log %s: %w", l.path, err)
	}
	return id, nil
}

// Reset empties the log (entries, hard state, snapshot, applied state and
// the state machine's keys) and records id as the raft id it belongs to,
// in one synced transaction: the node starts over as a new member that the
// leader brings up to date.
func (l *Log) Reset(id uint64) error {
	if id == 0 {
		return fmt.Errorf("bolt log %s: reset: raft id 0", l.path)
	}
	return l.update(fmt.Sprintf("reset as raft id %d", id), func(tx *bolt.Tx, c *cache) error {
		for _, name := range [][]byte{bucketEntries, bucketFSM} {
			if err := tx.DeleteBucket(name); err != nil {
				return fmt.Errorf("delete bucket %s: %w", name, err)
			}
			if _, err := tx.CreateBucket(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		meta := tx.Bucket(bucketMeta)
		for _, k := range [][]byte{keyHardState, keySnapshot, keyCompacted, keyApplied} {
			if err := meta.Delete(k); err != nil {
				return fmt.Errorf("delete meta key %q: %w", k, err)
			}
		}
		if err := meta.Put(keyRaftID, u64(id)); err != nil {
			return fmt.Errorf("put meta key %q: %w", keyRaftID, err)
		}
		*c = cache{hs: &raftpb.HardState{}, snap: raftpb.EnsureSnapshotMetadata(nil), terms: []uint64{0}}
		return nil
	})
}

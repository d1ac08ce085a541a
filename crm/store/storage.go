package store

// The disk seam. A Node needs raft's Storage plus the write side of the
// Ready loop; the bbolt Log is the production implementation, MemLog the
// deterministic simulator's (an in-memory disk whose writes survive a crash
// only once synced).

import (
	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
)

// Storage is what a Node persists to. Every write is one transaction: on
// success it is durable (or, for MemLog, durable once synced), on error
// nothing changed. The Ready loop calls Save before it sends the Ready's
// messages.
type Storage interface {
	raft.Storage
	// Save persists one Ready: snapshot, entries (a conflicting suffix
	// truncated), hard state.
	Save(hs *pb.HardState, ents []*pb.Entry, snap *pb.Snapshot) error
	// CreateSnapshot records a snapshot at i; Compact drops the entries
	// before i.
	CreateSnapshot(i uint64, cs *pb.ConfState, data []byte) (*pb.Snapshot, error)
	Compact(i uint64) error
	// SaveApplied records the applied index, the configuration in force
	// at it and the state it produced, together.
	SaveApplied(index uint64, cs *pb.ConfState, state []byte) error
	// AppliedState reads back what SaveApplied saved.
	AppliedState() (uint64, *pb.ConfState, []byte, error)
	// RaftID is the raft id Reset recorded (0: the configured one); Reset
	// empties the storage for a node that rejoins under a new raft id.
	RaftID() (uint64, error)
	Reset(id uint64) error
	// Path names the storage in errors and logs.
	Path() string
}

var (
	_ Storage = (*Log)(nil)
	_ Storage = (*MemLog)(nil)
)

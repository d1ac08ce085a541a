package store

// MemLog is the simulator's disk: the same Storage as the bbolt Log, in
// memory, with a write cache. A write is one atomic transaction, as a bbolt
// commit is: it is visible to reads at once, but durable only once synced.
// Crash keeps what was synced plus a prefix of the writes that were not
// (the disk may have written some of them before the power went), so a
// simulator can check that nothing acknowledged depended on a write that
// was never synced. With auto-sync (the default) every write is synced
// before it returns, as Log's are. It follows Log's semantics and errors
// (the conformance tests run both), never panicking on bad input.

import (
	"errors"
	"fmt"
	"sync"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// MemLog is an in-memory Storage. It is safe for concurrent use.
type MemLog struct {
	name string

	mu       sync.Mutex
	cur      memState   // what reads see
	durable  memState   // what a crash keeps
	pending  []memState // the state after each unsynced write, oldest first
	writes   uint64     // writes made
	synced   uint64     // writes durable
	autoSync bool
	failErr  error
}

// memState is one version of the disk. Writers copy it; the entries
// themselves are never modified once stored.
type memState struct {
	hs         *pb.HardState
	snap       *pb.Snapshot // data included
	offset     uint64       // index of the entry before the first kept
	markerTerm uint64
	ents       []*pb.Entry // offset+1 ...
	applied    uint64
	appliedCS  *pb.ConfState
	fsm        []byte
	raftID     uint64
}

func (s *memState) lastIndex() uint64 { return s.offset + uint64(len(s.ents)) }

func (s *memState) term(i uint64) (uint64, error) {
	switch {
	case i < s.offset:
		return 0, raft.ErrCompacted
	case i > s.lastIndex():
		return 0, raft.ErrUnavailable
	case i == s.offset:
		return s.markerTerm, nil
	}
	return s.ents[i-s.offset-1].GetTerm(), nil
}

func (s memState) clone() memState {
	s.ents = append([]*pb.Entry(nil), s.ents...)
	return s
}

// NewMemLog returns an empty MemLog named name (its Path), syncing every
// write.
func NewMemLog(name string) *MemLog {
	empty := memState{hs: &pb.HardState{}, snap: pb.EnsureSnapshot(nil)}
	return &MemLog{name: name, cur: empty, durable: empty, autoSync: true}
}

// SetAutoSync chooses whether every write is synced before it returns
// (true, as Log) or stays unsynced until Sync (false).
func (l *MemLog) SetAutoSync(on bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.autoSync = on
	if on {
		l.syncLocked()
	}
}

// SetFailWrites makes every write fail with err (a failing disk), changing
// nothing; nil heals it.
func (l *MemLog) SetFailWrites(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failErr = err
}

// Sync makes every write so far durable.
func (l *MemLog) Sync() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.syncLocked()
}

func (l *MemLog) syncLocked() {
	l.durable, l.pending, l.synced = l.cur, nil, l.writes
}

// Writes counts the writes made; Synced those that are durable.
func (l *MemLog) Writes() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.writes
}

// Synced counts the writes that are durable.
func (l *MemLog) Synced() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.synced
}

// Crash drops the unsynced writes except the first keep of them (the disk
// wrote those before the crash) and returns how many it kept. Reads then
// see the disk as a restarted process would.
func (l *MemLog) Crash(keep int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	keep = max(0, min(keep, len(l.pending)))
	if keep > 0 {
		l.durable = l.pending[keep-1]
	}
	l.synced += uint64(keep)
	l.writes = l.synced
	l.cur, l.pending = l.durable, nil
	return keep
}

// DurableCommit is the commit index of the durable hard state, and
// DurableApplied the durable applied index.
func (l *MemLog) DurableCommit() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.durable.hs.GetCommit()
}

// DurableApplied is the applied index a restart would begin from.
func (l *MemLog) DurableApplied() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return max(l.durable.applied, l.durable.snap.GetMetadata().GetIndex())
}

// DurableTerm is the term of entry i on the durable disk, and whether the
// durable disk has it (or a snapshot covering it: then ok and term 0 when
// i is below the snapshot).
func (l *MemLog) DurableTerm(i uint64) (term uint64, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if i <= l.durable.offset {
		if i == l.durable.offset {
			return l.durable.markerTerm, true
		}
		return 0, true
	}
	t, err := l.durable.term(i)
	return t, err == nil
}

// update runs fn on a copy of the current state and installs it as one
// write if fn succeeds.
func (l *MemLog) update(what string, fn func(s *memState) error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failErr != nil {
		return fmt.Errorf("mem log %s: %s: %w", l.name, what, l.failErr)
	}
	s := l.cur.clone()
	if err := fn(&s); err != nil {
		return fmt.Errorf("mem log %s: %s: %w", l.name, what, err)
	}
	l.cur = s
	l.writes++
	l.pending = append(l.pending, s)
	if l.autoSync {
		l.syncLocked()
	}
	return nil
}

// Path names the log.
func (l *MemLog) Path() string { return l.name }

// InitialState implements raft.Storage, as Log's.
func (l *MemLog) InitialState() (*pb.HardState, *pb.ConfState, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := &l.cur
	cs := s.snap.GetMetadata().GetConfState()
	if s.appliedCS != nil && s.applied > s.snap.GetMetadata().GetIndex() {
		cs = s.appliedCS
	}
	return proto.Clone(s.hs).(*pb.HardState), cloneConfState(cs), nil
}

// HardState returns the hard state reads see.
func (l *MemLog) HardState() *pb.HardState {
	l.mu.Lock()
	defer l.mu.Unlock()
	return proto.Clone(l.cur.hs).(*pb.HardState)
}

// Entries implements raft.Storage. The entries are shared: raft only reads
// them.
func (l *MemLog) Entries(lo, hi, maxSize uint64) ([]*pb.Entry, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := &l.cur
	if lo <= s.offset {
		return nil, raft.ErrCompacted
	}
	if hi > s.lastIndex()+1 {
		return nil, fmt.Errorf("mem log %s: entries [%d, %d) beyond last index %d: %w", l.name, lo, hi, s.lastIndex(), raft.ErrUnavailable)
	}
	if len(s.ents) == 0 {
		return nil, raft.ErrUnavailable
	}
	if lo >= hi {
		return nil, nil
	}
	var size uint64
	out := make([]*pb.Entry, 0, min(hi-lo, 64))
	for i := lo; i < hi; i++ {
		e := s.ents[i-s.offset-1]
		size += uint64(proto.Size(e))
		if len(out) > 0 && size > maxSize {
			break
		}
		out = append(out, e)
	}
	return out, nil
}

// Term implements raft.Storage.
func (l *MemLog) Term(i uint64) (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cur.term(i)
}

// LastIndex implements raft.Storage.
func (l *MemLog) LastIndex() (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cur.lastIndex(), nil
}

// FirstIndex implements raft.Storage.
func (l *MemLog) FirstIndex() (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cur.offset + 1, nil
}

// Snapshot implements raft.Storage (a copy, data included).
func (l *MemLog) Snapshot() (*pb.Snapshot, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return pb.EnsureSnapshot(proto.Clone(l.cur.snap).(*pb.Snapshot)), nil
}

// Applied returns the applied index SaveApplied saved (0 if none).
func (l *MemLog) Applied() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cur.applied
}

// AppliedState implements Storage.
func (l *MemLog) AppliedState() (uint64, *pb.ConfState, []byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := &l.cur
	var cs *pb.ConfState
	if s.appliedCS != nil {
		cs = cloneConfState(s.appliedCS)
	}
	return s.applied, cs, append([]byte(nil), s.fsm...), nil
}

// Save implements Storage: snapshot, entries, hard state, as one write. A
// Ready with nothing to persist writes nothing.
func (l *MemLog) Save(hs *pb.HardState, ents []*pb.Entry, snap *pb.Snapshot) error {
	if raft.IsEmptyHardState(hs) && len(ents) == 0 && raft.IsEmptySnap(snap) {
		return nil
	}
	return l.update(fmt.Sprintf("save %d entries", len(ents)), func(s *memState) error {
		if !raft.IsEmptySnap(snap) {
			if err := memApplySnapshot(s, snap); err != nil {
				return err
			}
		}
		if err := memAppend(s, ents); err != nil {
			return err
		}
		if !raft.IsEmptyHardState(hs) {
			s.hs = proto.Clone(hs).(*pb.HardState)
		}
		return nil
	})
}

// Append persists entries as Log.Append does.
func (l *MemLog) Append(ents []*pb.Entry) error {
	return l.update(fmt.Sprintf("append %d entries", len(ents)), func(s *memState) error { return memAppend(s, ents) })
}

// SetHardState persists the hard state.
func (l *MemLog) SetHardState(hs *pb.HardState) error {
	return l.update("set hard state", func(s *memState) error {
		s.hs = proto.Clone(hs).(*pb.HardState)
		return nil
	})
}

// ApplySnapshot replaces the log with snap, as Log.ApplySnapshot does.
func (l *MemLog) ApplySnapshot(snap *pb.Snapshot) error {
	return l.update("apply snapshot", func(s *memState) error { return memApplySnapshot(s, snap) })
}

// CreateSnapshot implements Storage, as Log.CreateSnapshot.
func (l *MemLog) CreateSnapshot(i uint64, cs *pb.ConfState, data []byte) (*pb.Snapshot, error) {
	var out *pb.Snapshot
	err := l.update(fmt.Sprintf("create snapshot at %d", i), func(s *memState) error {
		if i <= s.snap.GetMetadata().GetIndex() {
			return raft.ErrSnapOutOfDate
		}
		term, err := s.term(i)
		if err != nil {
			return err
		}
		if cs == nil {
			cs = s.snap.GetMetadata().GetConfState()
		}
		s.snap = &pb.Snapshot{
			Data:     append([]byte(nil), data...),
			Metadata: &pb.SnapshotMetadata{Index: new(i), Term: new(term), ConfState: cloneConfState(cs)},
		}
		out = proto.Clone(s.snap).(*pb.Snapshot)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Compact implements Storage, as Log.Compact.
func (l *MemLog) Compact(i uint64) error {
	return l.update(fmt.Sprintf("compact to %d", i), func(s *memState) error {
		if i <= s.offset {
			return raft.ErrCompacted
		}
		if i > s.lastIndex() {
			return fmt.Errorf("compact %d beyond last index %d: %w", i, s.lastIndex(), raft.ErrUnavailable)
		}
		s.markerTerm = s.ents[i-s.offset-1].GetTerm()
		s.ents = s.ents[i-s.offset:]
		s.offset = i
		return nil
	})
}

// SaveApplied implements Storage, as Log.SaveApplied.
func (l *MemLog) SaveApplied(index uint64, cs *pb.ConfState, state []byte) error {
	return l.update(fmt.Sprintf("save applied %d", index), func(s *memState) error {
		if index < s.applied {
			return fmt.Errorf("%d < %d: %w", index, s.applied, ErrAppliedRegress)
		}
		if index > s.hs.GetCommit() && index > s.snap.GetMetadata().GetIndex() {
			return fmt.Errorf("%d > commit %d: %w", index, s.hs.GetCommit(), ErrNotCommitted)
		}
		if cs == nil {
			cs = s.appliedCS
			if cs == nil || s.snap.GetMetadata().GetIndex() > s.applied {
				cs = s.snap.GetMetadata().GetConfState()
			}
		}
		s.applied, s.appliedCS, s.fsm = index, cloneConfState(cs), append([]byte(nil), state...)
		return nil
	})
}

func memApplySnapshot(s *memState, snap *pb.Snapshot) error {
	snap = pb.EnsureSnapshot(proto.Clone(pb.EnsureSnapshot(snap)).(*pb.Snapshot))
	idx, term := snap.GetMetadata().GetIndex(), snap.GetMetadata().GetTerm()
	if have := s.snap.GetMetadata().GetIndex(); have != 0 && have >= idx {
		return fmt.Errorf("snapshot %d not newer than saved %d: %w", idx, have, raft.ErrSnapOutOfDate)
	}
	s.snap, s.offset, s.markerTerm, s.ents = snap, idx, term, nil
	return nil
}

// memAppend follows MemoryStorage.Append (and Log's appendEntries).
func memAppend(s *memState, ents []*pb.Entry) error {
	if len(ents) == 0 {
		return nil
	}
	for k := 1; k < len(ents); k++ {
		if ents[k].GetIndex() != ents[0].GetIndex()+uint64(k) {
			return fmt.Errorf("entries not contiguous: %d follows %d", ents[k].GetIndex(), ents[k-1].GetIndex())
		}
	}
	first := s.offset + 1
	last := ents[0].GetIndex() + uint64(len(ents)) - 1
	if last < first {
		return nil // all compacted already
	}
	if first > ents[0].GetIndex() {
		ents = ents[first-ents[0].GetIndex():]
	}
	from := ents[0].GetIndex()
	if from > s.lastIndex()+1 {
		return fmt.Errorf("missing log entry: last %d, append at %d", s.lastIndex(), from)
	}
	s.ents = s.ents[:from-s.offset-1]
	for _, e := range ents {
		s.ents = append(s.ents, proto.Clone(e).(*pb.Entry))
	}
	return nil
}

// RaftID implements Storage: the id Reset recorded, 0 if none.
func (l *MemLog) RaftID() (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cur.raftID, nil
}

// Reset implements Storage, as Log.Reset: one write that empties the log
// and records id.
func (l *MemLog) Reset(id uint64) error {
	if id == 0 {
		return fmt.Errorf("mem log %s: reset: raft id 0", l.name)
	}
	return l.update(fmt.Sprintf("reset as raft id %d", id), func(s *memState) error {
		*s = memState{hs: &pb.HardState{}, snap: pb.EnsureSnapshot(nil), raftID: id}
		return nil
	})
}

// ErrDiskFailed is what a simulated failing disk returns.
var ErrDiskFailed = errors.New("disk failed")

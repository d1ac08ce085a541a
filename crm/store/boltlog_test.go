package store

// Durability of the bolt Log: what a restart recovers, that a failed
// transaction changes nothing (on disk or in the cache), that corrupt
// records are errors naming their key, and the applied-state rules.

import (
	"bytes"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

func hardState(term, vote, commit uint64) *pb.HardState {
	return &pb.HardState{Term: new(term), Vote: new(vote), Commit: new(commit)}
}

// state is everything a Log exposes, for comparing before and after.
type state struct {
	hs      *pb.HardState
	cs      *pb.ConfState
	first   uint64
	last    uint64
	ents    []*pb.Entry
	snap    *pb.Snapshot
	applied uint64
	appCS   *pb.ConfState
	fsm     []byte
}

func snapshotState(t *testing.T, l *Log) state {
	t.Helper()
	var s state
	var err error
	if s.hs, s.cs, err = l.InitialState(); err != nil {
		t.Fatal(err)
	}
	s.first, s.last, s.ents = contents(t, l)
	if s.snap, err = l.Snapshot(); err != nil {
		t.Fatal(err)
	}
	if s.applied, s.appCS, s.fsm, err = l.AppliedState(); err != nil {
		t.Fatal(err)
	}
	if s.applied != l.Applied() {
		t.Fatalf("Applied() = %d, on disk %d", l.Applied(), s.applied)
	}
	return s
}

func checkSameState(t *testing.T, got, want state) {
	t.Helper()
	if !proto.Equal(got.hs, want.hs) || !proto.Equal(got.cs, want.cs) {
		t.Fatalf("InitialState = %v %v, want %v %v", got.hs, got.cs, want.hs, want.cs)
	}
	if got.first != want.first || got.last != want.last {
		t.Fatalf("first, last = %d, %d; want %d, %d", got.first, got.last, want.first, want.last)
	}
	checkEntries(t, got.ents, want.ents)
	if !proto.Equal(got.snap, want.snap) {
		t.Fatalf("snapshot = %v, want %v", got.snap, want.snap)
	}
	if got.applied != want.applied || !proto.Equal(got.appCS, want.appCS) || !bytes.Equal(got.fsm, want.fsm) {
		t.Fatalf("applied = %d %v %q, want %d %v %q", got.applied, got.appCS, got.fsm, want.applied, want.appCS, want.fsm)
	}
}

// populate writes a log with a snapshot at 10, entries 11..20, a conflicting
// rewrite of 18..19, a compaction to 12, a hard state and an applied state.
func populate(t *testing.T, l *Log) {
	t.Helper()
	cs := &pb.ConfState{Voters: []uint64{1, 2, 3}, Learners: []uint64{7}}
	snap := &pb.Snapshot{Data: []byte("cib@10"), Metadata: &pb.SnapshotMetadata{Index: new(uint64(10)), Term: new(uint64(2)), ConfState: cs}}
	e := ents(11, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3)
	for i, x := range e {
		x.Data = []byte{byte(i)}
	}
	if err := l.Save(hardState(3, 1, 15), e, snap); err != nil {
		t.Fatal(err)
	}
	if err := l.Save(hardState(4, 2, 17), ents(18, 4, 4), nil); err != nil {
		t.Fatal(err)
	}
	if err := l.Compact(12); err != nil {
		t.Fatal(err)
	}
	cs2 := &pb.ConfState{Voters: []uint64{1, 2, 3, 7}}
	if err := l.SaveApplied(16, cs2, []byte("cib@16")); err != nil {
		t.Fatal(err)
	}
}

func TestRestartRecovers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "raft.db")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	populate(t, l)
	before := snapshotState(t, l)
	if before.first != 13 || before.last != 19 || before.hs.GetCommit() != 17 {
		t.Fatalf("populate: first %d last %d commit %d", before.first, before.last, before.hs.GetCommit())
	}
	// The conf state is the applied one, past the snapshot.
	if v := before.cs.GetVoters(); len(v) != 4 {
		t.Fatalf("InitialState voters %v, want the applied configuration", v)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l2 := openTest(t, path)
	checkSameState(t, snapshotState(t, l2), before)
	for i, want := range []uint64{2, 2, 3, 3, 3, 3, 4} { // terms of 12..18
		if term, err := l2.Term(uint64(12 + i)); err != nil || term != want {
			t.Fatalf("Term(%d) = %d, %v; want %d", 12+i, term, err, want)
		}
	}
}

func TestFailedSaveLeavesStateIntact(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name string
		// break makes the next write fail; it returns the error expected.
		breakIt func(t *testing.T, l *Log) error
	}{
		{"hook fails after every put, before commit", func(t *testing.T, l *Log) error {
			l.testHookBeforeCommit = func() error { return boom }
			return boom
		}},
		{"database closed under the log", func(t *testing.T, l *Log) error {
			if err := l.db.Close(); err != nil {
				t.Fatal(err)
			}
			return bolt.ErrDatabaseNotOpen
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "raft.db")
			l, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			populate(t, l)
			before := snapshotState(t, l)
			want := tt.breakIt(t, l)

			// Every write path fails, and a snapshot, a truncating append and
			// a hard state all in one Save are undone together.
			snap := &pb.Snapshot{Data: []byte("new"), Metadata: &pb.SnapshotMetadata{Index: new(uint64(30)), Term: new(uint64(9))}}
			writes := map[string]error{
				"save":            l.Save(hardState(9, 1, 31), ents(31, 9, 9), snap),
				"save truncating": l.Save(hardState(9, 1, 14), ents(15, 9), nil),
				"compact":         l.Compact(15),
				"create snapshot": func() error { _, err := l.CreateSnapshot(16, nil, []byte("x")); return err }(),
				"save applied":    l.SaveApplied(17, nil, []byte("cib@17")),
			}
			for name, err := range writes {
				if !errors.Is(err, want) {
					t.Errorf("%s: err = %v, want %v", name, err, want)
				}
				if err != nil && !strings.Contains(err.Error(), path) {
					t.Errorf("%s: error %q does not name the file", name, err)
				}
			}
			// The cache did not move.
			if last, _ := l.LastIndex(); last != before.last {
				t.Fatalf("cached last index moved to %d", last)
			}
			if term, _ := l.Term(15); term != 3 {
				t.Fatalf("cached Term(15) = %d, want 3", term)
			}
			if hs := l.HardState(); !proto.Equal(hs, before.hs) {
				t.Fatalf("cached hard state moved to %v", hs)
			}
			if l.Applied() != before.applied {
				t.Fatalf("cached applied moved to %d", l.Applied())
			}
			if tt.name != "database closed under the log" {
				checkSameState(t, snapshotState(t, l), before)
			}
			l.Close()
			checkSameState(t, snapshotState(t, openTest(t, path)), before)
		})
	}
}

func TestReadOnlyReopenRefusesWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "raft.db")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	populate(t, l)
	before := snapshotState(t, l)
	l.Close()
	ro, err := open(path, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := ro.Save(hardState(9, 1, 20), ents(20, 9), nil); !errors.Is(err, bolt.ErrDatabaseReadOnly) {
		t.Fatalf("Save on read-only: %v", err)
	}
	checkSameState(t, snapshotState(t, ro), before)
	ro.Close()
}

func TestBadInputIsAnErrorAndChangesNothing(t *testing.T) {
	tests := []struct {
		name  string
		write func(l *Log) error
		want  error
	}{
		{"gap after last", func(l *Log) error { return l.Save(hardState(9, 1, 17), ents(25, 9), nil) }, nil},
		{"not contiguous", func(l *Log) error {
			return l.Append(append(ents(20, 4), ents(22, 4)...))
		}, nil},
		{"older snapshot", func(l *Log) error {
			return l.Save(nil, nil, &pb.Snapshot{Metadata: &pb.SnapshotMetadata{Index: new(uint64(5)), Term: new(uint64(1))}})
		}, raft.ErrSnapOutOfDate},
		{"compact past last", func(l *Log) error { return l.Compact(40) }, raft.ErrUnavailable},
		{"compact at marker", func(l *Log) error { return l.Compact(12) }, raft.ErrCompacted},
		{"snapshot past last", func(l *Log) error { _, err := l.CreateSnapshot(40, nil, nil); return err }, raft.ErrUnavailable},
		{"snapshot inside compacted range", func(l *Log) error { _, err := l.CreateSnapshot(11, nil, nil); return err }, raft.ErrCompacted},
		{"applied backwards", func(l *Log) error { return l.SaveApplied(15, nil, nil) }, ErrAppliedRegress},
		{"applied beyond commit", func(l *Log) error { return l.SaveApplied(18, nil, nil) }, ErrNotCommitted},
		{"fsm callback fails", func(l *Log) error {
			return l.SaveAppliedFunc(17, nil, func(b *bolt.Bucket) error {
				if err := b.Put([]byte("half"), []byte("written")); err != nil {
					return err
				}
				return errors.New("fsm refused")
			})
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := openTest(t, filepath.Join(t.TempDir(), "raft.db"))
			populate(t, l)
			before := snapshotState(t, l)
			err := tt.write(l)
			if err == nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want an error (%v)", err, tt.want)
			}
			checkSameState(t, snapshotState(t, l), before)
			_ = l.ViewFSM(func(b *bolt.Bucket) error {
				if b.Get([]byte("half")) != nil {
					t.Fatal("fsm write of a failed transaction is visible")
				}
				return nil
			})
		})
	}
}

func TestEntriesBeyondLastIsError(t *testing.T) {
	l := openTest(t, filepath.Join(t.TempDir(), "raft.db"))
	populate(t, l)
	if _, err := l.Entries(13, 25, math.MaxUint64); !errors.Is(err, raft.ErrUnavailable) {
		t.Fatalf("Entries past last: %v, want ErrUnavailable (and no panic)", err)
	}
}

func TestCorruptRecordNamesKey(t *testing.T) {
	tests := []struct {
		name    string
		corrupt func(tx *bolt.Tx) error
		want    string
	}{
		{"entry does not decode", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketEntries).Put(u64(14), []byte{0xff, 0xff, 0xff})
		}, "entry key 000000000000000e"},
		{"entry under the wrong key", func(tx *bolt.Tx) error {
			v, _ := proto.Marshal(ents(99, 3)[0])
			return tx.Bucket(bucketEntries).Put(u64(14), v)
		}, "holds index 99"},
		{"gap in entries", func(tx *bolt.Tx) error { return tx.Bucket(bucketEntries).Delete(u64(15)) }, "want index 15"},
		{"hard state does not decode", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketMeta).Put(keyHardState, []byte{0xff})
		}, `"hardstate"`},
		{"commit beyond last", func(tx *bolt.Tx) error {
			v, _ := proto.Marshal(hardState(4, 2, 99))
			return tx.Bucket(bucketMeta).Put(keyHardState, v)
		}, "commit 99 beyond last entry 19"},
		{"snapshot does not decode", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketMeta).Put(keySnapshot, []byte{0xff})
		}, `"snapshot"`},
		{"short marker", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketMeta).Put(keyCompacted, []byte{1})
		}, `"compacted"`},
		{"short applied", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketMeta).Put(keyApplied, []byte{1})
		}, `"applied"`},
		{"unknown format", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketMeta).Put(keyFormat, u64(99))
		}, "unknown format"},
		{"not a log", func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketMeta) }, "missing bucket"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "raft.db")
			l, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			populate(t, l)
			if err := l.db.Update(tt.corrupt); err != nil {
				t.Fatal(err)
			}
			l.Close()
			// Read-only, so Open does not recreate what the test removed.
			l2, err := open(path, &bolt.Options{ReadOnly: true})
			if err == nil {
				l2.Close()
				t.Fatal("Open accepted a corrupt log")
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("err = %v, want it to name the file and contain %q", err, tt.want)
			}
		})
	}
}

func TestEntriesReadBackCorruptIsError(t *testing.T) {
	l := openTest(t, filepath.Join(t.TempDir(), "raft.db"))
	populate(t, l)
	if err := l.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketEntries).Put(u64(14), []byte{0xff, 0xff})
	}); err != nil {
		t.Fatal(err)
	}
	_, err := l.Entries(13, 16, math.MaxUint64)
	if err == nil || !strings.Contains(err.Error(), "entry key 000000000000000e") {
		t.Fatalf("Entries over a corrupt record: %v", err)
	}
}

func TestSaveAppliedFuncKeepsFSMKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "raft.db")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	populate(t, l)
	if err := l.SaveAppliedFunc(17, nil, func(b *bolt.Bucket) error {
		return b.Put([]byte("node/1"), []byte("online"))
	}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	l2 := openTest(t, path)
	if l2.Applied() != 17 {
		t.Fatalf("applied %d, want 17", l2.Applied())
	}
	_, cs, _, _ := l2.AppliedState()
	if len(cs.GetVoters()) != 4 {
		t.Fatalf("nil conf state did not keep the saved one: %v", cs)
	}
	// A snapshot with a nil ConfState keeps the saved snapshot's, as
	// MemoryStorage does.
	snap, err := l2.CreateSnapshot(17, nil, []byte("cib@17"))
	if err != nil {
		t.Fatal(err)
	}
	if got := snap.GetMetadata().GetConfState().GetLearners(); len(got) != 1 || got[0] != 7 {
		t.Fatalf("snapshot conf state %v", snap.GetMetadata().GetConfState())
	}
	if err := l2.ViewFSM(func(b *bolt.Bucket) error {
		if got := string(b.Get([]byte("node/1"))); got != "online" {
			t.Fatalf("fsm key = %q", got)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestSecondOpenTimesOut(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the lock timeout")
	}
	path := filepath.Join(t.TempDir(), "raft.db")
	openTest(t, path)
	if _, err := open(path, &bolt.Options{Timeout: 50e6}); !errors.Is(err, bolt.ErrTimeout) {
		t.Fatalf("second open: %v, want the file lock to refuse it", err)
	}
}

// An append that fails after growing the term cache in place must not show
// through: the committed cache keeps its length, and the next append wins.
func TestFailedAppendInPlaceDoesNotLeak(t *testing.T) {
	l := openTest(t, filepath.Join(t.TempDir(), "raft.db"))
	populate(t, l)
	l.testHookBeforeCommit = func() error { return errors.New("boom") }
	if err := l.Append(ents(20, 9, 9)); err == nil {
		t.Fatal("append succeeded through a failing hook")
	}
	if last, _ := l.LastIndex(); last != 19 {
		t.Fatalf("last %d after failed append, want 19", last)
	}
	if _, err := l.Term(20); !errors.Is(err, raft.ErrUnavailable) {
		t.Fatalf("Term(20) after failed append: %v", err)
	}
	l.testHookBeforeCommit = nil
	if err := l.Append(ents(20, 5)); err != nil {
		t.Fatal(err)
	}
	if term, err := l.Term(20); err != nil || term != 5 {
		t.Fatalf("Term(20) = %d, %v; want 5", term, err)
	}
	if _, err := l.Term(21); !errors.Is(err, raft.ErrUnavailable) {
		t.Fatalf("Term(21): %v, want ErrUnavailable", err)
	}
}

// Readers (raft's Term and LastIndex, a status display) run while the Ready
// loop saves; -race checks the cache hand-over.
func TestConcurrentReadersDuringSave(t *testing.T) {
	l := openTest(t, filepath.Join(t.TempDir(), "raft.db"))
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := uint64(1); i <= 50; i++ {
			if err := l.Save(hardState(1, 1, i), ents(i, 1), nil); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for {
		select {
		case <-done:
			if last, _ := l.LastIndex(); last != 50 {
				t.Fatalf("last %d, want 50", last)
			}
			return
		default:
			last, _ := l.LastIndex()
			if last > 0 {
				if _, err := l.Term(last); err != nil {
					t.Fatal(err)
				}
				if _, err := l.Entries(1, last+1, math.MaxUint64); err != nil {
					t.Fatal(err)
				}
			}
			_ = l.HardState()
		}
	}
}

func TestSetHardStateSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "raft.db")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	populate(t, l)
	if err := l.SetHardState(hardState(7, 3, 19)); err != nil {
		t.Fatal(err)
	}
	l.Close()
	if hs := openTest(t, path).HardState(); !proto.Equal(hs, hardState(7, 3, 19)) {
		t.Fatalf("hard state %v after restart", hs)
	}
}

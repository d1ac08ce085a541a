package store

import (
	"errors"
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"
)

// MemLog keeps, across a crash, what was synced plus the first keep
// unsynced writes, each write whole.
func TestMemLogCrash(t *testing.T) {
	tests := []struct {
		name             string
		keep             int
		wantLast, commit uint64
		wantSynced       uint64
	}{
		{"lose all unsynced", 0, 3, 3, 2},
		{"keep the first unsynced write", 1, 4, 3, 3},
		{"keep both", 2, 5, 5, 4},
		{"keep more than there is", 9, 5, 5, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewMemLog("t")
			l.SetAutoSync(false)
			if err := l.Save(&pb.HardState{Term: new(uint64(1)), Commit: new(uint64(3))}, ents(1, 1, 1, 1), nil); err != nil {
				t.Fatal(err)
			}
			if err := l.SaveApplied(3, nil, []byte("state3")); err != nil {
				t.Fatal(err)
			}
			l.Sync()
			if err := l.Save(nil, ents(4, 1), nil); err != nil {
				t.Fatal(err)
			}
			if err := l.Save(&pb.HardState{Term: new(uint64(1)), Commit: new(uint64(5))}, ents(5, 1), nil); err != nil {
				t.Fatal(err)
			}
			if w, s := l.Writes(), l.Synced(); w != 4 || s != 2 {
				t.Fatalf("writes %d synced %d, want 4 and 2", w, s)
			}
			l.Crash(tt.keep)
			last, _ := l.LastIndex()
			if last != tt.wantLast || l.HardState().GetCommit() != tt.commit || l.Synced() != tt.wantSynced || l.Writes() != tt.wantSynced {
				t.Fatalf("after crash: last %d commit %d synced %d writes %d; want %d %d %d", last, l.HardState().GetCommit(), l.Synced(), l.Writes(), tt.wantLast, tt.commit, tt.wantSynced)
			}
			if i, _, st, _ := l.AppliedState(); i != 3 || string(st) != "state3" {
				t.Fatalf("applied %d %q, want 3 state3", i, st)
			}
			if got := l.DurableCommit(); got != tt.commit {
				t.Fatalf("durable commit %d, want %d", got, tt.commit)
			}
			if _, ok := l.DurableTerm(tt.wantLast + 1); ok {
				t.Fatalf("durable term of %d after the crash", tt.wantLast+1)
			}
		})
	}
}

// A failing disk refuses every write and changes nothing.
func TestMemLogFailWrites(t *testing.T) {
	l := NewMemLog("t")
	if err := l.Append(ents(1, 1, 1)); err != nil {
		t.Fatal(err)
	}
	l.SetFailWrites(ErrDiskFailed)
	for name, write := range map[string]func() error{
		"save":          func() error { return l.Save(&pb.HardState{Commit: new(uint64(2))}, ents(3, 1), nil) },
		"compact":       func() error { return l.Compact(1) },
		"save applied":  func() error { return l.SaveApplied(0, nil, nil) },
		"reset":         func() error { return l.Reset(7) },
		"snapshot at 1": func() error { _, err := l.CreateSnapshot(1, nil, nil); return err },
	} {
		if err := write(); !errors.Is(err, ErrDiskFailed) {
			t.Fatalf("%s: err %v, want ErrDiskFailed", name, err)
		}
	}
	last, _ := l.LastIndex()
	first, _ := l.FirstIndex()
	if last != 2 || first != 1 || l.Writes() != 1 {
		t.Fatalf("first %d last %d writes %d after failed writes; want 1 2 1", first, last, l.Writes())
	}
	l.SetFailWrites(nil)
	if err := l.Compact(1); err != nil {
		t.Fatal(err)
	}
}

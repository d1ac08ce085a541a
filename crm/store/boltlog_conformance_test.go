package store

// One table of raft.Storage semantics (after etcd raft's storage_test.go)
// run against raft.MemoryStorage, the bolt Log, the bolt Log closed and
// reopened before the operation, and the simulator's MemLog (also after a
// crash), so the bolt file and the simulator's disk behave like the
// reference implementation and recover to the same state.

import (
	"errors"
	"math"
	"path/filepath"
	"testing"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// storage is what the conformance table drives; MemoryStorage and Log both
// have it.
type storage interface {
	raft.Storage
	Append([]*pb.Entry) error
	Compact(uint64) error
	CreateSnapshot(uint64, *pb.ConfState, []byte) (*pb.Snapshot, error)
	ApplySnapshot(*pb.Snapshot) error
}

var (
	_ storage = (*raft.MemoryStorage)(nil)
	_ storage = (*Log)(nil)
	_ storage = (*MemLog)(nil)
)

// ents builds entries with consecutive indexes from first and these terms.
func ents(first uint64, terms ...uint64) []*pb.Entry {
	out := make([]*pb.Entry, len(terms))
	for i, t := range terms {
		out[i] = &pb.Entry{Index: new(first + uint64(i)), Term: new(t)}
	}
	return out
}

type backend struct {
	name string
	// make returns a storage holding marker (3, term 3) and entries 4 and 5
	// (terms 4, 5), etcd's index(3).terms(3, 4, 5).
	make func(t *testing.T) storage
}

func openTest(t testing.TB, path string) *Log {
	t.Helper()
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func seed(t *testing.T, s storage) {
	t.Helper()
	snap := &pb.Snapshot{Metadata: &pb.SnapshotMetadata{Index: new(uint64(3)), Term: new(uint64(3))}}
	if err := s.ApplySnapshot(snap); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(ents(4, 4, 5)); err != nil {
		t.Fatal(err)
	}
}

var backends = []backend{
	{"memory", func(t *testing.T) storage {
		s := raft.NewMemoryStorage()
		seed(t, s)
		return s
	}},
	{"bolt", func(t *testing.T) storage {
		l := openTest(t, filepath.Join(t.TempDir(), "raft.db"))
		seed(t, l)
		return l
	}},
	{"bolt-reopened", func(t *testing.T) storage {
		path := filepath.Join(t.TempDir(), "raft.db")
		l, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		seed(t, l)
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		return openTest(t, path)
	}},
	{"memlog", func(t *testing.T) storage {
		l := NewMemLog("mem")
		seed(t, l)
		return l
	}},
	{"memlog-crashed", func(t *testing.T) storage {
		// Synced, then crashed: the restart sees all of it.
		l := NewMemLog("mem")
		l.SetAutoSync(false)
		seed(t, l)
		l.Sync()
		l.Crash(0)
		return l
	}},
}

func forEachBackend(t *testing.T, name string, fn func(t *testing.T, s storage)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b.name+"/"+name, func(t *testing.T) { fn(t, b.make(t)) })
	}
}

func checkErr(t *testing.T, got, want error) {
	t.Helper()
	if want == nil && got != nil || want != nil && !errors.Is(got, want) {
		t.Fatalf("err = %v, want %v", got, want)
	}
}

func checkEntries(t *testing.T, got, want []*pb.Entry) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d entries %v, want %d %v", len(got), got, len(want), want)
	}
	for i := range got {
		if !proto.Equal(got[i], want[i]) {
			t.Fatalf("entry %d = %v, want %v", i, got[i], want[i])
		}
	}
}

// contents returns first index, last index and every stored entry.
func contents(t *testing.T, s storage) (uint64, uint64, []*pb.Entry) {
	t.Helper()
	first, err := s.FirstIndex()
	if err != nil {
		t.Fatal(err)
	}
	last, err := s.LastIndex()
	if err != nil {
		t.Fatal(err)
	}
	if last < first {
		return first, last, nil
	}
	es, err := s.Entries(first, last+1, math.MaxUint64)
	if err != nil {
		t.Fatal(err)
	}
	return first, last, es
}

func TestConformanceTerm(t *testing.T) {
	tests := []struct {
		name  string
		i     uint64
		werr  error
		wterm uint64
	}{
		{"before marker", 2, raft.ErrCompacted, 0},
		{"marker", 3, nil, 3},
		{"first", 4, nil, 4},
		{"last", 5, nil, 5},
		{"past last", 6, raft.ErrUnavailable, 0},
	}
	for _, tt := range tests {
		forEachBackend(t, tt.name, func(t *testing.T, s storage) {
			term, err := s.Term(tt.i)
			checkErr(t, err, tt.werr)
			if term != tt.wterm {
				t.Fatalf("Term(%d) = %d, want %d", tt.i, term, tt.wterm)
			}
		})
	}
}

func TestConformanceEntries(t *testing.T) {
	e := ents(3, 3, 4, 5, 6)
	sz := func(i int) uint64 { return uint64(proto.Size(e[i])) }
	tests := []struct {
		name            string
		lo, hi, maxsize uint64
		werr            error
		want            []*pb.Entry
	}{
		{"before marker", 2, 6, math.MaxUint64, raft.ErrCompacted, nil},
		{"at marker", 3, 4, math.MaxUint64, raft.ErrCompacted, nil},
		{"one", 4, 5, math.MaxUint64, nil, ents(4, 4)},
		{"two", 4, 6, math.MaxUint64, nil, ents(4, 4, 5)},
		{"all", 4, 7, math.MaxUint64, nil, ents(4, 4, 5, 6)},
		{"max size zero gives one", 4, 7, 0, nil, ents(4, 4)},
		{"limit exactly two", 4, 7, sz(1) + sz(2), nil, ents(4, 4, 5)},
		{"limit two and a half", 4, 7, sz(1) + sz(2) + sz(3)/2, nil, ents(4, 4, 5)},
		{"limit one byte short", 4, 7, sz(1) + sz(2) + sz(3) - 1, nil, ents(4, 4, 5)},
		{"limit exactly all", 4, 7, sz(1) + sz(2) + sz(3), nil, ents(4, 4, 5, 6)},
	}
	for _, tt := range tests {
		forEachBackend(t, tt.name, func(t *testing.T, s storage) {
			if err := s.Append(ents(6, 6)); err != nil {
				t.Fatal(err)
			}
			got, err := s.Entries(tt.lo, tt.hi, tt.maxsize)
			checkErr(t, err, tt.werr)
			checkEntries(t, got, tt.want)
		})
	}
}

func TestConformanceFirstLastIndex(t *testing.T) {
	forEachBackend(t, "append then compact", func(t *testing.T, s storage) {
		if first, last, _ := contents(t, s); first != 4 || last != 5 {
			t.Fatalf("first, last = %d, %d; want 4, 5", first, last)
		}
		if err := s.Append(ents(6, 5)); err != nil {
			t.Fatal(err)
		}
		if _, last, _ := contents(t, s); last != 6 {
			t.Fatalf("last = %d, want 6", last)
		}
		if err := s.Compact(4); err != nil {
			t.Fatal(err)
		}
		if first, _, _ := contents(t, s); first != 5 {
			t.Fatalf("first = %d, want 5", first)
		}
	})
}

func TestConformanceCompact(t *testing.T) {
	tests := []struct {
		name         string
		i            uint64
		werr         error
		wfirst       uint64
		wmarkerTerm  uint64
		wentriesLeft int
	}{
		{"before marker", 2, raft.ErrCompacted, 4, 3, 2},
		{"at marker", 3, raft.ErrCompacted, 4, 3, 2},
		{"first", 4, nil, 5, 4, 1},
		{"last", 5, nil, 6, 5, 0},
	}
	for _, tt := range tests {
		forEachBackend(t, tt.name, func(t *testing.T, s storage) {
			checkErr(t, s.Compact(tt.i), tt.werr)
			first, _, es := contents(t, s)
			if first != tt.wfirst || len(es) != tt.wentriesLeft {
				t.Fatalf("first %d, %d entries; want %d, %d", first, len(es), tt.wfirst, tt.wentriesLeft)
			}
			if term, err := s.Term(first - 1); err != nil || term != tt.wmarkerTerm {
				t.Fatalf("Term(%d) = %d, %v; want %d", first-1, term, err, tt.wmarkerTerm)
			}
		})
	}
}

func TestConformanceCreateSnapshot(t *testing.T) {
	cs := &pb.ConfState{Voters: []uint64{1, 2, 3}}
	data := []byte("data")
	snapAt := func(i uint64) *pb.Snapshot {
		return &pb.Snapshot{Data: data, Metadata: &pb.SnapshotMetadata{
			Index: new(i), Term: new(i), ConfState: pb.EnsureConfState(&pb.ConfState{Voters: []uint64{1, 2, 3}})}}
	}
	tests := []struct {
		name  string
		i     uint64
		werr  error
		wsnap *pb.Snapshot
	}{
		{"at saved snapshot", 3, raft.ErrSnapOutOfDate, nil},
		{"first", 4, nil, snapAt(4)},
		{"last", 5, nil, snapAt(5)},
	}
	for _, tt := range tests {
		forEachBackend(t, tt.name, func(t *testing.T, s storage) {
			snap, err := s.CreateSnapshot(tt.i, cs, data)
			checkErr(t, err, tt.werr)
			if tt.wsnap == nil {
				return
			}
			norm := func(s *pb.Snapshot) *pb.Snapshot {
				s = proto.Clone(s).(*pb.Snapshot)
				pb.EnsureConfState(s.Metadata.ConfState)
				return s
			}
			if !proto.Equal(norm(snap), tt.wsnap) {
				t.Fatalf("CreateSnapshot = %v, want %v", snap, tt.wsnap)
			}
			got, err := s.Snapshot()
			if err != nil || !proto.Equal(norm(got), tt.wsnap) {
				t.Fatalf("Snapshot() = %v, %v; want %v", got, err, tt.wsnap)
			}
			// A second snapshot at the same index is out of date.
			_, err = s.CreateSnapshot(tt.i, cs, data)
			checkErr(t, err, raft.ErrSnapOutOfDate)
		})
	}
}

func TestConformanceAppend(t *testing.T) {
	tests := []struct {
		name   string
		append []*pb.Entry
		want   []*pb.Entry // marker first, then the entries
	}{
		{"all compacted", ents(1, 1, 2), ents(3, 3, 4, 5)},
		{"same entries", ents(3, 3, 4, 5), ents(3, 3, 4, 5)},
		{"conflict replaces", ents(3, 3, 6, 6), ents(3, 3, 6, 6)},
		{"extend", ents(3, 3, 4, 5, 5), ents(3, 3, 4, 5, 5)},
		{"truncate incoming and existing", ents(2, 3, 3, 5), ents(3, 3, 5)},
		{"truncate existing", ents(4, 5), ents(3, 3, 5)},
		{"direct append", ents(6, 5), ents(3, 3, 4, 5, 5)},
	}
	for _, tt := range tests {
		forEachBackend(t, tt.name, func(t *testing.T, s storage) {
			checkErr(t, s.Append(tt.append), nil)
			first, last, es := contents(t, s)
			if first != tt.want[0].GetIndex()+1 || last != tt.want[len(tt.want)-1].GetIndex() {
				t.Fatalf("first, last = %d, %d; want %d, %d", first, last,
					tt.want[0].GetIndex()+1, tt.want[len(tt.want)-1].GetIndex())
			}
			checkEntries(t, es, tt.want[1:])
			if term, _ := s.Term(first - 1); term != tt.want[0].GetTerm() {
				t.Fatalf("marker term %d, want %d", term, tt.want[0].GetTerm())
			}
		})
	}
}

func TestConformanceApplySnapshot(t *testing.T) {
	cs := &pb.ConfState{Voters: []uint64{1, 2, 3}}
	data := []byte("data")
	snap := func(i, term uint64) *pb.Snapshot {
		return &pb.Snapshot{Data: data, Metadata: &pb.SnapshotMetadata{Index: new(i), Term: new(term), ConfState: cs}}
	}
	tests := []struct {
		name  string
		snaps []*pb.Snapshot
		werr  error
	}{
		{"newer", []*pb.Snapshot{snap(4, 4)}, nil},
		{"newer then older", []*pb.Snapshot{snap(6, 6), snap(5, 5)}, raft.ErrSnapOutOfDate},
		{"same index", []*pb.Snapshot{snap(3, 3)}, raft.ErrSnapOutOfDate},
	}
	for _, tt := range tests {
		forEachBackend(t, tt.name, func(t *testing.T, s storage) {
			var err error
			for _, sn := range tt.snaps {
				err = s.ApplySnapshot(sn)
			}
			checkErr(t, err, tt.werr)
			if tt.werr != nil {
				return
			}
			want := tt.snaps[len(tt.snaps)-1].GetMetadata()
			first, last, es := contents(t, s)
			if first != want.GetIndex()+1 || last != want.GetIndex() || len(es) != 0 {
				t.Fatalf("after snapshot %d: first %d last %d, %d entries", want.GetIndex(), first, last, len(es))
			}
			if term, _ := s.Term(want.GetIndex()); term != want.GetTerm() {
				t.Fatalf("Term(%d) = %d, want %d", want.GetIndex(), term, want.GetTerm())
			}
			_, gcs, err := s.InitialState()
			if err != nil || !proto.Equal(gcs, pb.EnsureConfState(proto.Clone(cs).(*pb.ConfState))) {
				t.Fatalf("InitialState conf = %v, %v; want %v", gcs, err, cs)
			}
		})
	}
}

// An index-0 snapshot carrying only a ConfState bootstraps an empty log.
func TestConformanceBootstrapSnapshot(t *testing.T) {
	cs := &pb.ConfState{Voters: []uint64{1, 2, 3}}
	for _, mk := range []struct {
		name string
		s    func(t *testing.T) storage
	}{
		{"memory", func(*testing.T) storage { return raft.NewMemoryStorage() }},
		{"bolt", func(t *testing.T) storage { return openTest(t, filepath.Join(t.TempDir(), "raft.db")) }},
	} {
		t.Run(mk.name, func(t *testing.T) {
			s := mk.s(t)
			if err := s.ApplySnapshot(&pb.Snapshot{Metadata: &pb.SnapshotMetadata{ConfState: cs}}); err != nil {
				t.Fatal(err)
			}
			first, last, _ := contents(t, s)
			if first != 1 || last != 0 {
				t.Fatalf("first, last = %d, %d; want 1, 0", first, last)
			}
			if _, err := s.Entries(1, 1, math.MaxUint64); !errors.Is(err, raft.ErrUnavailable) {
				t.Fatalf("Entries on empty log: %v, want ErrUnavailable", err)
			}
			_, gcs, _ := s.InitialState()
			if got := gcs.GetVoters(); len(got) != 3 {
				t.Fatalf("voters %v", got)
			}
		})
	}
}

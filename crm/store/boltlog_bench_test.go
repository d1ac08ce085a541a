package store

// What one durable Ready costs: a Save of n entries of 256 B each plus a
// hard state, one bbolt transaction with its fsync, the way the Ready loop
// pays before it may send.

import (
	"path/filepath"
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"
)

func benchmarkSave(b *testing.B, perSave int) {
	l := openTest(b, filepath.Join(b.TempDir(), "raft.db"))
	data := make([]byte, 256)
	batch := make([]*pb.Entry, perSave)
	next := uint64(1)
	b.SetBytes(int64(perSave * len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i := range batch {
			batch[i] = &pb.Entry{Index: new(next), Term: new(uint64(1)), Data: data}
			next++
		}
		if err := l.Save(hardState(1, 1, next-1), batch, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSave(b *testing.B) {
	b.Run("1x256B", func(b *testing.B) { benchmarkSave(b, 1) })
	b.Run("64x256B", func(b *testing.B) { benchmarkSave(b, 64) })
}

package store

// Benchmarks of the replicated CIB in one process: three nodes on bbolt
// files (synced, as in production) over the in-memory network, raft
// ticking on the real clock. The real-process figures (pacerd on
// loopback) are in test/integration's benchmarks; docs/benchmarks.md has
// both.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/raft/v3"

	"pacer/crm/cib"
	"pacer/internal/clock"
	"pacer/internal/cluster"
)

type benchCluster struct {
	nodes []*Node
	logs  []*Log
	paths []string
	stop  func()
}

// newBenchCluster runs n nodes on bbolt files; newMemBenchCluster on
// MemLog (no disk at all: what raft, the FSM and the in-memory network
// cost by themselves).
func newBenchCluster(b *testing.B, n int, tune func(*Config)) *benchCluster {
	return newBenchClusterOn(b, n, tune, false)
}

func newMemBenchCluster(b *testing.B, n int) *benchCluster { return newBenchClusterOn(b, n, nil, true) }

func newBenchClusterOn(b *testing.B, n int, tune func(*Config), mem bool) *benchCluster {
	b.Helper()
	dir := b.TempDir()
	net := NewMemNetwork(1, 4096)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); net.Run(ctx) }()
	var peers []Peer
	for id := uint64(1); id <= uint64(n); id++ {
		peers = append(peers, Peer{ID: id, Name: nodeName(id)})
	}
	c := &benchCluster{}
	var stop func()
	for _, p := range peers {
		path := filepath.Join(dir, fmt.Sprintf("node%d.db", p.ID))
		var st Storage
		var l *Log
		if mem {
			st = NewMemLog(path)
		} else {
			var err error
			if l, err = Open(path); err != nil {
				b.Fatal(err)
			}
			st = l
		}
		cfg := DefaultConfig(p.ID, p.Name)
		cfg.Peers = peers
		// 10 ms ticks, elections after 0.5 s: a loaded machine's slow
		// fsync must not depose the leader in the middle of a run.
		cfg.TickInterval = 10 * time.Millisecond
		cfg.ElectionTicks = 50
		if tune != nil {
			tune(&cfg)
		}
		nd, err := New(cfg, st, net.Transport(p.ID), clock.Real{}, nil)
		if err != nil {
			b.Fatal(err)
		}
		net.Register(nd)
		c.nodes, c.logs, c.paths = append(c.nodes, nd), append(c.logs, l), append(c.paths, path)
		wg.Add(1)
		go func() { defer wg.Done(); _ = nd.Run(ctx) }()
	}
	var once sync.Once
	c.stop = func() { once.Do(stop) }
	stop = func() {
		cancel()
		for _, nd := range c.nodes {
			nd.Stop()
		}
		wg.Wait()
		for _, l := range c.logs {
			if l != nil {
				l.Close()
			}
		}
	}
	b.Cleanup(c.stop)
	return c
}

func (c *benchCluster) leader(b *testing.B) *Node {
	b.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, n := range c.nodes {
			if st := n.Status(); st.State == raft.StateLeader && st.Applied >= st.Commit {
				return n
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	b.Fatal("no leader")
	return nil
}

// BenchmarkConfigCommit is one configuration compare-and-swap, proposed on
// the leader or on a follower (raft forwards it), until the proposer has
// applied it: three nodes, bbolt synced on every Ready.
func BenchmarkConfigCommit(b *testing.B) {
	for _, tc := range []struct{ disk, via string }{{"bolt", "leader"}, {"bolt", "follower"}, {"mem", "leader"}, {"mem", "follower"}} {
		via := tc.via
		b.Run(tc.disk+"/"+via, func(b *testing.B) {
			c := newBenchClusterOn(b, 3, nil, tc.disk == "mem")
			lead := c.leader(b)
			p := lead
			if via == "follower" {
				for _, n := range c.nodes {
					if n != lead {
						p = n
						break
					}
				}
			}
			ctx := context.Background()
			for p.Status().Lead != lead.ID() { // the follower hears of the leader
				time.Sleep(time.Millisecond)
			}
			cur, v, err := p.ReadConfig(ctx)
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := range b.N {
				next := configWith(cur, fmt.Sprintf("r%d", i%50))
				if i%50 == 49 {
					next.Configuration.Resources = nil
				}
				if v, err = p.ProposeConfig(ctx, v, next); err != nil {
					b.Fatal(err)
				}
				cur = next
			}
		})
	}
}

// BenchmarkStatusThroughput is status updates (an operation result each)
// proposed by 64 concurrent callers on the three nodes: raft batches them
// into appends. It reports updates/s.
func BenchmarkStatusThroughput(b *testing.B) {
	b.Run("bolt", func(b *testing.B) { statusThroughput(b, newBenchCluster(b, 3, nil)) })
	b.Run("mem", func(b *testing.B) { statusThroughput(b, newMemBenchCluster(b, 3)) })
}

func statusThroughput(b *testing.B, c *benchCluster) {
	c.leader(b)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	b.ResetTimer()
	for w := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nd := c.nodes[w%len(c.nodes)]
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				if _, err := nd.ProposeStatus(context.Background(), benchOp(nd.cfg.Name, i)); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "updates/s")
}

func benchOp(node cluster.NodeName, i int64) StatusUpdate {
	return StatusUpdate{Node: string(node), Ops: []OpResult{{Rsc: fmt.Sprintf("rsc%d", i%20), Class: "ocf", Provider: "heartbeat", Type: "Dummy",
		Op: cib.LRMOp{ID: fmt.Sprintf("rsc%d_monitor_10000", i%20), OperationKey: fmt.Sprintf("rsc%d_monitor_10000", i%20),
			Operation: "monitor", CallID: fmt.Sprint(i), RCCode: "0", OpStatus: "0", Interval: "10000",
			LastRCChange: "1700000000", ExecTime: "12", QueueTime: "0", TransitionKey: fmt.Sprintf("3:%d:0:1f1e2d3c-0000-4000-8000-000000000000", i)}}}}
}

// BenchmarkDiskAfterStatusUpdates writes 100,000 status updates (one
// operation result each, over 20 resources on 3 nodes) and reports the
// size of each node's bbolt file afterwards, with the production snapshot
// and compaction settings (a snapshot every 10,000 entries, 5,000 kept).
// Side by side, the same run without snapshots (the log is never
// compacted). Run it with -benchtime 1x.
func BenchmarkDiskAfterStatusUpdates(b *testing.B) {
	b.Run("snapshots", func(b *testing.B) { diskAfterStatusUpdates(b, nil) })
	b.Run("no-snapshots", func(b *testing.B) {
		diskAfterStatusUpdates(b, func(c *Config) { c.SnapshotEntries, c.CompactionTail = 1<<62, 1<<62 })
	})
}

func diskAfterStatusUpdates(b *testing.B, tune func(*Config)) {
	const updates = 100_000
	for range b.N {
		c := newBenchCluster(b, 3, tune)
		c.leader(b)
		var next atomic.Int64
		var wg sync.WaitGroup
		for w := range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				nd := c.nodes[w%len(c.nodes)]
				for {
					i := next.Add(1)
					if i > updates {
						return
					}
					if _, err := nd.ProposeStatus(context.Background(), benchOp(nd.cfg.Name, i)); err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		// Every node applies everything, then snapshots as it goes.
		lead := c.leader(b)
		want := lead.Status().Commit
		deadline := time.Now().Add(30 * time.Second)
		for _, n := range c.nodes {
			for n.Status().Applied < want && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
		}
		var maxSize int64
		for i, p := range c.paths {
			first, _ := c.logs[i].FirstIndex()
			last, _ := c.logs[i].LastIndex()
			fi, err := os.Stat(p)
			if err != nil {
				b.Fatal(err)
			}
			maxSize = max(maxSize, fi.Size())
			b.Logf("node%d: %d entries kept (%d..%d), snapshot at %d, file %.1f MiB", i+1, last-first+1, first, last,
				c.nodes[i].snapIndex, float64(fi.Size())/(1<<20))
		}
		b.ReportMetric(float64(maxSize)/(1<<20), "file-MiB")
		b.ReportMetric(float64(len(lead.view.Load().xml))/(1<<10), "cib-KiB")
		b.ReportMetric(0, "ns/op")
		c.stop()
	}
}

package integration

import (
	"bytes"
	"context"
	"sort"
	"strconv"
	"syscall"
	"testing"
	"time"

	"pacer/crm/cib"
	"pacer/crm/cib/cibxml"
	"pacer/internal/control"
)

var benchTiming = Timing{Keepalive: 100 * time.Millisecond, Warntime: 300 * time.Millisecond, Deadtime: 500 * time.Millisecond, Initdead: 3 * time.Second}

func reportSpread(b *testing.B, what string, lat []time.Duration) {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(lat[0]), "min-ms")
	b.ReportMetric(ms(lat[len(lat)/2]), "median-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
	b.ReportMetric(0, "ns/op")
	b.Logf("%s over %d runs: min %v median %v max %v", what, len(lat), lat[0], lat[len(lat)/2], lat[len(lat)-1])
}

// BenchmarkDCFailover measures SIGKILL of the DC to a new DC with real
// pacerd on loopback at keepalive 100 ms / deadtime 500 ms and [raft]
// tick 50 ms, election_ticks 10: each iteration starts three pacerd,
// waits for the DC, kills it at a random phase of the heartbeat and takes
// the time until a survivor logs "elected DC". Run with -benchtime 10x.
func BenchmarkDCFailover(b *testing.B) {
	var lat []time.Duration
	for i := 0; i < b.N; i++ {
		c := newTestCluster(b, threeNodes, benchTiming, func(int) string { return fastRaft })
		for _, s := range threeNodes {
			c.start(s.Name)
		}
		dc := c.waitDC()
		time.Sleep(time.Second + time.Duration(i*37%100)*time.Millisecond)
		killed := time.Now()
		c.nodes[dc].Kill(syscall.SIGKILL)
		var first time.Duration
		deadline := time.Now().Add(10 * time.Second)
		for first == 0 && time.Now().Before(deadline) {
			for _, n := range c.all() {
				if n.Name == dc {
					continue
				}
				for _, e := range n.Events("elected DC", nil) {
					if e.TS.After(killed) && (first == 0 || e.TS.Sub(killed) < first) {
						first = e.TS.Sub(killed)
					}
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
		if first == 0 {
			b.Fatalf("run %d: no new DC within 10s of killing %s", i, dc)
		}
		lat = append(lat, first)
		c.stopAll()
	}
	reportSpread(b, "DC SIGKILL to new DC elected", lat)
}

// BenchmarkConfigCommitReal is one configuration compare-and-swap through
// the control socket of a real pacerd (JSON over the unix socket, the CIB
// encoded and parsed, raft over the heartbeat links on loopback, bbolt
// synced on each of three nodes), on the DC and on a follower.
func BenchmarkConfigCommitReal(b *testing.B) {
	for _, via := range []string{"dc", "follower"} {
		b.Run(via, func(b *testing.B) {
			c := newTestCluster(b, threeNodes, benchTiming, func(int) string { return fastRaft })
			for _, s := range threeNodes {
				c.start(s.Name)
			}
			dc := c.waitDC()
			name := dc
			if via == "follower" {
				for _, s := range threeNodes {
					if s.Name != dc {
						name = s.Name
						break
					}
				}
			}
			cl, err := control.Dial(context.Background(), c.socks[name])
			if err != nil {
				b.Fatal(err)
			}
			defer cl.Close()
			ctx := context.Background()
			got, err := cl.GetCIB(ctx, false)
			if err != nil {
				b.Fatal(err)
			}
			cur, _, err := cibxml.ReadOptions(bytes.NewReader([]byte(got.XML)), "bench", cibxml.Options{Raw: true})
			if err != nil {
				b.Fatal(err)
			}
			ver := got
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				b.StopTimer()
				cur.Configuration.Resources = append(cur.Configuration.Resources[:min(len(cur.Configuration.Resources), i%20)],
					&cib.Resource{Kind: cib.KindPrimitive, ID: "r" + strconv.Itoa(i), Class: "ocf", Provider: "pacemaker", Type: "Dummy"})
				var buf bytes.Buffer
				if err := cibxml.Write(&buf, cur); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				t0 := time.Now()
				ver, err = cl.ReplaceCIB(ctx, ver.AdminEpoch, ver.Epoch, buf.String())
				if err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)/2])/float64(time.Millisecond), "median-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100])/float64(time.Millisecond), "p99-ms")
			c.stopAll()
		})
	}
}

// waitDC waits until every running node names one DC and returns it.
func (c *testCluster) waitDC() string {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		dc, agree := "", true
		for _, n := range c.all() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			cl, err := control.Dial(ctx, c.socks[n.Name])
			if err != nil {
				cancel()
				agree = false
				break
			}
			ni, err := cl.NodeInfo(ctx)
			cl.Close()
			cancel()
			if err != nil || ni.DC == "" || (dc != "" && ni.DC != dc) {
				agree = false
				break
			}
			dc = ni.DC
		}
		if agree && dc != "" {
			return dc
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.t.Fatal("no DC agreed within 15s")
	return ""
}

func (c *testCluster) stopAll() {
	for _, n := range c.all() {
		n.Kill(syscall.SIGKILL)
		<-n.exited
	}
}

package integration

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"syscall"
	"testing"
	"time"

	"pacer/crm/cib"
	"pacer/crm/cib/cibxml"
	"pacer/internal/control"
)

// testCluster is pacerd processes on a loopback UDP mesh, with their
// configurations, sockets and the processes running now.
type testCluster struct {
	t     testing.TB
	dir   string
	specs []NodeSpec
	cfgs  map[string]string
	socks map[string]string
	nodes map[string]*Node
	args  map[string][]string
}

func newTestCluster(t testing.TB, specs []NodeSpec, tm Timing, extra func(i int) string) *testCluster {
	c := &testCluster{t: t, dir: t.TempDir(), specs: specs, cfgs: map[string]string{}, socks: map[string]string{},
		nodes: map[string]*Node{}, args: map[string][]string{}}
	key := keygen(t, c.dir)
	ports := freeUDPPorts(t, len(specs))
	links := udpMesh(specs, ports, nil)
	for i, s := range specs {
		var peers []NodeSpec
		for j, p := range specs {
			if j != i {
				peers = append(peers, p)
			}
		}
		more := ""
		if extra != nil {
			more = extra(i)
		}
		c.cfgs[s.Name] = writeConfig(t, c.dir, s, peers, tm, key, links[i]+more)
		c.socks[s.Name] = filepath.Join(c.dir, s.Name+".sock")
	}
	return c
}

func (c *testCluster) start(name string) *Node {
	for _, s := range c.specs {
		if s.Name == name {
			n := StartNode(c.t, s.Name, s.ID, c.cfgs[name], c.args[name]...)
			c.nodes[name] = n
			return n
		}
	}
	c.t.Fatalf("no node %s", name)
	return nil
}

func (c *testCluster) all() []*Node {
	var out []*Node
	for _, s := range c.specs {
		if n := c.nodes[s.Name]; n != nil && !n.Exited() {
			out = append(out, n)
		}
	}
	return out
}

// client dials name's control socket, retrying while pacerd starts.
func (c *testCluster) client(name string) *control.Client {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		cl, err := control.Dial(ctx, c.socks[name])
		cancel()
		if err == nil {
			c.t.Cleanup(func() { cl.Close() })
			return cl
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("control socket of %s: %v", name, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// getCIB reads name's CIB (linearizable unless local), retrying while no
// DC is known (the deadline is a hang guard).
func (c *testCluster) getCIB(name string, local bool) (control.CIB, *cib.CIB) {
	c.t.Helper()
	cl := c.client(name)
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		got, err := cl.GetCIB(ctx, local)
		cancel()
		if err == nil {
			m, _, err := cibxml.ReadOptions(bytes.NewReader([]byte(got.XML)), name+" cib.get", cibxml.Options{Raw: true})
			if err != nil {
				c.t.Fatalf("cib.get on %s: %v", name, err)
			}
			return got, m
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("cib.get on %s: %v", name, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// addResource adds a Dummy primitive through name's socket with CAS,
// retrying a conflict with the fresh CIB (and a missing DC), and returns
// the new version.
func (c *testCluster) addResource(name, rsc string) control.CIB {
	c.t.Helper()
	cl := c.client(name)
	ver, cur := c.getCIB(name, false)
	deadline := time.Now().Add(15 * time.Second)
	for {
		cur.Configuration.Resources = append(cur.Configuration.Resources,
			&cib.Resource{Kind: cib.KindPrimitive, ID: rsc, Class: "ocf", Provider: "pacemaker", Type: "Dummy"})
		var b bytes.Buffer
		if err := cibxml.Write(&b, cur); err != nil {
			c.t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		got, err := cl.ReplaceCIB(ctx, ver.AdminEpoch, ver.Epoch, b.String())
		cancel()
		if err == nil {
			if got.Epoch != ver.Epoch+1 {
				c.t.Fatalf("add %s via %s: epoch %d after %d", rsc, name, got.Epoch, ver.Epoch)
			}
			return got
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("add %s via %s: %v", rsc, name, err)
		}
		if errors.Is(err, control.ErrConflict) && got.XML != "" {
			ver = got
			m, _, perr := cibxml.ReadOptions(bytes.NewReader([]byte(got.XML)), "conflict", cibxml.Options{Raw: true})
			if perr != nil {
				c.t.Fatal(perr)
			}
			cur = m
			continue
		}
		time.Sleep(50 * time.Millisecond)
		ver, cur = c.getCIB(name, false)
	}
}

func resourceIDs(c *cib.CIB) []string {
	var out []string
	for _, r := range c.Configuration.Resources {
		out = append(out, r.ID)
	}
	sort.Strings(out)
	return out
}

var fastRaft = "[raft]\ntick = \"50ms\"\nelection_ticks = 10\nheartbeat_ticks = 1\n"

// Three pacerd on loopback: a configuration change made through a node
// that is not the DC is visible on all; a stale compare-and-swap loses
// with a named error and the fresh CIB; SIGKILL of the DC elects another
// and loses nothing committed; all three SIGKILLed and restarted from
// disk hold the same CIB.
func TestCIBReplicatedAcrossRealDaemons(t *testing.T) {
	specs := []NodeSpec{{"alpha", 1}, {"bravo", 2}, {"charlie", 3}}
	tm := Timing{Keepalive: 100 * time.Millisecond, Warntime: 300 * time.Millisecond, Deadtime: 500 * time.Millisecond, Initdead: 2 * time.Second}
	c := newTestCluster(t, specs, tm, func(int) string { return fastRaft })
	for _, s := range specs {
		c.start(s.Name)
	}
	dc, _ := waitOneDC(t, c.all(), c.socks, "", 15*time.Second)
	var via string
	for _, s := range specs {
		if s.Name != dc {
			via = s.Name
			break
		}
	}

	// A change through a follower (raft forwards it to the DC).
	before, _ := c.getCIB(via, false)
	v1 := c.addResource(via, "web")
	want := []string{"web"}
	for _, s := range specs {
		// Linearizable on every node at once...
		if _, got := c.getCIB(s.Name, false); !slices.Equal(resourceIDs(got), want) {
			t.Fatalf("cib.get on %s: %v, want %v", s.Name, resourceIDs(got), want)
		}
	}
	// ... and each node's own applied copy.
	for _, s := range specs {
		deadline := time.Now().Add(5 * time.Second)
		for {
			ver, got := c.getCIB(s.Name, true)
			if slices.Equal(resourceIDs(got), want) && ver.Epoch == v1.Epoch {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("local copy on %s: %v at epoch %d", s.Name, resourceIDs(got), ver.Epoch)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	// A stale CAS through another node loses, named, with the fresh CIB.
	other := c.client(dc)
	_, stale := c.getCIB(dc, false)
	stale.Configuration.Resources = []*cib.Resource{{Kind: cib.KindPrimitive, ID: "lost", Class: "ocf", Provider: "pacemaker", Type: "Dummy"}}
	var b bytes.Buffer
	if err := cibxml.Write(&b, stale); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	fresh, err := other.ReplaceCIB(ctx, before.AdminEpoch, before.Epoch, b.String())
	cancel()
	if !errors.Is(err, control.ErrConflict) || fresh.Epoch != v1.Epoch || fresh.XML == "" {
		t.Fatalf("stale cib.replace on %s: %v, returned epoch %d (current %d)", dc, err, fresh.Epoch, v1.Epoch)
	}
	t.Logf("stale CAS answered: %v", err)

	// More changes, through each node in turn.
	for i, s := range specs {
		c.addResource(s.Name, fmt.Sprintf("r%d", i))
		want = append(want, fmt.Sprintf("r%d", i))
	}
	sort.Strings(want)

	// SIGKILL the DC: another is elected and has everything.
	killed := c.nodes[dc]
	killed.Kill(syscall.SIGKILL)
	killed.ExitWait(t, 5*time.Second)
	next, took := waitOneDC(t, c.all(), c.socks, "", 15*time.Second)
	if next == dc {
		t.Fatalf("the killed DC %s is still named", dc)
	}
	t.Logf("DC %s killed; %s elected after %v", dc, next, took.Round(time.Millisecond))
	for _, n := range c.all() {
		if _, got := c.getCIB(n.Name, false); !slices.Equal(resourceIDs(got), want) {
			t.Fatalf("after the DC's death %s has %v, want %v", n.Name, resourceIDs(got), want)
		}
	}
	c.addResource(next, "after-failover")
	want = append(want, "after-failover")
	sort.Strings(want)
	c.start(dc)
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, got := c.getCIB(dc, true); slices.Equal(resourceIDs(got), want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("restarted %s never caught up", dc)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// All three die at once and come back from their data_dirs.
	last, _ := c.getCIB(next, false)
	for _, n := range c.all() {
		n.Kill(syscall.SIGKILL)
		n.ExitWait(t, 5*time.Second)
	}
	for _, s := range specs {
		c.start(s.Name)
	}
	waitOneDC(t, c.all(), c.socks, "", 15*time.Second)
	for _, s := range specs {
		ver, got := c.getCIB(s.Name, false)
		if !slices.Equal(resourceIDs(got), want) || ver.Epoch != last.Epoch || ver.AdminEpoch != last.AdminEpoch {
			t.Fatalf("after a full restart %s has %v at %d.%d, want %v at %d.%d", s.Name, resourceIDs(got),
				ver.AdminEpoch, ver.Epoch, want, last.AdminEpoch, last.Epoch)
		}
	}
}

// Six real pacerd: the first five vote, the sixth is a learner the DC
// takes in under its node id; a change made through the learner (Raft
// forwards it) reaches every node.
func TestLearnerRealDaemons(t *testing.T) {
	specs := []NodeSpec{{"n1", 1}, {"n2", 2}, {"n3", 3}, {"n4", 4}, {"n5", 5}, {"n6", 6}}
	tm := Timing{Keepalive: 100 * time.Millisecond, Warntime: 300 * time.Millisecond, Deadtime: 500 * time.Millisecond, Initdead: 3 * time.Second}
	c := newTestCluster(t, specs, tm, func(int) string { return fastRaft })
	for _, s := range specs {
		c.start(s.Name)
	}
	waitOneDC(t, c.all(), c.socks, "", 20*time.Second)
	for _, s := range specs {
		c.waitInfo(s.Name, "5 voters and learner 6", func(ni control.NodeInfo) bool {
			return slices.Equal(ni.Voters, []uint64{1, 2, 3, 4, 5}) && slices.Equal(ni.Learners, []uint64{6}) && ni.Quorum
		})
	}
	c.addResource("n6", "via-learner")
	for _, s := range specs {
		if _, got := c.getCIB(s.Name, false); !slices.Equal(resourceIDs(got), []string{"via-learner"}) {
			t.Fatalf("%s has %v", s.Name, resourceIDs(got))
		}
	}
}

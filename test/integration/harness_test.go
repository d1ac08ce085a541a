// Package integration runs real pacerd processes on loopback (and over pty
// serial pairs) and checks what they log. Benchmarks here measure detection
// latency and idle cost.
package integration

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pacer-it-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cmd := exec.Command("go", "build", "-o", dir+"/", "pacer/cmd/pacerd", "pacer/cmd/pacer", "pacer/cmd/pacer-helper")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build binaries:", err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// Event is one JSON log line of a pacerd.
type Event struct {
	Level  string         `json:"level"`
	TS     time.Time      `json:"ts"`
	Logger string         `json:"logger"`
	Msg    string         `json:"msg"`
	Fields map[string]any `json:"-"`
}

func (e Event) Str(k string) string {
	v, _ := e.Fields[k].(string)
	return v
}

// Node is one pacerd process under test.
type Node struct {
	Name   string
	ID     int
	Config string
	cmd    *exec.Cmd
	mu     sync.Mutex
	events []Event
	raw    []string
	cond   *sync.Cond
	exited chan struct{}
}

// NodeSpec describes a node of a test cluster.
type NodeSpec struct {
	Name string
	ID   int
}

// Timing is the membership timing of a test cluster.
type Timing struct {
	Keepalive, Warntime, Deadtime, Initdead time.Duration
}

func freeUDPPorts(t testing.TB, n int) []int {
	t.Helper()
	var conns []net.PacketConn
	var ports []int
	for i := 0; i < n; i++ {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		ports = append(ports, c.LocalAddr().(*net.UDPAddr).Port)
	}
	for _, c := range conns {
		c.Close()
	}
	return ports
}

func keygen(t testing.TB, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "authkey")
	out, err := exec.Command(filepath.Join(binDir, "pacer"), "keygen", "--authkey", path).CombinedOutput()
	if err != nil {
		t.Fatalf("pacer keygen: %v\n%s", err, out)
	}
	return path
}

// writeConfig writes one node's pacer.toml. links is the TOML of its
// [[link]] tables.
func writeConfig(t testing.TB, dir string, self NodeSpec, peers []NodeSpec, tm Timing, authkey, links string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "cluster = \"it\"\nkeepalive = %q\nwarntime = %q\ndeadtime = %q\ninitdead = %q\n",
		tm.Keepalive, tm.Warntime, tm.Deadtime, tm.Initdead)
	fmt.Fprintf(&b, "authkey = %q\ndata_dir = %q\nsocket = %q\n", authkey,
		filepath.Join(dir, self.Name), filepath.Join(dir, self.Name+".sock"))
	fmt.Fprintf(&b, "[log]\nformat = \"json\"\nlevel = \"info\"\n")
	fmt.Fprintf(&b, "[node]\nname = %q\nid = %d\n", self.Name, self.ID)
	for _, p := range peers {
		fmt.Fprintf(&b, "[[peer]]\nname = %q\nid = %d\n", p.Name, p.ID)
	}
	b.WriteString(links)
	path := filepath.Join(dir, self.Name+".toml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// udpMesh returns, per node, a [[link]] table for a unicast mesh on
// loopback. addrOf lets a test route a node's traffic through a relay.
func udpMesh(specs []NodeSpec, ports []int, addrOf func(from, to int) string) []string {
	out := make([]string, len(specs))
	for i := range specs {
		var b strings.Builder
		fmt.Fprintf(&b, "[[link]]\nname = \"ring0\"\nkind = \"udp\"\nbind = \"127.0.0.1:%d\"\n[link.peers]\n", ports[i])
		for j, p := range specs {
			if j == i {
				continue
			}
			addr := fmt.Sprintf("127.0.0.1:%d", ports[j])
			if addrOf != nil {
				addr = addrOf(i, j)
			}
			fmt.Fprintf(&b, "%s = %q\n", p.Name, addr)
		}
		out[i] = b.String()
	}
	return out
}

// StartNode starts pacerd with config and collects its log.
func StartNode(t testing.TB, name string, id int, config string, extraArgs ...string) *Node {
	t.Helper()
	n := &Node{Name: name, ID: id, Config: config, exited: make(chan struct{})}
	n.cond = sync.NewCond(&n.mu)
	args := append([]string{"--config", config, "--log-format", "json"}, extraArgs...)
	n.cmd = exec.Command(filepath.Join(binDir, "pacerd"), args...)
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stderr, err := n.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := n.cmd.Start(); err != nil {
		t.Fatalf("start pacerd %s: %v", name, err)
	}
	go n.collect(stderr)
	t.Cleanup(func() {
		n.Kill(syscall.SIGKILL)
		<-n.exited
		if t.Failed() {
			t.Logf("log of %s:\n%s", n.Name, strings.Join(n.Raw(), "\n"))
		}
	})
	return n
}

func (n *Node) collect(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		var e Event
		var fields map[string]any
		if json.Unmarshal([]byte(line), &e) == nil && json.Unmarshal([]byte(line), &fields) == nil {
			e.Fields = fields
		}
		n.mu.Lock()
		n.raw = append(n.raw, line)
		if e.Msg != "" {
			n.events = append(n.events, e)
		}
		n.cond.Broadcast()
		n.mu.Unlock()
	}
	_ = n.cmd.Wait()
	n.mu.Lock()
	close(n.exited)
	n.cond.Broadcast()
	n.mu.Unlock()
}

// Kill sends sig to the process (no-op once it exited).
func (n *Node) Kill(sig syscall.Signal) {
	select {
	case <-n.exited:
	default:
		_ = n.cmd.Process.Signal(sig)
	}
}

// Pid is the process id.
func (n *Node) Pid() int { return n.cmd.Process.Pid }

// Raw returns every line logged so far.
func (n *Node) Raw() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.raw...)
}

// Events returns the events matching msg (and fields, compared as strings).
func (n *Node) Events(msg string, fields map[string]string) []Event {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []Event
	for _, e := range n.events {
		if e.Msg == msg && matches(e, fields) {
			out = append(out, e)
		}
	}
	return out
}

func matches(e Event, fields map[string]string) bool {
	for k, v := range fields {
		if fmt.Sprint(e.Fields[k]) != v {
			return false
		}
	}
	return true
}

// WaitFor blocks until n has logged count events matching msg and fields, or
// timeout; it returns the matching events.
func (n *Node) WaitFor(t testing.TB, timeout time.Duration, count int, msg string, fields map[string]string) []Event {
	t.Helper()
	deadline := time.Now().Add(timeout)
	timer := time.AfterFunc(timeout, func() {
		n.mu.Lock()
		n.cond.Broadcast()
		n.mu.Unlock()
	})
	defer timer.Stop()
	n.mu.Lock()
	defer n.mu.Unlock()
	for {
		var got []Event
		for _, e := range n.events {
			if e.Msg == msg && matches(e, fields) {
				got = append(got, e)
			}
		}
		if len(got) >= count {
			return got
		}
		select {
		case <-n.exited:
			t.Fatalf("%s exited while waiting for %q %v", n.Name, msg, fields)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: waited %v for %d x %q %v, have %d", n.Name, timeout, count, msg, fields, len(got))
		}
		n.cond.Wait()
	}
}

// Exited reports whether the process has ended.
func (n *Node) Exited() bool {
	select {
	case <-n.exited:
		return true
	default:
		return false
	}
}

// ExitWait waits for the process to end and returns its exit code.
func (n *Node) ExitWait(t testing.TB, timeout time.Duration) int {
	t.Helper()
	select {
	case <-n.exited:
	case <-time.After(timeout):
		t.Fatalf("%s did not exit within %v", n.Name, timeout)
	}
	return n.cmd.ProcessState.ExitCode()
}

// StartCluster starts one pacerd per spec on a loopback UDP mesh.
func StartCluster(t testing.TB, specs []NodeSpec, tm Timing) []*Node {
	t.Helper()
	dir := t.TempDir()
	key := keygen(t, dir)
	ports := freeUDPPorts(t, len(specs))
	links := udpMesh(specs, ports, nil)
	var nodes []*Node
	for i, s := range specs {
		var peers []NodeSpec
		for j, p := range specs {
			if j != i {
				peers = append(peers, p)
			}
		}
		cfg := writeConfig(t, dir, s, peers, tm, key, links[i])
		nodes = append(nodes, StartNode(t, s.Name, s.ID, cfg))
	}
	return nodes
}

// WaitJoined waits until every node has seen every other join.
func WaitJoined(t testing.TB, nodes []*Node, timeout time.Duration) {
	t.Helper()
	for _, n := range nodes {
		for _, p := range nodes {
			if p != n {
				n.WaitFor(t, timeout, 1, "node joined", map[string]string{"node": p.Name})
			}
		}
	}
}

func fmtAny(v any) string { return fmt.Sprint(v) }

package control

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// fakeBackend is a map of attributes, one node "alpha" and peer "beta".
type fakeBackend struct {
	mu    sync.Mutex
	attrs map[string]string // node/lifetime/name -> value
}

func newFake() *fakeBackend { return &fakeBackend{attrs: map[string]string{}} }

func (f *fakeBackend) key(a AttrArgs) (string, error) {
	node := a.Node
	if node == "" {
		node = "alpha"
	}
	if node != "alpha" && node != "beta" {
		return "", fmt.Errorf("node %q: %w", node, ErrUnknownNode)
	}
	return node + "/" + a.Lifetime + "/" + a.Name, nil
}

func (f *fakeBackend) GetAttr(_ context.Context, a AttrArgs) ([]AttrValue, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k, err := f.key(a)
	if err != nil {
		return nil, err
	}
	v, ok := f.attrs[k]
	if !ok {
		return nil, fmt.Errorf("%s: %w", a.Name, ErrUnknownAttribute)
	}
	return []AttrValue{{Node: strings.Split(k, "/")[0], Name: a.Name, Lifetime: a.Lifetime, Written: v, InCIB: true, Current: v}}, nil
}

func (f *fakeBackend) SetAttr(_ context.Context, a AttrArgs) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	k, err := f.key(a)
	if err == nil {
		f.attrs[k] = a.Value
	}
	return err
}

func (f *fakeBackend) DeleteAttr(_ context.Context, a AttrArgs) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	k, err := f.key(a)
	if err == nil {
		delete(f.attrs, k)
	}
	return err
}

func (f *fakeBackend) NodeInfo(context.Context) (NodeInfo, error) {
	return NodeInfo{Cluster: "unit", Name: "alpha", ID: 1, Quorum: true, DC: "beta", DCID: 2, Term: 3,
		Members: []Member{{ID: 1, Name: "alpha", State: StateMember}, {ID: 2, Name: "beta", State: StateLost, Witness: true}}}, nil
}

// shortDir is a temporary directory with a path short enough for a unix
// socket (t.TempDir's can exceed 107 bytes with long test names).
func shortDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "pctl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// startServer runs a server on a temporary socket until the test ends.
func startServer(t *testing.T, b Backend, cred *Cred, lg ...*zap.Logger) *Server {
	t.Helper()
	var l *zap.Logger
	if len(lg) > 0 {
		l = lg[0]
	}
	s, err := Listen(Config{Path: filepath.Join(shortDir(t), "pacerd.sock"), ACL: ACL{GID: 4242, Group: true}}, b, l)
	if err != nil {
		t.Fatal(err)
	}
	if cred != nil {
		c := *cred
		s.credOf = func(net.Conn) (Cred, error) { return c, nil }
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return s
}

func dial(t *testing.T, s *Server) *Client {
	t.Helper()
	c, err := Dial(context.Background(), s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestRoundTrip(t *testing.T) {
	f := newFake()
	s := startServer(t, Backend{Attrs: f, Nodes: f}, nil)
	c := dial(t, s)
	ctx := context.Background()
	a := AttrArgs{Name: "master-drbd0", Value: "100", Lifetime: LifetimeReboot}

	if err := c.SetAttr(ctx, a); err != nil {
		t.Fatal(err)
	}
	vs, err := c.GetAttr(ctx, AttrArgs{Name: "master-drbd0", Lifetime: LifetimeReboot})
	if err != nil || len(vs) != 1 || vs[0].Written != "100" || vs[0].Node != "alpha" {
		t.Fatalf("GetAttr = %+v, %v", vs, err)
	}
	if err := c.DeleteAttr(ctx, a); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetAttr(ctx, AttrArgs{Name: "master-drbd0", Lifetime: LifetimeReboot})
	if !errors.Is(err, ErrUnknownAttribute) {
		t.Fatalf("after delete: %v, want ErrUnknownAttribute", err)
	}
	if !strings.Contains(err.Error(), "master-drbd0") {
		t.Errorf("error %q does not name the attribute", err)
	}
	err = c.SetAttr(ctx, AttrArgs{Node: "zulu", Name: "x", Value: "1", Lifetime: LifetimeForever})
	if !errors.Is(err, ErrUnknownNode) {
		t.Fatalf("unknown node: %v", err)
	}
	ni, err := c.NodeInfo(ctx)
	if err != nil || ni.Name != "alpha" || len(ni.Members) != 2 || ni.DC != "beta" || ni.DCID != 2 || ni.Term != 3 ||
		!ni.Members[1].Witness || ni.Members[0].Witness {
		t.Fatalf("NodeInfo = %+v, %v", ni, err)
	}
	// No CIB: the location is unknown, said so, not guessed.
	if _, err := c.Locate(ctx, "drbd0"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Locate without a locator: %v, want ErrUnavailable", err)
	}
}

func TestUnsupportedParts(t *testing.T) {
	s := startServer(t, Backend{}, nil)
	c := dial(t, s)
	if _, err := c.NodeInfo(context.Background()); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("NodeInfo: %v", err)
	}
	if err := c.SetAttr(context.Background(), AttrArgs{Name: "x", Lifetime: LifetimeReboot}); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("SetAttr: %v", err)
	}
}

func TestDialMissingSocketIsNotConnected(t *testing.T) {
	_, err := Dial(context.Background(), filepath.Join(shortDir(t), "none.sock"))
	if !errors.Is(err, ErrNotConnected) {
		t.Fatalf("err = %v, want ErrNotConnected", err)
	}
}

func TestACLCheck(t *testing.T) {
	acl := ACL{GID: 105, Group: true}
	tests := []struct {
		name string
		acl  ACL
		cred Cred
		op   Op
		ok   bool
	}{
		{"root reads", acl, Cred{UID: 0, GID: 0}, OpAttrGet, true},
		{"root writes", acl, Cred{UID: 0, GID: 0}, OpAttrSet, true},
		{"haclient primary group writes", acl, Cred{UID: 1000, GID: 105}, OpAttrSet, true},
		{"haclient supplementary group writes", acl, Cred{UID: 1000, GID: 1000, Groups: []uint32{27, 105}}, OpAttrDelete, true},
		{"other user may not write", acl, Cred{UID: 1000, GID: 1000, Groups: []uint32{27}}, OpAttrSet, false},
		{"other user may not read", acl, Cred{UID: 1000, GID: 1000}, OpNodeInfo, false},
		{"no haclient group: only root", ACL{}, Cred{UID: 1000, GID: 105}, OpAttrGet, false},
		{"no haclient group: root", ACL{}, Cred{UID: 0}, OpAttrSet, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.acl.Check(tc.cred, tc.op)
			if tc.ok != (err == nil) {
				t.Fatalf("Check = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrPermission) {
				t.Fatalf("Check = %v, want ErrPermission", err)
			}
		})
	}
}

// A non-root peer outside haclient is refused over a real connection: the
// reply is a permission error, nothing is changed, and it is counted.
func TestServerRefusesOtherUsers(t *testing.T) {
	f := newFake()
	core, logs := observer.New(zap.InfoLevel)
	s := startServer(t, Backend{Attrs: f, Nodes: f}, &Cred{PID: 1, UID: 1000, GID: 1000}, zap.New(core))
	c := dial(t, s)
	err := c.SetAttr(context.Background(), AttrArgs{Name: "x", Value: "1", Lifetime: LifetimeReboot})
	if !errors.Is(err, ErrPermission) {
		t.Fatalf("SetAttr as uid 1000: %v, want ErrPermission", err)
	}
	if !strings.Contains(err.Error(), "uid 1000") {
		t.Errorf("error %q does not name the uid", err)
	}
	if len(f.attrs) != 0 {
		t.Fatalf("a refused request changed state: %v", f.attrs)
	}
	if _, err := c.NodeInfo(context.Background()); !errors.Is(err, ErrPermission) {
		t.Fatalf("NodeInfo as uid 1000: %v, want ErrPermission", err)
	}
	if got := s.Stats()["permission"]; got != 2 {
		t.Fatalf("permission refusals counted = %d, want 2", got)
	}
	// Both logged (the 1st and 2nd are powers of two), with who asked.
	refused := logs.FilterMessage("control request refused").All()
	if len(refused) != 2 || refused[0].ContextMap()["uid"] != uint32(1000) || refused[0].ContextMap()["request"] != "attr.set" {
		t.Fatalf("refusal log lines = %+v", refused)
	}
}

func TestServerAcceptsHaclient(t *testing.T) {
	f := newFake()
	s := startServer(t, Backend{Attrs: f}, &Cred{PID: 1, UID: 1000, GID: 1000, Groups: []uint32{4242}})
	c := dial(t, s)
	if err := c.SetAttr(context.Background(), AttrArgs{Name: "x", Value: "1", Lifetime: LifetimeReboot}); err != nil {
		t.Fatalf("SetAttr as a member of haclient: %v", err)
	}
}

// rawFrame writes body with its length prefix.
func rawFrame(body string) []byte {
	b := make([]byte, 4+len(body))
	binary.BigEndian.PutUint32(b, uint32(len(body)))
	copy(b[4:], body)
	return b
}

// Bad frames get an error reply naming the problem and are counted; the
// connection stays usable when the frame boundary is intact.
func TestBadFrames(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		reason  string
		message string
	}{
		{"not json", "{nope", reasonBadJSON, "decode"},
		{"trailing data", `{"version":1,"op":"node.info"} {}`, reasonBadJSON, "data after"},
		{"unknown field", `{"version":1,"op":"node.info","sudo":true}`, reasonBadJSON, "sudo"},
		{"wrong version", `{"version":9,"op":"node.info"}`, reasonBadVersion, "version 9"},
		{"unknown op", `{"version":1,"op":"rm -rf"}`, reasonUnknownOp, "rm -rf"},
		{"attr without args", `{"version":1,"op":"attr.set"}`, reasonMissingArgs, "without attr"},
		{"bad lifetime", `{"version":1,"op":"attr.get","attr":{"name":"x","lifetime":"always"}}`, reasonMissingArgs, "always"},
		{"locate without rsc", `{"version":1,"op":"rsc.locate"}`, reasonMissingArgs, "no resource"},
	}
	f := newFake()
	s := startServer(t, Backend{Attrs: f, Nodes: f}, nil)
	conn, err := net.Dial("unix", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := s.Stats()[tc.reason]
			if _, err := conn.Write(rawFrame(tc.body)); err != nil {
				t.Fatal(err)
			}
			resp := readResponse(t, conn)
			if resp.Error == nil || resp.Error.Code != CodeBadRequest || !strings.Contains(resp.Error.Msg, tc.message) {
				t.Fatalf("reply = %+v, want bad-request mentioning %q", resp.Error, tc.message)
			}
			if got := s.Stats()[tc.reason]; got != before+1 {
				t.Fatalf("stats[%s] = %d, want %d", tc.reason, got, before+1)
			}
		})
	}
	// Still usable after all that.
	if _, err := conn.Write(rawFrame(`{"version":1,"op":"node.info"}`)); err != nil {
		t.Fatal(err)
	}
	if resp := readResponse(t, conn); resp.Error != nil || resp.Node == nil {
		t.Fatalf("good request after bad ones: %+v", resp)
	}
}

func TestOversizeFrameClosesConnection(t *testing.T) {
	s := startServer(t, Backend{}, nil)
	conn, err := net.Dial("unix", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], MaxFrame+1)
	conn.Write(hdr[:])
	resp := readResponse(t, conn)
	if resp.Error == nil || resp.Error.Code != CodeBadRequest {
		t.Fatalf("reply = %+v", resp)
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := readFrame(conn); err == nil {
		t.Fatal("connection still open after an oversize frame")
	}
	if s.Stats()[reasonOversize] != 1 {
		t.Fatalf("stats = %v", s.Stats())
	}
}

func readResponse(t *testing.T, conn net.Conn) Response {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	body, err := readFrame(conn)
	if err != nil {
		t.Fatalf("read reply: %v", err)
	}
	var r Response
	if err := jsonUnmarshal(body, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// Cancelling Run closes idle connections and returns; the socket file goes.
func TestRunStopsEverything(t *testing.T) {
	s, err := Listen(Config{Path: filepath.Join(shortDir(t), "p.sock")}, Backend{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var clients []net.Conn
	for range 3 {
		c, err := net.Dial("unix", s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		clients = append(clients, c)
	}
	// Wait until the server holds all three.
	for deadline := time.Now().Add(5 * time.Second); ; {
		s.mu.Lock()
		n := len(s.conns)
		s.mu.Unlock()
		if n == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server holds %d connections", n)
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel with idle connections open")
	}
	for _, c := range clients {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err == nil {
			t.Fatal("a client connection is still open")
		}
	}
	if _, err := os.Stat(s.Addr()); !os.IsNotExist(err) {
		t.Fatalf("socket file left behind: %v", err)
	}
}

func TestListenSocketFile(t *testing.T) {
	dir := shortDir(t)
	path := filepath.Join(dir, "p.sock")
	s, err := Listen(Config{Path: path}, Backend{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o660 {
		t.Errorf("socket mode %v, want 0660", fi.Mode().Perm())
	}
	// A live server's socket is not taken over.
	if _, err := Listen(Config{Path: path}, Backend{}, nil); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second Listen: %v, want in use", err)
	}
	// A dead one's is: leave a socket file nobody serves.
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: filepath.Join(dir, "stale.sock"), Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	s2, err := Listen(Config{Path: filepath.Join(dir, "stale.sock")}, Backend{}, nil)
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	s2.Close()
	s.Close()
	// A regular file is not removed.
	reg := filepath.Join(dir, "file")
	os.WriteFile(reg, nil, 0o600)
	if _, err := Listen(Config{Path: reg}, Backend{}, nil); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Fatalf("Listen over a regular file: %v", err)
	}
	long := "/" + strings.Repeat("x", 120)
	if _, err := Listen(Config{Path: long}, Backend{}, nil); err == nil || !strings.Contains(err.Error(), "at most 107") {
		t.Fatalf("Listen on a long path: %v", err)
	}
}

func TestParseGroups(t *testing.T) {
	status := "Name:\tbash\nUid:\t1000\t1000\t1000\t1000\nGroups:\t4 24 105 \nNgid:\t0\n"
	gs, err := parseGroups(strings.NewReader(status))
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(gs, func(i, j int) bool { return gs[i] < gs[j] })
	if fmt.Sprint(gs) != "[4 24 105]" {
		t.Fatalf("groups = %v", gs)
	}
	if _, err := parseGroups(strings.NewReader("Groups:\tx\n")); err == nil {
		t.Fatal("bad groups accepted")
	}
}

// The real SO_PEERCRED of a connection to ourselves is our own uid.
func TestPeerCred(t *testing.T) {
	s := startServer(t, Backend{}, nil)
	conn, err := net.Dial("unix", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c, err := peerCred(conn)
	if err != nil {
		t.Fatal(err)
	}
	if c.UID != uint32(os.Getuid()) || c.PID != int32(os.Getpid()) {
		t.Fatalf("cred = %+v, want uid %d pid %d", c, os.Getuid(), os.Getpid())
	}
}

// Connections over MaxConns are answered with an error and closed; idle
// ones are closed after IdleTimeout.
func TestConnectionLimits(t *testing.T) {
	s, err := Listen(Config{Path: filepath.Join(shortDir(t), "p.sock"), MaxConns: 1, IdleTimeout: 200 * time.Millisecond}, Backend{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() { cancel(); <-done }()
	first, err := net.Dial("unix", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		s.mu.Lock()
		n := len(s.conns)
		s.mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("first connection not tracked")
		}
	}
	second, err := net.Dial("unix", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if resp := readResponse(t, second); resp.Error == nil || resp.Error.Code != CodeUnavailable ||
		!strings.Contains(resp.Error.Msg, "too many connections") {
		t.Fatalf("over the limit: %+v", resp.Error)
	}
	// The first, idle, is closed by the server after IdleTimeout.
	first.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	if _, err := first.Read(make([]byte, 1)); err == nil {
		t.Fatal("idle connection got data")
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("idle connection not closed by the server")
	}
	if time.Since(start) > 4*time.Second {
		t.Fatal("idle connection closed late")
	}
}

package control

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
)

func init() {
	fuzzSeeds = append(fuzzSeeds,
		`{"version":1,"op":"rsc.cleanup","admin":{"rsc":"d1","node":"alpha"}}`,
		`{"version":1,"op":"node.status-attr","admin":{"node":"alpha","name":"standby","value":"on"}}`,
		`{"version":1,"op":"node.fence","admin":{"node":"alpha","action":"off"}}`)
}

// The administration requests' arguments are checked before any backend
// sees them.
func TestAdminArgs(t *testing.T) {
	tests := []struct {
		body string
		ok   bool
	}{
		{`{"version":1,"op":"rsc.cleanup","admin":{"rsc":"d1"}}`, true},
		{`{"version":1,"op":"rsc.cleanup","admin":{"rsc":"d1","node":"alpha"}}`, true},
		{`{"version":1,"op":"rsc.cleanup","admin":{}}`, false},
		{`{"version":1,"op":"rsc.cleanup"}`, false},
		{`{"version":1,"op":"node.status-attr","admin":{"node":"alpha","name":"standby","value":"on"}}`, true},
		{`{"version":1,"op":"node.status-attr","admin":{"node":"alpha","name":"standby","delete":true}}`, true},
		{`{"version":1,"op":"node.status-attr","admin":{"name":"standby"}}`, false},
		{`{"version":1,"op":"node.status-attr","admin":{"node":"alpha"}}`, false},
		{`{"version":1,"op":"node.fence","admin":{"node":"alpha","action":"reboot"}}`, true},
		{`{"version":1,"op":"node.fence","admin":{"node":"alpha","action":"on"}}`, false},
		{`{"version":1,"op":"node.fence","admin":{"action":"off"}}`, false},
		{`{"version":1,"op":"node.fence","admin":{"node":"alpha","action":"off","extra":1}}`, false},
	}
	for _, tc := range tests {
		_, err := DecodeRequest([]byte(tc.body))
		if (err == nil) != tc.ok {
			t.Errorf("%s: err %v, want ok=%v", tc.body, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrBadRequest) {
			t.Errorf("%s: %v is not a bad request", tc.body, err)
		}
	}
	for _, op := range []Op{OpRscCleanup, OpNodeStatusAttr, OpNodeFence} {
		if !op.known() || !op.writes() {
			t.Errorf("%s: known %v writes %v", op, op.known(), op.writes())
		}
	}
}

type fakeAdmin struct{ got []AdminArgs }

func (f *fakeAdmin) Cleanup(_ context.Context, a AdminArgs) (AdminResult, error) {
	f.got = append(f.got, a)
	return AdminResult{Removed: []string{"fail-count-" + a.Rsc + "#monitor_1000 on alpha"}}, nil
}

func (f *fakeAdmin) StatusAttr(_ context.Context, a AdminArgs) (AdminResult, error) {
	f.got = append(f.got, a)
	return AdminResult{Version: CIB{Epoch: 3, NumUpdates: 9}}, nil
}

func (f *fakeAdmin) Fence(_ context.Context, a AdminArgs) (AdminResult, error) {
	return AdminResult{}, errorf(ErrUnknownNode, "no node %q", a.Node)
}

// The requests reach the backend and its answers and errors come back
// with their codes; a pacerd without the backend answers unsupported.
func TestAdminDispatch(t *testing.T) {
	fa := &fakeAdmin{}
	path := filepath.Join(t.TempDir(), "s.sock")
	s, err := Listen(Config{Path: path}, Backend{Admin: fa}, nil)
	if err != nil {
		t.Fatal(err)
	}
	go s.Run(context.Background())
	defer s.Close()
	ctx := context.Background()
	c, err := Dial(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r, err := c.Admin(ctx, OpRscCleanup, AdminArgs{Rsc: "d1"})
	if err != nil || len(r.Removed) != 1 || r.Removed[0] != "fail-count-d1#monitor_1000 on alpha" {
		t.Fatalf("cleanup: %+v %v", r, err)
	}
	r, err = c.Admin(ctx, OpNodeStatusAttr, AdminArgs{Node: "alpha", Name: "standby", Value: "on"})
	if err != nil || r.Version.NumUpdates != 9 {
		t.Fatalf("status-attr: %+v %v", r, err)
	}
	if _, err := c.Admin(ctx, OpNodeFence, AdminArgs{Node: "zulu", Action: "off"}); !errors.Is(err, ErrUnknownNode) {
		t.Fatalf("fence: %v, want unknown node", err)
	}
	if len(fa.got) != 2 || fa.got[1].Name != "standby" {
		t.Fatalf("backend saw %+v", fa.got)
	}

	path2 := filepath.Join(t.TempDir(), "s2.sock")
	s2, err := Listen(Config{Path: path2}, Backend{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	go s2.Run(context.Background())
	defer s2.Close()
	c2, err := Dial(ctx, path2)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if _, err := c2.Admin(ctx, OpRscCleanup, AdminArgs{Rsc: "d1"}); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("no admin backend: %v, want unsupported", err)
	}
}

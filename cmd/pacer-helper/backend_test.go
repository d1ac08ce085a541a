package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"pacer/internal/attrd"
	"pacer/internal/clock"
	"pacer/internal/control"
)

// storeBackend serves a control server from an attrd.Mem, as pacerd does
// (the daemon's adapter is not importable from cmd/).
type storeBackend struct {
	m       *attrd.Mem
	self    string
	members []control.Member
	loc     *control.Location // nil: unknown
	dc      string            // "": no DC
	dcID    uint64
}

func (b *storeBackend) node(n string) string {
	if n == "" {
		return b.self
	}
	return n
}

func wireErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, attrd.ErrUnknownAttribute):
		return &control.Error{Code: control.CodeUnknownAttribute, Msg: err.Error()}
	case errors.Is(err, attrd.ErrUnknownNode):
		return &control.Error{Code: control.CodeUnknownNode, Msg: err.Error()}
	}
	return err
}

func conv(v attrd.Value) control.AttrValue {
	return control.AttrValue{Node: v.Node, Name: v.Name, Lifetime: v.Lifetime.String(), Written: v.Written,
		InCIB: v.InCIB, Current: v.Current, Delay: v.Delay, Private: v.Private}
}

func (b *storeBackend) GetAttr(_ context.Context, a control.AttrArgs) ([]control.AttrValue, error) {
	lt, _ := attrd.ParseLifetime(a.Lifetime)
	if a.All {
		vs, err := b.m.List(a.Name, lt)
		var out []control.AttrValue
		for _, v := range vs {
			out = append(out, conv(v))
		}
		return out, wireErr(err)
	}
	v, err := b.m.Get(b.node(a.Node), a.Name, lt)
	if err != nil {
		return nil, wireErr(err)
	}
	return []control.AttrValue{conv(v)}, nil
}

func (b *storeBackend) SetAttr(_ context.Context, a control.AttrArgs) error {
	lt, _ := attrd.ParseLifetime(a.Lifetime)
	return wireErr(b.m.Set(attrd.Update{Node: b.node(a.Node), Name: a.Name, Value: a.Value, Lifetime: lt,
		Delay: a.Delay, SetDelay: a.SetDelay, KeepValue: a.KeepValue, Private: a.Private}))
}

func (b *storeBackend) DeleteAttr(_ context.Context, a control.AttrArgs) error {
	lt, _ := attrd.ParseLifetime(a.Lifetime)
	return wireErr(b.m.Delete(b.node(a.Node), a.Name, lt))
}

func (b *storeBackend) NodeInfo(context.Context) (control.NodeInfo, error) {
	return control.NodeInfo{Cluster: "unit", Name: b.self, ID: 1, Members: b.members, Quorum: true, DC: b.dc, DCID: b.dcID}, nil
}

func (b *storeBackend) Locate(_ context.Context, rsc string) (control.Location, error) {
	if b.loc == nil {
		return control.Location{}, &control.Error{Code: control.CodeUnavailable, Msg: "resource locations are not known: no CIB"}
	}
	l := *b.loc
	l.Rsc = rsc
	return l, nil
}

// testServer runs a control server over a fresh store with nodes alpha
// (this one), bravo and node10, on a socket in a short temporary directory.
func testServer(t *testing.T, clk clock.Clock) (*storeBackend, string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "ph")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if clk == nil {
		clk = clock.Real{}
	}
	m := attrd.NewMem(attrd.Config{Nodes: []string{"alpha", "bravo", "node10"}}, clk, nil)
	t.Cleanup(func() { m.Close() })
	b := &storeBackend{m: m, self: "alpha", members: []control.Member{
		{ID: 10, Name: "node10", State: control.StateLost},
		{ID: 2, Name: "bravo", State: control.StateMember},
		{ID: 1, Name: "alpha", State: control.StateMember},
	}}
	path := filepath.Join(dir, "pacerd.sock")
	s, err := control.Listen(control.Config{Path: path}, control.Backend{Attrs: b, Nodes: b, Resources: b}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return b, path
}

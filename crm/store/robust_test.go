package store

import (
	"context"
	"errors"
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"
)

// rawPropose proposes data as it is, bypassing the encoders, through n.
func (c *testCluster) rawPropose(n *Node, data []byte, req reqID) (result, error) {
	c.t.Helper()
	r := await(c, "raw proposal", async(func() (result, error) {
		return n.submit(context.Background(), "raw", &proposal{req: req, data: data})
	}))
	return r.v, r.err
}

func TestGarbledEntryIsCountedAndChangesNothing(t *testing.T) {
	c := newCluster(t, clusterOpts{n: 3})
	lead := c.leader()
	_, v0, _ := lead.Local()
	// A config entry whose payload is not msgpack: committed, then
	// refused by every node alike. Its proposer cannot be told (the
	// request id is inside the garbage), so it waits for its context.
	ctx, cancel := context.WithCancel(context.Background())
	lost := async(func() (result, error) {
		return lead.submit(ctx, "raw", &proposal{data: []byte{byte(entryConfig), 0xc1, 0xff}})
	})
	// A well-formed entry carrying a CIB that does not parse: the
	// proposer hears why.
	e := &configEntry{Req: reqID{Node: lead.ID(), Seq: 42}, XML: []byte("<cib")}
	data, _ := encodeEntry(entryConfig, e)
	if _, err := c.rawPropose(lead, data, e.Req); !errors.Is(err, ErrGarbled) {
		t.Fatalf("garbled CIB: %v, want ErrGarbled", err)
	}
	c.waitFor("both garbled entries applied everywhere", 300, func() bool {
		for _, tn := range c.running() {
			if tn.node.Stats().GarbledEntries < 2 {
				return false
			}
		}
		return true
	})
	cancel()
	if r := <-lost; !errors.Is(r.err, context.Canceled) {
		t.Fatalf("garbage proposer: %v", r.err)
	}
	for _, tn := range c.running() {
		if _, v, _ := tn.node.Local(); v != v0 {
			t.Fatalf("node %d at %s after garbage, want %s", tn.id, v, v0)
		}
		if got := tn.node.Stats().GarbledEntries; got != 2 {
			t.Fatalf("node %d counted %d garbled entries, want 2", tn.id, got)
		}
	}
	// The cluster goes on.
	base, _, _ := lead.Local()
	if _, err := c.proposeConfig(lead, v0, configWith(base, "after")); err != nil {
		t.Fatal(err)
	}
	c.checkInvariants()
}

func TestUnknownEntryStopsApply(t *testing.T) {
	c := newCluster(t, clusterOpts{n: 1})
	lead := c.leader()
	ch := async(func() (result, error) {
		return lead.submit(context.Background(), "raw", &proposal{data: []byte{0x7e}})
	})
	tn := c.nodes[lead.ID()]
	<-lead.Done()
	if err := lead.Err(); !errors.Is(err, ErrUnknownEntry) || !errors.Is(<-tn.errc, ErrUnknownEntry) {
		t.Fatalf("loop ended with %v, want ErrUnknownEntry", err)
	}
	if r := <-ch; !errors.Is(r.err, ErrStopped) {
		t.Fatalf("proposer got %v", r.err)
	}
	// The entry was not applied: a restart stops at it again rather than
	// skip it.
	applied := tn.log.Applied()
	tn.log.Close()
	tn.node, tn.log = nil, nil
	c.net.Unregister(lead.ID())
	tn = c.restart(lead.ID())
	<-tn.node.Done()
	if !errors.Is(tn.node.Err(), ErrUnknownEntry) || tn.log.Applied() != applied {
		t.Fatalf("after restart: %v, applied %d (was %d)", tn.node.Err(), tn.log.Applied(), applied)
	}
	<-tn.errc
	tn.log.Close()
	tn.node, tn.log = nil, nil
}

func TestStepRefusesBadMessages(t *testing.T) {
	c := newCluster(t, clusterOpts{n: 3})
	lead := c.leader()
	n := c.node(lead.ID())
	tests := []struct {
		name string
		m    *pb.Message
	}{
		{"nil", nil},
		{"to another node", &pb.Message{Type: pb.MsgApp.Enum(), To: new(uint64(99)), From: new(uint64(2))}},
		{"no sender", &pb.Message{Type: pb.MsgApp.Enum(), To: new(lead.ID())}},
		{"local type", &pb.Message{Type: pb.MsgHup.Enum(), To: new(lead.ID()), From: new(uint64(2))}},
	}
	for i, tt := range tests {
		if err := n.Step(context.Background(), tt.m); !errors.Is(err, ErrGarbled) {
			t.Errorf("%s: %v, want ErrGarbled", tt.name, err)
		}
		if got := n.Stats().BadMessages; got != uint64(i+1) {
			t.Errorf("%s: %d bad messages counted", tt.name, got)
		}
	}
	// A message from a peer raft does not know is refused inside the loop.
	if err := n.Step(context.Background(), &pb.Message{Type: pb.MsgHeartbeatResp.Enum(), To: new(lead.ID()), From: new(uint64(77)), Term: new(lead.Status().Term)}); err != nil {
		t.Fatal(err)
	}
	c.settle()
	if st := n.Status(); st.State.String() != "StateLeader" {
		t.Fatalf("leader after bad messages: %v", st.State)
	}
	c.checkInvariants()
}

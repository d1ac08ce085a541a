package store

import (
	"context"
	"errors"
	"sync"
	"testing"

	pb "go.etcd.io/raft/v3/raftpb"

	"pacer/heartbeat"
	"pacer/internal/cluster"
)

// peerMux records which node each frame was sent to.
type peerMux struct {
	mu    sync.Mutex
	peers []cluster.NodeID
	msgs  []heartbeat.Message
}

func (m *peerMux) Send(peer cluster.NodeID, msg heartbeat.Message) (cluster.LinkName, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.peers = append(m.peers, peer)
	m.msgs = append(m.msgs, msg)
	return "ring0", nil
}

// mapRouter: raft id 3 is carried by node 2 (it rejoined under a new id).
type mapRouter map[uint64]cluster.NodeID

func (r mapRouter) NodeOf(id uint64) (cluster.NodeID, bool) {
	n, ok := r[id]
	return n, ok
}

func (r mapRouter) Speaks(from cluster.NodeID, id uint64) bool {
	n, ok := r[id]
	return ok && n == from
}

func TestWireRoutesRaftIDsToNodes(t *testing.T) {
	router := mapRouter{1: 1, 3: 2}
	mux := &peerMux{}
	out, err := NewWire(DefaultWireConfig(), mux, fakeClock(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	out.SetRouter(router)
	for _, tc := range []struct {
		to   uint64
		node cluster.NodeID
		err  error
	}{
		{3, 2, nil},        // the new raft id goes to its node
		{1, 1, nil},        // a raft id that is a node id
		{2, 0, ErrNoRoute}, // the retired id goes nowhere
	} {
		mux.peers = nil
		err := out.send(context.Background(), msg(tc.to, pb.MsgHeartbeat))
		if !errors.Is(err, tc.err) {
			t.Fatalf("send to raft id %d: %v, want %v", tc.to, err, tc.err)
		}
		if tc.err == nil && (len(mux.peers) != 1 || mux.peers[0] != tc.node) {
			t.Fatalf("raft id %d sent to nodes %v, want %d", tc.to, mux.peers, tc.node)
		}
	}

	// Receiving: node 2 may speak as raft id 3, node 1 may not.
	in, err := NewWire(DefaultWireConfig(), &peerMux{}, fakeClock(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	in.SetRouter(router)
	st := &stepper{recorder: newRecorder()}
	in.Bind(st)
	enc := &peerMux{}
	w, _ := NewWire(DefaultWireConfig(), enc, fakeClock(), nil)
	defer w.Close()
	m := &pb.Message{Type: pb.MsgHeartbeat.Enum(), To: new(uint64(1)), From: new(uint64(3))}
	if err := w.send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	in.Receive(1, "ring0", enc.msgs[0]) // node 1 claiming raft id 3
	if len(st.steps) != 0 || in.Stats().Garbled != 1 {
		t.Fatalf("a frame of node 1 spoke for raft id 3: %d stepped, %d garbled", len(st.steps), in.Stats().Garbled)
	}
	in.Receive(2, "ring0", enc.msgs[0])
	if len(st.steps) != 1 || st.steps[0].GetFrom() != 3 {
		t.Fatalf("node 2 as raft id 3: stepped %v", st.steps)
	}
}

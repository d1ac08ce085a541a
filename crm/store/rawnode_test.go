package store

// A real single-node raft.RawNode on the bolt Log, through the Ready loop in
// the order the raft README requires (persist, then send, then apply, then
// Advance), restarted from the bolt file: committed proposals, the applied
// state and the configuration survive, and nothing applied is re-delivered.

import (
	"io"
	"log"
	"path/filepath"
	"strings"
	"testing"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// node is one raft member with a toy FSM: the applied proposals, in order.
type node struct {
	t       *testing.T
	rn      *raft.RawNode
	log     *Log
	cs      *pb.ConfState
	applied []string
	// delivered counts entries handed to apply, to catch re-delivery.
	delivered int
}

func raftConfig(l *Log) *raft.Config {
	return &raft.Config{
		ID:                1,
		ElectionTick:      10,
		HeartbeatTick:     1,
		Storage:           l,
		Applied:           l.Applied(),
		MaxSizePerMsg:     1 << 20,
		MaxInflightMsgs:   256,
		CheckQuorum:       true,
		PreVote:           true,
		StepDownOnRemoval: true,
		Logger:            &raft.DefaultLogger{Logger: log.New(io.Discard, "", 0)},
	}
}

func startNode(t *testing.T, path string, bootstrap bool) *node {
	t.Helper()
	l := openTest(t, path)
	_, cs, state, err := l.AppliedState()
	if err != nil {
		t.Fatal(err)
	}
	rn, err := raft.NewRawNode(raftConfig(l))
	if err != nil {
		t.Fatal(err)
	}
	if bootstrap {
		if err := rn.Bootstrap([]raft.Peer{{ID: 1}}); err != nil {
			t.Fatal(err)
		}
	}
	n := &node{t: t, rn: rn, log: l, cs: cs}
	if len(state) > 0 {
		n.applied = strings.Split(string(state), ",")
	}
	return n
}

// run handles Readys until there are none.
func (n *node) run() {
	n.t.Helper()
	for n.rn.HasReady() {
		rd := n.rn.Ready()
		// Persist, then send.
		if err := n.log.Save(rd.HardState, rd.Entries, rd.Snapshot); err != nil {
			n.t.Fatal(err)
		}
		for _, m := range rd.Messages {
			if m.GetTo() != 1 {
				n.t.Fatalf("single node sends %v to %d", m.GetType(), m.GetTo())
			}
		}
		if len(rd.CommittedEntries) > 0 {
			for _, e := range rd.CommittedEntries {
				n.delivered++
				switch e.GetType() {
				case pb.EntryConfChange:
					cc := &pb.ConfChange{}
					if err := proto.Unmarshal(e.GetData(), cc); err != nil {
						n.t.Fatal(err)
					}
					n.cs = n.rn.ApplyConfChange(cc)
				case pb.EntryNormal:
					if len(e.GetData()) > 0 {
						n.applied = append(n.applied, string(e.GetData()))
					}
				}
			}
			last := rd.CommittedEntries[len(rd.CommittedEntries)-1].GetIndex()
			if err := n.log.SaveApplied(last, n.cs, []byte(strings.Join(n.applied, ","))); err != nil {
				n.t.Fatal(err)
			}
		}
		n.rn.Advance(rd)
	}
}

func (n *node) campaign() {
	n.t.Helper()
	if err := n.rn.Campaign(); err != nil {
		n.t.Fatal(err)
	}
	n.run()
	if st := n.rn.BasicStatus(); st.RaftState != raft.StateLeader {
		n.t.Fatalf("after campaign: %v, want leader", st.RaftState)
	}
}

func (n *node) propose(data ...string) {
	n.t.Helper()
	for _, d := range data {
		if err := n.rn.Propose([]byte(d)); err != nil {
			n.t.Fatal(err)
		}
	}
	n.run()
}

func TestRawNodeSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "raft.db")
	n := startNode(t, path, true)
	n.run()
	n.campaign()
	n.propose("a", "b", "c")
	if got := strings.Join(n.applied, ","); got != "a,b,c" {
		t.Fatalf("applied %q", got)
	}
	hs1 := n.log.HardState()
	last1, _ := n.log.LastIndex()
	if hs1.GetCommit() != last1 || n.log.Applied() != last1 {
		t.Fatalf("commit %d applied %d last %d: not all committed and applied", hs1.GetCommit(), n.log.Applied(), last1)
	}
	n.log.Close()

	// Restart from the bolt file with Applied from it.
	n2 := startNode(t, path, false)
	if got := strings.Join(n2.applied, ","); got != "a,b,c" {
		t.Fatalf("restored fsm %q", got)
	}
	if hs, _, _ := n2.log.InitialState(); !proto.Equal(hs, hs1) {
		t.Fatalf("hard state %v, want %v", hs, hs1)
	}
	first, _ := n2.log.FirstIndex()
	es, err := n2.log.Entries(first, last1+1, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	var logged []string
	for _, e := range es {
		if e.GetType() == pb.EntryNormal && len(e.GetData()) > 0 {
			logged = append(logged, string(e.GetData()))
		}
	}
	if got := strings.Join(logged, ","); got != "a,b,c" {
		t.Fatalf("committed proposals in the log: %q", got)
	}
	// Nothing applied is delivered again; the voter set came back from the
	// applied state, so the node can win an election at once.
	n2.run()
	if n2.delivered != 0 {
		t.Fatalf("%d entries re-delivered after restart", n2.delivered)
	}
	n2.campaign()
	if hs := n2.log.HardState(); hs.GetTerm() <= hs1.GetTerm() {
		t.Fatalf("term %d after re-election, want > %d", hs.GetTerm(), hs1.GetTerm())
	}
	n2.propose("d")
	if got := strings.Join(n2.applied, ","); got != "a,b,c,d" {
		t.Fatalf("applied after restart %q", got)
	}

	// Snapshot and compact, restart again: the log starts after the
	// snapshot and the proposals are still all there.
	applied := n2.log.Applied()
	if _, err := n2.log.CreateSnapshot(applied, n2.cs, []byte(strings.Join(n2.applied, ","))); err != nil {
		t.Fatal(err)
	}
	if err := n2.log.Compact(applied); err != nil {
		t.Fatal(err)
	}
	n2.log.Close()
	n3 := startNode(t, path, false)
	n3.run()
	n3.campaign()
	n3.propose("e")
	if got := strings.Join(n3.applied, ","); got != "a,b,c,d,e" {
		t.Fatalf("applied after compaction and restart %q", got)
	}
	if first, _ := n3.log.FirstIndex(); first != applied+1 {
		t.Fatalf("first index %d, want %d", first, applied+1)
	}
	snap, err := n3.log.Snapshot()
	if err != nil || string(snap.GetData()) != "a,b,c,d" {
		t.Fatalf("snapshot %q, %v", snap.GetData(), err)
	}
	t.Logf("final hard state: %v", n3.log.HardState())
}

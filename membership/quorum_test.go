package membership

import (
	"testing"

	"pacer/internal/cluster"
)

// quorumView is a view with self (1) up and the given states for others.
func quorumView(states map[cluster.NodeID]NodeState) View {
	v := View{Version: 1, Self: 1, Nodes: []NodeStatus{{ID: 1, Name: "a", State: NodeStateUp}}}
	for id := cluster.NodeID(2); id <= 9; id++ {
		if s, ok := states[id]; ok {
			v.Nodes = append(v.Nodes, NodeStatus{ID: id, State: s})
		}
	}
	return v
}

func TestHasQuorum(t *testing.T) {
	up, warn, dead, pending := NodeStateUp, NodeStateWarn, NodeStateDead, NodeStatePending
	two := []cluster.NodeID{1, 2}
	three := []cluster.NodeID{1, 2, 3}
	five := []cluster.NodeID{1, 2, 3, 4, 5}
	tests := []struct {
		name    string
		policy  QuorumPolicy
		voters  []cluster.NodeID
		states  map[cluster.NodeID]NodeState
		seenAll bool
		want    bool
	}{
		{"majority: all of three", QuorumPolicy{Mode: Majority}, three, map[cluster.NodeID]NodeState{2: up, 3: up}, true, true},
		{"majority: two of three", QuorumPolicy{Mode: Majority}, three, map[cluster.NodeID]NodeState{2: up, 3: dead}, true, true},
		{"majority: warn counts as alive", QuorumPolicy{Mode: Majority}, three, map[cluster.NodeID]NodeState{2: warn, 3: dead}, true, true},
		{"majority: one of three", QuorumPolicy{Mode: Majority}, three, map[cluster.NodeID]NodeState{2: dead, 3: pending}, true, false},
		{"majority: one of two is not more than half", QuorumPolicy{Mode: Majority}, two, map[cluster.NodeID]NodeState{2: dead}, true, false},
		{"majority: two of four is not more than half", QuorumPolicy{Mode: Majority}, []cluster.NodeID{1, 2, 3, 4}, map[cluster.NodeID]NodeState{2: up, 3: dead, 4: dead}, true, false},
		{"majority: three of five", QuorumPolicy{Mode: Majority}, five, map[cluster.NodeID]NodeState{2: up, 3: up, 4: dead, 5: dead}, true, true},
		{"majority: voter missing from the view is not alive", QuorumPolicy{Mode: Majority}, three, map[cluster.NodeID]NodeState{2: up}, true, true},
		{"majority: voters missing from the view", QuorumPolicy{Mode: Majority}, []cluster.NodeID{1, 8, 9}, nil, true, false},
		{"majority: this node need not be a voter", QuorumPolicy{Mode: Majority}, []cluster.NodeID{2, 3, 4}, map[cluster.NodeID]NodeState{2: up, 3: up, 4: dead}, true, true},
		{"majority: duplicate voters counted once", QuorumPolicy{Mode: Majority}, []cluster.NodeID{1, 1, 2, 3}, map[cluster.NodeID]NodeState{2: dead, 3: dead}, true, false},
		{"no voters", QuorumPolicy{Mode: Majority}, nil, nil, true, false},
		{"majority with wait_for_all: not before all were seen", QuorumPolicy{Mode: Majority, WaitForAll: true}, three, map[cluster.NodeID]NodeState{2: up, 3: up}, false, false},
		{"majority with wait_for_all: after", QuorumPolicy{Mode: Majority, WaitForAll: true}, three, map[cluster.NodeID]NodeState{2: up, 3: dead}, true, true},

		{"two_node: both alive", QuorumPolicy{Mode: TwoNode}, two, map[cluster.NodeID]NodeState{2: up}, false, true},
		{"two_node: survivor alone", QuorumPolicy{Mode: TwoNode}, two, map[cluster.NodeID]NodeState{2: dead}, false, true},
		{"two_node: this node not a voter, one voter alive", QuorumPolicy{Mode: TwoNode}, []cluster.NodeID{2, 3}, map[cluster.NodeID]NodeState{2: up, 3: dead}, false, true},
		{"two_node: neither alive", QuorumPolicy{Mode: TwoNode}, []cluster.NodeID{2, 3}, map[cluster.NodeID]NodeState{2: dead, 3: dead}, false, false},
		{"two_node wait_for_all: booted alone, peer never seen", QuorumPolicy{Mode: TwoNode, WaitForAll: true}, two, map[cluster.NodeID]NodeState{2: pending}, false, false},
		{"two_node wait_for_all: both seen together, now alone", QuorumPolicy{Mode: TwoNode, WaitForAll: true}, two, map[cluster.NodeID]NodeState{2: dead}, true, true},
		{"two_node wait_for_all: both up, not yet latched", QuorumPolicy{Mode: TwoNode, WaitForAll: true}, two, map[cluster.NodeID]NodeState{2: up}, false, false},
		{"two_node with three voters is majority", QuorumPolicy{Mode: TwoNode}, three, map[cluster.NodeID]NodeState{2: dead, 3: dead}, true, false},

		{"witness: pair plus witness, one node and the witness", QuorumPolicy{Mode: Witness}, three, map[cluster.NodeID]NodeState{2: dead, 3: up}, true, true},
		{"witness: node cut off from peer and witness", QuorumPolicy{Mode: Witness}, three, map[cluster.NodeID]NodeState{2: dead, 3: dead}, true, false},
		{"witness: witness is not enough alone", QuorumPolicy{Mode: Witness}, []cluster.NodeID{2, 3, 4}, map[cluster.NodeID]NodeState{2: dead, 3: dead, 4: up}, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := HasQuorum(tc.policy, tc.voters, quorumView(tc.states), tc.seenAll); got != tc.want {
				t.Fatalf("HasQuorum(%v, %v, %v, seenAll=%t) = %t, want %t",
					tc.policy.Mode, tc.voters, tc.states, tc.seenAll, got, tc.want)
			}
		})
	}
}

func TestAllAlive(t *testing.T) {
	tests := []struct {
		name   string
		voters []cluster.NodeID
		states map[cluster.NodeID]NodeState
		want   bool
	}{
		{"all up", []cluster.NodeID{1, 2}, map[cluster.NodeID]NodeState{2: NodeStateUp}, true},
		{"warn is alive", []cluster.NodeID{1, 2}, map[cluster.NodeID]NodeState{2: NodeStateWarn}, true},
		{"pending peer", []cluster.NodeID{1, 2}, map[cluster.NodeID]NodeState{2: NodeStatePending}, false},
		{"missing from the view", []cluster.NodeID{1, 2}, nil, false},
		{"no voters", nil, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := AllAlive(tc.voters, quorumView(tc.states)); got != tc.want {
				t.Fatalf("AllAlive = %t, want %t", got, tc.want)
			}
		})
	}
}

func TestHasQuorumDoesNotReorderVoters(t *testing.T) {
	voters := []cluster.NodeID{3, 1, 2, 1}
	HasQuorum(QuorumPolicy{}, voters, quorumView(nil), true)
	if voters[0] != 3 || voters[3] != 1 {
		t.Fatalf("voters changed: %v", voters)
	}
}

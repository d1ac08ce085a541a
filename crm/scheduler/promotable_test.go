package scheduler

import (
	"strings"
	"testing"

	"pacer/crm/cib"
)

// TestPromotedLimits checks promoted-max / promoted-node-max with the
// legacy master-max / master-node-max names and the default of 1.
func TestPromotedLimits(t *testing.T) {
	tests := []struct {
		name         string
		meta         map[string]string
		max, nodeMax int
	}{
		{"defaults are 1", map[string]string{}, 1, 1},
		{"new names", map[string]string{"promoted-max": "2", "promoted-node-max": "2"}, 2, 2},
		{"legacy names", map[string]string{"master-max": "3", "master-node-max": "2"}, 3, 2},
		{"new name wins over legacy", map[string]string{"promoted-max": "2", "master-max": "5"}, 2, 1},
		{"negative counts as 0", map[string]string{"promoted-max": "-1"}, 0, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, nm := promotedLimits(tc.meta)
			if m != tc.max || nm != tc.nodeMax {
				t.Errorf("got %d/%d, want %d/%d", m, nm, tc.max, tc.nodeMax)
			}
		})
	}
}

// TestPromotionScore checks promotion_score's attribute look-up: the
// history name (else the id), then for an anonymous clone the id without
// its instance number; unique clones do not fall back; no attribute is a
// default score of 0.
func TestPromotionScore(t *testing.T) {
	tests := []struct {
		name        string
		id, history string
		unique      bool
		attrs       map[string]string
		score       cib.Score
		isDefault   bool
	}{
		{"instance name", "drbd:1", "", false, map[string]string{"master-drbd:1": "10", "master-drbd": "5"}, 10, false},
		{"base name for an anonymous instance", "drbd:1", "", false, map[string]string{"master-drbd": "5"}, 5, false},
		{"history name first", "drbd:1", "drbd", false, map[string]string{"master-drbd": "7", "master-drbd:1": "9"}, 7, false},
		{"unique clone: no base-name fallback", "drbd:1", "", true, map[string]string{"master-drbd": "5"}, 0, true},
		{"no attribute", "drbd:0", "", false, map[string]string{}, 0, true},
		{"INFINITY", "drbd:0", "", false, map[string]string{"master-drbd": "INFINITY"}, infinity, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, d := promotionScore(tc.id, tc.history, tc.unique, tc.attrs)
			if s != tc.score || d != tc.isDefault {
				t.Errorf("got %v/%v, want %v/%v", s, d, tc.score, tc.isDefault)
			}
		})
	}
}

// TestInstancePriority checks set_instance_priority's defaults: no
// promotion score gives -1; an instance already Promoted sorts first.
func TestInstancePriority(t *testing.T) {
	if p, s := instancePriority(0, true, false); p != -1 || s != -1 {
		t.Errorf("no score: got %v/%v, want -1/-1", p, s)
	}
	if p, s := instancePriority(10, false, false); p != 10 || s != 10 {
		t.Errorf("score 10: got %v/%v", p, s)
	}
	if p, s := instancePriority(10, false, true); p != 10 || s != infinity {
		t.Errorf("promoted: got %v/%v, want 10/INFINITY", p, s)
	}
}

// TestChoosePromoted checks pcmk__set_instance_roles' selection:
// highest sort index first, at most promoted-max overall and
// promoted-node-max per node, never a negative sort index or an
// instance without a usable node.
func TestChoosePromoted(t *testing.T) {
	c := func(id string, node int, sortIndex cib.Score) promotionCandidate {
		return promotionCandidate{id: id, node: node, canRunOn: node >= 0, sortIndex: sortIndex}
	}
	tests := []struct {
		name         string
		cands        []promotionCandidate
		max, nodeMax int
		want         string
	}{
		{"highest score wins", []promotionCandidate{c("a:0", 0, 5), c("a:1", 1, 10)}, 1, 1, "a:1"},
		{"promoted-max two", []promotionCandidate{c("a:0", 0, 5), c("a:1", 1, 10), c("a:2", 2, 1)}, 2, 1, "a:1 a:0"},
		{"negative never promoted", []promotionCandidate{c("a:0", 0, -1), c("a:1", 1, -1)}, 1, 1, ""},
		{"promoted-node-max per node", []promotionCandidate{c("a:0", 0, 10), c("a:1", 0, 9), c("a:2", 1, 1)}, 2, 1, "a:0 a:2"},
		{"unassigned instance skipped", []promotionCandidate{c("a:0", -1, 10), c("a:1", 1, 1)}, 1, 1, "a:1"},
		{"equal scores keep instance order", []promotionCandidate{c("a:0", 0, 3), c("a:1", 1, 3)}, 1, 1, "a:0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join(choosePromoted(tc.cands, tc.max, tc.nodeMax, 3), " ")
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestRoleActions checks rsc_state_matrix and rsc_action_matrix: the
// actions on the way from a current role to a target role.
func TestRoleActions(t *testing.T) {
	const (
		stopped    = cib.RoleStopped
		started    = cib.RoleStarted
		unpromoted = cib.RoleUnpromoted
		promoted   = cib.RolePromoted
	)
	tests := []struct {
		name     string
		from, to cib.Role
		want     string
	}{
		{"stopped to promoted starts then promotes", stopped, promoted, "start promote"},
		{"stopped to unpromoted starts", stopped, unpromoted, "start"},
		{"promoted to stopped demotes then stops", promoted, stopped, "demote stop"},
		{"promoted to unpromoted demotes", promoted, unpromoted, "demote"},
		{"unpromoted to promoted promotes", unpromoted, promoted, "promote"},
		{"started to unpromoted needs nothing", started, unpromoted, ""},
		{"unpromoted to started stops and starts", unpromoted, started, "stop start"},
		{"promoted to started demotes, stops and starts", promoted, started, "demote stop start"},
		{"same role needs nothing", promoted, promoted, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join(roleActions(tc.from, tc.to), " ")
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestCmpInstanceNumber: instances compare by the number after the last
// colon, not as strings (pcmk__cmp_instance_number).
func TestCmpInstanceNumber(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{{"c:2", "c:10", -1}, {"c:10", "c:2", 1}, {"c:3", "c:3", 0}, {"g:1", "g:0", 1}} {
		if got := cmpInstanceNumber(tc.a, tc.b); got != tc.want {
			t.Errorf("cmpInstanceNumber(%s, %s) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

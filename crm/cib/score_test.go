package cib

import "testing"

func TestParseScore(t *testing.T) {
	tests := []struct {
		in      string
		want    Score
		wantErr bool
	}{
		{"INFINITY", Infinity, false},
		{"+INFINITY", Infinity, false},
		{"-INFINITY", -Infinity, false},
		{"infinity", Infinity, false},
		{"100", 100, false},
		{"-50", -50, false},
		{"+7", 7, false},
		{"2000000", Infinity, false},
		{"-99999999999999999999", -Infinity, false},
		{"", 0, true},
		{"10s", 0, true},
		{"1.5", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseScore(tc.in)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("ParseScore(%q) = %v, %v; want %v, err=%v", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestScoreAdd(t *testing.T) {
	tests := []struct {
		name    string
		a, b, s Score
	}{
		{"finite", 10, 20, 30},
		{"-inf wins", Infinity, -Infinity, -Infinity},
		{"-inf wins reversed", -Infinity, Infinity, -Infinity},
		{"saturate", 999999, 5, Infinity},
		{"inf plus finite", Infinity, -5, Infinity},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.a.Add(tc.b); got != tc.s {
				t.Fatalf("%v + %v = %v, want %v", tc.a, tc.b, got, tc.s)
			}
		})
	}
}

func TestParseRole(t *testing.T) {
	tests := []struct {
		in   string
		want Role
	}{
		{"Master", RolePromoted}, {"Promoted", RolePromoted}, {"slave", RoleUnpromoted},
		{"Unpromoted", RoleUnpromoted}, {"Started", RoleStarted}, {"Stopped", RoleStopped}, {"Leader", RoleUnknown},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseRole(tc.in)
			if got != tc.want || (tc.want == RoleUnknown) != (err != nil) {
				t.Fatalf("ParseRole(%q) = %v, %v", tc.in, got, err)
			}
		})
	}
}

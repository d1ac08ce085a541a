package store

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"pacer/crm/cib"
	"pacer/crm/cib/cibxml"
)

func xmlOf(t *testing.T, c *cib.CIB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := cibxml.Write(&b, c); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestFSMConfigCAS(t *testing.T) {
	base := newFSM().cib
	tests := []struct {
		name     string
		start    Version // the FSM's version
		expected Version // the proposal's
		proposed *cib.CIB
		want     Version
		wantErr  error
	}{
		{"matching version", Version{0, 3, 5}, Version{0, 3, 0}, configWith(base, "a"), Version{0, 4, 0}, nil},
		{"num_updates does not matter", Version{0, 3, 5}, Version{0, 3, 2}, configWith(base, "a"), Version{0, 4, 0}, nil},
		{"epoch moved", Version{0, 4, 0}, Version{0, 3, 0}, configWith(base, "a"), Version{0, 4, 0}, ErrConflict},
		{"admin_epoch moved", Version{1, 3, 0}, Version{0, 3, 0}, configWith(base, "a"), Version{1, 3, 0}, ErrConflict},
		{"admin raises admin_epoch", Version{0, 3, 0}, Version{0, 3, 0}, func() *cib.CIB { c := configWith(base, "a"); c.AdminEpoch = "2"; return c }(), Version{2, 4, 0}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFSM()
			applyStatus(f.cib, &StatusUpdate{Node: "n1", Attrs: []AttrUpdate{{Name: "x", Value: "1"}}})
			f.ver = tt.start
			setVersion(f.cib, f.ver)
			r := f.applyConfig(&configEntry{AdminEpoch: tt.expected.AdminEpoch, Epoch: tt.expected.Epoch, XML: xmlOf(t, tt.proposed)}, true)
			if !errors.Is(r.err, tt.wantErr) || r.ver != tt.want || f.ver != tt.want {
				t.Fatalf("result %s, %v; fsm at %s; want %s, %v", r.ver, r.err, f.ver, tt.want, tt.wantErr)
			}
			if v, _ := VersionOf(f.cib); v != tt.want {
				t.Fatalf("CIB attributes say %s, want %s", v, tt.want)
			}
			if len(f.cib.Status.Nodes) != 1 {
				t.Fatalf("status lost: %+v", f.cib.Status)
			}
			var ce *ConflictError
			if errors.As(r.err, &ce) && (ce.CIB == nil || ce.Current != tt.start || len(ce.CIB.Configuration.Resources) != 0) {
				t.Fatalf("conflict %+v", ce)
			}
			if tt.wantErr == nil && !slices.Equal(resourceIDs(f.cib), []string{"a"}) {
				t.Fatalf("resources %v", resourceIDs(f.cib))
			}
		})
	}
}

func TestFSMGarbledConfigChangesNothing(t *testing.T) {
	f := newFSM()
	before, _ := f.encode()
	for _, x := range [][]byte{[]byte("<cib"), []byte("<notcib/>"), []byte(`<cib epoch="x"><configuration/><status/></cib>`)} {
		r := f.applyConfig(&configEntry{XML: x}, true)
		if !errors.Is(r.err, ErrGarbled) {
			t.Fatalf("%q: %v", x, r.err)
		}
	}
	if after, _ := f.encode(); !bytes.Equal(before, after) {
		t.Fatal("a garbled config entry changed the state")
	}
}

func TestFSMMembers(t *testing.T) {
	f := newFSM()
	f.noteConfChange(true, 1, []byte("a"))
	f.noteConfChange(true, 2, []byte("b"))
	steps := []struct {
		name    string
		apply   func() result
		wantID  uint64
		wantErr error
	}{
		{"add c", func() result { return f.applyAddMember(&memberEntry{Name: "c"}) }, 3, nil},
		{"add b again", func() result { return f.applyAddMember(&memberEntry{Name: "b"}) }, 2, ErrMemberExists},
		{"remove b", func() result { return f.applyRemoveMember(&memberEntry{ID: 2}) }, 2, nil},
		{"remove b again", func() result { return f.applyRemoveMember(&memberEntry{ID: 2}) }, 0, ErrNoMember},
		{"remove unknown", func() result { return f.applyRemoveMember(&memberEntry{ID: 9}) }, 0, ErrNoMember},
		{"b returns under a new id", func() result { return f.applyAddMember(&memberEntry{Name: "b"}) }, 4, nil},
		{"add without name", func() result { return f.applyAddMember(&memberEntry{}) }, 0, ErrGarbled},
	}
	for _, s := range steps {
		r := s.apply()
		if r.id != s.wantID || !errors.Is(r.err, s.wantErr) {
			t.Fatalf("%s: id %d, %v; want %d, %v", s.name, r.id, r.err, s.wantID, s.wantErr)
		}
	}
	// A conf change removing a member the table never had still burns its id.
	f.noteConfChange(false, 10, nil)
	if r := f.applyAddMember(&memberEntry{Name: "z"}); r.id != 11 {
		t.Fatalf("after id 10 was seen: allocated %d", r.id)
	}
}

func TestFSMStateRoundTrip(t *testing.T) {
	f := newFSM()
	f.noteConfChange(true, 1, []byte("a"))
	if r := f.applyConfig(&configEntry{XML: xmlOf(t, configWith(f.cib, "db"))}, false); r.err != nil {
		t.Fatal(r.err)
	}
	f.applyStatus(&statusEntry{Updates: []StatusUpdate{{Node: "a", Attrs: []AttrUpdate{{Name: "x", Value: "1"}}}}})
	b, err := f.encode()
	if err != nil {
		t.Fatal(err)
	}
	g, err := restoreFSM(b)
	if err != nil {
		t.Fatal(err)
	}
	if g.ver != f.ver || !slices.Equal(g.members, f.members) || g.nextID != 2 || !slices.Equal(resourceIDs(g.cib), []string{"db"}) {
		t.Fatalf("restored %s %+v next %d %v", g.ver, g.members, g.nextID, resourceIDs(g.cib))
	}
	if b2, _ := g.encode(); !bytes.Equal(b, b2) {
		t.Fatal("re-encoding a restored state differs")
	}
	for _, bad := range [][]byte{nil, {2}, {stateFormat, 0xc1}, append([]byte{stateFormat}, b[1:len(b)/2]...)} {
		if _, err := restoreFSM(bad); err == nil {
			t.Fatalf("restored garbage %x", bad)
		}
	}
}

func TestAddScore(t *testing.T) {
	tests := []struct {
		old   string
		delta int64
		want  string
	}{
		{"", 1, "1"}, {"2", 1, "3"}, {"garbage", 1, "1"}, {"999999", 1, "INFINITY"},
		{"INFINITY", 1, "INFINITY"}, {"INFINITY", -1, "999999"}, {"-INFINITY", -5, "-INFINITY"},
		{"9223372036854775807", 1, "INFINITY"}, {"-9223372036854775808", -1, "-INFINITY"},
	}
	for _, tt := range tests {
		if got := addScore(tt.old, tt.delta); got != tt.want {
			t.Errorf("addScore(%q, %d) = %q, want %q", tt.old, tt.delta, got, tt.want)
		}
	}
}

package crmsh

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"pacer/crm/cib"
)

// TestParseLineIDs checks the ids generated for one typed statement, the
// ones crmsh would generate.
func TestParseLineIDs(t *testing.T) {
	o, err := ParseLine("primitive vip ocf:heartbeat:IPaddr2 params ip=10.0.0.1 op monitor interval=10s OCF_CHECK_LEVEL=1")
	if err != nil {
		t.Fatal(err)
	}
	r := o.(*ResourceObject).Resource
	got := []string{r.Instance[0].ID, r.Instance[0].Pairs[0].ID, r.Ops[0].ID, r.Ops[0].Instance[0].ID, r.Ops[0].Instance[0].Pairs[0].ID}
	want := []string{"vip-instance_attributes", "vip-instance_attributes-ip", "vip-monitor-10s",
		"vip-monitor-10s-instance_attributes", "vip-monitor-10s-instance_attributes-OCF_CHECK_LEVEL"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ids (-want +got):\n%s", d)
	}

	o, err = ParseLine("property stonith-enabled=false")
	if err != nil {
		t.Fatal(err)
	}
	s := o.(*SetObject)
	if !s.Anonymous || s.Section != SectionProperty || s.Set.ID != "cib-bootstrap-options" ||
		s.Set.Pairs[0].ID != "cib-bootstrap-options-stonith-enabled" {
		t.Errorf("property: got %+v", s.Set)
	}
}

// TestParseObjectArgs reads words as a shell passes them; the result is
// the same as for the line.
func TestParseObjectArgs(t *testing.T) {
	args := []string{"primitive", "vip", "IPaddr2", "params", "ip=10.0.0.1", "cidr_netmask=24", "op", "monitor", "interval=10s"}
	a, err := ParseObject(args)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseLine(strings.Join(args, " "))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(a, b, append(cmpModel, cmp.AllowUnexported(ResourceObject{}))...); d != "" {
		t.Errorf("ParseObject and ParseLine differ:\n%s", d)
	}
	_, err = ParseObject([]string{"primitive", "vip", "IPaddr2", "op", "monitor", "intervl=10s"})
	var e *Error
	if !errors.As(err, &e) || e.Col != 34 || e.Object != `primitive "vip"` {
		t.Errorf("error %v: want column 34 of the joined words, object primitive \"vip\"", err)
	}
}

// TestWithExisting checks that generated ids avoid those of the
// configuration the object goes into, and that levels without a target
// go to its nodes.
func TestWithExisting(t *testing.T) {
	existing, err := ParseConfiguration([]byte("node alpha\nnode beta\nprimitive old Dummy params $vip-instance_attributes:x=1\n"), "cib")
	if err != nil {
		t.Fatal(err)
	}
	o, err := ParseLine("primitive vip Dummy params ip=1", WithExisting(existing))
	if err != nil {
		t.Fatal(err)
	}
	if id := o.(*ResourceObject).Resource.Instance[0].ID; id != "vip-instance_attributes-0" {
		t.Errorf("set id %q, want vip-instance_attributes-0", id)
	}
	o, err = ParseLine("fencing_topology st1,st2 st3", WithExisting(existing))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range o.(*FencingObject).Levels {
		got = append(got, l.Target+"/"+l.Index+"/"+l.Devices+"/"+l.ID)
	}
	want := []string{"alpha/1/st1,st2/fencing", "alpha/2/st3/fencing-0", "beta/1/st1,st2/fencing-1", "beta/2/st3/fencing-2"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("levels (-want +got):\n%s", d)
	}
	if _, err := ParseLine("fencing_topology st1"); err == nil {
		t.Error("levels without targets and without nodes: no error")
	}
}

// TestContainerObject checks that a container statement names its
// children and prints back the same.
func TestContainerObject(t *testing.T) {
	o, err := ParseLine("group web fs vip meta target-role=Stopped")
	if err != nil {
		t.Fatal(err)
	}
	ro := o.(*ResourceObject)
	if d := cmp.Diff([]string{"fs", "vip"}, ro.ChildIDs); d != "" || len(ro.Resource.Children) != 0 {
		t.Errorf("children: %s %v", d, ro.Resource.Children)
	}
	var b bytes.Buffer
	if err := PrintObject(&b, o); err != nil {
		t.Fatal(err)
	}
	want := "group web fs vip \\\n\tmeta target-role=Stopped\n"
	if b.String() != want {
		t.Errorf("printed %q, want %q", b.String(), want)
	}
}

// TestPrintObject prints typed objects and reads them back.
func TestPrintObject(t *testing.T) {
	for _, line := range []string{
		"primitive vip IPaddr2 params ip=10.0.0.1 op monitor interval=10s",
		"location l1 vip rule $role=Promoted 100: #uname eq alpha",
		"colocation c1 inf: ( a b ) c",
		"order o1 Optional: a:start b:promote symmetrical=false",
		"property site-a: x=1",
		"rsc_defaults resource-stickiness=1",
		"fencing_topology alpha: st1 beta: st2",
		"tag t1 a b",
		"node 1: alpha attributes standby=on",
		"alert a1 /x/y to r1",
		"xml <acls/>",
	} {
		o, err := ParseLine(line)
		if err != nil {
			t.Errorf("%s: %v", line, err)
			continue
		}
		var b bytes.Buffer
		if err := PrintObject(&b, o); err != nil {
			t.Errorf("%s: print: %v", line, err)
			continue
		}
		o2, err := ParseLine(b.String())
		if err != nil {
			t.Errorf("%s: reparse %q: %v", line, b.String(), err)
			continue
		}
		opts := append(cmpModel, cmp.AllowUnexported(ResourceObject{}, SetObject{}, FencingObject{}, TagObject{}, AlertObject{}, XMLObject{}),
			cmp.FilterPath(func(p cmp.Path) bool {
				// Where it was read, and whether the id was written:
				// Print always writes a set's id.
				s := p.Last().String()
				return s == ".childPos" || s == ".pos" || s == ".Anonymous"
			}, cmp.Ignore()))
		if d := cmp.Diff(o, o2, opts...); d != "" {
			t.Errorf("%s: printed %q reads back differently:\n%s", line, b.String(), d)
		}
	}
}

func TestParseLineOneStatement(t *testing.T) {
	if _, err := ParseLine("primitive a Dummy\nprimitive b Dummy"); err == nil {
		t.Error("two statements: no error")
	}
	if _, err := ParseLine("# nothing"); err == nil {
		t.Error("no statement: no error")
	}
}

// TestPrintNil checks that nothing prints as nothing.
func TestPrintNil(t *testing.T) {
	var b bytes.Buffer
	if err := Print(&b, nil); err != nil || b.Len() != 0 {
		t.Errorf("Print(nil) = %v, %q", err, b.String())
	}
	if err := Print(&b, &cib.Configuration{}); err != nil || b.Len() != 0 {
		t.Errorf("Print(empty) = %v, %q", err, b.String())
	}
}

// TestUnprintable checks what crm syntax cannot say is refused, not lost.
func TestUnprintable(t *testing.T) {
	c := &cib.Configuration{Constraints: []*cib.Constraint{{
		Kind: cib.KindLocation, ID: "l1", Rsc: "a", Node: "n", Score: "1",
		Lifetime: []cib.Rule{{ID: "lt", Score: "INFINITY"}},
	}}}
	var b bytes.Buffer
	err := Print(&b, c)
	if !errors.Is(err, ErrUnprintable) || b.Len() != 0 {
		t.Errorf("lifetime: err %v, wrote %q", err, b.String())
	}
}

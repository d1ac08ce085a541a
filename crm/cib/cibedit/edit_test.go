package cibedit

import (
	"errors"
	"strings"
	"testing"

	"pacer/crm/cib"
	"pacer/crm/cib/crmsh"
)

func parse(t *testing.T, src string) *cib.Configuration {
	t.Helper()
	cfg, err := crmsh.ParseConfiguration([]byte(src), "test.crm")
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return cfg
}

func obj(t *testing.T, cfg *cib.Configuration, line string) crmsh.Object {
	t.Helper()
	o, err := crmsh.ParseObject(strings.Fields(line), crmsh.WithExisting(cfg))
	if err != nil {
		t.Fatalf("parse %q: %v", line, err)
	}
	return o
}

func ids(rs []*cib.Resource) string {
	var out []string
	for _, r := range rs {
		s := r.ID
		if len(r.Children) > 0 {
			s += "(" + ids(r.Children) + ")"
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

const base = `
primitive a ocf:heartbeat:Dummy
primitive b ocf:heartbeat:Dummy
primitive c ocf:heartbeat:Dummy
primitive d ocf:heartbeat:Dummy
group g c d
location loc-a a 100: n1
order o-ab Mandatory: a b
colocation col-set inf: a b c
property cib-bootstrap-options: stonith-enabled=false
`

func TestAdd(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		want    string // resources after
		wantErr error
	}{
		{"new primitive", "primitive e ocf:heartbeat:Dummy", "a b g(c d) e", nil},
		{"id in use", "primitive a ocf:heartbeat:Dummy", "", ErrIDInUse},
		{"id used by a constraint", "primitive loc-a ocf:heartbeat:Dummy", "", ErrIDInUse},
		{"group takes top-level members", "group g2 a b", "g(c d) g2(a b)", nil},
		{"group member missing", "group g2 a zz", "", ErrNotFound},
		{"clone of a group", "clone gc g", "a b gc(g(c d))", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := parse(t, base)
			err := Add(cfg, obj(t, cfg, tc.line))
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Add: %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(cfg.Resources); got != tc.want {
				t.Fatalf("resources %q, want %q", got, tc.want)
			}
		})
	}
}

func TestAddMemberOfAnotherGroupRefused(t *testing.T) {
	cfg := parse(t, base)
	if err := Add(cfg, obj(t, cfg, "group g2 c")); err == nil || !strings.Contains(err.Error(), `already belongs to group "g"`) {
		t.Fatalf("got %v", err)
	}
}

func TestPropertyMerges(t *testing.T) {
	cfg := parse(t, base)
	if err := Add(cfg, obj(t, cfg, "property no-quorum-policy=stop")); err != nil {
		t.Fatal(err)
	}
	if err := Add(cfg, obj(t, cfg, "property stonith-enabled=true")); err != nil {
		t.Fatal(err)
	}
	if len(cfg.CRMConfig) != 1 {
		t.Fatalf("%d property sets, want the default one", len(cfg.CRMConfig))
	}
	got := map[string]string{}
	for _, p := range cfg.CRMConfig[0].Pairs {
		got[p.Name] = p.Value
	}
	if got["stonith-enabled"] != "true" || got["no-quorum-policy"] != "stop" || len(got) != 2 {
		t.Fatalf("properties %v", got)
	}
}

func TestDelete(t *testing.T) {
	tests := []struct {
		name        string
		del         []string
		resources   string
		constraints string
		also        string
		wantErr     error
	}{
		{"primitive and its constraints", []string{"a"}, "b g(c d)", "col-set", "rsc_location:loc-a rsc_order:o-ab", nil},
		{"group member", []string{"c"}, "a b g(d)", "loc-a o-ab col-set", "", nil},
		{"last members empty the group", []string{"c", "d"}, "a b", "loc-a o-ab col-set", "group:g", nil},
		{"set shrinks below two", []string{"a", "b"}, "g(c d)", "", "rsc_location:loc-a rsc_order:o-ab rsc_colocation:col-set", nil},
		{"constraint only", []string{"o-ab"}, "a b g(c d)", "loc-a col-set", "", nil},
		{"unknown id", []string{"zz"}, "", "", "", ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &cib.CIB{Configuration: *parse(t, base)}
			removed, err := Delete(c, tc.del, false)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Delete: %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(c.Configuration.Resources); got != tc.resources {
				t.Errorf("resources %q, want %q", got, tc.resources)
			}
			var cons []string
			for _, x := range c.Configuration.Constraints {
				cons = append(cons, x.ID)
			}
			if got := strings.Join(cons, " "); got != tc.constraints {
				t.Errorf("constraints %q, want %q", got, tc.constraints)
			}
			named := map[string]bool{}
			for _, id := range tc.del {
				named[id] = true
			}
			var also []string
			for _, r := range removed {
				if !named[r.ID] {
					also = append(also, strings.Fields(r.What)[0]+":"+r.ID)
				}
			}
			if got := strings.Join(also, " "); got != tc.also {
				t.Errorf("also removed %q, want %q", got, tc.also)
			}
		})
	}
}

func TestDeleteRunningNeedsForce(t *testing.T) {
	c := &cib.CIB{Configuration: *parse(t, base)}
	c.Status.Nodes = []cib.NodeState{{ID: "1", Uname: "n1", LRM: &cib.LRM{Resources: []cib.LRMResource{{
		ID: "a", Ops: []cib.LRMOp{
			{Operation: "monitor", CallID: "1", RCCode: "7", Interval: "0"},
			{Operation: "start", CallID: "2", RCCode: "0", Interval: "0"},
			{Operation: "monitor", CallID: "3", RCCode: "0", Interval: "10000"},
		},
	}}}}}
	if _, err := Delete(c, []string{"a"}, false); !errors.Is(err, ErrRunning) || !strings.Contains(err.Error(), "n1") {
		t.Fatalf("delete running: %v", err)
	}
	if ids(c.Configuration.Resources) != "a b g(c d)" {
		t.Fatal("a refused delete changed the configuration")
	}
	if _, err := Delete(c, []string{"a"}, true); err != nil {
		t.Fatalf("forced: %v", err)
	}
	c.Status.Nodes[0].LRM.Resources[0].Ops = append(c.Status.Nodes[0].LRM.Resources[0].Ops,
		cib.LRMOp{Operation: "stop", CallID: "4", RCCode: "0", Interval: "0"})
	if _, running := IsRunning(c, "a"); running {
		t.Fatal("stopped resource reported running")
	}
}

func TestLoadUpdate(t *testing.T) {
	cfg := parse(t, base)
	upd := parse(t, `
primitive a ocf:heartbeat:IPaddr2 params ip=10.0.0.1
primitive c ocf:heartbeat:Dummy
primitive d ocf:heartbeat:Dummy
primitive e ocf:heartbeat:Dummy
group g d c e
location loc-a a 200: n2
property cib-bootstrap-options: no-quorum-policy=stop
`)
	if err := LoadUpdate(cfg, upd); err != nil {
		t.Fatal(err)
	}
	if got := ids(cfg.Resources); got != "a b g(d c e)" {
		t.Fatalf("resources %q", got)
	}
	if cfg.Resources[0].Type != "IPaddr2" {
		t.Fatalf("a not replaced: %+v", cfg.Resources[0])
	}
	var loc *cib.Constraint
	for _, c := range cfg.Constraints {
		if c.ID == "loc-a" {
			loc = c
		}
	}
	if loc == nil || loc.Score != "200" || loc.Node != "n2" || len(cfg.Constraints) != 3 {
		t.Fatalf("constraints after update: %+v", cfg.Constraints)
	}
	if n := len(cfg.CRMConfig[0].Pairs); n != 2 {
		t.Fatalf("properties merged to %d pairs, want 2", n)
	}
}

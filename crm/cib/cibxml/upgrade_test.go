package cibxml

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"pacer/crm/cib"
)

func TestPreThree(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want bool
	}{
		{"pacemaker-1.2", true},
		{"pacemaker-2.0", true},
		{"pacemaker-2.10", true},
		{"pacemaker-3.0", false},
		{"pacemaker-3.8", false},
		{"pacemaker-next", false},
		{"none", false},
		{"", false},
		{"transitional-0.6", false},
		{"pacemaker-x.1", false},
	} {
		if got := preThree(tc.v); got != tc.want {
			t.Errorf("preThree(%q) = %v, want %v", tc.v, got, tc.want)
		}
	}
}

func pairs(sets []cib.NVSet) map[string]string {
	m := map[string]string{}
	for _, s := range sets {
		for _, p := range s.Pairs {
			m[s.ID+"/"+p.Name] = p.Value
		}
	}
	return m
}

func TestUpgrade(t *testing.T) {
	path := filepath.Join("testdata", "upgrade-2.x.xml")
	c, changes, err := func() (*cib.CIB, []Change, error) {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		return ReadOptions(f, path, Options{})
	}()
	if err != nil {
		t.Fatal(err)
	}
	conf := &c.Configuration
	if c.ValidateWith != "pacemaker-2.5" {
		t.Errorf("ValidateWith = %q, want it kept as read", c.ValidateWith)
	}
	if got := conf.Nodes[0].Type; got != "member" {
		t.Errorf("node type = %q, want member", got)
	}
	want := map[string]string{
		"cib-bootstrap-options/stonith-enabled":             "false",
		"cib-bootstrap-options/cluster-delay":               "120s",
		"cib-bootstrap-options/default-resource-stickiness": "100", // rsc_defaults already sets it
		"cib-bootstrap-options/expected-quorum-votes":       "2",   // kept, no effect
		"cib-bootstrap-options/cluster-infrastructure":      "openais",
	}
	if d := cmp.Diff(want, pairs(conf.CRMConfig)); d != "" {
		t.Errorf("crm_config (-want +got):\n%s", d)
	}
	want = map[string]string{
		"rsc-options/resource-stickiness": "1",
		"rsc-options/is-managed":          "true",
		"rsc-options/migration-threshold": "1",
		"_2TO3_night/resource-stickiness": "0",
	}
	if d := cmp.Diff(want, pairs(conf.RscDefaults)); d != "" {
		t.Errorf("rsc_defaults (-want +got):\n%s", d)
	}
	if r := conf.RscDefaults[1].Rule; r == nil || r.ID != "_2TO3_night-rule" || r.Exprs[0].DateSpec.ID != "_2TO3_night-spec" {
		t.Errorf("conditional defaults should carry a copy of the rule with prefixed ids, got %+v", r)
	}
	if conf.CRMConfig[1].Rule.ID != "night-rule" {
		t.Errorf("the original rule must stay as it was")
	}
	if d := cmp.Diff(map[string]string{"_2TO3_-op-defaults/timeout": "60s"}, pairs(conf.OpDefaults)); d != "" {
		t.Errorf("op_defaults (-want +got):\n%s", d)
	}
	fence := conf.Resources[0]
	if d := cmp.Diff(map[string]string{"_2TO3_fence1-meta/requires": "nothing"}, pairs(fence.Meta)); d != "" {
		t.Errorf("fence1 meta (-want +got):\n%s", d)
	}
	if fence.Ops[0].Requires != "" || fence.Ops[1].Requires != "quorum" {
		t.Errorf("start's requires should have moved and monitor's stayed: %q %q", fence.Ops[0].Requires, fence.Ops[1].Requires)
	}
	rsc1 := conf.Resources[1]
	if len(rsc1.Meta) != 1 || rsc1.Ops[0].Requires != "fencing" {
		t.Errorf("rsc1 already sets requires: nothing should move, got meta %+v", rsc1.Meta)
	}
	if len(changes) != 14 {
		t.Errorf("got %d changes, want 14:\n%v", len(changes), changes)
	}

	// Idempotent: a second pass changes nothing in the model.
	before := writeString(t, c)
	Upgrade(c)
	if d := cmp.Diff(before, writeString(t, c)); d != "" {
		t.Errorf("second upgrade changed the model:\n%s", d)
	}

	// Raw reads leave everything as written.
	raw, changes, err := ReadOptions(strings.NewReader(mustRead(t, path)), path, Options{Raw: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 0 || raw.Configuration.Nodes[0].Type != "normal" || raw.Configuration.Resources[0].Ops[0].Requires != "nothing" {
		t.Errorf("Raw read was upgraded")
	}
}

func TestUpgradeLeavesNewSchemasAlone(t *testing.T) {
	for _, v := range []string{"pacemaker-3.0", "pacemaker-3.7", "none", ""} {
		doc := `<cib validate-with="` + v + `"><configuration><crm_config><cluster_property_set id="o">` +
			`<nvpair id="o1" name="stonith_enabled" value="true"/></cluster_property_set></crm_config>` +
			`<nodes><node id="1" uname="n1" type="normal"/></nodes></configuration></cib>`
		c, changes, err := ReadOptions(strings.NewReader(doc), "t.xml", Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(changes) != 0 || c.Configuration.Nodes[0].Type != "normal" || c.Configuration.CRMConfig[0].Pairs[0].Name != "stonith_enabled" {
			t.Errorf("validate-with=%q: upgraded anyway: %v", v, changes)
		}
	}
}

// TestUpgradeMaster: the deprecated <master> element is kept as
// KindMaster, which the scheduler treats as a promotable clone, as
// Pacemaker 2.1.5 does; no schema upgrade rewrites it.
func TestUpgradeMaster(t *testing.T) {
	doc := `<cib validate-with="pacemaker-2.0"><configuration><resources><master id="ms">` +
		`<primitive id="p" class="ocf" provider="linbit" type="drbd"/></master></resources></configuration></cib>`
	c, err := Read(strings.NewReader(doc), "t.xml")
	if err != nil {
		t.Fatal(err)
	}
	if k := c.Configuration.Resources[0].Kind; k != cib.KindMaster {
		t.Errorf("kind = %q, want master", k)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeString(t *testing.T, c *cib.CIB) string {
	t.Helper()
	var b strings.Builder
	if err := Write(&b, c); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

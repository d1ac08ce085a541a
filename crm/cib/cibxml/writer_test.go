package cibxml

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"pacer/crm/cib"
)

func TestWriteEscapes(t *testing.T) {
	c := &cib.CIB{Configuration: cib.Configuration{
		Nodes: []cib.Node{{ID: "n1", Description: "a<b>&\"c\"\t'd'\r\nè€"}},
		CRMConfig: []cib.NVSet{{ID: "o", Pairs: []cib.NVPair{
			{ID: "o1", Name: "empty", HasValue: true},
			{ID: "o2", Name: "unset"},
		}}},
	}}
	var b bytes.Buffer
	if err := Write(&b, c); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		`<node id="n1" description="a&lt;b&gt;&amp;&quot;c&quot;&#9;'d'&#13;&#10;è€"/>`,
		`<nvpair id="o1" name="empty" value=""/>`,
		`<nvpair id="o2" name="unset"/>`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
	back, err := Read(strings.NewReader(out), "out.xml")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(c.Configuration.Nodes[0].Description, back.Configuration.Nodes[0].Description); d != "" {
		t.Errorf("description changed:\n%s", d)
	}
	if p := back.Configuration.CRMConfig[0].Pairs; !p[0].HasValue || p[1].HasValue {
		t.Errorf("HasValue not kept: %+v", p)
	}
}

func TestWriteRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    *cib.CIB
		want string
	}{
		{"nil", nil, `write CIB XML: <cib>: nil CIB`},
		{"field and extra", &cib.CIB{Configuration: cib.Configuration{Nodes: []cib.Node{{ID: "n", Type: "member", Extra: []cib.Attr{{Name: "type", Value: "ping"}}}}}},
			`write CIB XML: <node id="n">: attribute "type" is both a field and in Extra`},
		{"extra twice", &cib.CIB{Extra: []cib.Attr{{Name: "a", Value: "1"}, {Name: "a", Value: "2"}}},
			`write CIB XML: <cib>: attribute "a" given twice`},
		{"bad name", &cib.CIB{Extra: []cib.Attr{{Name: "a b", Value: "1"}}},
			`write CIB XML: <cib>: attribute name "a b" is not an XML name`},
		{"control character", &cib.CIB{Epoch: "1\x00"},
			`write CIB XML: <cib>: text "1\x00" holds a control character XML 1.0 cannot carry`},
		{"invalid utf-8", &cib.CIB{Epoch: "\xff"},
			`write CIB XML: <cib>: text "\xff" is not valid UTF-8 XML`},
		{"unknown resource kind", &cib.CIB{Configuration: cib.Configuration{Resources: []*cib.Resource{{Kind: "service", ID: "s"}}}},
			`write CIB XML: <resources>: resource "s" has unknown kind "service"`},
		{"ops on a group", &cib.CIB{Configuration: cib.Configuration{Resources: []*cib.Resource{{Kind: cib.KindGroup, ID: "g", Ops: []cib.Op{{ID: "o"}}}}}},
			`write CIB XML: <group id="g">: only primitives and templates have operations`},
		{"clone in a group", &cib.CIB{Configuration: cib.Configuration{Resources: []*cib.Resource{{Kind: cib.KindGroup, ID: "g", Children: []*cib.Resource{{Kind: cib.KindClone, ID: "c"}}}}}},
			`write CIB XML: <clone id="c">: a clone cannot be inside a group`},
		{"unknown constraint kind", &cib.CIB{Configuration: cib.Configuration{Constraints: []*cib.Constraint{{Kind: "rsc_foo", ID: "x"}}}},
			`write CIB XML: <constraints>: constraint "x" has unknown kind "rsc_foo"`},
		{"rules on an order", &cib.CIB{Configuration: cib.Configuration{Constraints: []*cib.Constraint{{Kind: cib.KindOrder, ID: "o", Rules: []cib.Rule{{ID: "r"}}}}}},
			`write CIB XML: <rsc_order id="o">: only location constraints have rules`},
		{"unknown section clash", &cib.CIB{Configuration: cib.Configuration{Unknown: []cib.Element{{Name: "resources"}}}},
			`write CIB XML: <configuration>: unmodelled element <resources> clashes with a modelled section`},
		{"bad runtime", &cib.CIB{Configuration: cib.Configuration{Resources: []*cib.Resource{{Kind: cib.KindBundle, ID: "b", Bundle: &cib.BundleSpec{Runtime: "lxc"}}}}},
			`write CIB XML: <bundle id="b">: bundle runtime "lxc": want docker, podman or rkt`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			err := Write(&b, tc.c)
			var we *WriteError
			if !errors.As(err, &we) {
				t.Fatalf("got %v, want a *WriteError", err)
			}
			if err.Error() != tc.want {
				t.Errorf("error:\n got %s\nwant %s", err, tc.want)
			}
		})
	}
}

// TestWriteMinimal: a zero CIB writes the skeleton Pacemaker requires.
func TestWriteMinimal(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, &cib.CIB{}); err != nil {
		t.Fatal(err)
	}
	want := `<cib>
  <configuration>
    <crm_config/>
    <nodes/>
    <resources/>
    <constraints/>
  </configuration>
  <status/>
</cib>
`
	if d := cmp.Diff(want, b.String()); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

// TestItemsSeesLoss makes sure the corpus test's comparison would notice
// a dropped attribute, a changed value and a dropped empty element.
func TestItemsSeesLoss(t *testing.T) {
	in := []byte(`<a id="1"><b x="1"/><b x="2"/><c/></a>`)
	for _, out := range []string{
		`<a id="1"><b x="1"/><b/><c/></a>`,
		`<a id="1"><b x="1"/><b x="3"/><c/></a>`,
		`<a id="1"><b x="1"/><b x="2"/></a>`,
	} {
		if missing, _ := diffItems(t, in, []byte(out)); len(missing) == 0 {
			t.Errorf("no loss seen in %s", out)
		}
	}
	if missing, extra := diffItems(t, in, []byte("<a id='1'>\n <c/><b x='2'/> <b x='1'/></a>")); len(missing)+len(extra) > 0 {
		t.Errorf("reordering is not a loss: %v %v", missing, extra)
	}
}

func TestIsName(t *testing.T) {
	for name, want := range map[string]bool{
		"id": true, "x:y": true, "crm-debug-origin": true, "_a.b": true, "é": true,
		"a\u0387": true, // an XML extender that is not a Unicode letter
		"":        false, "1a": false, "-a": false, "a b": false, "é x": false, `é x="1"`: false, "a>": false, "é>": false,
	} {
		if got := isName(name); got != want {
			t.Errorf("isName(%q) = %v, want %v", name, got, want)
		}
	}
}

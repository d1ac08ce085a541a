package cibxml

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"pacer/crm/cib"
)

// readErrorCases are malformed or non-CIB documents with the exact
// message Read must give. They also seed FuzzRead.
var readErrorCases = []struct {
	name string
	doc  string
	want string
	is   error // a sentinel the error must wrap, if any
}{
	{"empty", ``, `cib.xml:1:1: no root element`, ErrNotCIB},
	{"text only", `hello`, `cib.xml:1:1: text before the root element`, ErrSyntax},
	{"wrong root", `<configuration/>`, `cib.xml:1:1: root element is <configuration>, want <cib>`, ErrNotCIB},
	{"html", "<!DOCTYPE html>\n<html><body/></html>", `cib.xml:2:1: root element is <html>, want <cib>`, ErrNotCIB},
	{"unclosed root", `<cib>`, `cib.xml:1:6: <cib>: unexpected end of input: <cib> is not closed`, ErrSyntax},
	{"mismatched end", `<cib><configuration></cib>`, `cib.xml:1:21: <configuration>: </cib> does not close <configuration>`, ErrSyntax},
	{"second root", `<cib><configuration/></cib><cib/>`, `cib.xml:1:28: second root element <cib>`, ErrSyntax},
	{"trailing text", `<cib><configuration/></cib>x`, `cib.xml:1:28: text after the root element`, ErrSyntax},
	{"bad entity", `<cib><configuration/>&bogus;</cib>`, `cib.xml:1:29: <cib>: invalid character entity &bogus;`, ErrSyntax},
	{"bad attribute syntax", `<cib epoch=1><configuration/></cib>`, `cib.xml:1:13: unquoted or missing attribute value in element`, ErrSyntax},
	{"no configuration", `<cib><status/></cib>`, `cib.xml:1:1: <cib>: missing <configuration>`, nil},
	{"two configurations", `<cib><configuration/><configuration/></cib>`, `cib.xml:1:22: <cib>: more than one <configuration>`, nil},
	{"two resources sections", `<cib><configuration><resources/><resources/></configuration></cib>`, `cib.xml:1:33: <configuration>: more than one <resources>`, nil},
	{"duplicate attribute", `<cib epoch="1" epoch="2"><configuration/></cib>`, `cib.xml:1:1: <cib>: attribute "epoch": attribute given twice`, nil},
	{"unknown child of cib", `<cib><configuration/><foo/></cib>`, `cib.xml:1:22: <cib>: unexpected element <foo>`, nil},
	{"unknown element in location", "<cib><configuration><constraints>\n    <rsc_location id=\"l1\" rsc=\"a\" node=\"n\" score=\"1\">\n    <foo/>\n  </rsc_location>\n</constraints></configuration></cib>",
		`cib.xml:3:5: <rsc_location id="l1">: unexpected element <foo>`, nil},
	{"unknown nvpair attribute", `<cib><configuration><crm_config><cluster_property_set id="c"><nvpair id="n" name="a" vaule="x"/></cluster_property_set></crm_config></configuration></cib>`,
		`cib.xml:1:62: <nvpair id="n">: attribute "vaule": unknown attribute`, nil},
	{"attribute on resources", `<cib><configuration><resources id="r"/></configuration></cib>`, `cib.xml:1:21: <resources id="r">: attribute "id": unknown attribute`, nil},
	{"text in a primitive", `<cib><configuration><resources><primitive id="p">oops</primitive></resources></configuration></cib>`,
		`cib.xml:1:50: <primitive id="p">: unexpected text "oops"`, nil},
	{"group in a group", `<cib><configuration><resources><group id="g"><group id="h"/></group></resources></configuration></cib>`,
		`cib.xml:1:46: <group id="g">: unexpected element <group>`, nil},
	{"ops on a group", `<cib><configuration><resources><group id="g"><operations/></group></resources></configuration></cib>`,
		`cib.xml:1:46: <group id="g">: unexpected element <operations>`, nil},
	{"two rules in a set", `<cib><configuration><rsc_defaults><meta_attributes id="m"><rule id="r1" score="0"/><rule id="r2" score="0"/></meta_attributes></rsc_defaults></configuration></cib>`,
		`cib.xml:1:84: <meta_attributes id="m">: more than one <rule>`, nil},
	{"rule in an order", `<cib><configuration><constraints><rsc_order id="o" first="a" then="b"><rule id="r" score="0"/></rsc_order></constraints></configuration></cib>`,
		`cib.xml:1:71: <rsc_order id="o">: unexpected element <rule>`, nil},
	{"empty lifetime", `<cib><configuration><constraints><rsc_location id="l" rsc="a" node="n" score="1"><lifetime/></rsc_location></constraints></configuration></cib>`,
		`cib.xml:1:82: <lifetime>: <lifetime> without a <rule>`, nil},
	{"two runtimes", `<cib><configuration><resources><bundle id="b"><docker image="i"/><podman image="i"/></bundle></resources></configuration></cib>`,
		`cib.xml:1:66: <bundle id="b">: more than one container runtime (<docker> and <podman>)`, nil},
	{"unknown expression", `<cib><configuration><constraints><rsc_location id="l" rsc="a"><rule id="r" score="1"><exprssion id="e"/></rule></rsc_location></constraints></configuration></cib>`,
		`cib.xml:1:86: <rule id="r">: unexpected element <exprssion>`, nil},
	{"two lrm", `<cib><configuration/><status><node_state id="1"><lrm/><lrm/></node_state></status></cib>`,
		`cib.xml:1:55: <node_state id="1">: more than one <lrm>`, nil},
	{"child of lrm_rsc_op", `<cib><configuration/><status><node_state id="1"><lrm><lrm_resources><lrm_resource id="r"><lrm_rsc_op id="o"><x/></lrm_rsc_op></lrm_resource></lrm_resources></lrm></node_state></status></cib>`,
		`cib.xml:1:109: <lrm_rsc_op id="o">: unexpected element <x>`, nil},
	{"unsupported encoding", `<?xml version="1.0" encoding="EBCDIC"?><cib/>`, `cib.xml:1:40: xml: opening charset "EBCDIC": unsupported encoding "EBCDIC" (want UTF-8)`, nil},
	{"too deep", "<cib><configuration>" + strings.Repeat("<acls>", 70) + strings.Repeat("</acls>", 70) + "</configuration></cib>",
		`cib.xml:1:393: <acls>: <acls> nests deeper than 64 elements`, ErrTooDeep},
}

func TestReadErrors(t *testing.T) {
	for _, tc := range readErrorCases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Read(strings.NewReader(tc.doc), "cib.xml")
			if err == nil {
				t.Fatalf("Read accepted it: %+v", c)
			}
			if c != nil {
				t.Errorf("Read returned a model with its error")
			}
			if err.Error() != tc.want {
				t.Errorf("error:\n got %s\nwant %s", err, tc.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("error is %T, want *cibxml.Error", err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error does not wrap %v", tc.is)
			}
		})
	}
}

func TestReadFileErrorNamesPath(t *testing.T) {
	_, err := ReadFile("testdata/does-not-exist.xml")
	if err == nil || !strings.Contains(err.Error(), "testdata/does-not-exist.xml") {
		t.Errorf("got %v", err)
	}
}

// TestReadPositions: Pos points at the '<' of each element.
func TestReadPositions(t *testing.T) {
	doc := "<cib>\n  <configuration>\n    <resources>\n      <primitive id=\"p\" class=\"ocf\" type=\"Dummy\"/>\n" +
		"    </resources>\n    <constraints>\n\t<rsc_location id=\"l\" rsc=\"p\" node=\"n\" score=\"1\"/>\n    </constraints>\n  </configuration>\n</cib>\n"
	c, err := Read(strings.NewReader(doc), "t.xml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		what string
		got  cib.Pos
		want cib.Pos
	}{
		{"cib", c.Pos, cib.Pos{Line: 1, Col: 1}},
		{"configuration", c.Configuration.Pos, cib.Pos{Line: 2, Col: 3}},
		{"primitive", c.Configuration.Resources[0].Pos, cib.Pos{Line: 4, Col: 7}},
		{"rsc_location", c.Configuration.Constraints[0].Pos, cib.Pos{Line: 7, Col: 2}},
	} {
		if tc.got != tc.want {
			t.Errorf("%s at %v, want %v", tc.what, tc.got, tc.want)
		}
	}
}

// TestReadKeepsWhatItDoesNotModel: unknown attributes go to Extra in
// order, empty modelled attributes are kept, unknown sections are kept.
func TestReadKeepsWhatItDoesNotModel(t *testing.T) {
	doc := `<cib zz="1" epoch="2" aa="3"><configuration>` +
		`<resources><primitive id="p" class="ocf" type="Dummy" description="" is-managed="false"/></resources>` +
		`<acls><acl_role id="r"><acl_permission id="rp" kind="read" xpath="/cib"/></acl_role></acls>` +
		`</configuration><status><node_state id="1"><lrm id="1"><lrm_resources><lrm_resource id="p">` +
		`<lrm_rsc_op id="o" exit-reason="" crm-debug-origin="x"/></lrm_resource></lrm_resources></lrm></node_state></status></cib>`
	c, err := Read(strings.NewReader(doc), "t.xml")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]cib.Attr{{Name: "zz", Value: "1"}, {Name: "aa", Value: "3"}}, c.Extra); d != "" {
		t.Errorf("cib Extra:\n%s", d)
	}
	p := c.Configuration.Resources[0]
	if d := cmp.Diff([]cib.Attr{{Name: "description", Value: ""}, {Name: "is-managed", Value: "false"}}, p.Extra); d != "" {
		t.Errorf("primitive Extra:\n%s", d)
	}
	if len(c.Configuration.Unknown) != 1 || c.Configuration.Unknown[0].Children[0].Children[0].Attrs[2].Value != "/cib" {
		t.Errorf("acls not kept: %+v", c.Configuration.Unknown)
	}
	op := c.Status.Nodes[0].LRM.Resources[0].Ops[0]
	if d := cmp.Diff([]cib.Attr{{Name: "exit-reason", Value: ""}, {Name: "crm-debug-origin", Value: "x"}}, op.Extra); d != "" {
		t.Errorf("lrm_rsc_op Extra:\n%s", d)
	}
}

func TestReadConfiguration(t *testing.T) {
	conf, err := ReadConfiguration(strings.NewReader(`<resources><primitive id="p" class="ocf" provider="pacemaker" type="Dummy"/></resources>`), "r.xml")
	if err != nil {
		t.Fatal(err)
	}
	if len(conf.Resources) != 1 || conf.Resources[0].ID != "p" {
		t.Errorf("got %+v", conf)
	}
	conf, err = ReadConfiguration(strings.NewReader(`<configuration><nodes><node id="1" uname="a"/></nodes></configuration>`), "c.xml")
	if err != nil || len(conf.Nodes) != 1 {
		t.Errorf("configuration: %v %+v", err, conf)
	}
	var b strings.Builder
	if err := WriteConfiguration(&b, conf); err != nil {
		t.Fatal(err)
	}
	back, err := ReadConfiguration(strings.NewReader(b.String()), "back.xml")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(conf, back, ignorePos); d != "" {
		t.Errorf("WriteConfiguration round trip:\n%s", d)
	}
	_, err = ReadConfiguration(strings.NewReader(`<cib/>`), "x.xml")
	if !errors.Is(err, ErrNotCIB) || err.Error() != "x.xml:1:1: root element is <cib>, want <configuration> or one of its sections" {
		t.Errorf("got %v", err)
	}
}

func TestReadLatin1(t *testing.T) {
	doc := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><cib><configuration><nodes><node id=\"1\" uname=\"n\xe9\"/></nodes></configuration></cib>"
	c, err := Read(strings.NewReader(doc), "t.xml")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Configuration.Nodes[0].Uname; got != "né" {
		t.Errorf("uname = %q", got)
	}
}

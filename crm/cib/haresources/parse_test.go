package haresources

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pacer/crm/cib"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// dump prints a Result in a compact, crm-like text for golden files.
func dump(r *Result) string {
	var b strings.Builder
	pos := func(p cib.Pos) string { return fmt.Sprintf("@%d:%d", p.Line, p.Col) }
	sets := func(indent, word string, ss []cib.NVSet) {
		for _, s := range ss {
			fmt.Fprintf(&b, "%s%s %s:", indent, word, s.ID)
			for _, p := range s.Pairs {
				fmt.Fprintf(&b, " %s=%s (%s)", p.Name, p.Value, p.ID)
			}
			b.WriteString("\n")
		}
	}
	var rsc func(indent string, x *cib.Resource)
	rsc = func(indent string, x *cib.Resource) {
		switch x.Kind {
		case cib.KindPrimitive:
			agent := x.Class + ":" + x.Type
			if x.Provider != "" {
				agent = x.Class + ":" + x.Provider + ":" + x.Type
			}
			fmt.Fprintf(&b, "%sprimitive %s %s %s\n", indent, x.ID, agent, pos(x.Pos))
		default:
			fmt.Fprintf(&b, "%s%s %s %s\n", indent, x.Kind, x.ID, pos(x.Pos))
		}
		sets(indent+"\t", "params", x.Instance)
		sets(indent+"\t", "meta", x.Meta)
		for _, op := range x.Ops {
			fmt.Fprintf(&b, "%s\top %s %s interval=%s timeout=%s", indent, op.ID, op.Name, op.Interval, op.Timeout)
			if op.Role != "" {
				fmt.Fprintf(&b, " role=%s", op.Role)
			}
			b.WriteString("\n")
		}
		for _, c := range x.Children {
			rsc(indent+"\t", c)
		}
	}
	for _, x := range r.Resources {
		rsc("", x)
	}
	for _, c := range r.Constraints {
		switch c.Kind {
		case cib.KindLocation:
			fmt.Fprintf(&b, "location %s %s", c.ID, c.Rsc)
			if c.Role != "" {
				fmt.Fprintf(&b, " role=%s", c.Role)
			}
			for _, rule := range c.Rules {
				fmt.Fprintf(&b, " rule %s %s:", rule.ID, rule.Score)
				for _, e := range rule.Exprs {
					fmt.Fprintf(&b, " %s %s %s (%s)", e.Attribute, e.Operation, e.Value, e.ID)
				}
			}
		case cib.KindColocation:
			fmt.Fprintf(&b, "colocation %s %s: %s %s:%s", c.ID, c.Score, c.Rsc, c.WithRsc, c.WithRscRole)
		case cib.KindOrder:
			fmt.Fprintf(&b, "order %s %s: %s:%s %s:%s", c.ID, c.OrderKind, c.First, c.FirstAction, c.Then, c.ThenAction)
		}
		fmt.Fprintf(&b, " %s\n", pos(c.Pos))
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.haresources")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, f := range files {
		for _, failback := range []bool{true, false} {
			name := strings.TrimSuffix(filepath.Base(f), ".haresources")
			golden := strings.TrimSuffix(f, ".haresources") + ".golden"
			if !failback {
				name += "-no-failback"
				golden = strings.TrimSuffix(f, ".haresources") + ".no-failback.golden"
			}
			t.Run(name, func(t *testing.T) {
				in, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				res, err := ParseOptions(strings.NewReader(string(in)), filepath.Base(f), Options{AutoFailback: failback})
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				checkValid(t, res)
				got := dump(res)
				if *update {
					if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test -update)", err)
				}
				if got != string(want) {
					t.Errorf("%s differs from the golden file; got:\n%s", golden, got)
				}
			})
		}
	}
}

// checkValid requires the imported objects to form a valid configuration.
func checkValid(t *testing.T, res *Result) {
	t.Helper()
	cfg := &cib.Configuration{}
	if err := res.Merge(cfg); err != nil {
		t.Fatalf("imported configuration does not validate:\n%v", err)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		// want are lines of dump output that must appear.
		want []string
	}{
		{"single primitive", "node1 IPaddr::10.0.0.1\n", []string{
			"primitive IPaddr_10_0_0_1 ocf:heartbeat:IPaddr @1:7",
			"params IPaddr_10_0_0_1_inst_attr: ip=10.0.0.1 (IPaddr_10_0_0_1_attr_0)",
			"op IPaddr_10_0_0_1_mon monitor interval=5s timeout=20s",
			"location rsc_location_IPaddr_10_0_0_1 IPaddr_10_0_0_1 rule prefered_location_IPaddr_10_0_0_1 100: #uname eq node1 (prefered_location_IPaddr_10_0_0_1_expr) @1:1",
		}},
		{"bare address", "node1 10.0.0.1/24\n", []string{
			"params IPaddr_10_0_0_1_inst_attr: ip=10.0.0.1 (IPaddr_10_0_0_1_attr_0) cidr_netmask=24 (IPaddr_10_0_0_1_attr_2)",
		}},
		{"ip fields", "node1 IPaddr::10.0.0.1/eth0:1/10.0.0.255/16\n", []string{
			"ip=10.0.0.1 (IPaddr_10_0_0_1_attr_0) nic=eth0:1 (IPaddr_10_0_0_1_attr_1) cidr_netmask=16 (IPaddr_10_0_0_1_attr_2) broadcast=10.0.0.255 (IPaddr_10_0_0_1_attr_3)",
		}},
		{"ipaddr2 named by index", "node1 IPaddr2::10.0.0.1 httpd\n", []string{
			"group group_1 @1:1", "primitive IPaddr2_1 ocf:heartbeat:IPaddr2 @1:7", "primitive httpd_2 lsb:httpd @1:25",
		}},
		{"group numbering", "n1 a b\nn2 c\nn1 d e\n", []string{
			"group group_1", "primitive a_1 lsb:a", "primitive b_2 lsb:b", "primitive c_4 lsb:c",
			"group group_11", "primitive d_11 lsb:d", "primitive e_12 lsb:e",
		}},
		{"duplicate ids get a suffix", "n1 IPaddr::10.0.0.1\nn2 IPaddr::10.0.0.1\n", []string{
			"primitive IPaddr_10_0_0_1 ", "primitive IPaddr_10_0_0_1_2 ",
		}},
		{"ocf without arguments", "n1 Dummy\n", []string{"primitive Dummy_1 ocf:heartbeat:Dummy", "op Dummy_1_mon monitor interval=10s timeout=20s"}},
		{"ocf with monitor hint in seconds", "n1 ldirectord::/etc/ha.d/ldirectord.cf\n", []string{
			"op ldirectord_1_mon monitor interval=20s timeout=10s", "configfile=/etc/ha.d/ldirectord.cf",
		}},
		{"heartbeat class with arguments", "n1 killnfsd::2::x\n", []string{
			"primitive killnfsd_1 heartbeat:killnfsd", "params killnfsd_1_inst_attr: 1=2 (killnfsd_1_attr_1) 2=x (killnfsd_1_attr_2)",
			"op killnfsd_1_mon monitor interval=15s timeout=15s",
			"warning: haresources:1:4: killnfsd with arguments is a Heartbeat resource.d script",
		}},
		{"lsb script", "n1 nfs-kernel-server\n", []string{"primitive nfs-kernel-server_1 lsb:nfs-kernel-server", "warning: haresources:1:4: nfs-kernel-server is not an OCF agent"}},
		{"id made valid", "n1 3dm\n", []string{"primitive rsc_3dm_1 lsb:3dm"}},
		{"drbddisk alone", "n1 drbddisk::r0\n", []string{
			"clone ms_drbd_r0 @1:4", "primitive drbd_r0 ocf:linbit:drbd @1:4",
			"location rsc_location_ms_drbd_r0 ms_drbd_r0 role=Promoted rule prefered_location_ms_drbd_r0 100",
		}},
		{"drbddisk shared by two lines", "n1 drbddisk::r0 a\nn2 drbddisk::r0 b\n", []string{
			"colocation rsc_colocation_group_1_ms_drbd_r0 INFINITY: group_1 ms_drbd_r0:Promoted",
			"colocation rsc_colocation_group_11_ms_drbd_r0 INFINITY: group_11 ms_drbd_r0:Promoted",
			"order rsc_order_ms_drbd_r0_group_11 Mandatory: ms_drbd_r0:promote group_11:start",
		}},
		{"continuation and comments", "# comment\n  # indented comment\nn1 a \\\n# inside\n  b\\\n  c # trailing\n\nn2 d\n", []string{
			"group group_1 @3:1", "primitive a_1 lsb:a @3:4", "primitive b_2 lsb:b @5:3", "primitive c_3 lsb:c @6:3", "primitive d_5 lsb:d @8:4",
		}},
		{"crlf", "n1 a\r\nn2 b\r\n", []string{"primitive a_1 lsb:a", "primitive b_2 lsb:b"}},
		{"empty file", "# nothing\n\n", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Parse(strings.NewReader(tc.in), "haresources")
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			checkValid(t, res)
			got := dump(res)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing %q in:\n%s", w, got)
				}
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // the first error, exactly
	}{
		{"node alone", "node1\n", "haresources:1:1: node node1 has no resources (want: node1 resource [resource ...])"},
		{"bad node", "node/1 a\n", `haresources:1:1: "node/1" is not a node name (want the node's uname -n, e.g. node1)`},
		{"bad type", "n1 a !b\n", `haresources:1:6: "!b" is not a resource name (want e.g. IPaddr::10.0.0.1, Filesystem::/dev/sdb1::/srv::ext4 or an init script's name)`},
		{"empty type", "n1 ::x\n", `haresources:1:4: "" is not a resource name (want e.g. IPaddr::10.0.0.1, Filesystem::/dev/sdb1::/srv::ext4 or an init script's name)`},
		{"empty argument", "n1 Filesystem::/dev/sda1::::ext3\n", "haresources:1:27: Filesystem: argument 2 is empty"},
		{"ipaddr without address", "n1 IPaddr\n", "haresources:1:4: IPaddr needs an address (IPaddr::10.0.0.1/24/eth0)"},
		{"ipaddr bad address", "n1 IPaddr::10.0.0.256\n", `haresources:1:12: "10.0.0.256" is not an IPv4 address (IPv6 addresses need IPv6addr::)`},
		{"ipaddr bad netmask", "n1 IPaddr::10.0.0.1/33\n", "haresources:1:21: netmask /33 is not 0 to 32 bits"},
		{"ipaddr two netmasks", "n1 IPaddr::10.0.0.1/24/eth0/25\n", `haresources:1:29: cidr_netmask given twice in "10.0.0.1/24/eth0/25"`},
		{"ipaddr empty field", "n1 10.0.0.1//eth0\n", `haresources:1:13: empty field in "10.0.0.1//eth0"`},
		{"ipaddr junk field", "n1 IPaddr::10.0.0.1/$eth\n", `haresources:1:21: "$eth" is neither a netmask, an interface nor a broadcast address`},
		{"ipaddr two arguments", "n1 IPaddr::10.0.0.1::eth0\n", "haresources:1:22: IPaddr takes one argument, ip[/netmask][/interface][/broadcast]"},
		{"filesystem too few", "n1 Filesystem::/dev/sda1\n", "haresources:1:4: Filesystem needs at least 2 arguments (device::directory)"},
		{"filesystem too many", "n1 Filesystem::a::b::c::d::e\n", "haresources:1:28: Filesystem takes at most 4 arguments (device::directory::fstype::options)"},
		{"ocf agent without wrapper", "n1 nginx::/etc/nginx.conf\n", "haresources:1:11: ocf:heartbeat:nginx has named parameters and Heartbeat v1 had no wrapper to map nginx's arguments to them; write it as nginx alone and set its parameters after the import"},
		{"drbddisk all", "n1 drbddisk\n", "haresources:1:4: drbddisk without a resource name means every DRBD resource; name each one (drbddisk::r0)"},
		{"drbddisk two arguments", "n1 drbddisk::r0::r1\n", "haresources:1:18: drbddisk takes one argument, the DRBD resource's name"},
		{"nul byte", "n1 a\x00\n", "haresources:1:5: NUL byte in a text file"},
		{"error on continued line", "n1 a \\\n   IPaddr::x\n", `haresources:2:12: "x" is not an IPv4 address (IPv6 addresses need IPv6addr::)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Parse(strings.NewReader(tc.in), "haresources")
			if err == nil {
				t.Fatalf("no error; got:\n%s", dump(res))
			}
			if res != nil {
				t.Errorf("a Result came with the error")
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not an *Error: %v", err, err)
			}
			if e.Error() != tc.want {
				t.Errorf("got  %s\nwant %s", e, tc.want)
			}
		})
	}
}

func TestParseAllErrors(t *testing.T) {
	_, err := Parse(strings.NewReader("n1\nn2 IPaddr::x\nn3 ok\nn4 drbddisk\n"), "h")
	var lines []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		lines = append(lines, e.Error()[:4])
	}
	if got := strings.Join(lines, ","); got != "h:1:,h:2:,h:4:" {
		t.Fatalf("errors at %s, want lines 1, 2 and 4:\n%v", got, err)
	}
}

func TestParseTooLarge(t *testing.T) {
	_, err := Parse(strings.NewReader(strings.Repeat("#", MaxSize+1)), "h")
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("got %v", err)
	}
}

func TestMerge(t *testing.T) {
	res, err := Parse(strings.NewReader("node1 IPaddr::10.0.0.1 httpd\n"), "h")
	if err != nil {
		t.Fatal(err)
	}
	clash := &cib.Configuration{Resources: []*cib.Resource{{Kind: cib.KindPrimitive, ID: "group_1", Class: "lsb", Type: "x"}}}
	if err := res.Merge(clash); err == nil || !strings.Contains(err.Error(), `id "group_1" is already used`) {
		t.Fatalf("Merge with a clashing id: %v", err)
	}
	if len(clash.Resources) != 1 || len(clash.Constraints) != 0 {
		t.Fatalf("a failed Merge changed the configuration")
	}
	cfg := &cib.Configuration{Resources: []*cib.Resource{{Kind: cib.KindPrimitive, ID: "other", Class: "lsb", Type: "x"}}}
	if err := res.Merge(cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Resources) != 2 || cfg.Resources[1].ID != "group_1" || len(cfg.Constraints) != 1 {
		t.Fatalf("merged: %d resources, %d constraints", len(cfg.Resources), len(cfg.Constraints))
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.haresources")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
	for _, s := range []string{
		"n1 a \\\n b\n", "n1 IPaddr::10.0.0.1/24/eth0/10.0.0.255\n", "n1 drbddisk::r0 Filesystem::/dev/drbd0::/srv\n",
		"n1 10.0.0.1 a#b # c\n", "n1 x::y::z\n", "\\\n", "n1 IPaddr::10.0.0.1\nn2 IPaddr::10.0.0.1\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, failback := range []bool{true, false} {
			res, err := ParseOptions(strings.NewReader(in), "fuzz", Options{AutoFailback: failback})
			if err != nil {
				var e *Error
				if !errors.As(err, &e) || e.Pos.Line < 1 && !strings.Contains(e.Msg, "larger") {
					t.Fatalf("error without a position: %v", err)
				}
				continue
			}
			if err := res.Merge(&cib.Configuration{}); err != nil {
				t.Fatalf("import of %q does not validate:\n%v", in, err)
			}
		}
	})
}

// TestDocsExample keeps the example of docs/haresources.md true.
func TestDocsExample(t *testing.T) {
	doc, err := os.ReadFile("../../../docs/haresources.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(doc), "```\n")
	block, _, _ := strings.Cut(rest, "```")
	res, err := Parse(strings.NewReader(block), "docs")
	if err != nil {
		t.Fatalf("the docs' example does not parse: %v", err)
	}
	checkValid(t, res)
	got := dump(res)
	for _, w := range []string{"group group_1", "primitive IPaddr_10_0_0_1 ", "primitive Filesystem_2 ", "primitive nfs-kernel-server_4 ", "clone ms_drbd_r0 "} {
		if !strings.Contains(got, w) {
			t.Errorf("docs example: missing %q in\n%s", w, got)
		}
	}
}

// TestLines: each logical line says what it became, for the import's
// explanation.
func TestLines(t *testing.T) {
	src := "# c\nalice IPaddr::10.0.0.1 drbddisk::r0 \\\n  Filesystem::/dev/drbd0::/srv\nbob drbddisk::r0\ncarol 10.0.0.2\n"
	res, err := Parse(strings.NewReader(src), "hr")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range res.Lines {
		var ms, ds, cs []string
		for _, m := range l.Members {
			ms = append(ms, m.ID)
		}
		for _, d := range l.DRBD {
			ds = append(ds, d.ID)
		}
		for _, c := range l.Constraints {
			cs = append(cs, string(c.Kind)+":"+c.ID)
		}
		got = append(got, fmt.Sprintf("%d %s top=%s/%s members=%v drbd=%v cons=%v", l.Pos.Line, l.Node, l.TopKind, l.Top, ms, ds, cs))
	}
	want := []string{
		"2 alice top=group/group_1 members=[IPaddr_10_0_0_1 Filesystem_3] drbd=[ms_drbd_r0] cons=[rsc_location:rsc_location_group_1 rsc_colocation:rsc_colocation_group_1_ms_drbd_r0 rsc_order:rsc_order_ms_drbd_r0_group_1]",
		"4 bob top=/ members=[] drbd=[ms_drbd_r0] cons=[rsc_location:rsc_location_ms_drbd_r0]",
		"5 carol top=primitive/IPaddr_10_0_0_2 members=[IPaddr_10_0_0_2] drbd=[] cons=[rsc_location:rsc_location_IPaddr_10_0_0_2]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

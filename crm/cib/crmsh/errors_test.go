package crmsh

import (
	"errors"
	"strings"
	"testing"
)

// parseErrorCases are texts that must not parse, with the message (file,
// line, column and object) the operator sees. FuzzParse is seeded with
// them too.
var parseErrorCases = []struct {
	name, src, want string
}{
	{"unknown op attribute",
		"node alpha\nprimitive vip ocf:heartbeat:IPaddr2 \\\n\tparams ip=10.0.0.1 \\\n\top monitor intervl=10s\n",
		`config.crm:4:13: primitive "vip": unknown operation attribute "intervl" (agent parameters go in op_params)`},
	{"set attribute word without a name", "colocation c inf: ( a $:=1 )\n",
		`config.crm:1:23: colocation "c": "$:=1": want $NAME=VALUE or $-NAME, NAME without ':'`},
	{"unknown statement", "primitve vip Dummy\n",
		`config.crm:1:1: primitve: unknown statement "primitve"`},
	{"unterminated quote", "primitive vip Dummy params ip=\"10.0.0.1\n",
		`config.crm:1:31: unterminated " quote`},
	{"missing agent", "primitive vip\n",
		`config.crm:1:14: primitive "vip": expected a resource agent ([class:[provider:]]type or @template), got end of line`},
	{"too many agent parts", "primitive vip a:b:c:d\n",
		`config.crm:1:15: primitive "vip": resource agent "a:b:c:d": want [class:[provider:]]type`},
	{"unexpected word", "location l1 vip 100: alpha beta\n",
		`config.crm:1:28: location "l1": unexpected "beta"`},
	{"op without name", "primitive vip Dummy op\n",
		`config.crm:1:23: primitive "vip": expected an operation name (monitor, start, stop, ...), got end of line`},
	{"location without score", "location l1 vip\n",
		`config.crm:1:16: location "l1": expected <score>: <node> or rule`},
	{"location bad score", "location l1 vip lots: alpha\n",
		`config.crm:1:17: location "l1": score "lots": want an integer, inf or -inf`},
	{"location unknown attribute", "location l1 vip rol=Started 100: alpha\n",
		`config.crm:1:17: location "l1": unknown location attribute "rol"`},
	{"bad role", "colocation c1 inf: ms:Leader vip\n",
		`config.crm:1:20: colocation "c1": invalid role "Leader" for "ms"`},
	{"bad action", "order o1 Mandatory: a:begin b\n",
		`config.crm:1:21: order "o1": invalid action "begin" for "a"`},
	{"bad order kind", "order o1 Sometimes: a b\n",
		`config.crm:1:10: order "o1": order kind "Sometimes": want Mandatory, Optional, Serialize or a score`},
	{"ticket without ticket", "rsc_ticket t1 a\n",
		`config.crm:1:15: rsc_ticket "t1": expected <ticket>:`},
	{"nested sets", "colocation c1 inf: ( a ( b ) )\n",
		`config.crm:1:24: colocation "c1": cannot nest resource sets`},
	{"unmatched bracket", "colocation c1 inf: ( a b\n",
		`config.crm:1:25: colocation "c1": unmatched (`},
	{"mismatched bracket", "colocation c1 inf: ( a b ]\n",
		`config.crm:1:26: colocation "c1": ] closes (`},
	{"mixed boolean ops", "location l1 vip rule #uname eq a and pingd gt 0 or x eq y\n",
		`config.crm:1:49: location "l1": mixing "and" and "or" in one rule; use two rules`},
	{"missing operator", "location l1 vip rule #uname alpha\n",
		`config.crm:1:29: location "l1": expected an operator (lt, gt, lte, gte, eq, ne), got "alpha"`},
	{"bad date op", "location l1 vip rule date before 2020\n",
		`config.crm:1:27: location "l1": unknown date operation "before" (want lt, gt, in_range, date_spec)`},
	{"two rules in a set", "primitive p Dummy params rule #uname eq a rule #uname eq b x=1\n",
		`config.crm:1:43: primitive "p": an attribute set takes at most one rule`},
	{"empty group", "group g\n",
		`config.crm:1:8: group "g": a group needs at least one resource`},
	{"undefined member", "primitive a Dummy\ngroup g a b\n",
		`config.crm:2:11: group "g": no resource "b" is defined`},
	{"member twice", "primitive a Dummy\ngroup g1 a\ngroup g2 a\n",
		`config.crm:3:10: group "g2": "a" is already in "g1"`},
	{"containment loop", "group g1 g2\ngroup g2 g1\n",
		`config.crm:1:1: group "g1": is part of a containment loop`},
	{"duplicate resource", "primitive a Dummy\nprimitive a Dummy\n",
		`config.crm:2:1: primitive "a": already defined at line 1`},
	{"empty property", "property\n",
		`config.crm:1:9: property: expected <name>=<value>`},
	{"node name ending in a colon", "node $id= 0:\n",
		`config.crm:1:11: node: name "0:" cannot end in ':' (write ` + "`node ID: NAME`" + `)`},
	{"fencing without nodes", "fencing_topology st1\n",
		`config.crm:1:1: fencing_topology: levels without a target need the nodes to apply to; no node is defined`},
	{"bad xml", "xml <acls>\n",
		`config.crm:1:1: xml: <acls> is not closed`},
	{"modelled xml", "xml <primitive id=\"a\"/>\n",
		`config.crm:1:1: xml: <primitive> has crm syntax; write it as a statement, not xml`},
	{"acl statement", "role ro read xpath:/cib\n",
		"config.crm:1:1: role: ACL statements are not supported; write the <acls> section with `xml <acls>...</acls>`"},
	{"deep rules", "location l1 a rule" + strings.Repeat(" (", 40) + "\n",
		`config.crm:1:84: location "l1": rules nest deeper than 32`},
	{"continuation position", "primitive vip Dummy \\\n\tparams ip=1 \\\n\top start timeout=1s on-fial=stop\n",
		`config.crm:3:22: primitive "vip": unknown operation attribute "on-fial" (agent parameters go in op_params)`},
}

func TestParseErrors(t *testing.T) {
	for _, tc := range parseErrorCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfiguration([]byte(tc.src), "config.crm")
			if err == nil {
				t.Fatalf("parsed without error:\n%s", tc.src)
			}
			if got := err.Error(); got != tc.want {
				t.Errorf("error\n got: %s\nwant: %s", got, tc.want)
			}
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrSyntax) {
				t.Errorf("error %v is not a *crmsh.Error wrapping ErrSyntax", err)
			}
		})
	}
}

// TestParseErrorsCollected checks that one bad statement does not hide
// the next: every failing statement is reported, in order.
func TestParseErrorsCollected(t *testing.T) {
	src := "primitive a\nprimitive b Dummy\nlocation l b\n"
	_, err := ParseConfiguration([]byte(src), "f.crm")
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 2 {
		t.Fatalf("want 2 errors, got %v", err)
	}
	if list[0].Line != 1 || list[1].Line != 3 {
		t.Errorf("errors at lines %d and %d, want 1 and 3", list[0].Line, list[1].Line)
	}
}

package cib

import (
	"errors"
	"strings"
	"testing"
)

func pair(id, name, value string) NVPair {
	return NVPair{ID: id, Name: name, Value: value, HasValue: true}
}

func meta(id string, pairs ...NVPair) []NVSet {
	return []NVSet{{Kind: MetaAttributes, ID: id, Pairs: pairs}}
}

// validConfig is a configuration that uses most of the model and passes
// Validate; each table case breaks one thing in it.
func validConfig() *Configuration {
	return &Configuration{
		CRMConfig: []NVSet{{Kind: PropertySet, ID: "cib-bootstrap-options", Pairs: []NVPair{
			pair("opt-stonith", "stonith-enabled", "true"),
			pair("opt-nqp", "no-quorum-policy", "stop"),
			pair("opt-recheck", "cluster-recheck-interval", "5min"),
		}}},
		Nodes: []Node{
			{ID: "1", Uname: "node1", Type: "member", Attributes: []NVSet{{Kind: InstanceAttributes, ID: "node1-attrs", Pairs: []NVPair{pair("node1-site", "site", "a")}}}},
			{ID: "2", Uname: "node2", Utilization: []NVSet{{Kind: UtilizationSet, ID: "node2-util", Pairs: []NVPair{pair("node2-cpu", "cpu", "4")}}}},
		},
		Resources: []*Resource{
			{Kind: KindPrimitive, ID: "fence1", Class: "stonith", Type: "fence_ipmilan",
				Ops: []Op{{ID: "fence1-monitor", Name: "monitor", Interval: "P60S"}}},
			{Kind: KindPrimitive, ID: "vip", Class: "ocf", Provider: "heartbeat", Type: "IPaddr2",
				Instance: []NVSet{{Kind: InstanceAttributes, ID: "vip-params", Pairs: []NVPair{pair("vip-ip", "ip", "10.0.0.1")}}},
				Meta: meta("vip-meta", pair("vip-target-role", "target-role", "Started"), pair("vip-ft", "failure-timeout", "PT5M"),
					pair("vip-prio", "priority", "1.0"), pair("vip-default", "is-managed", "#default")),
				Ops: []Op{
					{ID: "vip-start", Name: "start", Interval: "0", Timeout: "20s"},
					{ID: "vip-start-2", Name: "start", Interval: "0s", Timeout: "20s", Role: "Started"},
					{ID: "vip-monitor", Name: "monitor", Interval: "10s", Timeout: "20s", OnFail: "restart"},
				}},
			{Kind: KindGroup, ID: "grp", Children: []*Resource{
				{Kind: KindPrimitive, ID: "fs", Class: "ocf", Provider: "heartbeat", Type: "Filesystem"},
				{Kind: KindPrimitive, ID: "web", Class: "systemd", Type: "nginx", OpsID: "web-ops",
					Ops: []Op{{ID: "web-mon", Name: "monitor", Interval: "30", StartDelay: "5s"}}},
			}},
			{Kind: KindTemplate, ID: "tpl", Class: "ocf", Provider: "pacemaker", Type: "Dummy"},
			{Kind: KindPrimitive, ID: "fromtpl", Template: "tpl", OpsIDRef: "web-ops"},
			{Kind: KindClone, ID: "ms-drbd", Meta: meta("ms-drbd-meta", pair("ms-promotable", "promotable", "true"), pair("ms-clone-max", "clone-max", "2")),
				Children: []*Resource{{Kind: KindPrimitive, ID: "drbd", Class: "ocf", Provider: "linbit", Type: "drbd",
					Ops: []Op{
						{ID: "drbd-mon-p", Name: "monitor", Interval: "29s", Role: "Promoted"},
						{ID: "drbd-mon-u", Name: "monitor", Interval: "31s", Role: "Slave"},
					}}}},
			{Kind: KindBundle, ID: "bnd", Bundle: &BundleSpec{Runtime: "podman", RuntimeAttrs: []Attr{{"image", "localhost/web"}, {"replicas", "2"}}},
				Children: []*Resource{{Kind: KindPrimitive, ID: "bnd-web", Class: "ocf", Provider: "heartbeat", Type: "apache"}}},
		},
		Constraints: []*Constraint{
			{Kind: KindLocation, ID: "loc-1", Rsc: "vip", Node: "node1", Score: "100"},
			{Kind: KindLocation, ID: "loc-rule", Rsc: "grp", Rules: []Rule{{ID: "loc-rule-r", Score: "-INFINITY", BooleanOp: "and", Exprs: []Expr{
				{Kind: ExprAttribute, ID: "loc-rule-e1", Attribute: "#uname", Operation: "eq", Value: "node2"},
				{Kind: ExprAttribute, ID: "loc-rule-e2", Attribute: "cpu", Operation: "gt", Value: "2", Type: "integer"},
				{Kind: ExprDate, ID: "loc-rule-d", Operation: "in_range", Start: "2005-020T12:30", End: "2005-12-31 23:59:59"},
				{Kind: ExprRule, Rule: &Rule{ID: "loc-rule-nested", BooleanOp: "or", Exprs: []Expr{
					{Kind: ExprAttribute, ID: "loc-rule-n1", Attribute: "site", Operation: "defined"},
					{Kind: ExprDate, ID: "loc-rule-n2", Operation: "date_spec", DateSpec: &DateSpec{ID: "loc-rule-ds", Attrs: []Attr{{"hours", "9-17"}, {"weekdays", "1-5"}}}},
				}}},
			}}}},
			{Kind: KindLocation, ID: "loc-tag", Rsc: "web-tag", Node: "node2", Score: "-INFINITY", Role: "Started"},
			{Kind: KindLocation, ID: "loc-tpl", Rsc: "tpl", Node: "node2", Score: "10"},
			{Kind: KindLocation, ID: "loc-pattern", RscPattern: "^vip-[0-9]+$", Node: "node1", Score: "INFINITY", ResourceDiscovery: "exclusive"},
			{Kind: KindColocation, ID: "col-1", Rsc: "grp", WithRsc: "ms-drbd", WithRscRole: "Promoted", Score: "INFINITY"},
			{Kind: KindOrder, ID: "ord-1", First: "ms-drbd", FirstAction: "promote", Then: "grp", ThenAction: "start", OrderKind: "Mandatory", Symmetrical: "true"},
			{Kind: KindOrder, ID: "ord-set", Sets: []ResourceSet{
				{ID: "ord-set-1", Sequential: "false", Resources: []string{"vip", "fs"}},
				{ID: "ord-set-2", Action: "start", RequireAll: "yes", Resources: []string{"web"}},
			}},
			{Kind: KindColocation, ID: "col-set", Score: "INFINITY", Sets: []ResourceSet{{IDRef: "ord-set-1"}}},
			{Kind: KindTicket, ID: "tk", Rsc: "vip", Ticket: "ticketA", LossPolicy: "stop", RscRole: "Started"},
		},
		RscDefaults: []NVSet{{Kind: MetaAttributes, ID: "rsc-options", Pairs: []NVPair{pair("rsc-stick", "resource-stickiness", "100")},
			Rule: &Rule{ID: "rsc-options-rule", Exprs: []Expr{{Kind: ExprResource, ID: "rsc-options-expr", Class: "ocf", Provider: "heartbeat"}}}}},
		OpDefaults: []NVSet{
			{Kind: MetaAttributes, ID: "op-options", Pairs: []NVPair{pair("op-timeout", "timeout", "20s")},
				Rule: &Rule{ID: "op-options-rule", Exprs: []Expr{{Kind: ExprOp, ID: "op-options-expr", Name: "monitor", Interval: "10s"}}}},
			{Kind: MetaAttributes, IDRef: "op-options"},
		},
		FencingTopology: []FencingLevel{{ID: "fl-1", Index: "1", Target: "node1", Devices: "fence1"}},
		Tags:            []Tag{{ID: "web-tag", Refs: []string{"vip", "grp"}}},
		Alerts: []Alert{{ID: "alert-1", Path: "/usr/share/pacemaker/alerts/alert_file.sh",
			Meta:       meta("alert-1-meta", pair("alert-1-timeout", "timeout", "15s")),
			Recipients: []Recipient{{ID: "alert-1-r", Value: "/var/log/alerts.log"}}}},
	}
}

func findRsc(rs []*Resource, id string) *Resource {
	for _, r := range rs {
		if r.ID == id {
			return r
		}
		if c := findRsc(r.Children, id); c != nil {
			return c
		}
	}
	return nil
}

func findCon(cfg *Configuration, id string) *Constraint {
	for _, c := range cfg.Constraints {
		if c.ID == id {
			return c
		}
	}
	return nil
}

func TestValidConfig(t *testing.T) {
	if err := ValidateConfiguration(validConfig()); err != nil {
		t.Fatalf("valid configuration rejected:\n%v", err)
	}
	if err := Validate(&CIB{Epoch: "3", AdminEpoch: "0", NumUpdates: "12", HaveQuorum: "1", Configuration: *validConfig()}); err != nil {
		t.Fatalf("valid CIB rejected:\n%v", err)
	}
}

func TestValidateConfiguration(t *testing.T) {
	type C = Configuration
	tests := []struct {
		name   string
		mutate func(c *C)
		obj    string // expected Object ("" = any)
		attr   string // expected Attribute
		msg    string // substring of Msg
	}{
		// ids
		{"missing id", func(c *C) { findRsc(c.Resources, "vip").ID = "" }, "primitive", "id", "missing id"},
		{"id syntax", func(c *C) { findRsc(c.Resources, "fs").ID = "1fs" }, `primitive "1fs"`, "id", "not a valid XML ID"},
		{"id with colon", func(c *C) { findCon(c, "loc-1").ID = "loc:1" }, `rsc_location "loc:1"`, "id", "not a valid XML ID"},
		{"duplicate id across kinds", func(c *C) { findCon(c, "loc-1").ID = "vip" }, `rsc_location "vip"`, "id", `already used by primitive "vip"`},
		{"duplicate op id", func(c *C) { findRsc(c.Resources, "vip").Ops[2].ID = "fence1-monitor" }, `op "fence1-monitor"`, "id", "already used"},
		{"duplicate nvpair id", func(c *C) { c.Nodes[0].Attributes[0].Pairs[0].ID = "vip-ip" }, `nvpair "vip-ip"`, "id", "already used"},
		{"nvpair without id", func(c *C) { c.Nodes[0].Attributes[0].Pairs[0].ID = "" }, `nvpair "site"`, "id", "missing id"},
		// id-refs
		{"nvset id-ref dangling", func(c *C) { c.OpDefaults[1].IDRef = "nope" }, `meta_attributes (id-ref "nope")`, "id-ref", `"nope" does not exist`},
		{"nvset id-ref wrong kind", func(c *C) { c.OpDefaults[1].IDRef = "vip" }, "", "id-ref", "not an attribute set"},
		{"nvset id-ref with contents", func(c *C) { c.OpDefaults[1].Pairs = []NVPair{pair("x", "timeout", "1s")} }, "", "id-ref", "has none of its own"},
		{"nvpair id-ref dangling", func(c *C) {
			c.Nodes[1].Utilization[0].Pairs = append(c.Nodes[1].Utilization[0].Pairs, NVPair{IDRef: "nope"})
		}, `nvpair (id-ref "nope")`, "id-ref", "does not exist"},
		{"id and id-ref", func(c *C) { findCon(c, "loc-rule").Rules[0].IDRef = "loc-rule-r" }, `rule "loc-rule-r"`, "id-ref", "has both id and id-ref"},
		{"rule id-ref dangling", func(c *C) { findCon(c, "loc-rule").Rules = append(findCon(c, "loc-rule").Rules, Rule{IDRef: "nope"}) }, `rule (id-ref "nope")`, "id-ref", "does not exist"},
		{"rule id-ref ok", func(c *C) {
			findCon(c, "loc-rule").Rules = append(findCon(c, "loc-rule").Rules, Rule{IDRef: "loc-rule-r"})
			findCon(c, "loc-1").Score = "x" // the case must still fail
		}, `rsc_location "loc-1"`, "score", "not a score"},
		{"resource_set id-ref dangling", func(c *C) { findCon(c, "col-set").Sets[0].IDRef = "nope" }, "", "id-ref", "does not exist"},
		{"operations id-ref dangling", func(c *C) { findRsc(c.Resources, "fromtpl").OpsIDRef = "nope" }, `primitive "fromtpl"`, "operations id-ref", "does not exist"},
		// constraint references
		{"location rsc dangling", func(c *C) { findCon(c, "loc-1").Rsc = "nope" }, `rsc_location "loc-1"`, "rsc", `resource "nope" does not exist`},
		{"location rsc is a constraint", func(c *C) { findCon(c, "loc-1").Rsc = "ord-1" }, `rsc_location "loc-1"`, "rsc", "not a resource, template or tag"},
		{"colocation rsc dangling", func(c *C) { findCon(c, "col-1").Rsc = "nope" }, `rsc_colocation "col-1"`, "rsc", "does not exist"},
		{"colocation with-rsc dangling", func(c *C) { findCon(c, "col-1").WithRsc = "nope" }, `rsc_colocation "col-1"`, "with-rsc", "does not exist"},
		{"colocation with-rsc missing", func(c *C) { findCon(c, "col-1").WithRsc = "" }, `rsc_colocation "col-1"`, "with-rsc", "missing"},
		{"colocation with itself", func(c *C) { findCon(c, "col-1").WithRsc = "grp" }, `rsc_colocation "col-1"`, "with-rsc", "colocated with itself"},
		{"order first dangling", func(c *C) { findCon(c, "ord-1").First = "nope" }, `rsc_order "ord-1"`, "first", "does not exist"},
		{"order then dangling", func(c *C) { findCon(c, "ord-1").Then = "nope" }, `rsc_order "ord-1"`, "then", "does not exist"},
		{"resource_ref dangling", func(c *C) { findCon(c, "ord-set").Sets[1].Resources[0] = "nope" }, `resource_set "ord-set-2"`, "resource_ref", "does not exist"},
		{"resource set empty", func(c *C) { findCon(c, "ord-set").Sets[1].Resources = nil }, `resource_set "ord-set-2"`, "", "at least one resource_ref"},
		{"ticket rsc dangling", func(c *C) { findCon(c, "tk").Rsc = "nope" }, `rsc_ticket "tk"`, "rsc", "does not exist"},
		{"sets and rsc", func(c *C) { findCon(c, "ord-set").First = "vip" }, `rsc_order "ord-set"`, "first", "not both"},
		{"foreign attribute", func(c *C) { findCon(c, "loc-1").WithRsc = "grp" }, `rsc_location "loc-1"`, "with-rsc", "not an attribute of rsc_location"},
		// templates and resource structure
		{"template dangling", func(c *C) { findRsc(c.Resources, "fromtpl").Template = "nope" }, `primitive "fromtpl"`, "template", "does not exist"},
		{"template is not a template", func(c *C) { findRsc(c.Resources, "fromtpl").Template = "vip" }, `primitive "fromtpl"`, "template", "not a template"},
		{"template and class", func(c *C) { findRsc(c.Resources, "fromtpl").Class = "lsb" }, `primitive "fromtpl"`, "template", "not both"},
		{"group member not primitive", func(c *C) {
			g := findRsc(c.Resources, "grp")
			g.Children = append(g.Children, &Resource{Kind: KindGroup, ID: "inner", Children: []*Resource{{Kind: KindPrimitive, ID: "x", Class: "lsb", Type: "x"}}})
		}, `group "inner"`, "", "members must be primitives"},
		{"empty group", func(c *C) { findRsc(c.Resources, "grp").Children = nil }, `group "grp"`, "", "at least one primitive"},
		{"clone with two children", func(c *C) {
			m := findRsc(c.Resources, "ms-drbd")
			m.Children = append(m.Children, &Resource{Kind: KindPrimitive, ID: "drbd2", Class: "ocf", Provider: "linbit", Type: "drbd"})
		}, `clone "ms-drbd"`, "", "exactly one primitive or group, it has 2"},
		{"clone without child", func(c *C) { findRsc(c.Resources, "ms-drbd").Children = nil }, `clone "ms-drbd"`, "", "it has none"},
		{"clone of a clone", func(c *C) {
			m := findRsc(c.Resources, "ms-drbd")
			m.Children = []*Resource{{Kind: KindClone, ID: "inner", Children: m.Children}}
		}, `clone "inner"`, "", "primitive or a group, not a clone"},
		{"master of a template", func(c *C) {
			c.Resources = append(c.Resources, &Resource{Kind: KindMaster, ID: "ms2", Children: []*Resource{{Kind: KindTemplate, ID: "t2", Class: "lsb", Type: "x"}}})
		}, `template "t2"`, "", "only appear at the top"},
		{"bundle without image", func(c *C) { findRsc(c.Resources, "bnd").Bundle.RuntimeAttrs = nil }, `bundle "bnd"`, "image", "needs an image"},
		{"bundle runtime", func(c *C) { findRsc(c.Resources, "bnd").Bundle.Runtime = "lxc" }, `bundle "bnd"`, "container", "not one of docker, podman or rkt"},
		{"bundle with two primitives", func(c *C) {
			b := findRsc(c.Resources, "bnd")
			b.Children = append(b.Children, &Resource{Kind: KindPrimitive, ID: "bnd-2", Class: "lsb", Type: "x"})
		}, `bundle "bnd"`, "", "at most one primitive"},
		{"group with ops", func(c *C) { findRsc(c.Resources, "grp").Ops = []Op{{ID: "g-mon", Name: "monitor", Interval: "10s"}} }, `group "grp"`, "", "only primitives and templates have operations"},
		// agents
		{"class missing", func(c *C) { findRsc(c.Resources, "vip").Class = "" }, `primitive "vip"`, "class", "missing"},
		{"class unknown", func(c *C) { findRsc(c.Resources, "web").Class = "init" }, `primitive "web"`, "class", `"init" is not a resource class`},
		{"ocf without provider", func(c *C) { findRsc(c.Resources, "vip").Provider = "" }, `primitive "vip"`, "provider", "needs a provider"},
		{"lsb with provider", func(c *C) { findRsc(c.Resources, "web").Provider = "heartbeat" }, `primitive "web"`, "provider", "only ocf resources have a provider"},
		{"type missing", func(c *C) { findRsc(c.Resources, "fs").Type = "" }, `primitive "fs"`, "type", "missing"},
		// scores
		{"location score", func(c *C) { findCon(c, "loc-1").Score = "abc" }, `rsc_location "loc-1"`, "score", `"abc" is not a score (want an integer, INFINITY or -INFINITY)`},
		{"colocation score", func(c *C) { findCon(c, "col-1").Score = "inf" }, `rsc_colocation "col-1"`, "score", "not a score"},
		{"order score", func(c *C) { findCon(c, "ord-1").OrderKind = ""; findCon(c, "ord-1").Score = "1.5" }, `rsc_order "ord-1"`, "score", "not a score"},
		{"rule score", func(c *C) { findCon(c, "loc-rule").Rules[0].Score = "high" }, `rule "loc-rule-r"`, "score", "not a score"},
		{"rule score and score-attribute", func(c *C) { findCon(c, "loc-rule").Rules[0].ScoreAttribute = "pingd" }, `rule "loc-rule-r"`, "score-attribute", "not both"},
		{"nvset score", func(c *C) { c.RscDefaults[0].Score = "x" }, `meta_attributes "rsc-options"`, "score", "not a score"},
		{"resource set score", func(c *C) { findCon(c, "ord-set").Sets[0].Score = "x" }, `resource_set "ord-set-1"`, "score", "not a score"},
		{"node score", func(c *C) { c.Nodes[0].Score = "x" }, `node "node1"`, "score", "not a score"},
		{"meta priority fraction", func(c *C) { findRsc(c.Resources, "vip").Meta[0].Pairs[2].Value = "1.5" }, `nvpair "vip-prio"`, "value", "not a score"},
		{"meta stickiness", func(c *C) { c.RscDefaults[0].Pairs[0].Value = "sticky" }, `nvpair "rsc-stick"`, "value", "not a score"},
		// durations
		{"op interval", func(c *C) { findRsc(c.Resources, "vip").Ops[2].Interval = "10 parsecs" }, `op "vip-monitor"`, "interval", "unknown unit"},
		{"op interval missing", func(c *C) { findRsc(c.Resources, "vip").Ops[0].Interval = "" }, `op "vip-start"`, "interval", "missing"},
		{"op interval fraction", func(c *C) { findRsc(c.Resources, "vip").Ops[2].Interval = "1.5s" }, `op "vip-monitor"`, "interval", "fraction"},
		{"op timeout", func(c *C) { findRsc(c.Resources, "vip").Ops[2].Timeout = "soon" }, `op "vip-monitor"`, "timeout", "not a duration"},
		{"op start-delay", func(c *C) { findRsc(c.Resources, "web").Ops[0].StartDelay = "-5s" }, `op "web-mon"`, "start-delay", "negative"},
		{"meta failure-timeout", func(c *C) { findRsc(c.Resources, "vip").Meta[0].Pairs[1].Value = "P5M3" }, `nvpair "vip-ft"`, "value", "not an ISO 8601 duration"},
		{"op_defaults timeout", func(c *C) { c.OpDefaults[0].Pairs[0].Value = "20x" }, `nvpair "op-timeout"`, "value", "unknown unit"},
		{"property duration", func(c *C) { c.CRMConfig[0].Pairs[2].Value = "often" }, `nvpair "opt-recheck"`, "value", "not a duration"},
		{"alert timeout", func(c *C) { c.Alerts[0].Meta[0].Pairs[0].Value = "x" }, `nvpair "alert-1-timeout"`, "value", "not a duration"},
		// roles
		{"location role", func(c *C) { findCon(c, "loc-tag").Role = "Leader" }, `rsc_location "loc-tag"`, "role", `"Leader" is not a role`},
		{"colocation rsc-role", func(c *C) { findCon(c, "col-1").RscRole = "Primary" }, `rsc_colocation "col-1"`, "rsc-role", "not a role"},
		{"colocation with-rsc-role", func(c *C) { findCon(c, "col-1").WithRscRole = "Primary" }, `rsc_colocation "col-1"`, "with-rsc-role", "not a role"},
		{"ticket rsc-role", func(c *C) { findCon(c, "tk").RscRole = "Up" }, `rsc_ticket "tk"`, "rsc-role", "not a role"},
		{"op role", func(c *C) { findRsc(c.Resources, "drbd").Ops[0].Role = "Primary" }, `op "drbd-mon-p"`, "role", "not a role"},
		{"resource set role", func(c *C) { findCon(c, "ord-set").Sets[0].Role = "Up" }, `resource_set "ord-set-1"`, "role", "not a role"},
		{"rule role", func(c *C) { findCon(c, "loc-rule").Rules[0].Role = "Up" }, `rule "loc-rule-r"`, "role", "not a role"},
		{"target-role", func(c *C) { findRsc(c.Resources, "vip").Meta[0].Pairs[0].Value = "Running" }, `nvpair "vip-target-role"`, "value", "not a role"},
		// order
		{"order kind", func(c *C) { findCon(c, "ord-1").OrderKind = "foo" }, `rsc_order "ord-1"`, "kind", `"foo" is not one of Mandatory, Optional or Serialize`},
		{"order kind and score", func(c *C) { findCon(c, "ord-1").Score = "0" }, `rsc_order "ord-1"`, "kind", "not both"},
		{"order first-action", func(c *C) { findCon(c, "ord-1").FirstAction = "begin" }, `rsc_order "ord-1"`, "first-action", "not one of start, stop, promote or demote"},
		{"order then-action", func(c *C) { findCon(c, "ord-1").ThenAction = "monitor" }, `rsc_order "ord-1"`, "then-action", "not one of"},
		{"set action", func(c *C) { findCon(c, "ord-set").Sets[1].Action = "go" }, `resource_set "ord-set-2"`, "action", "not one of"},
		{"set kind", func(c *C) { findCon(c, "ord-set").Sets[1].Kind = "Always" }, `resource_set "ord-set-2"`, "kind", "not one of"},
		{"set ordering", func(c *C) { findCon(c, "ord-set").Sets[1].Ordering = "random" }, `resource_set "ord-set-2"`, "ordering", "not one of group or listed"},
		// booleans
		{"symmetrical", func(c *C) { findCon(c, "ord-1").Symmetrical = "maybe" }, `rsc_order "ord-1"`, "symmetrical", "not a boolean"},
		{"order require-all", func(c *C) { findCon(c, "ord-1").RequireAll = "all" }, `rsc_order "ord-1"`, "require-all", "not a boolean"},
		{"set sequential", func(c *C) { findCon(c, "ord-set").Sets[0].Sequential = "sometimes" }, `resource_set "ord-set-1"`, "sequential", "not a boolean"},
		{"set require-all", func(c *C) { findCon(c, "ord-set").Sets[1].RequireAll = "2" }, `resource_set "ord-set-2"`, "require-all", "not a boolean"},
		{"influence", func(c *C) { findCon(c, "col-1").Influence = "t" }, `rsc_colocation "col-1"`, "influence", "not a boolean"},
		{"meta boolean", func(c *C) { findRsc(c.Resources, "ms-drbd").Meta[0].Pairs[0].Value = "yep" }, `nvpair "ms-promotable"`, "value", "not a boolean"},
		{"op enabled", func(c *C) { findRsc(c.Resources, "vip").Ops[2].Enabled = "disabled" }, `op "vip-monitor"`, "enabled", "not a boolean"},
		{"property boolean", func(c *C) { c.CRMConfig[0].Pairs[0].Value = "enabled" }, `nvpair "opt-stonith"`, "value", "not a boolean"},
		// location shape
		{"location node and rules", func(c *C) { findCon(c, "loc-rule").Node = "node1"; findCon(c, "loc-rule").Score = "5" }, `rsc_location "loc-rule"`, "node", "not both"},
		{"location neither", func(c *C) { findCon(c, "loc-1").Node = ""; findCon(c, "loc-1").Score = "" }, `rsc_location "loc-1"`, "node", "needs node and score, or rules"},
		{"location node without score", func(c *C) { findCon(c, "loc-1").Score = "" }, `rsc_location "loc-1"`, "score", "node without score"},
		{"location score without node", func(c *C) { findCon(c, "loc-1").Node = "" }, `rsc_location "loc-1"`, "node", "score without node"},
		{"location rsc and pattern", func(c *C) { findCon(c, "loc-1").RscPattern = "v.*" }, `rsc_location "loc-1"`, "rsc", "only one of"},
		{"location no subject", func(c *C) { findCon(c, "loc-1").Rsc = "" }, `rsc_location "loc-1"`, "rsc", "needs rsc, rsc-pattern or resource sets"},
		{"location bad pattern", func(c *C) { findCon(c, "loc-pattern").RscPattern = "vip-(" }, `rsc_location "loc-pattern"`, "rsc-pattern", "not a regular expression"},
		{"resource-discovery", func(c *C) { findCon(c, "loc-pattern").ResourceDiscovery = "sometimes" }, `rsc_location "loc-pattern"`, "resource-discovery", "not one of always, never or exclusive"},
		// rules
		{"boolean-op", func(c *C) { findCon(c, "loc-rule").Rules[0].BooleanOp = "xor" }, `rule "loc-rule-r"`, "boolean-op", `"xor" is not a boolean-op (want "and" or "or")`},
		{"expression operation", func(c *C) { findCon(c, "loc-rule").Rules[0].Exprs[0].Operation = "equals" }, `expression "loc-rule-e1"`, "operation", `"equals" is not one of lt, gt`},
		{"expression operation missing", func(c *C) { findCon(c, "loc-rule").Rules[0].Exprs[0].Operation = "" }, `expression "loc-rule-e1"`, "operation", "missing"},
		{"expression value missing", func(c *C) { findCon(c, "loc-rule").Rules[0].Exprs[0].Value = "" }, `expression "loc-rule-e1"`, "value", "operation eq needs a value"},
		{"expression attribute missing", func(c *C) { findCon(c, "loc-rule").Rules[0].Exprs[0].Attribute = "" }, `expression "loc-rule-e1"`, "attribute", "missing"},
		{"expression type", func(c *C) { findCon(c, "loc-rule").Rules[0].Exprs[1].Type = "float" }, `expression "loc-rule-e2"`, "type", "not one of string, integer, number or version"},
		{"expression value-source", func(c *C) { findCon(c, "loc-rule").Rules[0].Exprs[1].ValueSource = "env" }, `expression "loc-rule-e2"`, "value-source", "not one of literal, param or meta"},
		{"date operation", func(c *C) { findCon(c, "loc-rule").Rules[0].Exprs[2].Operation = "between" }, `date_expression "loc-rule-d"`, "operation", "not one of in_range, gt, lt or date_spec"},
		{"in_range empty", func(c *C) { e := &findCon(c, "loc-rule").Rules[0].Exprs[2]; e.Start, e.End = "", "" }, `date_expression "loc-rule-d"`, "start", "in_range needs start"},
		{"duration without start", func(c *C) {
			e := &findCon(c, "loc-rule").Rules[0].Exprs[2]
			e.Start, e.Duration = "", &DateSpec{ID: "dur", Attrs: []Attr{{"days", "1"}}}
		}, `date_expression "loc-rule-d"`, "start", "a duration needs start"},
		{"end and duration", func(c *C) {
			findCon(c, "loc-rule").Rules[0].Exprs[2].Duration = &DateSpec{ID: "dur", Attrs: []Attr{{"days", "1"}}}
		}, `date_expression "loc-rule-d"`, "end", "either end or a duration"},
		{"duration field", func(c *C) {
			e := &findCon(c, "loc-rule").Rules[0].Exprs[2]
			e.End, e.Duration = "", &DateSpec{ID: "dur", Attrs: []Attr{{"fortnights", "1"}}}
		}, `duration "dur"`, "fortnights", "not a duration field"},
		{"duration value", func(c *C) {
			e := &findCon(c, "loc-rule").Rules[0].Exprs[2]
			e.End, e.Duration = "", &DateSpec{ID: "dur", Attrs: []Attr{{"days", "one"}}}
		}, `duration "dur"`, "days", "not an integer"},
		{"gt without start", func(c *C) { e := &findCon(c, "loc-rule").Rules[0].Exprs[2]; e.Operation, e.Start = "gt", "" }, `date_expression "loc-rule-d"`, "start", "operation gt needs start"},
		{"lt without end", func(c *C) { e := &findCon(c, "loc-rule").Rules[0].Exprs[2]; e.Operation, e.End = "lt", "" }, `date_expression "loc-rule-d"`, "end", "operation lt needs end"},
		{"date_spec missing", func(c *C) { findCon(c, "loc-rule").Rules[0].Exprs[2].Operation = "date_spec" }, `date_expression "loc-rule-d"`, "", "needs a date_spec element"},
		{"bad start date", func(c *C) { findCon(c, "loc-rule").Rules[0].Exprs[2].Start = "2005-13-01" }, `date_expression "loc-rule-d"`, "start", "month 13 is out of range"},
		{"bad end date", func(c *C) { findCon(c, "loc-rule").Rules[0].Exprs[2].End = "yesterday" }, `date_expression "loc-rule-d"`, "end", "not an ISO 8601 date"},
		{"end before start", func(c *C) { findCon(c, "loc-rule").Rules[0].Exprs[2].End = "2004-01-01" }, `date_expression "loc-rule-d"`, "end", "before start"},
		{"date_spec range", func(c *C) {
			findCon(c, "loc-rule").Rules[0].Exprs[3].Rule.Exprs[1].DateSpec.Attrs[0].Value = "9-25"
		}, `date_spec "loc-rule-ds"`, "hours", "out of range 0-23"},
		{"date_spec reversed range", func(c *C) {
			findCon(c, "loc-rule").Rules[0].Exprs[3].Rule.Exprs[1].DateSpec.Attrs[1].Value = "5-1"
		}, `date_spec "loc-rule-ds"`, "weekdays", "empty range"},
		{"date_spec field", func(c *C) {
			ds := findCon(c, "loc-rule").Rules[0].Exprs[3].Rule.Exprs[1].DateSpec
			ds.Attrs = append(ds.Attrs, Attr{"fortnight", "1"})
		}, `date_spec "loc-rule-ds"`, "fortnight", "not a date_spec field"},
		{"rsc_expression outside defaults", func(c *C) {
			r := &findCon(c, "loc-rule").Rules[0]
			r.Exprs = append(r.Exprs, Expr{Kind: ExprResource, ID: "re", Class: "ocf"})
		}, `rsc_expression "re"`, "", "only allowed in rules of rsc_defaults and op_defaults"},
		{"op_expression in rsc_defaults", func(c *C) {
			c.RscDefaults[0].Rule.Exprs = append(c.RscDefaults[0].Rule.Exprs, Expr{Kind: ExprOp, ID: "oe", Name: "start"})
		}, `op_expression "oe"`, "", "only allowed in rules of op_defaults"},
		{"op_expression name", func(c *C) { c.OpDefaults[0].Rule.Exprs[0].Name = "" }, `op_expression "op-options-expr"`, "name", "missing"},
		{"op_expression interval", func(c *C) { c.OpDefaults[0].Rule.Exprs[0].Interval = "often" }, `op_expression "op-options-expr"`, "interval", "not a duration"},
		{"rsc_expression class", func(c *C) { c.RscDefaults[0].Rule.Exprs[0].Class = "init" }, `rsc_expression "rsc-options-expr"`, "class", "not a resource class"},
		// ops
		{"op name", func(c *C) { findRsc(c.Resources, "vip").Ops[2].Name = "monitr" }, `op "vip-monitor"`, "name", `"monitr" is not an operation`},
		{"on-fail", func(c *C) { findRsc(c.Resources, "vip").Ops[2].OnFail = "reboot" }, `op "vip-monitor"`, "on-fail", "not one of ignore, block"},
		{"op requires", func(c *C) { findRsc(c.Resources, "vip").Ops[0].Requires = "always" }, `op "vip-start"`, "requires", "not one of nothing, quorum"},
		{"duplicate op", func(c *C) { findRsc(c.Resources, "drbd").Ops[1].Interval = "29000ms" }, `op "drbd-mon-u"`, "interval", `duplicates op "drbd-mon-p"`},
		{"start-delay and interval-origin", func(c *C) { findRsc(c.Resources, "web").Ops[0].IntervalOrigin = "2020-01-01T02:00" }, `op "web-mon"`, "interval-origin", "not both"},
		{"interval-origin date", func(c *C) {
			op := &findRsc(c.Resources, "web").Ops[0]
			op.StartDelay, op.IntervalOrigin = "", "2am"
		}, `op "web-mon"`, "interval-origin", "not an ISO 8601 date"},
		{"op record-pending", func(c *C) { findRsc(c.Resources, "vip").Ops[0].RecordPending = "x" }, `op "vip-start"`, "record-pending", "not a boolean"},
		// fencing topology
		{"level index 0", func(c *C) { c.FencingTopology[0].Index = "0" }, `fencing-level "fl-1"`, "index", "want 1 to 9"},
		{"level index 10", func(c *C) { c.FencingTopology[0].Index = "10" }, `fencing-level "fl-1"`, "index", "want 1 to 9"},
		{"level index missing", func(c *C) { c.FencingTopology[0].Index = "" }, `fencing-level "fl-1"`, "index", "missing"},
		{"level no target", func(c *C) { c.FencingTopology[0].Target = "" }, `fencing-level "fl-1"`, "target", "needs target, target-pattern or target-attribute"},
		{"level two targets", func(c *C) { c.FencingTopology[0].TargetPattern = "node.*" }, `fencing-level "fl-1"`, "target", "only one of"},
		{"level target-attribute without value", func(c *C) {
			c.FencingTopology[0].Target, c.FencingTopology[0].TargetAttribute = "", "rack"
		}, `fencing-level "fl-1"`, "target-value", "needs target-value"},
		{"level bad target-pattern", func(c *C) {
			c.FencingTopology[0].Target, c.FencingTopology[0].TargetPattern = "", "node["
		}, `fencing-level "fl-1"`, "target-pattern", "not a regular expression"},
		{"level devices missing", func(c *C) { c.FencingTopology[0].Devices = "" }, `fencing-level "fl-1"`, "devices", "missing"},
		{"level device unknown", func(c *C) { c.FencingTopology[0].Devices = "fence1,fence9" }, `fencing-level "fl-1"`, "devices", `fence device "fence9" does not exist`},
		{"level device not stonith", func(c *C) { c.FencingTopology[0].Devices = "vip" }, `fencing-level "fl-1"`, "devices", "not a fence device"},
		// nodes
		{"node type", func(c *C) { c.Nodes[0].Type = "witness" }, `node "node1"`, "type", "not one of member, remote, ping"},
		{"node id twice", func(c *C) { c.Nodes[1].ID = "1" }, `node "node2"`, "id", "used by another node"},
		{"node uname twice", func(c *C) { c.Nodes[1].Uname = "node1" }, `node "node1"`, "uname", "defined twice"},
		{"node uname missing", func(c *C) { c.Nodes[1].Uname = "" }, `node "2"`, "uname", "missing"},
		{"utilization", func(c *C) { c.Nodes[1].Utilization[0].Pairs[0].Value = "lots" }, `nvpair "node2-cpu"`, "value", "not an integer"},
		// tickets, tags, alerts
		{"ticket missing", func(c *C) { findCon(c, "tk").Ticket = "" }, `rsc_ticket "tk"`, "ticket", "missing"},
		{"loss-policy", func(c *C) { findCon(c, "tk").LossPolicy = "panic" }, `rsc_ticket "tk"`, "loss-policy", "not one of stop, demote, fence or freeze"},
		{"tag ref dangling", func(c *C) { c.Tags[0].Refs = append(c.Tags[0].Refs, "nope") }, `tag "web-tag"`, "obj_ref", "does not exist"},
		{"tag empty", func(c *C) { c.Tags[0].Refs = nil }, `tag "web-tag"`, "", "at least one obj_ref"},
		{"alert path", func(c *C) { c.Alerts[0].Path = "" }, `alert "alert-1"`, "path", "missing"},
		{"recipient value", func(c *C) { c.Alerts[0].Recipients[0].Value = "" }, `recipient "alert-1-r"`, "value", "missing"},
		// meta and properties
		{"multiple-active", func(c *C) { c.RscDefaults[0].Pairs[0] = pair("ma", "multiple-active", "panic") }, `nvpair "ma"`, "value", "not one of block, stop_only"},
		{"clone-max", func(c *C) { findRsc(c.Resources, "ms-drbd").Meta[0].Pairs[1].Value = "two" }, `nvpair "ms-clone-max"`, "value", "not an integer"},
		{"no-quorum-policy", func(c *C) { c.CRMConfig[0].Pairs[1].Value = "panic" }, `nvpair "opt-nqp"`, "value", "not one of stop, freeze, ignore"},
		{"nvpair name missing", func(c *C) { c.CRMConfig[0].Pairs[1].Name = "" }, `nvpair "opt-nqp"`, "name", "missing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := validConfig()
			tc.mutate(cfg)
			err := ValidateConfiguration(cfg)
			if err == nil {
				t.Fatalf("no error; want %s: attribute %q: ...%s...", tc.obj, tc.attr, tc.msg)
			}
			for _, e := range ValidationErrors(err) {
				if (tc.obj == "" || e.Object == tc.obj) && e.Attribute == tc.attr && strings.Contains(e.Msg, tc.msg) {
					return
				}
			}
			t.Fatalf("want %s: attribute %q: ...%s...; got:\n%v", tc.obj, tc.attr, tc.msg, err)
		})
	}
}

func TestValidateStatus(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *CIB)
		attr   string
	}{
		{"rc-code", func(c *CIB) { c.Status.Nodes[0].LRM.Resources[0].Ops[0].RCCode = "ok" }, "rc-code"},
		{"call-id", func(c *CIB) { c.Status.Nodes[0].LRM.Resources[0].Ops[0].CallID = "x" }, "call-id"},
		{"interval", func(c *CIB) { c.Status.Nodes[0].LRM.Resources[0].Ops[0].Interval = "10s" }, "interval"},
		{"op-status", func(c *CIB) { c.Status.Nodes[0].LRM.Resources[0].Ops[0].OpStatus = "done" }, "op-status"},
		{"operation", func(c *CIB) { c.Status.Nodes[0].LRM.Resources[0].Ops[0].Operation = "" }, "operation"},
		{"epoch", func(c *CIB) { c.Epoch = "one" }, "epoch"},
		{"have-quorum", func(c *CIB) { c.HaveQuorum = "maybe" }, "have-quorum"},
	}
	base := func() *CIB {
		return &CIB{Epoch: "1", Configuration: *validConfig(), Status: Status{Nodes: []NodeState{{
			ID: "1", Uname: "node1",
			LRM: &LRM{Resources: []LRMResource{{ID: "vip", Class: "ocf", Provider: "heartbeat", Type: "IPaddr2",
				Ops: []LRMOp{{ID: "vip_monitor_10000", Operation: "monitor", Interval: "10000", CallID: "-1", RCCode: "0", OpStatus: "0"}}}}},
		}}}}
	}
	if err := Validate(base()); err != nil {
		t.Fatalf("valid status rejected: %v", err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := base()
			tc.mutate(c)
			for _, e := range ValidationErrors(Validate(c)) {
				if e.Attribute == tc.attr {
					return
				}
			}
			t.Fatalf("no error on attribute %q", tc.attr)
		})
	}
}

func TestValidationErrorFormat(t *testing.T) {
	e := &ValidationError{Object: `rsc_location "loc-1"`, Attribute: "score", Pos: Pos{12, 5}, File: "cib.xml",
		Msg: `"abc" is not a score (want an integer, INFINITY or -INFINITY)`}
	want := `cib.xml:12:5: rsc_location "loc-1": attribute "score": "abc" is not a score (want an integer, INFINITY or -INFINITY)`
	if got := e.Error(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	e2 := &ValidationError{Object: `group "g"`, Msg: "a group needs at least one primitive"}
	if got, want := e2.Error(), `group "g": a group needs at least one primitive`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	e3 := &ValidationError{File: "cib.xml", Pos: Pos{Line: 3}, Msg: "m"}
	if got, want := e3.Error(), "cib.xml:3: m"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestValidateOrderAndAs(t *testing.T) {
	cfg := validConfig()
	findCon(cfg, "loc-1").Score = "abc"
	findCon(cfg, "loc-1").Pos = Pos{20, 5}
	findRsc(cfg.Resources, "vip").Ops[1].Interval = "x"
	findRsc(cfg.Resources, "vip").Ops[1].Pos = Pos{10, 7}
	// Give every object a position so the errors sort by it.
	err := ValidateConfiguration(cfg)
	errs := ValidationErrors(err)
	if len(errs) != 2 {
		t.Fatalf("want 2 errors, got %v", err)
	}
	if errs[0].Pos.Line != 10 || errs[1].Pos.Line != 20 {
		t.Fatalf("not in document order: %v", err)
	}
	var first *ValidationError
	if !errors.As(err, &first) || first != errs[0] {
		t.Fatalf("errors.As found %v, want the first error", first)
	}
	withFile := WithFile(err, "cib.xml")
	got := ValidationErrors(withFile)
	if len(got) != 2 || got[0].File != "cib.xml" || !strings.HasPrefix(got[0].Error(), "cib.xml:10:7: ") {
		t.Fatalf("WithFile: %v", withFile)
	}
	if errs[0].File != "" {
		t.Fatalf("WithFile changed the original")
	}
	if WithFile(nil, "x") != nil {
		t.Fatalf("WithFile(nil) != nil")
	}
}

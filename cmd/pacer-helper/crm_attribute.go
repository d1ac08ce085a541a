package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"pacer/internal/control"
)

var crmAttributeOptions = withCommon(
	option{key: "name", short: 'n', longs: []string{"name", "attr-name"}, kind: reqArg},
	option{key: "promotion", short: 'p', longs: []string{"promotion"}, kind: optArg},
	option{key: "query", short: 'G', longs: []string{"query", "get-value"}},
	option{key: "update", short: 'v', longs: []string{"update", "attr-value"}, kind: reqArg},
	option{key: "delete", short: 'D', longs: []string{"delete", "delete-attr"}},
	option{key: "lifetime", short: 'l', longs: []string{"lifetime"}, kind: reqArg},
	option{key: "lifetime", short: 't', longs: []string{"type"}, kind: reqArg},
	option{key: "node", short: 'N', longs: []string{"node"}, kind: reqArg},
	option{key: "node", short: 'U', longs: []string{"node-uname"}, kind: reqArg},
	option{key: "quiet", short: 'q', longs: []string{"quiet"}},
	option{key: "quiet", short: 'Q'},
	option{key: "default", short: 'd', longs: []string{"default"}, kind: reqArg},
	option{key: "inhibit", short: '!', longs: []string{"inhibit-policy-engine"}},
	option{key: "id", short: 'i', longs: []string{"id", "attr-id"}, kind: reqArg,
		unsupported: "pacer keeps one value per attribute and node, so there is no XML id to choose"},
	option{key: "set-name", short: 's', longs: []string{"set-name"}, kind: reqArg,
		unsupported: "pacer keeps one attribute set per node"},
	option{key: "pattern", short: 'P', longs: []string{"pattern"}, kind: reqArg,
		unsupported: "name each attribute with -n"},
	option{key: "utilization", short: 'z', longs: []string{"utilization"},
		unsupported: "utilization attributes are configured with pacer configure"},
)

// attrRequest is what crm_attribute (and crm_master through it) was asked.
type attrRequest struct {
	command   byte // 'G', 'u', 'D'
	name      string
	value     string
	lifetime  string // "" until resolved
	node      string
	nodeGiven bool
	promotion bool
	quiet     bool
	def       string
	hasDef    bool
}

// crmAttribute is crm_attribute for node attributes: query (-G, the
// default), update (-v) and delete (-D) of one attribute, transient
// (-l reboot) or permanent (-l forever), on this node or another (-N).
func crmAttribute(e *env, prog string, args []string) int {
	opts, rest, err := parseArgs(args, crmAttributeOptions)
	if err != nil {
		return e.failArgs(prog, err)
	}
	if len(rest) > 0 {
		return e.failArgs(prog, &usageError{fmt.Sprintf("unexpected argument %q", rest[0])})
	}
	r := attrRequest{command: 'G'}
	for _, o := range opts {
		switch o.key {
		case "help":
			return crmAttributeHelp(e, prog)
		case "version":
			return e.version(prog)
		case "output-as":
			if err := checkOutputAs(o); err != nil {
				return e.failArgs(prog, err)
			}
		case "name":
			r.name = o.value
		case "promotion":
			r.promotion = true
			r.name = promotionName(e, o.value)
		case "query":
			r.command, r.value = 'G', ""
		case "update":
			r.command, r.value = 'u', o.value
		case "delete":
			r.command, r.value = 'D', ""
		case "lifetime":
			r.lifetime = o.value
		case "node":
			r.node, r.nodeGiven = o.value, true
		case "quiet":
			r.quiet = true
		case "default":
			r.def, r.hasDef = o.value, true
		}
	}
	return runAttr(e, prog, r)
}

func runAttr(e *env, prog string, r attrRequest) int {
	if r.promotion && r.name == "" {
		return e.fail(prog, exitUsage, "-p/--promotion must be called from an OCF resource agent or with a resource ID specified")
	}
	// Pacemaker's set_type: no lifetime means a promotion score is
	// transient, a node attribute (-N) permanent, anything else a
	// cluster option.
	switch r.lifetime {
	case "":
		switch {
		case r.promotion:
			r.lifetime = control.LifetimeReboot
		case r.nodeGiven:
			r.lifetime = control.LifetimeForever
		default:
			return e.fail(prog, exitUnimplemented, "cluster options are not served by pacer's %s; give a node attribute's lifetime with -l reboot or -l forever (cluster options are set with pacer configure)", prog)
		}
	case "reboot", "status":
		r.lifetime = control.LifetimeReboot
	case "forever", "nodes":
		r.lifetime = control.LifetimeForever
	case "crm_config", "rsc_defaults", "op_defaults", "tickets":
		return e.fail(prog, exitUnimplemented, "-t %s is not served by pacer's %s: only node attributes are (use pacer configure)", r.lifetime, prog)
	default:
		return e.fail(prog, exitUsage, "invalid lifetime %q: use reboot or forever", r.lifetime)
	}
	if r.name == "" {
		if r.command == 'D' {
			return e.fail(prog, exitUsage, "Error: must specify attribute name or pattern to delete")
		}
		return e.fail(prog, exitUsage, "an attribute name is required (-n NAME); listing every attribute is not supported by pacer")
	}
	a := control.AttrArgs{Node: e.nodeTarget(r.node), Name: r.name, Lifetime: r.lifetime}
	fail := func(err error) int {
		if errorsIs(err, control.ErrUnknownNode) {
			return e.fail(prog, exitNoSuch, "Could not map name=%s to a UUID", a.Node)
		}
		return e.failRequest(prog, err)
	}
	switch r.command {
	case 'u':
		a.Value = r.value
		if err := e.do(func(ctx context.Context, c *control.Client) error { return c.SetAttr(ctx, a) }); err != nil {
			return fail(err)
		}
		return exitOK
	case 'D':
		if err := e.do(func(ctx context.Context, c *control.Client) error { return c.DeleteAttr(ctx, a) }); err != nil {
			return fail(err)
		}
		return exitOK
	}
	var vals []control.AttrValue
	err := e.do(func(ctx context.Context, c *control.Client) (err error) {
		vals, err = c.GetAttr(ctx, a)
		return err
	})
	// crm_attribute reads the CIB: a transient value still dampened is
	// not there yet.
	var value string
	found := false
	if err == nil && len(vals) > 0 && vals[0].InCIB {
		value, found = vals[0].Written, true
	}
	if (err == nil || isUnknownAttr(err)) && !found {
		if !r.hasDef {
			return e.fail(prog, exitNoSuch, "Error performing operation: %s", strNoSuchDevice)
		}
		value, found, err = r.def, true, nil
	}
	if err != nil {
		return fail(err)
	}
	if r.quiet {
		fmt.Fprintln(e.stdout, value)
	} else {
		// Pacemaker's "%s%s %s%s %s%s value=%s": scope, no id, name.
		scope := "status"
		if r.lifetime == control.LifetimeForever {
			scope = "nodes"
		}
		fmt.Fprintf(e.stdout, "scope=%s  name=%s value=%s\n", scope, r.name, value)
	}
	return exitOK
}

func isUnknownAttr(err error) bool { return err != nil && errorsIs(err, control.ErrUnknownAttribute) }

// cloneSuffix is the instance number of a clone instance ("drbd0:1").
var cloneSuffix = regexp.MustCompile(`:[0-9]+$`)

// promotionName is the node attribute that holds a resource's promotion
// score: master-RSC, RSC from the argument or OCF_RESOURCE_INSTANCE. The
// instance number of an anonymous clone is stripped, so every instance
// writes the one name the scheduler reads (Pacemaker's scheduler looks under
// both names instead); a globally unique clone's instances keep theirs.
// Returns "" when there is no resource.
func promotionName(e *env, rsc string) string {
	if rsc == "" {
		rsc = e.getenv("OCF_RESOURCE_INSTANCE")
	}
	if rsc == "" {
		return ""
	}
	if !isTrue(e.getenv("OCF_RESKEY_CRM_meta_globally_unique")) {
		rsc = cloneSuffix.ReplaceAllString(rsc, "")
	}
	return "master-" + rsc
}

// isTrue is crm_is_true.
func isTrue(s string) bool {
	switch strings.ToLower(s) {
	case "true", "on", "yes", "y", "1":
		return true
	}
	return false
}

func crmAttributeHelp(e *env, prog string) int {
	fmt.Fprintf(e.stdout, `Usage:
  %[1]s -n NAME (-G | -v VALUE | -D) -l LIFETIME [-N NODE] [-q] [-d DEFAULT]
  %[1]s -p [RESOURCE] (-G | -v VALUE | -D) [-N NODE] [-q]

Query, update or delete a node attribute through pacerd (pacer's stand-in
for Pacemaker's crm_attribute).

  -n, --name=NAME         the attribute
  -p, --promotion[=RSC]   the promotion score of RSC (default $OCF_RESOURCE_INSTANCE): master-RSC, lifetime reboot
  -G, --query             print the value (default)
  -v, --update=VALUE      set the value
  -D, --delete            delete the attribute
  -l, --lifetime=LIFETIME reboot (transient) or forever (permanent)
  -N, --node=NODE         another node (default: the node the agent runs for)
  -q, --quiet             print only the value
  -d, --default=VALUE     print VALUE when the attribute is not set
  -V, --verbose, -$, --version, -h, --help

Cluster options (-t crm_config), patterns (-P), ids (-i), set names (-s) and
utilization (-z) are not supported and are refused.
`, prog)
	return exitOK
}

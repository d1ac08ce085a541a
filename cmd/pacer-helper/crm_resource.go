package main

import (
	"context"
	"fmt"

	"pacer/internal/control"
)

const crmResourceUnsupported = "pacer's crm_resource answers only --locate; manage resources with the pacer CLI"

var crmResourceOptions = withCommon(
	option{key: "locate", short: 'W', longs: []string{"locate"}},
	option{key: "resource", short: 'r', longs: []string{"resource"}, kind: reqArg},
	option{key: "quiet", short: 'Q', longs: []string{"quiet"}},
	// Pacemaker's other commands and options, refused by name.
	option{key: "x", short: 'L', longs: []string{"list"}, unsupported: crmResourceUnsupported},
	option{key: "x", longs: []string{"list-raw", "list-cts", "list-operations", "list-all-operations", "list-standards",
		"list-ocf-providers", "list-agents", "list-ocf-alternatives", "show-metadata", "query-xml", "query-xml-raw",
		"refresh", "restart", "wait", "why", "validate", "force-stop", "force-start", "force-demote", "force-promote",
		"force-check", "cleanup", "clear", "move", "ban", "constraints", "stack", "digests", "list-options"},
		kind: noArg, unsupported: crmResourceUnsupported},
	option{key: "x", short: 'C', unsupported: crmResourceUnsupported},
	option{key: "x", short: 'M', unsupported: crmResourceUnsupported},
	option{key: "x", short: 'B', unsupported: crmResourceUnsupported},
	option{key: "x", short: 'U', unsupported: crmResourceUnsupported},
	option{key: "x", short: 'Y', unsupported: crmResourceUnsupported},
	option{key: "x", short: 'A', unsupported: crmResourceUnsupported},
	option{key: "x", short: 'a', unsupported: crmResourceUnsupported},
	option{key: "x", short: 'q', unsupported: crmResourceUnsupported},
	option{key: "x", short: 'w', unsupported: crmResourceUnsupported},
	option{key: "x", short: 'p', longs: []string{"set-parameter"}, kind: reqArg, unsupported: crmResourceUnsupported},
	option{key: "x", short: 'g', longs: []string{"get-parameter"}, kind: reqArg, unsupported: crmResourceUnsupported},
	option{key: "x", short: 'd', longs: []string{"delete-parameter"}, kind: reqArg, unsupported: crmResourceUnsupported},
	option{key: "x", short: 'v', longs: []string{"parameter-value"}, kind: reqArg, unsupported: crmResourceUnsupported},
	option{key: "x", short: 'N', longs: []string{"node"}, kind: reqArg, unsupported: crmResourceUnsupported},
	option{key: "x", short: 't', longs: []string{"resource-type"}, kind: reqArg, unsupported: crmResourceUnsupported},
	option{key: "x", short: 'm', longs: []string{"meta"}, unsupported: crmResourceUnsupported},
	option{key: "x", short: 'z', longs: []string{"utilization"}, unsupported: crmResourceUnsupported},
	option{key: "x", short: 'u', longs: []string{"lifetime"}, kind: reqArg, unsupported: crmResourceUnsupported},
	option{key: "x", short: 'f', longs: []string{"force"}, unsupported: crmResourceUnsupported},
)

// crmResource is crm_resource --locate: where a resource runs, in the form
// agents parse ("resource R is running on: NODE", " Promoted" when
// promoted; with -Q the node names alone). Without a CIB pacerd does not
// know, and says so with CRM_EX_UNAVAILABLE instead of claiming the
// resource is stopped.
func crmResource(e *env, prog string, args []string) int {
	opts, rest, err := parseArgs(args, crmResourceOptions)
	if err != nil {
		return e.failArgs(prog, err)
	}
	if len(rest) > 0 {
		return e.failArgs(prog, &usageError{fmt.Sprintf("unexpected argument %q", rest[0])})
	}
	var rsc string
	var locate, quiet bool
	for _, o := range opts {
		switch o.key {
		case "help":
			fmt.Fprintf(e.stdout, "Usage: %s --locate -r RESOURCE [-Q]\n\n%s.\n", prog, crmResourceUnsupported)
			return exitOK
		case "version":
			return e.version(prog)
		case "output-as":
			if err := checkOutputAs(o); err != nil {
				return e.failArgs(prog, err)
			}
		case "locate":
			locate = true
		case "resource":
			rsc = o.value
		case "quiet":
			quiet = true
		}
	}
	if !locate {
		return e.fail(prog, exitUnimplemented, "%s", crmResourceUnsupported)
	}
	if rsc == "" {
		return e.fail(prog, exitUsage, "Must supply a resource id with -r")
	}
	var loc control.Location
	if err := e.do(func(ctx context.Context, c *control.Client) (err error) {
		loc, err = c.Locate(ctx, rsc)
		return err
	}); err != nil {
		return e.failRequest(prog, err)
	}
	if len(loc.Nodes) == 0 {
		if !quiet {
			fmt.Fprintf(e.stderr, "resource %s is NOT running\n", rsc)
		}
		return exitOK
	}
	for _, n := range loc.Nodes {
		switch {
		case quiet:
			fmt.Fprintln(e.stdout, n.Node)
		case n.Promoted:
			fmt.Fprintf(e.stdout, "resource %s is running on: %s Promoted\n", rsc, n.Node)
		default:
			fmt.Fprintf(e.stdout, "resource %s is running on: %s\n", rsc, n.Node)
		}
	}
	return exitOK
}

package main

import (
	"errors"
	"fmt"
)

var crmMasterOptions = withCommon(
	option{key: "quiet", short: 'q', longs: []string{"quiet"}},
	option{key: "quiet", short: 'Q'},
	option{key: "query", short: 'G', longs: []string{"query", "get-value"}},
	option{key: "update", short: 'v', longs: []string{"update", "attr-value"}, kind: reqArg},
	option{key: "delete", short: 'D', longs: []string{"delete", "delete-attr"}},
	option{key: "node", short: 'N', longs: []string{"node"}, kind: reqArg},
	option{key: "node", short: 'U', longs: []string{"uname"}, kind: reqArg},
	option{key: "lifetime", short: 'l', longs: []string{"lifetime"}, kind: reqArg},
	option{key: "resource", short: 'r', longs: []string{"resource"}, kind: reqArg},
	option{key: "id", short: 'i', longs: []string{"id", "attr-id"}, kind: reqArg,
		unsupported: "pacer keeps one value per attribute and node, so there is no XML id to choose"},
)

// crmMaster is crm_master, Pacemaker's deprecated wrapper around
// crm_attribute for a resource's promotion score: the attribute
// master-$OCF_RESOURCE_INSTANCE (or -r RSC), with lifetime forever unless
// -l says otherwise, exactly as Pacemaker's script does (agents pass
// -l reboot).
func crmMaster(e *env, prog string, args []string) int {
	opts, rest, err := parseArgs(args, crmMasterOptions)
	if err != nil {
		return e.failArgs(prog, err)
	}
	if len(rest) > 0 {
		return e.failArgs(prog, &usageError{fmt.Sprintf("unexpected argument %q", rest[0])})
	}
	r := attrRequest{command: 'G', lifetime: "forever"}
	rsc := ""
	for _, o := range opts {
		switch o.key {
		case "help":
			fmt.Fprintf(e.stdout, "crm_master - Query, update, or delete a resource's promotion score\n\n"+
				"Usage: %s [-G | -v VALUE | -D] [-l reboot|forever] [-N NODE] [-r RESOURCE] [-q]\n\n"+
				"This command is deprecated. Use crm_attribute with the --promotion option instead.\n", prog)
			return exitOK
		case "version":
			return e.version(prog)
		case "output-as":
			if err := checkOutputAs(o); err != nil {
				return e.failArgs(prog, err)
			}
		case "quiet":
			r.quiet = true
		case "query":
			r.command, r.value = 'G', ""
		case "update":
			r.command, r.value = 'u', o.value
		case "delete":
			r.command, r.value = 'D', ""
		case "node":
			r.node, r.nodeGiven = o.value, true
		case "lifetime":
			r.lifetime = o.value
		case "resource":
			rsc = o.value
		}
	}
	r.name = promotionName(e, rsc)
	if r.name == "" {
		return e.fail(prog, exitError, "error: No resource specified")
	}
	return runAttr(e, prog, r)
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }

package main

import (
	"context"
	"fmt"

	"pacer/internal/control"
	"pacer/internal/pcmktime"
)

var attrdUpdaterOptions = withCommon(
	option{key: "name", short: 'n', longs: []string{"name"}, kind: reqArg},
	option{key: "update", short: 'U', longs: []string{"update"}, kind: reqArg},
	option{key: "update", short: 'v', kind: reqArg},
	option{key: "update-both", short: 'B', longs: []string{"update-both"}, kind: reqArg},
	option{key: "update-delay", short: 'Y', longs: []string{"update-delay"}},
	option{key: "query", short: 'Q', longs: []string{"query"}},
	option{key: "delete", short: 'D', longs: []string{"delete"}},
	option{key: "refresh", short: 'R', longs: []string{"refresh"}},
	option{key: "delay", short: 'd', longs: []string{"delay"}, kind: reqArg},
	option{key: "node", short: 'N', longs: []string{"node"}, kind: reqArg},
	option{key: "all", short: 'A', longs: []string{"all"}},
	option{key: "lifetime", short: 'l', longs: []string{"lifetime"}, kind: reqArg},
	option{key: "lifetime", short: 'S', longs: []string{"section"}, kind: reqArg},
	option{key: "private", short: 'p', longs: []string{"private"}},
	option{key: "wait", short: 'W', longs: []string{"wait"}, kind: reqArg},
	option{key: "quiet", short: 'q', longs: []string{"quiet"}},
	option{key: "pattern", short: 'P', longs: []string{"pattern"}, kind: reqArg,
		unsupported: "name each attribute with -n"},
	option{key: "set", short: 's', longs: []string{"set"}, kind: reqArg,
		unsupported: "pacer keeps one attribute set per node"},
	option{key: "utilization", short: 'z', longs: []string{"utilization"},
		unsupported: "utilization attributes are configured with pacer configure"},
)

// attrdUpdater is attrd_updater: transient node attributes through the
// attribute manager, with dampening (-d). A query (-Q, the default) shows
// the manager's current value, ahead of what crm_attribute reads while a
// dampened change waits.
func attrdUpdater(e *env, prog string, args []string) int {
	opts, rest, err := parseArgs(args, attrdUpdaterOptions)
	if err != nil {
		return e.failArgs(prog, err)
	}
	if len(rest) > 0 {
		return e.failArgs(prog, &usageError{fmt.Sprintf("unexpected argument %q", rest[0])})
	}
	command := byte('Q')
	var name, value, node, delayStr string
	var all, private, quiet, hasDelay bool
	for _, o := range opts {
		switch o.key {
		case "help":
			fmt.Fprintf(e.stdout, "Usage: %s -n NAME (-Q | -U VALUE | -B VALUE | -Y | -D | -R) [-d DELAY] [-N NODE] [-A] [-p]\n\n"+
				"Query and update transient node attributes through pacerd (pacer's stand-in for Pacemaker's attrd_updater).\n", prog)
			return exitOK
		case "version":
			return e.version(prog)
		case "output-as":
			if err := checkOutputAs(o); err != nil {
				return e.failArgs(prog, err)
			}
		case "name":
			name = o.value
		case "update":
			command, value = 'U', o.value
		case "update-both":
			command, value = 'B', o.value
		case "update-delay":
			command = 'Y'
		case "query":
			command = 'Q'
		case "delete":
			command = 'D'
		case "refresh":
			command = 'R'
		case "delay":
			delayStr, hasDelay = o.value, true
		case "node":
			node = o.value
		case "all":
			all = true
		case "lifetime":
			// Pacemaker 2.1 accepts and ignores it: attrd_updater's
			// attributes are transient. Refuse what it would refuse.
			switch o.value {
			case "reboot", "status", "forever", "nodes":
			default:
				return e.fail(prog, exitUsage, "Unknown value for --lifetime: %s", o.value)
			}
		case "private":
			private = true
		case "wait":
			// Changes reach pacerd's store before the reply, so every
			// wait is already satisfied.
			switch o.value {
			case "no", "local", "cluster":
			default:
				return e.fail(prog, exitUsage, "--wait= must be one of 'no', 'local', 'cluster'")
			}
		case "quiet":
			quiet = true
		}
	}
	if command == 'R' {
		return exitOK // nothing to resend: pacerd's store is where the values live
	}
	if name == "" {
		return e.fail(prog, exitUsage, "Command requires --name or --pattern argument")
	}
	a := control.AttrArgs{Node: e.nodeTarget(node), Name: name, Lifetime: control.LifetimeReboot, Private: private}
	if hasDelay {
		d, err := pcmktime.ParseDuration(delayStr)
		if err != nil {
			return e.fail(prog, exitUsage, "invalid --delay %q: %v", delayStr, err)
		}
		a.Delay = d
	}
	if (command == 'B' || command == 'Y') && !hasDelay {
		fmt.Fprintf(e.stderr, "Warning: '%c' command given without required --delay\n", command)
	}
	switch command {
	case 'U', 'B', 'Y':
		a.Value = value
		a.SetDelay = command != 'U' && hasDelay
		a.KeepValue = command == 'Y'
		if err := e.do(func(ctx context.Context, c *control.Client) error { return c.SetAttr(ctx, a) }); err != nil {
			return e.failRequest(prog, err)
		}
		return exitOK
	case 'D':
		if err := e.do(func(ctx context.Context, c *control.Client) error { return c.DeleteAttr(ctx, a) }); err != nil {
			return e.failRequest(prog, err)
		}
		return exitOK
	}
	a.All = all
	if all {
		a.Node = ""
	}
	var vals []control.AttrValue
	err = e.do(func(ctx context.Context, c *control.Client) (err error) {
		vals, err = c.GetAttr(ctx, a)
		return err
	})
	if err != nil && !isUnknownAttr(err) {
		return e.failRequest(prog, err)
	}
	if len(vals) == 0 {
		return e.fail(prog, exitConfig, "Could not query value of %s: attribute does not exist", name)
	}
	for _, v := range vals {
		if quiet {
			fmt.Fprintln(e.stdout, v.Current)
		} else {
			fmt.Fprintf(e.stdout, "name=%q host=%q value=%q\n", v.Name, v.Node, v.Current)
		}
	}
	return exitOK
}

package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"pacer/crm/status"
	"pacer/internal/control"
)

var crmMonOptions = withCommon(
	option{key: "one-shot", short: '1', longs: []string{"one-shot"}},
	option{key: "inactive", short: 'r', longs: []string{"inactive"}},
	option{key: "quiet", short: 'Q', longs: []string{"quiet"}},
	option{key: "x", short: 'A', longs: []string{"show-node-attributes"}, unsupported: "node attributes are listed with attrd_updater -A or crm_attribute"},
	option{key: "x", short: 'f', longs: []string{"failcounts"}, unsupported: "pacer's crm_mon shows membership only"},
	option{key: "x", short: 'X', longs: []string{"as-xml"}, unsupported: "only text output"},
	option{key: "x", short: 'w', longs: []string{"web-cgi"}, unsupported: "only text output"},
	option{key: "x", short: 'd', longs: []string{"daemonize"}, unsupported: "only one-shot output (-1)"},
	option{key: "x", short: 'i', longs: []string{"interval"}, kind: reqArg, unsupported: "only one-shot output (-1)"},
	option{key: "x", short: 's', longs: []string{"simple-status"}, unsupported: "use pacer status"},
)

// crmMon is crm_mon -1: a one-shot cluster summary in crm_mon's text
// layout, the status `pacer status` prints. A pacerd that serves no status
// gets the node list alone, and the output says resources are not known
// rather than show an empty list.
func crmMon(e *env, prog string, args []string) int {
	opts, rest, err := parseArgs(args, crmMonOptions)
	if err != nil {
		return e.failArgs(prog, err)
	}
	if len(rest) > 0 {
		return e.failArgs(prog, &usageError{fmt.Sprintf("unexpected argument %q", rest[0])})
	}
	oneShot := false
	for _, o := range opts {
		switch o.key {
		case "help":
			fmt.Fprintf(e.stdout, "Usage: %s -1\n\nA one-shot cluster summary from pacerd (pacer's stand-in for Pacemaker's crm_mon).\n", prog)
			return exitOK
		case "version":
			return e.version(prog)
		case "output-as":
			if err := checkOutputAs(o); err != nil {
				return e.failArgs(prog, err)
			}
		case "one-shot":
			oneShot = true
		}
	}
	if !oneShot {
		return e.fail(prog, exitUnimplemented, "only one-shot output (-1) is supported by pacer's %s", prog)
	}
	// The whole status, as `pacer status` prints it, from a pacerd that
	// serves it; the node list alone from one that does not.
	var doc []byte
	err = e.do(func(ctx context.Context, c *control.Client) (err error) {
		doc, err = c.Status(ctx)
		return err
	})
	if err == nil {
		rep, derr := status.DecodeJSON(doc)
		if derr != nil {
			return e.failRequest(prog, derr)
		}
		if err := status.WriteText(e.stdout, rep, status.TextOptions{Location: time.Local}); err != nil {
			return e.failRequest(prog, err)
		}
		return exitOK
	}
	if !errors.Is(err, control.ErrUnsupported) {
		return e.failRequest(prog, err)
	}
	var ni control.NodeInfo
	if err := e.do(func(ctx context.Context, c *control.Client) (err error) {
		ni, err = c.NodeInfo(ctx)
		return err
	}); err != nil {
		return e.failRequest(prog, err)
	}
	members := slices.Clone(ni.Members)
	slices.SortFunc(members, func(a, b control.Member) int { return naturalCompare(a.Name, b.Name) })
	var online, offline []string
	for _, m := range members {
		if m.State == control.StateMember {
			online = append(online, m.Name)
		} else {
			offline = append(offline, m.Name)
		}
	}
	quorum := "partition WITHOUT quorum"
	if ni.Quorum {
		quorum = "partition with quorum"
	}
	var b strings.Builder
	dc := "NONE"
	if ni.DC != "" {
		dc = fmt.Sprintf("%s (%d)", ni.DC, ni.DCID)
	}
	fmt.Fprintf(&b, "Cluster Summary:\n  * Stack: pacer\n  * Current DC: %s - %s\n  * %d nodes configured\n\n", dc, quorum, len(ni.Members))
	b.WriteString("Node List:\n")
	if len(online) > 0 {
		fmt.Fprintf(&b, "  * Online: [ %s ]\n", strings.Join(online, " "))
	}
	if len(offline) > 0 {
		fmt.Fprintf(&b, "  * OFFLINE: [ %s ]\n", strings.Join(offline, " "))
	}
	b.WriteString("\nFull List of Resources:\n  * resource status is not known yet: pacerd has no CIB\n")
	fmt.Fprint(e.stdout, b.String())
	return exitOK
}

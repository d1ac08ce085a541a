package main

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"pacer/internal/control"
)

var crmNodeOptions = withCommon(
	option{key: "name", short: 'n', longs: []string{"name"}},
	option{key: "name-for-id", short: 'N', longs: []string{"name-for-id"}, kind: reqArg},
	option{key: "cluster-id", short: 'i', longs: []string{"cluster-id"}},
	option{key: "list", short: 'l', longs: []string{"list"}},
	option{key: "partition", short: 'p', longs: []string{"partition"}},
	option{key: "quorum", short: 'q', longs: []string{"quorum"}},
	option{key: "force", short: 'f', longs: []string{"force"}},
	option{key: "corosync", short: 'C', longs: []string{"corosync"}},
	option{key: "remove", short: 'R', longs: []string{"remove"}, kind: reqArg,
		unsupported: "nodes are removed with pacer configure"},
)

// crmNode is crm_node: this node's name (-n) and id (-i), a node's name by
// id (-N), the members (-l), this partition (-p) and quorum (-q).
func crmNode(e *env, prog string, args []string) int {
	opts, rest, err := parseArgs(args, crmNodeOptions)
	if err != nil {
		return e.failArgs(prog, err)
	}
	if len(rest) > 0 {
		return e.failArgs(prog, &usageError{fmt.Sprintf("unexpected argument %q", rest[0])})
	}
	command := ""
	var id uint64
	for _, o := range opts {
		switch o.key {
		case "help":
			fmt.Fprintf(e.stdout, "Usage: %s (-n | -N ID | -i | -l | -p | -q)\n\n"+
				"Node information from pacerd (pacer's stand-in for Pacemaker's crm_node).\n", prog)
			return exitOK
		case "version":
			return e.version(prog)
		case "output-as":
			if err := checkOutputAs(o); err != nil {
				return e.failArgs(prog, err)
			}
		case "name", "cluster-id", "list", "partition", "quorum":
			command = o.key
		case "name-for-id":
			n, err := strconv.ParseUint(o.value, 10, 32)
			if err != nil {
				return e.fail(prog, exitUsage, "invalid node id %q", o.value)
			}
			command, id = o.key, n
		}
	}
	if command == "" {
		return e.fail(prog, exitUsage, "no command given: use -n, -N ID, -i, -l, -p or -q")
	}
	// As Pacemaker: an agent asking its node's name gets the one the
	// cluster passed it, without a round trip.
	if command == "name" {
		if n := e.getenv("OCF_RESKEY_CRM_meta_on_node"); n != "" {
			fmt.Fprintln(e.stdout, n)
			return exitOK
		}
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
	switch command {
	case "name":
		fmt.Fprintln(e.stdout, ni.Name)
	case "cluster-id":
		fmt.Fprintln(e.stdout, ni.ID)
	case "name-for-id":
		for _, m := range members {
			if m.ID == id {
				fmt.Fprintln(e.stdout, m.Name)
				return exitOK
			}
		}
		return e.fail(prog, exitNoSuch, "Could not map node id %d to a name: %s", id, strNoSuchDevice)
	case "list":
		for _, m := range members {
			fmt.Fprintf(e.stdout, "%d %s %s\n", m.ID, m.Name, m.State)
		}
	case "partition":
		var names []string
		for _, m := range members {
			if m.State == control.StateMember {
				names = append(names, m.Name)
			}
		}
		if len(names) > 0 {
			fmt.Fprintln(e.stdout, strings.Join(names, " "))
		}
	case "quorum":
		q := 0
		if ni.Quorum {
			q = 1
		}
		fmt.Fprintln(e.stdout, q)
	}
	return exitOK
}

// naturalCompare orders names as pcmk__numeric_strcasecmp: case-insensitive,
// runs of digits by value ("node2" before "node10").
func naturalCompare(a, b string) int {
	a, b = strings.ToLower(a), strings.ToLower(b)
	for a != "" && b != "" {
		da, db := digits(a), digits(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := cmp.Compare(len(na), len(nb)); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		a, b = a[1:], b[1:]
	}
	return cmp.Compare(len(a), len(b))
}

func digits(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

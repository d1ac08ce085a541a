package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"pacer/crm/cib"
	"pacer/internal/control"
)

func nodeCommand() *cli.Command {
	lifetime := &cli.StringFlag{Name: "lifetime", Aliases: []string{"l"}, Value: control.LifetimeForever,
		Usage: "forever: in the configuration's <nodes>; reboot: in the status, gone when the node leaves"}
	stateCmd := func(name, attr, value, usage, example string) *cli.Command {
		return &cli.Command{
			Name: name, Usage: usage, ArgsUsage: "NODE",
			Description: "Sets the node attribute " + attr + "=" + value + " (--lifetime forever, the default, or reboot).\n" +
				"Example:\n  " + example,
			Flags:  []cli.Flag{lifetime},
			Action: func(c *cli.Context) error { return nodeState(c, name, attr, value) },
		}
	}
	return &cli.Command{
		Name:  "node",
		Usage: "put nodes in standby or maintenance, set their attributes, fence them",
		Description: "Each command talks to the local pacerd (--socket). Permanent attributes change the configuration\n" +
			"through its compare-and-swap, as `pacer configure` does; --lifetime reboot attributes go to the\n" +
			"status section. Exit status: 0 done, 1 error (nothing changed), 3 the configuration changed\n" +
			"concurrently (nothing changed; run it again).\n\nExample:\n  pacer node standby alpha",
		Flags: []cli.Flag{socketFlag()},
		Subcommands: []*cli.Command{
			stateCmd("standby", "standby", "on", "move every resource off a node and keep them off", "pacer node standby alpha"),
			stateCmd("online", "standby", "off", "let a node in standby run resources again", "pacer node online alpha"),
			stateCmd("maintenance", "maintenance", "on", "stop managing a node's resources (they are left as they are)", "pacer node maintenance alpha"),
			stateCmd("ready", "maintenance", "off", "manage a node's resources again after maintenance", "pacer node ready alpha"),
			{
				Name: "attribute", Usage: "list, get, set or delete a node attribute", ArgsUsage: "NODE [NAME [VALUE]]",
				Description: "NODE alone lists its attributes; NAME prints one; NAME VALUE sets it; --delete NAME deletes it.\n" +
					"Without --lifetime a read shows both lifetimes; a change is permanent.\n\n" +
					"Examples:\n  pacer node attribute alpha\n  pacer node attribute alpha site east\n" +
					"  pacer node attribute --lifetime reboot alpha pingd 100\n  pacer node attribute --delete alpha site",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "lifetime", Aliases: []string{"l"}, Usage: "forever (configuration) or reboot (status)"},
					&cli.BoolFlag{Name: "delete", Aliases: []string{"D"}, Usage: "delete the attribute"},
				},
				Action: nodeAttribute,
			},
			{
				Name: "fence", Usage: "fence (power off or reboot) a node now", ArgsUsage: "NODE",
				Description: "The local pacerd runs the fence devices the configuration has for NODE, then records it\n" +
					"down so its resources are recovered. Asks for confirmation on a terminal; without one,\n" +
					"--force is required.\n\nExample:\n  pacer node fence --force bravo",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "action", Value: "reboot", Usage: "reboot or off"},
					&cli.BoolFlag{Name: "force", Usage: "do not ask for confirmation"},
					&cli.DurationFlag{Name: "timeout", Value: 3 * time.Minute, Usage: "how long the fencing may take"},
				},
				Action: nodeFence,
			},
		},
	}
}

// lifetimeOf checks --lifetime; "" when not given and any is allowed.
func lifetimeOf(c *cli.Context) (string, error) {
	lt := c.String("lifetime")
	switch lt {
	case "", control.LifetimeForever, control.LifetimeReboot:
		return lt, nil
	case "permanent":
		return control.LifetimeForever, nil
	}
	return "", fmt.Errorf("--lifetime %q: want forever or reboot", lt)
}

// nodeIDs are the cluster's nodes by name, with their ids, from pacerd.
func nodeIDs(ctx context.Context, cl *control.Client) (map[string]string, error) {
	ni, err := cl.NodeInfo(ctx)
	if err != nil {
		return nil, fmt.Errorf("ask pacerd for the nodes: %w", err)
	}
	out := map[string]string{}
	for _, m := range ni.Members {
		out[m.Name] = strconv.FormatUint(m.ID, 10)
	}
	return out, nil
}

func checkNode(ids map[string]string, node string) error {
	if _, ok := ids[node]; ok {
		return nil
	}
	var names []string
	for n := range ids {
		names = append(names, n)
	}
	slices.Sort(names)
	return fmt.Errorf("no node %q in the cluster (nodes: %s)", node, strings.Join(names, ", "))
}

// setNodeAttr sets (value != "") or deletes a permanent node attribute
// in the configuration's <nodes>, adding the node there when needed.
func setNodeAttr(cfg *cib.Configuration, node, id, name, value string, del bool) (changed bool) {
	var n *cib.Node
	for i := range cfg.Nodes {
		if cfg.Nodes[i].Uname == node {
			n = &cfg.Nodes[i]
		}
	}
	if n == nil {
		if del {
			return false
		}
		cfg.Nodes = append(cfg.Nodes, cib.Node{ID: id, Uname: node})
		n = &cfg.Nodes[len(cfg.Nodes)-1]
	}
	for i := range n.Attributes {
		set := &n.Attributes[i]
		if set.Rule != nil || set.IDRef != "" {
			continue
		}
		for j := range set.Pairs {
			if set.Pairs[j].Name == name {
				if del {
					set.Pairs = slices.Delete(set.Pairs, j, j+1)
				} else {
					set.Pairs[j].Value, set.Pairs[j].HasValue = value, true
				}
				return true
			}
		}
	}
	if del {
		return false
	}
	for i := range n.Attributes {
		set := &n.Attributes[i]
		if set.Rule == nil && set.IDRef == "" {
			set.Pairs = append(set.Pairs, cib.NVPair{ID: set.ID + "-" + name, Name: name, Value: value, HasValue: true})
			return true
		}
	}
	setID := "nodes-" + n.ID
	n.Attributes = append(n.Attributes, cib.NVSet{Kind: cib.InstanceAttributes, ID: setID,
		Pairs: []cib.NVPair{{ID: setID + "-" + name, Name: name, Value: value, HasValue: true}}})
	return true
}

// nodeAttrs are a node's attributes as the CIB has them, by lifetime.
func nodeAttrs(c *cib.CIB, node string) (forever, reboot []cib.NVPair) {
	for _, n := range c.Configuration.Nodes {
		if n.Uname == node {
			for _, set := range n.Attributes {
				if set.Rule == nil {
					forever = append(forever, set.Pairs...)
				}
			}
		}
	}
	for _, ns := range c.Status.Nodes {
		if ns.Uname == node {
			for _, set := range ns.Transient {
				reboot = append(reboot, set.Pairs...)
			}
		}
	}
	return forever, reboot
}

func lookup(pairs []cib.NVPair, name string) (string, bool) {
	for _, p := range pairs {
		if p.Name == name {
			return p.Value, true
		}
	}
	return "", false
}

// changeNodeAttr sets or deletes a node attribute of the given lifetime:
// forever through the configuration's CAS, reboot through a status
// update. It returns a description of the new version.
func changeNodeAttr(c *cli.Context, node, name, value, lifetime string, del bool) (string, error) {
	if lifetime == control.LifetimeReboot {
		ctx, cancel := context.WithTimeout(ctxOf(c), changeTimeout)
		defer cancel()
		cl, err := dialPacerd(ctx, socketPath(c))
		if err != nil {
			return "", err
		}
		defer cl.Close()
		ids, err := nodeIDs(ctx, cl)
		if err != nil {
			return "", err
		}
		if err := checkNode(ids, node); err != nil {
			return "", err
		}
		res, err := cl.Admin(ctx, control.OpNodeStatusAttr, control.AdminArgs{Node: node, Name: name, Value: value, Delete: del})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("status version %d.%d.%d", res.Version.AdminEpoch, res.Version.Epoch, res.Version.NumUpdates), nil
	}
	ver, err := changeCIB(c, func(cc *cibCopy) error {
		id := node
		if cc.Online() {
			ids, err := nodeIDs(ctxOf(c), cc.cl)
			if err != nil {
				return err
			}
			if err := checkNode(ids, node); err != nil {
				return err
			}
			id = ids[node]
		}
		if !setNodeAttr(&cc.CIB.Configuration, node, id, name, value, del) {
			return errNothing
		}
		return nil
	})
	if errors.Is(err, errNothing) {
		return "unchanged", nil
	}
	if err != nil {
		return "", err
	}
	return "configuration version " + ver, nil
}

func nodeState(c *cli.Context, verb, attr, value string) error {
	cmd := "node " + verb
	a, err := args(c, cmd, 1, 1)
	if err != nil {
		return err
	}
	lt, err := lifetimeOf(c)
	if err != nil {
		return exitFor(cmd, err)
	}
	if lt == "" {
		lt = control.LifetimeForever
	}
	node := a[0]
	ver, err := changeNodeAttr(c, node, attr, value, lt, false)
	if err != nil {
		return exitFor(cmd, err)
	}
	fmt.Fprintf(c.App.Writer, "%s: %s=%s (%s, %s)\n", node, attr, value, lt, ver)
	if value != "off" {
		return nil
	}
	// Turning a state off must not leave it on under the other
	// lifetime: a transient standby=on outranks a permanent off.
	other := control.LifetimeReboot
	if lt == control.LifetimeReboot {
		other = control.LifetimeForever
	}
	ctx, cancel := context.WithTimeout(ctxOf(c), changeTimeout)
	defer cancel()
	cc, err := loadCIB(ctx, c)
	if err != nil {
		return exitFor(cmd, err)
	}
	forever, reboot := nodeAttrs(cc.CIB, node)
	cc.Close()
	pairs := reboot
	if other == control.LifetimeForever {
		pairs = forever
	}
	if v, ok := lookup(pairs, attr); ok && v != "off" && v != "false" {
		if _, err := changeNodeAttr(c, node, attr, "", other, true); err != nil {
			return exitFor(cmd, fmt.Errorf("%s=%s (%s) is still set: %w", attr, v, other, err))
		}
		fmt.Fprintf(c.App.Writer, "%s: deleted %s=%s (%s)\n", node, attr, v, other)
	}
	return nil
}

func nodeAttribute(c *cli.Context) error {
	const cmd = "node attribute"
	a, err := args(c, cmd, 1, 3)
	if err != nil {
		return err
	}
	lt, err := lifetimeOf(c)
	if err != nil {
		return exitFor(cmd, err)
	}
	node := a[0]
	del := c.Bool("delete")
	switch {
	case del && len(a) != 2:
		return exitFor(cmd, errors.New("--delete wants NODE NAME"))
	case len(a) == 3 && a[2] == "":
		return exitFor(cmd, errors.New("empty value: use --delete to delete an attribute"))
	case del || len(a) == 3:
		if lt == "" {
			lt = control.LifetimeForever
		}
		value := ""
		if len(a) == 3 {
			value = a[2]
		}
		ver, err := changeNodeAttr(c, node, a[1], value, lt, del)
		if err != nil {
			return exitFor(cmd, err)
		}
		if del {
			fmt.Fprintf(c.App.Writer, "%s: deleted %s (%s, %s)\n", node, a[1], lt, ver)
		} else {
			fmt.Fprintf(c.App.Writer, "%s: %s=%s (%s, %s)\n", node, a[1], value, lt, ver)
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(ctxOf(c), changeTimeout)
	defer cancel()
	cc, err := loadCIB(ctx, c)
	if err != nil {
		return exitFor(cmd, err)
	}
	defer cc.Close()
	if cc.Online() {
		ids, err := nodeIDs(ctx, cc.cl)
		if err != nil {
			return exitFor(cmd, err)
		}
		if err := checkNode(ids, node); err != nil {
			return exitFor(cmd, err)
		}
	}
	forever, reboot := nodeAttrs(cc.CIB, node)
	type row struct{ name, value, lt string }
	var rows []row
	if lt != control.LifetimeReboot {
		for _, p := range forever {
			rows = append(rows, row{p.Name, p.Value, control.LifetimeForever})
		}
	}
	if lt != control.LifetimeForever {
		for _, p := range reboot {
			rows = append(rows, row{p.Name, p.Value, control.LifetimeReboot})
		}
	}
	if len(a) == 2 {
		rows = slices.DeleteFunc(rows, func(r row) bool { return r.name != a[1] })
		if len(rows) == 0 {
			return cli.Exit(fmt.Sprintf("pacer %s: %s has no attribute %q", cmd, node, a[1]), exitError)
		}
	}
	if len(rows) == 0 {
		fmt.Fprintf(c.App.Writer, "%s: no attributes\n", node)
		return nil
	}
	for _, r := range rows {
		fmt.Fprintf(c.App.Writer, "%s=%s (%s)\n", r.name, r.value, r.lt)
	}
	return nil
}

func nodeFence(c *cli.Context) error {
	const cmd = "node fence"
	a, err := args(c, cmd, 1, 1)
	if err != nil {
		return err
	}
	node, action := a[0], c.String("action")
	if action != "reboot" && action != "off" {
		return exitFor(cmd, fmt.Errorf("--action %q: want reboot or off", action))
	}
	if !c.Bool("force") {
		if !isTerminal(os.Stdin) || !isTerminal(os.Stdout) {
			return cli.Exit(fmt.Sprintf("pacer %s: fencing %s needs confirmation: no terminal to ask on, pass --force", cmd, node), exitError)
		}
		fmt.Fprintf(c.App.Writer, "Fence %s (%s)? Its resources are stopped the hard way. [y/N] ", node, action)
		ans, _ := bufio.NewReader(os.Stdin).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(ans)); a != "y" && a != "yes" {
			return cli.Exit("pacer "+cmd+": not confirmed; nothing done", exitError)
		}
	}
	ctx, cancel := context.WithTimeout(ctxOf(c), c.Duration("timeout"))
	defer cancel()
	cl, err := dialPacerd(ctx, socketPath(c))
	if err != nil {
		return exitFor(cmd, err)
	}
	defer cl.Close()
	cl.Timeout = c.Duration("timeout")
	ids, err := nodeIDs(ctx, cl)
	if err != nil {
		return exitFor(cmd, err)
	}
	if err := checkNode(ids, node); err != nil {
		return exitFor(cmd, err)
	}
	t0 := time.Now()
	res, err := cl.Admin(ctx, control.OpNodeFence, control.AdminArgs{Node: node, Action: action})
	if err != nil {
		return exitFor(cmd, err)
	}
	fmt.Fprintf(c.App.Writer, "%s fenced (%s) by %s with %s in %v\n", node, action, res.Executor,
		strings.Join(res.Devices, ", "), time.Since(t0).Round(time.Millisecond))
	return nil
}

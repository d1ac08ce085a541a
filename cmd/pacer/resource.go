package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"pacer/crm/cib"
	"pacer/crm/cib/cibedit"
	"pacer/crm/cib/crmsh"
	"pacer/crm/status"
	"pacer/internal/control"
)

// Defaults of the resource commands.
const (
	// defaultMoveLifetime bounds a one-shot move's constraint: pacer
	// removes it once the resource runs on the target, and should pacer
	// be interrupted first, the constraint expires by itself
	// (docs/decisions/0009-one-shot-move.md).
	defaultMoveLifetime = 10 * time.Minute
	defaultWaitTimeout  = 60 * time.Second
	pollInterval        = 200 * time.Millisecond
)

func resourceCommand() *cli.Command {
	timeout := &cli.DurationFlag{Name: "timeout", Value: defaultWaitTimeout, Usage: "how long to wait for the cluster"}
	wait := &cli.BoolFlag{Name: "wait", Usage: "wait until the status shows the change done (up to --timeout)"}
	lifetime := &cli.DurationFlag{Name: "lifetime", Usage: "the constraint expires after `DURATION` (e.g. 10m, 2h)"}
	return &cli.Command{
		Name:  "resource",
		Usage: "start, stop, move and inspect resources on the live cluster",
		Description: "Each command talks to the local pacerd (--socket). Changes go through the configuration's\n" +
			"compare-and-swap, as `pacer configure` does. Exit status: 0 done, 1 error (nothing changed),\n" +
			"2 done with a warning (e.g. --wait timed out), 3 the configuration changed concurrently (nothing\n" +
			"changed; run it again).\n\nExample:\n  pacer resource stop web",
		Flags: []cli.Flag{socketFlag()},
		Subcommands: []*cli.Command{
			{
				Name: "start", Usage: "let a resource run: meta target-role=Started", ArgsUsage: "RSC",
				Description: "Example:\n  pacer resource start web\n  pacer resource start --wait web",
				Flags:       []cli.Flag{wait, timeout},
				Action:      func(c *cli.Context) error { return resourceTargetRole(c, "start", "Started") },
			},
			{
				Name: "stop", Usage: "stop a resource: meta target-role=Stopped", ArgsUsage: "RSC",
				Description: "Example:\n  pacer resource stop web\n  pacer resource stop --wait --timeout 2m web",
				Flags:       []cli.Flag{wait, timeout},
				Action:      func(c *cli.Context) error { return resourceTargetRole(c, "stop", "Stopped") },
			},
			{
				Name: "restart", Usage: "stop a resource, wait until it is stopped, start it again", ArgsUsage: "RSC",
				Description: "The resource's target-role is put back as it was. Waits for each step up to --timeout.\n" +
					"Example:\n  pacer resource restart web",
				Flags:  []cli.Flag{timeout},
				Action: resourceRestart,
			},
			{
				Name: "move", Usage: "move a resource to a node (one-shot: the constraint goes once it is there)", ArgsUsage: "RSC NODE",
				Description: "Adds the location constraint cli-prefer-RSC (INFINITY on NODE). Without --lifetime the move\n" +
					"is one-shot: pacer waits until the resource runs on NODE and removes the constraint; the\n" +
					"constraint carries a 10 minute lifetime too, so it cannot be left behind. With --lifetime the\n" +
					"constraint stays until it expires (or `pacer resource clear`).\n\n" +
					"Examples:\n  pacer resource move web bravo\n  pacer resource move --lifetime 2h web bravo",
				Flags:  []cli.Flag{lifetime, timeout},
				Action: resourceMove,
			},
			{
				Name: "ban", Usage: "keep a resource off a node: cli-ban-RSC-on-NODE (-INFINITY)", ArgsUsage: "RSC [NODE]",
				Description: "NODE defaults to the node the resource runs on. The ban stays until `pacer resource clear`, or\n" +
					"until --lifetime passes.\n\nExamples:\n  pacer resource ban web alpha\n  pacer resource ban --lifetime 30m web",
				Flags:  []cli.Flag{lifetime, wait, timeout},
				Action: resourceBan,
			},
			{
				Name: "clear", Usage: "remove the constraints move and ban added", ArgsUsage: "RSC [NODE]",
				Description: "Removes cli-prefer-RSC and cli-ban-RSC-on-* (only the ban on NODE, when given).\n" +
					"Example:\n  pacer resource clear web",
				Action: resourceClear,
			},
			{
				Name: "cleanup", Usage: "clear a resource's fail counts and failed operations", ArgsUsage: "RSC [NODE]",
				Description: "On every node, or on NODE only. The scheduler then counts no failure against the resource.\n" +
					"Example:\n  pacer resource cleanup web\n  pacer resource cleanup web alpha",
				Action: resourceCleanup,
			},
			{
				Name: "locate", Usage: "print where a resource runs", ArgsUsage: "RSC",
				Description: "Exit status 0 when it runs, 2 when it runs nowhere.\nExample:\n  pacer resource locate web",
				Action:      resourceLocate,
			},
			{
				Name: "failcount", Usage: "show a resource's fail counts per node and when they expire", ArgsUsage: "RSC [NODE]",
				Description: "Example:\n  pacer resource failcount web\n  pacer resource failcount web alpha",
				Action:      resourceFailcount,
			},
		},
	}
}

// args checks a command's positional arguments: min..max of them.
func args(c *cli.Context, cmd string, min, max int) ([]string, error) {
	a := c.Args().Slice()
	if len(a) < min || len(a) > max {
		return nil, cli.Exit(fmt.Sprintf("pacer %s: want %s (see pacer %s --help)", cmd, c.Command.ArgsUsage, cmd), exitError)
	}
	return a, nil
}

// fetchStatus asks pacerd for the status report.
func fetchStatus(ctx context.Context, c *cli.Context) (*status.Report, error) {
	_, rep, err := statusRun{socket: socketPath(c)}.fetch(ctx)
	return rep, err
}

// waitStatus polls the status until cond holds or timeout; it returns
// whether cond held and, when it did not, the last error of a status
// request that failed before the timeout (nil when they all answered). It
// runs after a change was made, so its callers report a timeout as a
// warning, never as an error that would say nothing changed.
func waitStatus(c *cli.Context, timeout time.Duration, cond func(*status.Report) bool) (bool, error) {
	ctx, cancel := context.WithTimeout(ctxOf(c), timeout)
	defer cancel()
	var last error
	for {
		rep, err := fetchStatus(ctx, c)
		if err == nil && cond(rep) {
			return true, nil
		}
		if ctx.Err() != nil {
			// a request cut short by the timeout (a dial or read that
			// timed out, whatever its error says) is the timeout itself
			return false, last
		}
		if err != nil {
			last = err
		}
		select {
		case <-ctx.Done():
		case <-time.After(pollInterval):
		}
	}
}

// findResource finds id in the report, at any depth; a clone's primitive
// (its base) names the clone, as crm_resource takes it.
func findResource(rs []*status.Resource, id string) *status.Resource {
	for _, r := range rs {
		if r.ID == id || (r.Clone != nil && r.Clone.Base == id) {
			return r
		}
		if f := findResource(r.Items, id); f != nil {
			return f
		}
	}
	return nil
}

// runningOn lists the nodes rsc is active on (a clone's or group's
// members' nodes, once each), with "(Promoted)" on promoted instances.
func runningOn(r *status.Resource) []string {
	var out []string
	var walk func(r *status.Resource)
	walk = func(r *status.Resource) {
		if len(r.Items) == 0 {
			for _, n := range r.Nodes {
				s := n
				if r.Role == "Promoted" {
					s += " (Promoted)"
				}
				if !slices.Contains(out, s) {
					out = append(out, s)
				}
			}
		}
		for _, ch := range r.Items {
			walk(ch)
		}
	}
	walk(r)
	slices.Sort(out)
	return out
}

func plainNodes(r *status.Resource) []string {
	var out []string
	for _, n := range runningOn(r) {
		n, _, _ = strings.Cut(n, " ")
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// setMeta sets (value != "") or removes a resource's meta attribute.
func setMeta(cfg *cib.Configuration, rsc, name, value string) error {
	r, _ := cibedit.FindResource(cfg, rsc)
	if r == nil {
		return fmt.Errorf("no resource %q in the configuration", rsc)
	}
	for i := range r.Meta {
		set := &r.Meta[i]
		if set.Rule != nil || set.IDRef != "" {
			continue
		}
		for j := range set.Pairs {
			if set.Pairs[j].Name == name {
				if value == "" {
					set.Pairs = slices.Delete(set.Pairs, j, j+1)
				} else {
					set.Pairs[j].Value, set.Pairs[j].HasValue = value, true
				}
				return nil
			}
		}
	}
	if value == "" {
		return nil
	}
	for i := range r.Meta {
		set := &r.Meta[i]
		if set.Rule == nil && set.IDRef == "" {
			set.Pairs = append(set.Pairs, cib.NVPair{ID: set.ID + "-" + name, Name: name, Value: value, HasValue: true})
			return nil
		}
	}
	setID := r.ID + "-meta_attributes"
	r.Meta = append(r.Meta, cib.NVSet{Kind: cib.MetaAttributes, ID: setID,
		Pairs: []cib.NVPair{{ID: setID + "-" + name, Name: name, Value: value, HasValue: true}}})
	return nil
}

// metaOf is a resource's meta attribute, "" when unset.
func metaOf(cfg *cib.Configuration, rsc, name string) string {
	r, _ := cibedit.FindResource(cfg, rsc)
	if r == nil {
		return ""
	}
	for _, set := range r.Meta {
		for _, p := range set.Pairs {
			if p.Name == name && set.Rule == nil {
				return p.Value
			}
		}
	}
	return ""
}

// stopped: the resource runs nowhere; started: it runs somewhere.
func stopped(rsc string) func(*status.Report) bool {
	return func(rep *status.Report) bool {
		r := findResource(rep.Resources, rsc)
		return r != nil && len(runningOn(r)) == 0 && !pending(r)
	}
}

func started(rsc string) func(*status.Report) bool {
	return func(rep *status.Report) bool {
		r := findResource(rep.Resources, rsc)
		return r != nil && len(runningOn(r)) > 0 && !pending(r)
	}
}

func pending(r *status.Resource) bool {
	if r.Pending != nil {
		return true
	}
	for _, ch := range r.Items {
		if pending(ch) {
			return true
		}
	}
	return false
}

func resourceTargetRole(c *cli.Context, verb, role string) error {
	cmd := "resource " + verb
	a, err := args(c, cmd, 1, 1)
	if err != nil {
		return err
	}
	rsc := a[0]
	ver, err := changeCIB(c, func(cc *cibCopy) error {
		return setMeta(&cc.CIB.Configuration, rsc, "target-role", role)
	})
	if err != nil {
		return exitFor(cmd, err)
	}
	fmt.Fprintf(c.App.Writer, "%s: target-role=%s (configuration version %s)\n", rsc, role, ver)
	if !c.Bool("wait") {
		return nil
	}
	cond := started(rsc)
	if role == "Stopped" {
		cond = stopped(rsc)
	}
	return waitReport(c, cmd, rsc, strings.ToLower(role), cond)
}

// waitReport waits for cond and reports; a timeout is a warning (exit 2).
func waitReport(c *cli.Context, cmd, rsc, what string, cond func(*status.Report) bool) error {
	t0 := time.Now()
	ok, err := waitStatus(c, c.Duration("timeout"), cond)
	if !ok {
		msg := fmt.Sprintf("pacer %s: %s not %s after %v (see pacer status)", cmd, rsc, what, c.Duration("timeout"))
		if err != nil {
			msg += "; the last status request failed: " + err.Error()
		}
		return cli.Exit(msg, exitWarning)
	}
	fmt.Fprintf(c.App.Writer, "%s: %s after %v\n", rsc, what, time.Since(t0).Round(100*time.Millisecond))
	return nil
}

func resourceRestart(c *cli.Context) error {
	a, err := args(c, "resource restart", 1, 1)
	if err != nil {
		return err
	}
	rsc := a[0]
	var orig string
	if _, err := changeCIB(c, func(cc *cibCopy) error {
		orig = metaOf(&cc.CIB.Configuration, rsc, "target-role")
		return setMeta(&cc.CIB.Configuration, rsc, "target-role", "Stopped")
	}); err != nil {
		return exitFor("resource restart", err)
	}
	fmt.Fprintf(c.App.Writer, "%s: stopping\n", rsc)
	ok, werr := waitStatus(c, c.Duration("timeout"), stopped(rsc))
	// The target-role goes back whatever happened: a restart must not
	// leave the resource stopped.
	ver, err := changeCIB(c, func(cc *cibCopy) error {
		return setMeta(&cc.CIB.Configuration, rsc, "target-role", orig)
	})
	if err != nil {
		return exitFor("resource restart", fmt.Errorf("%w; %s is left with target-role=Stopped: pacer resource start %s", err, rsc, rsc))
	}
	if werr != nil || !ok {
		return cli.Exit(fmt.Sprintf("pacer resource restart: %s did not stop within %v; its target-role is back (version %s)",
			rsc, c.Duration("timeout"), ver), exitWarning)
	}
	fmt.Fprintf(c.App.Writer, "%s: stopped; starting (configuration version %s)\n", rsc, ver)
	if orig == "Stopped" {
		return nil
	}
	return waitReport(c, "resource restart", rsc, "started", started(rsc))
}

// locationArgs is a location constraint in crm words: score on node,
// until end unless it is zero.
func locationArgs(id, rsc, score, node string, end time.Time) []string {
	if end.IsZero() {
		return []string{"location", id, rsc, score + ":", node}
	}
	return []string{"location", id, rsc, "rule", score + ":", "#uname", "eq", node,
		"and", "date", "lt", end.UTC().Format("2006-01-02T15:04:05Z")}
}

// putConstraint replaces (or adds) the location constraint id.
func putConstraint(cc *cibCopy, words []string) error {
	cfg := &cc.CIB.Configuration
	id := words[1]
	cfg.Constraints = slices.DeleteFunc(cfg.Constraints, func(c *cib.Constraint) bool { return c.ID == id })
	obj, err := crmsh.ParseObject(words, crmsh.WithExisting(cfg))
	if err != nil {
		return err
	}
	return cibedit.Add(cfg, obj)
}

func knownNode(rep *status.Report, node string) error {
	var names []string
	for _, n := range rep.Nodes {
		if n.Name == node {
			return nil
		}
		names = append(names, n.Name)
	}
	return fmt.Errorf("no node %q in the cluster (nodes: %s)", node, strings.Join(names, ", "))
}

func resourceMove(c *cli.Context) error {
	const cmd = "resource move"
	a, err := args(c, cmd, 2, 2)
	if err != nil {
		return err
	}
	rsc, node := a[0], a[1]
	rep, err := fetchStatus(ctxOf(c), c)
	if err != nil {
		return exitFor(cmd, err)
	}
	if err := knownNode(rep, node); err != nil {
		return exitFor(cmd, err)
	}
	if findResource(rep.Resources, rsc) == nil {
		return exitFor(cmd, fmt.Errorf("no resource %q", rsc))
	}
	lifetime, oneShot := c.Duration("lifetime"), !c.IsSet("lifetime")
	if oneShot {
		lifetime = defaultMoveLifetime
	}
	if lifetime <= 0 {
		return exitFor(cmd, fmt.Errorf("--lifetime %v: want a positive duration", lifetime))
	}
	id := "cli-prefer-" + rsc
	end := time.Now().Add(lifetime).Truncate(time.Second).Add(time.Second)
	ver, err := changeCIB(c, func(cc *cibCopy) error {
		if r, _ := cibedit.FindResource(&cc.CIB.Configuration, rsc); r == nil {
			return fmt.Errorf("no resource %q in the configuration", rsc)
		}
		return putConstraint(cc, locationArgs(id, rsc, "INFINITY", node, end))
	})
	if err != nil {
		return exitFor(cmd, err)
	}
	fmt.Fprintf(c.App.Writer, "%s: moving to %s: constraint %s until %s (configuration version %s)\n",
		rsc, node, id, end.UTC().Format(time.RFC3339), ver)
	if !oneShot {
		fmt.Fprintf(c.App.Writer, "%s stays until it expires; remove it sooner with: pacer resource clear %s\n", id, rsc)
		return nil
	}
	t0 := time.Now()
	ok, werr := waitStatus(c, c.Duration("timeout"), func(rep *status.Report) bool {
		r := findResource(rep.Resources, rsc)
		return r != nil && !pending(r) && slices.Equal(plainNodes(r), []string{node})
	})
	if werr != nil || !ok {
		return cli.Exit(fmt.Sprintf("pacer %s: %s does not run on %s after %v; %s stays until %s (pacer resource clear %s removes it)",
			cmd, rsc, node, c.Duration("timeout"), id, end.UTC().Format(time.RFC3339), rsc), exitWarning)
	}
	fmt.Fprintf(c.App.Writer, "%s: running on %s after %v\n", rsc, node, time.Since(t0).Round(100*time.Millisecond))
	ver, err = changeCIB(c, func(cc *cibCopy) error {
		cc.CIB.Configuration.Constraints = slices.DeleteFunc(cc.CIB.Configuration.Constraints,
			func(con *cib.Constraint) bool { return con.ID == id })
		return nil
	})
	if err != nil {
		return cli.Exit(fmt.Sprintf("pacer %s: %s moved, but removing %s failed: %v; it expires at %s",
			cmd, rsc, id, err, end.UTC().Format(time.RFC3339)), exitWarning)
	}
	fmt.Fprintf(c.App.Writer, "%s: removed %s, the move is done (configuration version %s)\n", rsc, id, ver)
	return nil
}

func resourceBan(c *cli.Context) error {
	const cmd = "resource ban"
	a, err := args(c, cmd, 1, 2)
	if err != nil {
		return err
	}
	rsc := a[0]
	rep, err := fetchStatus(ctxOf(c), c)
	if err != nil {
		return exitFor(cmd, err)
	}
	r := findResource(rep.Resources, rsc)
	if r == nil {
		return exitFor(cmd, fmt.Errorf("no resource %q", rsc))
	}
	var node string
	if len(a) == 2 {
		node = a[1]
		if err := knownNode(rep, node); err != nil {
			return exitFor(cmd, err)
		}
	} else {
		on := plainNodes(r)
		if len(on) != 1 {
			return exitFor(cmd, fmt.Errorf("%s runs on %d nodes (%s): name the node to ban it from", rsc, len(on), strings.Join(on, ", ")))
		}
		node = on[0]
	}
	var end time.Time
	if c.IsSet("lifetime") {
		if c.Duration("lifetime") <= 0 {
			return exitFor(cmd, fmt.Errorf("--lifetime %v: want a positive duration", c.Duration("lifetime")))
		}
		end = time.Now().Add(c.Duration("lifetime")).Truncate(time.Second).Add(time.Second)
	}
	id := "cli-ban-" + rsc + "-on-" + node
	ver, err := changeCIB(c, func(cc *cibCopy) error {
		if r, _ := cibedit.FindResource(&cc.CIB.Configuration, rsc); r == nil {
			return fmt.Errorf("no resource %q in the configuration", rsc)
		}
		return putConstraint(cc, locationArgs(id, rsc, "-INFINITY", node, end))
	})
	if err != nil {
		return exitFor(cmd, err)
	}
	until := "until pacer resource clear " + rsc
	if !end.IsZero() {
		until = "until " + end.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(c.App.Writer, "%s: banned from %s: constraint %s %s (configuration version %s)\n", rsc, node, id, until, ver)
	if !c.Bool("wait") {
		return nil
	}
	return waitReport(c, cmd, rsc, "off "+node, func(rep *status.Report) bool {
		r := findResource(rep.Resources, rsc)
		return r != nil && !pending(r) && !slices.Contains(plainNodes(r), node)
	})
}

func resourceClear(c *cli.Context) error {
	const cmd = "resource clear"
	a, err := args(c, cmd, 1, 2)
	if err != nil {
		return err
	}
	rsc := a[0]
	var removed []string
	ver, err := changeCIB(c, func(cc *cibCopy) error {
		cfg := &cc.CIB.Configuration
		if r, _ := cibedit.FindResource(cfg, rsc); r == nil {
			return fmt.Errorf("no resource %q in the configuration", rsc)
		}
		cfg.Constraints = slices.DeleteFunc(cfg.Constraints, func(con *cib.Constraint) bool {
			var match bool
			if len(a) == 2 {
				match = con.ID == "cli-ban-"+rsc+"-on-"+a[1] || con.ID == "cli-prefer-"+rsc
			} else {
				match = con.ID == "cli-prefer-"+rsc || strings.HasPrefix(con.ID, "cli-ban-"+rsc+"-on-")
			}
			if match {
				removed = append(removed, con.ID)
			}
			return match
		})
		if len(removed) == 0 {
			return errNothing
		}
		return nil
	})
	if errors.Is(err, errNothing) {
		fmt.Fprintf(c.App.Writer, "%s: no cli-prefer or cli-ban constraint to remove\n", rsc)
		return nil
	}
	if err != nil {
		return exitFor(cmd, err)
	}
	fmt.Fprintf(c.App.Writer, "%s: removed %s (configuration version %s)\n", rsc, strings.Join(removed, ", "), ver)
	return nil
}

// errNothing aborts a change that would change nothing.
var errNothing = errors.New("nothing to change")

func resourceCleanup(c *cli.Context) error {
	const cmd = "resource cleanup"
	a, err := args(c, cmd, 1, 2)
	if err != nil {
		return err
	}
	req := control.AdminArgs{Rsc: a[0]}
	if len(a) == 2 {
		req.Node = a[1]
	}
	ctx, cancel := context.WithTimeout(ctxOf(c), changeTimeout)
	defer cancel()
	cl, err := dialPacerd(ctx, socketPath(c))
	if err != nil {
		return exitFor(cmd, err)
	}
	defer cl.Close()
	res, err := cl.Admin(ctx, control.OpRscCleanup, req)
	if err != nil {
		return exitFor(cmd, err)
	}
	where := "every node"
	if req.Node != "" {
		where = req.Node
	}
	if len(res.Removed) == 0 {
		fmt.Fprintf(c.App.Writer, "%s: no fail count or failed operation on %s\n", req.Rsc, where)
		return nil
	}
	fmt.Fprintf(c.App.Writer, "%s: cleaned up on %s:\n", req.Rsc, where)
	for _, r := range res.Removed {
		fmt.Fprintf(c.App.Writer, "  removed %s\n", r)
	}
	return nil
}

func resourceLocate(c *cli.Context) error {
	const cmd = "resource locate"
	a, err := args(c, cmd, 1, 1)
	if err != nil {
		return err
	}
	rsc := a[0]
	rep, err := fetchStatus(ctxOf(c), c)
	if err != nil {
		return exitFor(cmd, err)
	}
	r := findResource(rep.Resources, rsc)
	if r == nil {
		return exitFor(cmd, fmt.Errorf("no resource %q", rsc))
	}
	on := runningOn(r)
	if len(on) == 0 {
		fmt.Fprintf(c.App.Writer, "resource %s is NOT running\n", rsc)
		return cli.Exit("", exitWarning)
	}
	fmt.Fprintf(c.App.Writer, "resource %s is running on: %s\n", rsc, strings.Join(on, ", "))
	return nil
}

func resourceFailcount(c *cli.Context) error {
	const cmd = "resource failcount"
	a, err := args(c, cmd, 1, 2)
	if err != nil {
		return err
	}
	rsc := a[0]
	rep, err := fetchStatus(ctxOf(c), c)
	if err != nil {
		return exitFor(cmd, err)
	}
	if findResource(rep.Resources, rsc) == nil {
		return exitFor(cmd, fmt.Errorf("no resource %q", rsc))
	}
	if len(a) == 2 {
		if err := knownNode(rep, a[1]); err != nil {
			return exitFor(cmd, err)
		}
	}
	w := c.App.Writer
	n := 0
	for _, f := range rep.FailCounts {
		if f.Rsc != rsc && !strings.HasPrefix(f.Rsc, rsc+":") || (len(a) == 2 && f.Node != a[1]) {
			continue
		}
		n++
		fmt.Fprintf(w, "%s on %s: fail-count=%s", f.Rsc, f.Node, f.Count)
		if f.MigrationThreshold != "" {
			fmt.Fprintf(w, " migration-threshold=%s", f.MigrationThreshold)
		}
		if !f.LastFailure.IsZero() {
			fmt.Fprintf(w, " last-failure=%s", f.LastFailure.UTC().Format(time.RFC3339))
		}
		switch {
		case !f.Expires.IsZero():
			fmt.Fprintf(w, " expires=%s (failure-timeout %ds)", f.Expires.UTC().Format(time.RFC3339), f.FailureTimeoutS)
		default:
			fmt.Fprint(w, " expires=never (no failure-timeout; pacer resource cleanup clears it)")
		}
		fmt.Fprintln(w)
	}
	if n == 0 {
		where := ""
		if len(a) == 2 {
			where = " on " + a[1]
		}
		fmt.Fprintf(w, "%s: no fail count%s\n", rsc, where)
	}
	return nil
}

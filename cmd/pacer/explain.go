package main

// `pacer explain RSC`: for each node, the resource's allocation score and
// the chain of steps behind it (constraints, stickiness, attributes in
// rules, fail counts, colocations, clone placement), and why it runs or
// does not run there. The data is the scheduler's own
// (Input.Explain, Transition.Explanations): the same scores `pacer
// simulate -s` prints, on the live CIB or on a file.

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"pacer/crm/cib"
	"pacer/crm/scheduler"
)

func explainCommand() *cli.Command {
	return &cli.Command{
		Name:      "explain",
		Usage:     "why a resource runs where it does: its score on each node and the steps that made it",
		ArgsUsage: "RSC",
		Description: "Runs the scheduler, as the DC does, on the live CIB read through the local pacerd (or on a CIB\n" +
			"file with -x FILE or --cib-file), and prints for RSC (a primitive, group, clone, or a clone's\n" +
			"primitive) on each node: the allocation score, whether it runs there now and what the\n" +
			"cluster will do, and why: each step that changed the score (a location constraint and its\n" +
			"rule, resource-stickiness, a fail count that reached migration-threshold, a colocation, a\n" +
			"clone's instance placement), with the score after it. The scores are those `pacer simulate -s`\n" +
			"prints. Nothing is changed.\n\n" +
			"Exit status: 0 explained; 1 error (unknown resource, pacerd unreachable, bad CIB file).\n\n" +
			"Examples:\n  pacer explain web\n  pacer explain --local web      # this node's copy, e.g. cut off from the DC\n" +
			"  pacer explain -x cib.xml web",
		Flags: []cli.Flag{
			schedFileFlag("explain on the CIB in `FILE` (- for stdin) instead of the live cluster"),
			&cli.BoolFlag{Name: "local", Usage: "use this node's applied copy of the CIB instead of a read through the DC"},
			socketFlag(),
		},
		Action: func(c *cli.Context) error {
			if c.Args().Len() != 1 {
				return cli.Exit("pacer explain: want one resource id (see pacer explain --help)", exitError)
			}
			ctx, cancel := context.WithTimeout(ctxOf(c), changeTimeout)
			defer cancel()
			src, err := loadSchedCIB(ctx, schedFile(c), socketPath(c), c.Bool("local"))
			if err != nil {
				return cli.Exit("pacer explain: "+err.Error(), exitError)
			}
			if err := writeExplain(os.Stdout, src, c.Args().First()); err != nil {
				return cli.Exit("pacer explain: "+err.Error(), exitError)
			}
			return nil
		},
	}
}

// findResource returns the configured resource with id, or the primitive
// of a clone whose id it is.
func findConfigured(rs []*cib.Resource, id string) *cib.Resource {
	for _, r := range rs {
		if r.ID == id {
			return r
		}
		if f := findConfigured(r.Children, id); f != nil {
			return f
		}
	}
	return nil
}

func resourceIDs(rs []*cib.Resource) []string {
	var out []string
	var walk func([]*cib.Resource)
	walk = func(rs []*cib.Resource) {
		for _, r := range rs {
			out = append(out, r.ID)
			walk(r.Children)
		}
	}
	walk(rs)
	return out
}

// placement maps each primitive instance to the nodes it is active on.
func placement(st *scheduler.Status) map[string][]string {
	out := map[string][]string{}
	var walk func([]*scheduler.ResourceStatus)
	walk = func(list []*scheduler.ResourceStatus) {
		for _, r := range list {
			if len(r.Children) > 0 {
				walk(r.Children)
				continue
			}
			out[r.ID] = append(out[r.ID], r.Nodes...)
		}
	}
	walk(st.Resources)
	return out
}

// belongs reports whether instance id (rsc, rsc:N, a member) is part of
// the resource the operator named.
func belongs(id string, names map[string]bool) bool {
	if names[id] {
		return true
	}
	if i := strings.LastIndexByte(id, ':'); i > 0 && names[id[:i]] {
		return true
	}
	return false
}

// writeExplain schedules src with explanations and prints rsc's.
func writeExplain(w io.Writer, src *schedCIB, rsc string) error {
	r := findConfigured(src.CIB.Configuration.Resources, rsc)
	if r == nil {
		ids := resourceIDs(src.CIB.Configuration.Resources)
		if len(ids) == 0 {
			return fmt.Errorf("no resource %q: %s has no resources", rsc, src.Source)
		}
		return fmt.Errorf("no resource %q in %s (resources: %s)", rsc, src.Source, strings.Join(ids, ", "))
	}
	t, err := scheduler.Schedule(scheduler.Input{CIB: src.CIB, Now: src.Now, LiveCIB: src.Live, Explain: true})
	if err != nil {
		return fmt.Errorf("schedule %s: %w", src.Source, err)
	}
	names := map[string]bool{}
	for _, id := range resourceIDs([]*cib.Resource{r}) {
		names[id] = true
	}
	now := placement(t.CurrentStatus())
	after := placement(t.RevisedStatus(t.Execute()))

	// The last explanation printed for each instance and node: a clone
	// instance may be assigned, and its score printed, twice.
	type key struct{ rsc, node string }
	last := map[key]scheduler.ScoreExplanation{}
	var order []key
	for _, e := range t.Explanations(rsc) {
		k := key{e.Rsc, e.Node}
		if _, ok := last[k]; !ok {
			order = append(order, k)
		}
		last[k] = e
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: scores from %s at %s\n", rsc, src.Source, t.Now.UTC().Format("2006-01-02 15:04:05Z"))
	if len(order) == 0 {
		fmt.Fprintf(&b, "\n%s has no allocation scores: the scheduler placed none of it (no node can host resources, or it is unmanaged or stopped before placement)\n", rsc)
	}
	// Group by instance, in the order the scheduler assigned them.
	var insts []string
	seen := map[string]bool{}
	for _, k := range order {
		if !seen[k.rsc] {
			seen[k.rsc] = true
			insts = append(insts, k.rsc)
		}
	}
	for _, inst := range insts {
		cur, next := now[inst], after[inst]
		fmt.Fprintf(&b, "\n%s: %s\n", inst, where(cur, next))
		var rows []scheduler.ScoreExplanation
		for _, k := range order {
			if k.rsc == inst {
				rows = append(rows, last[k])
			}
		}
		best := bestNodes(rows, next)
		for _, e := range rows {
			fmt.Fprintf(&b, "  %-12s %-10s %s\n", e.Node, e.Score, verdict(e, cur, next, best))
		}
		for _, e := range rows {
			b.WriteString(indent(e.String(), "    "))
		}
	}
	var fails []string
	for _, f := range t.FailCounts() {
		if !belongs(f.Rsc, names) {
			continue
		}
		exp := "never expires"
		if !f.Expires.IsZero() {
			exp = "expires " + f.Expires.UTC().Format(time.RFC3339)
		}
		fails = append(fails, fmt.Sprintf("  * %s on %s: fail-count=%s migration-threshold=%s (%s)",
			f.Rsc, f.Node, f.Count, f.MigrationThreshold, exp))
	}
	if len(fails) > 0 {
		b.WriteString("\nFail counts (a resource is banned from a node once its count reaches migration-threshold):\n")
		b.WriteString(strings.Join(fails, "\n") + "\n")
	}
	var planned []string
	for _, l := range t.Summary {
		if belongs(l.Rsc, names) {
			s := fmt.Sprintf("%s %s (%s)", l.Change, l.Rsc, l.Details)
			if l.Reason != "" {
				s += " " + l.Reason
			}
			planned = append(planned, s)
		}
	}
	if len(planned) == 0 {
		b.WriteString("\nThe cluster's plan for it: nothing to do\n")
	} else {
		b.WriteString("\nThe cluster's plan for it:\n")
		for _, p := range planned {
			fmt.Fprintf(&b, "  * %s\n", p)
		}
	}
	_, err = io.WriteString(w, b.String())
	return err
}

func indent(s, pre string) string {
	lines := strings.SplitAfter(s, "\n")
	var b strings.Builder
	for _, l := range lines {
		if l != "" {
			b.WriteString(pre + l)
		}
	}
	return b.String()
}

// where says where an instance runs and where it will.
func where(cur, next []string) string {
	switch {
	case len(cur) == 0 && len(next) == 0:
		return "stopped, stays stopped"
	case len(cur) == 0:
		return "stopped, will start on " + strings.Join(next, ", ")
	case len(next) == 0:
		return "running on " + strings.Join(cur, ", ") + ", will stop"
	case strings.Join(cur, ",") == strings.Join(next, ","):
		return "running on " + strings.Join(cur, ", ")
	}
	return "running on " + strings.Join(cur, ", ") + ", will move to " + strings.Join(next, ", ")
}

// bestNodes are the highest-scoring nodes of an instance's rows, for
// "placed elsewhere" explanations, with where it is placed first.
func bestNodes(rows []scheduler.ScoreExplanation, next []string) string {
	if len(next) > 0 {
		var parts []string
		for _, n := range next {
			for _, e := range rows {
				if e.Node == n {
					parts = append(parts, fmt.Sprintf("%s (%s)", n, e.Score))
				}
			}
		}
		if len(parts) > 0 {
			return strings.Join(parts, ", ")
		}
		return strings.Join(next, ", ")
	}
	return ""
}

// verdict says why the instance runs or does not run on e.Node.
func verdict(e scheduler.ScoreExplanation, cur, next []string, best string) string {
	on, will := contains(cur, e.Node), contains(next, e.Node)
	switch {
	case on && will:
		return "runs here and stays"
	case !on && will:
		return "will start here (the best score it may have)"
	case on && !will && len(next) > 0:
		return "runs here now; will move to " + best
	case on && !will:
		if e.Score <= -cib.Score(cib.Infinity) {
			return "runs here now; will stop: cannot run here (" + blocker(e) + ")"
		}
		return "runs here now; will stop (see the plan below)"
	}
	if e.Score <= -cib.Score(cib.Infinity) {
		return "cannot run here: " + blocker(e)
	}
	if len(next) > 0 {
		return "could run here; placed on " + best + " instead"
	}
	if e.Score < 0 {
		return "negative score: not placed here"
	}
	return "could run here, but is not placed anywhere (see the plan below)"
}

// blocker is the step that took the node out of the resource's reach.
func blocker(e scheduler.ScoreExplanation) string {
	for i := len(e.Steps) - 1; i >= 0; i-- {
		s := e.Steps[i]
		if s.After <= -cib.Score(cib.Infinity) && s.Before > -cib.Score(cib.Infinity) || !s.Allowed {
			return s.What
		}
	}
	if !e.StartAllowed {
		return "no constraint allows it (opt-in cluster)"
	}
	if e.Start <= -cib.Score(cib.Infinity) {
		return "the node cannot host resources (offline, standby, unclean or in maintenance)"
	}
	if len(e.Steps) > 0 {
		return e.Steps[len(e.Steps)-1].What
	}
	return "score -INFINITY"
}

package main

// `pacer explain RSC`: for each node, the resource's allocation score and
// the chain of steps behind it (constraints, stickiness, attributes in
// rules, fail counts, colocations, clone placement), and why it runs or
// does not run there. The data is the scheduler's own
// (Input.Explain, Transition.Explanations): the same scores `pacer
// simulate -s` prints, on the live CIB or on a file.

import (
	"context"
	"encoding/json"
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
			"  pacer explain -x cib.xml web\n  pacer explain --json web | jq '.instances[].nodes[] | {node, score, verdict}'",
		Flags: []cli.Flag{
			schedFileFlag("explain on the CIB in `FILE` (- for stdin) instead of the live cluster"),
			&cli.BoolFlag{Name: "local", Usage: "use this node's applied copy of the CIB instead of a read through the DC"},
			&cli.BoolFlag{Name: "json", Usage: "print the pacer-explain/1 JSON document (docs/operator-guide.md)"},
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
			if err := writeExplain(os.Stdout, src, c.Args().First(), c.Bool("json")); err != nil {
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

// Explanation is what pacer explain prints, and its --json document
// (schema pacer-explain/1).
type Explanation struct {
	Schema string    `json:"schema"`
	Rsc    string    `json:"rsc"`
	Source string    `json:"source"`
	Now    time.Time `json:"now"`
	// Instances are the resource's primitive instances (itself, a
	// group's members, a clone's instances) in the order the scheduler
	// placed them.
	Instances  []ExplainedInstance `json:"instances"`
	FailCounts []ExplainedFail     `json:"fail_counts"`
	// Plan is the cluster's Transition Summary lines for the resource.
	Plan []string `json:"plan"`
}

// ExplainedInstance is one primitive instance: where it runs, where it
// will, and its score on each node.
type ExplainedInstance struct {
	ID        string          `json:"id"`
	RunningOn []string        `json:"running_on"`
	WillRunOn []string        `json:"will_run_on"`
	Nodes     []ExplainedNode `json:"nodes"`
}

// ExplainedNode is an instance's score on a node, the verdict, and the
// steps that made the score.
type ExplainedNode struct {
	Node    string `json:"node"`
	Score   string `json:"score"`
	Verdict string `json:"verdict"`
	// Start is the score before any step ("-" in an opt-in cluster,
	// where the node is out of reach until a constraint allows it).
	Start string          `json:"start"`
	Steps []ExplainedStep `json:"steps"`

	e scheduler.ScoreExplanation
}

// ExplainedStep is one change of the score: what made it, the score
// after it, and whether the node is still within reach.
type ExplainedStep struct {
	What    string `json:"what"`
	Score   string `json:"score"`
	Allowed bool   `json:"allowed"`
}

// ExplainedFail is a fail count of the resource.
type ExplainedFail struct {
	Rsc                string     `json:"rsc"`
	Node               string     `json:"node"`
	FailCount          string     `json:"fail_count"`
	MigrationThreshold string     `json:"migration_threshold"`
	LastFailure        *time.Time `json:"last_failure,omitempty"`
	Expires            *time.Time `json:"expires,omitempty"`
}

// explain schedules src with explanations and gathers rsc's.
func explain(src *schedCIB, rsc string) (*Explanation, error) {
	r := findConfigured(src.CIB.Configuration.Resources, rsc)
	if r == nil {
		ids := resourceIDs(src.CIB.Configuration.Resources)
		if len(ids) == 0 {
			return nil, fmt.Errorf("no resource %q: %s has no resources", rsc, src.Source)
		}
		return nil, fmt.Errorf("no resource %q in %s (resources: %s)", rsc, src.Source, strings.Join(ids, ", "))
	}
	t, err := scheduler.Schedule(scheduler.Input{CIB: src.CIB, Now: src.Now, LiveCIB: src.Live, Explain: true})
	if err != nil {
		return nil, fmt.Errorf("schedule %s: %w", src.Source, err)
	}
	names := map[string]bool{}
	for _, id := range resourceIDs([]*cib.Resource{r}) {
		names[id] = true
	}
	now := placement(t.CurrentStatus())
	after := placement(t.RevisedStatus(t.Execute()))
	x := &Explanation{Schema: "pacer-explain/1", Rsc: rsc, Source: src.Source, Now: t.Now.UTC(),
		Instances: []ExplainedInstance{}, FailCounts: []ExplainedFail{}, Plan: []string{}}

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
	// Group by instance, in the order the scheduler assigned them.
	seen := map[string]bool{}
	for _, k := range order {
		if seen[k.rsc] {
			continue
		}
		seen[k.rsc] = true
		inst := ExplainedInstance{ID: k.rsc, RunningOn: orEmpty(now[k.rsc]), WillRunOn: orEmpty(after[k.rsc])}
		var rows []scheduler.ScoreExplanation
		for _, k2 := range order {
			if k2.rsc == k.rsc {
				rows = append(rows, last[k2])
			}
		}
		best := bestNodes(rows, inst.WillRunOn)
		for _, e := range rows {
			n := ExplainedNode{Node: e.Node, Score: e.Score.String(), Verdict: verdict(e, inst.RunningOn, inst.WillRunOn, best),
				Start: "-", Steps: []ExplainedStep{}, e: e}
			if e.StartAllowed {
				n.Start = e.Start.String()
			}
			for _, st := range e.Steps {
				n.Steps = append(n.Steps, ExplainedStep{What: st.What, Score: st.After.String(), Allowed: st.Allowed})
			}
			inst.Nodes = append(inst.Nodes, n)
		}
		x.Instances = append(x.Instances, inst)
	}
	for _, f := range t.FailCounts() {
		if !belongs(f.Rsc, names) {
			continue
		}
		ef := ExplainedFail{Rsc: f.Rsc, Node: f.Node, FailCount: f.Count.String(), MigrationThreshold: f.MigrationThreshold.String()}
		if !f.LastFailure.IsZero() {
			lf := f.LastFailure.UTC()
			ef.LastFailure = &lf
		}
		if !f.Expires.IsZero() {
			ex := f.Expires.UTC()
			ef.Expires = &ex
		}
		x.FailCounts = append(x.FailCounts, ef)
	}
	for _, l := range t.Summary {
		if belongs(l.Rsc, names) {
			s := fmt.Sprintf("%s %s (%s)", l.Change, l.Rsc, l.Details)
			if l.Reason != "" {
				s += " " + l.Reason
			}
			x.Plan = append(x.Plan, s)
		}
	}
	return x, nil
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// writeExplain schedules src with explanations and prints rsc's, as text
// or as the pacer-explain/1 JSON document.
func writeExplain(w io.Writer, src *schedCIB, rsc string, asJSON bool) error {
	x, err := explain(src, rsc)
	if err != nil {
		return err
	}
	if asJSON {
		data, err := json.MarshalIndent(x, "", "  ")
		if err != nil {
			return err
		}
		_, err = w.Write(append(data, '\n'))
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: scores from %s at %s\n", rsc, src.Source, x.Now.Format("2006-01-02 15:04:05Z"))
	if len(x.Instances) == 0 {
		fmt.Fprintf(&b, "\n%s has no allocation scores: the scheduler placed none of it (no node can host resources, or it is unmanaged or stopped before placement)\n", rsc)
	}
	for _, inst := range x.Instances {
		fmt.Fprintf(&b, "\n%s: %s\n", inst.ID, where(inst.RunningOn, inst.WillRunOn))
		for _, n := range inst.Nodes {
			fmt.Fprintf(&b, "  %-12s %-10s %s\n", n.Node, n.Score, n.Verdict)
		}
		for _, n := range inst.Nodes {
			b.WriteString(indent(n.e.String(), "    "))
		}
	}
	if len(x.FailCounts) > 0 {
		b.WriteString("\nFail counts (a resource is banned from a node once its count reaches migration-threshold):\n")
		for _, f := range x.FailCounts {
			exp := "never expires"
			if f.Expires != nil {
				exp = "expires " + f.Expires.Format(time.RFC3339)
			}
			fmt.Fprintf(&b, "  * %s on %s: fail-count=%s migration-threshold=%s (%s)\n", f.Rsc, f.Node, f.FailCount, f.MigrationThreshold, exp)
		}
	}
	if len(x.Plan) == 0 {
		b.WriteString("\nThe cluster's plan for it: nothing to do\n")
	} else {
		b.WriteString("\nThe cluster's plan for it:\n")
		for _, p := range x.Plan {
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

package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"pacer/crm/cib/cibxml"
	"pacer/crm/scheduler"
	"pacer/crm/scheduler/simout"
)

// simulateCommand is `pacer simulate`: run the scheduler offline on a CIB
// file and print what it would do, with crm_simulate's flags and output.
func simulateCommand() *cli.Command {
	return &cli.Command{
		Name:  "simulate",
		Usage: "run the scheduler on a CIB file (like crm_simulate)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "xml-file", Aliases: []string{"x"}, Usage: "CIB XML `FILE` (- for stdin)", Required: true},
			&cli.BoolFlag{Name: "simulate", Aliases: []string{"S"}, Usage: "simulate the transition's execution"},
			&cli.BoolFlag{Name: "show-scores", Aliases: []string{"s"}, Usage: "show allocation scores, then why each resource has its score on each node"},
			&cli.StringSliceFlag{Name: "explain", Usage: "with -s, explain only the scores of resource `RSC` (repeatable; clone instances and group members included)"},
			&cli.BoolFlag{Name: "no-explain", Usage: "with -s, print crm_simulate's allocation scores only"},
			&cli.BoolFlag{Name: "run", Aliases: []string{"R"}, Usage: "compute the transition only"},
		},
		Action: func(c *cli.Context) error {
			opts := simulateOptions{sim: c.Bool("simulate"), scores: c.Bool("show-scores"), runOnly: c.Bool("run"),
				explain: !c.Bool("no-explain"), explainOnly: c.StringSlice("explain")}
			if len(opts.explainOnly) > 0 {
				opts.scores, opts.explain = true, true
			}
			return runSimulate(c.String("xml-file"), opts, os.Stdin, os.Stdout)
		},
	}
}

// simulateOptions are pacer simulate's flags.
type simulateOptions struct {
	sim, scores, runOnly bool
	// explain adds, to -s, why each resource has its score on each
	// node; explainOnly limits that to some resources.
	explain     bool
	explainOnly []string
	// now replaces the wall clock of a CIB without execution-date
	// (tests).
	now time.Time
}

func runSimulate(path string, o simulateOptions, stdin io.Reader, stdout io.Writer) error {
	var in io.Reader = stdin
	name := "stdin"
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("simulate: %w", err)
		}
		defer f.Close()
		in, name = f, path
	}
	c, err := cibxml.Read(in, name)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	// As crm_simulate: "now" is the CIB's execution-date when it has
	// one, else the wall clock (the scheduler itself never reads it).
	input := scheduler.Input{CIB: c, Explain: o.scores && o.explain}
	if c.ExecutionDate == "" {
		input.Now = time.Now().UTC()
		if !o.now.IsZero() {
			input.Now = o.now
		}
	}
	t, err := scheduler.Schedule(input)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	if o.runOnly && !o.sim && !o.scores {
		return nil
	}
	return simout.Write(stdout, t, simout.Options{Simulate: o.sim, Scores: o.scores, Explain: input.Explain, ExplainOnly: o.explainOnly})
}

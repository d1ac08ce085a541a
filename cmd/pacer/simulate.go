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
			&cli.BoolFlag{Name: "show-scores", Aliases: []string{"s"}, Usage: "show allocation scores"},
			&cli.BoolFlag{Name: "run", Aliases: []string{"R"}, Usage: "compute the transition only"},
		},
		Action: func(c *cli.Context) error {
			return runSimulate(c.String("xml-file"), c.Bool("simulate"), c.Bool("show-scores"), c.Bool("run"), os.Stdin, os.Stdout)
		},
	}
}

func runSimulate(path string, sim, scores, runOnly bool, stdin io.Reader, stdout io.Writer) error {
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
	input := scheduler.Input{CIB: c}
	if c.ExecutionDate == "" {
		input.Now = time.Now().UTC()
	}
	t, err := scheduler.Schedule(input)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	if runOnly && !sim && !scores {
		return nil
	}
	return simout.Write(stdout, t, simout.Options{Simulate: sim, Scores: scores})
}

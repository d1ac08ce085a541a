package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/urfave/cli/v2"

	"pacer/crm/cib/cibxml"
	"pacer/crm/scheduler"
	"pacer/crm/scheduler/simout"
)

// simulateCommand is `pacer simulate`: run the scheduler on a CIB file,
// or on the live cluster's CIB, optionally with synthetic events, and
// print what it would do, with crm_simulate's flags and output.
func simulateCommand() *cli.Command {
	return &cli.Command{
		Name:  "simulate",
		Usage: "what the scheduler would do, on a CIB file or the live cluster, with injected events (like crm_simulate)",
		Description: "Runs the scheduler on the CIB of -x FILE (or --cib-file), or with --live on the live cluster's\n" +
			"CIB and membership read through the local pacerd, exactly as the DC would now, and prints\n" +
			"crm_simulate's sections. Nothing is changed: injected events change only the copy simulated.\n\n" +
			"Events (each repeatable), crm_simulate's:\n" +
			"  -d, --node-down NODE   the node left cleanly (its resources are recovered, no fencing)\n" +
			"  -f, --node-fail NODE   the node was lost (unclean: fenced, then recovered)\n" +
			"  -u, --node-up NODE     the node joined\n" +
			"  -i, --op-inject RSC_TASK_INTERVAL@NODE=RC   the operation just returned RC (before scheduling),\n" +
			"                         e.g. web_monitor_10000@alpha=7: web's 10 s monitor found it stopped\n" +
			"  -F, --op-fail RSC_TASK_INTERVAL@NODE=RC     the operation fails with RC when the simulated\n" +
			"                         transition runs it (with -S), e.g. web_start_0@bravo=1\n\n" +
			"-I FILE saves the CIB as it is scheduled (with --live: completed as the DC completes it, with\n" +
			"every member node, quorum and DC), before the events and with its execution-date, so that\n" +
			"pacer simulate -x FILE with the same events prints the same, later or elsewhere (with\n" +
			"crm_simulate's \"Using the original execution date\" line).\n\n" +
			"Exit status: 0 simulated; 1 error (bad CIB, bad event, unknown node or resource, pacerd unreachable).\n\n" +
			"Examples:\n  pacer simulate --live -S\n  pacer simulate --live -S --node-down alpha\n" +
			"  pacer simulate --live -S -I now.xml && pacer simulate -x now.xml -S --node-down alpha\n" +
			"  pacer simulate --live -S -i web_monitor_10000@alpha=7\n  pacer simulate -x cib.xml -s --explain web",
		Flags: []cli.Flag{
			schedFileFlag("CIB XML `FILE` (- for stdin)"),
			&cli.BoolFlag{Name: "live", Aliases: []string{"L"}, Usage: "simulate on the live cluster's CIB, read through the local pacerd"},
			&cli.BoolFlag{Name: "local", Usage: "with --live, use this node's applied copy of the CIB instead of a read through the DC"},
			socketFlag(),
			&cli.BoolFlag{Name: "simulate", Aliases: []string{"S"}, Usage: "simulate the transition's execution"},
			&cli.BoolFlag{Name: "show-scores", Aliases: []string{"s"}, Usage: "show allocation scores, then why each resource has its score on each node"},
			&cli.StringSliceFlag{Name: "explain", Usage: "with -s, explain only the scores of resource `RSC` (repeatable; clone instances and group members included)"},
			&cli.BoolFlag{Name: "no-explain", Usage: "with -s, print crm_simulate's allocation scores only"},
			&cli.BoolFlag{Name: "run", Aliases: []string{"R"}, Usage: "compute the transition only"},
			&cli.StringSliceFlag{Name: "node-up", Aliases: []string{"u"}, Usage: "bring `NODE` online"},
			&cli.StringSliceFlag{Name: "node-down", Aliases: []string{"d"}, Usage: "take `NODE` offline (a clean leave)"},
			&cli.StringSliceFlag{Name: "node-fail", Aliases: []string{"f"}, Usage: "mark `NODE` as failed (unclean: to be fenced)"},
			&cli.StringSliceFlag{Name: "op-inject", Aliases: []string{"i"}, Usage: "record an operation result before scheduling: `SPEC` is RSC_TASK_INTERVAL@NODE=RC"},
			&cli.StringSliceFlag{Name: "op-fail", Aliases: []string{"F"}, Usage: "fail the operation when the simulated transition runs it: `SPEC` is RSC_TASK_INTERVAL@NODE=RC"},
			&cli.StringFlag{Name: "save-input", Aliases: []string{"I"}, Usage: "save the CIB as scheduled (before the events) to `FILE`, for -x later"},
		},
		Action: func(c *cli.Context) error {
			// A one-shot run whose peak is the whole CIB's model: a
			// collection at half the default heap growth lowers the peak
			// by about a tenth for no measurable time (64 x 10000:
			// 870 -> 845 MB). GOGC set by the user wins.
			if os.Getenv("GOGC") == "" {
				debug.SetGCPercent(50)
			}
			opts := simulateOptions{sim: c.Bool("simulate"), scores: c.Bool("show-scores"), runOnly: c.Bool("run"),
				explain: !c.Bool("no-explain"), explainOnly: c.StringSlice("explain")}
			if len(opts.explainOnly) > 0 {
				opts.scores, opts.explain = true, true
			}
			inj, err := parseInjections(c.StringSlice("node-up"), c.StringSlice("node-down"), c.StringSlice("node-fail"),
				c.StringSlice("op-inject"), c.StringSlice("op-fail"))
			if err != nil {
				return cli.Exit("pacer simulate: "+err.Error(), exitError)
			}
			opts.inject = inj
			file := schedFile(c)
			switch {
			case c.Bool("live") && c.String("xml-file") != "":
				return cli.Exit("pacer simulate: --live and -x both given: simulate on the live cluster or on a file", exitError)
			case c.Bool("live"):
				file = ""
			case file == "":
				return cli.Exit("pacer simulate: what to simulate: -x FILE, --cib-file FILE, or --live (see pacer simulate --help)", exitError)
			}
			ctx, cancel := context.WithTimeout(ctxOf(c), changeTimeout)
			defer cancel()
			src, err := loadSchedCIB(ctx, file, socketPath(c), c.Bool("local"))
			if err != nil {
				return cli.Exit("pacer simulate: "+err.Error(), exitError)
			}
			if p := c.String("save-input"); p != "" {
				if err := saveSchedInput(p, src); err != nil {
					return cli.Exit("pacer simulate: --save-input: "+err.Error(), exitError)
				}
			}
			if err := simulate(src, opts, os.Stdout); err != nil {
				return cli.Exit("pacer simulate: "+err.Error(), exitError)
			}
			return nil
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
	// inject are the synthetic events.
	inject injections
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
	src := &schedCIB{CIB: c, Source: name}
	if c.ExecutionDate == "" {
		src.Now = time.Now().UTC()
		if !o.now.IsZero() {
			src.Now = o.now
		}
	}
	return simulate(src, o, stdout)
}

// simulate schedules src, after the injected events, and prints the
// result as crm_simulate does.
func simulate(src *schedCIB, o simulateOptions, stdout io.Writer) error {
	// As crm_simulate: "now" is the CIB's execution-date when it has
	// one, else the wall clock (the scheduler itself never reads it).
	now := src.Now
	var before *scheduler.Status
	var mods []string
	if !o.inject.empty() {
		// The status before the events is printed as the current one:
		// schedule the untouched copy for it.
		t0, err := scheduler.Schedule(scheduler.Input{CIB: src.CIB, Now: now, LiveCIB: src.Live})
		if err != nil {
			return err
		}
		before = t0.CurrentStatus()
		// The scheduler does not change its input, and the status
		// above is computed already: the events change the copy read.
		c := src.CIB
		at := now
		if at.IsZero() {
			at = t0.Now
		}
		if mods, err = o.inject.apply(c, at); err != nil {
			return err
		}
		src = &schedCIB{CIB: c, Source: src.Source, Live: src.Live, Now: now}
	}
	input := scheduler.Input{CIB: src.CIB, Now: now, LiveCIB: src.Live, Explain: o.scores && o.explain}
	t, err := scheduler.Schedule(input)
	if err != nil {
		return err
	}
	if o.runOnly && !o.sim && !o.scores {
		return nil
	}
	return simout.Write(stdout, t, simout.Options{Simulate: o.sim, Scores: o.scores, Explain: input.Explain,
		ExplainOnly: o.explainOnly, Before: before, Modifications: mods, Fail: failer(o.inject.OpFail)})
}

// saveSchedInput writes src's CIB to path as the scheduler will read it
// (crm_simulate's --save-input): with the execution-date of src's "now"
// (to the second) when it has none, so a later pacer simulate -x path
// schedules at the same time. It may hold the cluster's secrets, so the
// file is 0600, written to a temporary file and renamed into place.
func saveSchedInput(path string, src *schedCIB) error {
	b, err := schedInputXML(src)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".pacer-simulate-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// schedInputXML is src's CIB as XML, with the execution-date of src's
// "now" (to the second) when it has none.
func schedInputXML(src *schedCIB) ([]byte, error) {
	c := *src.CIB
	if c.ExecutionDate == "" && !src.Now.IsZero() {
		c.ExecutionDate = strconv.FormatInt(src.Now.Unix(), 10)
	}
	var b bytes.Buffer
	if err := cibxml.Write(&b, &c); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

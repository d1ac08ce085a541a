package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

	"pacer/crm/status"
	"pacer/internal/control"
)

// Exit codes of `pacer status` (docs/operator-guide.md lists them).
const (
	exitStatusOK       = 0 // the status was printed; nothing needs attention
	exitStatusError    = 1 // no status: pacerd unreachable, refused, or bad usage
	exitStatusWarnings = 2 // the status was printed and lists warnings
)

// defaultWatchInterval is how often --watch asks pacerd.
const defaultWatchInterval = 2 * time.Second

func statusCommand() *cli.Command {
	return &cli.Command{
		Name:  "status",
		Usage: "show the cluster's state (like crm_mon -1), or watch it",
		Description: "Asks the local pacerd over its control socket (root and group haclient only) and prints the\n" +
			"cluster name, the DC and quorum, the nodes with their state and heartbeat links, the resources\n" +
			"with their role and node, fail counts and when they expire, failed actions, fencing history,\n" +
			"pending actions and warnings. --json prints the pacer-status/1 document (docs/status-json.md).\n\n" +
			"Exit status: 0 nothing needs attention; 2 printed, with warnings (failed actions, an offline or\n" +
			"UNCLEAN node, no quorum, no DC, a blocked resource, a failed fencing); 1 no status (pacerd\n" +
			"unreachable, permission denied, bad usage). With --watch, 0 once interrupted.\n\n" +
			"Examples:\n  pacer status\n  pacer status --json | jq '.resources[] | {id, role, nodes}'\n" +
			"  pacer status --watch --interval 5s",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print the pacer-status/1 JSON document (one per line with --watch and no tty)"},
			&cli.BoolFlag{Name: "watch", Aliases: []string{"w"}, Usage: "keep printing: redraw on a tty, one snapshot after another otherwise"},
			&cli.DurationFlag{Name: "interval", Value: defaultWatchInterval, Usage: "how often --watch asks pacerd"},
			&cli.StringFlag{Name: "socket", Value: control.SocketPath(), Usage: "pacerd's control socket `PATH` (also $" + control.SocketEnv + ")"},
		},
		Action: runStatus,
	}
}

// statusRun is one invocation's settings and outputs.
type statusRun struct {
	socket   string
	json     bool
	tty      bool
	stdout   io.Writer
	stderr   io.Writer
	location *time.Location
}

func runStatus(c *cli.Context) error {
	if c.Args().Len() > 0 {
		return cli.Exit(fmt.Sprintf("pacer status: unexpected argument %q (see pacer status --help)", c.Args().First()), exitStatusError)
	}
	r := statusRun{socket: c.String("socket"), json: c.Bool("json"), tty: isTerminal(os.Stdout),
		stdout: c.App.Writer, stderr: c.App.ErrWriter, location: time.Local}
	if r.stderr == nil {
		r.stderr = os.Stderr
	}
	if !c.Bool("watch") {
		code, err := r.once(c.Context)
		if err != nil {
			return cli.Exit("pacer status: "+err.Error(), code)
		}
		if code != exitStatusOK {
			return cli.Exit("", code)
		}
		return nil
	}
	interval := c.Duration("interval")
	if interval <= 0 {
		return cli.Exit(fmt.Sprintf("pacer status: --interval %v: want a positive duration, e.g. 2s", interval), exitStatusError)
	}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	r.watch(ctx, interval)
	return nil
}

// fetch asks pacerd for the status document.
func (r statusRun) fetch(ctx context.Context) ([]byte, *status.Report, error) {
	ctx, cancel := context.WithTimeout(ctx, control.DefaultTimeout)
	defer cancel()
	cl, err := control.Dial(ctx, r.socket)
	if err != nil {
		if errors.Is(err, control.ErrPermission) {
			return nil, nil, fmt.Errorf("%v (only root and members of group haclient may ask pacerd)", err)
		}
		return nil, nil, fmt.Errorf("cannot reach pacerd: %v (is pacerd running? --socket or $%s select another socket)", err, control.SocketEnv)
	}
	defer cl.Close()
	doc, err := cl.Status(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("pacerd at %s: %w", r.socket, err)
	}
	rep, err := status.DecodeJSON(doc)
	if err != nil {
		return nil, nil, fmt.Errorf("pacerd at %s: %w", r.socket, err)
	}
	return doc, rep, nil
}

// render writes one snapshot; indent applies to JSON.
func (r statusRun) render(w io.Writer, doc []byte, rep *status.Report, indent bool) error {
	if !r.json {
		return status.WriteText(w, rep, status.TextOptions{Location: r.location})
	}
	// The document as pacerd sent it: a newer pacerd's added fields
	// are kept.
	var b bytes.Buffer
	var err error
	if indent {
		err = json.Indent(&b, doc, "", "  ")
	} else {
		err = json.Compact(&b, doc)
	}
	if err != nil {
		return fmt.Errorf("status document: %w", err)
	}
	b.WriteByte('\n')
	_, err = w.Write(b.Bytes())
	return err
}

// once prints one snapshot and returns the exit code.
func (r statusRun) once(ctx context.Context) (int, error) {
	doc, rep, err := r.fetch(ctx)
	if err != nil {
		return exitStatusError, err
	}
	if err := r.render(r.stdout, doc, rep, true); err != nil {
		return exitStatusError, err
	}
	if len(rep.Warnings) > 0 {
		return exitStatusWarnings, nil
	}
	return exitStatusOK, nil
}

// watch prints a snapshot every interval until ctx is done: on a tty it
// redraws the screen; otherwise it appends, text snapshots separated by a
// line with the time, JSON one document per line. A failed request is
// reported and retried at the next tick.
func (r statusRun) watch(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	first := true
	for {
		doc, rep, err := r.fetch(ctx)
		var out bytes.Buffer
		if r.tty {
			out.WriteString("\x1b[H\x1b[2J") // home, clear
		}
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil:
			if r.tty {
				fmt.Fprintf(&out, "pacer status: %v\n(retrying every %v)\n", err, interval)
			} else {
				fmt.Fprintf(r.stderr, "pacer status: %v\n", err)
			}
		default:
			if !r.tty && !r.json && !first {
				fmt.Fprintf(&out, "\n--- %s\n", time.Now().In(r.location).Format(time.RFC3339))
			}
			if err := r.render(&out, doc, rep, r.tty); err != nil {
				fmt.Fprintf(r.stderr, "pacer status: %v\n", err)
			}
			first = false
		}
		r.stdout.Write(out.Bytes())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// isTerminal reports whether f is a terminal.
func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

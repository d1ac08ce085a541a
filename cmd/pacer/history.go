package main

// `pacer history`: the cluster's decisions and events from every node's
// event journal (docs/decisions/0010-event-journal.md), newest last.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"pacer/crm/cib"
	"pacer/crm/cib/cibxml"
	"pacer/internal/control"
	"pacer/internal/journal"
)

// defaultHistoryLimit is how many events pacer history prints by default.
const defaultHistoryLimit = 200

// historyTimeout bounds a history request: peers' journals come a page
// at a time.
const historyTimeout = 60 * time.Second

func historyCommand() *cli.Command {
	return &cli.Command{
		Name:  "history",
		Usage: "the cluster's decisions and events, newest last, from every node's journal",
		Description: "Asks the local pacerd, which reads its own event journal and every live node's: DC elections,\n" +
			"nodes joining, lost and declared dead, links down, transitions with each action and its reason,\n" +
			"operation results, failed monitors, fencing, configuration changes. Each line: the time (this\n" +
			"machine's zone, from the recording node's clock), the node that recorded it, the kind of event,\n" +
			"the event and its fields. --all prints every journal line (pacerd's log at Info and above).\n\n" +
			"Exit status: 0 printed; 2 printed, but a node's journal could not be read (it is named); 1 error\n" +
			"(pacerd unreachable, bad flag).\n\n" +
			"Examples:\n  pacer history\n  pacer history --resource web --since 2h\n  pacer history --node bravo --limit 50\n" +
			"  pacer history --json | jq -c 'select(.msg == \"action initiated\")'",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "node", Aliases: []string{"n"}, Usage: "events recorded on `NODE` or about it"},
			&cli.StringFlag{Name: "resource", Aliases: []string{"r"}, Usage: "events about `RSC` (a group's members and a clone's instances included)"},
			&cli.StringFlag{Name: "since", Usage: "events since `WHEN`: a duration back from now (30m, 2h) or a time (2026-11-24T01:00:00Z)"},
			&cli.IntFlag{Name: "limit", Value: defaultHistoryLimit, Usage: "print the newest `N` events (0: every one kept)"},
			&cli.BoolFlag{Name: "all", Usage: "every journal line, not only events"},
			&cli.StringSliceFlag{Name: "from", Usage: "read only `NODE`'s journal (repeatable)"},
			&cli.BoolFlag{Name: "json", Usage: "print the journal lines as they are, one JSON object per line"},
			socketFlag(),
		},
		Action: runHistory,
	}
}

// parseSince reads --since: a duration back from now, or a time.
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("--since %s: want a positive duration", s)
		}
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--since %q: want a duration (30m, 2h) or a time (2026-11-24T01:00:00Z, 2026-11-24 01:00:00)", s)
}

func runHistory(c *cli.Context) error {
	if c.Args().Len() > 0 {
		return cli.Exit(fmt.Sprintf("pacer history: unexpected argument %q (see pacer history --help)", c.Args().First()), exitError)
	}
	since, err := parseSince(c.String("since"), time.Now())
	if err != nil {
		return cli.Exit("pacer history: "+err.Error(), exitError)
	}
	limit := c.Int("limit")
	if limit < 0 || limit > control.MaxHistoryLimit {
		return cli.Exit(fmt.Sprintf("pacer history: --limit %d: want 0 to %d", limit, control.MaxHistoryLimit), exitError)
	}
	ctx, cancel := context.WithTimeout(ctxOf(c), historyTimeout)
	defer cancel()
	socket := socketPath(c)
	cl, err := dialPacerd(ctx, socket)
	if err != nil {
		return cli.Exit("pacer history: "+err.Error(), exitError)
	}
	defer cl.Close()
	cl.Timeout = historyTimeout
	args := control.HistoryArgs{Node: c.String("node"), Since: since, All: c.Bool("all"), Limit: limit, From: c.StringSlice("from")}
	if rsc := c.String("resource"); rsc != "" {
		args.Rscs = []string{rsc}
		// A group's members, a clone's primitive: their events are the
		// resource's. An id the configuration no longer has (a deleted
		// resource) is looked for as it is.
		if v, err := cl.GetCIB(ctx, true); err == nil {
			if parsed, err := cibxml.Read(strings.NewReader(v.XML), "live CIB"); err == nil {
				if r := findConfigured(parsed.Configuration.Resources, rsc); r != nil {
					args.Rscs = resourceIDs([]*cib.Resource{r})
				}
			}
		}
	}
	res, err := cl.History(ctx, args)
	if err != nil {
		return cli.Exit(fmt.Sprintf("pacer history: pacerd at %s: %v", socket, err), exitError)
	}
	if err := writeHistory(os.Stdout, res, c.Bool("json"), time.Local); err != nil {
		return cli.Exit("pacer history: "+err.Error(), exitError)
	}
	var warn []string
	for _, n := range res.Nodes {
		if !n.Reached {
			warn = append(warn, fmt.Sprintf("%s's journal not read: %s", n.Name, n.Error))
		}
	}
	if res.Truncated {
		warn = append(warn, "the oldest events were left out (the answer's size limit): narrow with --since, --node or --resource")
	}
	if len(warn) > 0 {
		return cli.Exit("pacer history: "+strings.Join(warn, "; "), exitWarning)
	}
	return nil
}

// fieldOrder puts the fields operators grep first.
var fieldOrder = []string{"node", "rsc", "op", "interval", "rc", "rc_text", "transition", "term", "reason", "duration"}

// writeHistory prints the entries, oldest first: JSON lines as written, or
// one text line each.
func writeHistory(w io.Writer, res control.HistoryResult, asJSON bool, loc *time.Location) error {
	var b strings.Builder
	for _, raw := range res.Entries {
		if asJSON {
			b.Write(raw)
			b.WriteByte('\n')
			continue
		}
		e, err := journal.Decode(raw)
		if err != nil {
			fmt.Fprintf(&b, "(an entry pacer cannot read: %v)\n", err)
			continue
		}
		b.WriteString(historyLine(e, loc))
		b.WriteByte('\n')
	}
	if !asJSON && len(res.Entries) == 0 {
		b.WriteString("no events\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// historyLine is one entry as text: time, recording node, kind, level
// when not info, message, fields.
func historyLine(e journal.Entry, loc *time.Location) string {
	kind := journal.Kind(e.Msg)
	if kind == "" {
		kind = e.Logger
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %-8s %-10s ", e.TS.In(loc).Format("2006-01-02 15:04:05.000"), e.Host, kind)
	if e.Level != "" && e.Level != "info" {
		b.WriteString(strings.ToUpper(e.Level) + " ")
	}
	b.WriteString(e.Msg)
	done := map[string]bool{}
	add := func(k string) {
		v, ok := e.Fields[k]
		if !ok || done[k] {
			return
		}
		done[k] = true
		b.WriteString(" " + k + "=" + fieldText(v))
	}
	for _, k := range fieldOrder {
		add(k)
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		add(k)
	}
	return b.String()
}

// fieldText renders a field's value logfmt-style: bare when it is one
// word, quoted otherwise, JSON for lists and objects.
func fieldText(v any) string {
	switch x := v.(type) {
	case string:
		if x == "" || strings.ContainsAny(x, " \t\"=") {
			return strconv.Quote(x)
		}
		return x
	case json.Number:
		return x.String()
	case nil:
		return "null"
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}

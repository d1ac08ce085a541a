package main

// `pacer report`: the CIB, the status, the scheduler's view, the event
// history and every reachable node's journal (its log at Info and above)
// in one .tar.gz, for a bug report or a post-mortem, as crm_report does
// without ssh: everything comes through the local pacerd.

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"pacer/crm/status"
	"pacer/internal/control"
)

// reportTimeout bounds the whole collection.
const reportTimeout = 2 * time.Minute

func reportCommand() *cli.Command {
	return &cli.Command{
		Name:  "report",
		Usage: "collect the CIB, status, history and every node's journal into one .tar.gz",
		Description: "Asks the local pacerd for the CIB (read through the DC, else this node's copy), the cluster\n" +
			"status, what the scheduler would do now, the event history, and each node's journal (pacerd's\n" +
			"log at Info and above, read from every live node over the cluster's links), and writes them\n" +
			"into one archive: README.txt says what is in it and what could not be collected. Values of\n" +
			"parameters whose name contains passw or secret are masked unless --no-sanitize.\n\n" +
			"Exit status: 0 complete; 2 written, but something could not be collected (a dead node's\n" +
			"journal, no DC): listed on stderr and in README.txt; 1 nothing written (pacerd unreachable,\n" +
			"the output exists without --force).\n\n" +
			"Examples:\n  pacer report\n  pacer report --since 2h -o /tmp/failover.tar.gz\n  pacer report -o - | ssh support@host 'cat > report.tar.gz'",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the archive to `FILE` (- for stdout); default pacer-report-CLUSTER-TIME.tar.gz here"},
			&cli.StringFlag{Name: "since", Usage: "journal lines since `WHEN`: a duration back from now (30m, 2h) or a time"},
			&cli.BoolFlag{Name: "force", Usage: "overwrite the output file"},
			&cli.BoolFlag{Name: "no-sanitize", Usage: "keep passwords and secrets in the archived CIB"},
			socketFlag(),
		},
		Action: runReport,
	}
}

// reportFile is one file of the archive.
type reportFile struct {
	name string
	data []byte
}

// sanitizeRE finds nvpairs whose name says they hold a secret, as
// crm_report's default "passw.*" pattern.
var sanitizeRE = regexp.MustCompile(`(<nvpair\b[^>]*\bname="[^"]*(?i:passw|secret)[^"]*"[^>]*\bvalue=")[^"]*(")`)

func sanitize(xml string) string { return sanitizeRE.ReplaceAllString(xml, "${1}****${2}") }

func runReport(c *cli.Context) error {
	if c.Args().Len() > 0 {
		return cli.Exit(fmt.Sprintf("pacer report: unexpected argument %q (see pacer report --help)", c.Args().First()), exitError)
	}
	now := time.Now()
	since, err := parseSince(c.String("since"), now)
	if err != nil {
		return cli.Exit("pacer report: "+err.Error(), exitError)
	}
	ctx, cancel := context.WithTimeout(ctxOf(c), reportTimeout)
	defer cancel()
	socket := socketPath(c)
	cl, err := dialPacerd(ctx, socket)
	if err != nil {
		return cli.Exit("pacer report: "+err.Error(), exitError)
	}
	defer cl.Close()
	cl.Timeout = historyTimeout
	ni, err := cl.NodeInfo(ctx)
	if err != nil {
		return cli.Exit(fmt.Sprintf("pacer report: pacerd at %s: %v", socket, err), exitError)
	}
	out := c.String("output")
	if out == "" {
		out = fmt.Sprintf("pacer-report-%s-%s.tar.gz", ni.Cluster, now.UTC().Format("20060102-150405"))
	}
	if out != "-" && !c.Bool("force") {
		if _, err := os.Stat(out); err == nil {
			return cli.Exit(fmt.Sprintf("pacer report: %s exists: choose another -o FILE, or --force to overwrite it", out), exitError)
		}
	}
	files, problems := collectReport(ctx, cl, ni, since, !c.Bool("no-sanitize"), now)
	dir := fmt.Sprintf("pacer-report-%s-%s", ni.Cluster, now.UTC().Format("20060102-150405"))
	if err := writeArchive(out, dir, files, now); err != nil {
		return cli.Exit("pacer report: "+err.Error(), exitError)
	}
	if out != "-" {
		fmt.Fprintf(c.App.ErrWriter, "report written to %s (%d files)\n", out, len(files))
	}
	if len(problems) > 0 {
		return cli.Exit("pacer report: not collected: "+strings.Join(problems, "; "), exitWarning)
	}
	return nil
}

// collectReport gathers the archive's files, and what could not be had.
func collectReport(ctx context.Context, cl *control.Client, ni control.NodeInfo, since time.Time, sanitizeCIB bool, now time.Time) ([]reportFile, []string) {
	var files []reportFile
	var problems []string
	add := func(name string, data []byte) { files = append(files, reportFile{name, data}) }
	addJSON := func(name string, v any) {
		data, err := json.MarshalIndent(v, "", "  ")
		if err == nil {
			add(name, append(data, '\n'))
		}
	}
	addJSON("node-info.json", ni)

	// The CIB: the newest through the DC; without a DC, this node's copy.
	cibNote := "read through the DC (linearizable)"
	v, err := cl.GetCIB(ctx, false)
	if err != nil {
		problems = append(problems, "the CIB through the DC: "+err.Error()+" (this node's copy is in cib.xml)")
		cibNote = "this node's copy (no read through the DC: " + err.Error() + ")"
		v, err = cl.GetCIB(ctx, true)
	}
	if err != nil {
		problems = append(problems, "the CIB: "+err.Error())
	} else {
		xml := v.XML
		if sanitizeCIB {
			xml = sanitize(xml)
		}
		add("cib.xml", []byte(xml))
		// What the scheduler would do now, on that CIB.
		if src, err := liveSource(xml, ni, now); err == nil {
			// the same CIB completed as the DC schedules it, to replay
			// with pacer simulate -x (before simulate: the events of a
			// later replay must start from it untouched)
			if in, err := schedInputXML(src); err == nil {
				add("simulate-input.xml", in)
			} else {
				problems = append(problems, "simulate-input.xml: "+err.Error())
			}
			var b bytes.Buffer
			if err := simulate(src, simulateOptions{sim: true, scores: true, explain: true}, &b); err == nil {
				add("simulate.txt", b.Bytes())
			} else {
				problems = append(problems, "simulate: "+err.Error())
			}
		}
	}

	if doc, err := cl.Status(ctx); err != nil {
		problems = append(problems, "status: "+err.Error())
	} else {
		var ind bytes.Buffer
		if json.Indent(&ind, doc, "", "  ") == nil {
			ind.WriteByte('\n')
			add("status.json", ind.Bytes())
		}
		if rep, err := status.DecodeJSON(doc); err == nil {
			var b bytes.Buffer
			if status.WriteText(&b, rep, status.TextOptions{Location: time.UTC}) == nil {
				add("status.txt", b.Bytes())
			}
		}
	}

	// The events of every node, merged, as pacer history prints them.
	if res, err := cl.History(ctx, control.HistoryArgs{Since: since}); err != nil {
		problems = append(problems, "history: "+err.Error())
	} else {
		var b bytes.Buffer
		if writeHistory(&b, res, false, time.UTC) == nil {
			add("history.txt", b.Bytes())
		}
	}
	// Each node's whole journal, one request per node.
	nodes := []string{ni.Name}
	for _, m := range ni.Members {
		if m.Name != ni.Name {
			nodes = append(nodes, m.Name)
		}
	}
	for _, n := range nodes {
		res, err := cl.History(ctx, control.HistoryArgs{All: true, Since: since, From: []string{n}})
		if err != nil {
			problems = append(problems, n+"'s journal: "+err.Error())
			continue
		}
		reached := false
		for _, hn := range res.Nodes {
			if hn.Name == n && hn.Reached {
				reached = true
			} else if hn.Name == n {
				problems = append(problems, n+"'s journal: "+hn.Error)
			}
		}
		if !reached {
			continue
		}
		var b bytes.Buffer
		for _, e := range res.Entries {
			b.Write(e)
			b.WriteByte('\n')
		}
		add(filepath.Join("nodes", n, "journal.jsonl"), b.Bytes())
		if res.Truncated {
			problems = append(problems, n+"'s journal: the oldest lines were left out (size limit)")
		}
	}

	var readme strings.Builder
	fmt.Fprintf(&readme, "pacer report of cluster %s, made %s on %s (DC: %s, term %d, quorum: %v)\n\n",
		ni.Cluster, now.UTC().Format(time.RFC3339), ni.Name, orNone(ni.DC), ni.Term, ni.Quorum)
	readme.WriteString("node-info.json     this node, the members and what it believes of them, the raft configuration\n" +
		"cib.xml            the CIB, configuration and status; " + cibNote + "\n" +
		"simulate.txt       pacer simulate --live -S -s on that CIB: what the scheduler would do now, and why\n" +
		"simulate-input.xml that CIB as the scheduler read it (nodes, quorum, DC, execution-date): replay it\n" +
		"                   with pacer simulate -x simulate-input.xml -S -s, add events to ask what if\n" +
		"status.json/.txt   pacer status --json, and its text (times in UTC)\n" +
		"history.txt        pacer history: the events of every reachable node, oldest first (UTC)\n" +
		"nodes/NODE/journal.jsonl   each reachable node's journal: pacerd's log at Info and above, one JSON object a line\n")
	if sanitizeCIB {
		readme.WriteString("\nValues of parameters named *passw* or *secret* in cib.xml and simulate-input.xml are masked (****).\n")
	}
	if !since.IsZero() {
		fmt.Fprintf(&readme, "\nEvents and journal lines since %s.\n", since.UTC().Format(time.RFC3339))
	}
	if len(problems) > 0 {
		readme.WriteString("\nNot collected:\n")
		for _, p := range problems {
			readme.WriteString("  * " + p + "\n")
		}
	}
	files = append([]reportFile{{"README.txt", []byte(readme.String())}}, files...)
	return files, problems
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// liveSource is a schedCIB of the live CIB's XML, completed as the DC does.
func liveSource(xml string, ni control.NodeInfo, now time.Time) (*schedCIB, error) {
	c, err := readCIBString(xml)
	if err != nil {
		return nil, err
	}
	liveSchedulerInput(c, ni)
	return &schedCIB{CIB: c, Source: "live CIB", Live: true, Now: now.UTC()}, nil
}

// writeArchive writes files under dir into a .tar.gz at path (- for
// stdout): to a temporary file renamed into place, so a failed report
// leaves nothing half written.
func writeArchive(path, dir string, files []reportFile, now time.Time) error {
	var w io.Writer = os.Stdout
	var tmp *os.File
	if path != "-" {
		var err error
		tmp, err = os.CreateTemp(filepath.Dir(path), ".pacer-report-*")
		if err != nil {
			return err
		}
		defer func() {
			if tmp != nil {
				tmp.Close()
				os.Remove(tmp.Name())
			}
		}()
		w = tmp
	}
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	for _, f := range files {
		hdr := &tar.Header{Name: filepath.ToSlash(filepath.Join(dir, f.name)), Mode: 0o600, Size: int64(len(f.data)), ModTime: now, Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("archive %s: %w", f.name, err)
		}
		if _, err := tw.Write(f.data); err != nil {
			return fmt.Errorf("archive %s: %w", f.name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := gz.Close(); err != nil {
		return err
	}
	if tmp == nil {
		return nil
	}
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	tmp = nil
	return nil
}

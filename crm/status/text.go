package status

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"pacer/crm/scheduler"
	"pacer/crm/scheduler/simout"
)

// TextOptions tune the text form.
type TextOptions struct {
	// Location is the time zone times are shown in; nil is UTC.
	Location *time.Location
}

// crm_mon's time format ("Mon Nov 23 23:39:16 2026").
const timeFormat = "Mon Jan _2 15:04:05 2006"

func (o TextOptions) time(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format(timeFormat)
}

// WriteText prints the report in crm_mon -1's layout, with pacer's
// additions: the heartbeat links, when fail counts expire, the pending
// actions and the warnings.
func WriteText(w io.Writer, r *Report, o TextOptions) error {
	var b strings.Builder
	if r.Cluster != "" {
		fmt.Fprintf(&b, "Cluster name: %s\n", r.Cluster)
	}
	b.WriteString("Cluster Summary:\n  * Stack: pacer\n")
	quorum := "partition WITHOUT quorum"
	if r.Quorum {
		quorum = "partition with quorum"
	}
	if r.DC != nil {
		fmt.Fprintf(&b, "  * Current DC: %s (%d) (term %d) - %s\n", r.DC.Name, r.DC.ID, r.DC.Term, quorum)
	} else {
		fmt.Fprintf(&b, "  * Current DC: NONE - %s\n", quorum)
	}
	fmt.Fprintf(&b, "  * Last updated: %s", o.time(r.Generated))
	if r.Node != "" {
		fmt.Fprintf(&b, " on %s", r.Node)
	}
	b.WriteString("\n")
	src := ""
	if r.CIB.Source != "" {
		src = " (" + r.CIB.Source + " copy)"
	}
	fmt.Fprintf(&b, "  * CIB version: %d.%d.%d%s\n", r.CIB.AdminEpoch, r.CIB.Epoch, r.CIB.NumUpdates, src)
	instances := 0
	var count func([]*Resource)
	count = func(list []*Resource) {
		for _, x := range list {
			if x.Kind == KindPrimitive {
				instances++
			}
			count(x.Items)
		}
	}
	count(r.Resources)
	fmt.Fprintf(&b, "  * %d node%s configured\n  * %d resource instance%s configured\n", len(r.Nodes), plural(len(r.Nodes)),
		instances, plural(instances))
	if !r.StonithEnabled {
		b.WriteString("  * STONITH is disabled\n")
	}
	if r.MaintenanceMode {
		b.WriteString("  * Resource management is DISABLED: maintenance-mode is on\n")
	}

	b.WriteString("\nNode List:\n")
	writeNodes(&b, r)

	b.WriteString("\nFull List of Resources:\n")
	if len(r.Resources) == 0 {
		b.WriteString("  * No resources\n")
	}
	list := make([]*scheduler.ResourceStatus, len(r.Resources))
	for i, x := range r.Resources {
		list[i] = toScheduler(x)
	}
	simout.WriteResources(&b, list, "  ")

	if len(r.CLIConstraints) > 0 {
		b.WriteString("\nMove and Ban Constraints (pacer resource clear RSC removes them):\n")
		for _, c := range r.CLIConstraints {
			verb := "prefers"
			if c.Kind == "ban" {
				verb = "banned from"
			}
			fmt.Fprintf(&b, "  * %s: %s %s %s (%s)", c.ID, c.Rsc, verb, c.Node, c.Score)
			if c.Expires.IsZero() {
				b.WriteString(" until removed\n")
			} else {
				fmt.Fprintf(&b, " until '%s'\n", o.time(c.Expires))
			}
		}
	}

	writeLinks(&b, r, o)

	if len(r.FailCounts) > 0 {
		b.WriteString("\nMigration Summary:\n")
		node := ""
		for _, f := range r.FailCounts {
			if f.Node != node {
				node = f.Node
				fmt.Fprintf(&b, "  * Node: %s:\n", node)
			}
			fmt.Fprintf(&b, "    * %s: migration-threshold=%s fail-count=%s last-failure='%s'", f.Rsc, f.MigrationThreshold, f.Count, o.time(f.LastFailure))
			if !f.Expires.IsZero() {
				fmt.Fprintf(&b, " expires='%s'", o.time(f.Expires))
			} else {
				b.WriteString(" expires=never")
			}
			b.WriteString("\n")
		}
	}

	if len(r.FailedActions) > 0 {
		b.WriteString("\nFailed Resource Actions:\n")
		for _, f := range r.FailedActions {
			fmt.Fprintf(&b, "  * %s on %s '%s' (%d): call=%d, status='%s', exitreason='%s', last-rc-change='%s', queued=%dms, exec=%dms\n",
				f.Key, f.Node, f.Text, f.RC, f.CallID, f.Status, f.ExitReason, o.time(f.LastChange), f.QueueMS, f.ExecMS)
		}
	}

	b.WriteString("\nFencing History:\n")
	switch {
	case r.Fencing == nil:
		b.WriteString("  * not known: this pacerd keeps no fencing history yet\n")
	case len(r.Fencing) == 0:
		b.WriteString("  * none\n")
	}
	// Newest first, as crm_mon lists it.
	for i := len(r.Fencing) - 1; i >= 0; i-- {
		writeFence(&b, r.Fencing[i], o)
	}

	b.WriteString("\nPending Actions:\n")
	switch {
	case r.PendingActions == nil:
		b.WriteString("  * not known: this pacerd does not track dispatched actions yet\n")
	case len(r.PendingActions) == 0:
		b.WriteString("  * none\n")
	}
	for _, p := range r.PendingActions {
		task := p.Task
		if p.IntervalMS > 0 {
			task = fmt.Sprintf("%s (interval %s)", p.Task, time.Duration(p.IntervalMS)*time.Millisecond)
		}
		what := task
		if p.Rsc != "" {
			what = p.Rsc + " " + task
		}
		fmt.Fprintf(&b, "  * %s on %s", what, p.Node)
		if !p.Since.IsZero() {
			fmt.Fprintf(&b, " since '%s'", o.time(p.Since))
		}
		if p.Transition != "" {
			fmt.Fprintf(&b, " (transition %s)", p.Transition)
		}
		b.WriteString("\n")
	}

	if len(r.Warnings) > 0 {
		b.WriteString("\nWarnings:\n")
		for _, x := range r.Warnings {
			fmt.Fprintf(&b, "  * %s\n", x)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeNodes lists the nodes as crm_mon does: the plain online and
// offline ones collapsed, the others one per line with their state.
func writeNodes(b *strings.Builder, r *Report) {
	var online, offline []string
	for _, n := range r.Nodes {
		var state string
		switch {
		case n.Unclean:
			switch {
			case n.Online:
				state = "UNCLEAN (online)"
			case n.Pending:
				state = "UNCLEAN (pending)"
			default:
				state = "UNCLEAN (offline)"
			}
		case n.Pending:
			state = "pending"
		case n.Standby:
			switch {
			case !n.Online:
				state = "OFFLINE (standby)"
			case n.ResourcesRunning > 0:
				state = "standby (with active resources)"
			default:
				state = "standby"
			}
		case n.Maintenance:
			state = "maintenance"
			if !n.Online {
				state = "OFFLINE (maintenance)"
			}
		}
		switch {
		case state != "":
			fmt.Fprintf(b, "  * Node %s: %s\n", n.Name, state)
		case n.Online:
			online = append(online, n.Name)
		default:
			offline = append(offline, n.Name)
		}
	}
	if len(online) > 0 {
		fmt.Fprintf(b, "  * Online: [ %s ]\n", strings.Join(online, " "))
	}
	if len(offline) > 0 {
		fmt.Fprintf(b, "  * OFFLINE: [ %s ]\n", strings.Join(offline, " "))
	}
}

// writeLinks is pacer's: what heartbeat membership says of each peer and
// each link to it. Nothing when membership is not known.
func writeLinks(b *strings.Builder, r *Report, o TextOptions) {
	any := false
	for _, n := range r.Nodes {
		if n.Membership != "" {
			any = true
		}
	}
	if !any {
		return
	}
	b.WriteString("\nHeartbeat Links:\n")
	for _, n := range r.Nodes {
		if n.Membership == "" {
			continue
		}
		if n.Name == r.Node {
			fmt.Fprintf(b, "  * %s: this node\n", n.Name)
			continue
		}
		var links []string
		for _, l := range n.Links {
			s := l.Name + " " + l.State
			if !l.Heard.IsZero() && l.State != MemberUp {
				s += " (last heard '" + o.time(l.Heard) + "')"
			}
			links = append(links, s)
		}
		line := fmt.Sprintf("  * %s: %s", n.Name, n.Membership)
		if len(links) > 0 {
			line += " via " + strings.Join(links, ", ")
		}
		b.WriteString(line + "\n")
	}
}

func writeFence(b *strings.Builder, f FenceEvent, o TextOptions) {
	switch f.State {
	case FenceSuccess:
		fmt.Fprintf(b, "  * %s of %s successful: delegate=%s, origin=%s, completed='%s'", f.Action, f.Target, f.Executor, f.Origin, o.time(f.Completed))
	case FenceFailed:
		fmt.Fprintf(b, "  * %s of %s failed: delegate=%s, origin=%s, last-failed='%s'", f.Action, f.Target, f.Executor, f.Origin, o.time(f.Completed))
		if f.Error != "" {
			fmt.Fprintf(b, ", error='%s'", f.Error)
		}
	default:
		fmt.Fprintf(b, "  * %s of %s pending: origin=%s, started='%s'", f.Action, f.Target, f.Origin, o.time(f.Started))
	}
	if len(f.Devices) > 0 {
		fmt.Fprintf(b, ", devices=%s", strings.Join(f.Devices, ","))
	}
	if f.Reason != "" {
		fmt.Fprintf(b, ", reason='%s'", f.Reason)
	}
	b.WriteString("\n")
}

// WriteJSON prints the report as the pacer-status/1 document, indented
// when indent is set, else on one line (one document per line when
// watching).
func WriteJSON(w io.Writer, r *Report, indent bool) error {
	enc := json.NewEncoder(w)
	if indent {
		enc.SetIndent("", "  ")
	}
	return enc.Encode(r)
}

// DecodeJSON reads a pacer-status document, refusing other schemas.
func DecodeJSON(data []byte) (*Report, error) {
	var head struct {
		Schema string `json:"schema"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("status document: %w", err)
	}
	if head.Schema != Schema {
		return nil, fmt.Errorf("status document: schema %q, this pacer reads %q", head.Schema, Schema)
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("status document: %w", err)
	}
	return &r, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Package simout prints a scheduler transition the way crm_simulate 2.1.5
// does: the cluster status, the Transition Summary, the simulated
// execution and the allocation scores.
package simout

import (
	"fmt"
	"io"
	"strings"

	"pacer/crm/cib"
	"pacer/crm/scheduler"
)

// Options selects what Write prints.
type Options struct {
	Simulate bool // -S: the four sections
	Scores   bool // -s: allocation scores
	// Explain follows the scores with why each resource has its score
	// on each node (the transition must have been scheduled with
	// Input.Explain); ExplainOnly limits that to some resources.
	Explain     bool
	ExplainOnly []string
	// Before is the status printed as the current one when the CIB was
	// changed before scheduling (crm_simulate's injections: a node
	// down, an operation result), and Modifications lists the changes,
	// printed as "Performing Requested Modifications".
	Before        *scheduler.Status
	Modifications []string
	// Fail makes an action fail, with rc, when the simulated transition
	// runs it (crm_simulate's --op-fail); nil: every action succeeds.
	Fail func(a *scheduler.Action) (rc int, fails bool)
}

// Write prints t to w.
func Write(w io.Writer, t *scheduler.Transition, o Options) error {
	var b strings.Builder
	date := ""
	if t.ExecutionDate {
		date = "Using the original execution date of: " + t.Now.UTC().Format("2006-01-02 15:04:05Z") + "\n"
	}
	b.WriteString(date)
	if t.Disabled > 0 || t.Blocked > 0 {
		fmt.Fprintf(&b, "%d of %d resource instances DISABLED and %d BLOCKED from further action due to failure\n\n",
			t.Disabled, t.Instances, t.Blocked)
	}
	b.WriteString("Current cluster status:\n")
	if o.Before != nil {
		writeStatus(&b, o.Before)
	} else {
		writeStatus(&b, t.CurrentStatus())
	}
	b.WriteString("\n")
	if len(o.Modifications) > 0 {
		b.WriteString("Performing Requested Modifications:\n")
		for _, m := range o.Modifications {
			fmt.Fprintf(&b, "  * %s\n", m)
		}
		b.WriteString("\n")
	}
	if o.Scores {
		b.WriteString("Allocation scores:\n")
		for _, s := range t.Scores() {
			if s.Stage == "promotion" {
				fmt.Fprintf(&b, "%s promotion score on %s: %s\n", s.Rsc, s.Node, s.Score)
				continue
			}
			fmt.Fprintf(&b, "%s: %s allocation score on %s: %s\n", s.Stage, s.Rsc, s.Node, s.Score)
		}
		b.WriteString("\n")
		if o.Explain {
			// pacer's addition to crm_simulate's output: how each
			// pcmk__primitive_assign score above came about.
			b.WriteString("Allocation score explanations:\n")
			for _, e := range t.Explanations(o.ExplainOnly...) {
				b.WriteString(e.String())
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("Transition Summary:\n")
	for _, c := range t.NodeChanges {
		if c.Reason != "" {
			fmt.Fprintf(&b, "  * %s %s '%s'\n", c.Action, c.Node, c.Reason)
		} else {
			fmt.Fprintf(&b, "  * %s %s\n", c.Action, c.Node)
		}
	}
	WriteSummary(&b, t.Summary)
	if o.Simulate {
		b.WriteString("\nExecuting Cluster Transition:\n")
		var fails func(*scheduler.Action) bool
		rcs := map[*scheduler.Action]int{}
		if o.Fail != nil {
			fails = func(a *scheduler.Action) bool {
				rc, f := o.Fail(a)
				if f {
					rcs[a] = rc
				}
				return f
			}
		}
		executed, failed := t.ExecuteFailing(fails)
		for _, a := range executed {
			b.WriteString(actionLine(a))
			if rc, f := rcs[a]; f {
				fmt.Fprintf(&b, "  * Pretending action %s on %s failed with rc=%d\n", a.Key, a.Node, rc)
			}
		}
		b.WriteString(date)
		b.WriteString("\n")
		b.WriteString("Revised Cluster Status:\n")
		writeStatus(&b, t.RevisedStatusFailing(executed, failed))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteSummary prints Transition Summary lines with crm_simulate's column
// widths. Those are static in Pacemaker's formatter and only grow; the
// scheduler logs the same lines before they are printed, so the printed
// ones start from the widths the logged pass ended with.
func WriteSummary(b *strings.Builder, lines []scheduler.SummaryLine) {
	rscW, detW := 5, 5
	for pass := 0; pass < 2; pass++ {
		for _, l := range lines {
			if len(l.Rsc) > rscW {
				rscW = len(l.Rsc) + 2
			}
			if len(l.Details) > detW {
				detW = len(l.Details)
			}
			if pass == 0 {
				continue
			}
			reason := ""
			if l.Reason != "" {
				reason = "  " + l.Reason
			}
			fmt.Fprintf(b, "  * %-8s   %-*s   ( %*s )%s\n", l.Change, rscW, l.Rsc, detW, l.Details, reason)
		}
	}
}

func actionLine(a *scheduler.Action) string {
	switch a.Kind {
	case scheduler.PseudoAction:
		if a.HistoryKey != "" {
			return fmt.Sprintf("  * Pseudo action:   %s\n", a.HistoryKey)
		}
		return fmt.Sprintf("  * Pseudo action:   %s\n", a.Key)
	case scheduler.ClusterAction:
		if a.Rsc != "" {
			return fmt.Sprintf("  * Cluster action:  %s for %s on %s\n", a.Task, a.RscName, a.Node)
		}
		return fmt.Sprintf("  * Cluster action:  %s on %s\n", a.Task, a.Node)
	case scheduler.FenceAction:
		return fmt.Sprintf("  * Fencing %s (%s)\n", a.Node, a.Task)
	}
	task := a.Task
	if a.Interval > 0 {
		task = fmt.Sprintf("%s=%d", a.Task, a.Interval.Milliseconds())
	}
	name := a.RscName
	if name == "" {
		name = a.Rsc
	}
	return fmt.Sprintf("  * Resource action: %-15s %s on %s\n", name, task, a.Node)
}

func writeStatus(b *strings.Builder, st *scheduler.Status) {
	b.WriteString("  * Node List:\n")
	var online, offline []string
	running := map[string]bool{}
	var mark func(list []*scheduler.ResourceStatus)
	mark = func(list []*scheduler.ResourceStatus) {
		for _, r := range list {
			for _, n := range r.Nodes {
				running[n] = true
			}
			mark(r.Children)
		}
	}
	mark(st.Resources)
	for _, n := range st.Nodes {
		var state string
		switch {
		case n.Unclean:
			if n.Online {
				state = "UNCLEAN (online)"
			} else if n.Pending {
				state = "UNCLEAN (pending)"
			} else {
				state = "UNCLEAN (offline)"
			}
		case n.Pending:
			state = "pending"
		case n.Standby:
			if n.Online {
				state = "standby"
				if running[n.Name] {
					state = "standby (with active resources)"
				}
			} else {
				state = "OFFLINE (standby)"
			}
		case n.Maintenance:
			if n.Online {
				state = "maintenance"
			} else {
				state = "OFFLINE (maintenance)"
			}
		}
		switch {
		case state != "":
			fmt.Fprintf(b, "    * Node %s: %s\n", n.Name, state)
		case n.Online:
			online = append(online, n.Name)
		default:
			offline = append(offline, n.Name)
		}
	}
	if len(online) > 0 {
		fmt.Fprintf(b, "    * Online: [ %s ]\n", strings.Join(online, " "))
	}
	if len(offline) > 0 {
		fmt.Fprintf(b, "    * OFFLINE: [ %s ]\n", strings.Join(offline, " "))
	}
	b.WriteString("\n  * Full List of Resources:\n")
	shown := 0
	for _, r := range st.Resources {
		if hasNoNodeOfItsOwn(r) {
			continue
		}
		writeResource(b, r, "    ", nil)
		shown++
	}
	if shown == 0 {
		b.WriteString("    * No resources\n")
	}
}

// hasNoNodeOfItsOwn is crm_mon's rule for the resource list: a partially
// active group or clone that runs on none of the nodes shown is left out.
// Its own node list lacks the nodes of members that are unmanaged on a
// node that is down (a clone whose only active instance is blocked there
// is not listed at all).
func hasNoNodeOfItsOwn(r *scheduler.ResourceStatus) bool {
	if len(r.Children) == 0 {
		return false
	}
	active, own := false, false
	var walk func(x *scheduler.ResourceStatus)
	walk = func(x *scheduler.ResourceStatus) {
		if len(x.Children) == 0 {
			if len(x.Nodes) > 0 {
				active = true
				if !x.DownUnmanaged {
					own = true
				}
			}
			return
		}
		for _, c := range x.Children {
			walk(c)
		}
	}
	walk(r)
	return active && !own
}

func agent(r *scheduler.ResourceStatus) string {
	if r.Provider != "" {
		return r.Class + ":" + r.Provider + ":" + r.Type
	}
	return r.Class + ":" + r.Type
}

// writeClone prints a clone set as pe__clone_default does: a unique
// clone lists every instance; an anonymous one collapses its healthy
// started instances into "Started: [ ... ]" and lists the nodes it is
// not active on as Stopped.
func writeClone(b *strings.Builder, r *scheduler.ResourceStatus, indent string) {
	var flags []string
	if r.Promotable {
		flags = append(flags, "promotable")
	}
	if r.Unique {
		flags = append(flags, "unique")
	}
	if !r.Managed {
		flags = append(flags, "unmanaged")
	}
	if r.TargetRole == cib.RoleStopped {
		flags = append(flags, "disabled")
	}
	f := ""
	if len(flags) > 0 {
		f = " (" + strings.Join(flags, ", ") + ")"
	}
	fmt.Fprintf(b, "%s* Clone Set: %s [%s]%s:\n", indent, r.ID, r.Base, f)
	in := indent + "  "
	if r.Unique {
		for _, c := range r.Children {
			writeResource(b, c, in, r)
		}
		return
	}
	active := map[string]bool{}
	var startedOn, promotedOn []string
	activeInstances := 0
	for _, c := range r.Children {
		inst := instanceView(c)
		if !c.DownUnmanaged {
			// The clone's own node list (pe__clone_default's
			// Stopped list leaves out only those).
			for _, n := range inst.Nodes {
				active[n] = true
			}
		}
		// Only the instances in the Promoted and Started lists count
		// as active for the Stopped list (pe__clone_default): one
		// shown on its own (failed, unmanaged, orphaned, partial)
		// does not.
		switch {
		case c.Pending != "" && !(c.Pending == "monitor" && c.PendingInterval == 0) && len(c.Children) == 0:
			// pe__clone_default with pending shown: an instance with an
			// operation in flight (not a probe) is shown on its own.
			writeResource(b, c, in, r)
		case len(inst.Nodes) == 0:
		case inst.partial:
			writeResource(b, c, in, r)
		case inst.Unclean:
			// Active on a node that is offline and unclean: shown on
			// its own (pe__clone_default).
			writeResource(b, c, in, r)
		case len(inst.Nodes) == 1 && !inst.Failed && !inst.Orphan && inst.Managed && !inst.Blocked && r.Promotable && inst.Role == cib.RolePromoted:
			promotedOn = append(promotedOn, inst.Nodes[0])
			activeInstances++
		case len(inst.Nodes) == 1 && !inst.Failed && !inst.Orphan && inst.Managed && !inst.Blocked && (inst.Role == cib.RoleStarted || (r.Promotable && inst.Role == cib.RoleUnpromoted)):
			startedOn = append(startedOn, inst.Nodes[0])
			activeInstances++
		default:
			writeResource(b, c, in, r)
		}
	}
	if len(promotedOn) > 0 {
		fmt.Fprintf(b, "%s* Promoted: [ %s ]\n", in, strings.Join(nodeOrder(r.AllNodes, promotedOn), " "))
	}
	if len(startedOn) > 0 {
		label := "Started"
		if r.Promotable {
			label = "Unpromoted" // a promotable clone's started instances
		}
		fmt.Fprintf(b, "%s* %s: [ %s ]\n", in, label, strings.Join(nodeOrder(r.AllNodes, startedOn), " "))
	}
	var stopped []string
	for _, n := range r.AllNodes {
		if activeInstances >= r.Max {
			break // every instance is active: no Stopped list
		}
		if !active[n] {
			stopped = append(stopped, n)
		}
	}
	if len(stopped) > 0 {
		label := "Stopped"
		if r.TargetRole == cib.RoleStopped {
			label = "Stopped (disabled)"
		}
		fmt.Fprintf(b, "%s* %s: [ %s ]\n", in, label, strings.Join(stopped, " "))
	}
}

// instance is how a clone instance shows in the collapsed lists: a
// cloned group's instance counts as active on a node only when every
// member is active there and nowhere else (partial otherwise).
type instance struct {
	scheduler.ResourceStatus
	partial bool
}

func instanceView(c *scheduler.ResourceStatus) instance {
	if !c.Group {
		return instance{ResourceStatus: *c}
	}
	v := instance{ResourceStatus: scheduler.ResourceStatus{Managed: true, Role: cib.RolePromoted}}
	var node string
	activeMembers := 0
	for _, m := range c.Children {
		for _, n := range m.Nodes {
			if !containsName(v.Nodes, n) {
				v.Nodes = append(v.Nodes, n)
			}
		}
		if len(m.Nodes) > 0 {
			activeMembers++
		}
		if len(m.Nodes) == 1 && node == "" {
			node = m.Nodes[0]
		}
		if m.Role < v.Role {
			v.Role = m.Role
		}
		v.Failed = v.Failed || m.Failed
		v.Orphan = v.Orphan || m.Orphan
		v.Managed = v.Managed && m.Managed
		v.Blocked = v.Blocked || m.Blocked
	}
	if activeMembers > 0 && (activeMembers < len(c.Children) || len(v.Nodes) != 1) {
		v.partial = true
	}
	return v
}

func containsName(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// nodeOrder lists names in the order of all (the node list's order),
// names not in all last.
func nodeOrder(all, names []string) []string {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var out []string
	for _, n := range all {
		if want[n] {
			out = append(out, n)
			delete(want, n)
		}
	}
	for _, n := range names {
		if want[n] {
			out = append(out, n)
		}
	}
	return out
}

func writeResource(b *strings.Builder, r *scheduler.ResourceStatus, indent string, parent *scheduler.ResourceStatus) {
	if r.Clone {
		writeClone(b, r, indent)
		return
	}
	if r.Group {
		var flags []string
		if !r.Managed {
			flags = append(flags, "unmanaged")
		}
		if r.TargetRole == cib.RoleStopped {
			flags = append(flags, "disabled")
		}
		f := ""
		if len(flags) > 0 {
			f = " (" + strings.Join(flags, ", ") + ")"
		}
		fmt.Fprintf(b, "%s* Resource Group: %s%s:\n", indent, r.ID, f)
		for _, c := range r.Children {
			writeResource(b, c, indent+"  ", r)
		}
		return
	}
	var words []string
	if r.Orphan {
		words = append(words, "ORPHANED")
	}
	if r.Failed {
		words = append(words, "FAILED")
		if r.Role > cib.RoleUnpromoted {
			words = append(words, r.Role.String())
		}
	} else if s := pendingState(r.Pending); s != "" {
		words = append(words, s)
	} else if r.Role == cib.RoleStarted && r.InPromotable {
		words = append(words, cib.RoleUnpromoted.String())
	} else {
		words = append(words, r.Role.String())
	}
	nodes := append([]string(nil), r.Nodes...)
	// crm_mon lists the nodes in the order the resource was found on them.
	switch {
	case len(nodes) == 1:
		words = append(words, nodes[0])
	case len(nodes) == 0 && r.PendingNode != "":
		// Not active anywhere: the node of the pending operation.
		words = append(words, r.PendingNode)
	}
	var flags []string
	if r.Unclean {
		flags = append(flags, "UNCLEAN")
	}
	if r.Pending == "monitor" {
		flags = append(flags, "Monitoring")
	}
	if r.TargetRole == cib.RoleStopped {
		flags = append(flags, "disabled")
	}
	switch {
	case r.Blocked:
		flags = append(flags, "blocked")
	case !r.Managed:
		flags = append(flags, "unmanaged")
	}
	s := strings.Join(words, " ")
	if len(flags) > 0 {
		s += " (" + strings.Join(flags, ", ") + ")"
	}
	if len(nodes) > 1 {
		s += " [ " + strings.Join(nodes, " ") + " ]"
	}
	fmt.Fprintf(b, "%s* %s\t(%s):\t %s\n", indent, printableID(r, parent), agent(r), s)
}

// printableID is rsc_printable_id: an anonymous clone's instance (or a
// member of a cloned group's instance) shows under its configured id.
func printableID(r, parent *scheduler.ResourceStatus) string {
	if parent != nil && parent.Clone && !parent.Unique {
		return stripInstance(r.ID)
	}
	if parent != nil && parent.Group && parent.CloneMember && !parent.Unique {
		return stripInstance(r.ID)
	}
	return r.ID
}

func stripInstance(id string) string {
	if i := strings.LastIndexByte(id, ':'); i >= 0 {
		return id[:i]
	}
	return id
}

// pendingState is native_pending_state: the word shown instead of the
// role while an operation is in flight.
func pendingState(task string) string {
	switch task {
	case "start":
		return "Starting"
	case "stop":
		return "Stopping"
	case "migrate_to", "migrate_from":
		return "Migrating"
	case "promote":
		return "Promoting"
	case "demote":
		return "Demoting"
	}
	return ""
}

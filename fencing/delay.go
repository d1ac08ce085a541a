package fencing

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"pacer/crm/cib"
	"pacer/internal/pcmktime"
)

// Rand is the random source of the delays (a *rand.Rand has it).
type Rand interface {
	Int64N(n int64) int64
}

var _ Rand = (*rand.Rand)(nil)

// DelayBase reads pcmk_delay_base for target. The value is either one
// time for every target ("5s") or a map of node to time separated by
// ';', spaces or tabs ("node1:0s;node2:5s"), as Pacemaker's fencer reads
// it; a map without an entry for target means no delay. Node names
// compare case-insensitively (Pacemaker compares only the length of the
// map's name, so "node1" also matched "node10"; pacer matches whole
// names). Empty means 0. An entry without a time, or a time that does
// not parse, is an error naming it.
func DelayBase(value, target string) (time.Duration, error) {
	v := strings.TrimSpace(value)
	if v == "" {
		return 0, nil
	}
	if !strings.Contains(v, ":") {
		d, err := pcmktime.ParseDuration(v)
		if err != nil {
			return 0, fmt.Errorf("pcmk_delay_base %q: %w", value, err)
		}
		if d < 0 {
			return 0, fmt.Errorf("pcmk_delay_base %q: negative", value)
		}
		return d, nil
	}
	fields := strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == ' ' || r == '\t' })
	for _, f := range fields {
		name, t, ok := strings.Cut(f, ":")
		if !ok || name == "" || t == "" {
			return 0, fmt.Errorf("pcmk_delay_base %q: entry %q is not node:time", value, f)
		}
		if !strings.EqualFold(name, target) {
			continue
		}
		d, err := pcmktime.ParseDuration(t)
		if err != nil {
			return 0, fmt.Errorf("pcmk_delay_base %q: entry %q: %w", value, f, err)
		}
		if d < 0 {
			return 0, fmt.Errorf("pcmk_delay_base %q: entry %q: negative", value, f)
		}
		return d, nil
	}
	return 0, nil
}

// DeviceDelay is the delay before a fencing action (off or reboot; never
// on) with a device: pcmk_delay_base for the target plus a random part
// drawn from rnd so that the sum stays below pcmk_delay_max, as
// Pacemaker's schedule_stonith_command computes it. pcmk_delay_max unset
// means the base alone; a base above the maximum is cut to the maximum
// (warn is set).
func DeviceDelay(params map[string]string, action, target string, rnd Rand) (d time.Duration, warn string, err error) {
	if action != ActionOff && action != ActionReboot {
		return 0, "", nil
	}
	base, err := DelayBase(params["pcmk_delay_base"], target)
	if err != nil {
		return 0, "", err
	}
	var max time.Duration
	if v := strings.TrimSpace(params["pcmk_delay_max"]); v != "" {
		max, err = pcmktime.ParseDuration(v)
		if err != nil {
			return 0, "", fmt.Errorf("pcmk_delay_max %q: %w", v, err)
		}
		if max < 0 {
			return 0, "", fmt.Errorf("pcmk_delay_max %q: negative", v)
		}
	}
	if max == 0 {
		max = base
	}
	if max < base {
		warn = fmt.Sprintf("pcmk_delay_base (%v) is larger than pcmk_delay_max (%v): limited to the maximum", base, max)
		base = max
	}
	if max == 0 {
		return 0, warn, nil
	}
	d = base
	if max > base {
		d += time.Duration(rnd.Int64N(int64(max - base)))
	}
	return d, warn, nil
}

// PriorityDelay is priority-fencing-delay as Pacemaker's scheduler
// applies it (node_priority_fencing_delay): fencing target waits the
// property's delay when
//   - the property is set above 0,
//   - target is a cluster member (not a remote or ping node) and is not
//     online in the asking partition,
//   - the partition does not hold more than half of the members,
//   - the members' priorities are not all equal, and
//   - target's priority is the highest.
//
// A node's priority is the sum of the priority meta attribute of the
// resources active on it; a promoted instance counts its priority + 1
// when that priority is not 0. So in a two-node split, the node running
// the more important resources is fenced later, and its side wins the
// race. Any pcmk_delay_base/max is added to this delay, and it applies
// only to the first device of the first level tried.
//
// online is the set of nodes in the asking partition; nil reads it from
// the status section. The string says why there is or is not a delay.
func PriorityDelay(c *cib.CIB, target string, online map[string]bool) (time.Duration, string, error) {
	delay, err := durationProperty(c, PropPriorityFencingDelay, 0)
	if err != nil {
		return 0, "", err
	}
	if delay <= 0 {
		return 0, "priority-fencing-delay not set", nil
	}
	members := memberNodes(c)
	isMember := false
	for _, m := range members {
		if strings.EqualFold(m, target) {
			isMember = true
		}
	}
	if !isMember {
		return 0, "target is not a cluster member", nil
	}
	if online == nil {
		online = onlineFromStatus(c)
	}
	in := func(n string) bool {
		for k, v := range online {
			if v && strings.EqualFold(k, n) {
				return true
			}
		}
		return false
	}
	if in(target) {
		return 0, "target is in our partition", nil
	}
	onlineCount := 0
	for _, m := range members {
		if in(m) {
			onlineCount++
		}
	}
	if onlineCount > len(members)/2 {
		return 0, fmt.Sprintf("our partition holds %d of %d members", onlineCount, len(members)), nil
	}
	prio := NodePriorities(c)
	top, low := prio[strings.ToLower(members[0])], prio[strings.ToLower(members[0])]
	for _, m := range members {
		p := prio[strings.ToLower(m)]
		if p > top {
			top = p
		}
		if p < low {
			low = p
		}
	}
	if top == low {
		return 0, "all members have equal priority", nil
	}
	tp := prio[strings.ToLower(target)]
	if tp < top {
		return 0, fmt.Sprintf("target priority %d is below the highest %d", tp, top), nil
	}
	return delay, fmt.Sprintf("target runs the highest resource priority (%d)", tp), nil
}

// memberNodes lists the cluster member nodes: the configuration's nodes
// of type member (or no type) and nodes known only from the status
// section, in that order, each once.
func memberNodes(c *cib.CIB) []string {
	var out []string
	seen := map[string]bool{}
	add := func(n string) {
		k := strings.ToLower(n)
		if n != "" && !seen[k] {
			seen[k] = true
			out = append(out, n)
		}
	}
	for _, n := range c.Configuration.Nodes {
		if n.Type == "" || strings.EqualFold(n.Type, "member") || strings.EqualFold(n.Type, "normal") {
			add(n.Uname)
		} else {
			seen[strings.ToLower(n.Uname)] = true // remote or ping: never a member
		}
	}
	for _, s := range c.Status.Nodes {
		remote := false
		for _, a := range s.Extra {
			if a.Name == "remote_node" && isTrue(a.Value) {
				remote = true
			}
		}
		if !remote {
			add(s.Uname)
		}
	}
	return out
}

// onlineFromStatus returns the nodes the status section shows online:
// in the membership (in_ccm true or a timestamp) with a running
// controller (crmd online or a timestamp).
func onlineFromStatus(c *cib.CIB) map[string]bool {
	out := map[string]bool{}
	for _, s := range c.Status.Nodes {
		if flagOn(s.InCCM, "true") && flagOn(s.Crmd, "online") {
			out[s.Uname] = true
		}
	}
	return out
}

// flagOn reads a node_state flag that is either a word or, since
// Pacemaker 2.1.7, a timestamp (non-zero meaning on).
func flagOn(v, word string) bool {
	if strings.EqualFold(v, word) || isTrue(v) {
		return true
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return err == nil && n > 0
}

func isTrue(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "on", "yes", "y", "1":
		return true
	}
	return false
}

// NodePriorities returns each node's priority (lower-cased name): the sum
// of the priority meta attribute of the resources the status section
// shows active there, a promoted instance counting priority + 1 when its
// priority is not 0.
func NodePriorities(c *cib.CIB) map[string]int64 {
	rscPrio := map[string]int64{}
	walkResources(c.Configuration.Resources, nil, func(chain []*cib.Resource) {
		r := chain[len(chain)-1]
		if v, ok := metaOf(c, chain)["priority"]; ok {
			if s, err := cib.ParseScore(v); err == nil {
				rscPrio[r.ID] = int64(s)
			}
		}
	})
	out := map[string]int64{}
	for _, s := range c.Status.Nodes {
		if s.LRM == nil {
			continue
		}
		for _, lr := range s.LRM.Resources {
			active, promoted := lrmState(lr.Ops)
			if !active {
				continue
			}
			id := lr.ID
			if i := strings.LastIndexByte(id, ':'); i > 0 {
				if _, err := strconv.Atoi(id[i+1:]); err == nil {
					id = id[:i] // a clone instance "rsc:N"
				}
			}
			p := rscPrio[id]
			if promoted && p != 0 {
				p++
			}
			out[strings.ToLower(s.Uname)] += p
		}
	}
	return out
}

// lrmState reads a resource's operation history on one node: the
// operation with the highest call id decides, as the last thing that
// happened. A stop that succeeded or a monitor/probe that found it not
// running (7) means inactive; a monitor returning 8 or a promote that
// succeeded means promoted; anything else (a start, a monitor with 0, a
// failed operation) counts as active, since a failed resource may still
// run.
func lrmState(ops []cib.LRMOp) (active, promoted bool) {
	type op struct {
		call int
		o    cib.LRMOp
	}
	var list []op
	for _, o := range ops {
		n, err := strconv.Atoi(o.CallID)
		if err != nil || n < 0 {
			continue // pending
		}
		list = append(list, op{n, o})
	}
	if len(list) == 0 {
		return false, false
	}
	sort.SliceStable(list, func(a, b int) bool { return list[a].call < list[b].call })
	last := list[len(list)-1].o
	rc, _ := strconv.Atoi(last.RCCode)
	switch last.Operation {
	case "stop":
		return rc != 0, false
	case "monitor":
		switch rc {
		case 7:
			return false, false
		case 8:
			return true, true
		}
		return true, false
	case "promote":
		return true, rc == 0
	case "migrate_to":
		return rc != 0, false
	}
	return true, false
}

package scheduler

import (
	"strconv"
	"strings"
	"time"

	"pacer/crm/cib"
)

// failCount is pe_get_failcount with pe_fc_effective: the sum of the
// node's fail-count-RSC and fail-count-RSC#OP_INTERVAL attributes (an
// anonymous clone instance counts under its configured id), zero when
// failure-timeout is set and every failure (the latest last-failure) is
// older than it.
func (ws *workingSet) failCount(r *resource, n *node) cib.Score {
	name := r.id
	if r.parent != nil && r.parent.anonymous() {
		name = r.parent.clone.base
	}
	var count cib.Score
	var last int64
	for k, v := range n.attrs {
		switch {
		case matchesFailAttr(k, "fail-count-", name):
			s, err := cib.ParseScore(v)
			if err == nil {
				count = count.Add(s)
			}
		case matchesFailAttr(k, "last-failure-", name):
			if t, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && t > last {
				last = t
			}
		}
	}
	if count > 0 && last > 0 {
		if timeout := r.failureTimeout(); timeout > 0 && ws.now.Unix() > last+int64(timeout/time.Second) {
			return 0
		}
	}
	return count
}

// matchesFailAttr says attr is prefix+rsc, optionally followed by
// "#op_interval".
func matchesFailAttr(attr, prefix, rsc string) bool {
	rest, ok := strings.CutPrefix(attr, prefix+rsc)
	if !ok {
		return false
	}
	if rest == "" {
		return true
	}
	if rest[0] != '#' {
		return false
	}
	i := strings.LastIndexByte(rest, '_')
	if i < 2 {
		return false
	}
	_, err := strconv.ParseUint(rest[i+1:], 10, 64)
	return err == nil
}

// failureTimeout is the resource's failure-timeout meta attribute.
func (r *resource) failureTimeout() time.Duration {
	v := r.meta["failure-timeout"]
	if v == "" {
		return 0
	}
	d, err := cib.ParseInterval(v)
	if err != nil {
		return 0
	}
	return d
}

// migrationThreshold is the migration-threshold meta attribute
// (default INFINITY; 0 means never move away).
func (r *resource) migrationThreshold() cib.Score {
	v := r.meta["migration-threshold"]
	if v == "" {
		return infinity
	}
	s, err := cib.ParseScore(v)
	if err != nil {
		return infinity
	}
	return s
}

// applyFailureThresholds is check_failure_threshold for every node and
// primitive: once a resource's fail count on a node reaches its
// migration-threshold, the resource (for an anonymous clone instance,
// the whole clone) is banned from that node.
func (ws *workingSet) applyFailureThresholds() {
	for _, n := range ws.nodes {
		for _, r := range ws.primitivesInOrder() {
			th := r.migrationThreshold()
			if th <= 0 {
				continue
			}
			fc := ws.failCount(r, n)
			if fc <= 0 || th-fc > 0 {
				continue
			}
			ban := r
			if r.parent != nil && r.parent.anonymous() {
				ban = r.parent
			}
			ban.addLocation(n, -infinity)
		}
	}
}

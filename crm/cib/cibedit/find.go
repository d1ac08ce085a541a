// Package cibedit changes a CIB's configuration the way crmsh's configure
// commands do: add an object, delete objects by id (cleaning up the
// references to them), load update and load replace. It works on the model
// only; reading, validating and writing files is cibfile's job, and every
// caller validates the result before keeping it.
package cibedit

import (
	"strconv"
	"strings"

	"pacer/crm/cib"
)

// walkResources calls fn for every resource with its parent (nil at the top
// level), depth first, in document order.
func walkResources(rs []*cib.Resource, parent *cib.Resource, fn func(r, parent *cib.Resource)) {
	for _, r := range rs {
		fn(r, parent)
		walkResources(r.Children, r, fn)
	}
}

// FindResource returns the resource with id, at any depth, and its parent
// (nil at the top level).
func FindResource(cfg *cib.Configuration, id string) (r, parent *cib.Resource) {
	walkResources(cfg.Resources, nil, func(x, p *cib.Resource) {
		if r == nil && x.ID == id {
			r, parent = x, p
		}
	})
	return r, parent
}

// usedIDs returns every id in the configuration's objects that crm syntax
// names (resources, constraints, nodes, sets, tags, alerts, levels).
func usedIDs(cfg *cib.Configuration) map[string]string {
	ids := map[string]string{}
	add := func(id, what string) {
		if id != "" {
			if _, ok := ids[id]; !ok {
				ids[id] = what
			}
		}
	}
	walkResources(cfg.Resources, nil, func(r, _ *cib.Resource) { add(r.ID, string(r.Kind)) })
	for _, c := range cfg.Constraints {
		add(c.ID, string(c.Kind))
	}
	for _, n := range cfg.Nodes {
		add(n.ID, "node")
	}
	for _, s := range cfg.CRMConfig {
		add(s.ID, "property set")
	}
	for _, s := range cfg.RscDefaults {
		add(s.ID, "rsc_defaults set")
	}
	for _, s := range cfg.OpDefaults {
		add(s.ID, "op_defaults set")
	}
	for _, t := range cfg.Tags {
		add(t.ID, "tag")
	}
	for _, a := range cfg.Alerts {
		add(a.ID, "alert")
	}
	for _, l := range cfg.FencingTopology {
		add(l.ID, "fencing-level")
	}
	return ids
}

// IsRunning reports whether the status section shows rsc (or an instance
// of it, rsc:N) active on some node: its most recent operation there (by
// call id) succeeded and left it started or promoted. crmsh refuses to
// delete a running resource without --force; so does pacer.
func IsRunning(c *cib.CIB, rsc string) (node string, running bool) {
	for _, ns := range c.Status.Nodes {
		if ns.LRM == nil {
			continue
		}
		for _, lr := range ns.LRM.Resources {
			if lr.ID != rsc && !strings.HasPrefix(lr.ID, rsc+":") {
				continue
			}
			if lastLeavesActive(lr.Ops) {
				name := ns.Uname
				if name == "" {
					name = ns.ID
				}
				return name, true
			}
		}
	}
	return "", false
}

func lastLeavesActive(ops []cib.LRMOp) bool {
	var last *cib.LRMOp
	best := -1
	for i := range ops {
		op := &ops[i]
		if op.Interval != "" && op.Interval != "0" {
			continue // recurring monitors say nothing about start/stop
		}
		id := atoi(op.CallID)
		if id >= best {
			best, last = id, op
		}
	}
	if last == nil {
		return false
	}
	rc := atoi(last.RCCode)
	switch last.Operation {
	case "stop", "migrate_to":
		return false
	case "monitor": // a probe: 0 running, 8 promoted, 7 not running
		return rc == 0 || rc == 8
	}
	return rc == 0
}

// atoi reads a status number; a missing or malformed one counts as -1 so
// it never wins "most recent call".
func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

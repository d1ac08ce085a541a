package cibedit

import (
	"fmt"
	"slices"

	"pacer/crm/cib"
)

// Removal says what a delete took out besides the objects named.
type Removal struct {
	ID   string
	What string // "primitive", "rsc_location", "reference in rsc_order \"o1\"", ...
}

// Delete removes the objects with the given ids (resources, constraints,
// nodes, property/defaults sets, tags, alerts, fencing levels), as `crm
// configure delete` does: a deleted resource leaves its group (an emptied
// group goes too), references to it in constraints and tags are dropped,
// and a constraint or tag left with nothing to refer to is deleted. Unless
// force, a resource the status shows running is refused (stop it first).
// On error c is unchanged.
func Delete(c *cib.CIB, ids []string, force bool) ([]Removal, error) {
	cfg := &c.Configuration
	// Check everything before changing anything.
	gone := map[string]bool{}
	for _, id := range ids {
		r, _ := FindResource(cfg, id)
		if r == nil {
			if _, ok := usedIDs(cfg)[id]; !ok {
				return nil, fmt.Errorf("delete %q: %w", id, ErrNotFound)
			}
			gone[id] = true
			continue
		}
		var err error
		walkResources([]*cib.Resource{r}, nil, func(x, _ *cib.Resource) {
			gone[x.ID] = true
			if node, running := IsRunning(c, x.ID); running && !force && err == nil {
				err = fmt.Errorf("delete %q: %s %q: %w on %s (stop it first, or --force)", id, x.Kind, x.ID, ErrRunning, node)
			}
		})
		if err != nil {
			return nil, err
		}
	}

	var out []Removal
	// Resources: out of their containers; an emptied group or clone goes.
	var prune func(rs []*cib.Resource) []*cib.Resource
	prune = func(rs []*cib.Resource) []*cib.Resource {
		keep := rs[:0]
		for _, r := range rs {
			if gone[r.ID] {
				out = append(out, Removal{ID: r.ID, What: string(r.Kind)})
				continue
			}
			hadChildren := len(r.Children) > 0
			r.Children = prune(r.Children)
			if hadChildren && len(r.Children) == 0 {
				gone[r.ID] = true
				out = append(out, Removal{ID: r.ID, What: string(r.Kind) + " left empty"})
				continue
			}
			keep = append(keep, r)
		}
		return keep
	}
	cfg.Resources = prune(cfg.Resources)

	// Constraints: drop references, then constraints left without a side.
	keepC := cfg.Constraints[:0]
	for _, con := range cfg.Constraints {
		if gone[con.ID] {
			out = append(out, Removal{ID: con.ID, What: string(con.Kind)})
			continue
		}
		if dropRefs(con, gone) {
			out = append(out, Removal{ID: con.ID, What: string(con.Kind) + " referring to a deleted resource"})
			continue
		}
		keepC = append(keepC, con)
	}
	cfg.Constraints = keepC

	cfg.Nodes = slices.DeleteFunc(cfg.Nodes, func(n cib.Node) bool { return del(gone, n.ID, "node", &out) })
	cfg.CRMConfig = slices.DeleteFunc(cfg.CRMConfig, func(s cib.NVSet) bool { return del(gone, s.ID, "property set", &out) })
	cfg.RscDefaults = slices.DeleteFunc(cfg.RscDefaults, func(s cib.NVSet) bool { return del(gone, s.ID, "rsc_defaults", &out) })
	cfg.OpDefaults = slices.DeleteFunc(cfg.OpDefaults, func(s cib.NVSet) bool { return del(gone, s.ID, "op_defaults", &out) })
	cfg.Alerts = slices.DeleteFunc(cfg.Alerts, func(a cib.Alert) bool { return del(gone, a.ID, "alert", &out) })
	cfg.FencingTopology = slices.DeleteFunc(cfg.FencingTopology, func(l cib.FencingLevel) bool { return del(gone, l.ID, "fencing-level", &out) })
	keepT := cfg.Tags[:0]
	for _, t := range cfg.Tags {
		if del(gone, t.ID, "tag", &out) {
			continue
		}
		t.Refs = slices.DeleteFunc(t.Refs, func(r string) bool { return gone[r] })
		if len(t.Refs) == 0 {
			out = append(out, Removal{ID: t.ID, What: "tag left empty"})
			continue
		}
		keepT = append(keepT, t)
	}
	cfg.Tags = keepT
	return out, nil
}

func del(gone map[string]bool, id, what string, out *[]Removal) bool {
	if gone[id] {
		*out = append(*out, Removal{ID: id, What: what})
		return true
	}
	return false
}

// dropRefs removes deleted resources from con's resource sets and reports
// whether con is left pointless (a side without resources).
func dropRefs(con *cib.Constraint, gone map[string]bool) bool {
	if len(con.Sets) == 0 {
		switch con.Kind {
		case cib.KindLocation, cib.KindTicket:
			return gone[con.Rsc]
		case cib.KindColocation:
			return gone[con.Rsc] || gone[con.WithRsc]
		case cib.KindOrder:
			return gone[con.First] || gone[con.Then]
		}
		return false
	}
	keep := con.Sets[:0]
	for _, s := range con.Sets {
		s.Resources = slices.DeleteFunc(s.Resources, func(r string) bool { return gone[r] })
		if len(s.Resources) > 0 {
			keep = append(keep, s)
		}
	}
	con.Sets = keep
	switch con.Kind {
	case cib.KindColocation, cib.KindOrder:
		// Between sets: fewer than two sets, each with one resource, relate
		// nothing; one set with several resources still orders them.
		n := 0
		for _, s := range keep {
			n += len(s.Resources)
		}
		return n < 2
	}
	return len(keep) == 0
}

package cibedit

import (
	"errors"
	"fmt"
	"slices"

	"pacer/crm/cib"
	"pacer/crm/cib/crmsh"
)

// ErrIDInUse is returned when a new object's id is already taken.
var ErrIDInUse = errors.New("id already in use")

// ErrNotFound is returned when an id names no object.
var ErrNotFound = errors.New("no such object")

// ErrRunning is returned when deleting a resource the status shows running.
var ErrRunning = errors.New("resource is running")

// Add puts a new object into cfg, as `crm configure primitive|group|...`
// does. An object whose id is already used is refused (changing an object
// is `load update`'s job). A group, clone or ms takes the resources it names
// out of the top level; they must exist and belong to no other container.
// property/rsc_defaults/op_defaults merge their pairs into the set named
// (or the default set).
func Add(cfg *cib.Configuration, obj crmsh.Object) error {
	return put(cfg, obj, false)
}

// Update puts obj into cfg, replacing an object of the same id if there is
// one: `crm configure load update` for one object.
func Update(cfg *cib.Configuration, obj crmsh.Object) error {
	return put(cfg, obj, true)
}

func put(cfg *cib.Configuration, obj crmsh.Object, replace bool) error {
	switch o := obj.(type) {
	case *crmsh.ResourceObject:
		return putResource(cfg, o, replace)
	case *crmsh.ConstraintObject:
		return putConstraint(cfg, o.Constraint, replace)
	case *crmsh.NodeObject:
		return putNode(cfg, o.Node, replace)
	case *crmsh.SetObject:
		return putSet(cfg, o)
	case *crmsh.FencingObject:
		cfg.FencingTopology = slices.Clone(o.Levels)
		cfg.HasFencingTopology = true
		return nil
	case *crmsh.TagObject:
		if o.Tag == nil {
			return nil
		}
		return putByID(&cfg.Tags, *o.Tag, func(t cib.Tag) string { return t.ID }, cfg, replace)
	case *crmsh.AlertObject:
		if o.Alert == nil {
			return nil
		}
		return putByID(&cfg.Alerts, *o.Alert, func(a cib.Alert) string { return a.ID }, cfg, replace)
	case *crmsh.XMLObject:
		cfg.Unknown = append(cfg.Unknown, o.Element)
		return nil
	}
	return fmt.Errorf("cannot add a %s statement", obj.Keyword())
}

func inUse(cfg *cib.Configuration, id string) error {
	if what, ok := usedIDs(cfg)[id]; ok {
		return fmt.Errorf("%q: %w by a %s", id, ErrIDInUse, what)
	}
	return nil
}

func putByID[T any](list *[]T, v T, id func(T) string, cfg *cib.Configuration, replace bool) error {
	for i, x := range *list {
		if id(x) == id(v) {
			if !replace {
				return fmt.Errorf("%q: %w", id(v), ErrIDInUse)
			}
			(*list)[i] = v
			return nil
		}
	}
	if err := inUse(cfg, id(v)); err != nil {
		return err
	}
	*list = append(*list, v)
	return nil
}

func putResource(cfg *cib.Configuration, o *crmsh.ResourceObject, replace bool) error {
	r := o.Resource
	pos := len(cfg.Resources) // where a new top-level resource goes
	if old, parent := FindResource(cfg, r.ID); old != nil {
		if !replace {
			return fmt.Errorf("%s %q: %w", r.Kind, r.ID, ErrIDInUse)
		}
		if parent != nil && len(o.ChildIDs) == 0 && r.Kind == cib.KindPrimitive {
			// A primitive inside a group or clone is replaced in place.
			i := slices.Index(parent.Children, old)
			parent.Children[i] = r
			return nil
		}
		if parent != nil {
			return fmt.Errorf("%s %q is inside %s %q: replace its container instead", r.Kind, r.ID, parent.Kind, parent.ID)
		}
		pos = slices.Index(cfg.Resources, old)
		// The children of the old container go back to the top level,
		// where the new definition picks the ones it names.
		cfg.Resources = slices.Delete(cfg.Resources, pos, pos+1)
		cfg.Resources = slices.Insert(cfg.Resources, pos, old.Children...)
	} else if err := inUse(cfg, r.ID); err != nil {
		return err
	}
	var children []*cib.Resource
	for _, cid := range o.ChildIDs {
		c, parent := FindResource(cfg, cid)
		if c == nil {
			return fmt.Errorf("%s %q: member %q: %w", r.Kind, r.ID, cid, ErrNotFound)
		}
		if parent != nil {
			return fmt.Errorf("%s %q: %q already belongs to %s %q", r.Kind, r.ID, cid, parent.Kind, parent.ID)
		}
		children = append(children, c)
	}
	for _, c := range children {
		i := slices.Index(cfg.Resources, c)
		if i < pos {
			pos--
		}
		cfg.Resources = slices.Delete(cfg.Resources, i, i+1)
	}
	if len(children) > 0 {
		r.Children = children
	}
	cfg.Resources = slices.Insert(cfg.Resources, min(pos, len(cfg.Resources)), r)
	return nil
}

func putConstraint(cfg *cib.Configuration, c *cib.Constraint, replace bool) error {
	for i, x := range cfg.Constraints {
		if x.ID == c.ID {
			if !replace {
				return fmt.Errorf("%s %q: %w", c.Kind, c.ID, ErrIDInUse)
			}
			cfg.Constraints[i] = c
			return nil
		}
	}
	if err := inUse(cfg, c.ID); err != nil {
		return err
	}
	cfg.Constraints = append(cfg.Constraints, c)
	return nil
}

func putNode(cfg *cib.Configuration, n cib.Node, replace bool) error {
	if n.ID == "" {
		n.ID = n.Uname // crmsh: a node without $id= gets its name as id
	}
	for i, x := range cfg.Nodes {
		if x.ID == n.ID || (n.Uname != "" && x.Uname == n.Uname) {
			if !replace {
				return fmt.Errorf("node %q: %w", n.Uname, ErrIDInUse)
			}
			cfg.Nodes[i] = n
			return nil
		}
	}
	cfg.Nodes = append(cfg.Nodes, n)
	return nil
}

// putSet merges a property/rsc_defaults/op_defaults statement: pairs are
// set by name in the set with the statement's id (the default set when it
// named none), which is created if missing. This is crmsh's behaviour:
// `property stonith-enabled=false` changes one property, not all.
func putSet(cfg *cib.Configuration, o *crmsh.SetObject) error {
	var sets *[]cib.NVSet
	switch o.Section {
	case crmsh.SectionProperty:
		sets = &cfg.CRMConfig
	case crmsh.SectionRscDefaults:
		sets = &cfg.RscDefaults
	case crmsh.SectionOpDefaults:
		sets = &cfg.OpDefaults
	default:
		return fmt.Errorf("unknown section %q", o.Section)
	}
	if o.Set == nil {
		return nil
	}
	target := o.Set.ID
	if o.Anonymous && len(*sets) > 0 {
		// No set named: crmsh merges into the default set, the first one.
		target = (*sets)[0].ID
	}
	for i := range *sets {
		s := &(*sets)[i]
		if s.ID != target {
			continue
		}
		for _, p := range o.Set.Pairs {
			j := slices.IndexFunc(s.Pairs, func(x cib.NVPair) bool { return x.Name == p.Name })
			if j >= 0 {
				p.ID = s.Pairs[j].ID // keep the pair's id: only the value changes
				s.Pairs[j] = p
			} else {
				s.Pairs = append(s.Pairs, p)
			}
		}
		if o.Set.Rule != nil {
			s.Rule = o.Set.Rule
		}
		if o.Set.Score != "" {
			s.Score = o.Set.Score
		}
		return nil
	}
	if err := inUse(cfg, o.Set.ID); err != nil {
		return err
	}
	*sets = append(*sets, *o.Set)
	return nil
}

// Objects returns the objects of a parsed configuration as statements, in
// the order load update applies them: nodes, resources (containers carry
// their children), constraints, then the rest.
func Objects(cfg *cib.Configuration) []crmsh.Object {
	var out []crmsh.Object
	for _, n := range cfg.Nodes {
		out = append(out, &crmsh.NodeObject{Node: n})
	}
	for _, r := range cfg.Resources {
		out = append(out, &crmsh.ResourceObject{Resource: r})
	}
	for _, c := range cfg.Constraints {
		out = append(out, &crmsh.ConstraintObject{Constraint: c})
	}
	for i := range cfg.CRMConfig {
		out = append(out, &crmsh.SetObject{Section: crmsh.SectionProperty, Set: &cfg.CRMConfig[i]})
	}
	for i := range cfg.RscDefaults {
		out = append(out, &crmsh.SetObject{Section: crmsh.SectionRscDefaults, Set: &cfg.RscDefaults[i]})
	}
	for i := range cfg.OpDefaults {
		out = append(out, &crmsh.SetObject{Section: crmsh.SectionOpDefaults, Set: &cfg.OpDefaults[i]})
	}
	if cfg.HasFencingTopology || len(cfg.FencingTopology) > 0 {
		out = append(out, &crmsh.FencingObject{Levels: cfg.FencingTopology})
	}
	for i := range cfg.Tags {
		out = append(out, &crmsh.TagObject{Tag: &cfg.Tags[i]})
	}
	for i := range cfg.Alerts {
		out = append(out, &crmsh.AlertObject{Alert: &cfg.Alerts[i]})
	}
	for _, e := range cfg.Unknown {
		out = append(out, &crmsh.XMLObject{Element: e})
	}
	return out
}

// LoadUpdate merges every object of upd into cfg (`crm configure load
// update`): objects with an id cfg already has replace it, the others are
// added, property sets merge by name, and nothing else changes. A top-level
// resource in upd that cfg has inside a container replaces it there.
func LoadUpdate(cfg *cib.Configuration, upd *cib.Configuration) error {
	for _, obj := range Objects(upd) {
		if ro, ok := obj.(*crmsh.ResourceObject); ok {
			if err := updateResourceTree(cfg, ro.Resource); err != nil {
				return err
			}
			continue
		}
		if err := Update(cfg, obj); err != nil {
			return fmt.Errorf("load update: %s %q: %w", obj.Keyword(), obj.ID(), err)
		}
	}
	return nil
}

// updateResourceTree replaces or adds a resource that arrives with its
// children attached (from a parsed file).
func updateResourceTree(cfg *cib.Configuration, r *cib.Resource) error {
	// Remove every resource of r's tree from wherever it is now, remembering
	// where r itself was.
	pos, inParent := -1, (*cib.Resource)(nil)
	var ids []string
	walkResources([]*cib.Resource{r}, nil, func(x, _ *cib.Resource) { ids = append(ids, x.ID) })
	for _, id := range ids {
		old, parent := FindResource(cfg, id)
		if old == nil {
			continue
		}
		if id == r.ID {
			if parent == nil {
				pos = slices.Index(cfg.Resources, old)
			} else {
				inParent = parent
				pos = slices.Index(parent.Children, old)
			}
		}
		removeResource(cfg, old, parent)
		if id == r.ID && parent == nil {
			// Children of the old container that r no longer names stay
			// in the configuration, at the top level, as crmsh leaves them.
			for _, c := range old.Children {
				if !slices.Contains(ids, c.ID) {
					cfg.Resources = slices.Insert(cfg.Resources, min(pos, len(cfg.Resources)), c)
					pos++
				}
			}
		}
	}
	if inParent != nil {
		inParent.Children = slices.Insert(inParent.Children, min(pos, len(inParent.Children)), r)
		return nil
	}
	if err := inUse(cfg, r.ID); err != nil {
		return fmt.Errorf("load update: %w", err)
	}
	if pos < 0 {
		pos = len(cfg.Resources)
	}
	cfg.Resources = slices.Insert(cfg.Resources, min(pos, len(cfg.Resources)), r)
	return nil
}

func removeResource(cfg *cib.Configuration, r, parent *cib.Resource) {
	if parent == nil {
		cfg.Resources = slices.DeleteFunc(cfg.Resources, func(x *cib.Resource) bool { return x == r })
		return
	}
	parent.Children = slices.DeleteFunc(parent.Children, func(x *cib.Resource) bool { return x == r })
}

// LoadReplace makes repl the configuration (`crm configure load replace`);
// the status section is kept.
func LoadReplace(c *cib.CIB, repl *cib.Configuration) {
	c.Configuration = *repl
}

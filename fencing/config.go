package fencing

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"pacer/agents/stonith"
	"pacer/crm/cib"
	"pacer/internal/pcmktime"
)

// Cluster properties the fencer reads (crm_config).
const (
	PropStonithTimeout       = "stonith-timeout"
	PropPriorityFencingDelay = "priority-fencing-delay"
)

// DefaultStonithTimeout is stonith-timeout's default, as in Pacemaker.
const DefaultStonithTimeout = 60 * time.Second

// Device is a fence device as the fencer sees it: a stonith-class
// primitive of the configuration with its parameters and the meta
// attributes the fencer reads.
type Device struct {
	ID     string
	Agent  string            // fence agent, e.g. "fence_ipmilan"
	Params map[string]string // instance attributes, pcmk_* included
	// Priority is the priority meta attribute: without topology, devices
	// are tried highest first (then by id), as Pacemaker sorts them.
	Priority int
	// ProvidesUnfencing: meta provides=unfencing.
	ProvidesUnfencing bool
	// Unusable says why the executor may not use the device ("" when it
	// may): target-role=Stopped, a -INFINITY location on the executor,
	// an unreadable parameter.
	Unusable string
}

// Level is one fencing-topology level: all its devices must succeed.
type Level struct {
	ID      string
	Index   int
	Devices []string
}

// property returns a cluster property: the first cluster_property_set
// without a rule that sets it (sets ordered by score, then document
// order, as Pacemaker unpacks them).
func property(c *cib.CIB, name string) (string, bool) {
	return firstValue(c.Configuration.CRMConfig, name)
}

// firstValue looks name up in sets as Pacemaker's unpacking of
// nvpair sets does: higher score first, then document order; the first
// set that has the name wins. Sets with a rule or an id-ref are skipped
// (the fencer does not evaluate rules; docs/fencing.md says so).
func firstValue(sets []cib.NVSet, name string) (string, bool) {
	idx := make([]int, 0, len(sets))
	for i := range sets {
		if sets[i].Rule == nil && sets[i].IDRef == "" {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool {
		sa, _ := cib.ParseScore(sets[idx[a]].Score)
		sb, _ := cib.ParseScore(sets[idx[b]].Score)
		return sa > sb
	})
	for _, i := range idx {
		for _, p := range sets[i].Pairs {
			if p.Name == name && p.HasValue {
				return p.Value, true
			}
		}
	}
	return "", false
}

// flatten merges sets into one map with firstValue's precedence.
func flatten(sets []cib.NVSet) map[string]string {
	out := map[string]string{}
	for _, s := range sets {
		for _, p := range s.Pairs {
			if _, done := out[p.Name]; done {
				continue
			}
			if v, ok := firstValue(sets, p.Name); ok {
				out[p.Name] = v
			}
		}
	}
	return out
}

// durationProperty reads a duration property, def when unset.
func durationProperty(c *cib.CIB, name string, def time.Duration) (time.Duration, error) {
	v, ok := property(c, name)
	if !ok || strings.TrimSpace(v) == "" {
		return def, nil
	}
	d, err := pcmktime.ParseDuration(v)
	if err != nil {
		return def, fmt.Errorf("cluster property %s=%q: %w", name, v, err)
	}
	return d, nil
}

// metaOf returns a resource's meta attributes with inheritance: the
// resource's own, then each enclosing resource's (group, clone), then
// rsc_defaults.
func metaOf(c *cib.CIB, chain []*cib.Resource) map[string]string {
	out := map[string]string{}
	for i := len(chain) - 1; i >= 0; i-- {
		for k, v := range flatten(chain[i].Meta) {
			if _, ok := out[k]; !ok {
				out[k] = v
			}
		}
	}
	for k, v := range flatten(c.Configuration.RscDefaults) {
		if _, ok := out[k]; !ok {
			out[k] = v
		}
	}
	return out
}

// walkResources calls fn for every primitive with the chain of
// resources from the top level down to it.
func walkResources(rs []*cib.Resource, chain []*cib.Resource, fn func(chain []*cib.Resource)) {
	for _, r := range rs {
		if r == nil {
			continue
		}
		ch := append(append([]*cib.Resource(nil), chain...), r)
		if r.Kind == cib.KindPrimitive {
			fn(ch)
			continue
		}
		if r.Kind == cib.KindTemplate {
			continue
		}
		walkResources(r.Children, ch, fn)
	}
}

// Devices returns the fence devices of c as executor node may use them:
// every stonith-class primitive (a template's class and type count), in
// document order. A device executor may not use is returned with
// Unusable set; the fencer never runs it.
func Devices(c *cib.CIB, executor string) []Device {
	templates := map[string]*cib.Resource{}
	for _, r := range c.Configuration.Resources {
		if r != nil && r.Kind == cib.KindTemplate {
			templates[r.ID] = r
		}
	}
	var out []Device
	walkResources(c.Configuration.Resources, nil, func(chain []*cib.Resource) {
		r := chain[len(chain)-1]
		class, typ := r.Class, r.Type
		instance := r.Instance
		if t := templates[r.Template]; r.Template != "" && t != nil {
			if class == "" {
				class, typ = t.Class, t.Type
			}
			// The primitive's own attributes win over the template's.
			instance = append(append([]cib.NVSet(nil), r.Instance...), t.Instance...)
		}
		if class != "stonith" {
			return
		}
		meta := metaOf(c, chain)
		d := Device{ID: r.ID, Agent: typ, Params: flatten(instance)}
		if v, ok := meta["priority"]; ok {
			s, err := cib.ParseScore(v)
			if err != nil {
				d.Unusable = fmt.Sprintf("meta priority=%q: %v", v, err)
			}
			d.Priority = int(s)
		}
		d.ProvidesUnfencing = strings.EqualFold(meta["provides"], "unfencing") ||
			strings.EqualFold(d.Params["provides"], "unfencing")
		if role, ok := meta["target-role"]; ok && strings.EqualFold(role, "Stopped") {
			d.Unusable = "disabled (target-role=Stopped)"
		}
		if d.Unusable == "" {
			if score, ids := locationScore(c, r.ID, executor); score < 0 {
				d.Unusable = fmt.Sprintf("banned from %s by location %s (score %s)",
					executor, strings.Join(ids, ","), score)
			}
		}
		if d.Unusable == "" {
			if _, err := stonith.Path("", d.Agent); err != nil {
				d.Unusable = err.Error()
			}
		}
		out = append(out, d)
	})
	return out
}

// locationScore sums the simple location constraints (rsc or
// rsc-pattern, node and score; no rules) of rsc on node: a negative sum
// keeps the device off the node, as Pacemaker's fencer unregisters a
// device whose score on the local node is negative.
func locationScore(c *cib.CIB, rsc, node string) (cib.Score, []string) {
	var sum cib.Score
	var ids []string
	for _, k := range c.Configuration.Constraints {
		if k == nil || k.Kind != cib.KindLocation || len(k.Rules) > 0 || k.Node == "" {
			continue
		}
		if !strings.EqualFold(k.Node, node) {
			continue
		}
		match := k.Rsc == rsc
		if !match && k.RscPattern != "" {
			if re, err := regexp.Compile(k.RscPattern); err == nil && re.MatchString(rsc) {
				match = true
			}
		}
		if !match {
			continue
		}
		s, err := cib.ParseScore(k.Score)
		if err != nil {
			continue // validation reports it; an unreadable score bans nothing
		}
		sum = sum.Add(s)
		ids = append(ids, k.ID)
	}
	return sum, ids
}

// maxLevel is Pacemaker's ST_LEVEL_MAX - 1: levels are 1 to 9.
const maxLevel = 9

// TopologyFor returns the fencing-topology levels that apply to target,
// sorted by index, and the target description they were found under.
// As Pacemaker's fencer, one topology entry applies: the levels naming
// the target exactly (case-insensitively) if any, else those of the
// first pattern or attribute target (in document order) that matches.
// Levels with the same target and index are an error, as is a bad
// index or regular expression; the error names the level.
func TopologyFor(c *cib.CIB, target string) ([]Level, string, error) {
	type entry struct {
		key    string
		levels []Level
	}
	var entries []*entry
	byKey := map[string]*entry{}
	nodeAttrs := permanentAttrs(c, target)
	var matchErr error
	matches := func(l cib.FencingLevel) (string, bool) {
		switch {
		case l.Target != "":
			return "node " + l.Target, strings.EqualFold(l.Target, target)
		case l.TargetPattern != "":
			re, err := regexp.Compile(l.TargetPattern)
			if err != nil {
				if matchErr == nil {
					matchErr = fmt.Errorf("fencing-level %s: target-pattern %q: %w", l.ID, l.TargetPattern, err)
				}
				return "", false
			}
			return "pattern " + l.TargetPattern, re.MatchString(target)
		case l.TargetAttribute != "":
			v, ok := nodeAttrs[l.TargetAttribute]
			return "attribute " + l.TargetAttribute + "=" + l.TargetValue, ok && v == l.TargetValue
		}
		if matchErr == nil {
			matchErr = fmt.Errorf("fencing-level %s: no target, target-pattern or target-attribute", l.ID)
		}
		return "", false
	}
	for _, l := range c.Configuration.FencingTopology {
		key, ok := matches(l)
		if !ok {
			continue
		}
		idx, err := strconv.Atoi(strings.TrimSpace(l.Index))
		if err != nil || idx < 1 || idx > maxLevel {
			return nil, "", fmt.Errorf("fencing-level %s: index %q is not a number from 1 to %d", l.ID, l.Index, maxLevel)
		}
		var devs []string
		for _, d := range strings.Split(l.Devices, ",") {
			if d = strings.TrimSpace(d); d != "" {
				devs = append(devs, d)
			}
		}
		if len(devs) == 0 {
			return nil, "", fmt.Errorf("fencing-level %s: no devices", l.ID)
		}
		e := byKey[key]
		if e == nil {
			e = &entry{key: key}
			byKey[key] = e
			entries = append(entries, e)
		}
		for _, o := range e.levels {
			if o.Index == idx {
				return nil, "", fmt.Errorf("fencing-level %s: index %d for %s already used by %s", l.ID, idx, key, o.ID)
			}
		}
		e.levels = append(e.levels, Level{ID: l.ID, Index: idx, Devices: devs})
	}
	if matchErr != nil {
		return nil, "", matchErr
	}
	var pick *entry
	for _, e := range entries {
		if strings.HasPrefix(e.key, "node ") {
			pick = e
			break
		}
	}
	if pick == nil && len(entries) > 0 {
		pick = entries[0]
	}
	if pick == nil {
		return nil, "", nil
	}
	sort.Slice(pick.levels, func(a, b int) bool { return pick.levels[a].Index < pick.levels[b].Index })
	return pick.levels, pick.key, nil
}

// permanentAttrs returns a node's permanent attributes (the
// configuration's node instance_attributes), which topology levels
// targeted by attribute match.
func permanentAttrs(c *cib.CIB, node string) map[string]string {
	for _, n := range c.Configuration.Nodes {
		if strings.EqualFold(n.Uname, node) {
			return flatten(n.Attributes)
		}
	}
	return map[string]string{}
}

// nodeID returns the configured id of node, "" when unknown.
func nodeID(c *cib.CIB, node string) string {
	for _, n := range c.Configuration.Nodes {
		if strings.EqualFold(n.Uname, node) {
			return n.ID
		}
	}
	return ""
}

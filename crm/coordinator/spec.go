package coordinator

// From the CIB to what the executor needs: a resource's agent and
// parameters (ResourceSpec), an operation's timeout and the rc it is
// expected to return, as Pacemaker's controller reads them from the
// transition graph's action.

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"pacer/crm/cib"
	"pacer/resources"
)

// defaultOpTimeout is Pacemaker's default operation timeout.
const defaultOpTimeout = 20 * time.Second

// primitive is a primitive with the resources around it (group, clone).
type primitive struct {
	r     *cib.Resource
	chain []*cib.Resource // outermost first, the primitive last
}

// primitives lists every primitive of c by id.
func primitives(c *cib.CIB) map[string]primitive {
	out := map[string]primitive{}
	templates := map[string]*cib.Resource{}
	var walk func(rs []*cib.Resource, chain []*cib.Resource)
	walk = func(rs []*cib.Resource, chain []*cib.Resource) {
		for _, r := range rs {
			ch := append(append([]*cib.Resource(nil), chain...), r)
			switch r.Kind {
			case cib.KindPrimitive:
				out[r.ID] = primitive{r: withTemplate(r, templates), chain: ch}
			case cib.KindTemplate:
			default:
				walk(r.Children, ch)
			}
		}
	}
	for _, r := range c.Configuration.Resources {
		if r.Kind == cib.KindTemplate {
			templates[r.ID] = r
		}
	}
	walk(c.Configuration.Resources, nil)
	return out
}

// withTemplate returns r with what it inherits from its template.
func withTemplate(r *cib.Resource, templates map[string]*cib.Resource) *cib.Resource {
	t := templates[r.Template]
	if r.Template == "" || t == nil {
		return r
	}
	m := *r
	if m.Class == "" {
		m.Class, m.Provider, m.Type = t.Class, t.Provider, t.Type
	}
	m.Instance = append(append([]cib.NVSet(nil), r.Instance...), t.Instance...)
	m.Meta = append(append([]cib.NVSet(nil), r.Meta...), t.Meta...)
	m.Ops = append(append([]cib.Op(nil), r.Ops...), t.Ops...)
	return &m
}

// lookup finds the primitive of a graph action's resource: by its id,
// else by the id without a clone instance suffix (":N").
func lookup(prims map[string]primitive, rsc string) (primitive, bool) {
	if p, ok := prims[rsc]; ok {
		return p, true
	}
	if i := strings.LastIndexByte(rsc, ':'); i > 0 {
		p, ok := prims[rsc[:i]]
		return p, ok
	}
	return primitive{}, false
}

// orphan is a resource known only from a node's history (deleted from
// the configuration while active): its agent as the history recorded it,
// no parameters (the stop of an orphan needs none from the CIB).
func orphan(c *cib.CIB, node string, ids ...string) (primitive, bool) {
	for _, ns := range c.Status.Nodes {
		if ns.Uname != node || ns.LRM == nil {
			continue
		}
		for _, r := range ns.LRM.Resources {
			for _, id := range ids {
				if r.ID == id {
					return primitive{r: &cib.Resource{Kind: cib.KindPrimitive, ID: id, Class: r.Class, Provider: r.Provider, Type: r.Type}}, true
				}
			}
		}
	}
	return primitive{}, false
}

// firstValues merges name/value pairs: the first set that names a
// value wins, as Pacemaker's unpacking of sets in order. Sets with a rule
// are left out (rules are the scheduler's; node-specific parameters are
// not supported by the coordinator yet).
func firstValues(dst map[string]string, sets []cib.NVSet) {
	for _, s := range sets {
		if s.Rule != nil {
			continue
		}
		for _, p := range s.Pairs {
			if _, ok := dst[p.Name]; !ok && p.HasValue {
				dst[p.Name] = p.Value
			}
		}
	}
}

// spec is the ResourceSpec for the primitive, under id (the name the
// graph gives it).
func (p primitive) spec(c *cib.CIB, id string) resources.ResourceSpec {
	params := map[string]string{}
	firstValues(params, p.r.Instance)
	meta := map[string]string{}
	for i := len(p.chain) - 1; i >= 0; i-- {
		firstValues(meta, p.chain[i].Meta)
	}
	firstValues(meta, c.Configuration.RscDefaults)
	return resources.ResourceSpec{ID: id, Class: p.r.Class, Provider: p.r.Provider, Type: p.r.Type, Params: params, Meta: meta}
}

// opDef finds the configured operation name at interval.
func (p primitive) opDef(name string, interval time.Duration) *cib.Op {
	for i := range p.r.Ops {
		o := &p.r.Ops[i]
		if o.Name != name {
			continue
		}
		iv, err := cib.ParseInterval(o.Interval)
		if o.Interval == "" {
			iv, err = 0, nil
		}
		if err == nil && iv == interval {
			return o
		}
	}
	return nil
}

// timeout is the operation's timeout: its definition's, else (for a
// probe) the recurring monitor's, else op_defaults', else 20 s.
func (p primitive) timeout(c *cib.CIB, name string, interval time.Duration) time.Duration {
	if o := p.opDef(name, interval); o != nil && o.Timeout != "" {
		if d, err := cib.ParseDuration(o.Timeout); err == nil && d > 0 {
			return d
		}
	}
	defaults := map[string]string{}
	firstValues(defaults, c.Configuration.OpDefaults)
	if v, ok := defaults["timeout"]; ok {
		if d, err := cib.ParseDuration(v); err == nil && d > 0 {
			return d
		}
	}
	return defaultOpTimeout
}

// targetRC is the rc the action is expected to return: a probe expects
// "not running", a recurring monitor its role's rc.
func (p primitive) targetRC(name string, interval time.Duration) int {
	if name != "monitor" {
		return 0
	}
	if interval == 0 {
		return 7
	}
	if o := p.opDef(name, interval); o != nil {
		switch o.Role {
		case "Stopped":
			return 7
		case "Promoted", "Master":
			return 8
		}
	}
	return 0
}

// property is a cluster property's value.
func property(c *cib.CIB, name string) (string, bool) {
	m := map[string]string{}
	firstValues(m, c.Configuration.CRMConfig)
	v, ok := m[name]
	return v, ok
}

func boolProperty(c *cib.CIB, name string, def bool) bool {
	v, ok := property(c, name)
	if !ok {
		return def
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "on", "yes", "y", "1":
		return true
	case "false", "off", "no", "n", "0":
		return false
	}
	return def
}

// probeSpecs are the resources a joining node probes: every primitive of
// the configuration, under its own id (an anonymous clone's instances
// share it, as their history does).
func probeSpecs(c *cib.CIB) []resources.ResourceSpec {
	prims := primitives(c)
	ids := make([]string, 0, len(prims))
	for id := range prims {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make([]resources.ResourceSpec, 0, len(ids))
	for _, id := range ids {
		out = append(out, prims[id].spec(c, id))
	}
	return out
}

func msString(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }

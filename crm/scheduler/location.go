package scheduler

import (
	"regexp"
	"strings"

	"pacer/crm/cib"
)

// applyLocations applies every rsc_location constraint (Pacemaker's
// pcmk__apply_locations), after the symmetric-cluster default of 0 on
// every node that unpackResources already set.
func (ws *workingSet) applyLocations() {
	for _, c := range ws.cib.Configuration.Constraints {
		if c.Kind != cib.KindLocation {
			continue
		}
		var targets []*resource
		var matches [][]string // per target, for an rsc-pattern
		switch {
		case c.Rsc != "":
			if r := ws.all[c.Rsc]; r != nil {
				targets = append(targets, r)
			}
		case c.RscPattern != "":
			// unpack_simple_location: the pattern is matched against
			// the top-level resources; a leading '!' inverts it.
			pattern, invert := c.RscPattern, false
			if strings.HasPrefix(pattern, "!") {
				pattern, invert = pattern[1:], true
			}
			re, err := regexp.Compile(pattern)
			if err != nil {
				continue
			}
			for _, r := range ws.resources {
				m := re.FindStringSubmatch(r.id)
				switch {
				case !invert && m != nil:
					targets, matches = append(targets, r), append(matches, m)
				case invert && m == nil:
					targets, matches = append(targets, r), append(matches, nil)
				}
			}
		case len(c.Sets) > 0:
			for _, s := range c.Sets {
				for _, id := range s.Resources {
					if r := ws.all[id]; r != nil {
						targets = append(targets, r)
					}
				}
			}
		}
		for i, r := range targets {
			var m []string
			if i < len(matches) {
				m = matches[i]
			}
			ws.traced(func() string { return locationLabel(c) }, []*resource{r}, func() { ws.applyLocation(r, c, m) })
		}
	}
}

// locationLabel names a location constraint in an explanation.
func locationLabel(c *cib.Constraint) string {
	switch {
	case c.Node != "":
		return "location " + c.ID
	case len(c.Rules) == 1 && c.Rules[0].ID != "":
		return "location " + c.ID + " (rule " + c.Rules[0].ID + ")"
	}
	return "location " + c.ID + " (rules)"
}

// allInOrder lists every resource, parents before children, in
// configuration order.
func (ws *workingSet) allInOrder() []*resource {
	var out []*resource
	var walk func(r *resource)
	walk = func(r *resource) {
		out = append(out, r)
		for _, c := range r.children {
			walk(c)
		}
	}
	for _, def := range ws.cib.Configuration.Resources {
		if r := ws.all[def.ID]; r != nil {
			walk(r)
		}
	}
	return out
}

// applyLocation applies one location constraint to r. A constraint (or
// rule) for the Promoted role does not place the resource: its scores are
// kept for choosing which instance of a promotable clone is promoted
// (apply_promoted_location). Other role filters are not modelled: a
// constraint for the Unpromoted role applies to every role, as in
// Pacemaker.
func (ws *workingSet) applyLocation(r *resource, c *cib.Constraint, matches []string) {
	isPromoted := func(role string) bool {
		ro, err := cib.ParseRole(role)
		return err == nil && ro == cib.RolePromoted
	}
	add := func(promoted bool, n *node, score cib.Score) {
		if promoted {
			r.promotedLocs = append(r.promotedLocs, nodeScore{node: n, score: score})
			return
		}
		r.addLocation(n, score)
	}
	if c.Node != "" {
		n := ws.byNodeName[c.Node]
		if n == nil {
			return
		}
		score, err := cib.ParseScore(c.Score)
		if err != nil {
			return
		}
		add(isPromoted(c.Role), n, score)
		return
	}
	for i := range c.Rules {
		rule := &c.Rules[i]
		role := rule.Role
		if role == "" {
			role = c.Role
		}
		promoted := isPromoted(role)
		for _, n := range ws.nodes {
			// value-source="param" compares with the resource's
			// parameters as they are evaluated for this node.
			var params map[string]string
			rr := &ruleRsc{meta: r.meta, matches: matches, params: func() map[string]string {
				if params == nil {
					params = ws.rscParams(r, n)
				}
				return params
			}}
			if !ws.evalRule(rule, n.attrs, rr) {
				continue
			}
			var score cib.Score
			switch {
			case rule.Score != "":
				s, err := cib.ParseScore(rule.Score)
				if err != nil {
					continue
				}
				score = s
			case rule.ScoreAttribute != "":
				v, ok := n.attrs[rule.ScoreAttribute]
				if !ok {
					continue
				}
				s, err := cib.ParseScore(v)
				if err != nil {
					continue
				}
				score = s
			}
			add(promoted, n, score)
		}
	}
}

// addLocation adds a location score for a node to a resource and, for a
// group, to each member (pcmk__group_apply_location). In a colocated
// group only the first member takes the score; the others get the node
// with score 0, since the first member's scores already stand for theirs.
func (r *resource) addLocation(n *node, score cib.Score) {
	w := &r.allowed[n.idx]
	if w.present {
		w.score = w.score.Add(score)
	} else {
		*w = nodeWeight{present: true, score: score}
	}
	for i, c := range r.children {
		if i > 0 && r.isGroup() && r.colocated {
			c.addLocation(n, 0)
			continue
		}
		c.addLocation(n, score)
	}
}

// applyStickiness adds resource-stickiness to the node a managed
// primitive is active on (Pacemaker's apply_stickiness).
func (ws *workingSet) applyStickiness() {
	var walk func(r *resource)
	walk = func(r *resource) {
		if len(r.children) > 0 {
			for _, c := range r.children {
				walk(c)
			}
			return
		}
		if !r.managed || r.stickiness < 1 || len(r.running) != 1 {
			return
		}
		n := r.running[0]
		if !ws.symmetric && !r.allowed[n.idx].present {
			return
		}
		w := &r.allowed[n.idx]
		if w.present {
			w.score = w.score.Add(r.stickiness)
		} else {
			*w = nodeWeight{present: true, score: r.stickiness}
		}
	}
	for _, r := range ws.resources {
		walk(r)
	}
	_ = strings.ToLower
}

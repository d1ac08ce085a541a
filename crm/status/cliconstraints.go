package status

import (
	"sort"
	"strings"
	"time"

	"pacer/crm/cib"
)

// CLIConstraint is a location constraint `pacer resource move` or `ban`
// (or crm_resource --move/--ban) added, listed while it lasts so that no
// move leaves a hidden preference behind.
type CLIConstraint struct {
	ID   string `json:"id"`
	Rsc  string `json:"rsc"`
	Kind string `json:"kind"` // "move" (cli-prefer-) or "ban" (cli-ban-)
	Node string `json:"node,omitempty"`
	// Score is INFINITY for a move, -INFINITY for a ban.
	Score string `json:"score"`
	// Expires is the end of its lifetime rule (`date lt`); absent when it
	// lasts until removed.
	Expires time.Time `json:"expires,omitzero"`
}

// cliConstraints lists the cli-prefer-* and cli-ban-* location
// constraints of c that are in force at now (an expired lifetime is left
// out), by id.
func cliConstraints(c *cib.CIB, now time.Time) []CLIConstraint {
	out := []CLIConstraint{}
	for _, con := range c.Configuration.Constraints {
		if con.Kind != cib.KindLocation {
			continue
		}
		kind := ""
		switch {
		case strings.HasPrefix(con.ID, "cli-prefer-"):
			kind = "move"
		case strings.HasPrefix(con.ID, "cli-ban-"):
			kind = "ban"
		default:
			continue
		}
		cc := CLIConstraint{ID: con.ID, Rsc: con.Rsc, Kind: kind, Node: con.Node, Score: con.Score}
		expired := false
		for _, r := range con.Rules {
			if cc.Score == "" {
				cc.Score = r.Score
			}
			for _, e := range r.Exprs {
				switch {
				case e.Kind == cib.ExprAttribute && e.Attribute == "#uname" && e.Operation == "eq":
					cc.Node = e.Value
				case e.Kind == cib.ExprDate && e.Operation == "lt" && e.End != "":
					if t, err := cib.ParseISODate(e.End); err == nil {
						cc.Expires = t.UTC()
						expired = !now.Before(t)
					}
				}
			}
		}
		if cc.Score == "" {
			cc.Score = "INFINITY"
		}
		if !expired {
			out = append(out, cc)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

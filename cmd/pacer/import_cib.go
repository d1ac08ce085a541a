package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"pacer/crm/cib"
	"pacer/crm/cib/cibfile"
	"pacer/crm/cib/cibxml"
	"pacer/crm/cib/crmsh"
)

func importCIBCommand() *cli.Command {
	return &cli.Command{
		Name:      "cib",
		Usage:     "check a Pacemaker CIB (cibadmin -Q) or crm shell dump (crm configure show) and print it for pacer",
		ArgsUsage: "FILE (- for stdin)",
		Description: `Reads a Pacemaker CIB in XML (cibadmin -Q, or a <configuration> or one of
its sections) or a crm shell dump (crm configure show), told apart by
content, validates it with pacer's model and prints the configuration in
crm syntax (--format xml: XML). Everything pacer does not honour is reported
on stderr with where it is (file:line and an XPath-like path): bundles,
remote and guest nodes, tickets, alerts, ACLs, rule expressions pacer does
not evaluate, cluster options it ignores.

Exit status: 0 all honoured; 1 bad input, nothing written; 2 written, with
things not honoured.

Examples:
  cibadmin -Q > cib.xml && pacer import cib cib.xml > cib.crm
  crm configure show | pacer import cib - --format xml -o cib.xml`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Value: "crm", Usage: "output `FORMAT`: crm or xml"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the configuration to `FILE` instead of stdout"},
			&cli.BoolFlag{Name: "force", Usage: "replace the -o file if it exists"},
		},
		Action: importCIB,
	}
}

// foreign is a configuration read from another cluster manager.
type foreign struct {
	name  string
	isXML bool
	whole *cib.CIB // a whole <cib>; nil for a fragment or a crm dump
	conf  *cib.Configuration
	// findings are things not honoured, found while reading (ACL
	// statements of a crm dump) and by check.
	findings []finding
	// notes are informational (schema upgrade changes).
	notes []string
}

// finding is one thing pacer does not honour, and where it is.
type finding struct {
	pos  cib.Pos
	path string // XPath-like for XML, the crm statement for a crm dump
	msg  string
}

func (f foreign) format(x finding) string {
	s := f.name + ":"
	if x.pos.Line > 0 {
		s += fmt.Sprintf("%d:", x.pos.Line)
	}
	return fmt.Sprintf("%s %s: not honoured: %s", s, x.path, x.msg)
}

func importCIB(c *cli.Context) error {
	nc, err := interspersed(c)
	if errors.Is(err, errShowHelp) {
		return cli.ShowSubcommandHelp(c)
	}
	if err != nil {
		return cli.Exit(err.Error(), exitImportError)
	}
	c = nc
	if c.Args().Len() != 1 {
		return cli.Exit("import cib: want one FILE (- for stdin)", exitImportError)
	}
	format := c.String("format")
	if format != "crm" && format != "xml" {
		return cli.Exit(fmt.Sprintf("import cib: --format %q: want crm or xml", format), exitImportError)
	}
	data, name, err := readArg(c, c.Args().First())
	if err != nil {
		return cli.Exit(fmt.Sprintf("import cib: %v", err), exitImportError)
	}
	f, err := readForeign(data, name)
	if err != nil {
		return importFailed(c, err)
	}
	var verr error
	if f.whole != nil {
		verr = cib.Validate(f.whole)
	} else {
		verr = cib.ValidateConfiguration(f.conf)
	}
	if verr != nil {
		return importFailed(c, cib.WithFile(verr, name))
	}
	f.check()
	sort.SliceStable(f.findings, func(i, j int) bool {
		li, lj := f.findings[i].pos.Line, f.findings[j].pos.Line
		if li == 0 || lj == 0 {
			return lj == 0 && li != 0
		}
		return li < lj
	})

	var buf bytes.Buffer
	switch {
	case format == "crm":
		err = crmsh.Print(&buf, f.conf)
	case f.whole != nil:
		err = cibxml.Write(&buf, f.whole)
	default:
		// A whole <cib>, so the output serves as a --cib-file.
		w := cibfile.Empty()
		w.Configuration = *f.conf
		err = cibxml.Write(&buf, w)
	}
	if err != nil {
		return importFailed(c, err)
	}
	if out := c.String("output"); out != "" {
		if _, err := os.Lstat(out); err == nil && !c.Bool("force") {
			return importFailed(c, fmt.Errorf("import cib: %s exists: pass --force to replace it", out))
		}
		if err := writeFileAtomic(out, buf.Bytes(), 0o644); err != nil {
			return importFailed(c, err)
		}
	} else if _, err := c.App.Writer.Write(buf.Bytes()); err != nil {
		return err
	}
	for _, n := range f.notes {
		fmt.Fprintln(c.App.ErrWriter, n)
	}
	for _, x := range f.findings {
		fmt.Fprintln(c.App.ErrWriter, f.format(x))
	}
	if n := len(f.findings); n > 0 {
		return cli.Exit(fmt.Sprintf("import cib: %s: valid, %d thing(s) pacer does not honour (see above)", name, n), exitImportWarnings)
	}
	fmt.Fprintf(c.App.ErrWriter, "import cib: %s: valid, everything honoured\n", name)
	return nil
}

// readForeign tells XML from a crm dump by the first thing in it and reads
// it into pacer's model.
func readForeign(data []byte, name string) (*foreign, error) {
	f := &foreign{name: name}
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("%s: empty: want a CIB (cibadmin -Q) or a crm dump (crm configure show)", name)
	}
	if trimmed[0] == '<' {
		f.isXML = true
		c, changes, err := cibxml.ReadOptions(bytes.NewReader(data), name, cibxml.Options{})
		if errors.Is(err, cibxml.ErrNotCIB) {
			conf, ferr := cibxml.ReadConfiguration(bytes.NewReader(data), name)
			if ferr != nil {
				return nil, ferr
			}
			f.conf = conf
			return f, nil
		}
		if err != nil {
			return nil, err
		}
		for _, ch := range changes {
			f.notes = append(f.notes, fmt.Sprintf("%s:%s (schema upgrade, as Pacemaker does on load)", name, ch))
		}
		f.whole, f.conf = c, &c.Configuration
		return f, nil
	}
	src, acl := dropACLStatements(data)
	for _, a := range acl {
		f.findings = append(f.findings, finding{pos: cib.Pos{Line: a.line}, path: a.words,
			msg: "ACL statement: pacer has no access control lists (its control socket admits root and group haclient); left out"})
	}
	conf, err := crmsh.ParseConfiguration(src, name)
	if err != nil {
		return nil, err
	}
	f.conf = conf
	return f, nil
}

type aclStatement struct {
	line  int
	words string
}

// dropACLStatements blanks the crm shell's ACL statements (role, user,
// acl_target, acl_group), which pacer's crm syntax does not read, keeping
// every other line where it was so positions stay true.
func dropACLStatements(src []byte) ([]byte, []aclStatement) {
	lines := strings.Split(string(src), "\n")
	var found []aclStatement
	for i := 0; i < len(lines); i++ {
		fields := strings.Fields(lines[i])
		if len(fields) == 0 {
			continue
		}
		start := i
		// the statement's physical lines: continued by a trailing '\'
		end := i
		for end < len(lines)-1 && strings.HasSuffix(strings.TrimRight(lines[end], " \t\r"), `\`) {
			end++
		}
		switch fields[0] {
		case "role", "user", "acl_target", "acl_group":
			words := fields[0]
			if len(fields) > 1 {
				words += " " + strings.TrimSuffix(fields[1], `\`)
			}
			found = append(found, aclStatement{line: start + 1, words: words})
			for j := start; j <= end; j++ {
				lines[j] = ""
			}
		}
		i = end
	}
	return []byte(strings.Join(lines, "\n")), found
}

// check walks the configuration for what pacer keeps but does not act on.
func (f *foreign) check() {
	c := f.conf
	add := func(pos cib.Pos, xml, crm, msg string) {
		p := crm
		if f.isXML {
			p = xml
		}
		f.findings = append(f.findings, finding{pos: pos, path: p, msg: msg})
	}
	conf := "/cib/configuration"
	if f.whole == nil {
		conf = "/configuration"
	}
	tags := map[string]bool{}
	for _, t := range c.Tags {
		tags[t.ID] = true
	}

	for _, n := range c.Nodes {
		x := fmt.Sprintf("%s/nodes/node[@id='%s']", conf, n.ID)
		switch n.Type {
		case "remote":
			add(n.Pos, x, "node "+n.Uname, "a Pacemaker Remote node: pacer has no remote nodes; only full members run resources")
		case "ping":
			add(n.Pos, x, "node "+n.Uname, "a ping node: pacer has none; use ocf:pacemaker:ping and a location rule on its attribute")
		}
		f.checkSets(n.Attributes, x, "node "+n.Uname, add)
	}

	var rsc func(r *cib.Resource, parent string)
	rsc = func(r *cib.Resource, parent string) {
		el := string(r.Kind)
		if r.Kind == cib.KindMaster {
			el = "master"
		}
		x := fmt.Sprintf("%s/%s[@id='%s']", parent, el, r.ID)
		crm := crmWord(r.Kind) + " " + r.ID
		switch r.Kind {
		case cib.KindBundle:
			add(r.Pos, x, crm, "bundles (containers run by docker or podman) are not implemented by pacer's scheduler: kept in the CIB, never started")
		case cib.KindPrimitive:
			switch {
			case r.Class == "ocf" && r.Provider == "pacemaker" && r.Type == "remote":
				add(r.Pos, x, crm, "ocf:pacemaker:remote connects a Pacemaker Remote node; pacer has no remote nodes")
			case r.Class != "" && !supportedClass[r.Class]:
				add(r.Pos, x, crm, fmt.Sprintf("resource class %q: pacer runs ocf, lsb, systemd and stonith agents only", r.Class))
			}
			for _, s := range r.Meta {
				for _, p := range s.Pairs {
					if p.Name == "remote-node" {
						add(r.Pos, x, crm, fmt.Sprintf("meta remote-node=%s makes a guest node (a VM or container running Pacemaker Remote); pacer has no guest nodes", p.Value))
					}
				}
			}
		}
		f.checkSets(r.Meta, x, crm, add)
		f.checkSets(r.Instance, x, crm, add)
		for _, ch := range r.Children {
			rsc(ch, x)
		}
	}
	for _, r := range c.Resources {
		rsc(r, conf+"/resources")
	}

	for _, k := range c.Constraints {
		x := fmt.Sprintf("%s/constraints/%s[@id='%s']", conf, k.Kind, k.ID)
		crm := crmConstraintWord(k.Kind) + " " + k.ID
		if k.Kind == cib.KindTicket {
			add(k.Pos, x, crm, fmt.Sprintf("tickets (booth, multi-site) are not implemented: ticket %s is never granted or revoked, the constraint has no effect", k.Ticket))
		}
		if len(k.Lifetime) > 0 {
			add(k.Pos, x, crm, "<lifetime> (deprecated since Pacemaker 1.1) is ignored: the constraint holds for ever; use a rule with a date_expression")
		}
		refs := []string{k.Rsc, k.WithRsc, k.First, k.Then}
		for _, s := range k.Sets {
			refs = append(refs, s.Resources...)
		}
		for _, id := range refs {
			if id != "" && tags[id] {
				add(k.Pos, x, crm, fmt.Sprintf("%s is a tag: pacer's scheduler does not expand tags in constraints; name the resources", id))
			}
		}
		for i := range k.Rules {
			f.checkRule(&k.Rules[i], x, crm, add)
		}
	}

	for _, s := range c.CRMConfig {
		sx := fmt.Sprintf("%s/crm_config/cluster_property_set[@id='%s']", conf, s.ID)
		for _, p := range s.Pairs {
			why, ignored := ignoredProperty(p.Name)
			if !ignored {
				continue
			}
			pos := p.Pos
			if pos.Line == 0 {
				pos = s.Pos
			}
			add(pos, fmt.Sprintf("%s/nvpair[@name='%s']", sx, p.Name), "property "+p.Name, why)
		}
		if s.Rule != nil {
			f.checkRule(s.Rule, sx, "property "+s.ID, add)
		}
	}
	f.checkSets(c.RscDefaults, conf+"/rsc_defaults", "rsc_defaults", add)
	f.checkSets(c.OpDefaults, conf+"/op_defaults", "op_defaults", add)

	for _, a := range c.Alerts {
		add(a.Pos, fmt.Sprintf("%s/alerts/alert[@id='%s']", conf, a.ID), "alert "+a.ID,
			fmt.Sprintf("pacer does not run alert agents: %s is kept and never called; follow pacer's log lines instead (docs/operator-guide.md)", a.Path))
	}
	for _, u := range c.Unknown {
		x := conf + "/" + u.Name
		msg := fmt.Sprintf("<%s> is not part of pacer's model: kept as it is, with no effect", u.Name)
		if u.Name == "acls" {
			msg = "access control lists: pacer has none; its control socket admits root and group haclient. Kept as it is, with no effect"
		}
		add(cib.Pos{}, x, "xml <"+u.Name+">", msg) // the model keeps no position for it
	}
}

// checkSets looks at the rules of nvsets.
func (f *foreign) checkSets(sets []cib.NVSet, x, crm string, add func(cib.Pos, string, string, string)) {
	for _, s := range sets {
		if s.Rule != nil {
			f.checkRule(s.Rule, fmt.Sprintf("%s/%s[@id='%s']", x, s.Kind, s.ID), crm, add)
		}
	}
}

// checkRule reports the expressions pacer's scheduler does not evaluate.
func (f *foreign) checkRule(r *cib.Rule, x, crm string, add func(cib.Pos, string, string, string)) {
	rx := fmt.Sprintf("%s/rule[@id='%s']", x, r.ID)
	for i := range r.Exprs {
		e := &r.Exprs[i]
		switch e.Kind {
		case cib.ExprResource, cib.ExprOp:
			add(e.Pos, fmt.Sprintf("%s/%s[@id='%s']", rx, e.Kind, e.ID), crm,
				fmt.Sprintf("%s: pacer's scheduler does not evaluate it and takes it as false, so rule %s never applies", e.Kind, r.ID))
		case cib.ExprRule:
			if e.Rule != nil {
				f.checkRule(e.Rule, rx, crm, add)
			}
		}
	}
}

var supportedClass = map[string]bool{"ocf": true, "lsb": true, "systemd": true, "stonith": true}

func crmWord(k cib.ResourceKind) string {
	switch k {
	case cib.KindMaster:
		return "ms"
	case cib.KindTemplate:
		return "rsc_template"
	}
	return string(k)
}

func crmConstraintWord(k cib.ConstraintKind) string {
	switch k {
	case cib.KindLocation:
		return "location"
	case cib.KindColocation:
		return "colocation"
	case cib.KindOrder:
		return "order"
	}
	return string(k)
}

// ignoredProperty says why pacer ignores a cluster option, or false when
// pacer reads it (or Pacemaker wrote it for information only).
func ignoredProperty(name string) (string, bool) {
	switch name {
	// read by pacer's scheduler, coordinator or fencer
	case "symmetric-cluster", "stonith-enabled", "stonith-action", "stonith-timeout", "no-quorum-policy",
		"stop-orphan-resources", "stop-orphan-actions", "stop-all-resources", "placement-strategy",
		"cluster-name", "startup-fencing", "maintenance-mode", "is-managed-default",
		"default-resource-stickiness", "concurrent-fencing", "start-failure-is-fatal",
		"priority-fencing-delay", "cluster-recheck-interval", "cluster-delay", "enable-startup-probes",
		"no-quorum-panic":
		return "", false
	// written by Pacemaker for information
	case "dc-version", "cluster-infrastructure", "have-watchdog", "last-lrm-refresh", "expected-quorum-votes":
		return "", false
	case "dc-deadtime", "election-timeout", "join-integration-timeout", "join-finalization-timeout", "shutdown-escalation":
		return "pacer's DC is elected by Raft over the heartbeat links: [raft] in pacer.toml sets that timing", true
	case "batch-limit", "migration-limit", "node-action-limit", "load-threshold", "transition-delay":
		return "pacer does not throttle transitions", true
	case "pe-error-series-max", "pe-warn-series-max", "pe-input-series-max":
		return "pacer does not save scheduler inputs as pe-input files", true
	case "enable-acl":
		return "pacer has no access control lists", true
	case "stonith-watchdog-timeout", "fence-reaction", "stonith-max-attempts":
		return "pacer's fencer has no watchdog self-fencing (sbd), no fence reaction setting and no attempt limit", true
	case "shutdown-lock", "shutdown-lock-limit":
		return "pacer does not lock resources to a node that shuts down cleanly", true
	case "node-health-strategy", "node-health-base", "node-health-green", "node-health-yellow", "node-health-red":
		return "pacer does not score node health attributes", true
	}
	return "not a cluster option pacer knows; it has no effect", true
}

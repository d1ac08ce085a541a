package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"

	"pacer/crm/cib"
	"pacer/crm/cib/cibedit"
	"pacer/crm/cib/cibfile"
	"pacer/crm/cib/cibxml"
	"pacer/crm/cib/crmsh"
)

// objectKeywords are the crm statements `pacer configure KEYWORD ...`
// creates, as crmsh's configure level has them.
var objectKeywords = []struct{ name, usage, example string }{
	{"node", "define a node and its attributes", "pacer configure node alpha attributes standby=off"},
	{"primitive", "define a resource", "pacer configure primitive vip ocf:heartbeat:IPaddr2 params ip=10.0.0.10 cidr_netmask=24 op monitor interval=10s"},
	{"rsc_template", "define a resource template", "pacer configure rsc_template web-tpl ocf:heartbeat:apache params configfile=/etc/apache2/apache2.conf"},
	{"group", "group resources (started in order, stopped in reverse)", "pacer configure group web vip fs apache"},
	{"clone", "run a resource on several nodes", "pacer configure clone dlm-clone dlm meta interleave=true"},
	{"ms", "promotable clone (classic master/slave)", "pacer configure ms drbd-ms drbd meta promoted-max=1 notify=true"},
	{"location", "prefer or avoid nodes", "pacer configure location prefer-alpha vip 100: alpha"},
	{"colocation", "keep resources together or apart", "pacer configure colocation web-with-drbd inf: web drbd-ms:Promoted"},
	{"order", "start resources in order", "pacer configure order drbd-before-web Mandatory: drbd-ms:promote web:start"},
	{"rsc_ticket", "tie resources to a ticket", "pacer configure rsc_ticket web-needs-t1 ticketA: web loss-policy=stop"},
	{"property", "set cluster properties", "pacer configure property stonith-enabled=true no-quorum-policy=stop"},
	{"rsc_defaults", "set resource defaults", "pacer configure rsc_defaults resource-stickiness=100"},
	{"op_defaults", "set operation defaults", "pacer configure op_defaults timeout=60s"},
	{"fencing_topology", "fencing levels per node", "pacer configure fencing_topology alpha: ipmi-alpha bravo: ipmi-bravo"},
	{"tag", "name a set of resources", "pacer configure tag web-stack: vip fs apache"},
	{"alert", "define an alert agent", "pacer configure alert notify /usr/share/pacemaker/alerts/alert_file.sh to /var/log/pcmk-alerts.log"},
}

func cibFileFlag() cli.Flag {
	return &cli.StringFlag{
		Name:    "cib-file",
		Usage:   "work on the CIB in `FILE` offline instead of the live cluster (like crmsh with CIB_file)",
		EnvVars: []string{"CIB_file"},
	}
}

// cibPath returns the offline CIB file, or an error without one.
func cibPath(c *cli.Context) (string, error) {
	if p := offlinePath(c); p != "" {
		return p, nil
	}
	return "", errors.New("no CIB file: pass --cib-file FILE or set CIB_file")
}

func configureCommand() *cli.Command {
	cmds := []*cli.Command{
		{
			Name:      "show",
			Usage:     "print the configuration in crm syntax, or as XML",
			ArgsUsage: "[xml] [ID...]",
			Description: "Examples:\n  pacer configure show\n  pacer configure show vip\n" +
				"  pacer --cib-file cib.xml configure show xml",
			Action: configureShow,
		},
		{
			Name:      "delete",
			Usage:     "delete objects by id (references in groups, constraints and tags go with them)",
			ArgsUsage: "ID...",
			Description: "A running resource is refused unless --force.\n" +
				"Example:\n  pacer --cib-file cib.xml configure delete prefer-alpha",
			Flags:  []cli.Flag{&cli.BoolFlag{Name: "force", Usage: "delete even if the status shows it running"}},
			Action: configureDelete,
		},
		{
			Name:      "load",
			Usage:     "load a crm configuration file: update merges it, replace makes it the configuration",
			ArgsUsage: "update|replace FILE (- for stdin)",
			Description: "Examples:\n  pacer --cib-file cib.xml configure load update new-resources.crm\n" +
				"  crm configure show | pacer --cib-file cib.xml configure load replace -",
			Action: configureLoad,
		},
		{
			Name:        "verify",
			Usage:       "check the configuration and print every problem",
			Description: "Exit status 0 when valid, 1 otherwise.\nExamples:\n  pacer configure verify\n  pacer --cib-file cib.xml configure verify",
			Action:      configureVerify,
		},
		configureEditCommand(),
	}
	for _, kw := range objectKeywords {
		kw := kw
		cmds = append(cmds, &cli.Command{
			Name:            kw.name,
			Usage:           kw.usage,
			ArgsUsage:       "ARGS... (crm syntax)",
			Description:     "Example:\n  " + kw.example,
			SkipFlagParsing: true, // the crm statement's own words, untouched
			Action: func(c *cli.Context) error {
				if c.Args().Len() > 0 && (c.Args().First() == "--help" || c.Args().First() == "-h") {
					return cli.ShowSubcommandHelp(c)
				}
				return configureObject(c, kw.name)
			},
		})
	}
	return &cli.Command{
		Name:  "configure",
		Usage: "view and change the configuration (crm shell syntax)",
		Description: "On the live cluster through the local pacerd (--socket), or offline on a CIB file with\n" +
			"--cib-file FILE or the CIB_file environment variable. A change reads the CIB, applies the crm\n" +
			"statement, validates and writes it with a compare-and-swap on the version read: an invalid change\n" +
			"changes nothing (exit 1); a change that lost a race with another one changes nothing (exit 3, run\n" +
			"it again).\n\nExamples:\n  pacer configure primitive vip ocf:heartbeat:IPaddr2 params ip=10.0.0.10\n" +
			"  pacer --cib-file cib.xml configure show",
		Flags:       []cli.Flag{socketFlag()},
		Subcommands: cmds,
	}
}

// edit loads the CIB file, applies change, validates and saves. On any
// error the file is left as it was. Offline only (pacer import); the
// configure commands take changeCIB, offline and online alike.
func edit(c *cli.Context, change func(f *cibfile.File) error) error {
	path, err := cibPath(c)
	if err != nil {
		return err
	}
	f, err := cibfile.Load(path)
	if err != nil {
		return err
	}
	if err := change(f); err != nil {
		return err
	}
	return f.Save()
}

func configureObject(c *cli.Context, keyword string) error {
	ver, err := changeCIB(c, func(cc *cibCopy) error {
		obj, err := crmsh.ParseObject(append([]string{keyword}, c.Args().Slice()...), crmsh.WithExisting(&cc.CIB.Configuration))
		if err != nil {
			return err
		}
		return cibedit.Add(&cc.CIB.Configuration, obj)
	})
	return changed(c, "configure "+keyword, ver, err)
}

// changed reports a change's outcome: the new version on a live cluster
// (offline, the file is the record), or the exit status for err.
func changed(c *cli.Context, cmd, ver string, err error) error {
	if err != nil {
		return exitFor(cmd, err)
	}
	if offlinePath(c) == "" {
		fmt.Fprintf(c.App.ErrWriter, "configuration updated (version %s)\n", ver)
	}
	return nil
}

func configureDelete(c *cli.Context) error {
	if c.Args().Len() == 0 {
		return exitFor("configure delete", errors.New("name at least one id"))
	}
	var removed []cibedit.Removal
	ver, err := changeCIB(c, func(cc *cibCopy) error {
		var err error
		removed, err = cibedit.Delete(cc.CIB, c.Args().Slice(), c.Bool("force"))
		return err
	})
	if err == nil {
		named := map[string]bool{}
		for _, id := range c.Args().Slice() {
			named[id] = true
		}
		for _, r := range removed {
			if !named[r.ID] {
				fmt.Fprintf(c.App.Writer, "also deleted %s %q\n", r.What, r.ID)
			}
		}
	}
	return changed(c, "configure delete", ver, err)
}

func readArg(c *cli.Context, name string) ([]byte, string, error) {
	if name == "-" {
		b, err := io.ReadAll(c.App.Reader)
		return b, "<stdin>", err
	}
	b, err := os.ReadFile(name)
	return b, name, err
}

func configureLoad(c *cli.Context) error {
	if c.Args().Len() != 2 || (c.Args().Get(0) != "update" && c.Args().Get(0) != "replace") {
		return exitFor("configure load", errors.New("want `load update FILE` or `load replace FILE`"))
	}
	src, name, err := readArg(c, c.Args().Get(1))
	if err != nil {
		return exitFor("configure load", err)
	}
	loaded, err := crmsh.ParseConfiguration(src, name)
	if err != nil {
		return exitFor("configure load", err)
	}
	ver, err := changeCIB(c, func(cc *cibCopy) error {
		if c.Args().Get(0) == "replace" {
			cibedit.LoadReplace(cc.CIB, loaded)
			return nil
		}
		return cibedit.LoadUpdate(&cc.CIB.Configuration, loaded)
	})
	return changed(c, "configure load", ver, err)
}

func configureVerify(c *cli.Context) error {
	ctx, cancel := context.WithTimeout(ctxOf(c), changeTimeout)
	defer cancel()
	cc, err := loadCIB(ctx, c)
	if err != nil {
		return exitFor("configure verify", err)
	}
	defer cc.Close()
	name := cc.Name
	if cc.Online() {
		name = "live CIB version " + cc.version()
	}
	if err := cc.validate(); err != nil {
		errs := cib.ValidationErrors(err)
		for _, e := range errs {
			fmt.Fprintln(c.App.ErrWriter, e)
		}
		return cli.Exit(fmt.Sprintf("%s: %d problem(s)", name, len(errs)), exitError)
	}
	fmt.Fprintf(c.App.Writer, "%s: configuration is valid\n", name)
	return nil
}

func configureShow(c *cli.Context) error {
	ctx, cancel := context.WithTimeout(ctxOf(c), changeTimeout)
	defer cancel()
	cc, err := loadCIB(ctx, c)
	if err != nil {
		return exitFor("configure show", err)
	}
	defer cc.Close()
	args := c.Args().Slice()
	asXML := len(args) > 0 && args[0] == "xml"
	if asXML {
		args = args[1:]
	}
	cfg := &cc.CIB.Configuration
	if len(args) > 0 {
		if cfg, err = subset(cfg, args); err != nil {
			return exitFor("configure show", err)
		}
	}
	var buf bytes.Buffer
	if asXML {
		if len(args) == 0 {
			err = cibxml.Write(&buf, cc.CIB)
		} else {
			err = cibxml.WriteConfiguration(&buf, cfg)
		}
	} else {
		err = crmsh.Print(&buf, cfg)
	}
	if err != nil {
		return exitFor("configure show", err)
	}
	_, err = c.App.Writer.Write(buf.Bytes())
	return err
}

// subset returns a configuration holding only the objects with the given
// ids (a container brings its children), for `show ID...`.
func subset(cfg *cib.Configuration, ids []string) (*cib.Configuration, error) {
	out := &cib.Configuration{}
	for _, id := range ids {
		found := false
		for _, obj := range cibedit.Objects(cfg) {
			if obj.ID() != id {
				continue
			}
			found = true
			switch o := obj.(type) {
			case *crmsh.ResourceObject:
				out.Resources = append(out.Resources, o.Resource)
			case *crmsh.ConstraintObject:
				out.Constraints = append(out.Constraints, o.Constraint)
			case *crmsh.NodeObject:
				out.Nodes = append(out.Nodes, o.Node)
			case *crmsh.SetObject:
				switch o.Section {
				case crmsh.SectionProperty:
					out.CRMConfig = append(out.CRMConfig, *o.Set)
				case crmsh.SectionRscDefaults:
					out.RscDefaults = append(out.RscDefaults, *o.Set)
				case crmsh.SectionOpDefaults:
					out.OpDefaults = append(out.OpDefaults, *o.Set)
				}
			case *crmsh.TagObject:
				out.Tags = append(out.Tags, *o.Tag)
			case *crmsh.AlertObject:
				out.Alerts = append(out.Alerts, *o.Alert)
			}
		}
		if !found {
			// a primitive inside a group: show it alone
			if r, _ := cibedit.FindResource(cfg, id); r != nil {
				out.Resources = append(out.Resources, r)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("show: no object %q", id)
		}
	}
	return out, nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"pacer/agents"
	"pacer/agents/discovery"
	"pacer/internal/clock"
)

// raCommand is `pacer ra`: the agents this node has, like crmsh's `crm ra`.
// It runs offline: it reads the agent directories and runs meta-data
// actions itself, so it works without pacerd.
func raCommand() *cli.Command {
	return &cli.Command{
		Name:  "ra",
		Usage: "list resource and fence agents and show their parameters (like crm ra)",
		Description: `Examples:
  pacer ra classes
  pacer ra list ocf:heartbeat        (or: pacer ra list ocf heartbeat)
  pacer ra list stonith
  pacer ra info ocf:heartbeat:Dummy
  pacer ra info stonith:fence_ipmilan
  pacer ra info lsb:apache2`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "ocf-root", Value: "/usr/lib/ocf", Usage: "OCF_ROOT: agents are in `DIR`/resource.d/PROVIDER", EnvVars: []string{"OCF_ROOT"}},
			&cli.StringFlag{Name: "lsb-dir", Value: "/etc/init.d", Usage: "init scripts are in `DIR`"},
			&cli.StringFlag{Name: "fence-dir", Value: "/usr/sbin", Usage: "fence agents (fence_*) are in `DIR`"},
		},
		Subcommands: []*cli.Command{
			{
				Name:        "classes",
				Description: "Example:\n  pacer ra classes",
				Usage:       "list the agent classes, with the ocf providers",
				Action: func(c *cli.Context) error {
					return raClasses(raConfig(c), c.App.Writer)
				},
			},
			{
				Name:        "list",
				Description: "Examples:\n  pacer ra list ocf:heartbeat\n  pacer ra list stonith",
				Usage:       "list the agents of a class",
				ArgsUsage:   "ocf[:PROVIDER] | lsb | stonith | service | systemd",
				Action: func(c *cli.Context) error {
					return raList(raConfig(c), c.Args().Slice(), c.App.Writer)
				},
			},
			{
				Name:        "info",
				Description: "Examples:\n  pacer ra info ocf:heartbeat:IPaddr2\n  pacer ra info stonith:fence_ipmilan",
				Aliases:     []string{"meta"},
				Usage:       "show an agent's parameters and operations",
				ArgsUsage:   "CLASS:PROVIDER:TYPE | CLASS:TYPE",
				Action: func(c *cli.Context) error {
					if c.NArg() != 1 {
						return fmt.Errorf("ra info: want one agent, like ocf:heartbeat:Dummy or stonith:fence_xvm")
					}
					ctx, stop := signal.NotifyContext(c.Context, os.Interrupt)
					defer stop()
					return raInfo(ctx, raConfig(c), c.Args().First(), c.App.Writer)
				},
			},
		},
	}
}

func raConfig(c *cli.Context) discovery.Config {
	return discovery.Config{OCFRoot: c.String("ocf-root"), LSBDir: c.String("lsb-dir"), FenceDir: c.String("fence-dir")}
}

// raClasses prints one class a line, the ocf line with its providers as
// crmsh prints it ("ocf / heartbeat pacemaker").
func raClasses(cfg discovery.Config, w io.Writer) error {
	for _, class := range cfg.Classes() {
		line := class
		if class == discovery.ClassOCF {
			providers, err := cfg.Providers()
			if err != nil {
				return fmt.Errorf("ra classes: %w", err)
			}
			if len(providers) > 0 {
				line += " / " + strings.Join(providers, " ")
			}
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	return nil
}

// raList prints the agents of a class, one a line. It takes crmsh's
// "ocf heartbeat" as well as "ocf:heartbeat".
func raList(cfg discovery.Config, args []string, w io.Writer) error {
	var class, provider string
	switch len(args) {
	case 1:
		class, provider, _ = strings.Cut(args[0], ":")
	case 2:
		class, provider = args[0], args[1]
	default:
		return fmt.Errorf("ra list: want a class, like ocf, ocf:heartbeat, lsb or stonith")
	}
	names, err := cfg.List(class, provider)
	if err != nil {
		return fmt.Errorf("ra %w", err)
	}
	for _, n := range names {
		if _, err := fmt.Fprintln(w, n); err != nil {
			return err
		}
	}
	return nil
}

func raInfo(ctx context.Context, cfg discovery.Config, spec string, w io.Writer) error {
	a, err := resolveAgent(cfg, spec)
	if err != nil {
		return fmt.Errorf("ra info: %w", err)
	}
	r, err := discovery.NewRunner(cfg, clock.Real{})
	if err != nil {
		return fmt.Errorf("ra info: %w", err)
	}
	return raInfoWith(ctx, cfg, r, a, w)
}

func raInfoWith(ctx context.Context, cfg discovery.Config, r agents.Runner, a discovery.Agent, w io.Writer) error {
	in, err := cfg.Info(ctx, r, a)
	if err != nil {
		if errors.Is(err, agents.ErrUnknownClass) {
			// The runner has no systemd class: units are managed over
			// D-Bus by pacerd, not run as programs.
			return fmt.Errorf("ra info: %s: describing systemd units is not supported yet (pacer ra list systemd lists them)", a)
		}
		return fmt.Errorf("ra info: %w", err)
	}
	_, err = io.WriteString(w, formatInfo(in))
	return err
}

// resolveAgent reads an agent name. Besides CLASS:PROVIDER:TYPE and
// CLASS:TYPE it takes crmsh's shorthands "TYPE" and "ocf:TYPE" for an ocf
// agent, with the provider crmsh would pick: heartbeat, else pacemaker,
// else the first that has the agent.
func resolveAgent(cfg discovery.Config, spec string) (discovery.Agent, error) {
	parts := strings.Split(spec, ":")
	short := len(parts) == 1 || (len(parts) == 2 && strings.EqualFold(parts[0], discovery.ClassOCF))
	if !short {
		return discovery.ParseAgent(spec)
	}
	typ := parts[len(parts)-1]
	if typ == "" {
		return discovery.ParseAgent(spec) // reports the empty type
	}
	have, err := cfg.ProvidersWith(typ)
	if err != nil {
		return discovery.Agent{}, err
	}
	provider := "heartbeat"
	if len(have) > 0 && !contains(have, "heartbeat") {
		provider = have[0]
		if contains(have, "pacemaker") {
			provider = "pacemaker"
		}
	}
	return discovery.Agent{Class: discovery.ClassOCF, Provider: provider, Type: typ}, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// raTab indents descriptions and operations, as crmsh does.
const raTab = "    "

// formatInfo renders an agent as crmsh's `crm ra info` does: a title with
// the short description, the long description, the parameters
// ("name* (type, [default]): shortdesc" and the indented long
// description) and the advisory operation defaults, meta-data and
// validate-all left out.
func formatInfo(in discovery.Info) string {
	var blocks []string
	title := in.Agent.String()
	if s := in.ShortDesc; s != "" && s != in.Agent.Type && s != in.LongDesc {
		title = s + " (" + title + ")"
	}
	blocks = append(blocks, title)
	if in.LongDesc != "" {
		blocks = append(blocks, in.LongDesc)
	}
	if len(in.Parameters) > 0 {
		var ps []string
		for _, p := range in.Parameters {
			ps = append(ps, formatParameter(p))
		}
		blocks = append(blocks, strings.TrimRight("Parameters (*: required, []: default):\n\n"+strings.Join(ps, "\n"), "\n"))
	}
	var ops []string
	for _, a := range in.Actions {
		if a.Name == "meta-data" || a.Name == "validate-all" {
			continue
		}
		ops = append(ops, raTab+formatAction(a))
	}
	if len(ops) > 0 {
		blocks = append(blocks, "Operations' defaults (advisory minimum):\n\n"+strings.Join(ops, "\n"))
	}
	return strings.Join(blocks, "\n\n") + "\n"
}

func formatParameter(p discovery.Parameter) string {
	head := p.Name
	if p.Required {
		head += "*"
	}
	switch {
	case p.Type != "" && p.HasDefault && p.Default != "":
		head += " (" + p.Type + ", [" + p.Default + "])"
	case p.Type != "":
		head += " (" + p.Type + ")"
	}
	short := p.ShortDesc
	if short == p.Name || short == p.LongDesc {
		short = ""
	}
	head = strings.TrimRight(head+": "+short, " ")
	if p.LongDesc == "" {
		return head
	}
	return head + "\n" + raTab + strings.ReplaceAll(p.LongDesc, "\n", "\n"+raTab) + "\n"
}

// formatAction prints an action as crmsh does: the name padded to 13
// columns (a monitor for a role or depth is named monitor_Role_depth),
// then its attributes.
func formatAction(a discovery.Action) string {
	name := a.Name
	if name == "monitor" {
		if a.Role != "" && a.Role != "Started" {
			name += "_" + a.Role
		}
		if a.Depth != 0 {
			name += fmt.Sprintf("_%d", a.Depth)
		}
	}
	s := fmt.Sprintf("%-13s", name)
	if a.Timeout > 0 {
		s += " timeout=" + formatDuration(a.Timeout)
	}
	if a.Interval > 0 {
		s += " interval=" + formatDuration(a.Interval)
	}
	if a.Depth != 0 {
		s += fmt.Sprintf(" depth=%d", a.Depth)
	}
	if a.Role != "" {
		s += " role=" + a.Role
	}
	return strings.TrimRight(s, " ")
}

// formatDuration prints whole seconds as "20s" (how agents write them)
// and anything finer in milliseconds.
func formatDuration(d time.Duration) string {
	if d%time.Second == 0 {
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return fmt.Sprintf("%dms", d/time.Millisecond)
}

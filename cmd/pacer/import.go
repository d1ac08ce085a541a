package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"pacer/crm/cib"
	"pacer/crm/cib/cibedit"
	"pacer/crm/cib/cibfile"
	"pacer/crm/cib/crmsh"
	"pacer/crm/cib/haresources"
	"pacer/internal/config"
	"pacer/internal/config/hacf"
)

// Exit codes of `pacer import`: errors and warnings apart (issue 10's
// habit), so a script can tell "nothing written" from "written, review".
const (
	exitImportError    = 1 // bad input: nothing written
	exitImportWarnings = 2 // written, but something is not honoured
)

// randomSource makes the fresh key when an authkeys key cannot be carried
// over; tests replace it.
var randomSource io.Reader = hacf.RandomReader

// hostname names this machine (the default --node); tests replace it.
var hostname = os.Hostname

func importCommand() *cli.Command {
	return &cli.Command{
		Name:  "import",
		Usage: "bring a configuration over from Heartbeat or Pacemaker",
		Description: "Exit status: 0 everything carried over; 1 bad input, nothing written;\n" +
			"2 written, with things pacer does not honour (each reported with where it is).\n" +
			"docs/migration.md describes both imports.\n\n" +
			"Examples:\n" +
			"  pacer import haresources /etc/ha.d/haresources --ha-cf /etc/ha.d/ha.cf -o /root/pacer-import\n" +
			"  cibadmin -Q | pacer import cib - > cib.crm",
		Subcommands: []*cli.Command{importHaresourcesCommand(), importCIBCommand()},
	}
}

func importHaresourcesCommand() *cli.Command {
	return &cli.Command{
		Name:      "haresources",
		Usage:     "turn Heartbeat v1's haresources (with ha.cf and authkeys) into a pacer configuration",
		ArgsUsage: "HARESOURCES",
		Description: `Reads /etc/ha.d/haresources and, when given, ha.cf and authkeys, and makes
the CIB in crm syntax (cib.crm), a pacer.toml and an authkey. It explains
every mapping, line by line, and everything it cannot honour, with why.
Without -o the CIB and pacer.toml go to stdout and the explanation to
stderr; the authkey is written only with -o. With --cib-file the
resources are also merged into that CIB file.

Examples:
  pacer import haresources /etc/ha.d/haresources
  pacer import haresources /etc/ha.d/haresources --ha-cf /etc/ha.d/ha.cf \
      --authkeys /etc/ha.d/authkeys -o /tmp/pacer-import
  pacer import haresources haresources --ha-cf ha.cf --node bob \
      --addr alice=10.0.0.1 --addr bob=10.0.0.2 --fence-agent fence_ipmilan -o out`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "ha-cf", Usage: "Heartbeat's ha.cf `FILE`: nodes, links, timing, auto_failback"},
			&cli.StringFlag{Name: "authkeys", Usage: "Heartbeat's authkeys `FILE`: carried over as the pacer authkey"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write cib.crm, pacer.toml and authkey into `DIR`"},
			&cli.BoolFlag{Name: "force", Usage: "replace files already in the -o directory"},
			&cli.StringFlag{Name: "node", Usage: "the node `NAME` the pacer.toml is for (default: this host if ha.cf lists it, else ha.cf's first node)"},
			&cli.StringSliceFlag{Name: "addr", Usage: "`NODE=IP`: a node's address on a ucast network (repeat); says whose each ucast address is and what to bind"},
			&cli.StringFlag{Name: "cluster", Usage: "cluster `NAME` (default: ha.cf's cluster, else Heartbeat's linux-ha)"},
			&cli.StringFlag{Name: "fence-agent", Usage: "for two nodes: the fence agent `fence_NAME` that [quorum] two_node uses"},
			&cli.BoolFlag{Name: "auto-failback", Value: true,
				Usage: "without --ha-cf: ha.cf's auto_failback (false: resources stay where they run); overrides ha.cf when given"},
		},
		Action: importHaresources,
	}
}

// haImport is everything an import of haresources made, before anything
// is written.
type haImport struct {
	conf     *cib.Configuration
	crm      []byte
	toml     []byte
	authkey  []byte
	explain  []string
	warnings int
}

func (im *haImport) say(format string, args ...any) {
	im.explain = append(im.explain, fmt.Sprintf(format, args...))
}

func (im *haImport) warn(format string, args ...any) {
	im.warnings++
	im.say(format, args...)
}

func (im *haImport) notes(ns []hacf.Note) {
	for _, n := range ns {
		if n.Kind == hacf.NotHonoured {
			im.warnings++
		}
		im.explain = append(im.explain, n.String())
	}
}

func importHaresources(c *cli.Context) error {
	nc, err := interspersed(c)
	if errors.Is(err, errShowHelp) {
		return cli.ShowSubcommandHelp(c)
	}
	if err != nil {
		return cli.Exit(err.Error(), exitImportError)
	}
	c = nc
	if c.Args().Len() != 1 {
		return cli.Exit("import haresources: want one HARESOURCES file (see --help)", exitImportError)
	}
	im, err := buildHaImport(c)
	if err != nil {
		return importFailed(c, err)
	}
	out := c.String("output")
	explainTo := c.App.ErrWriter
	if out != "" {
		explainTo = c.App.Writer
		// Refuse before anything changes, the CIB file included.
		if err := checkOutputs(out, c.Bool("force"), im); err != nil {
			return importFailed(c, err)
		}
	}
	if path := findCIBFile(c); path != "" {
		err := edit(c, func(f *cibfile.File) error {
			return cibedit.LoadUpdate(&f.CIB.Configuration, im.conf)
		})
		if err != nil {
			return importFailed(c, err)
		}
		im.say("merged the resources and constraints into %s", path)
	}
	if out != "" {
		if err := writeImport(out, im); err != nil {
			return importFailed(c, err)
		}
	} else {
		fmt.Fprintf(c.App.Writer, "# ---- cib.crm (load with: pacer configure load update FILE) ----\n%s", im.crm)
		if im.toml != nil {
			fmt.Fprintf(c.App.Writer, "# ---- pacer.toml ----\n%s", im.toml)
		}
		if im.authkey != nil {
			im.say("authkey: not printed (it is secret); pass -o DIR to write it with mode 0600")
		}
	}
	for _, l := range im.explain {
		fmt.Fprintln(explainTo, l)
	}
	if out != "" {
		fmt.Fprintf(explainTo, "wrote %s\n", strings.Join(im.written(out), ", "))
	}
	if im.warnings > 0 {
		return cli.Exit(fmt.Sprintf("import haresources: %d thing(s) not honoured or to review (see above)", im.warnings), exitImportWarnings)
	}
	return nil
}

func findCIBFile(c *cli.Context) string {
	for _, lc := range c.Lineage() {
		if p := lc.String("cib-file"); p != "" {
			return p
		}
	}
	return ""
}

// importFailed reports errors one per line and exits 1.
func importFailed(c *cli.Context, err error) error {
	lines := flattenErrors(err)
	for _, l := range lines {
		fmt.Fprintln(c.App.ErrWriter, l)
	}
	return cli.Exit(fmt.Sprintf("import: %d error(s), nothing written", len(lines)), exitImportError)
}

// flattenErrors lists joined errors one per line.
func flattenErrors(err error) []string {
	var out []string
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		for _, l := range strings.Split(e.Error(), "\n") {
			if strings.TrimSpace(l) != "" {
				out = append(out, l)
			}
		}
	}
	walk(err)
	return out
}

// buildHaImport reads and converts every input; it writes nothing.
func buildHaImport(c *cli.Context) (*haImport, error) {
	im := &haImport{}
	var errs []error
	hrName := c.Args().First()
	hrData, err := os.ReadFile(hrName)
	if err != nil {
		return nil, fmt.Errorf("import haresources: %w", err)
	}

	// ha.cf first: auto_failback changes what haresources becomes.
	opts := haresources.DefaultOptions()
	var hr *hacf.Result
	if p := c.String("ha-cf"); p != "" {
		hr, err = convertHACF(c, p)
		if err != nil {
			errs = append(errs, err)
		} else {
			opts.AutoFailback = hr.AutoFailback
		}
	}
	if c.IsSet("auto-failback") {
		opts.AutoFailback = c.Bool("auto-failback")
	}
	res, err := haresources.ParseOptions(bytes.NewReader(hrData), hrName, opts)
	if err != nil {
		errs = append(errs, err)
	}
	if hr != nil && res != nil {
		for _, l := range res.Lines {
			if !containsFold(hr.Nodes, l.Node) {
				errs = append(errs, fmt.Errorf("%s:%d:%d: node %s is not listed in %s (nodes: %s); Heartbeat refuses that too (\"Bad nodename\")",
					hrName, l.Pos.Line, l.Pos.Col, l.Node, c.String("ha-cf"), strings.Join(hr.Nodes, ", ")))
			}
		}
	}
	var ak *hacf.AuthkeyResult
	if p := c.String("authkeys"); p != "" {
		ak, err = convertAuthkeys(p)
		if err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	conf := &cib.Configuration{}
	if err := res.Merge(conf); err != nil {
		return nil, err
	}
	im.conf = conf
	var buf bytes.Buffer
	if err := crmsh.Print(&buf, conf); err != nil {
		return nil, err
	}
	im.crm = buf.Bytes()

	explainHaresources(im, hrName, res, opts, c.IsSet("auto-failback"), hr)
	if hr != nil {
		im.toml = hr.TOML
		im.notes(hr.Notes)
	} else {
		im.say("%s: no --ha-cf: no pacer.toml made (write it by hand, docs/configuration.md); auto_failback taken as %v", hrName, onOff(opts.AutoFailback))
	}
	if ak != nil {
		b, err := config.FormatAuthkey(ak.Keyring)
		if err != nil {
			return nil, err
		}
		im.authkey = b
		im.notes(ak.Notes)
	}
	return im, nil
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func convertHACF(c *cli.Context, path string) (*hacf.Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ha.cf: %w", err)
	}
	f, err := hacf.Parse(data, path)
	if err != nil {
		return nil, err
	}
	o := hacf.Options{Node: c.String("node"), Cluster: c.String("cluster"), FenceAgent: c.String("fence-agent"),
		Addrs: map[string][]netip.Addr{}}
	if o.Node == "" {
		// This host, when ha.cf lists it: the file is for the machine
		// the import runs on.
		if h, err := hostname(); err == nil {
			for _, d := range f.Directives {
				if d.Name == "node" && containsFold(d.Args, h) {
					o.Node = h
				}
			}
		}
	}
	for _, a := range c.StringSlice("addr") {
		node, ip, ok := strings.Cut(a, "=")
		addr, err := netip.ParseAddr(ip)
		if !ok || node == "" || err != nil {
			return nil, fmt.Errorf("--addr %q: want NODE=IP, such as alice=10.0.0.1", a)
		}
		o.Addrs[node] = append(o.Addrs[node], addr)
	}
	return hacf.Convert(f, o)
}

func convertAuthkeys(path string) (*hacf.AuthkeyResult, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("authkeys: %w", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("authkeys: %w", err)
	}
	a, err := hacf.ParseAuthkeys(data, path, fi.Mode().Perm())
	if err != nil {
		return nil, err
	}
	return hacf.ConvertAuthkeys(a, randomSource)
}

// explainHaresources says, line by line, what haresources became.
func explainHaresources(im *haImport, name string, res *haresources.Result, o haresources.Options, flagSet bool, hr *hacf.Result) {
	for _, l := range res.Lines {
		where := fmt.Sprintf("%s:%d", name, l.Pos.Line)
		var ms []string
		for _, m := range l.Members {
			ms = append(ms, fmt.Sprintf("%s (%s)", m.ID, agentName(m)))
		}
		switch {
		case l.Top == "":
		case l.TopKind == cib.KindGroup:
			im.say("%s: mapped: node %s -> group %s with %s, started in this order", where, l.Node, l.Top, strings.Join(ms, ", "))
		default:
			im.say("%s: mapped: node %s -> primitive %s", where, l.Node, ms[0])
		}
		for _, d := range l.DRBD {
			im.say("%s: mapped: drbddisk -> promotable clone %s of %s (ocf:linbit:drbd, promoted on one node)", where, d.ID, d.Children[0].ID)
		}
		for _, k := range l.Constraints {
			switch k.Kind {
			case cib.KindLocation:
				role := ""
				if k.Role != "" {
					role = " (" + k.Role + " role)"
				}
				im.say("%s: mapped: node %s first on the line -> location %s: %s%s prefers %s with score 100", where, l.Node, k.ID, k.Rsc, role, l.Node)
			case cib.KindColocation:
				im.say("%s: mapped: colocation %s: %s runs where %s is Promoted", where, k.ID, k.Rsc, k.WithRsc)
			case cib.KindOrder:
				im.say("%s: mapped: order %s: %s starts after %s is promoted", where, k.ID, k.Then, k.First)
			}
		}
	}
	for _, w := range res.Warnings {
		im.warn("%s", strings.Replace(w.String(), ": ", ": review: ", 1))
	}
	stick := "0: resources return to their preferred node (auto_failback on)"
	if !o.AutoFailback {
		stick = "200: resources stay where they run (auto_failback off)"
	}
	src := "Heartbeat's default"
	switch {
	case flagSet:
		src = "--auto-failback"
	case hr != nil && hr.AutoFailbackLine > 0:
		src = fmt.Sprintf("ha.cf line %d", hr.AutoFailbackLine)
	}
	im.say("%s: mapped: resource-stickiness=%s, from %s", name, stick, src)
}

func agentName(r *cib.Resource) string {
	if r.Provider != "" {
		return r.Class + ":" + r.Provider + ":" + r.Type
	}
	return r.Class + ":" + r.Type
}

// importFile is one file -o writes.
type importFile struct {
	name string
	data []byte
	mode fs.FileMode
}

// outputs are the files -o writes, with their modes.
func (im *haImport) outputs() []importFile {
	out := []importFile{{"cib.crm", im.crm, 0o644}}
	if im.toml != nil {
		out = append(out, importFile{"pacer.toml", im.toml, 0o644})
	}
	if im.authkey != nil {
		out = append(out, importFile{"authkey", im.authkey, 0o600})
	}
	return out
}

func (im *haImport) written(dir string) []string {
	var s []string
	for _, o := range im.outputs() {
		s = append(s, filepath.Join(dir, o.name))
	}
	return s
}

// checkOutputs refuses, before anything is written, an output file that
// exists (unless force).
func checkOutputs(dir string, force bool, im *haImport) error {
	if force {
		return nil
	}
	for _, o := range im.outputs() {
		p := filepath.Join(dir, o.name)
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("import: %s exists: pass --force to replace it", p)
		}
	}
	return nil
}

// writeImport writes the files into dir, creating it.
func writeImport(dir string, im *haImport) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	for _, o := range im.outputs() {
		if err := writeFileAtomic(filepath.Join(dir, o.name), o.data, o.mode); err != nil {
			return err
		}
	}
	return nil
}

// writeFileAtomic writes through a temporary file created with the final
// mode and renamed into place, so a secret is never readable and a crash
// leaves no half file.
func writeFileAtomic(path string, data []byte, mode fs.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if err := tmp.Chmod(mode); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("import: write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("import: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("import: write %s: %w", path, err)
	}
	if err := os.Rename(name, path); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	ok = true
	return nil
}

// interspersed lets flags follow the positional arguments, as in
// `pacer import haresources FILE --ha-cf ha.cf` (urfave/cli stops reading
// flags at the first argument). It returns a context whose flags are the
// ones set before the arguments and after them, and whose arguments are
// the rest, in order.
// errShowHelp: -h or --help came after the arguments.
var errShowHelp = errors.New("help requested")

func interspersed(c *cli.Context) (*cli.Context, error) {
	if c.NArg() <= 1 {
		return c, nil
	}
	set := flag.NewFlagSet(c.Command.Name, flag.ContinueOnError)
	set.SetOutput(io.Discard)
	var args []string
	for _, fl := range c.Command.Flags {
		if err := fl.Apply(set); err != nil {
			return nil, err
		}
		name := fl.Names()[0]
		if !c.IsSet(name) {
			continue
		}
		switch fl.(type) {
		case *cli.StringSliceFlag:
			for _, v := range c.StringSlice(name) {
				args = append(args, "--"+name+"="+v)
			}
		case *cli.BoolFlag:
			args = append(args, fmt.Sprintf("--%s=%v", name, c.Bool(name)))
		default:
			args = append(args, "--"+name+"="+c.String(name))
		}
	}
	args = append(args, c.Args().Slice()...)
	var pos []string
	for {
		if err := set.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errShowHelp
			}
			return nil, fmt.Errorf("%s: %w", c.Command.FullName(), err)
		}
		rest := set.Args()
		if len(rest) == 0 {
			break
		}
		if rest[0] == "--" {
			pos = append(pos, rest[1:]...)
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	if h := set.Lookup("help"); h != nil && h.Value.String() == "true" {
		return nil, errShowHelp
	}
	// An alias set (-o) sets its flag's other names (--output), as
	// urfave/cli's own parse does.
	visited := map[string]string{}
	set.Visit(func(f *flag.Flag) { visited[f.Name] = f.Value.String() })
	for _, fl := range c.Command.Flags {
		if _, slice := fl.(*cli.StringSliceFlag); slice {
			continue
		}
		for _, n := range fl.Names() {
			if v, ok := visited[n]; ok {
				for _, other := range fl.Names() {
					if other != n {
						_ = set.Set(other, v)
					}
				}
			}
		}
	}
	if err := set.Parse(append([]string{"--"}, pos...)); err != nil {
		return nil, err
	}
	var parent *cli.Context
	if l := c.Lineage(); len(l) > 1 {
		parent = l[1]
	}
	nc := cli.NewContext(c.App, set, parent)
	nc.Command = c.Command
	return nc, nil
}

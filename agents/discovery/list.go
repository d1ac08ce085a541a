package discovery

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"pacer/agents/lsb"
	"pacer/agents/ocf"
	"pacer/agents/stonith"
)

// The agent classes, by the names the CIB uses.
const (
	ClassOCF     = "ocf"
	ClassLSB     = "lsb"
	ClassService = "service" // lsb or systemd, whichever has the name
	ClassSystemd = "systemd"
	ClassStonith = "stonith"
)

// ErrUnknownClass and ErrNotFound are wrapped by List's and Info's errors.
var (
	ErrUnknownClass = errors.New("unknown class")
	ErrNotFound     = errors.New("not found")
)

// Config holds the directories discovery looks in; "" or nil means the
// standard place.
type Config struct {
	OCFRoot  string // OCF_ROOT; agents are in OCFRoot/resource.d/PROVIDER
	LSBDir   string // init scripts
	FenceDir string // fence_* agents
	// SystemdRunDir exists only when systemd is the running init
	// (sd_booted checks the same directory).
	SystemdRunDir string
	// UnitDirs are searched for *.service unit files, in systemd's order.
	UnitDirs []string
}

// Default directories.
const DefaultSystemdRunDir = "/run/systemd/system"

// DefaultUnitDirs are where systemd reads unit files on Debian.
var DefaultUnitDirs = []string{"/etc/systemd/system", "/run/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"}

func (c Config) ocfRoot() string {
	if c.OCFRoot == "" {
		return ocf.DefaultRoot
	}
	return c.OCFRoot
}

func (c Config) lsbDir() string {
	if c.LSBDir == "" {
		return lsb.DefaultDir
	}
	return c.LSBDir
}

func (c Config) fenceDir() string {
	if c.FenceDir == "" {
		return stonith.DefaultDir
	}
	return c.FenceDir
}

func (c Config) systemdRunDir() string {
	if c.SystemdRunDir == "" {
		return DefaultSystemdRunDir
	}
	return c.SystemdRunDir
}

func (c Config) unitDirs() []string {
	if c.UnitDirs == nil {
		return DefaultUnitDirs
	}
	return c.UnitDirs
}

// providerDir is where an ocf provider's agents live.
func (c Config) providerDir(provider string) string {
	return filepath.Join(c.ocfRoot(), "resource.d", provider)
}

// Systemd reports whether systemd is the running init, so the systemd and
// service classes apply.
func (c Config) Systemd() bool {
	st, err := os.Stat(c.systemdRunDir())
	return err == nil && st.IsDir()
}

// Classes lists the classes this node offers, in Pacemaker's order: ocf,
// lsb, service and systemd when systemd runs, stonith.
func (c Config) Classes() []string {
	out := []string{ClassOCF, ClassLSB}
	if c.Systemd() {
		out = append(out, ClassService, ClassSystemd)
	}
	return append(out, ClassStonith)
}

// Providers lists the ocf providers: the directories under
// OCF_ROOT/resource.d.
func (c Config) Providers() ([]string, error) {
	dir := filepath.Join(c.ocfRoot(), "resource.d")
	names, err := listDir(dir, func(st fs.FileInfo) bool { return st.IsDir() })
	if err != nil {
		return nil, fmt.Errorf("list ocf providers: %w", err)
	}
	return names, nil
}

// ProvidersWith lists the ocf providers that have an agent named typ,
// for resolving crmsh's shorthand "ocf:TYPE".
func (c Config) ProvidersWith(typ string) ([]string, error) {
	providers, err := c.Providers()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range providers {
		path, err := ocf.Path(c.ocfRoot(), p, typ)
		if err != nil {
			return nil, fmt.Errorf("ocf agent: %w", err)
		}
		if st, err := os.Stat(path); err == nil && isExecutableFile(st) {
			out = append(out, p)
		}
	}
	return out, nil
}

// List lists the agents of a class, sorted. For ocf, provider "" lists
// every provider's agents (each name once); other classes take no
// provider.
func (c Config) List(class, provider string) ([]string, error) {
	class = strings.ToLower(class)
	if provider != "" && class != ClassOCF {
		return nil, fmt.Errorf("list %s: class %s has no providers (got %q)", class, class, provider)
	}
	switch class {
	case ClassOCF:
		return c.listOCF(provider)
	case ClassLSB:
		names, err := listDir(c.lsbDir(), isExecutableFile)
		if err != nil {
			return nil, fmt.Errorf("list lsb: %w", err)
		}
		return names, nil
	case ClassStonith:
		names, err := listDir(c.fenceDir(), func(st fs.FileInfo) bool {
			return st.Mode().IsRegular() && strings.HasPrefix(st.Name(), stonith.Prefix) && st.Name() != stonith.Prefix
		})
		if err != nil {
			return nil, fmt.Errorf("list stonith: %w", err)
		}
		return names, nil
	case ClassSystemd:
		if !c.Systemd() {
			return nil, fmt.Errorf("list systemd: systemd is not running here (no %s)", c.systemdRunDir())
		}
		return c.listUnits(), nil
	case ClassService:
		names, err := listDir(c.lsbDir(), isExecutableFile)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("list service: %w", err)
		}
		if c.Systemd() {
			names = mergeSorted(names, c.listUnits())
		}
		return names, nil
	}
	return nil, fmt.Errorf("list: %w %q (known: %s)", ErrUnknownClass, class, strings.Join(c.Classes(), ", "))
}

func (c Config) listOCF(provider string) ([]string, error) {
	if provider != "" {
		// Path checks the provider is one path element; "x" stands
		// in for the type it also wants.
		if _, err := ocf.Path(c.ocfRoot(), provider, "x"); err != nil {
			return nil, fmt.Errorf("list ocf: %w", err)
		}
		dir := c.providerDir(provider)
		names, err := listDir(dir, isExecutableFile)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("list ocf: provider %q %w in %s", provider, ErrNotFound, filepath.Join(c.ocfRoot(), "resource.d"))
		}
		if err != nil {
			return nil, fmt.Errorf("list ocf:%s: %w", provider, err)
		}
		return names, nil
	}
	providers, err := c.Providers()
	if err != nil {
		return nil, fmt.Errorf("list ocf: %w", err)
	}
	var all []string
	for _, p := range providers {
		names, err := listDir(c.providerDir(p), isExecutableFile)
		if err != nil {
			return nil, fmt.Errorf("list ocf:%s: %w", p, err)
		}
		all = mergeSorted(all, names)
	}
	return all, nil
}

// listUnits lists service units by name without ".service", as Pacemaker
// names systemd agents. Template units ("getty@.service") are left out:
// only their instances can run. A missing unit directory is skipped.
func (c Config) listUnits() []string {
	var all []string
	for _, dir := range c.unitDirs() {
		names, err := listDir(dir, func(st fs.FileInfo) bool {
			return !st.IsDir() && strings.HasSuffix(st.Name(), ".service") && !strings.HasSuffix(st.Name(), "@.service")
		})
		if err != nil {
			continue
		}
		for i, n := range names {
			names[i] = strings.TrimSuffix(n, ".service")
		}
		all = mergeSorted(all, names)
	}
	return all
}

// listDir returns the sorted names of the entries of dir that keep
// accepts, following symbolic links (Debian's resource-agents link
// agents), and skipping hidden entries (".ocf-shellfuncs") and dangling
// links, as Pacemaker's services_os_get_single_directory_list does.
func listDir(dir string, keep func(fs.FileInfo) bool) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		st, err := os.Stat(filepath.Join(dir, e.Name()))
		if err != nil || !keep(namedInfo{st, e.Name()}) {
			continue
		}
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out, nil
}

// namedInfo is a FileInfo that keeps the entry's own name when os.Stat
// followed a link to a file named differently.
type namedInfo struct {
	fs.FileInfo
	name string
}

func (n namedInfo) Name() string { return n.name }

// isExecutableFile is Pacemaker's test for an agent: a regular file with
// any execute bit.
func isExecutableFile(st fs.FileInfo) bool {
	return st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0
}

// mergeSorted merges two sorted lists, each name once.
func mergeSorted(a, b []string) []string {
	seen := make(map[string]bool, len(a)+len(b))
	out := make([]string, 0, len(a)+len(b))
	for _, s := range append(append([]string{}, a...), b...) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

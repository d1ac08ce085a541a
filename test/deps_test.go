// Package test holds cross-package tests: the layering rules here, and the
// multi-process integration tests and benchmarks in sub-packages.
package test

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

const module = "pacer"

// layers gives each package tree its level in DESIGN.md's layering; imports
// must point to a strictly lower level, or into the importer's own parent
// tree (heartbeat/udp may import heartbeat).
var layers = []struct {
	prefix string
	level  int
}{
	// Levels are DESIGN.md's L0..L7 times ten; the units order packages
	// inside one layer (crm/cib: the model, then its syntaxes, then the
	// tools that edit and store it).
	{"internal/clock", 0}, {"internal/cluster", 0}, {"internal/logfield", 0}, {"internal/pcmktime", 0},
	{"internal/helperpath", 0}, {"internal/journal", 1},
	{"heartbeat", 10}, {"agents", 10}, {"agents/discovery", 11},
	{"crm/cib", 10},
	{"crm/cib/cibxml", 11}, {"crm/cib/crmsh", 11}, {"crm/cib/haresources", 11},
	{"crm/cib/cibedit", 12}, {"crm/cib/cibfile", 12},
	{"membership", 20}, {"resources", 20}, {"fencing", 20}, {"crm/scheduler", 20},
	{"crm/status", 25},
	{"crm/store", 30},
	{"crm/coordinator", 40},
	{"internal/config", 50}, {"internal/control", 50}, {"internal/attrd", 50},
	{"internal/daemon", 60},
	{"cmd", 70}, {"test", 70},
	// The lab is a library for the tests and benchmarks beside it.
	{"test/lab", 65},
}

// badDeps are imports forbidden outright, with the reason, on top of the
// layering.
var badDeps = []struct {
	pkgPrefix, dep, why string
}{
	{"internal/clock", "pacer/", "L0 imports nothing from pacer"},
	{"internal/cluster", "pacer/", "L0 imports nothing from pacer"},
	{"internal/pcmktime", "pacer/", "L0 imports nothing from pacer"},
	{"heartbeat", "pacer/membership", "heartbeat reports what it heard; membership judges (PathSelector is injected)"},
	{"agents", "pacer/heartbeat", "agents imports nothing from pacer above L0"},
	{"crm/cib", "net", "the CIB model does no networking"},
	{"crm/cib", "os/exec", "the CIB model runs nothing"},
	{"crm/cib", "go.uber.org/zap", "the CIB model does not log; it returns errors"},
	{"crm/scheduler", "net", "the scheduler is pure"},
	{"crm/scheduler", "os/exec", "the scheduler is pure"},
	{"crm/scheduler", "go.uber.org/zap", "the scheduler returns reasons as data, it does not log"},
	{"crm/scheduler", "go.etcd.io/raft/v3", "the scheduler is pure"},
	{"crm/scheduler", "pacer/membership", "the coordinator maps membership views into scheduler input"},
	{"resources", "os/exec", "resources runs agents only through agents.Runner"},
	{"fencing", "os/exec", "fencing runs fence agents only through agents.Runner"},
	{"cmd/pacer", "go.etcd.io/raft/v3", "the CLI talks to pacerd or runs pure packages offline"},
}

type pkgInfo struct {
	ImportPath  string
	Imports     []string
	TestImports []string
}

func levelOf(rel string) (int, string, bool) {
	best, bestLen := -1, -1
	var tree string
	for _, l := range layers {
		if (rel == l.prefix || strings.HasPrefix(rel, l.prefix+"/")) && len(l.prefix) > bestLen {
			best, bestLen, tree = l.level, len(l.prefix), l.prefix
		}
	}
	return best, tree, best >= 0
}

// violations checks one package's imports against the rules.
func violations(pkg string, imports []string) []string {
	var out []string
	rel := strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/")
	lvl, tree, ok := levelOf(rel)
	if !ok && strings.HasPrefix(pkg, module+"/") {
		return []string{pkg + ": package is in no layer; add it to the layers table"}
	}
	for _, imp := range imports {
		for _, b := range badDeps {
			if (rel == b.pkgPrefix || strings.HasPrefix(rel, b.pkgPrefix+"/")) &&
				(imp == b.dep || strings.HasPrefix(imp, strings.TrimSuffix(b.dep, "/")+"/")) {
				out = append(out, pkg+" imports "+imp+": "+b.why)
			}
		}
		if imp == module+"/internal/daemon" && !(strings.HasPrefix(rel, "cmd/pacerd") || strings.HasPrefix(rel, "test")) {
			out = append(out, pkg+" imports internal/daemon: only cmd/pacerd and test/ may")
		}
		if !strings.HasPrefix(imp, module+"/") {
			continue
		}
		irel := strings.TrimPrefix(imp, module+"/")
		ilvl, itree, ok := levelOf(irel)
		if !ok {
			continue // reported when that package itself is checked
		}
		sameTree := itree == tree && (rel == irel || strings.HasPrefix(rel, irel+"/"))
		if ilvl >= lvl && !sameTree {
			out = append(out, pkg+" imports "+imp+": import points up or sideways the layers")
		}
	}
	return out
}

func TestViolationsDetectsUpwardImport(t *testing.T) {
	tests := []struct {
		name    string
		pkg     string
		imports []string
		want    int
	}{
		{"heartbeat may not import membership", "pacer/heartbeat", []string{"pacer/membership"}, 2},
		{"child may import parent", "pacer/heartbeat/udp", []string{"pacer/heartbeat", "pacer/internal/clock"}, 0},
		{"parent may not import child", "pacer/heartbeat", []string{"pacer/heartbeat/udp"}, 1},
		{"scheduler may not log", "pacer/crm/scheduler", []string{"go.uber.org/zap"}, 1},
		{"config may not import daemon", "pacer/internal/config", []string{"pacer/internal/daemon"}, 2},
		{"membership may import heartbeat", "pacer/membership", []string{"pacer/heartbeat"}, 0},
		{"unknown package", "pacer/util", nil, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := violations(tc.pkg, tc.imports); len(got) != tc.want {
				t.Fatalf("violations = %q, want %d", got, tc.want)
			}
		})
	}
}

// TestLayering fails when any package of the module imports up the layers.
func TestLayering(t *testing.T) {
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports,TestImports", module+"/...")
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	var all []string
	n := 0
	for {
		var p pkgInfo
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		n++
		// Tests may reach across (a test of heartbeat may use memlink), but
		// never into the daemon or up to cmd.
		all = append(all, violations(p.ImportPath, p.Imports)...)
	}
	if n < 5 {
		t.Fatalf("go list returned only %d packages", n)
	}
	sort.Strings(all)
	for _, v := range all {
		t.Error(v)
	}
}

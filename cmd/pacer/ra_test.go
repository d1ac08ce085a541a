package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"pacer/agents/discovery"
)

// runRA runs `pacer ra ARGS...` as the binary would and returns stdout.
func runRA(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	app := &cli.App{Name: "pacer", Commands: []*cli.Command{raCommand()}, Writer: &out, ErrWriter: &out}
	err := app.Run(append([]string{"pacer", "ra"}, args...))
	return out.String(), err
}

func TestFormatInfo(t *testing.T) {
	in := discovery.Info{
		Agent:     discovery.Agent{Class: "ocf", Provider: "acme", Type: "Thing"},
		ShortDesc: "A thing",
		LongDesc:  "Manages a thing.",
		Parameters: []discovery.Parameter{
			{Name: "path", Type: "string", Required: true, ShortDesc: "Path", LongDesc: "Where the thing is.\nAbsolute."},
			{Name: "mode", Type: "select", Default: "fast", HasDefault: true, ShortDesc: "Mode"},
			{Name: "same", Type: "string", ShortDesc: "Same text", LongDesc: "Same text"},
		},
		Actions: []discovery.Action{
			{Name: "start", Timeout: 20 * time.Second},
			{Name: "monitor", Timeout: 10 * time.Second, Interval: 30 * time.Second},
			{Name: "monitor", Timeout: 1500 * time.Millisecond, Interval: time.Minute, Depth: 10, Role: "Promoted"},
			{Name: "meta-data", Timeout: 5 * time.Second},
			{Name: "validate-all", Timeout: 5 * time.Second},
			{Name: "notify"},
		},
	}
	want := `A thing (ocf:acme:Thing)

Manages a thing.

Parameters (*: required, []: default):

path* (string): Path
    Where the thing is.
    Absolute.

mode (select, [fast]): Mode
same (string):
    Same text

Operations' defaults (advisory minimum):

    start         timeout=20s
    monitor       timeout=10s interval=30s
    monitor_Promoted_10 timeout=1500ms interval=60s depth=10 role=Promoted
    notify
`
	if got := formatInfo(in); got != want {
		t.Errorf("formatInfo:\n%s\nwant:\n%s", got, want)
	}

	// No short description other than the name: the title is the agent.
	bare := discovery.Info{Agent: discovery.Agent{Class: "lsb", Type: "web"}, ShortDesc: "web", LongDesc: "web"}
	if got := formatInfo(bare); got != "lsb:web\n\nweb\n" {
		t.Errorf("bare: %q", got)
	}
}

func writeAgent(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestRAListAndClasses(t *testing.T) {
	root := t.TempDir()
	ocfRoot, fenceDir, lsbDir := filepath.Join(root, "ocf"), filepath.Join(root, "sbin"), filepath.Join(root, "init.d")
	for _, p := range []string{"resource.d/acme/Widget", "resource.d/acme/Gadget", "resource.d/heartbeat/Dummy"} {
		writeAgent(t, filepath.Join(ocfRoot, p), "#!/bin/sh\n")
	}
	writeAgent(t, filepath.Join(fenceDir, "fence_lab"), "#!/bin/sh\n")
	writeAgent(t, filepath.Join(lsbDir, "web"), "#!/bin/sh\n")
	flags := []string{"--ocf-root", ocfRoot, "--fence-dir", fenceDir, "--lsb-dir", lsbDir}

	tests := []struct {
		args []string
		want string
	}{
		{[]string{"list", "ocf:acme"}, "Gadget\nWidget\n"},
		{[]string{"list", "ocf", "acme"}, "Gadget\nWidget\n"},
		{[]string{"list", "ocf"}, "Dummy\nGadget\nWidget\n"},
		{[]string{"list", "stonith"}, "fence_lab\n"},
		{[]string{"list", "lsb"}, "web\n"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			got, err := runRA(t, append(flags, tt.args...)...)
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}

	got, err := runRA(t, append(flags, "classes")...)
	if err != nil || !strings.HasPrefix(got, "ocf / acme heartbeat\nlsb\n") || !strings.HasSuffix(got, "stonith\n") {
		t.Errorf("classes: %q, %v", got, err)
	}

	errs := []struct {
		args []string
		msg  string
	}{
		{[]string{"list", "foo"}, `unknown class "foo"`},
		{[]string{"list", "ocf:nope"}, `provider "nope" not found in ` + filepath.Join(ocfRoot, "resource.d")},
		{[]string{"list"}, "want a class"},
		{[]string{"info", "foo:bar"}, `unknown class "foo"`},
		{[]string{"info", "ocf:heartbeat:Nope"}, "agent ocf:heartbeat:Nope not found in " + filepath.Join(ocfRoot, "resource.d", "heartbeat")},
		{[]string{"info", "stonith:fence_gone"}, "agent stonith:fence_gone not found in " + fenceDir},
		{[]string{"info", "lsb:gone"}, "agent lsb:gone not found in " + lsbDir},
		{[]string{"info", "ocf::x"}, "invalid agent name"},
		{[]string{"info"}, "want one agent"},
		{[]string{"info", "systemd:nginx"}, "describing systemd units is not supported yet"},
	}
	for _, tt := range errs {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, err := runRA(t, append(flags, tt.args...)...)
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err = %v, want %q", err, tt.msg)
			}
		})
	}
}

func TestResolveAgent(t *testing.T) {
	root := t.TempDir()
	for _, p := range []string{"heartbeat/Both", "pacemaker/Both", "pacemaker/Pm", "zeta/Pm", "zeta/Z", "alpha/Z"} {
		writeAgent(t, filepath.Join(root, "resource.d", p), "#!/bin/sh\n")
	}
	cfg := discovery.Config{OCFRoot: root}
	for spec, want := range map[string]string{
		"Both":                "ocf:heartbeat:Both",
		"ocf:Pm":              "ocf:pacemaker:Pm",
		"Z":                   "ocf:alpha:Z",
		"Missing":             "ocf:heartbeat:Missing",
		"ocf:zeta:Pm":         "ocf:zeta:Pm",
		"stonith:fence_xvm":   "stonith:fence_xvm",
		"lsb:foo":             "lsb:foo",
		"systemd:getty@tty1":  "systemd:getty@tty1",
		"ocf:heartbeat:Dummy": "ocf:heartbeat:Dummy",
	} {
		a, err := resolveAgent(cfg, spec)
		if err != nil || a.String() != want {
			t.Errorf("resolveAgent(%q) = %v, %v; want %s", spec, a, err, want)
		}
	}
}

// TestRAInfoRealDummy is `pacer ra info ocf:heartbeat:Dummy` against
// Debian's resource-agents.
func TestRAInfoRealDummy(t *testing.T) {
	if _, err := os.Stat("/usr/lib/ocf/resource.d/heartbeat/Dummy"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Dummy missing in CI: install resource-agents: %v", err)
		}
		t.Skipf("Dummy missing (apt-get install resource-agents): %v", err)
	}
	out, err := runRA(t, "info", "ocf:heartbeat:Dummy")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Example stateless resource agent (ocf:heartbeat:Dummy)\n\nThis is a Dummy Resource Agent.",
		"\n\nParameters (*: required, []: default):\n\n",
		"\nstate (string, [",
		"): State file\n    Location to store the resource state in.\n",
		"\nfake (string, [dummy]):",
		"\n\nOperations' defaults (advisory minimum):\n\n",
		"\n    start         timeout=20s\n",
		"\n    monitor       timeout=20s interval=10s\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "meta-data") || strings.Contains(out, "validate-all") {
		t.Errorf("meta-data or validate-all listed:\n%s", out)
	}
}

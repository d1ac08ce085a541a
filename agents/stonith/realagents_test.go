package stonith

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"pacer/agents"
)

// TestFenceDummyEveryAction runs Debian's fence_dummy through the stonith
// class for every action the class knows, and checks each exit code
// against what fence_dummy's meta-data advertises: the advertised actions
// succeed, the others (list, list-status: it has no plugs) fail with
// fence-agents' "Unrecognised action", and "manpage", which only a person
// runs, is refused by the class before anything is executed.
func TestFenceDummyEveryAction(t *testing.T) {
	needAgent(t, filepath.Join(DefaultDir, "fence_dummy"))
	r := newRunner(t, "")

	md, err := ParseMetadata([]byte(run(t, r, "fence_dummy", "metadata", "", nil).Output))
	if err != nil {
		t.Fatalf("fence_dummy meta-data: %v", err)
	}
	var advertised []string
	for _, a := range md.Actions {
		advertised = append(advertised, a.Name)
	}
	sort.Strings(advertised)
	if got, want := strings.Join(advertised, " "), "manpage metadata monitor off on reboot status validate-all"; got != want {
		t.Fatalf("fence_dummy advertises %q, want %q", got, want)
	}
	// The only required parameter is the action, which the fencer
	// supplies: a device needs no parameters at all.
	for _, p := range md.Parameters {
		if p.Required && p.Name != "action" {
			t.Errorf("parameter %s required", p.Name)
		}
	}
	for _, p := range md.Normalized().Parameters {
		if p.Required {
			t.Errorf("normalized parameter %s required", p.Name)
		}
	}

	status := filepath.Join(t.TempDir(), "fence_dummy.status")
	// fence_dummy fences one fixed machine: the target is passed as no
	// parameter, as the fencer decides from the meta-data.
	params := map[string]string{"status_file": status, ParamHostList: "node1", ParamHostArgument: md.DefaultHostArg()}
	powerIs := func(want Power) func(t *testing.T) {
		return func(t *testing.T) {
			t.Helper()
			res := run(t, r, "fence_dummy", "status", "node1", params)
			if got := PowerFromStatus(res.RC); got != want {
				t.Fatalf("status = %v (rc %d, output %q), want %v", got, res.RC, res.Output, want)
			}
		}
	}
	steps := []struct {
		action string
		target string
		want   int
		check  func(t *testing.T)
	}{
		{"metadata", "", ExitSuccess, nil},
		{"meta-data", "", ExitSuccess, nil}, // Pacemaker's name for it
		{"validate-all", "", ExitSuccess, nil},
		{"monitor", "", ExitSuccess, nil},
		{"status", "node1", ExitOff, nil}, // no status file yet reads as off
		{"on", "node1", ExitSuccess, powerIs(PowerOn)},
		{"off", "node1", ExitSuccess, powerIs(PowerOff)},
		{"reboot", "node1", ExitSuccess, powerIs(PowerOn)},
		{"status", "node1", ExitSuccess, nil},
		{"list", "", ExitError, nil},
		{"list-status", "", ExitError, nil},
	}
	covered := map[string]bool{}
	for i, s := range steps {
		covered[s.action] = true
		res := run(t, r, "fence_dummy", s.action, s.target, params)
		if res.RC != s.want {
			t.Fatalf("step %d %s: rc %d, want %d (stderr %q)", i, s.action, res.RC, s.want, res.Stderr)
		}
		if strings.Contains(res.Stderr, "Ignoring unknown option") {
			t.Errorf("step %d %s: the agent got a parameter it does not know: %q", i, s.action, res.Stderr)
		}
		if s.want == ExitError && !strings.Contains(res.Stderr, "Unrecognised action '"+s.action+"'") {
			t.Errorf("step %d %s: stderr %q does not say the action is not supported", i, s.action, res.Stderr)
		}
		if s.check != nil {
			s.check(t)
		}
	}
	for _, a := range Actions {
		if !covered[a] {
			t.Errorf("action %s of stonith.Actions not run", a)
		}
	}
	b, err := os.ReadFile(status)
	if err != nil || strings.TrimSpace(string(b)) != "on" {
		t.Errorf("status file %q, %v", b, err)
	}

	// validate-all checks the parameters' values.
	bad := map[string]string{"status_file": status, "delay": "soon"}
	if res := run(t, r, "fence_dummy", "validate-all", "", bad); res.RC != ExitError ||
		!strings.Contains(res.Stderr, "not a valid time in seconds") {
		t.Errorf("validate-all with delay=soon: rc %d, stderr %q", res.RC, res.Stderr)
	}

	// An action fence agents do not implement is refused before the
	// agent runs.
	res, err := r.Run(context.Background(), agents.Request{Class: "stonith", Type: "fence_dummy", Action: "manpage",
		Timeout: 20 * time.Second})
	if !errors.Is(err, ErrUnknownAction) || res.RC != 5 {
		t.Errorf("manpage: rc %d, %v", res.RC, err)
	}
}

// TestRealFenceAgentsMetadata parses the meta-data of real fence agents
// with different shapes: a power switch with plugs (fence_apc), a BMC
// that fences one machine (fence_ipmilan), a hypervisor (fence_virsh).
func TestRealFenceAgentsMetadata(t *testing.T) {
	tests := []struct {
		agent    string
		hostArg  string
		list     bool
		required []string // besides action, with the deprecated names
	}{
		{"fence_apc", "plug", true, []string{"ip", "ipaddr", "login", "plug", "port", "username"}},
		// ip is not marked required: fence_ipmilan may run on the
		// machine itself, against its local BMC.
		{"fence_ipmilan", "plug", false, nil},
		{"fence_virsh", "plug", true, []string{"ip", "ipaddr", "login", "plug", "port", "username"}},
	}
	for _, tt := range tests {
		t.Run(tt.agent, func(t *testing.T) {
			needAgent(t, filepath.Join(DefaultDir, tt.agent))
			r := newRunner(t, "")
			md, err := ParseMetadata([]byte(run(t, r, tt.agent, "meta-data", "", nil).Output))
			if err != nil {
				t.Fatalf("%s meta-data: %v", tt.agent, err)
			}
			if md.Name != tt.agent || md.ShortDesc == "" || md.LongDesc == "" {
				t.Errorf("name %q, shortdesc %q, longdesc %q", md.Name, md.ShortDesc, md.LongDesc)
			}
			if got := md.DefaultHostArg(); got != tt.hostArg {
				t.Errorf("DefaultHostArg = %q, want %q", got, tt.hostArg)
			}
			if md.HasAction("list") != tt.list {
				t.Errorf("list advertised = %v, want %v", md.HasAction("list"), tt.list)
			}
			var required []string
			for _, p := range md.Parameters {
				if p.Required && p.Name != "action" {
					required = append(required, p.Name)
				}
			}
			sort.Strings(required)
			if strings.Join(required, " ") != strings.Join(tt.required, " ") {
				t.Errorf("required parameters %q, want %q", required, tt.required)
			}
			// What the fencer supplies is not required of the device.
			for _, p := range md.Normalized().Parameters {
				if p.Required && (p.Name == "action" || p.Name == "plug" || p.Name == "port") {
					t.Errorf("normalized %s still required", p.Name)
				}
			}
			if p, ok := md.Param("ip"); !ok || p.Obsoletes != "ipaddr" {
				t.Errorf("ip %+v", p)
			}
			for _, a := range []string{"on", "off", "reboot", "status", "monitor", "metadata", "validate-all"} {
				if !md.HasAction(a) {
					t.Errorf("action %s missing", a)
				}
			}
		})
	}
}

// TestAllInstalledFenceAgentsMetadata parses the meta-data of every fence
// agent installed: a parser that rejects a real agent's meta-data would
// leave that device unusable. An agent that has no metadata action
// (fence_ack_manual is a shell script for people) is skipped.
func TestAllInstalledFenceAgentsMetadata(t *testing.T) {
	needAgent(t, filepath.Join(DefaultDir, "fence_dummy"))
	paths, err := filepath.Glob(filepath.Join(DefaultDir, Prefix+"*"))
	if err != nil {
		t.Fatal(err)
	}
	r := newRunner(t, "")
	for _, p := range paths {
		name := filepath.Base(p)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			res, err := r.Run(context.Background(), agents.Request{Class: "stonith", Type: name, Action: "metadata",
				Timeout: 60 * time.Second})
			if err != nil || res.RC != 0 || strings.TrimSpace(res.Output) == "" {
				t.Skipf("%s has no metadata action: rc %d, %v (stderr %.200q)", name, res.RC, err, res.Stderr)
			}
			md, err := ParseMetadata([]byte(res.Output))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			// fence_rcd_serial can only reboot.
			if md.Name == "" || !md.HasAction("off") && !md.HasAction("reboot") {
				t.Errorf("%s: name %q, actions %+v", name, md.Name, md.Actions)
			}
		})
	}
}

// TestGarbageFenceMetadata: a fence agent whose metadata action prints
// something else gets an error from the parser that names what is wrong.
func TestGarbageFenceMetadata(t *testing.T) {
	dir := t.TempDir()
	agent := "#!/bin/sh\ncat \"$(dirname \"$0\")/out\"\n"
	if err := os.WriteFile(filepath.Join(dir, "fence_garbage"), []byte(agent), 0o755); err != nil {
		t.Fatal(err)
	}
	r := newRunner(t, dir)
	tests := []struct {
		name, out, want string
	}{
		{"usage text", "fence_garbage: unknown option\nPlease use '-h' for usage\n", "resource-agent"},
		{"empty", "", "resource-agent"},
		{"other element", "<agent name=\"x\"/>", "expected element type <resource-agent> but have <agent>"},
		{"truncated", `<resource-agent name="fence_garbage"><parameters>`, "XML syntax error on line 1: unexpected EOF"},
		{"no name", `<resource-agent shortdesc="x"/>`, "resource-agent has no name"},
		{"parameter twice", `<resource-agent name="fence_garbage"><parameters><parameter name="ip"/><parameter name="ip"/></parameters></resource-agent>`, `parameter "ip" defined twice`},
		{"bad interval", `<resource-agent name="fence_garbage"><actions><action name="monitor" interval="often"/></actions></resource-agent>`, `action monitor interval: "often" is not a duration`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(filepath.Join(dir, "out"), []byte(tt.out), 0o644); err != nil {
				t.Fatal(err)
			}
			res := run(t, r, "fence_garbage", "metadata", "", nil)
			_, err := ParseMetadata([]byte(res.Output))
			if !errors.Is(err, ErrMetadata) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseMetadata(%q) = %v, want an ErrMetadata naming %q", res.Output, err, tt.want)
			}
		})
	}
}

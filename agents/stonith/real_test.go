package stonith

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"pacer/agents"
	"pacer/internal/clock"
)

// needAgent skips a test whose real fence agent is missing, except in CI,
// where the missing package is a failure.
func needAgent(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s missing in CI: install fence-agents: %v", path, err)
		}
		t.Skipf("%s missing (apt-get install fence-agents): %v", path, err)
	}
}

func newRunner(t *testing.T, dir string) *agents.ProcessRunner {
	t.Helper()
	r, err := agents.NewProcessRunner(agents.DefaultRunnerConfig(), clock.Real{}, map[string]agents.Class{"stonith": Class{Dir: dir}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// run runs one action and fails the test if the agent could not be run
// or did not exit by itself.
func run(t *testing.T, r agents.Runner, typ, action, target string, params map[string]string) agents.Result {
	t.Helper()
	req := agents.Request{Class: "stonith", Type: typ, Action: action, Params: params, Timeout: 60 * time.Second}
	if target != "" {
		req.Meta = map[string]string{MetaTarget: target}
	}
	res, err := r.Run(context.Background(), req)
	if err != nil {
		t.Fatalf("%s %s: %v (stderr %q)", typ, action, err, res.Stderr)
	}
	return res
}

// labAgent is a fence agent written to the fence agent API: key=value
// lines on stdin, the target in "plug" (or the deprecated "port"), status
// 0 on / 2 off, list as "plug,alias". A plug is a file in state_dir. It
// refuses to run when it sees a parameter Pacemaker keeps for itself, so
// the test also proves those never reach an agent.
const labAgent = `#!/bin/sh
action= plug= state_dir=
while IFS= read -r line; do
	key=${line%%=*}; val=${line#*=}
	case "$key" in
	action) action=$val ;;
	plug|port) plug=$val ;;
	state_dir) state_dir=$val ;;
	nodename) nodename=$val ;;
	pcmk_*|provides|stonith-timeout) echo "got pacemaker's $key" >&2; exit 1 ;;
	esac
done
case "$action" in
metadata)
	cat <<'XML'
<?xml version="1.0" ?>
<resource-agent name="fence_lab" shortdesc="Lab fence agent for pacer's tests">
<longdesc>Switches plugs that are files in state_dir.</longdesc>
<parameters>
	<parameter name="action" unique="0" required="1"><content type="string" default="reboot"/><shortdesc lang="en">Fencing action</shortdesc></parameter>
	<parameter name="port" unique="0" required="1" deprecated="1"><content type="string"/><shortdesc lang="en">Plug</shortdesc></parameter>
	<parameter name="plug" unique="0" required="1" obsoletes="port"><content type="string"/><shortdesc lang="en">Plug</shortdesc></parameter>
	<parameter name="state_dir" unique="0" required="1"><content type="string"/><shortdesc lang="en">Where plugs live</shortdesc></parameter>
</parameters>
<actions><action name="on" automatic="0"/><action name="off"/><action name="reboot"/><action name="status"/><action name="list"/><action name="monitor"/><action name="metadata"/></actions>
</resource-agent>
XML
	exit 0 ;;
esac
[ -d "$state_dir" ] || { echo "state_dir $state_dir missing" >&2; exit 1; }
case "$action" in
list)    for f in "$state_dir"/*; do [ -e "$f" ] && echo "$(basename "$f"),node-$(basename "$f")"; done; exit 0 ;;
monitor) exit 0 ;;
esac
[ -n "$plug" ] || { echo "no plug" >&2; exit 1; }
[ -e "$state_dir/$plug" ] || { echo "no such plug $plug" >&2; exit 1; }
case "$action" in
on)     echo on > "$state_dir/$plug" ;;
off)    echo off > "$state_dir/$plug" ;;
reboot) echo on > "$state_dir/$plug" ;;
status) [ "$(cat "$state_dir/$plug")" = off ] && exit 2; exit 0 ;;
*)      echo "unrecognised action $action" >&2; exit 1 ;;
esac
exit 0
`

func TestLabAgentRoundTrip(t *testing.T) {
	dir, state := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "fence_lab"), []byte(labAgent), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, plug := range []string{"4", "7"} {
		if err := os.WriteFile(filepath.Join(state, plug), []byte("on\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := newRunner(t, dir)

	res := run(t, r, "fence_lab", "meta-data", "", nil)
	md, err := ParseMetadata([]byte(res.Output))
	if err != nil {
		t.Fatalf("meta-data: %v\n%s", err, res.Output)
	}
	// The device as the fencer would configure it: the host argument
	// from the meta-data, the node-to-plug map, Pacemaker's own
	// parameters (which must not reach the agent).
	params := map[string]string{
		"state_dir": state, ParamHostArgument: md.DefaultHostArg(),
		ParamHostMap: "alpha:4;beta:7", ParamHostList: "alpha beta", ParamDelayMax: "0",
		"pcmk_off_retries": "2", "provides": "unfencing",
	}
	if params[ParamHostArgument] != "plug" {
		t.Fatalf("host argument %q", params[ParamHostArgument])
	}

	res = run(t, r, "fence_lab", "list", "", params)
	plugs, err := ParseList([]byte(res.Output))
	if err != nil || res.RC != ExitSuccess {
		t.Fatalf("list rc %d: %v (stderr %q)", res.RC, err, res.Stderr)
	}
	if want := []Plug{{Name: "4", Alias: "node-4"}, {Name: "7", Alias: "node-7"}}; !reflect.DeepEqual(plugs, want) {
		t.Errorf("list = %+v, want %+v", plugs, want)
	}

	steps := []struct {
		action, target string
		want           Power // after the action, per status
		plug           string
	}{
		{"off", "beta", PowerOff, "7"},
		{"on", "beta", PowerOn, "7"},
		{"off", "alpha", PowerOff, "4"},
		{"reboot", "alpha", PowerOn, "4"},
	}
	for _, s := range steps {
		if res := run(t, r, "fence_lab", s.action, s.target, params); res.RC != ExitSuccess {
			t.Fatalf("%s %s: rc %d, stderr %q", s.action, s.target, res.RC, res.Stderr)
		}
		res := run(t, r, "fence_lab", "status", s.target, params)
		if got := PowerFromStatus(res.RC); got != s.want {
			t.Fatalf("status of %s after %s: %v (rc %d, stderr %q), want %v", s.target, s.action, got, res.RC, res.Stderr, s.want)
		}
		b, _ := os.ReadFile(filepath.Join(state, s.plug))
		if strings.TrimSpace(string(b)) != s.want.String() {
			t.Fatalf("plug %s holds %q after %s %s", s.plug, b, s.action, s.target)
		}
	}

	// A node the device does not know fails; status is then unknown.
	res = run(t, r, "fence_lab", "status", "gamma", params)
	if PowerFromStatus(res.RC) != PowerUnknown || !strings.Contains(res.Stderr, "no such plug gamma") {
		t.Errorf("unknown node: rc %d, stderr %q", res.RC, res.Stderr)
	}
}

// TestFenceDummy drives Debian's fence_dummy (fence-agents), whose plug
// state lives in a status file, through off, on and reboot.
func TestFenceDummy(t *testing.T) {
	needAgent(t, filepath.Join(DefaultDir, "fence_dummy"))
	r := newRunner(t, "")

	res := run(t, r, "fence_dummy", "meta-data", "", nil)
	md, err := ParseMetadata([]byte(res.Output))
	if err != nil {
		t.Fatalf("fence_dummy meta-data: %v", err)
	}
	if md.Name != "fence_dummy" || md.ShortDesc != "Dummy fence agent" || !md.HasAction("status") || !md.HasAction("reboot") {
		t.Errorf("meta-data %+v", md)
	}
	if p, ok := md.Param("status_file"); !ok || p.Default != "/tmp/fence_dummy.status" {
		t.Errorf("status_file parameter %+v", p)
	}
	// fence_dummy fences one fixed machine: no plug, no port.
	if got := md.DefaultHostArg(); got != "none" {
		t.Errorf("DefaultHostArg = %q", got)
	}

	params := map[string]string{
		"status_file":     filepath.Join(t.TempDir(), "fence_dummy.status"),
		ParamHostArgument: md.DefaultHostArg(), ParamHostList: "node1",
	}
	if res := run(t, r, "fence_dummy", "monitor", "", params); res.RC != ExitSuccess {
		t.Fatalf("monitor rc %d, stderr %q", res.RC, res.Stderr)
	}
	steps := []struct {
		action string
		want   Power
	}{
		{"off", PowerOff}, // a missing status file reads as off: "Already OFF"
		{"on", PowerOn},
		{"off", PowerOff},
		{"reboot", PowerOn},
	}
	for _, s := range steps {
		if res := run(t, r, "fence_dummy", s.action, "node1", params); res.RC != ExitSuccess {
			t.Fatalf("%s: rc %d, stderr %q", s.action, res.RC, res.Stderr)
		}
		res := run(t, r, "fence_dummy", "status", "node1", params)
		if got := PowerFromStatus(res.RC); got != s.want {
			t.Fatalf("status after %s = %v (rc %d, output %q)", s.action, got, res.RC, res.Output)
		}
		if strings.Contains(res.Stderr, "Ignoring unknown option") {
			t.Errorf("agent got a parameter it does not know: %q", res.Stderr)
		}
	}
}

// TestFenceIPMILanMetadata reads the meta-data of a real, widely used
// agent: deprecated port and ipaddr, plug and ip obsoleting them.
func TestFenceIPMILanMetadata(t *testing.T) {
	needAgent(t, filepath.Join(DefaultDir, "fence_ipmilan"))
	r := newRunner(t, "")
	res := run(t, r, "fence_ipmilan", "metadata", "", nil)
	md, err := ParseMetadata([]byte(res.Output))
	if err != nil {
		t.Fatalf("fence_ipmilan meta-data: %v", err)
	}
	if md.DefaultHostArg() != "plug" {
		t.Errorf("DefaultHostArg = %q", md.DefaultHostArg())
	}
	if p, _ := md.Param("port"); !p.Deprecated {
		t.Errorf("port %+v not deprecated", p)
	}
	if p, _ := md.Param("ip"); p.Obsoletes != "ipaddr" {
		t.Errorf("ip %+v", p)
	}
	if a, _ := md.Param("action"); !a.Required {
		t.Errorf("raw action parameter %+v not required", a)
	}
	if a, _ := md.Normalized().Param("action"); a.Required {
		t.Errorf("normalized action parameter %+v still required", a)
	}
	// fence_ipmilan controls one machine's BMC: no list action.
	if md.HasAction("list") {
		t.Error("fence_ipmilan advertises list")
	}
	for _, a := range []string{"on", "off", "reboot", "status", "monitor", "validate-all"} {
		if !md.HasAction(a) {
			t.Errorf("action %s missing", a)
		}
	}
}

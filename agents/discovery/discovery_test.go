package discovery

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"pacer/agents"
	"pacer/agents/ocf"
	"pacer/agents/stonith"
	"pacer/internal/clock"
)

// fakeOCF is an OCF agent that only knows meta-data.
const fakeOCF = `#!/bin/sh
case "$1" in
meta-data) cat <<'XML'
<?xml version="1.0"?>
<resource-agent name="Thing" version="2.0">
<version>1.0</version>
<longdesc lang="en">Manages a thing.</longdesc>
<shortdesc lang="en">A thing</shortdesc>
<parameters>
<parameter name="path" required="1" unique="1"><longdesc lang="en">Where the thing is.</longdesc><shortdesc lang="en">Path</shortdesc><content type="string"/></parameter>
<parameter name="mode"><shortdesc lang="en">Mode</shortdesc><content type="select" default="fast"><option value="fast"/><option value="slow"/></content></parameter>
</parameters>
<actions>
<action name="start" timeout="20s"/>
<action name="monitor" timeout="10s" interval="30s" depth="10"/>
<action name="meta-data" timeout="5s"/>
</actions>
</resource-agent>
XML
exit 0;;
esac
exit 3
`

const brokenOCF = "#!/bin/sh\necho 'cannot find helper' >&2\nexit 5\n"

const garbageOCF = "#!/bin/sh\necho 'usage: garbage start|stop'\nexit 0\n"

const fakeFence = `#!/bin/sh
read -r line
[ "$line" = "action=metadata" ] || { echo "unrecognised $line" >&2; exit 1; }
cat <<'XML'
<?xml version="1.0" ?>
<resource-agent name="fence_lab" shortdesc="Lab fence agent">
<longdesc>Fences the lab.</longdesc>
<parameters>
<parameter name="action" unique="0" required="1"><content type="string" default="reboot"/><shortdesc lang="en">Fencing action</shortdesc></parameter>
<parameter name="plug" unique="0" required="1"><content type="string"/><shortdesc lang="en">Plug</shortdesc></parameter>
<parameter name="ip" unique="0" required="1"><content type="string"/><shortdesc lang="en">IP</shortdesc></parameter>
</parameters>
<actions><action name="on"/><action name="off"/><action name="monitor"/><action name="metadata"/></actions>
</resource-agent>
XML
`

const initScript = `#!/bin/sh
### BEGIN INIT INFO
# Provides:          web
# Short-Description: Web server
# Description:       Serves the web
#                    to everyone.
### END INIT INFO
exit 0
`

// tree builds an agent tree in a temporary directory:
// OCF providers heartbeat (Thing, Broken, Garbage, a hidden file, a
// non-executable file, a link to Thing) and acme (Thing); init scripts;
// fence agents; and, when systemd is true, systemd's run and unit
// directories.
func tree(t *testing.T, systemd bool) Config {
	t.Helper()
	root := t.TempDir()
	c := Config{
		OCFRoot:       filepath.Join(root, "ocf"),
		LSBDir:        filepath.Join(root, "init.d"),
		FenceDir:      filepath.Join(root, "sbin"),
		SystemdRunDir: filepath.Join(root, "run-systemd"),
		UnitDirs:      []string{filepath.Join(root, "etc-units"), filepath.Join(root, "lib-units"), filepath.Join(root, "absent")},
	}
	files := []struct {
		path, body string
		mode       os.FileMode
	}{
		{"ocf/resource.d/heartbeat/Thing", fakeOCF, 0o755},
		{"ocf/resource.d/heartbeat/Broken", brokenOCF, 0o755},
		{"ocf/resource.d/heartbeat/Garbage", garbageOCF, 0o755},
		{"ocf/resource.d/heartbeat/.ocf-shellfuncs", "", 0o755},
		{"ocf/resource.d/heartbeat/README", "not an agent", 0o644},
		{"ocf/resource.d/acme/Thing", fakeOCF, 0o755},
		{"ocf/resource.d/acme/Widget", fakeOCF, 0o750},
		{"init.d/web", initScript, 0o755},
		{"init.d/bare", "#!/bin/sh\nexit 0\n", 0o755},
		{"init.d/README", "docs", 0o644},
		{"sbin/fence_lab", fakeFence, 0o755},
		{"sbin/fence_nox", fakeFence, 0o644}, // Pacemaker lists regular files whatever their mode
		{"sbin/ip", "", 0o755},
		{"etc-units/web.service", "", 0o644},
		{"lib-units/db.service", "", 0o644},
		{"lib-units/getty@.service", "", 0o644},
		{"lib-units/web.socket", "", 0o644},
		{"lib-units/web.service", "", 0o644},
	}
	for _, f := range files {
		p := filepath.Join(root, f.path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f.body), f.mode); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"ocf/resource.d/.hidden", "sbin/fence_dir"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("Thing", filepath.Join(c.OCFRoot, "resource.d/heartbeat/Alias")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("missing", filepath.Join(c.OCFRoot, "resource.d/heartbeat/Dangling")); err != nil {
		t.Fatal(err)
	}
	if systemd {
		if err := os.MkdirAll(c.SystemdRunDir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func TestClasses(t *testing.T) {
	if got, want := tree(t, false).Classes(), []string{"ocf", "lsb", "stonith"}; !reflect.DeepEqual(got, want) {
		t.Errorf("without systemd: %q, want %q", got, want)
	}
	if got, want := tree(t, true).Classes(), []string{"ocf", "lsb", "service", "systemd", "stonith"}; !reflect.DeepEqual(got, want) {
		t.Errorf("with systemd: %q, want %q", got, want)
	}
}

func TestList(t *testing.T) {
	c := tree(t, true)
	providers, err := c.Providers()
	if err != nil || !reflect.DeepEqual(providers, []string{"acme", "heartbeat"}) {
		t.Errorf("Providers = %q, %v", providers, err)
	}
	tests := []struct {
		class, provider string
		want            []string
	}{
		{"ocf", "heartbeat", []string{"Alias", "Broken", "Garbage", "Thing"}},
		{"ocf", "acme", []string{"Thing", "Widget"}},
		{"ocf", "", []string{"Alias", "Broken", "Garbage", "Thing", "Widget"}},
		{"OCF", "acme", []string{"Thing", "Widget"}},
		{"lsb", "", []string{"bare", "web"}},
		{"stonith", "", []string{"fence_lab", "fence_nox"}},
		{"systemd", "", []string{"db", "web"}},
		{"service", "", []string{"bare", "db", "web"}},
	}
	for _, tt := range tests {
		t.Run(tt.class+":"+tt.provider, func(t *testing.T) {
			got, err := c.List(tt.class, tt.provider)
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("List = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestListErrors(t *testing.T) {
	c := tree(t, false)
	tests := []struct {
		class, provider string
		is              error
		msg             string
	}{
		{"foo", "", ErrUnknownClass, `unknown class "foo"`},
		{"ocf", "nope", ErrNotFound, `provider "nope" not found in ` + filepath.Join(c.OCFRoot, "resource.d")},
		{"ocf", "..", ocf.ErrBadName, "invalid agent name"},
		{"lsb", "heartbeat", nil, "class lsb has no providers"},
		{"systemd", "", nil, "systemd is not running here"},
	}
	for _, tt := range tests {
		t.Run(tt.class+":"+tt.provider, func(t *testing.T) {
			_, err := c.List(tt.class, tt.provider)
			if err == nil || !strings.Contains(err.Error(), tt.msg) || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Errorf("err = %v; want %q (is %v)", err, tt.msg, tt.is)
			}
		})
	}
	empty := Config{OCFRoot: t.TempDir(), LSBDir: filepath.Join(t.TempDir(), "none")}
	if _, err := empty.List("lsb", ""); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing init dir: %v", err)
	}
}

func TestParseAgent(t *testing.T) {
	tests := []struct {
		spec string
		want Agent
		ok   bool
	}{
		{"ocf:heartbeat:Dummy", Agent{"ocf", "heartbeat", "Dummy"}, true},
		{"OCF:pacemaker:Stateful", Agent{"ocf", "pacemaker", "Stateful"}, true},
		{"stonith:fence_xvm", Agent{Class: "stonith", Type: "fence_xvm"}, true},
		{"lsb:foo", Agent{Class: "lsb", Type: "foo"}, true},
		{"systemd:getty@tty1", Agent{Class: "systemd", Type: "getty@tty1"}, true},
		{"service:a:b", Agent{Class: "service", Type: "a:b"}, true},
		{"ocf:heartbeat:", Agent{}, false},
		{"ocf:Dummy", Agent{}, false},
		{"ocf::Dummy", Agent{}, false},
		{"Dummy", Agent{}, false},
		{":x", Agent{}, false},
		{"lsb:", Agent{}, false},
	}
	for _, tt := range tests {
		got, err := ParseAgent(tt.spec)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseAgent(%q) = %+v, %v; want %+v ok=%v", tt.spec, got, err, tt.want, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrBadAgent) {
			t.Errorf("ParseAgent(%q): %v does not wrap ErrBadAgent", tt.spec, err)
		}
		if err == nil && got.String() != strings.Replace(tt.spec, "OCF", "ocf", 1) {
			t.Errorf("String() = %q, want %q", got.String(), tt.spec)
		}
	}
}

func TestInfo(t *testing.T) {
	c := tree(t, false)
	r, err := NewRunner(c, clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	in, err := c.Info(ctx, r, Agent{Class: "ocf", Provider: "heartbeat", Type: "Thing"})
	if err != nil {
		t.Fatal(err)
	}
	want := Info{
		Agent: Agent{"ocf", "heartbeat", "Thing"}, Version: "1.0", ShortDesc: "A thing", LongDesc: "Manages a thing.",
		Parameters: []Parameter{
			{Name: "path", Type: "string", Required: true, Unique: true, ShortDesc: "Path", LongDesc: "Where the thing is."},
			{Name: "mode", Type: "select", Default: "fast", HasDefault: true, ShortDesc: "Mode", Options: []string{"fast", "slow"}},
		},
		Actions: []Action{
			{Name: "start", Timeout: 20 * time.Second},
			{Name: "monitor", Timeout: 10 * time.Second, Interval: 30 * time.Second, Depth: 10},
			{Name: "meta-data", Timeout: 5 * time.Second},
		},
	}
	if !reflect.DeepEqual(in, want) {
		t.Errorf("ocf info\n got %+v\nwant %+v", in, want)
	}

	in, err = c.Info(ctx, r, Agent{Class: "lsb", Type: "web"})
	if err != nil {
		t.Fatal(err)
	}
	if in.ShortDesc != "Web server" || in.LongDesc != "Serves the web\nto everyone." || len(in.Parameters) != 0 || len(in.Actions) != 7 {
		t.Errorf("lsb info %+v", in)
	}

	in, err = c.Info(ctx, r, Agent{Class: "stonith", Type: "fence_lab"})
	if err != nil {
		t.Fatal(err)
	}
	if in.ShortDesc != "Lab fence agent" || len(in.Parameters) != 3+len(stonith.FencerParameters()) {
		t.Fatalf("stonith info %+v", in)
	}
	// The fencer's own parameters follow the agent's, as crm ra info
	// shows them.
	if p := in.Parameters[3]; p.Name != "pcmk_host_argument" || p.Default != "port" {
		t.Errorf("first fencer parameter %+v", p)
	}
	// As Pacemaker presents it: the fencer supplies action and plug, and
	// runs start and stop itself.
	if in.Parameters[0].Required || in.Parameters[1].Required || !in.Parameters[2].Required {
		t.Errorf("stonith parameters %+v", in.Parameters)
	}
	if n := len(in.Actions); n != 6 || in.Actions[n-2].Name != "stop" || in.Actions[n-1].Timeout != stonith.DefaultActionTimeout {
		t.Errorf("stonith actions %+v", in.Actions)
	}
}

func TestInfoErrors(t *testing.T) {
	c := tree(t, false)
	r, err := NewRunner(c, clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		agent Agent
		is    error
		msg   string
	}{
		{Agent{"ocf", "heartbeat", "Nope"}, ErrNotFound, "agent ocf:heartbeat:Nope not found in " + filepath.Join(c.OCFRoot, "resource.d", "heartbeat")},
		{Agent{"ocf", "nope", "Thing"}, ErrNotFound, "not found in " + filepath.Join(c.OCFRoot, "resource.d", "nope")},
		{Agent{"ocf", "heartbeat", "../acme/Thing"}, ocf.ErrBadName, "invalid agent name"},
		{Agent{"ocf", "heartbeat", "Broken"}, nil, "meta-data exited 5: cannot find helper"},
		{Agent{"ocf", "heartbeat", "Garbage"}, ocf.ErrMetadata, "invalid agent meta-data"},
		{Agent{Class: "lsb", Type: "gone"}, ErrNotFound, "agent lsb:gone not found in " + c.LSBDir},
		{Agent{Class: "stonith", Type: "fence_gone"}, ErrNotFound, "agent stonith:fence_gone not found in " + c.FenceDir},
		{Agent{Class: "stonith", Type: "fence_dir"}, ErrNotFound, "not found"},
		{Agent{Class: "stonith", Type: "xvm"}, stonith.ErrBadName, "invalid fence agent name"},
		{Agent{Class: "foo", Type: "bar"}, ErrUnknownClass, `unknown class "foo"`},
		{Agent{Class: "systemd", Type: "web"}, agents.ErrUnknownClass, "unknown agent class"},
		{Agent{Class: "service", Type: "db"}, agents.ErrUnknownClass, "unknown agent class"},
	}
	for _, tt := range tests {
		t.Run(tt.agent.String(), func(t *testing.T) {
			_, err := c.Info(context.Background(), r, tt.agent)
			if err == nil || !strings.Contains(err.Error(), tt.msg) || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Errorf("err = %v; want %q (is %v)", err, tt.msg, tt.is)
			}
		})
	}
}

// unitRunner stands in for the systemd class, which is a Runner of its
// own: it answers meta-data for units and nothing else.
type unitRunner struct{ asked []agents.Request }

func (u *unitRunner) Run(_ context.Context, req agents.Request) (agents.Result, error) {
	u.asked = append(u.asked, req)
	if req.Class != "systemd" || req.Action != "meta-data" {
		return agents.Result{RC: 3}, errors.New("unexpected request")
	}
	return agents.Result{Output: `<resource-agent name="` + req.Type + `"><shortdesc lang="en">Unit ` + req.Type +
		`</shortdesc><actions><action name="start" timeout="100s"/></actions></resource-agent>`}, nil
}

func TestInfoSystemdAndService(t *testing.T) {
	c := tree(t, true)
	u := &unitRunner{}
	in, err := c.Info(context.Background(), u, Agent{Class: "systemd", Type: "db"})
	if err != nil || in.ShortDesc != "Unit db" || in.Agent.String() != "systemd:db" || in.Actions[0].Timeout != 100*time.Second {
		t.Errorf("systemd info %+v, %v", in, err)
	}
	// A service with an init script is the script; without one, the unit.
	in, err = c.Info(context.Background(), u, Agent{Class: "service", Type: "web"})
	if err != nil || in.ShortDesc != "Web server" || in.Agent.String() != "service:web" {
		t.Errorf("service:web info %+v, %v", in, err)
	}
	in, err = c.Info(context.Background(), u, Agent{Class: "service", Type: "db"})
	if err != nil || in.ShortDesc != "Unit db" || in.Agent.String() != "service:db" {
		t.Errorf("service:db info %+v, %v", in, err)
	}
	if len(u.asked) != 2 {
		t.Errorf("runner asked %d times, want 2 (the script needs no runner)", len(u.asked))
	}
}

// needReal skips a test whose real agents are missing, except in CI.
func needReal(t *testing.T, path, pkg string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s missing in CI: install %s: %v", path, pkg, err)
		}
		t.Skipf("%s missing (apt-get install %s): %v", path, pkg, err)
	}
}

// TestRealAgents lists and describes Debian's resource-agents and
// fence-agents where they are installed.
func TestRealAgents(t *testing.T) {
	needReal(t, filepath.Join(ocf.DefaultRoot, "resource.d", "heartbeat", "Dummy"), "resource-agents")
	needReal(t, filepath.Join(stonith.DefaultDir, "fence_dummy"), "fence-agents")
	var c Config
	r, err := NewRunner(c, clock.Real{})
	if err != nil {
		t.Fatal(err)
	}
	names, err := c.List("ocf", "heartbeat")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Dummy", "IPaddr2", "Filesystem"} {
		if !contains(names, want) {
			t.Errorf("ocf:heartbeat list lacks %s", want)
		}
	}
	if contains(names, ".ocf-shellfuncs") {
		t.Error("hidden files listed")
	}
	fences, err := c.List("stonith", "")
	if err != nil || !contains(fences, "fence_dummy") {
		t.Errorf("stonith list %q, %v", fences, err)
	}

	in, err := c.Info(context.Background(), r, Agent{"ocf", "heartbeat", "Dummy"})
	if err != nil {
		t.Fatal(err)
	}
	var params []string
	for _, p := range in.Parameters {
		params = append(params, p.Name)
	}
	if !contains(params, "state") || !contains(params, "fake") {
		t.Errorf("Dummy parameters %q", params)
	}
	in, err = c.Info(context.Background(), r, Agent{Class: "stonith", Type: "fence_dummy"})
	if err != nil || in.ShortDesc != "Dummy fence agent" {
		t.Errorf("fence_dummy info %+v, %v", in, err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

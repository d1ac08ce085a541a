package lsb

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"pacer/agents"
	"pacer/agents/ocf"
	"pacer/internal/clock"
)

func TestPath(t *testing.T) {
	tests := []struct {
		dir, typ string
		want     string
		ok       bool
	}{
		{"", "apache2", "/etc/init.d/apache2", true},
		{"/tmp/x", "svc", "/tmp/x/svc", true},
		{"", "", "", false},
		{"", ".", "", false},
		{"", "..", "", false},
		{"", "../bin/sh", "", false},
		{"", "a\x00b", "", false},
	}
	for _, tt := range tests {
		got, err := Path(tt.dir, tt.typ)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("Path(%q, %q) = %q, %v; want %q ok=%v", tt.dir, tt.typ, got, err, tt.want, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrBadName) {
			t.Errorf("Path(%q): error %v does not wrap ErrBadName", tt.typ, err)
		}
	}
}

func TestClassCommand(t *testing.T) {
	tests := []struct {
		name string
		req  agents.Request
		want agents.Command
		ok   bool
	}{
		{"monitor runs status", agents.Request{Type: "svc", Action: "monitor", Interval: 10 * time.Second},
			agents.Command{Path: "/d/svc", Args: []string{"status"}, Env: []string{"PATH=" + AgentPath}}, true},
		{"start", agents.Request{Type: "svc", Action: "start", Params: map[string]string{"ignored": "x"}},
			agents.Command{Path: "/d/svc", Args: []string{"start"}, Env: []string{"PATH=" + AgentPath}}, true},
		{"empty action", agents.Request{Type: "svc"}, agents.Command{}, false},
		{"traversal", agents.Request{Type: "../svc", Action: "start"}, agents.Command{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Class{Dir: "/d"}.Command(tt.req)
			if (err == nil) != tt.ok || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Command = %+v, %v; want %+v ok=%v", got, err, tt.want, tt.ok)
			}
		})
	}
}

// testScript is an init script following the LSB: a state file stands for
// the daemon; "crash" leaves a stale pid file, so status says "dead, pid
// file exists"; "confuse" makes status answer 4 (unknown).
const testScript = `#!/bin/sh
### BEGIN INIT INFO
# Provides:          pacer-test
# Required-Start:    $local_fs
# Required-Stop:     $local_fs
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: Test service for pacer
# Description:       A service that only exists in a state file,
#                    for the lsb class tests.
### END INIT INFO
dir=$(dirname "$0")
run="$dir/run"; pid="$dir/pid"
case "$1" in
start)   touch "$run"; echo $$ > "$pid"; exit 0 ;;
stop)    rm -f "$run" "$pid"; exit 0 ;;
crash)   rm -f "$run"; exit 0 ;;
confuse) touch "$dir/confused"; exit 0 ;;
status)
	[ -e "$dir/confused" ] && exit 4
	[ -e "$run" ] && exit 0
	[ -e "$pid" ] && exit 1
	exit 3 ;;
*) echo "usage: $0 {start|stop|status}" >&2; exit 3 ;;
esac
`

func TestRealScript(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "pacer-test")
	if err := os.WriteFile(script, []byte(testScript), 0o755); err != nil {
		t.Fatal(err)
	}
	r, err := agents.NewProcessRunner(agents.DefaultRunnerConfig(), clock.Real{}, map[string]agents.Class{"lsb": Class{Dir: dir}})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		action string
		want   ocf.RC
	}{
		{"monitor", ocf.NotRunning}, // probe: exit 3
		{"start", ocf.Success},
		{"monitor", ocf.Success},
		{"status", ocf.Success},
		{"crash", ocf.Success},
		{"monitor", ocf.NotRunning}, // exit 1: dead, pid file left
		{"stop", ocf.Success},
		{"monitor", ocf.NotRunning},
		{"reload", ocf.ErrUnimplemented}, // usage, exit 3
		{"confuse", ocf.Success},
		{"monitor", ocf.ErrGeneric}, // exit 4: unknown
	}
	for i, s := range steps {
		res, err := r.Run(context.Background(), agents.Request{Class: "lsb", Type: "pacer-test", Action: s.action, Timeout: 20 * time.Second})
		if err != nil {
			t.Fatalf("step %d %s: %v", i, s.action, err)
		}
		if got := ocf.RC(ToOCF(s.action, res.RC)); got != s.want {
			t.Fatalf("step %d %s: exit %d maps to %v, want %v (stderr %q)", i, s.action, res.RC, got, s.want, res.Stderr)
		}
	}

	// A missing script is "not installed" from the runner itself.
	res, err := r.Run(context.Background(), agents.Request{Class: "lsb", Type: "absent", Action: "monitor"})
	if err == nil || res.RC != int(ocf.ErrInstalled) {
		t.Errorf("missing script: rc %d, err %v", res.RC, err)
	}

	b, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ocf.ParseMetadata(Metadata("pacer-test", ParseHeader(b)))
	if err != nil {
		t.Fatal(err)
	}
	if m.ShortDesc != "Test service for pacer" || m.LongDesc != "A service that only exists in a state file,\nfor the lsb class tests." {
		t.Errorf("meta-data %+v", m)
	}
}

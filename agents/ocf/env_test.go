package ocf

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pacer/agents"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func TestBuildEnvGolden(t *testing.T) {
	tests := []struct {
		name string
		req  agents.Request
		root string
	}{
		{
			name: "start",
			req: agents.Request{
				Class: "ocf", Provider: "heartbeat", Type: "Dummy", Action: "start",
				Instance: "dummy1",
				Params:   map[string]string{"state": "/run/dummy1.state", "fake": "x y"},
				Meta:     map[string]string{"target-role": "Started", "migration-threshold": "3"},
				Timeout:  20 * time.Second,
			},
		},
		{
			name: "monitor_depth",
			req: agents.Request{
				Class: "ocf", Provider: "heartbeat", Type: "IPaddr2", Action: "monitor",
				Instance:   "vip",
				Params:     map[string]string{"ip": "10.0.0.10", "cidr_netmask": "24"},
				Interval:   10 * time.Second,
				Timeout:    20 * time.Second,
				CheckLevel: 10,
			},
			root: "/opt/ocf",
		},
		{
			name: "anonymous_clone",
			req: agents.Request{
				Class: "ocf", Provider: "pacemaker", Type: "Stateful", Action: "promote",
				Instance: "stateful:1",
				Meta:     map[string]string{"clone-max": "2", "promoted-max": "1", "notify": "true"},
				Timeout:  90 * time.Second,
			},
		},
		{
			name: "unique_clone",
			req: agents.Request{
				Class: "ocf", Provider: "heartbeat", Type: "Dummy", Action: "stop",
				Instance: "d:3",
				Meta:     map[string]string{"globally-unique": "true", "clone": "3"},
				Timeout:  1500 * time.Millisecond,
			},
		},
		{
			name: "op_wins_over_meta",
			req: agents.Request{
				Class: "ocf", Provider: "heartbeat", Type: "Dummy", Action: "monitor",
				Instance: "d",
				Meta:     map[string]string{"timeout": "999", "interval": "999"},
				Interval: time.Minute,
				Timeout:  30 * time.Second,
			},
		},
		{
			name: "meta_data",
			req:  agents.Request{Class: "ocf", Provider: "heartbeat", Type: "Dummy", Action: "meta-data"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, err := BuildEnv(tt.req, tt.root)
			if err != nil {
				t.Fatalf("BuildEnv: %v", err)
			}
			got := strings.Join(env, "\n") + "\n"
			// Same input, same output: maps must not leak their order.
			for range 5 {
				again, _ := BuildEnv(tt.req, tt.root)
				if strings.Join(again, "\n")+"\n" != got {
					t.Fatal("BuildEnv is not deterministic")
				}
			}
			golden := filepath.Join("testdata", "env_"+tt.name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("read golden (run with -update to create): %v", err)
			}
			if got != string(want) {
				t.Errorf("env mismatch (-update to accept)\ngot:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestBuildEnvRejects(t *testing.T) {
	tests := []struct {
		name string
		req  agents.Request
	}{
		{"equals in param name", agents.Request{Params: map[string]string{"a=b": "x"}}},
		{"NUL in value", agents.Request{Params: map[string]string{"a": "x\x00y"}}},
		{"empty param name", agents.Request{Params: map[string]string{"": "x"}}},
		{"NUL in meta name", agents.Request{Meta: map[string]string{"a\x00": "x"}}},
		{"NUL in instance", agents.Request{Instance: "r\x00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if env, err := BuildEnv(tt.req, ""); err == nil {
				t.Fatalf("BuildEnv accepted it: %q", env)
			}
		})
	}
}

func TestMetaName(t *testing.T) {
	for in, want := range map[string]string{
		"target-role":         "CRM_meta_target_role",
		"globally-unique":     "CRM_meta_globally_unique",
		"clone":               "CRM_meta_clone",
		"notify_type":         "CRM_meta_notify_type",
		"record-pending--two": "CRM_meta_record_pending__two",
	} {
		if got := MetaName(in); got != want {
			t.Errorf("MetaName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPath(t *testing.T) {
	tests := []struct {
		root, provider, typ string
		want                string
		ok                  bool
	}{
		{"", "heartbeat", "Dummy", "/usr/lib/ocf/resource.d/heartbeat/Dummy", true},
		{"/opt/ocf", "big-corp", "big-app", "/opt/ocf/resource.d/big-corp/big-app", true},
		{"", "..", "Dummy", "", false},
		{"", "heartbeat", "..", "", false},
		{"", "heartbeat", "../../../../bin/sh", "", false},
		{"", "a/b", "Dummy", "", false},
		{"", "", "Dummy", "", false},
		{"", "heartbeat", "", "", false},
		{"", "heartbeat", ".", "", false},
		{"", "heartbeat", "Du\x00mmy", "", false},
	}
	for _, tt := range tests {
		got, err := Path(tt.root, tt.provider, tt.typ)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("Path(%q, %q, %q) = %q, %v; want %q, ok=%v", tt.root, tt.provider, tt.typ, got, err, tt.want, tt.ok)
		}
	}
}

func TestRCString(t *testing.T) {
	for rc, want := range map[RC]string{
		0: "OCF_SUCCESS", 1: "OCF_ERR_GENERIC", 2: "OCF_ERR_ARGS", 3: "OCF_ERR_UNIMPLEMENTED",
		4: "OCF_ERR_PERM", 5: "OCF_ERR_INSTALLED", 6: "OCF_ERR_CONFIGURED", 7: "OCF_NOT_RUNNING",
		8: "OCF_RUNNING_PROMOTED", 9: "OCF_FAILED_PROMOTED", 190: "OCF_DEGRADED",
		191: "OCF_DEGRADED_PROMOTED", 42: "OCF_UNKNOWN(42)",
	} {
		if got := rc.String(); got != want {
			t.Errorf("RC(%d) = %q, want %q", int(rc), got, want)
		}
	}
}

func TestClassCommand(t *testing.T) {
	c := Class{Root: "/opt/ocf"}
	cmd, err := c.Command(agents.Request{Class: "ocf", Provider: "heartbeat", Type: "Dummy", Action: "start", Instance: "d"})
	if err != nil {
		t.Fatal(err)
	}
	if cmd.Path != "/opt/ocf/resource.d/heartbeat/Dummy" || len(cmd.Args) != 1 || cmd.Args[0] != "start" || cmd.Stdin != nil {
		t.Errorf("command = %+v", cmd)
	}
	if _, err := c.Command(agents.Request{Provider: "../x", Type: "Dummy", Action: "start"}); err == nil {
		t.Error("traversal accepted")
	}
	if _, err := c.Command(agents.Request{Provider: "heartbeat", Type: "Dummy"}); err == nil {
		t.Error("empty action accepted")
	}
}

// TestClassEnvOverride: the class's Env replaces BuildEnv's PATH (so the
// helper directory comes first) and adds HA_SBIN_DIR.
func TestClassEnvOverride(t *testing.T) {
	c := Class{Root: "/x", Env: map[string]string{"PATH": "/usr/lib/pacer/bin:" + AgentPath, "HA_SBIN_DIR": "/usr/lib/pacer/bin"}}
	cmd, err := c.Command(agents.Request{Provider: "heartbeat", Type: "Dummy", Action: "start", Instance: "a"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, kv := range cmd.Env {
		k, v, _ := strings.Cut(kv, "=")
		got[k]++
		switch k {
		case "PATH":
			if !strings.HasPrefix(v, "/usr/lib/pacer/bin:") {
				t.Errorf("PATH %q does not start with the helper dir", v)
			}
		case "HA_SBIN_DIR":
			if v != "/usr/lib/pacer/bin" {
				t.Errorf("HA_SBIN_DIR %q", v)
			}
		}
	}
	if got["PATH"] != 1 || got["HA_SBIN_DIR"] != 1 || got["OCF_ROOT"] != 1 {
		t.Errorf("env keys %v: want one PATH, HA_SBIN_DIR and OCF_ROOT", got)
	}
}

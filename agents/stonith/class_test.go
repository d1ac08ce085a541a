package stonith

import (
	"errors"
	"reflect"
	"testing"

	"pacer/agents"
)

func TestPath(t *testing.T) {
	tests := []struct {
		dir, typ string
		want     string
		ok       bool
	}{
		{"", "fence_xvm", "/usr/sbin/fence_xvm", true},
		{"/opt/fence", "fence_lab", "/opt/fence/fence_lab", true},
		{"", "xvm", "", false},
		{"", "fence_", "", false},
		{"", "fence_../../bin/sh", "", false},
		{"", "fence_a\x00", "", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		got, err := Path(tt.dir, tt.typ)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("Path(%q, %q) = %q, %v; want %q ok=%v", tt.dir, tt.typ, got, err, tt.want, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrBadName) {
			t.Errorf("Path(%q): %v does not wrap ErrBadName", tt.typ, err)
		}
	}
}

func TestClassCommand(t *testing.T) {
	tests := []struct {
		name string
		req  agents.Request
		want agents.Command
		err  error
	}{
		{
			name: "reboot a node",
			req: agents.Request{Class: "stonith", Type: "fence_lab", Action: "reboot",
				Params: map[string]string{"ip": "10.1.1.1", "pcmk_host_list": "n1 n2"},
				Meta:   map[string]string{MetaTarget: "n2", MetaTargetID: "2", "timeout": "60s"}},
			want: agents.Command{Path: "/f/fence_lab", Env: []string{"PATH=" + AgentPath},
				Stdin: []byte("action=reboot\nip=10.1.1.1\nnodeid=2\nnodename=n2\nport=n2\n")},
		},
		{
			name: "meta-data is metadata",
			req:  agents.Request{Type: "fence_lab", Action: "meta-data"},
			want: agents.Command{Path: "/f/fence_lab", Env: []string{"PATH=" + AgentPath}, Stdin: []byte("action=metadata\n")},
		},
		{
			name: "monitor",
			req:  agents.Request{Type: "fence_lab", Action: "monitor", Params: map[string]string{"ip": "x"}},
			want: agents.Command{Path: "/f/fence_lab", Env: []string{"PATH=" + AgentPath}, Stdin: []byte("action=monitor\nip=x\n")},
		},
		{name: "start is the fencer's", req: agents.Request{Type: "fence_lab", Action: "start"}, err: ErrUnknownAction},
		{name: "bad agent", req: agents.Request{Type: "lab", Action: "off"}, err: ErrBadName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Class{Dir: "/f"}.Command(tt.req)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Command = %+v (stdin %q), %v\nwant %+v (stdin %q)", got, got.Stdin, err, tt.want, tt.want.Stdin)
			}
		})
	}
}

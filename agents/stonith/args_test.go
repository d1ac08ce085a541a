package stonith

import (
	"testing"
)

func TestBuildArgs(t *testing.T) {
	tests := []struct {
		name string
		args Args
		want string
	}{
		{
			name: "device action passes plain parameters only",
			args: Args{Action: "monitor", Params: map[string]string{
				"ip": "10.0.0.9", "username": "admin", "password": "s3cret",
				"pcmk_host_list": "a b", "pcmk_host_check": "static-list", "pcmk_delay_max": "15s",
				"pcmk_monitor_timeout": "60s", "pcmk_reboot_retries": "3", "provides": "unfencing",
				"stonith-timeout": "90s", "action": "off", "CRM_meta_timeout": "20000",
				"crm_feature_set": "3.16.2", "pcmk_custom_thing": "kept",
			}},
			want: "action=monitor\nip=10.0.0.9\npassword=s3cret\npcmk_custom_thing=kept\nusername=admin\n",
		},
		{
			name: "target goes in port by default",
			args: Args{Action: "reboot", Target: "node2", TargetID: "2", Params: map[string]string{"ip": "pdu1"}},
			want: "action=reboot\nip=pdu1\nnodeid=2\nnodename=node2\nport=node2\n",
		},
		{
			name: "host map gives the plug, case-insensitively",
			args: Args{Action: "off", Target: "Node2", Params: map[string]string{
				"pcmk_host_map": "node1:4;node2:7", "pcmk_host_argument": "plug"}},
			want: "action=off\nnodename=Node2\nplug=7\n",
		},
		{
			name: "dynamic host argument is replaced",
			args: Args{Action: "off", Target: "n1", Params: map[string]string{"plug": "dynamic", "pcmk_host_argument": "plug"}},
			want: "action=off\nnodename=n1\nplug=n1\n",
		},
		{
			name: "fixed host argument is kept",
			args: Args{Action: "off", Target: "n1", Params: map[string]string{"port": "vm-7"}},
			want: "action=off\nnodename=n1\nport=vm-7\n",
		},
		{
			name: "host argument none",
			args: Args{Action: "off", Target: "n1", Params: map[string]string{"pcmk_host_argument": "none"}},
			want: "action=off\nnodename=n1\n",
		},
		{
			name: "action alias",
			args: Args{Action: "reboot", Target: "n1", Params: map[string]string{"pcmk_reboot_action": "off", "pcmk_host_argument": "NONE"}},
			want: "action=off\nnodename=n1\n",
		},
		{
			name: "device cannot override the target",
			args: Args{Action: "off", Target: "n1", Params: map[string]string{"nodename": "n9", "port": ""}},
			want: "action=off\nnodename=n1\nport=n1\n",
		},
		{
			name: "no target, no nodename even with a host map",
			args: Args{Action: "list", Params: map[string]string{"pcmk_host_map": "a:1"}},
			want: "action=list\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := BuildArgs(tt.args)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("BuildArgs:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestBuildArgsRefuses(t *testing.T) {
	tests := []struct {
		name string
		args Args
	}{
		{"no action", Args{}},
		{"newline in value", Args{Action: "off", Params: map[string]string{"password": "a\naction=on"}}},
		{"carriage return in value", Args{Action: "off", Params: map[string]string{"password": "a\rb"}}},
		{"NUL in value", Args{Action: "off", Params: map[string]string{"password": "a\x00"}}},
		{"equals in name", Args{Action: "off", Params: map[string]string{"a=b": "c"}}},
		{"comment name", Args{Action: "off", Params: map[string]string{"#x": "c"}}},
		{"empty name", Args{Action: "off", Params: map[string]string{" ": "c"}}},
		{"newline in target", Args{Action: "off", Target: "n1\naction=on"}},
		{"host argument is action", Args{Action: "off", Target: "n1", Params: map[string]string{"pcmk_host_argument": "Action"}}},
		{"host argument is nodename", Args{Action: "off", Target: "n1", Params: map[string]string{"pcmk_host_argument": "nodename"}}},
		{"host argument is pacemaker's", Args{Action: "off", Target: "n1", Params: map[string]string{"pcmk_host_argument": "pcmk_host_list"}}},
		{"newline in action alias", Args{Action: "off", Params: map[string]string{"pcmk_off_action": "on\nx=y"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if b, err := BuildArgs(tt.args); err == nil {
				t.Errorf("accepted: %q", b)
			}
		})
	}
}

func TestIsPacemakerParam(t *testing.T) {
	for name, want := range map[string]bool{
		"pcmk_host_list": true, "pcmk_host_map": true, "pcmk_host_check": true, "pcmk_host_argument": true,
		"pcmk_delay_base": true, "pcmk_delay_max": true, "pcmk_action_limit": true,
		"pcmk_reboot_action": true, "pcmk_off_timeout": true, "pcmk_list_retries": true,
		"provides": true, "stonith-timeout": true,
		"pcmk_": false, "pcmk_x": false, "pcmk_foo_bar_action": false, "pcmk_monitor_timeouts": false,
		"ip": false, "port": false, "plug": false, "action": false,
	} {
		if got := IsPacemakerParam(name); got != want {
			t.Errorf("IsPacemakerParam(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestFencerParametersNeverReachAgents: every parameter the fencer
// documents as its own is one BuildArgs keeps from the agent.
func TestFencerParametersNeverReachAgents(t *testing.T) {
	for _, p := range FencerParameters() {
		if !IsPacemakerParam(p.Name) {
			t.Errorf("%s would be passed to the agent", p.Name)
		}
	}
}

package config

import (
	"errors"
	"strings"
	"testing"
)

func TestMetricsListen(t *testing.T) {
	tests := []struct {
		listen string
		msg    string // "" for valid
	}{
		{"127.0.0.1:9664", ""},
		{"[::1]:9664", ""},
		{"localhost:9664", ""},
		{":9664", ""},
		{"127.0.0.1", "want host:port"},
		{"127.0.0.1:http", "must be a number"},
		{"127.0.0.1:0", "must be a number"},
		{"127.0.0.1:70000", "must be a number"},
		{"metrics.example:9664", "must be an IP address"},
	}
	for _, tc := range tests {
		t.Run(tc.listen, func(t *testing.T) {
			src := head + udpLink + "[metrics]\nlisten = \"" + tc.listen + "\"\n"
			c, err := Parse([]byte(src), "pacer.toml")
			if tc.msg == "" {
				if err != nil {
					t.Fatal(err)
				}
				if c.Metrics.Listen != tc.listen {
					t.Fatalf("listen = %q", c.Metrics.Listen)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Key != "metrics.listen" || e.Line != 14 || !strings.Contains(e.Msg, tc.msg) {
				t.Fatalf("error = %v, want metrics.listen at line 14 with %q", err, tc.msg)
			}
		})
	}
	// Off by default.
	c, err := Parse([]byte(head+udpLink), "pacer.toml")
	if err != nil || c.Metrics.Listen != "" {
		t.Fatalf("default listen = %q, %v", c.Metrics.Listen, err)
	}
	if _, err := Parse([]byte(head+udpLink+"[metrics]\nport = 1\n"), "pacer.toml"); err == nil {
		t.Fatal("unknown key in [metrics] accepted")
	}
}

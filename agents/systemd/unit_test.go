package systemd

import (
	"errors"
	"strings"
	"testing"
	"time"

	"pacer/agents/ocf"
	"pacer/internal/clock"
)

func TestUnitName(t *testing.T) {
	cases := []struct {
		name, typ   string
		forMetadata bool
		want        string
		err         error
	}{
		{name: "plain", typ: "httpd", want: "httpd.service"},
		{name: "service kept", typ: "httpd.service", want: "httpd.service"},
		{name: "socket", typ: "cups.socket", want: "cups.socket"},
		{name: "mount", typ: "srv-data.mount", want: "srv-data.mount"},
		{name: "timer", typ: "backup.timer", want: "backup.timer"},
		{name: "path", typ: "spool.path", want: "spool.path"},
		{name: "other dot is a service", typ: "foo.bar", want: "foo.bar.service"},
		{name: "target is a service name", typ: "multi-user.target", want: "multi-user.target.service"},
		{name: "bare suffix", typ: ".service", want: ".service.service"},
		{name: "instance", typ: "getty@tty1", want: "getty@tty1.service"},
		{name: "template for start", typ: "getty@", want: "getty@.service"},
		{name: "template for meta-data", typ: "getty@", forMetadata: true, want: "getty@pacer.service"},
		{name: "template with suffix for meta-data", typ: "getty@.service", forMetadata: true, want: "getty@pacer.service"},
		{name: "empty", typ: "", err: ErrBadName},
		{name: "slash", typ: "../../etc/passwd", err: ErrBadName},
		{name: "newline", typ: "a\nb", err: ErrBadName},
		{name: "nul", typ: "a\x00b", err: ErrBadName},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := UnitName(tc.typ, tc.forMetadata)
			if !errors.Is(err, tc.err) || got != tc.want {
				t.Fatalf("UnitName(%q, %v) = %q, %v; want %q, %v", tc.typ, tc.forMetadata, got, err, tc.want, tc.err)
			}
		})
	}
}

func TestParseActiveState(t *testing.T) {
	cases := []struct {
		state string
		want  State
		rc    ocf.RC
	}{
		{"active", Running, ocf.Success},
		{"reloading", Running, ocf.Success},
		{"refreshing", Running, ocf.Success},
		{"activating", Pending, ocf.NotRunning},
		{"deactivating", Pending, ocf.NotRunning},
		{"inactive", Stopped, ocf.NotRunning},
		{"failed", Stopped, ocf.NotRunning},
		{"maintenance", Stopped, ocf.NotRunning},
		{"", Stopped, ocf.NotRunning},
	}
	for _, tc := range cases {
		t.Run(tc.state, func(t *testing.T) {
			got := ParseActiveState(tc.state)
			if got != tc.want || ocf.RC(got.RC()) != tc.rc {
				t.Fatalf("ParseActiveState(%q) = %v (rc %v), want %v (rc %v)", tc.state, got, ocf.RC(got.RC()), tc.want, tc.rc)
			}
		})
	}
}

func TestMetadataParses(t *testing.T) {
	cases := []struct{ name, typ, desc, wantLong string }{
		{"with description", "httpd", "The Apache HTTP Server", "The Apache HTTP Server"},
		{"fallback", "httpd", "", "Systemd unit file for httpd"},
		{"escaped", "a&b", `x < y & "z"`, `x < y & "z"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			md, err := ocf.ParseMetadata(Metadata(tc.typ, tc.desc))
			if err != nil {
				t.Fatal(err)
			}
			if md.Name != tc.typ || md.LongDesc != tc.wantLong || len(md.Parameters) != 0 {
				t.Errorf("%+v", md)
			}
			var names []string
			for _, a := range md.Actions {
				names = append(names, a.Name)
				if a.Name == "monitor" && (a.Interval != time.Minute || a.Timeout != 100*time.Second) {
					t.Errorf("monitor action %+v", a)
				}
			}
			if got := strings.Join(names, " "); got != "start stop status monitor meta-data" {
				t.Errorf("actions %q", got)
			}
		})
	}
}

func TestOverride(t *testing.T) {
	cases := []struct {
		unit        string
		wantService bool
	}{{"web.service", true}, {"data.mount", false}}
	for _, tc := range cases {
		t.Run(tc.unit, func(t *testing.T) {
			s := string(Override(tc.unit))
			if !strings.Contains(s, "Before=pacerd.service\n") {
				t.Errorf("no shutdown ordering: %q", s)
			}
			if strings.Contains(s, "[Service]\nRestart=no\n") != tc.wantService {
				t.Errorf("Restart=no only for services: %q", s)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"default", DefaultConfig(), true},
		{"zero poll", Config{}, false},
		{"negative poll", Config{PollInterval: -time.Second}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg, clock.Real{})
			if (err == nil) != tc.ok {
				t.Fatalf("New(%+v): %v", tc.cfg, err)
			}
		})
	}
	if _, err := New(DefaultConfig(), nil); err == nil {
		t.Fatal("New with nil clock succeeded")
	}
}

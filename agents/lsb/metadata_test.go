package lsb

import (
	"errors"
	"strings"
	"testing"
	"time"

	"pacer/agents/ocf"
)

var headerTests = []struct {
	name   string
	script string
	want   Header
}{
	{
		name: "debian style",
		script: `#!/bin/sh
### BEGIN INIT INFO
# Provides:          procps
# Required-Start:    mountkernfs $local_fs
# Required-Stop:
# Should-Start:      udev module-init-tools
# X-Start-Before:    $network
# Default-Start:     S
# Default-Stop:
# Short-Description: Configure kernel parameters at boottime
# Description:  Loads kernel parameters that are specified in /etc/sysctl.conf
### END INIT INFO
# Provides: not-in-header
`,
		want: Header{Found: true, Provides: "procps", RequiredStart: "mountkernfs $local_fs",
			ShouldStart: "udev module-init-tools", DefaultStart: "S",
			ShortDescription: "Configure kernel parameters at boottime",
			Description:      "Loads kernel parameters that are specified in /etc/sysctl.conf"},
	},
	{
		name: "multi-line description then more fields",
		script: "### BEGIN INIT INFO\r\n" +
			"# Description: first line\r\n" +
			"#  second line\r\n" +
			"#\tthird <line> & more\r\n" +
			"# Provides: foo bar\r\n" +
			"# Provides: ignored\r\n" +
			"### END INIT INFO\r\n",
		want: Header{Found: true, Provides: "foo bar", Description: "first line\nsecond line\nthird <line> & more"},
	},
	{
		name:   "header ends at first non-comment",
		script: "### BEGIN INIT INFO\n# Provides: a\necho hi\n# Default-Start: 2 3\n",
		want:   Header{Found: true, Provides: "a"},
	},
	{
		name:   "no header",
		script: "#!/bin/sh\n# Provides: x\nexit 0\n",
		want:   Header{},
	},
	{
		name:   "description at end of file",
		script: "### BEGIN INIT INFO\n# Description: only\n#  and more",
		want:   Header{Found: true, Description: "only\nand more"},
	},
	{
		name:   "empty",
		script: "",
		want:   Header{},
	},
}

func TestParseHeader(t *testing.T) {
	for _, tt := range headerTests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseHeader([]byte(tt.script)); got != tt.want {
				t.Errorf("ParseHeader:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseHeaderLongLine(t *testing.T) {
	script := "### BEGIN INIT INFO\n# Short-Description: " + strings.Repeat("x", 3*maxHeaderLine) + "\n# Provides: late\n"
	h := ParseHeader([]byte(script))
	if h.Provides != "late" || len(h.ShortDescription) == 0 || len(h.ShortDescription) > maxHeaderLine {
		t.Errorf("provides %q, short description of %d bytes", h.Provides, len(h.ShortDescription))
	}
}

// TestMetadata checks the synthesised XML against the OCF parser the
// discovery code uses on it.
func TestMetadata(t *testing.T) {
	h := Header{Found: true, Provides: "web & co", ShortDescription: "Web <server>", Description: "Serves\npages"}
	b := Metadata("httpd", h)
	m, err := ocf.ParseMetadata(b)
	if err != nil {
		t.Fatalf("ParseMetadata: %v\n%s", err, b)
	}
	if m.Name != "httpd" || m.ShortDesc != "Web <server>" || m.LongDesc != "Serves\npages" || len(m.Parameters) != 0 {
		t.Errorf("meta-data %+v", m)
	}
	var names []string
	for _, a := range m.Actions {
		names = append(names, a.Name)
		if a.Name == "monitor" && (a.Timeout != 15*time.Second || a.Interval != 15*time.Second) {
			t.Errorf("monitor %+v", a)
		}
	}
	if got := strings.Join(names, " "); got != "meta-data start stop status restart force-reload monitor" {
		t.Errorf("actions %s", got)
	}
	if !strings.Contains(string(b), "<Provides>web &amp; co</Provides>") {
		t.Errorf("special LSB block missing:\n%s", b)
	}

	// Without a header Pacemaker falls back to the script's name.
	m, err = ocf.ParseMetadata(Metadata("bare", Header{}))
	if err != nil || m.ShortDesc != "bare" || m.LongDesc != "bare" {
		t.Errorf("bare script: %+v, %v", m, err)
	}
}

func FuzzParseHeader(f *testing.F) {
	for _, tt := range headerTests {
		f.Add(tt.script, "svc")
	}
	f.Add("### BEGIN INIT INFO\n# Description: \x00\xff\x01]]>\n", "a\x00b")
	f.Fuzz(func(t *testing.T, script, typ string) {
		h := ParseHeader([]byte(script))
		if !h.Found && h != (Header{}) {
			t.Fatalf("fields without a header: %+v", h)
		}
		if typ == "" {
			return
		}
		// Whatever the script holds, the synthesised meta-data is
		// well-formed and names the script.
		m, err := ocf.ParseMetadata(Metadata(typ, h))
		if err != nil {
			if errors.Is(err, ocf.ErrMetadata) && strings.TrimSpace(typ) == "" {
				return
			}
			t.Fatalf("synthesised meta-data does not parse: %v", err)
		}
		if len(m.Actions) != len(Actions) {
			t.Fatalf("actions %+v", m.Actions)
		}
	})
}

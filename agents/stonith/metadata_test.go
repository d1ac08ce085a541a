package stonith

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func readSample(t testing.TB) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", "metadata_sample.xml"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseMetadataSample(t *testing.T) {
	m, err := ParseMetadata(readSample(t))
	if err != nil {
		t.Fatal(err)
	}
	want := Metadata{
		Name:      "fence_sample",
		ShortDesc: "Fence agent for the sample PDU",
		LongDesc:  "fence_sample switches the outlets of a sample PDU.\nIt exists for pacer's tests.",
		VendorURL: "https://example.org/pdu",
		Parameters: []Parameter{
			{Name: "action", Required: true, ShortDesc: "Fencing action", Getopt: "-o, --action=[action]",
				ContentType: "string", Default: "reboot", HasDefault: true},
			{Name: "ipaddr", Required: true, Deprecated: true, ShortDesc: "IP address or hostname of fencing device",
				Getopt: "-a, --ip=[ip]", ContentType: "string"},
			{Name: "ip", Required: true, Obsoletes: "ipaddr", ShortDesc: "IP address or hostname of fencing device",
				Getopt: "-a, --ip=[ip]", ContentType: "string"},
			{Name: "port", Required: true, Deprecated: true, ShortDesc: "Physical plug number on device",
				Getopt: "-n, --plug=[id]", ContentType: "string"},
			{Name: "plug", Required: true, Obsoletes: "port", ShortDesc: "Physical plug number on device",
				Getopt: "-n, --plug=[id]", ContentType: "string"},
			{Name: "method", ShortDesc: "Method to fence", Getopt: "-m, --method=[method]", ContentType: "select",
				Default: "onoff", HasDefault: true, Options: []string{"onoff", "cycle"}},
			{Name: "power_wait", ShortDesc: "Wait X seconds after issuing ON/OFF", Getopt: "--power-wait=[seconds]",
				ContentType: "second", Default: "0", HasDefault: true},
		},
		Actions: []Action{
			{Name: "on", Automatic: true}, {Name: "off"}, {Name: "reboot"}, {Name: "status"}, {Name: "list"},
			{Name: "list-status"}, {Name: "monitor", Timeout: 20 * time.Second, Interval: time.Minute},
			{Name: "metadata"}, {Name: "validate-all"},
		},
	}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("got  %+v\nwant %+v", m, want)
	}
	if got := m.DefaultHostArg(); got != "plug" {
		t.Errorf("DefaultHostArg = %q", got)
	}
	if !m.AutomaticUnfencing() {
		t.Error("automatic unfencing not seen")
	}

	n := m.Normalized()
	for _, name := range []string{"action", "port", "plug"} {
		if p, _ := n.Param(name); p.Required {
			t.Errorf("normalized %s still required", name)
		}
	}
	if p, _ := n.Param("ip"); !p.Required {
		t.Error("normalized ip no longer required")
	}
	if !n.HasAction("start") || !n.HasAction("stop") || len(n.Actions) != len(m.Actions)+2 {
		t.Errorf("normalized actions %+v", n.Actions)
	}
	if p, _ := m.Param("plug"); !p.Required || m.HasAction("stop") {
		t.Error("Normalized changed its receiver")
	}
}

func TestDefaultHostArg(t *testing.T) {
	tests := []struct {
		params []Parameter
		want   string
	}{
		{[]Parameter{{Name: "port"}}, "port"},
		{[]Parameter{{Name: "port"}, {Name: "plug"}}, "plug"},
		{[]Parameter{{Name: "ip"}}, "none"},
		{nil, "none"},
	}
	for _, tt := range tests {
		if got := (Metadata{Parameters: tt.params}).DefaultHostArg(); got != tt.want {
			t.Errorf("DefaultHostArg(%v) = %q, want %q", tt.params, got, tt.want)
		}
	}
}

var badMetadata = []struct {
	name string
	xml  string
}{
	{"empty", ""},
	{"usage text", "usage:\n\t/usr/sbin/fence_ack_manual <nodename>\n"},
	{"wrong root", `<resource-agents name="x"/>`},
	{"no name", `<resource-agent shortdesc="x"/>`},
	{"blank name", `<resource-agent name="  "/>`},
	{"unclosed", `<resource-agent name="x"><parameters>`},
	{"param without name", `<resource-agent name="x"><parameters><parameter/></parameters></resource-agent>`},
	{"param twice", `<resource-agent name="x"><parameters><parameter name="a"/><parameter name="a"/></parameters></resource-agent>`},
	{"action without name", `<resource-agent name="x"><actions><action/></actions></resource-agent>`},
	{"bad timeout", `<resource-agent name="x"><actions><action name="off" timeout="soon"/></actions></resource-agent>`},
	{"bad interval", `<resource-agent name="x"><actions><action name="monitor" interval="-5"/></actions></resource-agent>`},
}

func TestParseMetadataErrors(t *testing.T) {
	for _, tt := range badMetadata {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseMetadata([]byte(tt.xml)); !errors.Is(err, ErrMetadata) {
				t.Fatalf("err = %v, want ErrMetadata", err)
			}
		})
	}
}

func FuzzParseMetadata(f *testing.F) {
	f.Add(readSample(f))
	for _, tt := range badMetadata {
		f.Add([]byte(tt.xml))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseMetadata(b)
		if err != nil {
			if !errors.Is(err, ErrMetadata) {
				t.Fatalf("error does not wrap ErrMetadata: %v", err)
			}
			return
		}
		if m.Name == "" {
			t.Fatal("accepted meta-data without a name")
		}
		seen := map[string]bool{}
		for _, p := range m.Parameters {
			if p.Name == "" || seen[p.Name] {
				t.Fatalf("accepted parameter %q (empty or twice)", p.Name)
			}
			seen[p.Name] = true
		}
		for _, a := range m.Actions {
			if a.Name == "" || a.Timeout < 0 || a.Interval < 0 {
				t.Fatalf("accepted a bad action %+v", a)
			}
		}
		switch m.DefaultHostArg() {
		case "plug", "port", "none":
		default:
			t.Fatalf("DefaultHostArg %q", m.DefaultHostArg())
		}
		n := m.Normalized()
		if !n.HasAction("stop") {
			t.Fatal("normalized meta-data has no stop")
		}
	})
}

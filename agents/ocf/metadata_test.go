package ocf

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestParseMetadataSample(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "metadata_sample.xml"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseMetadata(b)
	if err != nil {
		t.Fatalf("ParseMetadata: %v", err)
	}
	want := Metadata{
		Name: "Sample", Version: "1.1", ShortDesc: "Sample", LongDesc: "A sample agent & friends.",
		Parameters: []Parameter{
			{Name: "state", Unique: true, ShortDesc: "State file", LongDesc: "Where the state goes.",
				ContentType: "string", Default: "/run/sample.state", HasDefault: true},
			{Name: "ip", Required: true, Reloadable: true, ShortDesc: "IP", LongDesc: "IP address", ContentType: "string"},
			{Name: "mode", Deprecated: true, ShortDesc: "Mode", ContentType: "select", Default: "a", HasDefault: true,
				Options: []string{"a", "b"}},
		},
		Actions: []Action{
			{Name: "start", Timeout: 20 * time.Second},
			{Name: "stop", Timeout: 2 * time.Minute},
			{Name: "monitor", Timeout: 20 * time.Second, Interval: 10 * time.Second},
			{Name: "monitor", Timeout: 500 * time.Millisecond, Interval: time.Hour, Depth: 10, Role: "Promoted"},
			{Name: "meta-data", Timeout: 5 * time.Second},
		},
	}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("got  %+v\nwant %+v", m, want)
	}
}

var badMetadata = []struct {
	name string
	xml  string
}{
	{"empty", ""},
	{"garbage", "usage: Dummy {start|stop}\n"},
	{"wrong root", `<resource-agents name="x"/>`},
	{"no name", `<resource-agent/>`},
	{"unclosed", `<resource-agent name="x"><parameters>`},
	{"param without name", `<resource-agent name="x"><parameters><parameter/></parameters></resource-agent>`},
	{"param twice", `<resource-agent name="x"><parameters><parameter name="a"/><parameter name="a"/></parameters></resource-agent>`},
	{"action without name", `<resource-agent name="x"><actions><action timeout="1s"/></actions></resource-agent>`},
	{"bad timeout", `<resource-agent name="x"><actions><action name="start" timeout="soon"/></actions></resource-agent>`},
	{"bad unit", `<resource-agent name="x"><actions><action name="start" timeout="5 fortnights"/></actions></resource-agent>`},
	{"bad depth", `<resource-agent name="x"><actions><action name="monitor" depth="deep"/></actions></resource-agent>`},
	{"huge timeout", `<resource-agent name="x"><actions><action name="start" timeout="99999999999999999h"/></actions></resource-agent>`},
}

func TestParseMetadataErrors(t *testing.T) {
	for _, tt := range badMetadata {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseMetadata([]byte(tt.xml))
			if !errors.Is(err, ErrMetadata) {
				t.Fatalf("err = %v, want ErrMetadata", err)
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"": 0, "0": 0, "20": 20 * time.Second, "20s": 20 * time.Second, "20sec": 20 * time.Second,
		"1500ms": 1500 * time.Millisecond, "7msec": 7 * time.Millisecond, "3us": 3 * time.Microsecond,
		"2m": 2 * time.Minute, "2min": 2 * time.Minute, "1h": time.Hour, "1hr": time.Hour, " 5 S ": 5 * time.Second,
	} {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"x", "-1", "1.5s", "10 days", "s"} {
		if _, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) accepted", in)
		}
	}
}

func FuzzParseMetadata(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "metadata_sample.xml")); err == nil {
		f.Add(b)
	}
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
		for _, p := range m.Parameters {
			if p.Name == "" {
				t.Fatal("accepted a parameter without a name")
			}
		}
		for _, a := range m.Actions {
			if a.Name == "" || a.Timeout < 0 || a.Interval < 0 {
				t.Fatalf("accepted a bad action %+v", a)
			}
		}
	})
}

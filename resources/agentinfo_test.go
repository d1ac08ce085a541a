package resources

import (
	"errors"
	"testing"
)

func TestParseAgentInfo(t *testing.T) {
	tests := []struct {
		name         string
		xml          string
		reloadAgent  bool
		legacyReload bool
		names        []string // reverse meta-data order
		private      []string
		wantErr      bool
	}{
		{"heartbeat Dummy (OCF 1.0, reload)", `<?xml version="1.0"?>
<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">
<resource-agent name="Dummy" version="1.0"><version>1.0</version>
<parameters><parameter name="state" unique="1"><content type="string"/></parameter>
<parameter name="fake" unique="0"><content type="string"/></parameter></parameters>
<actions><action name="start"/><action name="reload"/></actions></resource-agent>`,
			false, true, []string{"fake", "state"}, nil, false},
		{"OCF 1.1 reload-agent, private", `<resource-agent name="x"><version> 1.1 </version>
<parameters><parameter name="user"/><parameter name="key" private="true"/></parameters>
<actions><action name="reload-agent"/><action name="reload"/></actions></resource-agent>`,
			true, false, []string{"key", "user"}, []string{"key"}, false},
		{"fallback secret names", `<resource-agent name="x"><parameters><parameter name="user"/>
<parameter name="passwd"/><parameter name="password"/><parameter name="other"/></parameters></resource-agent>`,
			false, false, []string{"other", "password", "passwd", "user"}, []string{"password", "passwd", "user"}, false},
		{"no version: not OCF 1.1", `<resource-agent name="x"><actions><action name="reload-agent"/></actions></resource-agent>`,
			false, false, nil, nil, false},
		{"unnamed parameter skipped", `<resource-agent name="x"><parameters><parameter/><parameter name="a"/></parameters></resource-agent>`,
			false, false, []string{"a"}, nil, false},
		{"later OCF version", `<resource-agent name="x"><version>1.10</version><actions><action name="reload-agent"/></actions></resource-agent>`,
			true, false, nil, nil, false},
		{"not XML", `nope`, false, false, nil, nil, true},
		{"wrong root", `<agent name="x"/>`, false, false, nil, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			info, err := parseAgentInfo([]byte(tc.xml))
			if tc.wantErr {
				if !errors.Is(err, errMetadata) {
					t.Fatalf("err = %v, want errMetadata", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if info.reloadAgent != tc.reloadAgent || info.legacyReload != tc.legacyReload {
				t.Errorf("reload-agent %v legacy %v", info.reloadAgent, info.legacyReload)
			}
			var names, private []string
			for _, p := range info.params {
				names = append(names, p.name)
				if p.private {
					private = append(private, p.name)
				}
			}
			if !equalStrings(names, tc.names) || !equalStrings(private, tc.private) {
				t.Errorf("params %v private %v, want %v %v", names, private, tc.names, tc.private)
			}
		})
	}
}

func TestCompareVersion(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1.1", "1.1", 0}, {"1.0", "1.1", -1}, {"1.10", "1.1", 1}, {"2", "1.1", 1}, {"", "1.1", -1}, {"1.1.0", "1.1", 0},
	}
	for _, tc := range tests {
		if got := compareVersion(tc.a, tc.b); got != tc.want {
			t.Errorf("compareVersion(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// FuzzParseAgentInfo: meta-data comes from agent scripts, outside pacer.
// Whatever they print, parsing must not panic, and a parsed result must
// give digests.
func FuzzParseAgentInfo(f *testing.F) {
	f.Add([]byte(dummy2020))
	f.Add([]byte(`<resource-agent name="x"><version>1.1</version><parameters><parameter name="p" private="1"/></parameters></resource-agent>`))
	f.Add([]byte(`<resource-agent`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := parseAgentInfo(b)
		if err != nil {
			if !errors.Is(err, errMetadata) {
				t.Fatalf("error does not wrap errMetadata: %v", err)
			}
			return
		}
		d := computeDigests(map[string]string{"p": "v"}, 0, 1000, info)
		if len(d.op) != 32 {
			t.Fatalf("op digest %q", d.op)
		}
	})
}

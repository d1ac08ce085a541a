package stonith

import (
	"reflect"
	"strings"
	"testing"
)

var hostMapTests = []struct {
	name string
	in   string
	want HostMap
	ok   bool
}{
	{"empty", "", HostMap{}, true},
	{"colon and semicolon", "node1:1;node2:2", HostMap{"node1": "1", "node2": "2"}, true},
	{"equals and blanks", "node1=vm-a node2=vm-b\tnode3=vm-c", HostMap{"node1": "vm-a", "node2": "vm-b", "node3": "vm-c"}, true},
	{"comma is part of the plug", "node1:1,2;node2:3", HostMap{"node1": "1,2", "node2": "3"}, true},
	{"case-insensitive names", "Node1:1", HostMap{"node1": "1"}, true},
	{"later entry wins", "n:1;n:2", HostMap{"n": "2"}, true},
	{"escaped separator", `n1:a\;b;n2:c\:d`, HostMap{"n1": "a;b", "n2": "c:d"}, true},
	{"trailing separators", ";; n1:1 ;", HostMap{"n1": "1"}, true},
	{"double assignment keeps the last name", "a=b=c", HostMap{"b": "c"}, true},
	{"missing plug", "n1:;n2:2", HostMap{"n2": "2"}, false},
	{"missing name", ":1;n2:2", HostMap{"n2": "2"}, false},
	{"no assignment", "n1 n2:2", HostMap{"n2": "2"}, false},
	{"trailing backslash", `n1:1\`, HostMap{"n1": "1"}, true},
}

func TestParseHostMap(t *testing.T) {
	for _, tt := range hostMapTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseHostMap(tt.in)
			if (err == nil) != tt.ok || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseHostMap(%q) = %v, %v; want %v ok=%v", tt.in, got, err, tt.want, tt.ok)
			}
		})
	}
	m, _ := ParseHostMap("Alpha:7")
	if p, ok := m.Lookup("ALPHA"); !ok || p != "7" {
		t.Errorf("Lookup = %q, %v", p, ok)
	}
}

func FuzzParseHostMap(f *testing.F) {
	for _, tt := range hostMapTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, _ := ParseHostMap(s)
		for k, v := range m {
			if k == "" || v == "" {
				t.Fatalf("empty entry %q:%q from %q", k, v, s)
			}
			if k != strings.ToLower(k) {
				t.Fatalf("key %q not lower-cased", k)
			}
		}
		// Whatever the map, building a fencing action from it either
		// fails or yields one well-formed line per argument.
		b, err := BuildArgs(Args{Action: "off", Target: "n1", Params: map[string]string{ParamHostMap: s}})
		if err != nil {
			return
		}
		for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
			if !strings.Contains(line, "=") {
				t.Fatalf("line %q without '=' in %q", line, b)
			}
		}
	})
}

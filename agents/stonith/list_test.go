package stonith

import (
	"reflect"
	"strings"
	"testing"
)

var listTests = []struct {
	name string
	out  string
	want []Plug
	ok   bool
}{
	{"fence-agents list", "1,node1\n2,node2\n", []Plug{{Name: "1", Alias: "node1"}, {Name: "2", Alias: "node2"}}, true},
	{"list-status", "vm-a,web1,on\nvm-b,db1,OFF\n", []Plug{{"vm-a", "web1", "ON"}, {"vm-b", "db1", "OFF"}}, true},
	{"plug without alias", "fake_port_1,\nfake_port_2\n", []Plug{{Name: "fake_port_1"}, {Name: "fake_port_2"}}, true},
	{"blank separated like fence_xvm", "web1   6f1e-uuid on\n", []Plug{{"web1", "6f1e-uuid", "ON"}}, true},
	{"skips notices and complaints", "NOTICE: List option is not working on this device yet\n" +
		"Parse error: Ignoring unknown option 'variable=1'\n\n  \nN/A\nnode1,n1\r\n", []Plug{{Name: "node1", Alias: "n1"}}, true},
	{"empty", "", nil, true},
	{"empty plug name", "node1,a\n,alias\nnode3,c\n", []Plug{{Name: "node1", Alias: "a"}}, false},
}

func TestParseList(t *testing.T) {
	for _, tt := range listTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseList([]byte(tt.out))
			if (err == nil) != tt.ok || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseList = %+v, %v; want %+v ok=%v", got, err, tt.want, tt.ok)
			}
		})
	}
}

func TestParseListLongLine(t *testing.T) {
	out := "a,b\n" + strings.Repeat("x", 2*maxListLine) + "\n"
	got, err := ParseList([]byte(out))
	if err == nil || len(got) != 1 {
		t.Errorf("ParseList of a huge line = %v, %v", got, err)
	}
}

func TestTargets(t *testing.T) {
	plugs := []Plug{{Name: "1", Alias: "node1"}, {Name: "node1"}, {Name: "on", Alias: "off"}, {Name: "vm", Alias: "node2", Status: "ON"}}
	if got, want := Targets(plugs), []string{"1", "node1", "vm", "node2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Targets = %q, want %q", got, want)
	}
}

func FuzzParseList(f *testing.F) {
	for _, tt := range listTests {
		f.Add([]byte(tt.out))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		plugs, _ := ParseList(b)
		for _, p := range plugs {
			if p.Name == "" || strings.ContainsAny(p.Name, ",\n") || strings.TrimSpace(p.Name) != p.Name {
				t.Fatalf("bad plug name %q", p.Name)
			}
			if strings.ContainsAny(p.Alias, "\n") || strings.ContainsAny(p.Status, "\n") {
				t.Fatalf("line break in %+v", p)
			}
		}
		for _, n := range Targets(plugs) {
			if n == "" || n == "on" || n == "off" {
				t.Fatalf("bad target %q", n)
			}
		}
	})
}

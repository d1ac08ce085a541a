package config

import (
	"testing"

	"github.com/BurntSushi/toml"
)

func TestScanPositions(t *testing.T) {
	src := `# [[link]] in a comment is not a table
cluster = """
[[link]]
baud = 1 """
desc = '''x = 1
'''' # a literal ending in a quote
log.level = "debug"   # dotted key at the top level
"quoted.key" = 1
arr = [ 1, # comment
  [2, 3], "]" ,
  { k = "v" } ]
[ node ]
name = "a" # c
  id   =   1
[[ link ]]
name = 'x'
peers = { "b.example" = "1.2.3.4:5",
  c = { d = 1 } }
[link.extra]
e = "x"
[[link]]
	baud = 2
[[link.sub]]
f = 1
[[link.sub]]
g = 1
`
	want := map[string]position{
		"cluster":                   {2, 1},
		"desc":                      {5, 1},
		"log.level":                 {7, 1},
		`"quoted.key"`:              {8, 1},
		"arr":                       {9, 1},
		"arr[1]":                    {10, 3},
		"arr[3]":                    {11, 3},
		"arr[3].k":                  {11, 5},
		"node":                      {12, 1},
		"node.name":                 {13, 1},
		"node.id":                   {14, 3},
		"link[0]":                   {15, 1},
		"link[0].name":              {16, 1},
		`link[0].peers."b.example"`: {17, 11},
		"link[0].peers.c.d":         {18, 9},
		"link[0].extra.e":           {20, 1},
		"link[1]":                   {21, 1},
		"link[1].baud":              {22, 2},
		"link[1].sub[0].f":          {24, 1},
		"link[1].sub[1].g":          {26, 1},
	}
	var tree map[string]any
	if _, err := toml.Decode(src, &tree); err != nil {
		t.Fatalf("the test source is not valid TOML: %v", err)
	}
	got := scanPositions(src)
	for path, w := range want {
		if g, ok := got[path]; !ok || g != w {
			t.Errorf("%s at %v (found %v), want %v", path, g, ok, w)
		}
	}
	for _, path := range []string{"link[0].baud", "link[2]", "link.baud"} {
		if g, ok := got[path]; ok {
			t.Errorf("%s recorded at %v; it is not a key of the file", path, g)
		}
	}
}

func TestParentPath(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"link[2].baud", "link[2]"},
		{"link[2]", "link"},
		{"link", ""},
		{`link[0].peers."a.b"`, "link[0].peers"},
		{`link[0].peers."a[1]"`, "link[0].peers"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := parentPath(tc.in); got != tc.want {
				t.Errorf("parentPath(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

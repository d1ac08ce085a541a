package status

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"pacer/crm/cib/cibxml"
)

// Move and ban constraints are listed while they last: a plain one until
// removed, a lifetime rule until its end; an expired one and other
// constraints are not.
func TestCLIConstraints(t *testing.T) {
	c, err := cibxml.Read(strings.NewReader(`<cib admin_epoch="0" epoch="3" num_updates="0" have-quorum="1">
<configuration><crm_config/><nodes><node id="1" uname="alpha"/><node id="2" uname="bravo"/></nodes>
<resources><primitive id="web" class="ocf" provider="pacer" type="Dummy"/></resources>
<constraints>
  <rsc_location id="cli-prefer-web" rsc="web"><rule id="r1" score="INFINITY">
    <expression id="e1" attribute="#uname" operation="eq" value="bravo"/>
    <date_expression id="d1" operation="lt" end="2026-11-23T12:10:00Z"/></rule></rsc_location>
  <rsc_location id="cli-ban-web-on-alpha" rsc="web" node="alpha" score="-INFINITY"/>
  <rsc_location id="cli-ban-web-on-bravo" rsc="web"><rule id="r2" score="-INFINITY">
    <expression id="e2" attribute="#uname" operation="eq" value="bravo"/>
    <date_expression id="d2" operation="lt" end="2026-11-23T11:00:00Z"/></rule></rsc_location>
  <rsc_location id="prefer-alpha" rsc="web" node="alpha" score="100"/>
</constraints></configuration><status/></cib>`), "t")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	r, err := Build(Snapshot{Cluster: "unit", CIB: c, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	want := []CLIConstraint{
		{ID: "cli-ban-web-on-alpha", Rsc: "web", Kind: "ban", Node: "alpha", Score: "-INFINITY"},
		{ID: "cli-prefer-web", Rsc: "web", Kind: "move", Node: "bravo", Score: "INFINITY", Expires: time.Date(2026, 11, 23, 12, 10, 0, 0, time.UTC)},
	}
	if len(r.CLIConstraints) != len(want) {
		t.Fatalf("got %+v, want %+v", r.CLIConstraints, want)
	}
	for i := range want {
		if r.CLIConstraints[i] != want[i] {
			t.Errorf("%d: got %+v, want %+v", i, r.CLIConstraints[i], want[i])
		}
	}
	var b bytes.Buffer
	if err := WriteText(&b, r, TextOptions{Location: time.UTC}); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"Move and Ban Constraints (pacer resource clear RSC removes them):\n",
		"  * cli-ban-web-on-alpha: web banned from alpha (-INFINITY) until removed\n",
		"  * cli-prefer-web: web prefers bravo (INFINITY) until 'Mon Nov 23 12:10:00 2026'\n",
	} {
		if !strings.Contains(b.String(), line) {
			t.Errorf("text lacks %q:\n%s", line, b.String())
		}
	}
	// the JSON round trip keeps them
	var j bytes.Buffer
	if err := WriteJSON(&j, r, false); err != nil {
		t.Fatal(err)
	}
	back, err := DecodeJSON(j.Bytes())
	if err != nil || len(back.CLIConstraints) != 2 || !back.CLIConstraints[1].Expires.Equal(want[1].Expires) {
		t.Fatalf("JSON round trip: %+v %v", back, err)
	}
}

package cibxml

import (
	"strings"
	"testing"
)

// BenchmarkReadSmallCIB reads a small CIB over and over, as the
// replicated CIB does for every applied configuration change: the
// string table comes from a pool instead of being allocated each time.
func BenchmarkReadSmallCIB(b *testing.B) {
	const doc = `<cib admin_epoch="0" epoch="3" num_updates="0" validate-with="pacemaker-3.7"><configuration><crm_config/><nodes><node id="1" uname="a"/><node id="2" uname="b"/></nodes>` +
		`<resources><primitive id="vip" class="ocf" provider="heartbeat" type="IPaddr2"><instance_attributes id="vip-ia"><nvpair id="vip-ip" name="ip" value="10.0.0.10"/></instance_attributes></primitive></resources>` +
		`<constraints/></configuration><status/></cib>`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(strings.NewReader(doc), "bench"); err != nil {
			b.Fatal(err)
		}
	}
}

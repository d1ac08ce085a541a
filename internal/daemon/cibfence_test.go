package daemon

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap"

	"pacer/crm/cib"
	"pacer/crm/cib/cibxml"
	"pacer/crm/store"
	"pacer/fencing"
	"pacer/internal/clock"
)

type fixedCIB struct{ c *cib.CIB }

func (f fixedCIB) Local() (*cib.CIB, store.Version, error) { return f.c, store.Version{}, nil }

// Without a fence agent in [quorum], two_node fences through the CIB's
// fence devices: none configured is a failure (so nothing is forced); a
// device that can fence the peer runs with the configured action.
func TestCIBPeerFencer(t *testing.T) {
	dir := t.TempDir()
	record := filepath.Join(dir, "fenced.log")
	agent := `#!/bin/sh
action= plug=
while IFS= read -r line; do
	case "$line" in
	action=*) action=${line#action=} ;;
	port=*|plug=*) plug=${line#*=} ;;
	esac
done
case "$action" in
off|reboot) echo "$action $plug" >>` + record + `; exit 0 ;;
monitor|status|list) exit 0 ;;
metadata) echo '<resource-agent name="fence_it_record"><parameters><parameter name="port"/></parameters><actions><action name="off"/><action name="reboot"/><action name="monitor"/><action name="metadata"/></actions></resource-agent>'; exit 0 ;;
esac
exit 1
`
	if err := os.WriteFile(filepath.Join(dir, "fence_it_record"), []byte(agent), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(envFenceDir, dir)
	runner, err := agentRunner(clock.Real{}, "")
	if err != nil {
		t.Fatal(err)
	}
	ff, err := fencing.New(fencing.Config{Node: "alpha"}, runner, clock.Real{}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	read := func(x string) *cib.CIB {
		c, _, err := cibxml.ReadOptions(strings.NewReader(x), "test", cibxml.Options{Raw: true})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	empty := read(`<cib validate-with="pacemaker-3.7" admin_epoch="0" epoch="1" num_updates="0"><configuration><crm_config/><nodes/><resources/><constraints/></configuration><status/></cib>`)
	f := CIBPeerFencer{f: cibFencer{f: ff, s: fixedCIB{empty}}, origin: "alpha", action: "reboot"}
	if err := f.Fence(context.Background(), "bravo"); err == nil {
		t.Fatal("fenced with no device in the CIB")
	}
	withDevice := read(`<cib validate-with="pacemaker-3.7" admin_epoch="0" epoch="2" num_updates="0"><configuration><crm_config/><nodes/><resources>
<primitive id="fence-bravo" class="stonith" type="fence_it_record"><instance_attributes id="fence-bravo-ia">
<nvpair id="fence-bravo-hl" name="pcmk_host_list" value="bravo"/><nvpair id="fence-bravo-hc" name="pcmk_host_check" value="static-list"/>
</instance_attributes></primitive></resources><constraints/></configuration><status/></cib>`)
	f.f.s = fixedCIB{withDevice}
	if err := f.Fence(context.Background(), "bravo"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(record)
	if err != nil || strings.TrimSpace(string(b)) != "reboot bravo" {
		t.Fatalf("device record %q, %v; want one 'reboot bravo'", b, err)
	}
}

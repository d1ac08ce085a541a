package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pacer/internal/clock"
	"pacer/internal/control"
)

// call is one command and what it must print and return. out is the
// whole stdout; errHas a substring of stderr ("" means stderr is empty).
type call struct {
	argv   string
	env    map[string]string
	out    string
	errHas string
	rc     int
	// advance moves the fake clock before the command.
	advance time.Duration
}

func runTool(sock string, vars map[string]string, argv []string) (string, string, int) {
	var out, errb bytes.Buffer
	e := &env{getenv: func(k string) string { return vars[k] }, stdout: &out, stderr: &errb, socket: sock}
	rc := run(e, argv)
	return out.String(), errb.String(), rc
}

func runCalls(t *testing.T, sock string, clk *clock.Fake, calls []call) {
	t.Helper()
	for i, c := range calls {
		if c.advance > 0 {
			clk.Advance(c.advance)
		}
		out, errs, rc := runTool(sock, c.env, strings.Fields(c.argv))
		if rc != c.rc || out != c.out || (c.errHas == "" && errs != "") || !strings.Contains(errs, c.errHas) {
			t.Fatalf("call %d: %s\n got rc=%d stdout=%q stderr=%q\nwant rc=%d stdout=%q stderr has %q",
				i, c.argv, rc, out, errs, c.rc, c.out, c.errHas)
		}
	}
}

var drbdEnv = map[string]string{"OCF_RESOURCE_INSTANCE": "drbd0:1"}

func TestPromotionScore(t *testing.T) {
	_, sock := testServer(t, nil)
	runCalls(t, sock, nil, []call{
		{argv: "crm_master -Q -l reboot -v 100", env: drbdEnv},
		{argv: "crm_attribute -n master-drbd0 -G -q -l reboot", out: "100\n"},
		{argv: "crm_attribute -n master-drbd0 -G -l reboot", out: "scope=status  name=master-drbd0 value=100\n"},
		{argv: "crm_attribute --name=master-drbd0 --query --lifetime reboot --quiet", out: "100\n"},
		{argv: "crm_master -q -l reboot -G", env: drbdEnv, out: "100\n"},
		{argv: "crm_attribute -p -G -q", env: drbdEnv, out: "100\n"},
		{argv: "crm_attribute --promotion -v 5", env: drbdEnv},
		{argv: "crm_attribute -p drbd0 -G -q", out: "5\n"},
		{argv: "crm_attribute --promotion=drbd0 -G -q", out: "5\n"},
		{argv: "crm_master -l reboot -D", env: drbdEnv},
		{argv: "crm_attribute -n master-drbd0 -G -q -l reboot", rc: 105,
			errHas: "crm_attribute: Error performing operation: No such device or address"},
		{argv: "crm_master -q -l reboot -G", env: drbdEnv, rc: 105, errHas: "crm_master: Error performing operation"},
		{argv: "crm_master -l reboot -D", env: drbdEnv},
		{argv: "crm_attribute -n master-drbd0 -G -q -l reboot -d 0", out: "0\n"},
		// A globally unique clone's instances keep their number.
		{argv: "crm_master -l reboot -v 7", env: map[string]string{"OCF_RESOURCE_INSTANCE": "ip:2",
			"OCF_RESKEY_CRM_meta_globally_unique": "true"}},
		{argv: "crm_attribute -n master-ip:2 -l reboot -G -q", out: "7\n"},
		// crm_master without -l is permanent, as Pacemaker's script makes it.
		{argv: "crm_master -v 3 -r web", out: ""},
		{argv: "crm_attribute -n master-web -l forever -G -q", out: "3\n"},
		{argv: "crm_attribute -n master-web -l reboot -G -q", rc: 105, errHas: "No such device"},
	})
}

func TestNodeAttributes(t *testing.T) {
	_, sock := testServer(t, nil)
	onBravo := map[string]string{"OCF_RESKEY_CRM_meta_on_node": "bravo"}
	runCalls(t, sock, nil, []call{
		{argv: "crm_attribute -N bravo -n site -v east"},
		{argv: "crm_attribute -N bravo -n site -G", out: "scope=nodes  name=site value=east\n"},
		{argv: "crm_attribute --node bravo --name site --query --quiet", out: "east\n"},
		{argv: "crm_attribute -N bravo -n site -D"},
		{argv: "crm_attribute -N bravo -n site -G", rc: 105, errHas: "No such device or address"},
		{argv: "crm_attribute -N zulu -n site -v x", rc: 105, errHas: "Could not map name=zulu to a UUID"},
		{argv: "crm_attribute -n x -l reboot -v -INFINITY"},
		{argv: "crm_attribute -n x -l reboot -qG", out: "-INFINITY\n"},
		{argv: "crm_attribute -nx -lreboot -qG", out: "-INFINITY\n"},
		// The agent's node comes from the environment.
		{argv: "crm_attribute -n y -l reboot -v 1", env: onBravo},
		{argv: "crm_attribute -N bravo -n y -l reboot -G -q", out: "1\n"},
		{argv: "crm_attribute -N localhost -n y -l reboot -G -q", env: onBravo, out: "1\n"},
		{argv: "crm_attribute -n y -l reboot -G -q", rc: 105, errHas: "No such device"},
	})
}

func TestCommandLineErrors(t *testing.T) {
	_, sock := testServer(t, nil)
	runCalls(t, sock, nil, []call{
		{argv: "crm_attribute --frobnicate", rc: 64, errHas: "unknown option --frobnicate"},
		{argv: "crm_attribute -n x -l reboot -K", rc: 64, errHas: "unknown option -K"},
		{argv: "crm_attribute -n x -l reboot -G extra", rc: 64, errHas: `unexpected argument "extra"`},
		{argv: "crm_attribute -n x -l reboot -v", rc: 64, errHas: "missing value for -v"},
		{argv: "crm_attribute -P x.* -l reboot -G", rc: 3, errHas: "option -P is not supported by pacer"},
		{argv: "crm_attribute -n cluster-delay -G", rc: 3, errHas: "cluster options are not served"},
		{argv: "crm_attribute -t crm_config -n cluster-delay -G", rc: 3, errHas: "-t crm_config"},
		{argv: "crm_attribute -n x -l sometimes -G", rc: 64, errHas: `invalid lifetime "sometimes"`},
		{argv: "crm_attribute -D -l reboot", rc: 64, errHas: "must specify attribute name"},
		{argv: "crm_attribute -p -v 5", rc: 64, errHas: "-p/--promotion must be called from an OCF resource agent"},
		{argv: "crm_attribute --output-as=xml -n x -l reboot -G", rc: 3, errHas: "--output-as=xml"},
		{argv: "crm_master -v 5", rc: 1, errHas: "No resource specified"},
		{argv: "crm_master -v 5 --bogus", env: drbdEnv, rc: 64, errHas: "unknown option --bogus"},
		{argv: "crm_attribute --version", out: "Pacemaker 2.1.5 (pacer's crm_attribute, over pacerd's control socket)\n"},
		{argv: "pacer-helper", rc: 64, errHas: "run me as one of"},
		{argv: "pacer-helper crm_attribute -n x -l reboot -v 1"},
		{argv: "/usr/lib/pacer/bin/crm_attribute -n x -l reboot -G -q", out: "1\n"},
	})
}

func TestAttrdUpdaterDampening(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	b, sock := testServer(t, clk)
	_ = b
	runCalls(t, sock, clk, []call{
		{argv: "attrd_updater -n pingd -U 100 -d 5s"},
		// attrd has it at once; the CIB (crm_attribute) only after the delay.
		{argv: "attrd_updater -n pingd -Q", out: `name="pingd" host="alpha" value="100"` + "\n"},
		{argv: "crm_attribute -n pingd -l reboot -G -q", rc: 105, errHas: "No such device"},
		{advance: 4 * time.Second, argv: "attrd_updater -n pingd -U 200"},
		{advance: 4 * time.Second, argv: "crm_attribute -n pingd -l reboot -G -q", rc: 105, errHas: "No such device"},
		{advance: time.Second, argv: "crm_attribute -n pingd -l reboot -G -q", out: "200\n"},
		{argv: "attrd_updater -n pingd -U 300 -N bravo"},
		{advance: 5 * time.Second, argv: "attrd_updater -n pingd -A", out: `name="pingd" host="alpha" value="200"` + "\n" +
			`name="pingd" host="bravo" value="300"` + "\n"},
		{argv: "attrd_updater -n pingd -D"},
		{argv: "attrd_updater -n pingd -Q", out: `name="pingd" host="alpha" value=""` + "\n"},
		{argv: "crm_attribute -n pingd -l reboot -G -q", out: "200\n"},
		{advance: 5 * time.Second, argv: "crm_attribute -n pingd -l reboot -G -q", rc: 105, errHas: "No such device"},
		{argv: "attrd_updater -n nope -Q", rc: 78, errHas: "attrd_updater: Could not query value of nope: attribute does not exist"},
		{argv: "attrd_updater -Q", rc: 64, errHas: "requires --name"},
		{argv: "attrd_updater -n x -U 1 -d bogus", rc: 64, errHas: `invalid --delay "bogus"`},
		{argv: "attrd_updater -n x -U 1 -l sometimes", rc: 64, errHas: "Unknown value for --lifetime"},
		{argv: "attrd_updater -n x -U 1 -p"},
		{argv: "attrd_updater -n x -Q -q", out: "1\n"},
		{argv: "crm_attribute -n x -l reboot -G", rc: 105, errHas: "No such device"},
		{argv: "attrd_updater -R"},
		// -B changes the delay of an existing attribute.
		{argv: "attrd_updater -n d -U 1"},
		{argv: "attrd_updater -n d -B 2 -d 10"},
		{advance: 9 * time.Second, argv: "crm_attribute -n d -l reboot -G -q", out: "1\n"},
		{advance: time.Second, argv: "crm_attribute -n d -l reboot -G -q", out: "2\n"},
	})
}

func TestCrmNodeMonResource(t *testing.T) {
	b, sock := testServer(t, nil)
	runCalls(t, sock, nil, []call{
		{argv: "crm_node -n", out: "alpha\n"},
		{argv: "crm_node -n", env: map[string]string{"OCF_RESKEY_CRM_meta_on_node": "bravo"}, out: "bravo\n"},
		{argv: "crm_node -i", out: "1\n"},
		{argv: "crm_node -l", out: "1 alpha member\n2 bravo member\n10 node10 lost\n"},
		{argv: "crm_node -p", out: "alpha bravo\n"},
		{argv: "crm_node -q", out: "1\n"},
		{argv: "crm_node -N 10", out: "node10\n"},
		{argv: "crm_node -N 99", rc: 105, errHas: "Could not map node id 99"},
		{argv: "crm_node", rc: 64, errHas: "no command given"},
		{argv: "crm_node -R bravo", rc: 3, errHas: "not supported"},
		{argv: "crm_resource --locate -r drbd0", rc: 69, errHas: "not known"},
		{argv: "crm_resource -W", rc: 64, errHas: "Must supply a resource id"},
		{argv: "crm_resource --cleanup -r drbd0", rc: 3, errHas: "option --cleanup is not supported"},
		{argv: "crm_resource -r drbd0", rc: 3, errHas: "answers only --locate"},
		{argv: "crm_mon", rc: 3, errHas: "only one-shot"},
		{argv: "crm_mon -1", out: "Cluster Summary:\n  * Stack: pacer\n  * Current DC: NONE - partition with quorum\n" +
			"  * 3 nodes configured\n\nNode List:\n  * Online: [ alpha bravo ]\n  * OFFLINE: [ node10 ]\n\n" +
			"Full List of Resources:\n  * resource status is not known yet: pacerd has no CIB\n"},
	})
	b.dc, b.dcID = "bravo", 2
	runCalls(t, sock, nil, []call{
		{argv: "crm_mon -1", out: "Cluster Summary:\n  * Stack: pacer\n  * Current DC: bravo (2) - partition with quorum\n" +
			"  * 3 nodes configured\n\nNode List:\n  * Online: [ alpha bravo ]\n  * OFFLINE: [ node10 ]\n\n" +
			"Full List of Resources:\n  * resource status is not known yet: pacerd has no CIB\n"},
	})
	b.loc = &control.Location{Nodes: []control.RscNode{{Node: "alpha", Promoted: true}, {Node: "bravo"}}}
	runCalls(t, sock, nil, []call{
		{argv: "crm_resource --resource drbd0 --locate",
			out: "resource drbd0 is running on: alpha Promoted\nresource drbd0 is running on: bravo\n"},
		{argv: "crm_resource --locate --quiet --resource drbd0", out: "alpha\nbravo\n"},
	})
	b.loc = &control.Location{}
	runCalls(t, sock, nil, []call{
		{argv: "crm_resource -W -r drbd0", errHas: "resource drbd0 is NOT running"},
	})
}

func TestNotConnected(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "none.sock")
	for _, argv := range []string{"crm_attribute -n x -l reboot -G", "crm_master -l reboot -v 1 -r r", "attrd_updater -n x -Q", "crm_node -l", "crm_mon -1"} {
		out, errs, rc := runTool(sock, nil, strings.Fields(argv))
		if rc != 102 || out != "" || !strings.Contains(errs, "Could not connect to pacerd") {
			t.Errorf("%s: rc=%d out=%q err=%q, want 102 and a connect error", argv, rc, out, errs)
		}
	}
}

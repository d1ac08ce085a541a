package integration

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"pacer/heartbeat/serial"
)

// `pacer configure` against the live cluster: every verb through the local
// pacerd, a bad change refused with nothing changed, a lost race (exit 3,
// nothing changed), `configure edit` through $EDITOR.
func TestCLIConfigureOnline(t *testing.T) {
	cc := startCLICluster(t)
	other := "alpha"
	if other == cc.dc {
		other = "bravo"
	}
	// Changes through a node that is not the DC: raft forwards them.
	cc.ok(t, other, "configure", "property", "stonith-enabled=false")
	_, errOut, code := cc.run(t, other, "", "configure", "primitive", "d1", "ocf:pacer:Dummy", "op", "monitor", "interval=1s", "timeout=10s")
	if code != 0 || !strings.Contains(errOut, "configuration updated (version 0.") {
		t.Fatalf("configure primitive: exit %d, %q", code, errOut)
	}
	on := cc.where(t, "d1", 15*time.Second)
	t.Logf("d1 configured online through %s, runs on %s", other, on)
	cc.ok(t, cc.dc, "configure", "primitive", "d2", "ocf:pacer:Dummy")
	cc.ok(t, other, "configure", "group", "g", "d2")
	cc.ok(t, other, "configure", "location", "l-d1", "d1", "10:", on)
	cc.ok(t, other, "configure", "colocation", "c-g", "inf:", "g", "d1")
	cc.ok(t, other, "configure", "order", "o-d1-g", "Mandatory:", "d1", "g")
	cc.ok(t, other, "configure", "rsc_defaults", "resource-stickiness=50")
	cc.ok(t, other, "configure", "op_defaults", "timeout=30s")
	show := cc.ok(t, "charlie", "configure", "show")
	for _, want := range []string{"primitive d1 ocf:pacer:Dummy", "group g d2", "location l-d1 d1 10: " + on,
		"colocation c-g inf: g d1", "order o-d1-g Mandatory: d1 g", "resource-stickiness=50", "timeout=30s", "stonith-enabled=false"} {
		if !strings.Contains(show, want) {
			t.Errorf("configure show lacks %q:\n%s", want, show)
		}
	}
	if out := cc.ok(t, "charlie", "configure", "show", "d1"); !strings.HasPrefix(out, "primitive d1") || strings.Contains(out, "d2") {
		t.Errorf("configure show d1:\n%s", out)
	}
	if out := cc.ok(t, "charlie", "configure", "verify"); !strings.Contains(out, "live CIB version 0.") || !strings.Contains(out, "valid") {
		t.Errorf("configure verify: %q", out)
	}
	cc.waitRunning(t, "d2", on, 15*time.Second) // colocated with d1

	// Bad changes: each refused with exit 1, naming what is wrong, and the
	// configuration is as it was.
	before := cc.showXML(t, other)
	bad := []struct {
		name  string
		args  []string
		stdin string
		want  string
	}{
		{"duplicate id", []string{"configure", "primitive", "d1", "ocf:pacer:Dummy"}, "", "d1"},
		{"syntax", []string{"configure", "primitive", "x", "ocf:pacer:Dummy", "op", "monitor", "intervl=10s"}, "", "intervl"},
		{"dangling reference", []string{"configure", "location", "l2", "nosuch", "100:", "alpha"}, "", "nosuch"},
		{"clone of nothing", []string{"configure", "clone", "cl", "nosuch"}, "", "nosuch"},
		{"bad score", []string{"configure", "location", "l3", "d1", "lots:", "alpha"}, "", "lots"},
		{"delete unknown", []string{"configure", "delete", "nosuch"}, "", "nosuch"},
		{"delete running without force", []string{"configure", "delete", "d1"}, "", "d1"},
		{"load bad", []string{"configure", "load", "update", "-"}, "primitive p9 ocf:pacer:Dummy\nlocation l9 p9 100: \n", "l9"},
		{"load replace invalid", []string{"configure", "load", "replace", "-"}, "group g nosuch\n", "nosuch"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := cc.run(t, other, tc.stdin, tc.args...)
			if code != 1 {
				t.Fatalf("exit %d, want 1 for a bad command: %s%s", code, out, errOut)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("error %q does not name %q", errOut, tc.want)
			}
			if after := cc.showXML(t, other); after != before {
				t.Fatalf("a refused command changed the configuration:\nbefore %s\nafter %s", before, after)
			}
		})
	}

	// load update and delete.
	if _, errOut, code := cc.run(t, other, "primitive d4 ocf:pacer:Dummy\norder d1-before-d4 Mandatory: d1 d4\n",
		"configure", "load", "update", "-"); code != 0 {
		t.Fatalf("load update: %s", errOut)
	}
	cc.waitRunning(t, "d4", cc.where(t, "d4", 15*time.Second), time.Second)
	if out := cc.ok(t, other, "configure", "delete", "--force", "d4"); !strings.Contains(out, "d1-before-d4") {
		t.Errorf("delete did not report the order constraint it removed: %q", out)
	}
	cc.waitRunning(t, "d4", "", 15*time.Second) // deleted: the DC stops it

	// A lost race: `configure edit` opens the configuration; while the
	// editor is open another administrator adds a resource; the edit is
	// saved against the old version: exit 3, and only the other change is
	// in the CIB.
	script := filepath.Join(cc.dir, "racing-editor")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nset -e\n"+
		filepath.Join(binDir, "pacer")+" configure primitive winner ocf:pacer:Dummy\n"+
		"echo 'primitive loser ocf:pacer:Dummy' >> \"$1\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := pacerCLI(t, []string{"PACER_SOCKET=" + cc.socks[other], "EDITOR=" + script, "VISUAL="}, "", "configure", "edit")
	if code != 3 {
		t.Fatalf("configure edit that lost a race: exit %d, want 3\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "made against version 0.") || !strings.Contains(errOut, "now at 0.") || !strings.Contains(errOut, "run the command again") {
		t.Errorf("lost race message: %q", errOut)
	}
	show = cc.ok(t, "charlie", "configure", "show")
	if !strings.Contains(show, "primitive winner") || strings.Contains(show, "loser") {
		t.Errorf("after the race, want winner and no loser:\n%s", show)
	}
	t.Logf("lost race: %s", strings.TrimSpace(errOut))

	// Concurrent changes: each either lands (exit 0) or loses (exit 3) and
	// is absent; none is half-applied.
	var wg sync.WaitGroup
	codes := make([]int, 6)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, codes[i] = cc.run(t, []string{"alpha", "bravo", "charlie"}[i%3], "", "configure", "property", "cc-"+string(rune('a'+i))+"=1")
		}()
	}
	wg.Wait()
	show = cc.ok(t, "charlie", "configure", "show")
	won := 0
	for i, c := range codes {
		present := strings.Contains(show, "cc-"+string(rune('a'+i))+"=1")
		switch {
		case c == 0 && present:
			won++
		case c == 3 && !present:
		default:
			t.Errorf("concurrent change %d: exit %d, in the CIB %v", i, c, present)
		}
	}
	if won == 0 {
		t.Errorf("no concurrent change won: %v", codes)
	}
	t.Logf("6 concurrent configure property: exit codes %v", codes)

	// configure edit: a good edit lands; a bad one, without a tty, fails
	// and changes nothing; an unchanged save writes nothing.
	editor := filepath.Join(cc.dir, "sed-editor")
	if err := os.WriteFile(editor, []byte("#!/bin/sh\nsed -i \"$SED_EXPR\" \"$1\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	edit := func(expr string) (string, string, int) {
		return pacerCLI(t, []string{"PACER_SOCKET=" + cc.socks[other], "VISUAL=" + editor, "SED_EXPR=" + expr}, "", "configure", "edit")
	}
	if _, errOut, code := edit("s/resource-stickiness=50/resource-stickiness=77/"); code != 0 {
		t.Fatalf("configure edit: exit %d %s", code, errOut)
	}
	if show := cc.ok(t, "charlie", "configure", "show"); !strings.Contains(show, "resource-stickiness=77") {
		t.Errorf("edit did not land:\n%s", show)
	}
	before = cc.showXML(t, other)
	if _, errOut, code := edit("s/group g d2/group g d2 nosuch/"); code != 1 || !strings.Contains(errOut, "nosuch") {
		t.Errorf("bad edit without a tty: exit %d, %q; want 1 naming nosuch", code, errOut)
	}
	if _, errOut, code := edit("s/^primitive d2/primitiv d2/"); code != 1 || !strings.Contains(errOut, "primitiv") {
		t.Errorf("unparsable edit: exit %d, %q", code, errOut)
	}
	if _, errOut, code := edit("s/^#.*//"); code != 0 || !strings.Contains(errOut, "unchanged") {
		t.Errorf("unchanged edit: exit %d, %q", code, errOut)
	}
	if after := cc.showXML(t, other); after != before {
		t.Fatalf("refused edits changed the configuration")
	}

	// On a terminal a bad edit is shown with its errors and, answered
	// with Enter (yes), opened again; the second, good edit lands.
	master, slavePath, err := serial.OpenPTY()
	if err != nil {
		t.Fatalf("pty: %v", err)
	}
	defer master.Close()
	slave, err := os.OpenFile(slavePath, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer slave.Close()
	go io.Copy(io.Discard, master) // what pacer writes to the terminal
	if _, err := master.Write([]byte("\n")); err != nil {
		t.Fatal(err)
	}
	twice := filepath.Join(cc.dir, "twice-editor")
	if err := os.WriteFile(twice, []byte("#!/bin/sh\nif [ -e \"$1.done\" ]; then sed -i -e s/resource-stickiness=77/resource-stickiness=88/ -e 's/ nosuch//' \"$1\"\n"+
		"else touch \"$1.done\"; sed -i 's/group g d2/group g d2 nosuch/' \"$1\"; fi\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "pacer"), "configure", "edit")
	cmd.Env = append(os.Environ(), "PACER_SOCKET="+cc.socks[other], "VISUAL="+twice)
	var stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("configure edit on a terminal: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "nosuch") || !strings.Contains(stderr.String(), "Edit again? [Y/n]") {
		t.Errorf("the bad edit was not shown with a question: %q", stderr.String())
	}
	if show := cc.ok(t, "charlie", "configure", "show"); !strings.Contains(show, "resource-stickiness=88") || strings.Contains(show, "nosuch") {
		t.Errorf("after editing again:\n%s", show)
	}
}

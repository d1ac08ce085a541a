package scheduler_test

import (
	"strings"
	"testing"
)

// TestLiveMigration checks handle_migration_actions and the
// migrate-runnable flag: a resource with allow-migrate that moves does
// migrate_to, migrate_from, then stop, its start a pseudo-action
// ("Migrate" in the summary); a resource ordered after one that cannot
// migrate loses its migration and moves by stop and start, "due to
// unrunnable" that resource's stop.
func TestLiveMigration(t *testing.T) {
	migr := `<meta_attributes id="%sm"><nvpair id="%sam" name="allow-migrate" value="true"/></meta_attributes>`
	meta := func(id string) string { return strings.ReplaceAll(migr, "%s", id) }
	place := func(id, node string) string {
		return `<rsc_location id="l` + id + `" rsc="` + id + `" node="` + node + `" score="INFINITY"/>`
	}
	status := withStatus(history(1, map[string][]op{"a": started, "b": stopped}, "a", "b"), history(2, map[string][]op{"a": stopped, "b": started}, "a", "b"))

	// a alone moves from node1 to node2 by migration.
	tr := schedule(t, head+`<resources>`+prim("a", meta("a"))+prim("b", "")+`</resources><constraints>`+place("a", "node2")+place("b", "node2")+`</constraints></configuration>`+status)
	if got := summary(tr); got != "Migrate a node1 -> node2" {
		t.Errorf("summary %q, want a migration of a", got)
	}
	if got := executed(tr); !strings.HasPrefix(got, "a_migrate_to_0@node1 a_migrate_from_0@node2 a_stop_0@node1 a_start_0") {
		t.Errorf("executed %q: want migrate_to, migrate_from, stop, pseudo start", got)
	}

	// b can migrate but is ordered after a, which cannot: b moves by
	// stop and start.
	swap := head + `<resources>` + prim("a", "") + prim("b", meta("b")) + `</resources><constraints>` + place("a", "node2") + place("b", "node1") +
		`<rsc_order id="o" first="a" then="b"/></constraints></configuration>` + status
	tr = schedule(t, swap)
	for _, l := range tr.Summary {
		if l.Rsc == "b" && (l.Change != "Move" || l.Reason != "due to unrunnable a stop") {
			t.Errorf("b: %+v, want Move due to unrunnable a stop", l)
		}
	}
	if strings.Contains(executed(tr), "migrate") {
		t.Errorf("no migration expected: %s", executed(tr))
	}
}

package integration

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// `pacer simulate --live` on the live cluster: nothing to do when it is
// settled; with a node down, an injected monitor failure, a failing start;
// and the live cluster untouched by any of it.
func TestCLISimulateLive(t *testing.T) {
	cc := startCLICluster(t)
	cc.ok(t, cc.dc, "configure", "property", "stonith-enabled=false")
	cc.ok(t, cc.dc, "configure", "primitive", "web", "ocf:pacer:Dummy", "op", "monitor", "interval=1s")
	cc.ok(t, cc.dc, "configure", "location", "web-prefers-bravo", "web", "50:", "bravo")
	cc.ok(t, cc.dc, "configure", "location", "web-avoids-charlie", "web", "-100:", "charlie")
	cc.waitRunning(t, "web", "bravo", 15*time.Second)
	before := cc.showXML(t, "alpha")

	// Settled: the scheduler on the live CIB has nothing to do.
	out := cc.ok(t, "alpha", "simulate", "--live", "-S")
	if !strings.Contains(out, "* web\t(ocf:pacer:Dummy):\t Started bravo") || !strings.Contains(out, "Transition Summary:\n\nExecuting Cluster Transition:") {
		t.Errorf("simulate --live -S of a settled cluster:\n%s", out)
	}

	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"node down", []string{"--node-down", "bravo"},
			[]string{"Performing Requested Modifications:\n  * Taking node bravo offline", "Start      web     ( alpha )",
				"OFFLINE: [ bravo ]", "* web\t(ocf:pacer:Dummy):\t Started alpha"}},
		{"monitor failure", []string{"-i", "web_monitor_1000@bravo=7"},
			[]string{"Injecting web_monitor_1000@bravo=7 into the configuration", "Recover    web     ( bravo )",
				"Resource action: web             stop on bravo", "Resource action: web             start on bravo"}},
		{"node down and the start fails", []string{"-d", "bravo", "--op-fail", "web_start_0@alpha=1"},
			[]string{"Start      web     ( alpha )", "Pretending action web_start_0 on alpha failed with rc=1",
				"* web\t(ocf:pacer:Dummy):\t FAILED alpha"}},
		{"scores", []string{"-s", "--node-down", "bravo"},
			[]string{"pcmk__primitive_assign: web allocation score on alpha: 0", "pcmk__primitive_assign: web allocation score on charlie: -100",
				"-100       location web-avoids-charlie (-100)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := cc.ok(t, "charlie", append([]string{"simulate", "--live", "-S"}, tc.args...)...)
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("lacks %q:\n%s", w, out)
				}
			}
			// The current status printed is the cluster's, before the events.
			if !strings.Contains(out, "Current cluster status:\n  * Node List:\n    * Online: [ alpha bravo charlie ]") {
				t.Errorf("current status:\n%s", out)
			}
		})
	}

	// -I saves the input: the file, simulated offline later with the same
	// events, prints what --live printed (the live CIB as a file has no
	// nodes yet; -I saves it completed, with its execution-date).
	input := filepath.Join(t.TempDir(), "input.xml")
	for _, ev := range [][]string{nil, {"--node-down", "bravo"}, {"-i", "web_monitor_1000@bravo=7"}} {
		live := cc.ok(t, "alpha", append([]string{"simulate", "--live", "-S", "-s", "-I", input}, ev...)...)
		if st, err := os.Stat(input); err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("-I %s: %v %v, want a 0600 file", input, st, err)
		}
		offline := cc.ok(t, "alpha", append([]string{"simulate", "-x", input, "-S", "-s"}, ev...)...)
		// as crm_simulate, a file with an execution-date says so
		if !strings.HasPrefix(offline, "Using the original execution date of: ") {
			t.Errorf("simulate -x of the saved input does not say it uses its execution date:\n%s", offline)
		}
		offline = regexp.MustCompile(`(?m)^Using the original execution date of: .*\n`).ReplaceAllString(offline, "")
		if offline != live {
			t.Errorf("simulate -x of the saved input %v differs from --live:\n--- live\n%s\n--- offline\n%s", ev, live, offline)
		}
	}
	if !strings.Contains(cc.ok(t, "alpha", "simulate", "-x", input), "* Online: [ alpha bravo charlie ]") {
		t.Error("the saved input lacks the nodes")
	}

	// Errors: exit 1 with the reason, nothing changed.
	bad := []struct {
		args []string
		want string
	}{
		{[]string{"simulate", "--live", "-d", "nosuch"}, `no node "nosuch" (nodes: alpha, bravo, charlie)`},
		{[]string{"simulate", "--live", "-i", "web_monitor@bravo=7"}, `interval "monitor"`},
		{[]string{"simulate", "--live", "-i", "db_monitor_0@bravo=7"}, `no primitive "db"`},
		{[]string{"simulate", "-S"}, "-x FILE, --cib-file FILE, or --live"},
		{[]string{"simulate", "--live", "-x", "cib.xml"}, "--live and -x both given"},
	}
	for _, b := range bad {
		_, errOut, code := cc.run(t, "alpha", "", b.args...)
		if code != 1 || !strings.Contains(errOut, b.want) {
			t.Errorf("pacer %v: exit %d, %q; want 1 and %q", b.args, code, errOut, b.want)
		}
	}

	// Nothing simulated touched the cluster.
	if after := cc.showXML(t, "alpha"); after != before {
		t.Errorf("simulate changed the configuration")
	}
	cc.waitRunning(t, "web", "bravo", time.Second)
}

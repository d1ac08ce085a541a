package integration

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
)

// explainRow finds node's row in pacer explain's table: score and verdict.
func explainRow(out, node string) (score, verdict string, ok bool) {
	re := regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(node) + `\s+(\S+)\s+(.*)$`)
	m := re.FindStringSubmatch(out)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

// `pacer explain` against the live cluster: the scores and the steps
// behind them (a location constraint, stickiness, a ban) for a resource
// placed by the DC, and the verdict on each node.
func TestCLIExplainLive(t *testing.T) {
	cc := startCLICluster(t)
	cc.ok(t, cc.dc, "configure", "property", "stonith-enabled=false")
	cc.ok(t, cc.dc, "configure", "primitive", "web", "ocf:pacer:Dummy", "op", "monitor", "interval=1s")
	cc.ok(t, cc.dc, "configure", "location", "web-prefers-bravo", "web", "50:", "bravo")
	// Stickiness only once web is on bravo: the DC may have started web
	// elsewhere before the location constraint came, and with stickiness
	// 100 against a preference of 50 it would rightly stay there.
	cc.waitRunning(t, "web", "bravo", 15*time.Second)
	cc.ok(t, cc.dc, "configure", "rsc_defaults", "resource-stickiness=100")

	out := cc.ok(t, "charlie", "explain", "web")
	t.Logf("pacer explain web:\n%s", out)
	if !strings.Contains(out, "live CIB") || !strings.Contains(out, "web: running on bravo\n") {
		t.Errorf("explain does not say where web runs:\n%s", out)
	}
	score, verdict, ok := explainRow(out, "bravo")
	if !ok || score != "150" || verdict != "runs here and stays" {
		t.Errorf("bravo row: %q %q (want 150, runs here and stays)", score, verdict)
	}
	for _, n := range []string{"alpha", "charlie"} {
		score, verdict, ok := explainRow(out, n)
		if !ok || score != "0" || !strings.Contains(verdict, "placed on bravo (150) instead") {
			t.Errorf("%s row: %q %q", n, score, verdict)
		}
	}
	for _, step := range []string{"50         location web-prefers-bravo (+50)", "150        resource-stickiness (where it is active) (+100)"} {
		if !strings.Contains(out, step) {
			t.Errorf("explain lacks the step %q", step)
		}
	}
	if !strings.Contains(out, "The cluster's plan for it: nothing to do") {
		t.Errorf("explain of a settled resource plans something:\n%s", out)
	}
	// --json: the same, for scripts.
	var x struct {
		Schema    string `json:"schema"`
		Instances []struct {
			ID        string   `json:"id"`
			RunningOn []string `json:"running_on"`
			Nodes     []struct {
				Node, Score, Verdict string
				Steps                []struct{ What, Score string }
			} `json:"nodes"`
		} `json:"instances"`
		Plan []string `json:"plan"`
	}
	if err := json.Unmarshal([]byte(cc.ok(t, "alpha", "explain", "--json", "web")), &x); err != nil {
		t.Fatalf("explain --json: %v", err)
	}
	if x.Schema != "pacer-explain/1" || len(x.Instances) != 1 || x.Instances[0].ID != "web" || len(x.Instances[0].RunningOn) != 1 ||
		x.Instances[0].RunningOn[0] != "bravo" || len(x.Plan) != 0 {
		t.Errorf("explain --json: %+v", x)
	}
	for _, n := range x.Instances[0].Nodes {
		if n.Node == "bravo" && (n.Score != "150" || n.Verdict != "runs here and stays" || len(n.Steps) != 2 || n.Steps[1].Score != "150") {
			t.Errorf("explain --json, bravo: %+v", n)
		}
	}

	// A ban: on bravo the score is -INFINITY and explain names the
	// constraint; read from this node's copy too.
	cc.ok(t, "alpha", "resource", "ban", "--wait", "web", "bravo")
	on := cc.where(t, "web", 15*time.Second)
	for _, args := range [][]string{{"explain", "web"}, {"explain", "--local", "web"}} {
		out = cc.ok(t, "alpha", args...)
		if !strings.Contains(out, "web: running on "+on+"\n") {
			t.Errorf("%v: web runs on %s, explain says:\n%s", args, on, out)
		}
		score, verdict, _ = explainRow(out, "bravo")
		if score != "-INFINITY" || verdict != "cannot run here: location cli-ban-web-on-bravo" {
			t.Errorf("%v: bravo row after the ban: %q %q\n%s", args, score, verdict, out)
		}
	}

	// Errors: an unknown resource (exit 1, the resources listed), no
	// argument, no pacerd.
	_, errOut, code := cc.run(t, "alpha", "", "explain", "nosuch")
	if code != 1 || !strings.Contains(errOut, `no resource "nosuch"`) || !strings.Contains(errOut, "web") {
		t.Errorf("explain nosuch: exit %d, %q", code, errOut)
	}
	if _, errOut, code = cc.run(t, "alpha", "", "explain"); code != 1 || !strings.Contains(errOut, "want one resource") {
		t.Errorf("explain without RSC: exit %d, %q", code, errOut)
	}
	if _, errOut, code = pacerCLI(t, []string{"PACER_SOCKET=" + cc.dir + "/none.sock"}, "", "explain", "web"); code != 1 || !strings.Contains(errOut, "cannot reach pacerd") {
		t.Errorf("explain without pacerd: exit %d, %q", code, errOut)
	}
}

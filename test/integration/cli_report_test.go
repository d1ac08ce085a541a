package integration

import (
	"archive/tar"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

func readTarGz(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	out := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		out[h.Name[strings.IndexByte(h.Name, '/')+1:]] = string(data)
	}
}

// `pacer report` on three real pacerd: every node's journal, the CIB
// (its secrets masked), status, history and the scheduler's view in one
// archive; with a node dead, the archive is written and its journal named
// as not collected (exit 2); an existing output is not overwritten.
func TestCLIReport(t *testing.T) {
	cc := startCLICluster(t)
	cc.ok(t, cc.dc, "configure", "property", "stonith-enabled=false")
	cc.ok(t, cc.dc, "configure", "primitive", "web", "ocf:pacer:Dummy", "params", "passwd=hunter2", "op", "monitor", "interval=1s")
	on := cc.where(t, "web", 15*time.Second)

	out := filepath.Join(cc.dir, "r1.tar.gz")
	if _, errOut, code := cc.run(t, "alpha", "", "report", "-o", out); code != 0 || !strings.Contains(errOut, "report written to "+out) {
		t.Fatalf("report: exit %d, %q", code, errOut)
	}
	files := readTarGz(t, out)
	var names []string
	for n := range files {
		names = append(names, n)
	}
	t.Logf("archive: %v", names)
	for _, n := range []string{"README.txt", "node-info.json", "cib.xml", "simulate.txt", "status.json", "status.txt", "history.txt",
		"nodes/alpha/journal.jsonl", "nodes/bravo/journal.jsonl", "nodes/charlie/journal.jsonl"} {
		if files[n] == "" {
			t.Errorf("archive lacks %s", n)
		}
	}
	if !strings.Contains(files["cib.xml"], `name="passwd" value="****"`) || strings.Contains(files["cib.xml"], "hunter2") {
		t.Errorf("cib.xml keeps the password")
	}
	if !strings.Contains(files["status.txt"], "web\t(ocf:pacer:Dummy):\t Started "+on) {
		t.Errorf("status.txt:\n%s", files["status.txt"])
	}
	if !strings.Contains(files["simulate.txt"], "Transition Summary:") || !strings.Contains(files["simulate.txt"], "Allocation scores:") {
		t.Errorf("simulate.txt:\n%s", files["simulate.txt"])
	}
	// the scheduler's input replays offline to the same scores and plan
	if strings.Contains(files["simulate-input.xml"], "hunter2") || !strings.Contains(files["simulate-input.xml"], "execution-date=") {
		t.Errorf("simulate-input.xml keeps the password or lacks its execution-date")
	}
	in := filepath.Join(cc.dir, "simulate-input.xml")
	if err := os.WriteFile(in, []byte(files["simulate-input.xml"]), 0o600); err != nil {
		t.Fatal(err)
	}
	replay := cc.ok(t, "alpha", "simulate", "-x", in, "-S", "-s")
	replay = regexp.MustCompile(`(?m)^Using the original execution date of: .*\n`).ReplaceAllString(replay, "")
	if replay != files["simulate.txt"] {
		t.Errorf("simulate -x simulate-input.xml -S -s:\n%s\nwant simulate.txt:\n%s", replay, files["simulate.txt"])
	}
	if !strings.Contains(files["history.txt"], "action initiated node="+on+" rsc=web op=start") {
		t.Errorf("history.txt lacks web's start")
	}
	for _, n := range []string{"alpha", "bravo", "charlie"} {
		j := files["nodes/"+n+"/journal.jsonl"]
		if !strings.Contains(j, `"msg":"pacerd started"`) || !strings.Contains(j, `"host":"`+n+`"`) || strings.Contains(j, `"host":"`+otherThan(n)+`"`) {
			t.Errorf("%s's journal is not its own:\n%.500s", n, j)
		}
	}
	if strings.Contains(files["README.txt"], "Not collected") {
		t.Errorf("README of a complete report:\n%s", files["README.txt"])
	}

	// An existing output is refused (exit 1), and stays as it was.
	if _, errOut, code := cc.run(t, "alpha", "", "report", "-o", out); code != 1 || !strings.Contains(errOut, "exists") {
		t.Errorf("report over an existing file: exit %d, %q", code, errOut)
	}

	// A dead node: exit 2, its journal named; the others' are there.
	dead := otherThan(cc.dc, "alpha")
	cc.nodes[dead].Kill(syscall.SIGKILL)
	cc.nodes[cc.dc].WaitFor(t, 10*time.Second, 1, "node declared dead", map[string]string{"node": dead})
	_, errOut, code := cc.run(t, "alpha", "", "report", "-o", out, "--force")
	if code != 2 || !strings.Contains(errOut, dead+"'s journal: not asked: membership has it dead") {
		t.Fatalf("report with %s dead: exit %d, %q", dead, code, errOut)
	}
	files = readTarGz(t, out)
	if files["nodes/"+dead+"/journal.jsonl"] != "" || files["nodes/alpha/journal.jsonl"] == "" || files["nodes/"+cc.dc+"/journal.jsonl"] == "" {
		t.Errorf("journals with %s dead: %v", dead, len(files))
	}
	if !strings.Contains(files["README.txt"], "Not collected:\n  * "+dead+"'s journal") {
		t.Errorf("README:\n%s", files["README.txt"])
	}
	found := false
	for _, l := range strings.Split(files["nodes/"+cc.dc+"/journal.jsonl"], "\n") {
		found = found || strings.Contains(l, `"msg":"node declared dead"`) && strings.Contains(l, `"node":"`+dead+`"`)
	}
	if !found {
		t.Errorf("the DC's journal lacks %s declared dead", dead)
	}
}

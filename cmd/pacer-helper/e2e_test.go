package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"pacer/internal/attrd"
	"pacer/internal/helperpath"
)

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// helperDir builds pacer-helper once and returns a directory holding the
// links helperpath.Install makes, as a package installs them.
func helperDir(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		if buildDir, buildErr = os.MkdirTemp("", "pacer-helper"); buildErr != nil {
			return
		}
		bin := filepath.Join(buildDir, "pacer-helper")
		out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
		if err != nil {
			buildErr = errors.New("go build: " + err.Error() + "\n" + string(out))
			return
		}
		buildErr = helperpath.Install(filepath.Join(buildDir, "bin"), bin)
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(buildDir, "bin")
}

// runBin runs a helper link as a subprocess with exactly env.
func runBin(t *testing.T, dir string, env []string, argv ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(filepath.Join(dir, argv[0]), argv[1:]...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return out.String(), errb.String(), 0
	case errors.As(err, &ee):
		return out.String(), errb.String(), ee.ExitCode()
	}
	t.Fatalf("%v: %v", argv, err)
	return "", "", -1
}

// The built binary, run through its links as an agent runs it, sets, reads
// and deletes a promotion score on a real control socket.
func TestBinaryEndToEnd(t *testing.T) {
	dir := helperDir(t)
	b, sock := testServer(t, nil)
	env := []string{"PACER_SOCKET=" + sock, "OCF_RESOURCE_INSTANCE=drbd0:1", "PATH=" + helperpath.AgentPath(dir, "/usr/bin:/bin")}
	steps := []struct {
		argv []string
		out  string
		rc   int
		err  string
	}{
		{argv: []string{"crm_master", "-Q", "-l", "reboot", "-v", "100"}},
		{argv: []string{"crm_attribute", "-n", "master-drbd0", "-G", "-q", "-l", "reboot"}, out: "100\n"},
		{argv: []string{"attrd_updater", "-n", "master-drbd0", "-Q"}, out: `name="master-drbd0" host="alpha" value="100"` + "\n"},
		{argv: []string{"crm_node", "-n"}, out: "alpha\n"},
		{argv: []string{"crm_master", "-l", "reboot", "-D"}},
		{argv: []string{"crm_attribute", "-n", "master-drbd0", "-G", "-q", "-l", "reboot"}, rc: 105,
			err: "crm_attribute: Error performing operation: No such device or address\n"},
		{argv: []string{"crm_attribute", "--bogus"}, rc: 64, err: "unknown option --bogus"},
	}
	for _, s := range steps {
		out, errs, rc := runBin(t, dir, env, s.argv...)
		if rc != s.rc || out != s.out || !strings.Contains(errs, s.err) || (s.err == "" && errs != "") {
			t.Fatalf("%v: rc=%d out=%q err=%q, want rc=%d out=%q err~%q", s.argv, rc, out, errs, s.rc, s.out, s.err)
		}
	}
	if v, err := b.m.Get("alpha", "master-drbd0", attrd.Reboot); err == nil && v.InCIB {
		t.Fatalf("score still written after delete: %+v", v)
	}
	// PACER_SOCKET is honoured: pointed elsewhere, the helper fails with
	// Pacemaker's "not connected" code.
	out, errs, rc := runBin(t, dir, []string{"PACER_SOCKET=" + sock + ".nope"}, "crm_node", "-n")
	if rc != 102 || out != "" || !strings.Contains(errs, sock+".nope") {
		t.Fatalf("without a server: rc=%d out=%q err=%q", rc, out, errs)
	}
}

// "pacer-helper install DIR" links every tool name to the binary itself.
func TestInstallSubcommand(t *testing.T) {
	helperDir(t)
	dir := filepath.Join(t.TempDir(), "bin")
	out, errs, rc := runBin(t, buildDir, nil, "pacer-helper", "install", dir)
	if rc != 0 {
		t.Fatalf("install: rc=%d out=%q err=%q", rc, out, errs)
	}
	self, _ := filepath.EvalSymlinks(filepath.Join(buildDir, "pacer-helper"))
	for _, n := range helperpath.Names {
		if got, err := os.Readlink(filepath.Join(dir, n)); err != nil || got != self {
			t.Fatalf("%s -> %q (%v), want %q", n, got, err, self)
		}
	}
}

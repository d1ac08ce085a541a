package helperpath

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInstall(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bin")
	target := "/usr/libexec/pacer/pacer-helper"
	if err := Install(dir, target); err != nil {
		t.Fatal(err)
	}
	for _, n := range Names {
		got, err := os.Readlink(filepath.Join(dir, n))
		if err != nil || got != target {
			t.Fatalf("%s -> %q, %v", n, got, err)
		}
	}
	// Idempotent, and a link to elsewhere is repointed.
	os.Remove(filepath.Join(dir, "crm_node"))
	os.Symlink("/usr/sbin/crm_node", filepath.Join(dir, "crm_node"))
	if err := Install(dir, target); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.Readlink(filepath.Join(dir, "crm_node")); got != target {
		t.Fatalf("crm_node -> %q", got)
	}
	// A real file is never replaced.
	os.Remove(filepath.Join(dir, "crm_mon"))
	os.WriteFile(filepath.Join(dir, "crm_mon"), []byte("#!/bin/sh\n"), 0o755)
	err := Install(dir, target)
	if err == nil || !strings.Contains(err.Error(), "crm_mon exists and is not a symbolic link") {
		t.Fatalf("Install over a real file: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "crm_mon")); string(b) != "#!/bin/sh\n" {
		t.Fatal("a real file was replaced")
	}
	if err := Install(dir, "relative/helper"); err == nil {
		t.Fatal("relative target accepted")
	}
}

func TestAgentPath(t *testing.T) {
	tests := []struct{ dir, path, want string }{
		{"/usr/lib/pacer/bin", "/usr/sbin:/usr/bin", "/usr/lib/pacer/bin:/usr/sbin:/usr/bin"},
		{"/usr/lib/pacer/bin", "/usr/bin:/usr/lib/pacer/bin/:/bin", "/usr/lib/pacer/bin:/usr/bin:/bin"},
		{"/d", "", "/d"},
	}
	for _, tc := range tests {
		if got := AgentPath(tc.dir, tc.path); got != tc.want {
			t.Errorf("AgentPath(%q, %q) = %q, want %q", tc.dir, tc.path, got, tc.want)
		}
	}
	env := Env("/d", "/bin", "/tmp/p.sock")
	if env["PATH"] != "/d:/bin" || env["HA_SBIN_DIR"] != "/d" || env["PACER_SOCKET"] != "/tmp/p.sock" {
		t.Fatalf("Env = %v", env)
	}
	if _, ok := Env("/d", "/bin", "")["PACER_SOCKET"]; ok {
		t.Fatal("PACER_SOCKET set for the default socket")
	}
}

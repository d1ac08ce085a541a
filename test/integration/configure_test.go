package integration

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// pacerCLI runs the pacer binary with env and args, returning stdout,
// stderr and the exit code.
func pacerCLI(t *testing.T, env []string, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "pacer"), args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// Building a configuration offline with crm statements, as an administrator
// would with crmsh on a shadow CIB, and every bad command refused without
// touching the file.
func TestConfigureOffline(t *testing.T) {
	dir := t.TempDir()
	cibPath := filepath.Join(dir, "cib.xml")
	env := []string{"CIB_file=" + cibPath}
	ok := func(args ...string) string {
		t.Helper()
		out, errOut, code := pacerCLI(t, env, "", args...)
		if code != 0 {
			t.Fatalf("pacer %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
		return out
	}
	ok("configure", "node", "alpha")
	ok("configure", "node", "bravo")
	ok("configure", "primitive", "vip", "ocf:heartbeat:IPaddr2", "params", "ip=10.0.0.10", "cidr_netmask=24", "op", "monitor", "interval=10s")
	ok("configure", "primitive", "fs", "ocf:heartbeat:Filesystem", "params", "device=/dev/drbd0", "directory=/srv", "fstype=ext4")
	ok("configure", "group", "nfs", "fs", "vip")
	ok("configure", "location", "prefer-alpha", "nfs", "100:", "alpha")
	ok("configure", "property", "stonith-enabled=false")
	// --cib-file works as well as CIB_file.
	if out, _, code := pacerCLI(t, nil, "", "--cib-file", cibPath, "configure", "verify"); code != 0 || !strings.Contains(out, "valid") {
		t.Fatalf("verify: %d %s", code, out)
	}

	show := ok("configure", "show")
	for _, want := range []string{"primitive vip", "IPaddr2", "ip=10.0.0.10", "group nfs fs vip", "location prefer-alpha nfs 100: alpha", "stonith-enabled=false"} {
		if !strings.Contains(show, want) {
			t.Errorf("show lacks %q:\n%s", want, show)
		}
	}
	if x := ok("configure", "show", "xml"); !strings.Contains(x, `<group id="nfs">`) || !strings.Contains(x, `epoch="7"`) {
		t.Errorf("show xml: epoch must be 7 after 7 changes:\n%s", x)
	}

	before, err := os.ReadFile(cibPath)
	if err != nil {
		t.Fatal(err)
	}
	bad := []struct {
		name string
		args []string
		want string
	}{
		{"duplicate id", []string{"configure", "primitive", "vip", "ocf:heartbeat:Dummy"}, "vip"},
		{"syntax", []string{"configure", "primitive", "x", "ocf:heartbeat:Dummy", "op", "monitor", "intervl=10s"}, "intervl"},
		{"dangling reference", []string{"configure", "location", "l2", "nosuch", "100:", "alpha"}, "nosuch"},
		{"bad score", []string{"configure", "location", "l3", "vip", "lots:", "alpha"}, "lots"},
		{"delete unknown", []string{"configure", "delete", "nosuch"}, "nosuch"},
		{"load missing file", []string{"configure", "load", "update", filepath.Join(dir, "none.crm")}, "none.crm"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := pacerCLI(t, env, "", tc.args...)
			if code == 0 {
				t.Fatalf("exit 0 for a bad command: %s", out)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("error %q does not name %q", errOut, tc.want)
			}
			after, _ := os.ReadFile(cibPath)
			if !bytes.Equal(before, after) {
				t.Fatal("a refused command changed the CIB file")
			}
		})
	}

	// load update from stdin, then delete with clean-up of references.
	if _, errOut, code := pacerCLI(t, env, "primitive nfsd ocf:heartbeat:Dummy\norder fs-before-nfsd Mandatory: fs nfsd\n",
		"configure", "load", "update", "-"); code != 0 {
		t.Fatalf("load update: %s", errOut)
	}
	out := ok("configure", "delete", "nfsd")
	if !strings.Contains(out, "fs-before-nfsd") {
		t.Errorf("delete did not report the order constraint it removed: %q", out)
	}
	if show := ok("configure", "show"); strings.Contains(show, "nfsd") {
		t.Errorf("nfsd still configured:\n%s", show)
	}

	// Heartbeat v1 haresources import.
	ha := filepath.Join(dir, "haresources")
	if err := os.WriteFile(ha, []byte("alpha IPaddr::10.0.0.20/24/eth0 Filesystem::/dev/sdb1::/data::ext4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ok("import", "haresources", ha)
	show = ok("configure", "show")
	if !strings.Contains(show, "10.0.0.20") || !strings.Contains(show, "/data") {
		t.Errorf("haresources import missing:\n%s", show)
	}
	if out, _, code := pacerCLI(t, env, "", "configure", "verify"); code != 0 {
		t.Fatalf("verify after import: %s", out)
	}
}

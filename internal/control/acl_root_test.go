package control

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// clientEnv makes the test binary act as a control client (see
// TestACLClientProcess) when re-executed under another uid.
const clientEnv = "PACER_TEST_ACL_CLIENT"

// TestACLClientProcess is not a test on its own: run with clientEnv set
// (by TestRealUsers), it asks the socket named there for node.info and
// prints "ok" or the error.
func TestACLClientProcess(t *testing.T) {
	sock := os.Getenv(clientEnv)
	if sock == "" {
		t.Skip("helper process of TestRealUsers")
	}
	c, err := Dial(context.Background(), sock)
	if err == nil {
		defer c.Close()
		_, err = c.NodeInfo(context.Background())
	}
	if err != nil {
		fmt.Println("error:", err)
	} else {
		fmt.Println("ok")
	}
	os.Exit(0)
}

// must runs a command, failing the test on error.
func must(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// TestRealUsers creates a group standing for haclient and two users, one
// in it (as a supplementary group) and one outside, and runs a client
// process as each (syscall.Credential) against a real server: the member
// is served; the outsider cannot even connect to the 0660 socket, and
// with the socket opened to everyone, is refused by the SO_PEERCRED
// check with a message naming its uid and the rule.
func TestRealUsers(t *testing.T) {
	if os.Getuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true: this test needs root (it creates a group and users)")
		}
		t.Skip("needs root to create a group and users")
	}
	for _, tool := range []string{"groupadd", "useradd", "userdel", "groupdel"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("CI=true: %s missing (package passwd)", tool)
			}
			t.Skipf("%s missing", tool)
		}
	}
	suffix := strconv.Itoa(os.Getpid() % 100000)
	group, inside, outside := "pctg"+suffix, "pctin"+suffix, "pctout"+suffix
	must(t, "groupadd", group)
	t.Cleanup(func() { exec.Command("groupdel", group).Run() })
	must(t, "useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", "--groups", group, inside)
	t.Cleanup(func() { exec.Command("userdel", inside).Run() })
	must(t, "useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", outside)
	t.Cleanup(func() { exec.Command("userdel", outside).Run() })

	g, err := user.LookupGroup(group)
	if err != nil {
		t.Fatal(err)
	}
	gid, _ := strconv.ParseUint(g.Gid, 10, 32)
	// A directory every user may traverse, holding the test binary (the
	// users cannot reach go test's private build directory) and the
	// socket.
	dir := shortDir(t)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "client.test")
	copyFile(t, os.Args[0], bin, 0o755)
	sock := filepath.Join(dir, "p.sock")
	s, err := Listen(Config{Path: sock, ACL: ACL{GID: uint32(gid), Group: true}}, Backend{Nodes: fakeNodes{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	go s.Run(context.Background())
	t.Cleanup(func() { s.Close() })
	fi, err := os.Stat(sock)
	if err != nil {
		t.Fatal(err)
	}
	if st := fi.Sys().(*syscall.Stat_t); fi.Mode().Perm() != 0o660 || st.Gid != uint32(gid) {
		t.Fatalf("socket mode %v gid %d, want 0660 and gid %d", fi.Mode().Perm(), st.Gid, gid)
	}

	runAs := func(name string) string {
		t.Helper()
		u, err := user.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		uid, _ := strconv.ParseUint(u.Uid, 10, 32)
		pgid, _ := strconv.ParseUint(u.Gid, 10, 32)
		gids, err := u.GroupIds()
		if err != nil {
			t.Fatal(err)
		}
		var groups []uint32
		for _, s := range gids {
			v, _ := strconv.ParseUint(s, 10, 32)
			groups = append(groups, uint32(v))
		}
		cmd := exec.Command(bin, "-test.run=^TestACLClientProcess$")
		cmd.Env = append(os.Environ(), clientEnv+"="+sock)
		cmd.Dir = dir
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(pgid), Groups: groups}}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("client as %s: %v\n%s", name, err, out)
		}
		return string(out)
	}

	if out := runAs(inside); !strings.Contains(out, "ok") {
		t.Errorf("member of the group (supplementary): %s, want ok", out)
	}
	out := runAs(outside)
	if !strings.Contains(out, "error: permission denied") {
		t.Errorf("outsider on the 0660 socket: %s, want permission denied", out)
	}
	// With the file open to all, the server's own check refuses.
	if err := os.Chmod(sock, 0o666); err != nil {
		t.Fatal(err)
	}
	out = runAs(outside)
	u, _ := user.Lookup(outside)
	if !strings.Contains(out, "read refused for uid "+u.Uid) || !strings.Contains(out, "only root and group haclient") {
		t.Errorf("outsider past the file mode: %s, want the SO_PEERCRED refusal naming uid %s", out, u.Uid)
	}
	if n := s.Stats()["permission"]; n != 1 {
		t.Errorf("refusals counted = %d, want 1", n)
	}
}

type fakeNodes struct{}

func (fakeNodes) NodeInfo(context.Context) (NodeInfo, error) {
	return NodeInfo{Cluster: "unit", Name: "alpha", ID: 1}, nil
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

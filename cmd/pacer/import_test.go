package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"pacer/crm/cib"
	"pacer/crm/cib/crmsh"
	"pacer/internal/config"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const importData = "testdata/import"

// runImport runs `pacer ARGS...` with the import command as the binary
// would, and returns stdout, stderr and the exit code.
func runImport(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	app := &cli.App{
		Name: "pacer", Flags: []cli.Flag{cibFileFlag()}, Commands: []*cli.Command{importCommand()},
		Writer: &out, ErrWriter: &errb,
		// Keep urfave/cli from calling os.Exit: the code is read from the error.
		ExitErrHandler: func(*cli.Context, error) {},
	}
	err := app.Run(append([]string{"pacer"}, args...))
	var ec cli.ExitCoder
	switch {
	case err == nil:
	case errors.As(err, &ec):
		code = ec.ExitCode()
		fmt.Fprintln(&errb, err)
	default:
		code = 1
		fmt.Fprintln(&errb, err)
	}
	return out.String(), errb.String(), code
}

// fixedRandom makes the "random" key of a crc authkeys known.
type fixedRandom struct{}

func (fixedRandom) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(i)
	}
	return len(p), nil
}

// private copies a testdata file into dir with mode 0600, as authkeys
// must be (git keeps no such mode).
func private(t *testing.T, dir, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(importData, name))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestImportGolden(t *testing.T) {
	randomSource, hostname = fixedRandom{}, func() (string, error) { return "elsewhere", nil }
	t.Cleanup(func() { randomSource, hostname = nil, os.Hostname })
	d := func(name string) string { return filepath.Join(importData, name) }
	tests := []struct {
		name     string
		args     func(tmp string) []string
		wantCode int
	}{
		// The classic Heartbeat v1 NFS pair: drbddisk, Filesystem, IPaddr
		// and the NFS init script, ha.cf with bcast, ucast, serial and
		// auto_failback off, authkeys with sha1.
		{"nfs-pair", func(tmp string) []string {
			return []string{"import", "haresources", d("nfs-pair.haresources"), "--ha-cf", d("nfs-pair.ha.cf"),
				"--authkeys", private(t, tmp, "nfs-pair.authkeys"), "--node", "node1", "-o", filepath.Join(tmp, "out")}
		}, 2},
		// The same files made for the other node, with both addresses and a
		// fence agent: two_node on.
		{"nfs-pair-node2", func(tmp string) []string {
			return []string{"import", "haresources", d("nfs-pair.haresources"), "--ha-cf", d("nfs-pair.ha.cf"),
				"--node", "node2", "--addr", "node1=10.0.0.1", "--addr", "node2=10.0.0.2", "--fence-agent", "fence_ipmilan",
				"-o", filepath.Join(tmp, "out")}
		}, 2},
		// haresources alone, to stdout: auto_failback from the flag.
		{"nfs-pair-alone", func(tmp string) []string {
			return []string{"import", "haresources", "--auto-failback=false", d("nfs-pair.haresources")}
		}, 2},
		// Three nodes, shared ha.cf, ucast placed by --addr, mcast, a
		// serial cable pacer cannot use, crc and a short md5 key.
		{"three-nodes", func(tmp string) []string {
			return []string{"import", "haresources", d("three-nodes.haresources"), "--ha-cf", d("three-nodes.ha.cf"),
				"--node", "web2", "--addr", "web1=10.1.0.1", "--addr", "web2=10.1.0.2", "--addr", "web3=10.1.0.3",
				"--authkeys", private(t, tmp, "crc.authkeys"), "-o", filepath.Join(tmp, "out")}
		}, 2},
		// Clusters from Scratch's DRBD + NFS on Pacemaker 2: all honoured.
		{"cib-drbd-nfs", func(tmp string) []string {
			return []string{"import", "cib", d("drbd-nfs.cib.xml")}
		}, 0},
		{"cib-unsupported", func(tmp string) []string {
			return []string{"import", "cib", d("unsupported.cib.xml")}
		}, 2},
		// crm configure show of the same pair (ms, Master/Slave, ACLs), to XML.
		{"crm-drbd-nfs", func(tmp string) []string {
			return []string{"import", "cib", d("drbd-nfs.crm"), "--format", "xml", "-o", filepath.Join(tmp, "out", "cib.xml")}
		}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir()
			if err := os.MkdirAll(filepath.Join(tmp, "out"), 0o755); err != nil {
				t.Fatal(err)
			}
			stdout, stderr, code := runImport(t, tc.args(tmp)...)
			if code != tc.wantCode {
				t.Errorf("exit code %d, want %d\nstderr:\n%s", code, tc.wantCode, stderr)
			}
			var b strings.Builder
			fmt.Fprintf(&b, "== exit %d\n== stdout\n%s== stderr\n%s", code, stdout, stderr)
			files, _ := os.ReadDir(filepath.Join(tmp, "out"))
			var names []string
			for _, f := range files {
				names = append(names, f.Name())
			}
			sort.Strings(names)
			for _, n := range names {
				p := filepath.Join(tmp, "out", n)
				data, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				fi, _ := os.Stat(p)
				fmt.Fprintf(&b, "== file %s (%04o)\n%s", n, fi.Mode().Perm(), data)
			}
			got := strings.ReplaceAll(b.String(), tmp, "$TMP")
			golden := filepath.Join(importData, tc.name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s (go test -run TestImportGolden -update, then read the diff):\n%s", golden, got)
			}
		})
	}
}

// TestImportOutputsLoad checks that what the import writes is what pacer
// reads: the pacer.toml loads with config.Parse, the authkey with
// config.LoadAuthkey and carries the sha1 secret, and the crm file parses
// and validates.
func TestImportOutputsLoad(t *testing.T) {
	tmp := t.TempDir()
	out := filepath.Join(tmp, "out")
	_, stderr, code := runImport(t, "import", "haresources", filepath.Join(importData, "nfs-pair.haresources"),
		"--ha-cf", filepath.Join(importData, "nfs-pair.ha.cf"), "--authkeys", private(t, tmp, "nfs-pair.authkeys"),
		"--node", "node2", "--addr", "node1=10.0.0.1", "--addr", "node2=10.0.0.2", "--fence-agent", "fence_ipmilan", "-o", out)
	if code != exitImportWarnings {
		t.Fatalf("exit %d, want %d:\n%s", code, exitImportWarnings, stderr)
	}
	cfg, err := config.Load(filepath.Join(out, "pacer.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Node.Name != "node2" || cfg.Node.ID != 2 || len(cfg.Peers) != 1 || cfg.Peers[0].Name != "node1" {
		t.Errorf("nodes: %+v peers %+v", cfg.Node, cfg.Peers)
	}
	if cfg.Deadtime.Duration.String() != "30s" || cfg.Keepalive.Duration.String() != "2s" || !cfg.Quorum.TwoNode {
		t.Errorf("deadtime %v keepalive %v two_node %v", cfg.Deadtime, cfg.Keepalive, cfg.Quorum.TwoNode)
	}
	var kinds []string
	for _, l := range cfg.Links {
		kinds = append(kinds, l.Name+":"+l.Kind)
	}
	if got := strings.Join(kinds, " "); got != "ring0:multicast ring1:udp serial0:serial" {
		t.Errorf("links %s", got)
	}
	if got := cfg.Links[1].PeerAddrs["node1"]; got != "10.0.0.1:694" || cfg.Links[1].Bind != "10.0.0.2:694" {
		t.Errorf("ucast link: bind %s peers %v", cfg.Links[1].Bind, cfg.Links[1].PeerAddrs)
	}
	k, err := config.LoadAuthkey(filepath.Join(out, "authkey"))
	if err != nil {
		t.Fatal(err)
	}
	if k.Primary != 1 || string(k.Keys[1]) != "9f2c1e7a5b4d3c2f1e0a9b8c7d6e5f40" {
		t.Errorf("authkey: primary %d, %d keys", k.Primary, len(k.Keys))
	}
	src, err := os.ReadFile(filepath.Join(out, "cib.crm"))
	if err != nil {
		t.Fatal(err)
	}
	conf, err := crmsh.ParseConfiguration(src, "cib.crm")
	if err != nil {
		t.Fatal(err)
	}
	if err := cib.ValidateConfiguration(conf); err != nil {
		t.Fatal(err)
	}
	if len(conf.Resources) != 2 || len(conf.Constraints) != 3 {
		t.Errorf("%d resources, %d constraints, want 2 and 3", len(conf.Resources), len(conf.Constraints))
	}
}

// TestImportErrors: bad input gets an error naming file and line, exit 1,
// and nothing is written.
func TestImportErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string // written into the temp dir
		mode  map[string]os.FileMode
		args  []string // $D is the temp dir
		want  []string // substrings of stderr
	}{
		{"bad haresources line", map[string]string{"hr": "node1 IPaddr::10.0.0.300/24\n"}, nil,
			[]string{"import", "haresources", "$D/hr", "-o", "$D/out"}, []string{"$D/hr:1:15:", "not an IPv4 address"}},
		{"unknown ha.cf directive", map[string]string{"hr": "node1 nfs\n", "ha.cf": "node node1 node2\nbcast eth0\nkeepalvie 2\n"}, nil,
			[]string{"import", "haresources", "$D/hr", "--ha-cf", "$D/ha.cf", "-o", "$D/out"}, []string{`$D/ha.cf:3: unknown directive "keepalvie"`}},
		{"node not in ha.cf", map[string]string{"hr": "node3 nfs\n", "ha.cf": "node node1 node2\nbcast eth0\n"}, nil,
			[]string{"import", "haresources", "$D/hr", "--ha-cf", "$D/ha.cf", "--node", "node1", "-o", "$D/out"}, []string{"$D/hr:1:1: node node3 is not listed in $D/ha.cf"}},
		{"bad time", map[string]string{"hr": "node1 nfs\n", "ha.cf": "node node1 node2\nbcast eth0\ndeadtime 30s\n"}, nil,
			[]string{"import", "haresources", "$D/hr", "--ha-cf", "$D/ha.cf"}, []string{`$D/ha.cf:3: deadtime: "30s" is not a time`}},
		{"deadtime too short", map[string]string{"hr": "node1 nfs\n", "ha.cf": "node node1 node2\nbcast eth0\nkeepalive 2\ndeadtime 4\n"}, nil,
			[]string{"import", "haresources", "$D/hr", "--ha-cf", "$D/ha.cf"}, []string{"$D/ha.cf:4: deadtime 4s is not more than twice keepalive 2s"}},
		{"mcast bad group", map[string]string{"hr": "node1 nfs\n", "ha.cf": "node node1 node2\nmcast eth1 10.0.0.1 694 1 0\n"}, nil,
			[]string{"import", "haresources", "$D/hr", "--ha-cf", "$D/ha.cf"}, []string{`$D/ha.cf:2: mcast eth1: "10.0.0.1" is not an IPv4 multicast group`}},
		{"ucast ambiguous", map[string]string{"hr": "node1 nfs\n", "ha.cf": "node node1 node2\nucast eth0 10.0.0.1\nucast eth0 10.0.0.2\n"}, nil,
			[]string{"import", "haresources", "$D/hr", "--ha-cf", "$D/ha.cf", "--node", "node1"}, []string{"$D/ha.cf:2: ucast eth0 lists 10.0.0.1, 10.0.0.2", "--addr NODE=IP"}},
		{"no media", map[string]string{"hr": "node1 nfs\n", "ha.cf": "node node1 node2\n"}, nil,
			[]string{"import", "haresources", "$D/hr", "--ha-cf", "$D/ha.cf"}, []string{"$D/ha.cf: no media"}},
		{"authkeys readable", map[string]string{"hr": "node1 nfs\n", "ak": "auth 1\n1 sha1 0123456789abcdef0123\n"}, map[string]os.FileMode{"ak": 0o644},
			[]string{"import", "haresources", "$D/hr", "--authkeys", "$D/ak", "-o", "$D/out"}, []string{"$D/ak: mode 0644 lets group or others read the keys"}},
		{"authkeys bad method", map[string]string{"hr": "node1 nfs\n", "ak": "auth 1\n1 sha256 0123456789abcdef0123\n"}, nil,
			[]string{"import", "haresources", "$D/hr", "--authkeys", "$D/ak", "-o", "$D/out"}, []string{`$D/ak:2: key 1: method "sha256" is not crc, md5 or sha1`}},
		{"authkeys active missing", map[string]string{"hr": "node1 nfs\n", "ak": "auth 3\n1 sha1 0123456789abcdef0123\n"}, nil,
			[]string{"import", "haresources", "$D/hr", "--authkeys", "$D/ak", "-o", "$D/out"}, []string{"$D/ak:1: auth 3: key 3 is not defined"}},
		{"cib bad xml", map[string]string{"cib.xml": "<cib validate-with=\"pacemaker-3.9\">\n<configuration>\n<resources>\n</configuration>\n</cib>\n"}, nil,
			[]string{"import", "cib", "$D/cib.xml", "-o", "$D/out"}, []string{"$D/cib.xml:4:"}},
		{"cib invalid reference", map[string]string{"cib.xml": "<cib validate-with=\"pacemaker-3.9\" epoch=\"1\" num_updates=\"0\" admin_epoch=\"0\"><configuration><crm_config/><nodes/><resources/>\n<constraints><rsc_location id=\"l\" rsc=\"ghost\" node=\"n1\" score=\"10\"/></constraints></configuration><status/></cib>\n"}, nil,
			[]string{"import", "cib", "$D/cib.xml", "-o", "$D/out"}, []string{"$D/cib.xml:2:", "ghost"}},
		{"crm bad statement", map[string]string{"dump.crm": "primitive vip IPaddr2 params ip=10.0.0.1\nprimitive\n"}, nil,
			[]string{"import", "cib", "$D/dump.crm", "-o", "$D/out"}, []string{"$D/dump.crm:2"}},
		{"empty", map[string]string{"dump.crm": "\n\n"}, nil,
			[]string{"import", "cib", "$D/dump.crm", "-o", "$D/out"}, []string{"$D/dump.crm: empty"}},
		{"unknown flag after the file", map[string]string{"dump.crm": "primitive vip IPaddr2 params ip=10.0.0.1\n"}, nil,
			[]string{"import", "cib", "$D/dump.crm", "--bogus", "-o", "$D/out"}, []string{"flag provided but not defined: -bogus"}},
		{"two files", map[string]string{"hr": "node1 nfs\n"}, nil,
			[]string{"import", "haresources", "$D/hr", "$D/hr", "-o", "$D/out"}, []string{"want one HARESOURCES file"}},
		{"bad format", map[string]string{"dump.crm": "primitive vip IPaddr2 params ip=10.0.0.1\n"}, nil,
			[]string{"import", "cib", "$D/dump.crm", "--format", "json", "-o", "$D/out"}, []string{`--format "json"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for n, body := range tc.files {
				mode := os.FileMode(0o600)
				if m, ok := tc.mode[n]; ok {
					mode = m
				}
				if err := os.WriteFile(filepath.Join(dir, n), []byte(body), mode); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(filepath.Join(dir, n), mode); err != nil {
					t.Fatal(err)
				}
			}
			var args []string
			for _, a := range tc.args {
				args = append(args, strings.ReplaceAll(a, "$D", dir))
			}
			stdout, stderr, code := runImport(t, args...)
			if code != exitImportError {
				t.Errorf("exit %d, want %d", code, exitImportError)
			}
			stderr = strings.ReplaceAll(stderr, dir, "$D")
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if stdout != "" {
				t.Errorf("stdout on error: %q", stdout)
			}
			if _, err := os.Stat(filepath.Join(dir, "out")); err == nil {
				t.Errorf("%s/out was written", dir)
			}
		})
	}
}

// TestImportRefusesToOverwrite: an existing output file stops the import
// before anything is written.
func TestImportRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "pacer.toml"), []byte("keep me\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cibPath := filepath.Join(dir, "cib.xml")
	args := []string{"--cib-file", cibPath, "import", "haresources", filepath.Join(importData, "nfs-pair.haresources"),
		"--ha-cf", filepath.Join(importData, "nfs-pair.ha.cf"), "--node", "node1", "-o", out}
	_, stderr, code := runImport(t, args...)
	if code != exitImportError || !strings.Contains(stderr, "pacer.toml exists: pass --force") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if _, err := os.Stat(cibPath); err == nil {
		t.Error("the CIB file was written although the import was refused")
	}
	if _, err := os.Stat(filepath.Join(out, "cib.crm")); err == nil {
		t.Error("cib.crm was written although pacer.toml was refused")
	}
	if b, _ := os.ReadFile(filepath.Join(out, "pacer.toml")); string(b) != "keep me\n" {
		t.Errorf("pacer.toml changed: %q", b)
	}
	if _, _, code := runImport(t, append(args, "--force")...); code != exitImportWarnings {
		t.Fatalf("--force: exit %d", code)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "pacer.toml")); !bytes.Contains(b, []byte(`name = "node1"`)) {
		t.Errorf("--force did not replace pacer.toml: %q", b)
	}
}

// TestImportMergesIntoCIBFile: with --cib-file the resources also land in
// that CIB, as the earlier form of the command did.
func TestImportMergesIntoCIBFile(t *testing.T) {
	cibPath := filepath.Join(t.TempDir(), "cib.xml")
	_, stderr, code := runImport(t, "--cib-file", cibPath, "import", "haresources", filepath.Join(importData, "nfs-pair.haresources"))
	if code != exitImportWarnings {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	stdout, stderr, code := runImport(t, "import", "cib", cibPath)
	if code != 0 {
		t.Fatalf("import cib of the merged file: exit %d:\n%s", code, stderr)
	}
	for _, want := range []string{"group group_1 Filesystem_2 IPaddr_10_0_0_10 nfs-kernel-server_4", "clone ms_drbd_r0 drbd_r0"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("merged CIB lacks %q:\n%s", want, stdout)
		}
	}
}

// TestImportHelpAfterArguments: --help after the file shows the help.
func TestImportHelpAfterArguments(t *testing.T) {
	for _, sub := range []string{"haresources", "cib"} {
		stdout, stderr, code := runImport(t, "import", sub, "nofile", "--help")
		if code != 0 || !strings.Contains(stdout, "pacer import "+sub+" - ") {
			t.Errorf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", sub, code, stdout, stderr)
		}
	}
}

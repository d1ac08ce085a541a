package lab

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// binDir holds pacerd and pacer built for these tests ("" when the lab
// cannot run here).
var binDir string

func TestMain(m *testing.M) {
	RunHelper()
	if dir := os.Getenv("PACER_LAB_BIN"); dir != "" && Available() == "" {
		// Prebuilt binaries (make build's bin/), e.g. to test a release.
		abs, err := filepath.Abs(dir)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		binDir = abs
		os.Exit(m.Run())
	}
	if Available() == "" {
		dir, err := os.MkdirTemp("", "pacer-labtest-bin")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		cmd := exec.Command("go", "build", "-o", dir+"/", "pacer/cmd/pacerd", "pacer/cmd/pacer")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "build binaries:", err)
			os.Exit(1)
		}
		binDir = dir
		code := m.Run()
		os.RemoveAll(dir)
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// requireLab skips the test when the lab cannot run here, and fails it
// under CI=true, where a missing dependency is a failure.
func requireLab(t *testing.T) {
	t.Helper()
	if why := Available(); why != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and %s", why)
		}
		t.Skip(why)
	}
}

func newLab(t *testing.T, spec Spec) *Lab {
	t.Helper()
	spec.Logf = t.Logf
	l, err := New(spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("close lab: %v", err)
		}
	})
	return l
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// reach sends to addr:port from the client and reports which host answered
// (within 1 s), "" for none.
func reach(t *testing.T, l *Lab, addr string) string {
	t.Helper()
	p, err := l.StartProber(addr, 7777, 10*time.Millisecond, 3*time.Second)
	must(t, err)
	start := time.Now()
	for time.Since(start) < time.Second {
		if rs := p.Replies(); len(rs) > 0 {
			p.Stop()
			return rs[len(rs)-1].From
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.Stop()
	return ""
}

func hostReach(t *testing.T, from *Host, addr string) bool {
	t.Helper()
	_, err := from.Run(5*time.Second, "ping", "-c", "1", "-W", "1", addr)
	return err == nil
}

// The lab's plumbing and its checkers, each against the kernel: addresses
// and links, the private mount namespaces and /run, the shared disk, the
// exclusive-address and exclusive-mount watchers catching a real double,
// power off and on through fence_pacer_lab, and a clean removal.
func TestLabPlumbingAndCheckers(t *testing.T) {
	requireLab(t)
	l := newLab(t, Spec{Name: "lchk", Hosts: []string{"a", "b"}, Client: true, DiskMB: 32})
	a, b := l.Host("a"), l.Host("b")
	if a == nil || b == nil {
		t.Fatal("hosts missing")
	}
	nss, err := ListNS()
	must(t, err)
	for _, want := range []string{"pacer-lchk-a", "pacer-lchk-b", "pacer-lchk-switch", "pacer-lchk-client"} {
		if !slices.Contains(nss, want) {
			t.Errorf("namespace %s missing: %v", want, nss)
		}
	}
	// No default route anywhere: nothing leaves the lab.
	for _, ns := range []string{a.NS, b.NS, l.Client, l.Switch} {
		out, err := exec.Command("ip", "-n", ns, "route", "show", "default").Output()
		must(t, err)
		if strings.TrimSpace(string(out)) != "" {
			t.Errorf("%s has a default route: %s", ns, out)
		}
	}

	// Inside a host, /run/netns shows the lab's namespaces and only
	// those, and the fence agent works from there.
	out, err := a.Run(5*time.Second, "ls", "/run/netns")
	must(t, err)
	names := strings.Fields(string(out))
	if !slices.Contains(names, b.NS) {
		t.Errorf("a's /run/netns lacks %s: %v", b.NS, names)
	}
	for _, n := range names {
		if !strings.HasPrefix(n, "pacer-lchk-") {
			t.Errorf("a's /run/netns shows %s, not of this lab", n)
		}
	}
	if _, err := a.Run(10*time.Second, "sh", "-c", "printf 'action=status\nplug=%s\n' "+b.NS+" | "+l.FenceAgent); err != nil {
		t.Errorf("fence status of b from inside a: %v", err)
	}

	// Both rings carry traffic; a cut ring does not, the other still does.
	_, pingErr := exec.LookPath("ping")
	if pingErr == nil {
		for r := 0; r < 2; r++ {
			if !hostReach(t, a, b.Addr(r)) {
				t.Fatalf("a cannot reach b on ring%d", r)
			}
		}
		must(t, l.CutLink("b", 0))
		if hostReach(t, a, b.Addr(0)) {
			t.Error("a reaches b on ring0 with b's ring0 cable cut")
		}
		if !hostReach(t, a, b.Addr(1)) {
			t.Error("a cannot reach b on ring1 with only ring0 cut")
		}
		must(t, l.RestoreLink("b", 0))
		deadline := time.Now().Add(5 * time.Second)
		for !hostReach(t, a, b.Addr(0)) {
			if time.Now().After(deadline) {
				t.Fatal("ring0 to b not back after restore")
			}
		}
	} else {
		t.Logf("ping not installed: ring reachability checked through the client only")
	}

	// The client reaches a host's responder, and a service address follows
	// whoever holds it.
	must(t, a.StartResponder(7777))
	must(t, b.StartResponder(7777))
	time.Sleep(100 * time.Millisecond)
	if got := reach(t, l, a.Addr(0)); got != "a" {
		t.Fatalf("client to a's ring0 address answered by %q", got)
	}
	vip := Net + ".0.100"
	w := Watch(10*time.Millisecond, l.ExclusiveAddr(vip), l.ExclusiveMount())
	_, err = a.Run(5*time.Second, "ip", "addr", "add", vip+"/24", "dev", "ring0")
	must(t, err)
	holders, err := l.AddrHolders(vip)
	must(t, err)
	if !slices.Equal(holders, []string{"a"}) {
		t.Fatalf("VIP holders %v, want [a]", holders)
	}
	if got := reach(t, l, vip); got != "a" {
		t.Fatalf("VIP answered by %q, want a", got)
	}
	// The shared disk, mounted on a only: b and the root namespace see
	// nothing; a private /run.
	_, err = a.Run(10*time.Second, "mount", l.Disk, l.MountDir)
	must(t, err)
	_, err = a.Run(5*time.Second, "sh", "-c", "echo a > "+l.MountDir+"/owner && echo a > /run/pacer-lab-mark")
	must(t, err)
	mh, err := l.MountHolders(l.Disk)
	must(t, err)
	if !slices.Equal(mh, []string{"a"}) {
		t.Fatalf("mount holders %v, want [a]", mh)
	}
	if _, err := os.Stat(filepath.Join(l.MountDir, "owner")); err == nil {
		t.Error("the root namespace sees a's mount")
	}
	if _, err := b.Run(5*time.Second, "test", "-e", l.MountDir+"/owner"); err == nil {
		t.Error("b sees a's mount")
	}
	if _, err := b.Run(5*time.Second, "test", "-e", "/run/pacer-lab-mark"); err == nil {
		t.Error("b sees a's /run")
	}
	if _, err := os.Stat("/run/pacer-lab-mark"); err == nil {
		t.Error("the root namespace sees a's /run")
	}
	if v, _, _ := w.Stop(); len(v) != 0 {
		t.Fatalf("violations while exclusive: %v", v)
	}

	// Now both at once: the watcher must see each double.
	w = Watch(10*time.Millisecond, l.ExclusiveAddr(vip), l.ExclusiveMount())
	_, err = b.Run(5*time.Second, "ip", "addr", "add", vip+"/24", "dev", "ring0")
	must(t, err)
	_, err = b.Run(10*time.Second, "mount", l.Disk, l.MountDir)
	must(t, err)
	time.Sleep(50 * time.Millisecond)
	viol, samples, errs := w.Stop()
	if len(errs) > 0 {
		t.Fatalf("watch errors: %v", errs)
	}
	var sawAddr, sawMount bool
	for _, v := range viol {
		sawAddr = sawAddr || (strings.HasPrefix(v.What, "address") && slices.Equal(v.Hosts, []string{"a", "b"}))
		sawMount = sawMount || (strings.HasPrefix(v.What, "mount") && slices.Equal(v.Hosts, []string{"a", "b"}))
	}
	if !sawAddr || !sawMount {
		t.Fatalf("watcher missed a double (address %v, mount %v) in %d samples: %v", sawAddr, sawMount, samples, viol)
	}
	_, err = b.Run(10*time.Second, "umount", l.MountDir)
	must(t, err)
	_, err = b.Run(5*time.Second, "ip", "addr", "del", vip+"/24", "dev", "ring0")
	must(t, err)

	// Power b off through the fence agent: its processes die (pacerd would
	// too), its links go down, its mount namespace goes; status says off.
	_, err = b.Run(10*time.Second, "mount", l.Disk, l.MountDir)
	must(t, err)
	_, err = b.Run(5*time.Second, "ip", "addr", "add", vip+"/24", "dev", "ring0")
	must(t, err)
	must(t, b.PowerOff())
	if rc, out, err := b.Fence("status"); err != nil || rc != 2 {
		t.Fatalf("status after off: rc %d, %v: %s", rc, err, out)
	}
	ps, err := b.Processes()
	must(t, err)
	if len(ps) != 0 {
		t.Fatalf("processes left on b after power off: %v", ps)
	}
	if b.HolderPid() != 0 {
		t.Fatal("b's holder survived power off")
	}
	if h, _ := l.AddrHolders(vip); !slices.Equal(h, []string{"a"}) {
		t.Errorf("VIP holders with b off: %v, want [a]", h)
	}
	if h, _ := l.MountHolders(l.Disk); !slices.Equal(h, []string{"a"}) {
		t.Errorf("mount holders with b off: %v, want [a]", h)
	}
	if ps, _ := a.Processes(); len(ps) == 0 {
		t.Error("powering b off killed a's processes")
	}
	must(t, b.PowerOn())
	if rc, out, err := b.Fence("status"); err != nil || rc != 0 {
		t.Fatalf("status after on: rc %d, %v: %s", rc, err, out)
	}
	if b.HolderPid() == 0 {
		t.Fatal("no holder after power on")
	}
	if h, _ := l.MountHolders(l.Disk); !slices.Equal(h, []string{"a"}) {
		t.Errorf("mount holders after b's reboot: %v, want [a] (a reboot unmounts)", h)
	}
	if h, _ := l.AddrHolders(vip); !slices.Equal(h, []string{"a"}) {
		t.Errorf("VIP holders after b's reboot: %v, want [a] (a boot forgets the VIP b held)", h)
	}
	must(t, b.StartResponder(7777))
	time.Sleep(100 * time.Millisecond)
	if got := reach(t, l, b.Addr(0)); got != "b" {
		t.Fatalf("b not reachable after power on (answered by %q)", got)
	}
	_, err = a.Run(10*time.Second, "umount", l.MountDir)
	must(t, err)

	// Close removes everything: namespaces, loop device, work directory.
	disk, img, dir := l.Disk, l.DiskImage, l.Dir
	must(t, l.Close())
	nss, err = ListNS()
	must(t, err)
	for _, ns := range nss {
		if strings.HasPrefix(ns, "pacer-lchk-") {
			t.Errorf("namespace %s left after Close", ns)
		}
	}
	if loops, _ := loopsBackedBy(img); len(loops) != 0 {
		t.Errorf("loop devices left after Close: %v (was %s)", loops, disk)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("work directory %s left after Close", dir)
	}
}

// A crashed run leaves namespaces, processes, a loop device and the work
// directory behind: the next New of the same name sweeps them, and leaves
// alone a namespace of another lab whose name starts the same way. A lab
// in use by a live process is refused.
func TestSweepStaleLab(t *testing.T) {
	requireLab(t)
	l, err := New(Spec{Name: "lswp", Hosts: []string{"h1"}, DiskMB: 16, Logf: t.Logf})
	must(t, err)
	if _, err := New(Spec{Name: "lswp", Hosts: []string{"h1"}}); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second New of a live lab: %v, want in use", err)
	}
	other := "pacer-lswpx-h1" // another lab's namespace; must survive
	must(t, ip("netns", "add", other))
	defer func() { _ = ip("netns", "del", other) }()
	oldHolder := l.Hosts[0].HolderPid()
	oldImg := l.DiskImage
	// Crash: the lock goes with the process, nothing is cleaned.
	l.unlock()

	l2 := newLab(t, Spec{Name: "lswp", Hosts: []string{"h1"}, DiskMB: 16})
	if err := exec.Command("kill", "-0", fmt.Sprint(oldHolder)).Run(); err == nil {
		if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", oldHolder)); !strings.Contains(string(b), ") Z") {
			t.Errorf("old holder %d still running", oldHolder)
		}
	}
	loops, err := loopsBackedBy(oldImg)
	must(t, err)
	if len(loops) != 1 || loops[0] != l2.Disk {
		t.Errorf("loop devices on the image: %v, want only the new %s", loops, l2.Disk)
	}
	nss, err := ListNS()
	must(t, err)
	if !slices.Contains(nss, other) {
		t.Errorf("sweep removed %s, which another lab owns", other)
	}
}

func TestSpecChecks(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
		want string
	}{
		{"bad lab name", Spec{Name: "Lab!", Hosts: []string{"a"}}, "lab name"},
		{"long lab name", Spec{Name: "abcdefghijk", Hosts: []string{"a"}}, "lab name"},
		{"no hosts", Spec{Name: "x"}, "0 hosts"},
		{"host name too long", Spec{Name: "x", Hosts: []string{"abcdefghij"}}, "host name"},
		{"reserved host", Spec{Name: "x", Hosts: []string{"switch"}}, "host name"},
		{"duplicate host", Spec{Name: "x", Hosts: []string{"a", "a"}}, "twice"},
		{"rings", Spec{Name: "x", Hosts: []string{"a"}, Rings: 9}, "rings"},
		{"tiny disk", Spec{Name: "x", Hosts: []string{"a"}, DiskMB: 1}, "disk"},
		{"serial to nowhere", Spec{Name: "x", Hosts: []string{"a"}, Serial: [][2]string{{"a", "b"}}}, "serial"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.spec.check()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("check() = %v, want an error with %q", err, tc.want)
			}
		})
	}
	ok := Spec{Name: "x1", Hosts: []string{"n1", "n2"}, Serial: [][2]string{{"n1", "n2"}}}
	if err := ok.check(); err != nil || ok.Rings != 2 {
		t.Fatalf("valid spec: %v, rings %d", err, ok.Rings)
	}
}

func TestMountinfoHas(t *testing.T) {
	info := "36 35 98:0 /mnt1 /mnt1 rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n" +
		"40 22 7:3 / /srv rw,relatime - ext4 /dev/loop3 rw\n"
	for _, tc := range []struct {
		majmin string
		want   bool
	}{{"7:3", true}, {"98:0", true}, {"7:30", false}, {"/dev/loop3", false}} {
		if got := mountinfoHas(info, tc.majmin); got != tc.want {
			t.Errorf("mountinfoHas(%q) = %v, want %v", tc.majmin, got, tc.want)
		}
	}
}

func TestTakeover(t *testing.T) {
	fault := time.Unix(1000, 0)
	ms := func(d int) time.Time { return fault.Add(time.Duration(d) * time.Millisecond) }
	rs := []Reply{
		{Recv: ms(-20), Sent: ms(-21), Seq: 1, From: "n1"},
		{Recv: ms(-10), Sent: ms(-11), Seq: 2, From: "n1"},
		{Recv: ms(5), Sent: ms(-1), Seq: 3, From: "n1"}, // in flight at the fault
		{Recv: ms(700), Sent: ms(690), Seq: 70, From: "n2"},
		{Recv: ms(710), Sent: ms(700), Seq: 71, From: "n2"},
	}
	tk, gap, by, ok := Takeover(rs, fault, "n1")
	if !ok || by != "n2" || tk != 700*time.Millisecond || gap != 695*time.Millisecond {
		t.Fatalf("Takeover = %v %v %s %v", tk, gap, by, ok)
	}
	if _, _, _, ok := Takeover(rs[:3], fault, "n1"); ok {
		t.Fatal("takeover without an answer from another host")
	}
}

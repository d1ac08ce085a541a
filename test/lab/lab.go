package lab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"pacer/heartbeat/serial"
)

// Net is the first two octets of every lab address: ring K of host i is
// Net.K.(10+i)/24, the client is Net.0.5.
const Net = "10.70"

// ClientOctet and HostOctetBase place the client and the hosts on a ring.
const (
	ClientOctet   = 5
	HostOctetBase = 10
	MaxRings      = 4
)

var (
	labNameRE  = regexp.MustCompile(`^[a-z][a-z0-9]{0,9}$`)
	hostNameRE = regexp.MustCompile(`^[a-z][a-z0-9]{0,8}$`)
)

// Spec describes a lab to build.
type Spec struct {
	// Name is the lab's name, [a-z][a-z0-9]{0,9}: every namespace is
	// pacer-Name-*.
	Name string
	// Hosts are the host names, [a-z][a-z0-9]{0,8} (a switch port is
	// named host-rK and must fit in 15 bytes). "switch" and "client" are
	// taken.
	Hosts []string
	// Rings is the number of links per host, each on its own bridge;
	// 0 means 2.
	Rings int
	// Client adds a client namespace on ring0.
	Client bool
	// DiskMB, when positive, adds a shared disk of that size: ext4 on a
	// loop device every host sees.
	DiskMB int
	// Serial joins pairs of hosts with a null-modem cable made of two pty
	// pairs bridged by this process.
	Serial [][2]string
	// Dir is where the work directory pacer-Name-lab is made; "" means
	// os.TempDir().
	Dir string
	// FenceAgent is the path of fence_pacer_lab; "" finds it in the
	// module's source tree (FindFenceAgent).
	FenceAgent string
	// Logf, when set, receives one line per step (a testing.T's Logf).
	Logf func(format string, args ...any)
}

// Lab is a built lab. Close removes it.
type Lab struct {
	Name string
	// Dir is the work directory: per-host directories, the disk image,
	// the mount point, configurations and logs.
	Dir string
	// Switch is the namespace holding the bridges ring0..ringN-1.
	Switch string
	// Client is the client namespace, "" without one.
	Client string
	Rings  int
	Hosts  []*Host
	// Disk is the shared disk's loop device ("" without one), DiskImage
	// the file behind it, MountDir a directory every host may mount it on.
	Disk, DiskImage, MountDir string
	Cables                    []*Cable
	// FenceAgent is the fence agent PowerOff and PowerOn run.
	FenceAgent string

	parent string
	logf   func(format string, args ...any)
	lock   *os.File
	closed bool
	mu     sync.Mutex
}

// Cable is a serial null-modem cable between two hosts: DevA is the tty
// host A opens, DevB host B's.
type Cable struct {
	A, B       string
	DevA, DevB string
	c          *serial.Cable
}

// Cut pulls the cable out; Restore plugs it back in.
func (c *Cable) Cut()     { c.c.Cut() }
func (c *Cable) Restore() { c.c.Restore() }

// Carried is how many bytes crossed the cable so far.
func (c *Cable) Carried() uint64 { return c.c.Carried() }

// Prefix is the name prefix of everything lab name owns.
func Prefix(name string) string { return "pacer-" + name + "-" }

// NS is the network namespace name of a host (or "switch", "client") of lab name.
func NS(name, host string) string { return Prefix(name) + host }

// Addr is the address of host number index (1-based) on ring.
func Addr(index, ring int) string { return fmt.Sprintf("%s.%d.%d", Net, ring, HostOctetBase+index) }

// ClientAddr is the client's address (on ring0).
func ClientAddr() string { return fmt.Sprintf("%s.0.%d", Net, ClientOctet) }

func (s *Spec) check() error {
	if !labNameRE.MatchString(s.Name) {
		return fmt.Errorf("lab name %q: want [a-z][a-z0-9]{0,9}", s.Name)
	}
	if len(s.Hosts) == 0 || len(s.Hosts) > 200 {
		return fmt.Errorf("lab %s: %d hosts, want 1..200", s.Name, len(s.Hosts))
	}
	seen := map[string]bool{}
	for _, h := range s.Hosts {
		if !hostNameRE.MatchString(h) || h == "switch" || h == "client" || h == "lab" {
			return fmt.Errorf("lab %s: host name %q: want [a-z][a-z0-9]{0,8}, not switch, client or lab", s.Name, h)
		}
		if seen[h] {
			return fmt.Errorf("lab %s: host %q twice", s.Name, h)
		}
		seen[h] = true
	}
	if s.Rings == 0 {
		s.Rings = 2
	}
	if s.Rings < 1 || s.Rings > MaxRings {
		return fmt.Errorf("lab %s: %d rings, want 1..%d", s.Name, s.Rings, MaxRings)
	}
	if s.DiskMB < 0 || (s.DiskMB > 0 && s.DiskMB < 8) {
		return fmt.Errorf("lab %s: disk of %d MB, want 0 (none) or at least 8", s.Name, s.DiskMB)
	}
	for _, p := range s.Serial {
		if !seen[p[0]] || !seen[p[1]] || p[0] == p[1] {
			return fmt.Errorf("lab %s: serial cable %s-%s: both ends must be distinct hosts of the lab", s.Name, p[0], p[1])
		}
	}
	return nil
}

// Available reports why this process cannot build a lab ("" when it can):
// it needs root and the tools ip, nsenter, unshare, losetup, mkfs.ext4.
func Available() string {
	if os.Geteuid() != 0 {
		return "the lab needs root (network and mount namespaces, loop devices)"
	}
	for _, tool := range []string{"ip", "nsenter", "unshare", "losetup", "mkfs.ext4", "mount", "sleep"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Sprintf("the lab needs %s in PATH (iproute2, util-linux, e2fsprogs, coreutils)", tool)
		}
	}
	if _, err := os.Stat("/proc/self/ns/net"); err != nil {
		return "no network namespaces in this kernel: " + err.Error()
	}
	return ""
}

// New builds the lab described by spec. It first takes the lab's lock
// (another live process using the same name is an error) and sweeps what a
// crashed earlier run of the same name left behind. On error everything
// built so far is removed.
func New(spec Spec) (*Lab, error) {
	if err := spec.check(); err != nil {
		return nil, err
	}
	if why := Available(); why != "" {
		return nil, errors.New(why)
	}
	parent := spec.Dir
	if parent == "" {
		parent = os.TempDir()
	}
	l := &Lab{Name: spec.Name, Rings: spec.Rings, parent: parent, logf: spec.Logf,
		Switch: NS(spec.Name, "switch"), Dir: filepath.Join(parent, Prefix(spec.Name)+"lab")}
	if l.logf == nil {
		l.logf = func(string, ...any) {}
	}
	l.FenceAgent = spec.FenceAgent
	if l.FenceAgent == "" {
		p, err := FindFenceAgent()
		if err != nil {
			return nil, fmt.Errorf("lab %s: %w", spec.Name, err)
		}
		l.FenceAgent = p
	}
	lock, err := takeLock(parent, spec.Name)
	if err != nil {
		return nil, err
	}
	l.lock = lock
	if err := Sweep(spec.Name, parent); err != nil {
		l.unlock()
		return nil, fmt.Errorf("lab %s: sweep a previous run: %w", spec.Name, err)
	}
	if err := l.build(spec); err != nil {
		cerr := l.Close()
		return nil, errors.Join(fmt.Errorf("lab %s: %w", spec.Name, err), cerr)
	}
	return l, nil
}

func takeLock(parent, name string) (*os.File, error) {
	path := filepath.Join(parent, Prefix(name)+"lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lab %s: lock: %w", name, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("lab %s is in use by another process (lock %s held): %w", name, path, err)
	}
	return f, nil
}

func (l *Lab) unlock() {
	if l.lock != nil {
		_ = syscall.Flock(int(l.lock.Fd()), syscall.LOCK_UN)
		l.lock.Close()
		l.lock = nil
	}
}

func (l *Lab) build(spec Spec) error {
	if err := os.MkdirAll(l.Dir, 0o755); err != nil {
		return err
	}
	// Namespaces first, all of them: a host's private mount namespace sees
	// the /run/netns entries that exist when its holder starts.
	if err := addNS(l.Switch); err != nil {
		return err
	}
	for r := 0; r < l.Rings; r++ {
		br := fmt.Sprintf("ring%d", r)
		if err := ipn(l.Switch, "link", "add", br, "type", "bridge", "stp_state", "0", "forward_delay", "0", "mcast_snooping", "0"); err != nil {
			return err
		}
		if err := ipn(l.Switch, "link", "set", br, "up"); err != nil {
			return err
		}
	}
	for i, name := range spec.Hosts {
		h := &Host{lab: l, Name: name, Index: i + 1, NS: NS(l.Name, name), Dir: filepath.Join(l.Dir, name)}
		if err := os.MkdirAll(filepath.Join(h.Dir, "netns"), 0o755); err != nil {
			return err
		}
		if err := addNS(h.NS); err != nil {
			return err
		}
		l.Hosts = append(l.Hosts, h)
		for r := 0; r < l.Rings; r++ {
			if err := l.plug(h.NS, name, r, Addr(h.Index, r)); err != nil {
				return err
			}
		}
	}
	if spec.Client {
		l.Client = NS(l.Name, "client")
		if err := addNS(l.Client); err != nil {
			return err
		}
		if err := l.plug(l.Client, "client", 0, ClientAddr()); err != nil {
			return err
		}
	}
	if spec.DiskMB > 0 {
		if err := l.makeDisk(spec.DiskMB); err != nil {
			return err
		}
	}
	for _, p := range spec.Serial {
		c, a, b, err := serial.OpenCable()
		if err != nil {
			return fmt.Errorf("serial cable %s-%s: %w", p[0], p[1], err)
		}
		l.Cables = append(l.Cables, &Cable{A: p[0], B: p[1], DevA: a, DevB: b, c: c})
	}
	for _, h := range l.Hosts {
		if err := h.startHolder(); err != nil {
			return err
		}
	}
	l.logf("lab %s: %d hosts x %d rings%s%s in %s", l.Name, len(l.Hosts), l.Rings,
		map[bool]string{true: ", client"}[spec.Client], map[bool]string{true: ", disk " + l.Disk}[l.Disk != ""], l.Dir)
	return nil
}

// plug connects namespace ns to ring r's bridge with a veth named ringR
// inside ns (address addr/24) and port-rR on the switch.
func (l *Lab) plug(ns, port string, r int, addr string) error {
	sw := fmt.Sprintf("%s-r%d", port, r)
	in := fmt.Sprintf("ring%d", r)
	steps := [][]string{
		{"-n", l.Switch, "link", "add", sw, "type", "veth", "peer", "name", in, "netns", ns},
		{"-n", l.Switch, "link", "set", sw, "master", in, "up"},
		{"-n", ns, "addr", "add", addr + "/24", "dev", in},
		{"-n", ns, "link", "set", in, "up"},
	}
	for _, s := range steps {
		if err := ip(s...); err != nil {
			return err
		}
	}
	return nil
}

func (l *Lab) makeDisk(mb int) error {
	l.DiskImage = filepath.Join(l.Dir, Prefix(l.Name)+"disk.img")
	f, err := os.Create(l.DiskImage)
	if err != nil {
		return err
	}
	if err := f.Truncate(int64(mb) << 20); err != nil {
		f.Close()
		return err
	}
	f.Close()
	if out, err := exec.Command("mkfs.ext4", "-q", "-F", "-L", "pacerlab", l.DiskImage).CombinedOutput(); err != nil {
		return fmt.Errorf("mkfs.ext4 %s: %w: %s", l.DiskImage, err, bytes.TrimSpace(out))
	}
	out, err := exec.Command("losetup", "--find", "--show", l.DiskImage).CombinedOutput()
	if err != nil {
		return fmt.Errorf("losetup %s: %w: %s", l.DiskImage, err, bytes.TrimSpace(out))
	}
	l.Disk = strings.TrimSpace(string(out))
	l.MountDir = filepath.Join(l.Dir, "mnt")
	return os.MkdirAll(l.MountDir, 0o755)
}

// Host returns the host named name, or nil.
func (l *Lab) Host(name string) *Host {
	for _, h := range l.Hosts {
		if h.Name == name {
			return h
		}
	}
	return nil
}

// port is the switch port of host on ring r.
func (l *Lab) port(host string, r int) string { return fmt.Sprintf("%s-r%d", host, r) }

// CutLink pulls host's cable on ring r at the switch: the host sees its
// link lose carrier, as when a cable is pulled; nothing else changes.
func (l *Lab) CutLink(host string, r int) error {
	if l.Host(host) == nil || r < 0 || r >= l.Rings {
		return fmt.Errorf("lab %s: no link ring%d on host %q", l.Name, r, host)
	}
	return ipn(l.Switch, "link", "set", l.port(host, r), "down")
}

// RestoreLink plugs host's cable on ring r back in.
func (l *Lab) RestoreLink(host string, r int) error {
	if l.Host(host) == nil || r < 0 || r >= l.Rings {
		return fmt.Errorf("lab %s: no link ring%d on host %q", l.Name, r, host)
	}
	return ipn(l.Switch, "link", "set", l.port(host, r), "up")
}

// CutAll pulls every cable of host: each ring and each serial cable.
func (l *Lab) CutAll(host string) error {
	for r := 0; r < l.Rings; r++ {
		if err := l.CutLink(host, r); err != nil {
			return err
		}
	}
	for _, c := range l.Cables {
		if c.A == host || c.B == host {
			c.Cut()
		}
	}
	return nil
}

// RestoreAll plugs every cable of host back in.
func (l *Lab) RestoreAll(host string) error {
	for r := 0; r < l.Rings; r++ {
		if err := l.RestoreLink(host, r); err != nil {
			return err
		}
	}
	for _, c := range l.Cables {
		if c.A == host || c.B == host {
			c.Restore()
		}
	}
	return nil
}

// Close stops every process of the lab, removes its namespaces, the loop
// device and the work directory, and releases the lock. It is idempotent.
func (l *Lab) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	for _, c := range l.Cables {
		c.c.Close()
	}
	for _, h := range l.Hosts {
		h.stopProcesses()
	}
	err := Sweep(l.Name, l.parent)
	l.unlock()
	_ = os.Remove(filepath.Join(l.parent, Prefix(l.Name)+"lock"))
	if err == nil {
		l.logf("lab %s: removed", l.Name)
	}
	return err
}

// Sweep removes everything lab name owns under parent ("" = os.TempDir()):
// the processes in its namespaces (SIGKILL, by pid), the namespaces
// pacer-name-*, loop devices backed by its disk image, and its work
// directory. It touches nothing else. New runs it before building, under
// the lab's lock; run it by hand only for a lab no live process uses.
func Sweep(name, parent string) error {
	if !labNameRE.MatchString(name) {
		return fmt.Errorf("sweep: lab name %q: want [a-z][a-z0-9]{0,9}", name)
	}
	if parent == "" {
		parent = os.TempDir()
	}
	var errs []error
	nss, err := ListNS()
	if err != nil {
		return err
	}
	var mine []string
	for _, ns := range nss {
		if strings.HasPrefix(ns, Prefix(name)) {
			mine = append(mine, ns)
		}
	}
	for _, ns := range mine {
		if err := killNS(ns); err != nil {
			errs = append(errs, err)
		}
	}
	for _, ns := range mine {
		if err := ip("netns", "del", ns); err != nil {
			errs = append(errs, err)
		}
	}
	dir := filepath.Join(parent, Prefix(name)+"lab")
	img := filepath.Join(dir, Prefix(name)+"disk.img")
	loops, err := loopsBackedBy(img)
	if err != nil {
		errs = append(errs, err)
	}
	for _, dev := range loops {
		// A host's mounts went with its mount namespace; a device still
		// busy is detached when its last user lets go (autoclear).
		if out, err := exec.Command("losetup", "-d", dev).CombinedOutput(); err != nil {
			errs = append(errs, fmt.Errorf("losetup -d %s: %w: %s", dev, err, bytes.TrimSpace(out)))
		}
	}
	if err := removeDir(dir); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// removeDir removes the work directory; a mount left inside (a holder's
// /run/netns bind, which lives in the holder's namespace, never here) is
// unmounted first, lazily, and only below dir.
func removeDir(dir string) error {
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if b, err := os.ReadFile("/proc/self/mounts"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) > 1 && strings.HasPrefix(f[1], dir+"/") {
				_ = syscall.Unmount(f[1], syscall.MNT_DETACH)
			}
		}
	}
	return os.RemoveAll(dir)
}

// loopsBackedBy lists the loop devices whose backing file is img.
func loopsBackedBy(img string) ([]string, error) {
	out, err := exec.Command("losetup", "--list", "--noheadings", "--output", "NAME,BACK-FILE").Output()
	if err != nil {
		return nil, fmt.Errorf("losetup --list: %w", err)
	}
	var devs []string
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		back := strings.TrimSuffix(strings.Join(f[1:], " "), " (deleted)")
		if back == img {
			devs = append(devs, f[0])
		}
	}
	return devs, nil
}

// ListNS lists the named network namespaces (ip netns list).
func ListNS() ([]string, error) {
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		return nil, fmt.Errorf("ip netns list: %w", err)
	}
	var nss []string
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			nss = append(nss, f[0])
		}
	}
	return nss, nil
}

// NSPids lists the processes whose network namespace is ns.
func NSPids(ns string) ([]int, error) {
	out, err := exec.Command("ip", "netns", "pids", ns).Output()
	if err != nil {
		return nil, fmt.Errorf("ip netns pids %s: %w", ns, err)
	}
	var pids []int
	for _, f := range strings.Fields(string(out)) {
		var p int
		if _, err := fmt.Sscan(f, &p); err == nil && p > 0 {
			pids = append(pids, p)
		}
	}
	return pids, nil
}

// killNS SIGKILLs every process in ns, by pid, until none is left.
func killNS(ns string) error {
	for i := 0; i < 50; i++ {
		pids, err := NSPids(ns)
		if err != nil {
			return err
		}
		if len(pids) == 0 {
			return nil
		}
		for _, p := range pids {
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
		time.Sleep(20 * time.Millisecond)
	}
	pids, _ := NSPids(ns)
	return fmt.Errorf("processes %v still in %s after SIGKILL", pids, ns)
}

func addNS(ns string) error {
	if err := ip("netns", "add", ns); err != nil {
		return err
	}
	// No IPv6 chatter (router solicitations, DAD), lo up.
	if out, err := exec.Command("ip", "netns", "exec", ns, "sysctl", "-qw",
		"net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1").CombinedOutput(); err != nil {
		return fmt.Errorf("sysctl in %s: %w: %s", ns, err, bytes.TrimSpace(out))
	}
	return ipn(ns, "link", "set", "lo", "up")
}

func ip(args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

func ipn(ns string, args ...string) error { return ip(append([]string{"-n", ns}, args...)...) }

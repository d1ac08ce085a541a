package lab

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// AddrHolders lists the hosts (in lab order) where addr is configured on an
// interface that is up. An address left on a link that is down (a host
// powered off keeps its configuration) serves nobody and is not counted.
func (l *Lab) AddrHolders(addr string) ([]string, error) {
	var out []string
	for _, h := range l.Hosts {
		pid := h.HolderPid()
		ok, err := nsHasAddr(h.NS, addr)
		if err != nil {
			// ip -n runs inside the namespace: a power-off (or the
			// fencing of a host already off) kills it too. A host that
			// is off serves nothing.
			if pid == 0 || h.goneWhileRead(pid) {
				continue
			}
			return nil, err
		}
		if ok {
			out = append(out, h.Name)
		}
	}
	return out, nil
}

type ipAddrJSON struct {
	IfName   string   `json:"ifname"`
	Flags    []string `json:"flags"`
	AddrInfo []struct {
		Local string `json:"local"`
	} `json:"addr_info"`
}

func nsHasAddr(ns, addr string) (bool, error) {
	out, err := exec.Command("ip", "-n", ns, "-j", "addr", "show").Output()
	if err != nil {
		return false, fmt.Errorf("ip -n %s addr: %w", ns, err)
	}
	var ifs []ipAddrJSON
	if err := json.Unmarshal(out, &ifs); err != nil {
		return false, fmt.Errorf("ip -n %s -j addr: %w", ns, err)
	}
	for _, i := range ifs {
		if !slices.Contains(i.Flags, "UP") {
			continue
		}
		for _, a := range i.AddrInfo {
			if a.Local == addr {
				return true, nil
			}
		}
	}
	return false, nil
}

// MountHolders lists the hosts whose mount namespace has the block device
// dev (a path, as l.Disk) mounted anywhere, from /proc/HOLDER/mountinfo
// (matched by device number, so any name the mount was made with counts).
// A host that is off has no mount namespace and holds nothing.
func (l *Lab) MountHolders(dev string) ([]string, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(dev, &st); err != nil {
		return nil, fmt.Errorf("stat %s: %w", dev, err)
	}
	want := fmt.Sprintf("%d:%d", unixMajor(st.Rdev), unixMinor(st.Rdev))
	var out []string
	for _, h := range l.Hosts {
		pid := h.HolderPid()
		if pid == 0 {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", pid))
		if err != nil {
			if h.goneWhileRead(pid) {
				continue // powered off meanwhile
			}
			return nil, fmt.Errorf("host %s: %w", h.Name, err)
		}
		if mountinfoHas(string(b), want) {
			out = append(out, h.Name)
		}
	}
	return out, nil
}

// goneWhileRead reports whether the holder pid, whose /proc entry could
// not be read, is dying: a power-off kills it, and its /proc files fail
// (EINVAL, ENOENT) before the lab notices it exited. It waits up to 200 ms
// for the lab to see it go.
func (h *Host) goneWhileRead(pid int) bool {
	for range 20 {
		if h.HolderPid() != pid {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

// mountinfoHas reports whether a mountinfo text has a mount of device
// major:minor (the third field).
func mountinfoHas(info, majmin string) bool {
	for _, line := range strings.Split(info, "\n") {
		f := strings.Fields(line)
		if len(f) > 2 && f[2] == majmin {
			return true
		}
	}
	return false
}

func unixMajor(dev uint64) uint64 { return (dev >> 8) & 0xfff }
func unixMinor(dev uint64) uint64 { return (dev & 0xff) | ((dev >> 12) & 0xfff00) }

// ProcessHosts lists the hosts where a process named comm runs.
func (l *Lab) ProcessHosts(comm string) ([]string, error) {
	var out []string
	for _, h := range l.Hosts {
		ps, err := h.Processes()
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if p.Comm == comm {
				out = append(out, h.Name)
				break
			}
		}
	}
	return out, nil
}

// Exclusive is something that must never be active on two hosts at once:
// Holders lists where it is.
type Exclusive struct {
	Name    string
	Holders func() ([]string, error)
}

// ExclusiveAddr is the invariant "addr is up on at most one host".
func (l *Lab) ExclusiveAddr(addr string) Exclusive {
	return Exclusive{Name: "address " + addr, Holders: func() ([]string, error) { return l.AddrHolders(addr) }}
}

// ExclusiveMount is the invariant "the shared disk is mounted on at most
// one host".
func (l *Lab) ExclusiveMount() Exclusive {
	return Exclusive{Name: "mount of " + l.Disk, Holders: func() ([]string, error) { return l.MountHolders(l.Disk) }}
}

// Violation is one sample where an exclusive thing was on several hosts.
type Violation struct {
	At    time.Time
	What  string
	Hosts []string
}

func (v Violation) String() string {
	return fmt.Sprintf("%s: %s active on %s", v.At.Format("15:04:05.000"), v.What, strings.Join(v.Hosts, ", "))
}

// Watcher samples exclusive invariants in the background.
type Watcher struct {
	stop    chan struct{}
	done    chan struct{}
	mu      sync.Mutex
	viol    []Violation
	errs    []error
	samples int
}

// Watch checks every invariant each interval until Stop.
func Watch(interval time.Duration, invs ...Exclusive) *Watcher {
	w := &Watcher{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			w.sample(invs)
			select {
			case <-w.stop:
				w.sample(invs)
				return
			case <-t.C:
			}
		}
	}()
	return w
}

func (w *Watcher) sample(invs []Exclusive) {
	for _, inv := range invs {
		hosts, err := inv.Holders()
		w.mu.Lock()
		switch {
		case err != nil:
			if len(w.errs) < 10 {
				w.errs = append(w.errs, fmt.Errorf("%s: %w", inv.Name, err))
			}
		case len(hosts) > 1:
			w.viol = append(w.viol, Violation{At: time.Now(), What: inv.Name, Hosts: hosts})
		}
		w.samples++
		w.mu.Unlock()
	}
}

// Stop ends the watch and returns every violation seen, the number of
// samples taken, and the errors met while sampling (at most 10).
func (w *Watcher) Stop() ([]Violation, int, []error) {
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.viol, w.samples, w.errs
}

package systemd

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/godbus/dbus/v5"
)

// startBus runs a private dbus-daemon for one test and returns its
// address. The daemon is real, so the class's wire format, match rules
// and signal routing are exercised as against the system bus.
func startBus(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("dbus-daemon")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("dbus-daemon missing in CI (apt-get install dbus-daemon): %v", err)
		}
		t.Skipf("dbus-daemon missing (apt-get install dbus-daemon): %v", err)
	}
	// A short directory: a unix socket path must fit in 108 bytes.
	dir, err := os.MkdirTemp("", "pacer-dbus")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "bus")
	conf := filepath.Join(dir, "bus.conf")
	// A session-type bus that lets the test own org.freedesktop.systemd1.
	cfg := `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=` + sock + `</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`
	if err := os.WriteFile(conf, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config-file="+conf, "--nofork", "--nopidfile", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dbus-daemon: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	// The address is printed once the daemon listens.
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("read dbus-daemon address: %v", err)
	}
	return strings.TrimSpace(line)
}

// fakeUnit is one unit the fake systemd knows, and how it behaves.
type fakeUnit struct {
	name, description string
	notFound          bool   // no unit file: LoadState not-found
	active            string // ActiveState now
	startResult       string // JobRemoved result of a start; "" is "done"
	afterStart        string // ActiveState after a done start; "" is "active"
	activatingReads   int    // reads answered "activating" after a start
	hangStart         bool   // a start job that never finishes
}

// fakeSystemd exports the part of org.freedesktop.systemd1 the class
// uses: Manager.LoadUnit/GetUnit/StartUnit/StopUnit/Subscribe/Reload,
// Properties.Get on units, and the JobRemoved signal.
type fakeSystemd struct {
	conn *dbus.Conn

	mu         sync.Mutex
	units      map[string]*fakeUnit
	exported   map[string]bool
	nextJob    uint32
	reloads    int
	subscribed int
	calls      []string // "StartUnit web.service replace"
}

func newFakeSystemd(t *testing.T, addr string, units ...*fakeUnit) *fakeSystemd {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("fake systemd: connect: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	f := &fakeSystemd{conn: conn, units: map[string]*fakeUnit{}, exported: map[string]bool{}, nextJob: 100}
	for _, u := range units {
		if u.active == "" {
			u.active = "inactive"
		}
		f.units[u.name] = u
	}
	if err := conn.Export(fakeManager{f}, busPath, ifaceManager); err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName(busName, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("fake systemd: own %s: %v %v", busName, reply, err)
	}
	return f
}

func (f *fakeSystemd) record(format string, a ...any) {
	f.calls = append(f.calls, fmt.Sprintf(format, a...))
}

// unitPath escapes a unit name the way systemd's bus_label_escape does.
func unitPath(name string) dbus.ObjectPath {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' && i > 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "_%02x", c)
		}
	}
	return dbus.ObjectPath("/org/freedesktop/systemd1/unit/" + b.String())
}

// unitLocked returns the unit, creating a not-found one as systemd's
// LoadUnit does for a name without a unit file.
func (f *fakeSystemd) unitLocked(name string) (*fakeUnit, error) {
	u, ok := f.units[name]
	if !ok {
		u = &fakeUnit{name: name, notFound: true, active: "inactive"}
		f.units[name] = u
	}
	if !f.exported[name] {
		if err := f.conn.Export(fakeProps{f, name}, unitPath(name), "org.freedesktop.DBus.Properties"); err != nil {
			return nil, err
		}
		f.exported[name] = true
	}
	return u, nil
}

type fakeManager struct{ f *fakeSystemd }

func (m fakeManager) LoadUnit(name string) (dbus.ObjectPath, *dbus.Error) {
	m.f.mu.Lock()
	defer m.f.mu.Unlock()
	m.f.record("LoadUnit %s", name)
	if strings.Contains(name, "@.") { // a template without an instance
		return "", dbus.NewError(busName+".InvalidName", []any{"Unit name " + name + " is missing the instance name."})
	}
	if _, err := m.f.unitLocked(name); err != nil {
		return "", dbus.MakeFailedError(err)
	}
	return unitPath(name), nil
}

func (m fakeManager) GetUnit(name string) (dbus.ObjectPath, *dbus.Error) {
	m.f.mu.Lock()
	defer m.f.mu.Unlock()
	m.f.record("GetUnit %s", name)
	if u, ok := m.f.units[name]; !ok || u.notFound {
		return "", dbus.NewError(busName+".NoSuchUnit", []any{"Unit " + name + " not loaded."})
	}
	return unitPath(name), nil
}

func (m fakeManager) Subscribe() *dbus.Error {
	m.f.mu.Lock()
	defer m.f.mu.Unlock()
	m.f.subscribed++
	return nil
}

func (m fakeManager) Reload() *dbus.Error {
	m.f.mu.Lock()
	defer m.f.mu.Unlock()
	m.f.reloads++
	return nil
}

func (m fakeManager) StartUnit(name, mode string) (dbus.ObjectPath, *dbus.Error) {
	return m.job("StartUnit", name, mode)
}

func (m fakeManager) StopUnit(name, mode string) (dbus.ObjectPath, *dbus.Error) {
	return m.job("StopUnit", name, mode)
}

// job queues a start or stop job and finishes it after the reply, as
// systemd does: the unit's state changes, then JobRemoved is emitted.
// Before it, a JobRemoved for an unrelated job is emitted, so a class that
// does not match on the job path would take the wrong result.
func (m fakeManager) job(method, name, mode string) (dbus.ObjectPath, *dbus.Error) {
	f := m.f
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("%s %s %s", method, name, mode)
	u, ok := f.units[name]
	if !ok || u.notFound {
		verb := "not found"
		if method == "StopUnit" {
			verb = "not loaded"
		}
		return "", dbus.NewError(busName+".NoSuchUnit", []any{"Unit " + name + " " + verb + "."})
	}
	f.nextJob++
	id := f.nextJob
	job := dbus.ObjectPath(fmt.Sprintf("/org/freedesktop/systemd1/job/%d", id))
	result := "done"
	if method == "StartUnit" {
		if u.hangStart {
			u.active = "activating"
			return job, nil
		}
		if u.startResult != "" {
			result = u.startResult
		}
		switch {
		case result != "done":
			u.active = "failed"
		case u.activatingReads > 0:
			u.active = "activating"
		case u.afterStart != "":
			u.active = u.afterStart
		default:
			u.active = "active"
		}
	} else {
		u.active = "inactive"
	}
	go func() {
		_ = f.conn.Emit(busPath, sigJobRemove, id+1000, dbus.ObjectPath("/org/freedesktop/systemd1/job/1"), "other.service", "failed")
		_ = f.conn.Emit(busPath, sigJobRemove, id, job, name, result)
	}()
	return job, nil
}

type fakeProps struct {
	f    *fakeSystemd
	name string
}

func (p fakeProps) Get(iface, prop string) (dbus.Variant, *dbus.Error) {
	p.f.mu.Lock()
	defer p.f.mu.Unlock()
	u := p.f.units[p.name]
	if iface != ifaceUnit {
		return dbus.Variant{}, dbus.NewError("org.freedesktop.DBus.Error.UnknownInterface", []any{iface})
	}
	switch prop {
	case "ActiveState":
		v := u.active
		if u.active == "activating" && u.activatingReads > 0 {
			u.activatingReads--
			if u.activatingReads == 0 {
				u.active = "active" // the next read sees it up
			}
		}
		return dbus.MakeVariant(v), nil
	case "LoadState":
		if u.notFound {
			return dbus.MakeVariant("not-found"), nil
		}
		return dbus.MakeVariant("loaded"), nil
	case "Description":
		return dbus.MakeVariant(u.description), nil
	}
	return dbus.Variant{}, dbus.NewError("org.freedesktop.DBus.Error.UnknownProperty", []any{prop})
}

func (p fakeProps) GetAll(iface string) (map[string]dbus.Variant, *dbus.Error) {
	out := map[string]dbus.Variant{}
	for _, prop := range []string{"ActiveState", "LoadState", "Description"} {
		v, err := p.Get(iface, prop)
		if err != nil {
			return nil, err
		}
		out[prop] = v
	}
	return out, nil
}

func (f *fakeSystemd) state(name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if u, ok := f.units[name]; ok {
		return u.active
	}
	return ""
}

func (f *fakeSystemd) callLog() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

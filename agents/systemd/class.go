package systemd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/godbus/dbus/v5"

	"pacer/agents"
	"pacer/internal/clock"
)

// The systemd D-Bus API (org.freedesktop.systemd1(5)).
const (
	busName      = "org.freedesktop.systemd1"
	busPath      = dbus.ObjectPath("/org/freedesktop/systemd1")
	ifaceManager = busName + ".Manager"
	ifaceUnit    = busName + ".Unit"
	sigJobRemove = ifaceManager + ".JobRemoved"
)

// Error names systemd replies with when it does not know a unit; they
// make a start or monitor "not installed" and a stop a success (an unknown
// unit is stopped), as in Pacemaker's set_result_from_method_error.
var unknownUnitErrors = map[string]bool{
	busName + ".NoSuchUnit":  true,
	busName + ".LoadFailed":  true,
	busName + ".InvalidName": true,
}

// DefaultRunDir is where systemd keeps its runtime unit directory. Its
// existence is sd_booted(3)'s test for "PID 1 is systemd"; pacer also
// writes its drop-ins there, as Pacemaker does.
const DefaultRunDir = "/run/systemd/system"

var (
	// ErrNotBooted means the host does not run systemd.
	ErrNotBooted = errors.New("systemd is not running on this host")
	// ErrUnknownUnit means systemd does not know the unit.
	ErrUnknownUnit = errors.New("systemd unit not found")
	// ErrBus wraps failures to talk to systemd over D-Bus.
	ErrBus = errors.New("systemd D-Bus call failed")
)

// Config tunes a Class.
type Config struct {
	// Address is the D-Bus address of systemd's bus; "" is the system bus
	// (DBUS_SYSTEM_BUS_ADDRESS or /run/dbus/system_bus_socket). Tests point
	// it at a private bus with a fake systemd.
	Address string
	// RunDir is systemd's runtime unit directory ("" for DefaultRunDir):
	// it must exist for the class to act, and pacer's drop-ins go there.
	RunDir string
	// PollInterval is how often a unit still activating or deactivating is
	// asked again, until it settles or the op times out.
	PollInterval time.Duration
}

// DefaultConfig is what pacerd uses.
func DefaultConfig() Config {
	return Config{RunDir: DefaultRunDir, PollInterval: time.Second}
}

// Validate reports a config the class cannot work with.
func (c Config) Validate() error {
	if c.PollInterval <= 0 {
		return fmt.Errorf("systemd config: poll interval %v must be positive", c.PollInterval)
	}
	return nil
}

// Class runs operations on systemd units through systemd's D-Bus API, as
// Pacemaker's services_systemd.c does. It is an agents.Runner for requests
// of class "systemd": systemd units are not executables, so the class does
// not fit the Command seam and runs the operation itself. The executor
// sends "systemd" requests here and every other class to a ProcessRunner.
//
// The bus connection is made on first use and remade when it drops, so a
// restarted dbus-daemon does not need a restarted pacerd. Operations on
// different units may run concurrently.
type Class struct {
	cfg Config
	clk clock.Clock

	mu   sync.Mutex
	conn *dbus.Conn
}

var _ agents.Runner = (*Class)(nil)

// New returns a systemd class. It connects to nothing until the first op.
func New(cfg Config, clk clock.Clock) (*Class, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if clk == nil {
		return nil, errors.New("new systemd class: nil clock")
	}
	if cfg.RunDir == "" {
		cfg.RunDir = DefaultRunDir
	}
	return &Class{cfg: cfg, clk: clk}, nil
}

// Close drops the bus connection, if any.
func (c *Class) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == nil {
		return nil
	}
	err := c.conn.Close()
	c.conn = nil
	return err
}

// Run performs one operation on the unit req.Type: start, stop, monitor
// (or status), meta-data. The error follows agents.Runner: nil when
// systemd carried the op out, whatever the rc; otherwise why not (systemd
// absent, bus failure, unknown unit, timeout, cancel), with Result.RC the
// code Pacemaker would record.
func (c *Class) Run(ctx context.Context, req agents.Request) (agents.Result, error) {
	start := c.clk.Now()
	opCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var timedOut atomic.Bool
	if req.Timeout > 0 {
		t := c.clk.AfterFunc(req.Timeout, func() {
			timedOut.Store(true)
			cancel()
		})
		defer t.Stop()
	}

	res, err := c.run(opCtx, req)
	res.Duration = c.clk.Since(start)
	if err != nil && opCtx.Err() != nil {
		// The op's own deadline or the caller's context ended it; report it
		// as the process runner does, whatever call was interrupted.
		res.RC = rcGeneric
		if timedOut.Load() {
			res.TimedOut = true
			err = fmt.Errorf("%w after %v: %w", agents.ErrTimeout, req.Timeout, err)
		} else {
			res.Cancelled = true
		}
	}
	if err != nil {
		return res, fmt.Errorf("run systemd:%s %s: %w", req.Type, req.Action, err)
	}
	return res, nil
}

func (c *Class) run(ctx context.Context, req agents.Request) (agents.Result, error) {
	if req.Action == "meta-data" {
		return c.metadata(ctx, req.Type), nil
	}
	unit, err := UnitName(req.Type, false)
	if err != nil {
		return agents.Result{RC: rcNotInstalled, ExitReason: err.Error()}, err
	}
	switch req.Action {
	case "start", "stop", "monitor", "status":
	default:
		// Pacemaker: "Action %s not implemented for systemd resources".
		return agents.Result{
			RC:         rcUnimplemented,
			ExitReason: fmt.Sprintf("action %s not implemented for systemd resources", req.Action),
		}, nil
	}
	conn, err := c.connect(ctx, req.Type)
	if errors.Is(err, ErrNotBooted) && req.Action == "stop" {
		// Without systemd no unit runs, so the unit is stopped. Failing
		// the stop would make the cluster fence this node for a resource
		// that cannot be active on it.
		return agents.Result{RC: rcSuccess, Stderr: err.Error() + ": nothing to stop"}, nil
	}
	if err != nil {
		rc := rcGeneric
		if errors.Is(err, ErrNotBooted) {
			// Not installed, so the scheduler places the resource on a
			// node that can run it instead of retrying here.
			rc = rcNotInstalled
		}
		return agents.Result{RC: rc, ExitReason: err.Error()}, err
	}
	switch req.Action {
	case "start":
		return c.start(ctx, conn, unit)
	case "stop":
		return c.stop(ctx, conn, unit)
	default:
		return c.monitor(ctx, conn, unit)
	}
}

// connect returns the live bus connection, making it if needed: dial,
// listen for JobRemoved, and Subscribe so systemd emits it.
func (c *Class) connect(ctx context.Context, typ string) (*dbus.Conn, error) {
	if st, err := os.Stat(c.cfg.RunDir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("%w (no %s): systemd:%s cannot be managed", ErrNotBooted, c.cfg.RunDir, typ)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil && c.conn.Connected() {
		return c.conn, nil
	}
	if c.conn != nil {
		_ = c.conn.Close()
		c.conn = nil
	}
	// The sequential handler keeps signals in order and never drops one,
	// so a JobRemoved cannot overtake or miss its waiter.
	opts := []dbus.ConnOption{dbus.WithSignalHandler(dbus.NewSequentialSignalHandler())}
	var conn *dbus.Conn
	var err error
	if c.cfg.Address == "" {
		conn, err = dbus.ConnectSystemBus(opts...)
	} else {
		conn, err = dbus.Connect(c.cfg.Address, opts...)
	}
	if err != nil {
		where := c.cfg.Address
		if where == "" {
			where = "system bus"
		}
		return nil, fmt.Errorf("%w: connect to %s: %w", ErrBus, where, err)
	}
	if err := conn.AddMatchSignalContext(ctx,
		dbus.WithMatchSender(busName),
		dbus.WithMatchObjectPath(busPath),
		dbus.WithMatchInterface(ifaceManager),
		dbus.WithMatchMember("JobRemoved"),
	); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("%w: listen for JobRemoved: %w", ErrBus, err)
	}
	if err := conn.Object(busName, busPath).CallWithContext(ctx, ifaceManager+".Subscribe", 0).Err; err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("%w: Subscribe: %w", ErrBus, err)
	}
	c.conn = conn
	return conn, nil
}

func manager(conn *dbus.Conn) dbus.BusObject { return conn.Object(busName, busPath) }

// loadUnit returns the unit's object path. LoadUnit also succeeds for a
// unit with no unit file (its LoadState is "not-found"); StartUnit then
// fails with NoSuchUnit.
func loadUnit(ctx context.Context, conn *dbus.Conn, unit string) (dbus.ObjectPath, error) {
	var p dbus.ObjectPath
	if err := manager(conn).CallWithContext(ctx, ifaceManager+".LoadUnit", 0, unit).Store(&p); err != nil {
		return "", callError("LoadUnit", unit, err)
	}
	return p, nil
}

func activeState(ctx context.Context, conn *dbus.Conn, path dbus.ObjectPath) (string, error) {
	var v dbus.Variant
	err := conn.Object(busName, path).CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, ifaceUnit, "ActiveState").Store(&v)
	if err != nil {
		return "", fmt.Errorf("%w: get ActiveState of %s: %w", ErrBus, path, err)
	}
	s, ok := v.Value().(string)
	if !ok {
		return "", fmt.Errorf("%w: ActiveState of %s is %s, not a string", ErrBus, path, v.Signature())
	}
	return s, nil
}

// callError wraps a failed Manager call, marking the replies that mean
// "no such unit".
func callError(method, unit string, err error) error {
	var de dbus.Error
	var dep *dbus.Error
	name := ""
	switch {
	case errors.As(err, &de):
		name = de.Name
	case errors.As(err, &dep):
		name = dep.Name
	}
	if unknownUnitErrors[name] {
		return fmt.Errorf("%w: %s %s: %s: %w", ErrUnknownUnit, method, unit, name, err)
	}
	return fmt.Errorf("%w: %s %s: %w", ErrBus, method, unit, err)
}

// settle reads the unit's ActiveState until it is no longer pending, or
// ctx ends.
func (c *Class) settle(ctx context.Context, conn *dbus.Conn, path dbus.ObjectPath) (string, State, error) {
	for {
		s, err := activeState(ctx, conn, path)
		if err != nil {
			return "", Stopped, err
		}
		st := ParseActiveState(s)
		if st != Pending {
			return s, st, nil
		}
		t := c.clk.NewTimer(c.cfg.PollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return s, st, fmt.Errorf("unit still %s: %w", s, ctx.Err())
		case <-t.C():
		}
	}
}

// jobCall calls StartUnit or StopUnit in "replace" mode and waits for the
// job's JobRemoved signal. It returns the job's result ("done", "failed",
// "timeout", "canceled", "dependency", "skipped").
func jobCall(ctx context.Context, conn *dbus.Conn, method, unit string) (string, error) {
	// Listen before calling: the job may finish before the reply is read,
	// and its signal must already have somewhere to go.
	sigs := make(chan *dbus.Signal, 8)
	conn.Signal(sigs)
	defer conn.RemoveSignal(sigs)

	var job dbus.ObjectPath
	if err := manager(conn).CallWithContext(ctx, ifaceManager+"."+method, 0, unit, "replace").Store(&job); err != nil {
		return "", callError(method, unit, err)
	}
	for {
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("wait for %s job %s: %w", method, job, ctx.Err())
		case s, ok := <-sigs:
			if !ok {
				return "", fmt.Errorf("%w: connection closed while waiting for %s job %s", ErrBus, method, job)
			}
			if s.Name != sigJobRemove || len(s.Body) != 4 {
				continue
			}
			// JobRemoved(u id, o job, s unit, s result)
			if p, _ := s.Body[1].(dbus.ObjectPath); p != job {
				continue
			}
			result, _ := s.Body[3].(string)
			return result, nil
		}
	}
}

func (c *Class) start(ctx context.Context, conn *dbus.Conn, unit string) (agents.Result, error) {
	res := agents.Result{}
	path, err := loadUnit(ctx, conn, unit)
	if err != nil {
		return unitErrorResult(err, "start"), err
	}
	if note := c.writeOverride(ctx, conn, unit); note != "" {
		res.Stderr = note
	}
	result, err := jobCall(ctx, conn, "StartUnit", unit)
	if err != nil {
		if errors.Is(err, ErrUnknownUnit) {
			// No drop-in for a unit that does not exist.
			_ = c.removeOverride(ctx, conn, unit)
		}
		r := unitErrorResult(err, "start")
		r.Stderr = res.Stderr
		return r, err
	}
	switch result {
	case "done":
	case "timeout":
		// systemd's own start timeout (TimeoutStartSec) fired; Pacemaker
		// records this as a timed-out op.
		res.RC, res.TimedOut = rcGeneric, true
		res.ExitReason = "systemd start job timed out: investigate why, and adjust TimeoutStartSec or the op timeout"
		return res, fmt.Errorf("start %s: %w (systemd job result %q)", unit, agents.ErrTimeout, result)
	default:
		res.RC = rcGeneric
		res.ExitReason = fmt.Sprintf("systemd start job for %s finished with result %q", unit, result)
		return res, nil
	}
	state, st, err := c.settle(ctx, conn, path)
	if err != nil {
		res.RC = rcGeneric
		return res, err
	}
	if st != Running {
		// A start that leaves the unit down failed, as Pacemaker turns a
		// "not running" follow-up monitor of a start into an error.
		res.RC = rcGeneric
		res.ExitReason = fmt.Sprintf("unit %s is %s after start", unit, state)
		return res, nil
	}
	return res, nil
}

func (c *Class) stop(ctx context.Context, conn *dbus.Conn, unit string) (agents.Result, error) {
	res := agents.Result{}
	path, err := loadUnit(ctx, conn, unit)
	if errors.Is(err, ErrUnknownUnit) {
		return res, nil // an unknown unit is stopped
	}
	if err != nil {
		return unitErrorResult(err, "stop"), err
	}
	res.Stderr = c.removeOverride(ctx, conn, unit)
	result, err := jobCall(ctx, conn, "StopUnit", unit)
	if errors.Is(err, ErrUnknownUnit) {
		return res, nil
	}
	if err != nil {
		r := unitErrorResult(err, "stop")
		r.Stderr = res.Stderr
		return r, err
	}
	state, st, err := c.settle(ctx, conn, path)
	if err != nil {
		res.RC = rcGeneric
		return res, err
	}
	if st == Running {
		res.RC = rcGeneric
		res.ExitReason = fmt.Sprintf("unit %s is still %s after stop (systemd job result %q)", unit, state, result)
		return res, nil
	}
	return res, nil
}

// monitor reports the unit's ActiveState as an OCF code. A unit in
// transition is asked again until it settles, as Pacemaker's executor
// follows a pending probe with monitors; the op timeout bounds the wait.
func (c *Class) monitor(ctx context.Context, conn *dbus.Conn, unit string) (agents.Result, error) {
	path, err := loadUnit(ctx, conn, unit)
	if err != nil {
		return unitErrorResult(err, "monitor"), err
	}
	state, st, err := c.settle(ctx, conn, path)
	if err != nil {
		return agents.Result{RC: rcGeneric}, err
	}
	res := agents.Result{RC: st.RC()}
	if st != Running {
		res.ExitReason = state // Pacemaker's exit reason is the state
	}
	return res, nil
}

// metadata never fails: without systemd or without the unit it describes
// the unit generically, so `pacer ra info systemd:x` works anywhere.
func (c *Class) metadata(ctx context.Context, typ string) agents.Result {
	desc := ""
	if unit, err := UnitName(typ, true); err == nil {
		if conn, err := c.connect(ctx, typ); err == nil {
			if path, err := loadUnit(ctx, conn, unit); err == nil {
				var v dbus.Variant
				if conn.Object(busName, path).CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, ifaceUnit, "Description").Store(&v) == nil {
					desc, _ = v.Value().(string)
				}
			}
		}
	}
	return agents.Result{RC: rcSuccess, Output: string(Metadata(typ, desc))}
}

// unitErrorResult maps a failed call to the code Pacemaker records: not
// installed for a unit systemd does not know, a generic error otherwise.
func unitErrorResult(err error, action string) agents.Result {
	if errors.Is(err, ErrUnknownUnit) {
		return agents.Result{RC: rcNotInstalled, ExitReason: err.Error()}
	}
	return agents.Result{RC: rcGeneric, ExitReason: "unable to invoke systemd D-Bus method for " + action}
}

func (c *Class) overridePath(unit string) string {
	return filepath.Join(c.cfg.RunDir, unit+".d", overrideName)
}

// writeOverride installs the drop-in that orders the unit before pacerd
// and reloads systemd when it changed. Failing to is not fatal to the
// start (Pacemaker only warns); the returned note says what went wrong.
func (c *Class) writeOverride(ctx context.Context, conn *dbus.Conn, unit string) string {
	p := c.overridePath(unit)
	want := Override(unit)
	if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, want) {
		return ""
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Sprintf("warning: create systemd drop-in directory: %v", err)
	}
	// World-readable, as systemd warns about drop-ins it cannot show users.
	if err := os.WriteFile(p, want, 0o644); err != nil {
		return fmt.Sprintf("warning: write systemd drop-in: %v", err)
	}
	return reload(ctx, conn)
}

func (c *Class) removeOverride(ctx context.Context, conn *dbus.Conn, unit string) string {
	p := c.overridePath(unit)
	err := os.Remove(p)
	if errors.Is(err, fs.ErrNotExist) {
		return "" // stop of a unit pacer never started, or a repeated stop
	}
	if err != nil {
		return fmt.Sprintf("warning: remove systemd drop-in: %v", err)
	}
	_ = os.Remove(filepath.Dir(p)) // only if empty; an admin's drop-ins stay
	return reload(ctx, conn)
}

// reload makes systemd read the changed drop-in before the job that
// depends on it; systemd handles the calls of one client in order.
func reload(ctx context.Context, conn *dbus.Conn) string {
	if err := manager(conn).CallWithContext(ctx, ifaceManager+".Reload", 0).Err; err != nil {
		return fmt.Sprintf("warning: systemd Reload after drop-in change: %v", err)
	}
	return ""
}

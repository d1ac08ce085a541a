package agents

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"syscall"
	"time"

	"pacer/internal/clock"
)

// Request is one agent operation as the executor asks for it. It carries
// what a class needs to build the invocation; the class (ocf, later lsb,
// systemd, stonith) turns it into a Command.
type Request struct {
	Class    string // "ocf", "lsb", "systemd", "stonith"
	Provider string // OCF provider, e.g. "heartbeat"; empty for other classes
	Type     string // agent name, e.g. "Dummy"
	Action   string // "start", "stop", "monitor", "meta-data", ...
	// Instance is the resource id as the scheduler names it; for a clone
	// instance that is "rsc:N" and the class decides what the agent sees.
	Instance string
	Params   map[string]string // instance attributes
	Meta     map[string]string // meta attributes, by their CIB names
	Interval time.Duration     // 0 for a one-shot op
	Timeout  time.Duration     // 0 means no timeout
	// CheckLevel is the op's OCF_CHECK_LEVEL (monitor depth).
	CheckLevel int
}

// Result is what came of running an agent. It is data: the caller logs it
// and records it in the operation history.
type Result struct {
	// RC is the agent's exit code, or the code Pacemaker's executor records
	// when the agent did not exit by itself: 1 (generic error) on a timeout
	// or a signal, 5 (not installed) or 4 (insufficient privileges) when it
	// could not be executed.
	RC int
	// Output is the agent's stdout, at most the runner's output limit (the
	// last bytes are kept: the end of a chatty agent's output says why it
	// failed).
	Output string
	// Stderr is the agent's stderr, bounded like Output. Kept apart from
	// Output so that meta-data XML on stdout is not mixed with log lines.
	Stderr string
	// Truncated reports that Output or Stderr lost bytes to the limit.
	Truncated bool
	// ExitReason is the text after the first "ocf-exit-reason:" on stderr.
	ExitReason string
	Duration   time.Duration
	TimedOut   bool
	// Cancelled reports that the context ended before the agent did.
	Cancelled bool
	// Signal names the signal that ended the agent ("SIGKILL"), if any.
	Signal string
}

// Runner runs one agent operation. resources and fencing use it and never
// os/exec, so tests can substitute a fake.
type Runner interface {
	Run(ctx context.Context, req Request) (Result, error)
}

// Command is a fully built invocation: the pure half of running an agent,
// computed by a class and golden-testable apart from the effect.
type Command struct {
	Path string
	Args []string // argv[1:]
	Env  []string // the whole environment, exactly; nothing is inherited
	// Stdin is fed to the agent (fence agents read key=value lines); nil
	// means /dev/null.
	Stdin []byte
}

// Class builds the Command for a Request of its class.
type Class interface {
	Command(req Request) (Command, error)
}

// Exit codes the runner itself reports, with Pacemaker's meaning (the same
// numbers in the OCF class; see ocf.RC).
const (
	rcGeneric          = 1
	rcInsufficientPriv = 4
	rcNotInstalled     = 5
)

// ExitReasonPrefix marks the line an agent writes to stderr to say why it
// failed (ocf_exit_reason in ocf-shellfuncs).
const ExitReasonPrefix = "ocf-exit-reason:"

// maxExitReason bounds the exit reason as Pacemaker's executor does, so a
// runaway line cannot bloat the status section.
const maxExitReason = 128

// Errors the runner returns; errors.Is finds them under the wrapping.
var (
	ErrUnknownClass = errors.New("unknown agent class")
	ErrTimeout      = errors.New("agent timed out")
)

// RunnerConfig tunes a ProcessRunner.
type RunnerConfig struct {
	// KillGrace is how long a timed-out or cancelled agent's process group
	// has between SIGTERM and SIGKILL.
	KillGrace time.Duration
	// MaxOutput bounds each of stdout and stderr kept in memory.
	MaxOutput int
	// IODelay is how long to keep reading after the agent exits, for
	// children that inherited its stdout and keep it open (a daemon the
	// start action left behind, or IPaddr2's send_arp, which announces
	// the address for about a second in the background); after that the
	// pipes are closed and the result stands. Pacemaker's executor reads
	// what is there when the agent exits and does not wait at all: a
	// long delay here holds up every operation that leaves a child
	// behind (and what is ordered after it) by that much.
	IODelay time.Duration
}

// DefaultRunnerConfig is what pacerd uses.
func DefaultRunnerConfig() RunnerConfig {
	return RunnerConfig{KillGrace: 5 * time.Second, MaxOutput: 256 << 10, IODelay: 200 * time.Millisecond}
}

// Validate reports a config the runner cannot work with.
func (c RunnerConfig) Validate() error {
	if c.KillGrace <= 0 {
		return fmt.Errorf("runner config: kill grace %v must be positive", c.KillGrace)
	}
	if c.MaxOutput <= 0 {
		return fmt.Errorf("runner config: max output %d must be positive", c.MaxOutput)
	}
	if c.IODelay <= 0 {
		return fmt.Errorf("runner config: io delay %v must be positive", c.IODelay)
	}
	return nil
}

// ProcessRunner runs agents as processes, each in its own process group so a
// timeout kills the agent with every child it forked.
type ProcessRunner struct {
	cfg     RunnerConfig
	clk     clock.Clock
	classes map[string]Class
}

var _ Runner = (*ProcessRunner)(nil)

// NewProcessRunner returns a runner for the given classes, keyed by
// Request.Class.
func NewProcessRunner(cfg RunnerConfig, clk clock.Clock, classes map[string]Class) (*ProcessRunner, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if clk == nil {
		return nil, errors.New("new process runner: nil clock")
	}
	cs := make(map[string]Class, len(classes))
	for k, v := range classes {
		cs[k] = v
	}
	return &ProcessRunner{cfg: cfg, clk: clk, classes: cs}, nil
}

// Run builds the request's command with its class and executes it.
func (r *ProcessRunner) Run(ctx context.Context, req Request) (Result, error) {
	c, ok := r.classes[req.Class]
	if !ok {
		return Result{RC: rcNotInstalled}, fmt.Errorf("run %s:%s:%s %s: %w: %q",
			req.Class, req.Provider, req.Type, req.Action, ErrUnknownClass, req.Class)
	}
	cmd, err := c.Command(req)
	if err != nil {
		return Result{RC: rcNotInstalled}, fmt.Errorf("run %s:%s:%s %s: %w",
			req.Class, req.Provider, req.Type, req.Action, err)
	}
	return r.Exec(ctx, cmd, req.Timeout)
}

// Exec runs a built command. A timeout (0: none) or the end of ctx kills the
// command's whole process group: SIGTERM, then SIGKILL after KillGrace. The
// returned error is nil when the agent ran and exited by itself, whatever
// its exit code; otherwise it says why (timeout, cancel, exec failure) and
// Result.RC still holds the code Pacemaker would record.
//
// An agent that exits by itself is not chased: children it left in its
// group (a daemon a start action launched) keep running, as under
// Pacemaker. Only a timeout or cancel kills the group.
func (r *ProcessRunner) Exec(ctx context.Context, c Command, timeout time.Duration) (Result, error) {
	start := r.clk.Now()
	res := Result{}

	// Fail fast, as Pacemaker does, so a missing agent is "not installed"
	// and not a generic error.
	if st, err := os.Stat(c.Path); err != nil {
		res.RC = execErrorRC(err)
		return res, fmt.Errorf("exec %s: %w", c.Path, err)
	} else if st.IsDir() {
		res.RC = rcNotInstalled
		return res, fmt.Errorf("exec %s: is a directory", c.Path)
	}

	// An op whose context has already ended is not started at all.
	if err := ctx.Err(); err != nil {
		res.Cancelled, res.RC = true, rcGeneric
		return res, fmt.Errorf("exec %s: not started: %w", c.Path, err)
	}

	stdout := newTailBuffer(r.cfg.MaxOutput)
	stderr := &reasonWriter{tail: newTailBuffer(r.cfg.MaxOutput)}
	cmd := exec.Command(c.Path, c.Args...)
	// Env must be non-nil even when empty: nil would inherit pacerd's.
	cmd.Env = append([]string{}, c.Env...)
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	if c.Stdin != nil {
		cmd.Stdin = bytes.NewReader(c.Stdin)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = r.cfg.IODelay

	if err := cmd.Start(); err != nil {
		res.RC = execErrorRC(err)
		res.Duration = r.clk.Since(start)
		return res, fmt.Errorf("exec %s: %w", c.Path, err)
	}
	pgid := cmd.Process.Pid

	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	var timerC <-chan time.Time
	if timeout > 0 {
		t := r.clk.NewTimer(timeout)
		defer t.Stop()
		timerC = t.C()
	}

	var waitErr error
	var killed error // why we killed it, nil if it exited by itself
	select {
	case waitErr = <-done:
	case <-timerC:
		res.TimedOut = true
		killed = fmt.Errorf("%w after %v", ErrTimeout, timeout)
		waitErr = r.killGroup(pgid, done)
	case <-ctx.Done():
		res.Cancelled = true
		killed = ctx.Err()
		waitErr = r.killGroup(pgid, done)
	}
	res.Duration = r.clk.Since(start)
	res.Output = stdout.String()
	res.Stderr = stderr.tail.String()
	res.Truncated = stdout.dropped > 0 || stderr.tail.dropped > 0
	res.ExitReason = stderr.reason()

	ps := cmd.ProcessState
	if ps != nil {
		if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			res.Signal = signalName(ws.Signal())
		}
	}
	switch {
	case killed != nil:
		// Pacemaker's executor records a generic error for a timed-out
		// op (exec status PCMK_EXEC_TIMEOUT); the status lives in TimedOut.
		res.RC = rcGeneric
		return res, fmt.Errorf("exec %s: %w", c.Path, killed)
	case ps == nil:
		res.RC = rcGeneric
		return res, fmt.Errorf("exec %s: wait: %w", c.Path, waitErr)
	case res.Signal != "":
		res.RC = rcGeneric
		return res, fmt.Errorf("exec %s: killed by %s", c.Path, res.Signal)
	}
	res.RC = ps.ExitCode()
	// ErrWaitDelay only says a child kept the pipes open past IODelay; the
	// agent itself exited and its code stands.
	if waitErr != nil && !errors.Is(waitErr, exec.ErrWaitDelay) {
		var ee *exec.ExitError
		if !errors.As(waitErr, &ee) {
			return res, fmt.Errorf("exec %s: wait: %w", c.Path, waitErr)
		}
	}
	return res, nil
}

// killGroup ends the process group: SIGTERM, then SIGKILL after the grace
// period, and returns the leader's wait error. SIGKILL is sent to the group
// even when the leader obeyed SIGTERM, because a child that ignores SIGTERM
// would otherwise outlive the op. The group id cannot be reused while any
// member lives, so signalling it after the leader is reaped is safe.
func (r *ProcessRunner) killGroup(pgid int, done <-chan error) error {
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	grace := r.clk.NewTimer(r.cfg.KillGrace)
	defer grace.Stop()
	select {
	case err := <-done:
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		return err
	case <-grace.C():
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		return <-done
	}
}

// execErrorRC maps an exec failure to the OCF code Pacemaker records
// (services_handle_exec_error).
func execErrorRC(err error) int {
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOENT),
		errors.Is(err, syscall.EISDIR), errors.Is(err, syscall.ENOTDIR),
		errors.Is(err, syscall.EINVAL), errors.Is(err, syscall.ENOEXEC):
		return rcNotInstalled
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return rcInsufficientPriv
	}
	return rcGeneric
}

func signalName(s syscall.Signal) string {
	switch s {
	case syscall.SIGKILL:
		return "SIGKILL"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGSEGV:
		return "SIGSEGV"
	case syscall.SIGABRT:
		return "SIGABRT"
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGHUP:
		return "SIGHUP"
	case syscall.SIGPIPE:
		return "SIGPIPE"
	case syscall.SIGBUS:
		return "SIGBUS"
	}
	return fmt.Sprintf("signal %d", int(s))
}

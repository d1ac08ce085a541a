package lab

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Event is one JSON log line of pacerd (pacerd --log-format json).
type Event struct {
	Level  string    `json:"level"`
	TS     time.Time `json:"ts"`
	Logger string    `json:"logger"`
	Msg    string    `json:"msg"`
	// Fields holds every key of the line, the ones above included.
	Fields map[string]any `json:"-"`
}

// Str is field k as a string ("" when absent); numbers print as numbers.
func (e Event) Str(k string) string {
	switch v := e.Fields[k].(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}

// Match reports whether every field in want has that value (compared as
// strings).
func (e Event) Match(want map[string]string) bool {
	for k, v := range want {
		if e.Str(k) != v {
			return false
		}
	}
	return true
}

// Pacerd is one pacerd process running in a host, with its JSON log
// collected from stderr (and copied to pacerd.log in the host's directory).
type Pacerd struct {
	Host   *Host
	Config string

	cmd    *exec.Cmd
	mu     sync.Mutex
	cond   *sync.Cond
	events []Event
	raw    []string
	exited chan struct{}
	code   int
}

// StartPacerd starts bin (the pacerd binary) in the host with --config
// config --log-format json and extra args.
func (h *Host) StartPacerd(bin, config string, args ...string) (*Pacerd, error) {
	return h.StartPacerdEnv(bin, config, nil, args...)
}

// StartPacerdEnv is StartPacerd with env (KEY=VALUE) added to the
// caller's environment.
func (h *Host) StartPacerdEnv(bin, config string, env []string, args ...string) (*Pacerd, error) {
	cmd, err := h.Command(bin, append([]string{"--config", config, "--log-format", "json"}, args...)...)
	if err != nil {
		return nil, err
	}
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(h.Dir+"/pacerd.log", os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("host %s: start pacerd: %w", h.Name, err)
	}
	h.track(cmd)
	p := &Pacerd{Host: h, Config: config, cmd: cmd, exited: make(chan struct{}), code: -1}
	p.cond = sync.NewCond(&p.mu)
	go p.collect(stderr, logf)
	return p, nil
}

func (p *Pacerd) collect(r io.Reader, logf *os.File) {
	defer logf.Close()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		fmt.Fprintln(logf, line)
		var e Event
		var fields map[string]any
		if json.Unmarshal([]byte(line), &e) == nil && json.Unmarshal([]byte(line), &fields) == nil {
			e.Fields = fields
		}
		p.mu.Lock()
		p.raw = append(p.raw, line)
		if e.Msg != "" {
			p.events = append(p.events, e)
		}
		p.cond.Broadcast()
		p.mu.Unlock()
	}
	_ = p.cmd.Wait()
	p.mu.Lock()
	p.code = p.cmd.ProcessState.ExitCode()
	close(p.exited)
	p.cond.Broadcast()
	p.mu.Unlock()
}

// Pid is pacerd's process id.
func (p *Pacerd) Pid() int { return p.cmd.Process.Pid }

// Kill sends sig to pacerd (nothing once it has exited).
func (p *Pacerd) Kill(sig syscall.Signal) {
	select {
	case <-p.exited:
	default:
		_ = p.cmd.Process.Signal(sig)
	}
}

// Stop stops pacerd gracefully (SIGTERM) and waits up to timeout for it
// to end, then SIGKILLs it; it returns the exit code.
func (p *Pacerd) Stop(timeout time.Duration) (int, error) {
	p.Kill(syscall.SIGTERM)
	code, err := p.Wait(timeout)
	if err != nil {
		p.Kill(syscall.SIGKILL)
		_, _ = p.Wait(10 * time.Second)
		return -1, fmt.Errorf("host %s: pacerd ignored SIGTERM for %v", p.Host.Name, timeout)
	}
	return code, nil
}

// Exited reports whether pacerd has ended.
func (p *Pacerd) Exited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// Wait waits up to timeout for pacerd to end and returns its exit code
// (-1 when killed by a signal).
func (p *Pacerd) Wait(timeout time.Duration) (int, error) {
	select {
	case <-p.exited:
		return p.code, nil
	case <-time.After(timeout):
		return 0, fmt.Errorf("host %s: pacerd still running after %v", p.Host.Name, timeout)
	}
}

// Raw is every line pacerd logged so far.
func (p *Pacerd) Raw() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.raw...)
}

// Tail is the last n lines pacerd logged, joined.
func (p *Pacerd) Tail(n int) string {
	raw := p.Raw()
	if len(raw) > n {
		raw = raw[len(raw)-n:]
	}
	return strings.Join(raw, "\n")
}

// Events lists the events with message msg whose fields match.
func (p *Pacerd) Events(msg string, fields map[string]string) []Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []Event
	for _, e := range p.events {
		if e.Msg == msg && e.Match(fields) {
			out = append(out, e)
		}
	}
	return out
}

// EventsSince lists the events with message msg whose fields match, logged
// at or after t.
func (p *Pacerd) EventsSince(t time.Time, msg string, fields map[string]string) []Event {
	var out []Event
	for _, e := range p.Events(msg, fields) {
		if !e.TS.Before(t) {
			out = append(out, e)
		}
	}
	return out
}

// WaitEvent waits up to timeout for the first event msg (fields matching)
// logged at or after since.
func (p *Pacerd) WaitEvent(since time.Time, timeout time.Duration, msg string, fields map[string]string) (Event, error) {
	deadline := time.Now().Add(timeout)
	timer := time.AfterFunc(timeout, func() {
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	})
	defer timer.Stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		for _, e := range p.events {
			if e.Msg == msg && e.Match(fields) && !e.TS.Before(since) {
				return e, nil
			}
		}
		select {
		case <-p.exited:
			return Event{}, fmt.Errorf("host %s: pacerd exited (code %d) while waiting for %q %v", p.Host.Name, p.code, msg, fields)
		default:
		}
		if !time.Now().Before(deadline) {
			return Event{}, fmt.Errorf("host %s: no %q %v within %v", p.Host.Name, msg, fields, timeout)
		}
		p.cond.Wait()
	}
}

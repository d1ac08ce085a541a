package lab

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// The service probe of ../shared/peers/README.md, in Go: a UDP responder
// in every host answers from the address it was asked on, with its host
// name; a prober in the client sends one datagram to the service address
// every 10 ms and records each answer. Both are this program started again
// in a namespace with HelperEnv set: call RunHelper first thing in main
// (or TestMain).

// HelperEnv selects the helper a re-executed lab program runs.
const HelperEnv = "PACER_LAB_HELPER"

// RunHelper runs the helper named by HelperEnv and exits, if it is set; it
// returns at once otherwise.
func RunHelper() {
	var err error
	switch os.Getenv(HelperEnv) {
	case "":
		return
	case "respond":
		err = respond(os.Args[1:])
	case "probe":
		err = probe(os.Args[1:])
	default:
		err = fmt.Errorf("unknown %s=%q", HelperEnv, os.Getenv(HelperEnv))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "lab helper:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// respond NAME PORT: answer every datagram to 0.0.0.0:PORT with
// "NAME payload", from the address it was sent to (IP_PKTINFO), so an
// answer to the service address comes from it.
func respond(args []string) error {
	if len(args) != 2 {
		return errors.New("respond NAME PORT")
	}
	name := args[0]
	port, err := strconv.Atoi(args[1])
	if err != nil {
		return fmt.Errorf("respond: port %q: %w", args[1], err)
	}
	c, err := net.ListenUDP("udp4", &net.UDPAddr{Port: port})
	if err != nil {
		return err
	}
	raw, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, syscall.IP_PKTINFO, 1)
	}); err != nil || serr != nil {
		return fmt.Errorf("IP_PKTINFO: %v %v", err, serr)
	}
	buf := make([]byte, 2048)
	oob := make([]byte, 256)
	for {
		n, oobn, _, from, err := c.ReadMsgUDP(buf, oob)
		if err != nil {
			return err
		}
		var reply []byte
		if msgs, err := syscall.ParseSocketControlMessage(oob[:oobn]); err == nil {
			for _, m := range msgs {
				if m.Header.Level == syscall.IPPROTO_IP && m.Header.Type == syscall.IP_PKTINFO && len(m.Data) >= 12 {
					var dst [4]byte
					copy(dst[:], m.Data[8:12]) // struct in_pktinfo: ifindex, spec_dst, addr
					reply = pktinfo(dst)
				}
			}
		}
		out := append([]byte(name+" "), buf[:n]...)
		_, _, _ = c.WriteMsgUDP(out, reply, from)
	}
}

// pktinfo is a control message asking the kernel to send from src.
func pktinfo(src [4]byte) []byte {
	b := make([]byte, syscall.CmsgSpace(12))
	h := (*syscall.Cmsghdr)(unsafe.Pointer(&b[0]))
	h.Level = syscall.IPPROTO_IP
	h.Type = syscall.IP_PKTINFO
	h.SetLen(syscall.CmsgLen(12))
	d := b[syscall.CmsgLen(0):]
	binary.NativeEndian.PutUint32(d[0:4], 0)
	copy(d[4:8], src[:]) // ipi_spec_dst
	return b
}

// probe TARGET PORT INTERVAL DURATION: one datagram to TARGET:PORT every
// INTERVAL; each answer from TARGET printed as "recv_ns sent_ns seq name".
func probe(args []string) error {
	if len(args) != 4 {
		return errors.New("probe TARGET PORT INTERVAL DURATION")
	}
	port, err := strconv.Atoi(args[1])
	if err != nil {
		return fmt.Errorf("probe: port %q: %w", args[1], err)
	}
	iv, err := time.ParseDuration(args[2])
	if err != nil {
		return err
	}
	dur, err := time.ParseDuration(args[3])
	if err != nil {
		return err
	}
	dst := &net.UDPAddr{IP: net.ParseIP(args[0]), Port: port}
	if dst.IP == nil {
		return fmt.Errorf("probe: bad address %q", args[0])
	}
	c, err := net.ListenUDP("udp4", nil)
	if err != nil {
		return err
	}
	out := bufio.NewWriter(os.Stdout)
	var mu sync.Mutex
	sent := map[uint64]int64{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 2048)
		for {
			n, from, err := c.ReadFromUDP(buf)
			if err != nil {
				return
			}
			now := time.Now().UnixNano()
			if !from.IP.Equal(dst.IP) {
				continue
			}
			f := strings.Fields(string(buf[:n]))
			if len(f) != 2 {
				continue
			}
			seq, err := strconv.ParseUint(f[1], 10, 64)
			if err != nil {
				continue
			}
			mu.Lock()
			fmt.Fprintf(out, "%d %d %d %s\n", now, sent[seq], seq, f[0])
			out.Flush()
			mu.Unlock()
		}
	}()
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM, syscall.SIGINT)
	tick := time.NewTicker(iv)
	defer tick.Stop()
	end := time.After(dur)
	var seq uint64
	for {
		seq++
		mu.Lock()
		sent[seq] = time.Now().UnixNano()
		mu.Unlock()
		_, _ = c.WriteToUDP([]byte(strconv.FormatUint(seq, 10)), dst)
		select {
		case <-tick.C:
		case <-term:
			time.Sleep(50 * time.Millisecond) // late answers
			c.Close()
			<-done
			return nil
		case <-end:
			time.Sleep(50 * time.Millisecond)
			c.Close()
			<-done
			return nil
		}
	}
}

// helperCmd is this program started again as helper kind with args.
func helperCmd(wrap []string, kind string, args ...string) (*exec.Cmd, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(wrap[0], append(append(wrap[1:], self), args...)...)
	cmd.Env = append(os.Environ(), HelperEnv+"="+kind)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return cmd, nil
}

// StartResponder starts the UDP responder on port in the host. It runs
// until the host is powered off or the lab closes.
func (h *Host) StartResponder(port int) error {
	pid := h.HolderPid()
	if pid == 0 {
		return fmt.Errorf("host %s is off (no holder)", h.Name)
	}
	cmd, err := helperCmd([]string{"nsenter", "-t", strconv.Itoa(pid), "-m", "-n", "--"}, "respond", h.Name, strconv.Itoa(port))
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("host %s: start responder: %w", h.Name, err)
	}
	h.track(cmd)
	go func() { _ = cmd.Wait() }()
	return nil
}

// Reply is one answer the prober got.
type Reply struct {
	Recv, Sent time.Time
	Seq        uint64
	From       string // the responder's host name
}

// Prober sends to a service address from the client namespace.
type Prober struct {
	cmd     *exec.Cmd
	mu      sync.Mutex
	cond    *sync.Cond
	replies []Reply
	done    chan struct{}
}

// StartProber starts a prober in the client namespace: one datagram to
// target:port every interval, for at most max.
func (l *Lab) StartProber(target string, port int, interval, max time.Duration) (*Prober, error) {
	if l.Client == "" {
		return nil, fmt.Errorf("lab %s has no client", l.Name)
	}
	cmd, err := helperCmd([]string{"ip", "netns", "exec", l.Client}, "probe", target, strconv.Itoa(port), interval.String(), max.String())
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("lab %s: start prober: %w", l.Name, err)
	}
	p := &Prober{cmd: cmd, done: make(chan struct{})}
	p.cond = sync.NewCond(&p.mu)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) != 4 {
				continue
			}
			rn, _ := strconv.ParseInt(f[0], 10, 64)
			sn, _ := strconv.ParseInt(f[1], 10, 64)
			seq, _ := strconv.ParseUint(f[2], 10, 64)
			p.mu.Lock()
			p.replies = append(p.replies, Reply{Recv: time.Unix(0, rn), Sent: time.Unix(0, sn), Seq: seq, From: f[3]})
			p.cond.Broadcast()
			p.mu.Unlock()
		}
		_ = cmd.Wait()
		p.mu.Lock()
		close(p.done)
		p.cond.Broadcast()
		p.mu.Unlock()
	}()
	return p, nil
}

// Replies is every answer so far.
func (p *Prober) Replies() []Reply {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Reply(nil), p.replies...)
}

// WaitFrom waits up to timeout for an answer from host to a datagram sent
// at or after since.
func (p *Prober) WaitFrom(host string, since time.Time, timeout time.Duration) (Reply, error) {
	timer := time.AfterFunc(timeout, func() {
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	})
	defer timer.Stop()
	deadline := time.Now().Add(timeout)
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		for _, r := range p.replies {
			if r.From == host && !r.Sent.Before(since) {
				return r, nil
			}
		}
		select {
		case <-p.done:
			return Reply{}, fmt.Errorf("prober ended with no answer from %s", host)
		default:
		}
		if !time.Now().Before(deadline) {
			return Reply{}, fmt.Errorf("no answer from %s within %v", host, timeout)
		}
		p.cond.Wait()
	}
}

// Stop ends the prober and returns every answer.
func (p *Prober) Stop() []Reply {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	return p.Replies()
}

// Takeover is the peers' method on a prober's answers: takeover is the
// time from the fault to the first answer from a host other than old, to
// a datagram sent after the fault; gap is the longest silence between two
// consecutive answers from 1 s before the fault on. ok is false when no
// other host answered.
func Takeover(replies []Reply, fault time.Time, old string) (takeover, gap time.Duration, by string, ok bool) {
	rs := append([]Reply(nil), replies...)
	sort.Slice(rs, func(i, j int) bool { return rs[i].Recv.Before(rs[j].Recv) })
	for _, r := range rs {
		if r.From != old && !r.Sent.Before(fault) {
			takeover, by, ok = r.Recv.Sub(fault), r.From, true
			break
		}
	}
	var prev time.Time
	for _, r := range rs {
		if r.Recv.Before(fault.Add(-time.Second)) {
			continue
		}
		if !prev.IsZero() && r.Recv.Sub(prev) > gap {
			gap = r.Recv.Sub(prev)
		}
		prev = r.Recv
	}
	return takeover, gap, by, ok
}

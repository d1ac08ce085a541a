package agents

import (
	"bytes"
	"strings"
	"sync"
)

// tailBuffer keeps the last max bytes written to it, so an agent that
// prints gigabytes costs a fixed amount of memory. It never fails a write:
// failing would make os/exec stop draining the pipe and block the agent.
type tailBuffer struct {
	mu      sync.Mutex
	max     int
	buf     []byte
	dropped int64
}

func newTailBuffer(max int) *tailBuffer { return &tailBuffer{max: max} }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(p)
	if len(p) >= t.max {
		t.dropped += int64(len(t.buf) + len(p) - t.max)
		t.buf = append(t.buf[:0], p[len(p)-t.max:]...)
		return n, nil
	}
	if over := len(t.buf) + len(p) - t.max; over > 0 {
		t.dropped += int64(over)
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	t.buf = append(t.buf, p...)
	return n, nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// maxReasonLine bounds the line kept while looking for the exit reason: the
// prefix is searched only within the first bytes of each line.
const maxReasonLine = 4096

// reasonWriter tees stderr into a tail buffer and scans it, line by line
// as it streams, for the first ocf-exit-reason, so the reason survives
// even when the tail buffer has since dropped it.
type reasonWriter struct {
	tail  *tailBuffer
	mu    sync.Mutex
	line  []byte
	found bool
	text  string
}

func (w *reasonWriter) Write(p []byte) (int, error) {
	n, _ := w.tail.Write(p)
	w.mu.Lock()
	defer w.mu.Unlock()
	for len(p) > 0 && !w.found {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		if room := maxReasonLine - len(w.line); room > 0 {
			if len(chunk) > room {
				chunk = chunk[:room]
			}
			w.line = append(w.line, chunk...)
		}
		if i < 0 {
			break
		}
		w.endLine()
		p = p[i+1:]
	}
	return n, nil
}

// endLine checks the buffered line and starts a new one.
func (w *reasonWriter) endLine() {
	if j := bytes.Index(w.line, []byte(ExitReasonPrefix)); j >= 0 {
		r := strings.TrimSpace(string(w.line[j+len(ExitReasonPrefix):]))
		if len(r) > maxExitReason {
			r = r[:maxExitReason]
		}
		w.text, w.found = r, true
	}
	w.line = w.line[:0]
}

// reason returns the exit reason, including one on an unterminated last
// line.
func (w *reasonWriter) reason() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.found && len(w.line) > 0 {
		w.endLine()
	}
	return w.text
}

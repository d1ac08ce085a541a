// Package journal is pacerd's event journal: every log line at Info and
// above (the decisions and events an operator asks about, DESIGN.md's
// Logging), kept on disk as JSON lines in a bounded pair of files, so that
// `pacer history` and `pacer report` can show what a node saw and decided
// after the fact, whatever became of its stderr (docs/decisions/0010).
//
// A Journal is a zapcore.Core: pacerd tees its root logger into it. Each
// line gets the recording node ("host") and a sequence number ("seq"),
// monotonic across restarts, which readers page by.
package journal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// DefaultMaxBytes is the size at which the current file is rotated: a node
// keeps at most twice this much (the current file and the previous one).
const DefaultMaxBytes = 4 << 20

// File names inside the journal's directory.
const (
	currentName  = "events.jsonl"
	previousName = "events.jsonl.1"
)

// Config configures a Journal.
type Config struct {
	// Dir holds the files; created (0750) if missing.
	Dir string
	// Host is the recording node's name, written into every line.
	Host string
	// MaxBytes rotates the current file once it would grow past it;
	// zero means DefaultMaxBytes.
	MaxBytes int64
}

// Journal is the on-disk journal of one node.
type Journal struct {
	cfg Config

	mu   sync.Mutex
	f    *os.File
	size int64
	seq  uint64
	// failed keeps the first write error: the journal stops writing
	// (the log itself goes on) rather than fail every log call.
	failed error
}

// Open opens (or creates) the journal in cfg.Dir and finds the last
// sequence number written.
func Open(cfg Config) (*Journal, error) {
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if err := os.MkdirAll(cfg.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	j := &Journal{cfg: cfg}
	for _, name := range []string{previousName, currentName} {
		last, err := lastSeq(filepath.Join(cfg.Dir, name))
		if err != nil {
			return nil, fmt.Errorf("journal: %w", err)
		}
		if last > j.seq {
			j.seq = last
		}
	}
	f, err := os.OpenFile(filepath.Join(cfg.Dir, currentName), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("journal: %w", err)
	}
	j.f, j.size = f, st.Size()
	// A line torn by a crash ends without a newline: end it, so that the
	// next line is a line of its own (the torn one is skipped on read).
	if cur, err := os.ReadFile(filepath.Join(cfg.Dir, currentName)); err == nil && len(cur) > 0 && cur[len(cur)-1] != '\n' {
		j.write([]byte("\n"))
	}
	return j, nil
}

// lastSeq is the highest seq of a file's readable lines (0 if none).
func lastSeq(path string) (uint64, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var last uint64
	for _, line := range bytes.Split(data, []byte("\n")) {
		if e, err := Decode(line); err == nil && e.Seq > last {
			last = e.Seq
		}
	}
	return last, nil
}

// Close closes the current file.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}

// Err is the write error that stopped the journal, if any.
func (j *Journal) Err() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.failed
}

// write appends one encoded line, rotating first when it would not fit.
func (j *Journal) write(line []byte) {
	if j.f == nil || j.failed != nil {
		return
	}
	if j.size > 0 && j.size+int64(len(line)) > j.cfg.MaxBytes {
		if err := j.rotate(); err != nil {
			j.failed = err
			return
		}
	}
	n, err := j.f.Write(line)
	j.size += int64(n)
	if err != nil {
		j.failed = err
	}
}

func (j *Journal) rotate() error {
	if err := j.f.Close(); err != nil {
		return err
	}
	cur := filepath.Join(j.cfg.Dir, currentName)
	if err := os.Rename(cur, filepath.Join(j.cfg.Dir, previousName)); err != nil {
		return err
	}
	f, err := os.OpenFile(cur, os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		j.f = nil
		return err
	}
	j.f, j.size = f, 0
	return nil
}

// Core is the zapcore.Core that writes Info and above into the journal.
func (j *Journal) Core() zapcore.Core {
	enc := zapcore.NewJSONEncoder(zapcore.EncoderConfig{
		TimeKey: "ts", LevelKey: "level", NameKey: "logger", MessageKey: "msg",
		LineEnding: "\n", EncodeTime: zapcore.RFC3339NanoTimeEncoder, EncodeLevel: zapcore.LowercaseLevelEncoder,
		EncodeDuration: zapcore.StringDurationEncoder, EncodeName: zapcore.FullNameEncoder,
	})
	return &core{j: j, enc: enc, level: zapcore.InfoLevel}
}

type core struct {
	j     *Journal
	enc   zapcore.Encoder
	level zapcore.Level
}

func (c *core) Enabled(l zapcore.Level) bool { return l >= c.level }

func (c *core) With(fields []zapcore.Field) zapcore.Core {
	enc := c.enc.Clone()
	for _, f := range fields {
		f.AddTo(enc)
	}
	return &core{j: c.j, enc: enc, level: c.level}
}

func (c *core) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c *core) Write(e zapcore.Entry, fields []zapcore.Field) error {
	c.j.mu.Lock()
	defer c.j.mu.Unlock()
	c.j.seq++
	all := make([]zapcore.Field, 0, len(fields)+2)
	all = append(all, zap.Uint64(KeySeq, c.j.seq), zap.String(KeyHost, c.j.cfg.Host))
	all = append(all, fields...)
	buf, err := c.enc.EncodeEntry(e, all)
	if err != nil {
		return err
	}
	c.j.write(buf.Bytes())
	buf.Free()
	return nil
}

func (c *core) Sync() error {
	c.j.mu.Lock()
	defer c.j.mu.Unlock()
	if c.j.f == nil {
		return nil
	}
	return c.j.f.Sync()
}

// Keys of a line besides the entry's fields.
const (
	KeySeq    = "seq"
	KeyHost   = "host"
	keyTS     = "ts"
	keyLevel  = "level"
	keyLogger = "logger"
	keyMsg    = "msg"
)

// Entry is one journal line.
type Entry struct {
	Seq    uint64
	TS     time.Time
	Host   string // the node that recorded it
	Level  string
	Logger string
	Msg    string
	// Fields are the line's other fields (node, rsc, op, rc, ...),
	// numbers as json.Number.
	Fields map[string]any
	// Raw is the line as written, without its newline.
	Raw json.RawMessage
}

// MaxLine bounds a line Decode accepts.
const MaxLine = 1 << 20

// Decode parses one journal line.
func Decode(line []byte) (Entry, error) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return Entry{}, errors.New("empty line")
	}
	if len(line) > MaxLine {
		return Entry{}, fmt.Errorf("line of %d bytes, more than %d", len(line), MaxLine)
	}
	d := json.NewDecoder(bytes.NewReader(line))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return Entry{}, fmt.Errorf("journal line: %w", err)
	}
	if d.More() {
		return Entry{}, errors.New("journal line: data after the object")
	}
	e := Entry{Fields: m, Raw: append(json.RawMessage(nil), line...)}
	str := func(k string) string {
		s, _ := m[k].(string)
		delete(m, k)
		return s
	}
	ts := str(keyTS)
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return Entry{}, fmt.Errorf("journal line: ts %q: %w", ts, err)
	}
	e.TS = t
	n, ok := m[KeySeq].(json.Number)
	if !ok {
		return Entry{}, errors.New("journal line: no seq")
	}
	var seq uint64
	if _, err := fmt.Sscan(n.String(), &seq); err != nil || seq == 0 {
		return Entry{}, fmt.Errorf("journal line: seq %q: want a positive integer", n)
	}
	delete(m, KeySeq)
	e.Seq = seq
	e.Host, e.Level, e.Logger, e.Msg = str(KeyHost), str(keyLevel), str(keyLogger), str(keyMsg)
	if e.Msg == "" {
		return Entry{}, errors.New("journal line: no msg")
	}
	return e, nil
}

// Str is a string field ("" when absent or not a string).
func (e Entry) Str(k string) string {
	s, _ := e.Fields[k].(string)
	return s
}

// Filter selects entries.
type Filter struct {
	// Node keeps entries recorded on the node or about it (a node
	// field naming it).
	Node string
	// Rscs keeps entries about one of these resources (an rsc field
	// naming one, or an instance rsc:N of one).
	Rscs []string
	// Since keeps entries at or after it.
	Since time.Time
	// All keeps every line; otherwise only events (Kind not "").
	All bool
}

// Match reports whether e passes f.
func (f Filter) Match(e Entry) bool {
	if !f.All && Kind(e.Msg) == "" {
		return false
	}
	if !f.Since.IsZero() && e.TS.Before(f.Since) {
		return false
	}
	if f.Node != "" && e.Host != f.Node && e.Str("node") != f.Node {
		return false
	}
	if len(f.Rscs) > 0 {
		rsc := e.Str("rsc")
		if i := strings.LastIndexByte(rsc, ':'); i > 0 {
			rsc = rsc[:i]
		}
		found := false
		for _, r := range f.Rscs {
			if r == rsc || r == e.Str("rsc") {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// Read returns up to max entries (0: no limit) that match f and have a
// sequence number below before (0: from the newest), newest first, and
// whether older matching entries remain. maxBytes (0: no limit) bounds
// the entries' total size; at least one is returned when any matches.
// Lines that do not decode (a torn last write) are skipped.
func (j *Journal) Read(f Filter, before uint64, max int, maxBytes int) (out []Entry, more bool, err error) {
	var lines [][]byte
	for _, name := range []string{previousName, currentName} {
		data, err := os.ReadFile(filepath.Join(j.cfg.Dir, name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, false, fmt.Errorf("journal: %w", err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 64<<10), MaxLine+1)
		for sc.Scan() {
			lines = append(lines, append([]byte(nil), sc.Bytes()...))
		}
		if err := sc.Err(); err != nil && !errors.Is(err, io.EOF) {
			return nil, false, fmt.Errorf("journal %s: %w", name, err)
		}
	}
	size := 0
	for i := len(lines) - 1; i >= 0; i-- {
		e, err := Decode(lines[i])
		if err != nil || (before != 0 && e.Seq >= before) || !f.Match(e) {
			continue
		}
		if (max > 0 && len(out) >= max) || (maxBytes > 0 && len(out) > 0 && size+len(e.Raw) > maxBytes) {
			return out, true, nil
		}
		size += len(e.Raw)
		out = append(out, e)
	}
	return out, false, nil
}

// kinds are the events `pacer history` shows, by log message, and their
// kind: what an operator asks "what happened" about. Every other line is
// kept too (pacer history --all, pacer report).
var kinds = map[string]string{
	"pacerd started": "daemon", "pacerd stopped": "daemon",
	"elected DC": "dc", "DC changed": "dc", "no DC": "dc", "became DC": "dc", "no longer DC": "dc",
	"witness hands DC over": "dc", "forced single-voter raft configuration": "dc",
	"node joined": "node", "node declared dead": "node", "node restarted": "node", "node warn": "node",
	"node recovered": "node", "node lost": "node", "probing node": "node",
	"node left cleanly": "node", "node left cleanly: down as expected, not fenced": "node",
	"node may shut down: its resources are stopped; expected down":                 "node",
	"shutdown requested: asking the cluster to stop or move this node's resources": "daemon",
	"left the cluster cleanly: resources stopped or moved, peers told":             "daemon",
	"link down": "link", "link up": "link",
	"transition started": "transition", "transition complete": "transition", "transition aborted": "transition",
	"transition abort requested": "transition", "transition repeats without effect; waiting for an event": "transition",
	"action initiated": "action", "action result": "action",
	"operation result": "op", "monitor failed": "op",
	"fencing requested": "fencing", "fencing succeeded": "fencing", "fencing failed": "fencing",
	"fencing will be retried": "fencing", "peer dead: waiting fence_delay before fencing it": "fencing",
	"configuration replaced": "config", "resource cleaned up": "config", "node attribute set": "config",
	"node attribute deleted": "config",
}

// Kind is the kind of event a log message is, "" for a line that is no
// event.
func Kind(msg string) string { return kinds[msg] }

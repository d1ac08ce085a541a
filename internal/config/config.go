// Package config loads and validates pacer.toml, the per-node settings of
// pacerd (cluster name, this node, its peers, timing and heartbeat links), and
// the cluster authkey file.
//
// Loading is strict: TOML syntax errors carry line and column, unknown keys
// and wrongly typed values are errors, and every validation error names the
// file, the key ("link[2].baud") and the line where the key is written. The
// package does no I/O beyond reading and writing the files it is given; it
// never looks at the machine's interfaces or devices.
//
// docs/configuration.md is the reference for operators;
// testdata/pacer.example.toml is a complete example that Load accepts.
package config

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Config is the content of pacer.toml.
type Config struct {
	Cluster   string       `toml:"cluster"`   // cluster name, required
	Node      NodeConfig   `toml:"node"`      // this node, required
	Peers     []NodeConfig `toml:"peer"`      // the other nodes ([[peer]] tables)
	Keepalive Duration     `toml:"keepalive"` // heartbeat interval on every link
	Warntime  Duration     `toml:"warntime"`  // silence after which a late heartbeat is logged
	Deadtime  Duration     `toml:"deadtime"`  // silence on every link after which a node is dead
	Initdead  Duration     `toml:"initdead"`  // deadtime right after pacerd starts
	// ShutdownTimeout bounds a clean stop (SIGTERM): how long pacerd
	// waits for the cluster to stop or move its resources before it
	// leaves anyway (Pacemaker's shutdown-escalation). A node that leaves
	// anyway is not announced as left and its peers fence it.
	ShutdownTimeout Duration      `toml:"shutdown_timeout"`
	Authkey         string        `toml:"authkey"`  // path of the authkey file
	DataDir         string        `toml:"data_dir"` // Raft log and snapshots
	Socket          string        `toml:"socket"`   // control socket of pacerd
	Log             LogConfig     `toml:"log"`      // [log]
	Raft            RaftConfig    `toml:"raft"`     // [raft]
	Quorum          QuorumConfig  `toml:"quorum"`   // [quorum]
	Metrics         MetricsConfig `toml:"metrics"`  // [metrics]
	Links           []LinkConfig  `toml:"link"`     // [[link]] tables, at least one

	// src locates keys in the file Parse read, for errors; nil for a
	// Config built in code.
	src *source
}

// NodeConfig names a node: [node] for this one, [[peer]] for the others.
type NodeConfig struct {
	Name string `toml:"name"` // like a hostname; usually uname -n
	ID   uint64 `toml:"id"`   // nonzero, unique, never reused; also the node's raft id
	// Witness marks a Raft voter that hosts no resources (pacerd
	// --witness on that node sets it for [node]).
	Witness bool `toml:"witness"`
}

// RaftConfig is the [raft] table: the timing of the replicated CIB.
type RaftConfig struct {
	// Tick is one raft clock tick.
	Tick Duration `toml:"tick"`
	// ElectionTicks: a follower that hears no DC for between
	// ElectionTicks and twice as many ticks starts an election. 0 (the
	// default) derives it from keepalive: see ElectionTicksFor.
	ElectionTicks int `toml:"election_ticks"`
	// HeartbeatTicks: the DC sends its raft heartbeat this often.
	HeartbeatTicks int `toml:"heartbeat_ticks"`
}

// QuorumConfig is the [quorum] table: how a two-node cluster without a
// witness keeps going when one node dies.
type QuorumConfig struct {
	// TwoNode: exactly two nodes and no witness. When the peer is declared
	// dead the survivor fences it with FenceAgent and, only once that
	// succeeded, forces a single-voter raft configuration and carries on
	// alone; the fenced node rejoins under a new raft id.
	TwoNode bool `toml:"two_node"`
	// WaitForAll: after boot, no DC actions (no resources started) until
	// the peer has been seen alive once or fenced.
	WaitForAll bool `toml:"wait_for_all"`
	// FenceDelay: how long this node waits, once the peer is declared
	// dead, before it fences it. Set it on ONE of the two nodes, so in a
	// split both ways the other one fences first and wins.
	FenceDelay Duration `toml:"fence_delay"`
	// FenceRetry: how long after a failed fencing attempt the next one
	// starts (while the peer stays dead).
	FenceRetry Duration `toml:"fence_retry"`
	// FenceTimeout bounds one run of the fence agent.
	FenceTimeout Duration `toml:"fence_timeout"`
	// FenceAction is what fencing does to the peer: "reboot" (the
	// default, Pacemaker's stonith-action) or "off".
	FenceAction string `toml:"fence_action"`
	// FenceAgent is the fence agent (a fence_* program speaking the
	// fence-agents API) that fences the peer: run with action=FenceAction,
	// plug=<peer's node name> and FenceParams on stdin. Empty: the fence
	// devices configured in the CIB (stonith resources, topology).
	FenceAgent string `toml:"fence_agent"`
	// FenceAgentDir is where FenceAgent is found (default /usr/sbin).
	FenceAgentDir string `toml:"fence_agent_dir"`
	// FenceParams are the agent's other parameters (ip, username,
	// password, ...), passed as key=value lines.
	FenceParams map[string]string `toml:"fence_params"`
}

// LogConfig is the [log] table.
type LogConfig struct {
	Format string `toml:"format"` // "console" or "json"
	Level  string `toml:"level"`  // "debug", "info", "warn" or "error"
}

// LinkConfig is one [[link]] table: a path heartbeats and cluster messages
// travel on. Which keys apply depends on Kind.
type LinkConfig struct {
	Name string `toml:"name"` // unique, required
	Kind string `toml:"kind"` // KindUDP, KindMulticast or KindSerial

	// udp: unicast to each peer.
	Bind      string            `toml:"bind"`  // local "ip:port", required
	PeerAddrs map[string]string `toml:"peers"` // peer node name -> "ip:port"

	// multicast: one group (or broadcast address) reaches every peer.
	Group     string `toml:"group"`     // "ip:port", required
	Interface string `toml:"interface"` // optional interface name
	TTL       int    `toml:"ttl"`       // default 1

	// serial: a null-modem cable to one peer.
	Device string `toml:"device"` // tty path, required
	Baud   int    `toml:"baud"`   // default 19200
	Peer   string `toml:"peer"`   // node name on the other end, required
}

// Link kinds.
const (
	KindUDP       = "udp"
	KindMulticast = "multicast"
	KindSerial    = "serial"
)

// Defaults for keys a file may leave out.
const (
	DefaultAuthkey = "/etc/pacer/authkey"
	DefaultDataDir = "/var/lib/pacer"
	DefaultSocket  = "/run/pacer/pacerd.sock"
	DefaultTTL     = 1
	DefaultBaud    = 19200

	DefaultRaftTick       = 100 * time.Millisecond
	DefaultElectionTicks  = 10
	DefaultHeartbeatTicks = 1
	MaxVoters             = 5  // raft voters; further nodes are learners
	MaxNodes              = 64 // nodes in a cluster
	DefaultFenceRetry     = 5 * time.Second
	DefaultFenceTimeout   = 60 * time.Second
	DefaultFenceAgentDir  = "/usr/sbin"
	MinRaftTick           = 10 * time.Millisecond
	MaxRaftTick           = 10 * time.Second
	MaxElectionTicks      = 1000
)

// ElectionTicksFor is the election timeout in ticks with keepalive: the
// configured election_ticks, or by default the least that is at least
// DefaultElectionTicks and spans three keepalives. Cluster messages leave
// a link once it has been silent for two keepalives (a cut cable), so a
// shorter timeout would let one cut cable cost the DC its quorum and move
// it; at the default keepalive of 500 ms that is 15 ticks of 100 ms.
func (r RaftConfig) ElectionTicksFor(keepalive time.Duration) int {
	if r.ElectionTicks > 0 {
		return r.ElectionTicks
	}
	t := DefaultElectionTicks
	if tick := r.Tick.Duration; tick > 0 {
		if n := int((3*keepalive + tick - 1) / tick); n > t {
			t = n
		}
	}
	return min(t, MaxElectionTicks)
}

// DefaultShutdownTimeout is shutdown_timeout's default: long enough for
// the stop of a database or a DRBD demotion under load, shorter than
// Pacemaker's 20 minute shutdown-escalation, which outlives most service
// managers' stop timeouts.
const DefaultShutdownTimeout = 10 * time.Minute

// BaudRates are the serial speeds a link may use.
var BaudRates = []int{1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200}

// The default timing (docs/decisions/0012-default-timers.md): a failed
// node is declared dead 3 s after its last heartbeat, as Corosync's
// default token of 3 s notices it, so that a fenced takeover at the
// defaults takes about 3 s (Pacemaker's: 6.7-8 s); a heartbeat every
// 500 ms on every link (six per deadtime; a few hundred bytes a second per
// peer), a late one logged after 2 s.
const (
	DefaultKeepalive = 500 * time.Millisecond
	DefaultWarntime  = 2 * time.Second
	DefaultDeadtime  = 3 * time.Second
)

// Defaults returns the settings every file starts from. It has no cluster
// name, node or links, so it does not validate on its own.
func Defaults() Config {
	return Config{
		Keepalive:       Duration{DefaultKeepalive},
		Warntime:        Duration{DefaultWarntime},
		Deadtime:        Duration{DefaultDeadtime},
		Initdead:        Duration{30 * time.Second},
		ShutdownTimeout: Duration{DefaultShutdownTimeout},
		Authkey:         DefaultAuthkey,
		DataDir:         DefaultDataDir,
		Socket:          DefaultSocket,
		Log:             LogConfig{Format: "console", Level: "info"},
		Raft:            RaftConfig{Tick: Duration{DefaultRaftTick}, HeartbeatTicks: DefaultHeartbeatTicks},
		Quorum: QuorumConfig{FenceRetry: Duration{DefaultFenceRetry}, FenceTimeout: Duration{DefaultFenceTimeout},
			FenceAgentDir: DefaultFenceAgentDir, FenceAction: "reboot"},
	}
}

// Load reads the file at path and parses it with Parse.
func Load(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, err
	}
	return Parse(data, path)
}

// Parse decodes data strictly, applies the defaults and validates the
// result. name is the file name errors carry. Every error it returns is an
// *Error, or several joined with errors.Join, first in file order.
func Parse(data []byte, name string) (Config, error) {
	d := &decoder{file: name}
	src := string(data)

	// 1. Syntax, into a generic tree.
	var tree map[string]any
	if _, err := toml.Decode(src, &tree); err != nil {
		return Config{}, d.syntaxErr(src, err)
	}
	d.src = &source{file: name, pos: scanPositions(src)}

	// 2. Unknown keys and value types, with exact paths.
	d.checkTree("", tree, reflect.TypeFor[Config]())
	if len(d.errs) > 0 {
		return Config{}, joinErrors(d.errs)
	}

	// 3. The typed decode over the defaults. Step 2 has made it safe; its
	// own checks stay as a backstop.
	cfg := Defaults()
	md, err := toml.Decode(src, &cfg)
	if err != nil {
		return Config{}, d.syntaxErr(src, err)
	}
	for _, k := range md.Undecoded() {
		d.errAt(k.String(), "unknown key")
	}
	if len(d.errs) > 0 {
		return Config{}, joinErrors(d.errs)
	}
	cfg.src = d.src
	applyLinkDefaults(&cfg, tree)

	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// applyLinkDefaults fills ttl and baud on the links of the kind they belong
// to, when the file leaves them out.
func applyLinkDefaults(cfg *Config, tree map[string]any) {
	var raw []map[string]any
	switch l := tree["link"].(type) {
	case []map[string]any:
		raw = l
	case []any:
		for _, e := range l {
			m, _ := e.(map[string]any)
			raw = append(raw, m)
		}
	}
	for i := range cfg.Links {
		if i >= len(raw) {
			break
		}
		l := &cfg.Links[i]
		if _, ok := raw[i]["ttl"]; !ok && l.Kind == KindMulticast {
			l.TTL = DefaultTTL
		}
		if _, ok := raw[i]["baud"]; !ok && l.Kind == KindSerial {
			l.Baud = DefaultBaud
		}
	}
}

// PeerByName returns the [[peer]] called name.
func (c Config) PeerByName(name string) (NodeConfig, bool) {
	for _, p := range c.Peers {
		if p.Name == name {
			return p, true
		}
	}
	return NodeConfig{}, false
}

// source is what Parse keeps of a file to locate errors.
type source struct {
	file string
	pos  positions
}

// locate returns where the first of paths that is written in the file is,
// trying each path's parents (the table that should hold a missing key)
// after the paths themselves.
func (s *source) locate(paths ...string) (line, col int) {
	if s == nil {
		return 0, 0
	}
	for _, p := range paths {
		if at, ok := s.pos[p]; ok {
			return at.line, at.col
		}
	}
	for _, p := range paths {
		for q := parentPath(p); q != ""; q = parentPath(q) {
			if at, ok := s.pos[q]; ok {
				return at.line, at.col
			}
		}
	}
	return 0, 0
}

// isSet reports whether path is written in the file.
func (s *source) isSet(path string) bool {
	if s == nil {
		return false
	}
	_, ok := s.pos[path]
	return ok
}

// parentPath strips the last component ("link[2].baud" -> "link[2]",
// "link[2]" -> "link"), honouring quoted components.
func parentPath(p string) string {
	inQuote := false
	cut := -1
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '\\' && inQuote:
			i++
		case c == '"':
			inQuote = !inQuote
		case !inQuote && (c == '.' || c == '['):
			cut = i
		}
	}
	if cut <= 0 {
		return ""
	}
	return p[:cut]
}

// decoder collects errors while parsing one file.
type decoder struct {
	file string
	src  *source
	errs []*Error
}

func (d *decoder) errAt(path, format string, args ...any) {
	d.errs = append(d.errs, d.src.newError(d.file, path, format, args...))
}

// syntaxErr converts a toml error to an *Error with its line and column.
// They are computed from the byte offset the library reports, because its
// line number is one too far when the offending byte is a line end.
func (d *decoder) syntaxErr(src string, err error) error {
	var pe toml.ParseError
	if !errors.As(err, &pe) {
		return &Error{File: d.file, Msg: err.Error()}
	}
	line, col := pe.Position.Line, pe.Position.Col
	if start := pe.Position.Start; start > 0 && start <= len(src) {
		line = 1 + strings.Count(src[:start], "\n")
		col = start - strings.LastIndexByte(src[:start], '\n')
	}
	return &Error{File: d.file, Line: line, Col: col, Key: pe.LastKey, Msg: pe.Message}
}

package hacf

import (
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"pacer/internal/config"
)

// NoteKind says what the import did with one thing it read.
type NoteKind string

const (
	// Mapped: the value was carried over.
	Mapped NoteKind = "mapped"
	// Default: ha.cf left it out; Heartbeat's default was carried over.
	Default NoteKind = "default"
	// Ignored: it has no effect in pacer, and nothing is lost by that
	// (log destinations, wire-format tuning).
	Ignored NoteKind = "ignored"
	// NotHonoured: it changed Heartbeat's behaviour and pacer does not do
	// the same; the message says what to do instead.
	NotHonoured NoteKind = "not honoured"
)

// Note is one line of the import's explanation.
type Note struct {
	File string
	Line int // 0: not from one line (a default, the file as a whole)
	Kind NoteKind
	Msg  string
}

func (n Note) String() string {
	where := n.File
	if n.Line > 0 {
		where += ":" + strconv.Itoa(n.Line)
	}
	return fmt.Sprintf("%s: %s: %s", where, n.Kind, n.Msg)
}

// Options are what ha.cf does not say and the caller knows.
type Options struct {
	// Node is the node this pacer.toml is for; "" means the first node
	// ha.cf lists.
	Node string
	// Cluster overrides ha.cf's cluster name (Heartbeat's default is
	// "linux-ha").
	Cluster string
	// Addrs gives nodes' addresses: which node a ucast address belongs to,
	// and this node's own address to bind each udp link to.
	Addrs map[string][]netip.Addr
	// FenceAgent, for a two-node cluster, is the fence agent (fence_*)
	// that [quorum] two_node uses to power the peer off. Without it the
	// [quorum] table is written commented out (see the notes).
	FenceAgent string
}

// Result is ha.cf turned into a pacer.toml.
type Result struct {
	// TOML is the pacer.toml text; Config is what config.Parse made of it
	// (so it is known to load).
	TOML   []byte
	Config config.Config
	// Local is the node the file is for; Nodes all nodes in ha.cf order
	// (their pacer ids are 1, 2, ...).
	Local string
	Nodes []string
	// AutoFailback is Heartbeat's auto_failback as it was in effect, and
	// AutoFailbackLine the line that set it (0: Heartbeat's default).
	AutoFailback     bool
	AutoFailbackLine int
	// CRM is set when ha.cf ran Pacemaker (crm on/respawn): haresources was
	// not in use, the CIB was.
	CRM   bool
	Notes []Note
}

// Heartbeat's defaults (config.c).
const (
	hbKeepalive = time.Second
	hbDeadtime  = 30 * time.Second
	hbUDPPort   = 694
	hbBaud      = 19200
	hbCluster   = "linux-ha"
)

type link struct {
	cfg   config.LinkConfig
	line  int
	iface string // for ucast: the interface its addresses were on
	ips   []ipAt // ucast peers' addresses as written
	port  int
	what  string // the ha.cf words, for notes
}

type ipAt struct {
	addr netip.Addr
	line int
}

type converter struct {
	f     *File
	o     Options
	res   *Result
	errs  []error
	nodes []string
	seen  map[string]int // lower-case node name -> line

	keepalive, deadtime, warntime, initdead                 time.Duration
	raw                                                     map[string]string // timing directive -> its word
	keepaliveLine, deadtimeLine, warntimeLine, initdeadLine int
	port, portLine                                          int
	baud, baudLine                                          int
	links                                                   []*link
	ucast                                                   map[string]*link
	serialDevs                                              []struct {
		dev  string
		line int
	}
	mediaSeen    bool
	autoFailback string
	autoLine     int
	niceFailback bool
	niceLine     int
	cluster      string
	clusterLine  int
	logLevel     string
	logLevelLine int
}

func (c *converter) errorf(line int, format string, args ...any) {
	c.errs = append(c.errs, &Error{File: c.f.Name, Line: line, Msg: fmt.Sprintf(format, args...)})
}

func (c *converter) note(line int, k NoteKind, format string, args ...any) {
	c.res.Notes = append(c.res.Notes, Note{File: c.f.Name, Line: line, Kind: k, Msg: fmt.Sprintf(format, args...)})
}

// Convert turns a parsed ha.cf into a pacer.toml for one node. On error
// (input Heartbeat would refuse, or a link it cannot place) it returns
// nil and every problem, each an *Error naming the line.
func Convert(f *File, o Options) (*Result, error) {
	c := &converter{f: f, o: o, res: &Result{}, seen: map[string]int{}, ucast: map[string]*link{},
		port: hbUDPPort, baud: hbBaud, cluster: hbCluster, raw: map[string]string{}}
	for _, d := range f.Directives {
		c.directive(d)
	}
	if len(c.errs) > 0 {
		return nil, errors.Join(c.errs...)
	}
	c.finish()
	if len(c.errs) > 0 {
		return nil, errors.Join(c.errs...)
	}
	// In file order; what concerns the file as a whole last.
	sort.SliceStable(c.res.Notes, func(i, j int) bool {
		li, lj := c.res.Notes[i].Line, c.res.Notes[j].Line
		if li == 0 || lj == 0 {
			return lj == 0 && li != 0
		}
		return li < lj
	})
	return c.res, nil
}

func (c *converter) directive(d Directive) {
	a := d.Args
	words := d.Name + " " + strings.Join(a, " ")
	switch d.Name {
	case "cluster":
		if !validClusterName(a[0]) {
			c.errorf(d.Line, "cluster %q: a pacer cluster name is 1 to 64 letters, digits, '.', '_' or '-' (pass --cluster NAME)", a[0])
			return
		}
		c.cluster, c.clusterLine = a[0], d.Line
	case "node":
		for _, n := range a {
			if why := hostnameProblem(n); why != "" {
				c.errorf(d.Line, "node %q %s: pacer node names are host names (letters, digits, '-', dot-separated labels of 1 to 63)", n, why)
				continue
			}
			if prev, dup := c.seen[strings.ToLower(n)]; dup {
				c.errorf(d.Line, "node %s is already listed on line %d", n, prev)
				continue
			}
			c.seen[strings.ToLower(n)] = d.Line
			c.nodes = append(c.nodes, n)
		}
	case "keepalive", "deadtime", "warntime", "initdead":
		v, err := ParseMsec(a[0])
		if err != nil {
			c.errorf(d.Line, "%s: %v", d.Name, err)
			return
		}
		if v <= 0 {
			c.errorf(d.Line, "%s %s: must be more than 0", d.Name, a[0])
			return
		}
		c.raw[d.Name] = a[0]
		switch d.Name {
		case "keepalive":
			c.keepalive, c.keepaliveLine = v, d.Line
		case "deadtime":
			c.deadtime, c.deadtimeLine = v, d.Line
		case "warntime":
			c.warntime, c.warntimeLine = v, d.Line
		case "initdead":
			c.initdead, c.initdeadLine = v, d.Line
		}
	case "udpport":
		p, err := strconv.Atoi(a[0])
		if err != nil || p < 1 || p > 65535 {
			c.errorf(d.Line, "udpport %s: want a port number 1 to 65535", a[0])
			return
		}
		if c.mediaSeen {
			c.note(d.Line, NotHonoured, "udpport %d comes after media lines: Heartbeat applied it only to the bcast and ucast lines below it, and so does the import", p)
		}
		c.port, c.portLine = p, d.Line
	case "baud":
		b, err := strconv.Atoi(a[0])
		if err != nil || b <= 0 {
			c.errorf(d.Line, "baud %s: want a line speed such as 19200", a[0])
			return
		}
		c.baud, c.baudLine = b, d.Line
	case "bcast", "udp":
		c.mediaSeen = true
		for _, iface := range a {
			if !validIface(iface) {
				c.errorf(d.Line, "%s %s: %q is not an interface name", d.Name, iface, iface)
				continue
			}
			c.links = append(c.links, &link{line: d.Line, port: c.port, what: d.Name + " " + iface, cfg: config.LinkConfig{
				Kind: config.KindMulticast, Group: netip.AddrPortFrom(netip.AddrFrom4([4]byte{255, 255, 255, 255}), uint16(c.port)).String(),
				Interface: iface, TTL: 1,
			}})
		}
	case "mcast", "mcast6":
		c.mediaSeen = true
		c.mcast(d, words)
	case "ucast":
		c.mediaSeen = true
		iface := a[0]
		if !validIface(iface) {
			c.errorf(d.Line, "ucast: %q is not an interface name (ucast DEVICE PEER-ADDRESS)", iface)
			return
		}
		l := c.ucast[iface]
		if l == nil {
			l = &link{line: d.Line, port: c.port, iface: iface, what: "ucast " + iface, cfg: config.LinkConfig{Kind: config.KindUDP}}
			c.ucast[iface] = l
			c.links = append(c.links, l)
		} else if l.port != c.port {
			c.errorf(d.Line, "ucast %s: udpport changed to %d since the ucast %s line %d (port %d): one link has one port", iface, c.port, iface, l.line, l.port)
			return
		}
		for _, s := range a[1:] {
			ip, err := netip.ParseAddr(s)
			if err != nil || ip.Zone() != "" {
				c.errorf(d.Line, "ucast %s: %q is not an IP address (pacer never resolves host names for its own links)", iface, s)
				continue
			}
			l.ips = append(l.ips, ipAt{addr: ip, line: d.Line})
		}
	case "serial":
		c.mediaSeen = true
		for _, dev := range a {
			if !strings.HasPrefix(dev, "/") {
				c.errorf(d.Line, "serial %s: want a device path such as /dev/ttyS0", dev)
				continue
			}
			c.serialDevs = append(c.serialDevs, struct {
				dev  string
				line int
			}{dev, d.Line})
		}
	case "auto_failback":
		switch strings.ToLower(a[0]) {
		case "legacy":
			c.autoFailback = "legacy"
		default:
			v, ok := parseBool(a[0])
			if !ok {
				c.errorf(d.Line, "auto_failback %s: want on, off or legacy", a[0])
				return
			}
			c.autoFailback = map[bool]string{true: "on", false: "off"}[v]
		}
		c.autoLine = d.Line
	case "nice_failback":
		v, ok := parseBool(a[0])
		if !ok {
			c.errorf(d.Line, "nice_failback %s: want on or off", a[0])
			return
		}
		c.niceFailback, c.niceLine = v, d.Line
	case "crm", "pacemaker":
		v, ok := parseBool(a[0])
		if strings.EqualFold(a[0], "respawn") {
			v, ok = true, true
		}
		if !ok {
			c.errorf(d.Line, "%s %s: want on, off or respawn", d.Name, a[0])
			return
		}
		if v {
			c.res.CRM = true
			c.note(d.Line, NotHonoured, "%s: this Heartbeat ran Pacemaker, whose resources are in the CIB, not in haresources; import them with `pacer import cib` (cibadmin -Q output)", words)
		} else {
			c.note(d.Line, Mapped, "%s: v1 resource management, which haresources describes", words)
		}
	case "debug":
		n, err := strconv.Atoi(a[0])
		if err != nil || n < 0 {
			c.errorf(d.Line, "debug %s: want a level 0 to 255", a[0])
			return
		}
		if n > 0 {
			c.logLevel, c.logLevelLine = "debug", d.Line
		}
	case "logfacility", "logfile", "debugfile", "use_logd", "conn_logd_time", "syslogmsgfmt":
		c.note(d.Line, Ignored, "%s: pacerd logs structured lines to stderr, which systemd's journal (and from there syslog) collects; [log] format and level choose the form", words)
	case "deadping":
		c.note(d.Line, NotHonoured, "%s: pacer has no ping nodes (see ping)", words)
	case "ping", "ping_group", "hbaping":
		c.note(d.Line, NotHonoured, "%s: pacer has no ping nodes; to move resources away from a node that loses its network, run ocf:pacemaker:ping as a clone and add a location rule on the pingd attribute", words)
	case "stonith", "stonith_host":
		c.note(d.Line, NotHonoured, "%s: Heartbeat's stonith plugins are not fence-agents; configure a fence device with `pacer configure primitive ID stonith:fence_...` (docs/fencing.md)", firstWords(d.Name, a, 2))
	case "watchdog":
		c.note(d.Line, NotHonoured, "%s: pacerd does not drive a watchdog device; fencing (docs/fencing.md) is how pacer makes sure a failed node is stopped", words)
	case "respawn", "failfast":
		c.note(d.Line, NotHonoured, "%s: pacerd starts no helper programs; run it as its own systemd unit, or as a cluster resource", words)
	case "apiauth":
		c.note(d.Line, Ignored, "%s: pacer's control socket admits root and the group haclient", words)
	case "autojoin":
		if v := strings.ToLower(a[0]); v != "none" {
			c.note(d.Line, NotHonoured, "%s: nodes cannot join a pacer cluster unannounced; list every node in each pacer.toml", words)
		} else {
			c.note(d.Line, Mapped, "%s: nodes are the ones listed, as in pacer", words)
		}
	case "quorum_server":
		c.note(d.Line, NotHonoured, "%s: pacer's tie-breaker is a witness node (a third pacerd with witness = true), not a quorum server", words)
	case "hopfudge", "uuidfrom", "realtime", "rtprio", "coredumps", "coreroot", "hbgenmethod", "msgfmt",
		"compression", "compression_threshold", "traditional_compression", "max_rexmit_delay", "memreserve",
		"env", "use_apphbd", "record_config_changes", "record_pengine_inputs", "enable_config_writes":
		c.note(d.Line, Ignored, "%s: a detail of Heartbeat's process or wire format with no counterpart in pacer", words)
	default:
		// Parse admits only the directives above.
		c.errorf(d.Line, "directive %s is not handled", d.Name)
	}
}

func firstWords(name string, a []string, n int) string {
	if len(a) > n {
		return name + " " + strings.Join(a[:n], " ") + " ..."
	}
	return name + " " + strings.Join(a, " ")
}

func (c *converter) mcast(d Directive, words string) {
	a := d.Args
	iface, group, port, ttl, loop := a[0], a[1], a[2], a[3], a[4]
	if !validIface(iface) {
		c.errorf(d.Line, "%s: %q is not an interface name (%s DEVICE GROUP PORT TTL LOOP)", d.Name, iface, d.Name)
		return
	}
	g, err := netip.ParseAddr(group)
	if err != nil || !g.IsMulticast() || (d.Name == "mcast") != g.Is4() {
		want := "an IPv4 multicast group (224.0.0.0/4)"
		if d.Name == "mcast6" {
			want = "an IPv6 multicast group (ff00::/8)"
		}
		c.errorf(d.Line, "%s %s: %q is not %s", d.Name, iface, group, want)
		return
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		c.errorf(d.Line, "%s %s: port %q is not 1 to 65535", d.Name, iface, port)
		return
	}
	t, err := strconv.Atoi(ttl)
	if err != nil || t < 1 || t > 255 {
		c.errorf(d.Line, "%s %s: ttl %q is not 1 to 255", d.Name, iface, ttl)
		return
	}
	if loop != "0" && loop != "1" {
		c.errorf(d.Line, "%s %s: loop %q is not 0 or 1", d.Name, iface, loop)
		return
	}
	l := &link{line: d.Line, port: p, what: words, cfg: config.LinkConfig{
		Kind: config.KindMulticast, Group: netip.AddrPortFrom(g, uint16(p)).String(), Interface: iface, TTL: t,
	}}
	c.links = append(c.links, l)
	if loop == "1" {
		c.note(d.Line, Ignored, "%s: loop 1 (hearing its own packets) has no counterpart; pacer ignores its own frames either way", words)
	}
}

// finish checks the whole file, resolves nodes and links, and renders.
func (c *converter) finish() {
	r := c.res
	if len(c.nodes) == 0 {
		c.errorf(0, "no node directive: list every node (node alice bob), as Heartbeat requires")
		return
	}
	r.Nodes = c.nodes
	local := c.o.Node
	if local == "" {
		local = c.nodes[0]
		c.note(0, Default, "this pacer.toml is for node %s, the first node listed; pass --node NAME to make the file of another node", local)
	} else if _, ok := c.seen[strings.ToLower(local)]; !ok {
		c.errorf(0, "node %s is not listed in ha.cf (nodes: %s)", local, strings.Join(c.nodes, ", "))
		return
	} else {
		for _, n := range c.nodes {
			if strings.EqualFold(n, local) {
				local = n
			}
		}
	}
	r.Local = local
	if c.o.Cluster != "" && !validClusterName(c.o.Cluster) {
		c.errorf(0, "--cluster %q: a pacer cluster name is 1 to 64 letters, digits, '.', '_' or '-'", c.o.Cluster)
		return
	}
	c.timing()
	c.failback()
	links := c.resolveLinks(local)
	if len(c.errs) > 0 {
		return
	}
	if len(links) == 0 {
		c.errorf(0, "no media (bcast, mcast, ucast or serial): Heartbeat refuses that too (\"No heartbeat media defined\")")
		return
	}
	text := c.render(local, links)
	cfg, err := config.Parse(text, "pacer.toml")
	if err != nil {
		c.errs = append(c.errs, fmt.Errorf("the pacer.toml made from %s does not load; fix ha.cf or the options (--node, --addr):\n%w", c.f.Name, err))
		return
	}
	r.TOML, r.Config = text, cfg
}

func (c *converter) timing() {
	if c.keepalive == 0 {
		c.keepalive = hbKeepalive
		c.note(0, Default, "keepalive not set: Heartbeat's default 1s -> keepalive = %q", fmtDur(c.keepalive))
	} else {
		c.note(c.keepaliveLine, Mapped, "keepalive %s -> keepalive = %q", c.raw["keepalive"], fmtDur(c.keepalive))
	}
	if c.deadtime == 0 {
		c.deadtime = hbDeadtime
		c.note(0, Default, "deadtime not set: Heartbeat's default 30s -> deadtime = %q (pacer's own default is 10s)", fmtDur(c.deadtime))
	} else {
		c.note(c.deadtimeLine, Mapped, "deadtime %s -> deadtime = %q: a node is dead when every link to it is silent this long", c.raw["deadtime"], fmtDur(c.deadtime))
	}
	if c.deadtime <= 2*c.keepalive {
		c.errorf(c.deadtimeLine, "deadtime %v is not more than twice keepalive %v: Heartbeat refuses that too", c.deadtime, c.keepalive)
		return
	}
	switch {
	case c.warntime == 0:
		c.warntime = c.deadtime / 2
		c.note(0, Default, "warntime not set: Heartbeat's default, half of deadtime -> warntime = %q", fmtDur(c.warntime))
	case c.warntime <= c.keepalive || c.warntime >= c.deadtime:
		was := c.warntime
		c.warntime = c.deadtime / 2
		c.note(c.warntimeLine, NotHonoured, "warntime %v is not between keepalive %v and deadtime %v, as pacer requires -> warntime = %q (half of deadtime, Heartbeat's default)", was, c.keepalive, c.deadtime, fmtDur(c.warntime))
	default:
		c.note(c.warntimeLine, Mapped, "warntime %s -> warntime = %q: a late heartbeat is logged", c.raw["warntime"], fmtDur(c.warntime))
	}
	if c.initdead == 0 {
		switch {
		case c.deadtime > 10*time.Second:
			c.initdead = c.deadtime
		case c.deadtime < 6*time.Second:
			c.initdead = 12 * time.Second
		default:
			c.initdead = 2 * c.deadtime
		}
		c.note(0, Default, "initdead not set: Heartbeat's default for this deadtime -> initdead = %q", fmtDur(c.initdead))
	} else if c.initdead < c.deadtime {
		c.errorf(c.initdeadLine, "initdead %v is less than deadtime %v: Heartbeat refuses that too", c.initdead, c.deadtime)
	} else {
		c.note(c.initdeadLine, Mapped, "initdead %s -> initdead = %q", c.raw["initdead"], fmtDur(c.initdead))
	}
}

func (c *converter) failback() {
	r := c.res
	switch c.autoFailback {
	case "on":
		r.AutoFailback, r.AutoFailbackLine = true, c.autoLine
		c.note(c.autoLine, Mapped, "auto_failback on -> resources return to their preferred node: resource-stickiness=0 on the imported resources")
	case "off":
		r.AutoFailback, r.AutoFailbackLine = false, c.autoLine
		c.note(c.autoLine, Mapped, "auto_failback off -> resources stay where they run: resource-stickiness=200 on the imported resources (more than the node preference of 100)")
	default: // legacy, or not set: Heartbeat's default
		line := c.autoLine
		if c.niceFailback {
			r.AutoFailback, r.AutoFailbackLine = false, c.niceLine
			c.note(c.niceLine, Mapped, "nice_failback on (auto_failback legacy) -> resources stay where they run: resource-stickiness=200 on the imported resources")
			return
		}
		r.AutoFailback, r.AutoFailbackLine = true, line
		if line == 0 {
			c.note(0, Default, "auto_failback not set: Heartbeat's default (legacy, nice_failback off) moved resources back -> resource-stickiness=0 on the imported resources")
		} else {
			c.note(line, Mapped, "auto_failback legacy (nice_failback off) -> resources return to their preferred node: resource-stickiness=0")
		}
	}
}

// resolveLinks places every link: ucast addresses on their nodes, bind
// addresses, serial peers. It returns the links in ha.cf order, named.
func (c *converter) resolveLinks(local string) []*link {
	var peers []string
	for _, n := range c.nodes {
		if n != local {
			peers = append(peers, n)
		}
	}
	owner := map[netip.Addr]string{}
	for n, as := range c.o.Addrs {
		name := n
		for _, x := range c.nodes {
			if strings.EqualFold(x, n) {
				name = x
			}
		}
		if _, ok := c.seen[strings.ToLower(name)]; !ok {
			c.errorf(0, "--addr %s: %s is not a node of ha.cf (nodes: %s)", n, n, strings.Join(c.nodes, ", "))
			continue
		}
		for _, a := range as {
			if prev, dup := owner[a]; dup && prev != name {
				c.errorf(0, "--addr: %v is given for both %s and %s", a, prev, name)
			}
			owner[a] = name
		}
	}
	var out []*link
	binds := map[string]int{}
	for _, l := range c.links {
		switch l.cfg.Kind {
		case config.KindUDP:
			if !c.placeUcast(l, local, peers, owner) {
				continue
			}
			if prev, dup := binds[l.cfg.Bind]; dup {
				c.errorf(l.line, "ucast %s would bind %s like the ucast line %d: pass --addr %s=IP with this node's own address on each network", l.iface, l.cfg.Bind, prev, local)
				continue
			}
			binds[l.cfg.Bind] = l.line
		case config.KindMulticast:
			what := "bcast"
			if !strings.HasPrefix(l.what, "bcast") && !strings.HasPrefix(l.what, "udp") {
				what = "mcast"
			}
			if what == "bcast" {
				c.note(l.line, Mapped, "%s -> [[link]] kind = \"multicast\", group = %q, interface = %q: Heartbeat sent to %s's broadcast address; the limited broadcast reaches the same segment", l.what, l.cfg.Group, l.cfg.Interface, l.cfg.Interface)
			} else {
				c.note(l.line, Mapped, "%s -> [[link]] kind = \"multicast\", group = %q, interface = %q, ttl = %d", l.what, l.cfg.Group, l.cfg.Interface, l.cfg.TTL)
			}
		}
		out = append(out, l)
	}
	for _, s := range c.serialDevs {
		if len(peers) != 1 {
			c.note(s.line, NotHonoured, "serial %s: a pacer serial link joins two nodes; with %d nodes Heartbeat relayed around a ring of cables, which pacer does not do; add the cable as a link of the two nodes it joins by hand", s.dev, len(c.nodes))
			continue
		}
		l := &link{line: s.line, what: "serial " + s.dev, cfg: config.LinkConfig{Kind: config.KindSerial, Device: s.dev, Peer: peers[0], Baud: c.baud}}
		baudOK := false
		for _, b := range config.BaudRates {
			if b == c.baud {
				baudOK = true
			}
		}
		if !baudOK {
			c.note(c.baudLine, NotHonoured, "baud %d: pacer's serial links run at %v; using 19200 on %s, set both ends alike", c.baud, config.BaudRates, s.dev)
			l.cfg.Baud = 19200
		}
		src := "Heartbeat's default"
		if c.baudLine > 0 {
			src = fmt.Sprintf("line %d", c.baudLine)
		}
		c.note(s.line, Mapped, "serial %s -> [[link]] kind = \"serial\", device = %q, peer = %q (the other node), baud = %d (%s)", s.dev, s.dev, peers[0], l.cfg.Baud, src)
		out = append(out, l)
	}
	if len(c.errs) > 0 {
		return nil
	}
	// Network links in ha.cf order are ring0, ring1, ...; serial links
	// serial0, serial1, ...
	sort.SliceStable(out, func(i, j int) bool { return out[i].line < out[j].line })
	ring, ser := 0, 0
	for _, l := range out {
		if l.cfg.Kind == config.KindSerial {
			l.cfg.Name = "serial" + strconv.Itoa(ser)
			ser++
		} else {
			l.cfg.Name = "ring" + strconv.Itoa(ring)
			ring++
		}
	}
	return out
}

// placeUcast gives each ucast address its node, and the link its bind
// address. Heartbeat sent to every address listed (its own included, which
// it ignored); pacer needs each peer's name.
func (c *converter) placeUcast(l *link, local string, peers []string, owner map[netip.Addr]string) bool {
	l.cfg.PeerAddrs = map[string]string{}
	var unknown []ipAt
	var own []netip.Addr
	for _, ip := range l.ips {
		n, ok := owner[ip.addr]
		switch {
		case !ok:
			unknown = append(unknown, ip)
		case n == local:
			own = append(own, ip.addr)
			c.note(ip.line, Mapped, "ucast %s %v is this node's own address (--addr): bind = %q", l.iface, ip.addr, netip.AddrPortFrom(ip.addr, uint16(l.port)))
		default:
			if prev, dup := l.cfg.PeerAddrs[n]; dup {
				c.errorf(ip.line, "ucast %s: %s has two addresses on this interface (%s and %v); a link has one address per peer", l.iface, n, prev, ip.addr)
				return false
			}
			l.cfg.PeerAddrs[n] = netip.AddrPortFrom(ip.addr, uint16(l.port)).String()
			c.note(ip.line, Mapped, "ucast %s %v -> peer %s (--addr)", l.iface, ip.addr, n)
		}
	}
	var missing []string
	for _, p := range peers {
		if _, ok := l.cfg.PeerAddrs[p]; !ok {
			missing = append(missing, p)
		}
	}
	switch {
	case len(unknown) == 0:
	case len(unknown) == 1 && len(missing) == 1:
		ip := unknown[0]
		l.cfg.PeerAddrs[missing[0]] = netip.AddrPortFrom(ip.addr, uint16(l.port)).String()
		c.note(ip.line, Mapped, "ucast %s %v -> peer %s: the only peer without an address on %s (pass --addr to say otherwise)", l.iface, ip.addr, missing[0], l.iface)
	default:
		var s []string
		for _, ip := range unknown {
			s = append(s, ip.addr.String())
		}
		c.errorf(unknown[0].line, "ucast %s lists %s and pacer must know whose each address is (peers without one: %s): pass --addr NODE=IP for them", l.iface, strings.Join(s, ", "), orNone(missing))
		return false
	}
	// A peer ha.cf gave no address for on this network (the file of
	// another node lists this node's address instead) takes its --addr
	// address closest to the ones on the line.
	near := map[string]string{}
	for i, ip := range l.ips {
		near[strconv.Itoa(i)] = netip.AddrPortFrom(ip.addr, uint16(l.port)).String()
	}
	for _, p := range peers {
		if _, ok := l.cfg.PeerAddrs[p]; ok || len(c.o.Addrs[p]) == 0 {
			continue
		}
		if a := closest(c.o.Addrs[p], near); a.IsValid() {
			l.cfg.PeerAddrs[p] = netip.AddrPortFrom(a, uint16(l.port)).String()
			c.note(l.line, Mapped, "ucast %s: peer %s has no address on the line; its --addr address %v, the one closest to the line's, -> peers.%s", l.iface, p, a, p)
		}
	}
	// Bind to this node's own address on this network when known.
	var bind netip.Addr
	if len(own) > 0 {
		bind = own[0]
	} else if cand := c.o.Addrs[local]; len(cand) > 0 {
		bind = closest(cand, l.cfg.PeerAddrs)
		if bind.IsValid() {
			c.note(l.line, Mapped, "ucast %s: this node's address %v (--addr, the one closest to the peers' addresses) -> bind", l.iface, bind)
		}
	}
	if !bind.IsValid() {
		bind = netip.IPv4Unspecified()
		for _, a := range l.cfg.PeerAddrs {
			if ap, err := netip.ParseAddrPort(a); err == nil && ap.Addr().Is6() {
				bind = netip.IPv6Unspecified()
			}
		}
		c.note(l.line, Default, "ucast %s: this node's own address on %s is not known -> bind = %q (every address); pass --addr %s=IP to bind to one", l.iface, l.iface, netip.AddrPortFrom(bind, uint16(l.port)), local)
	}
	l.cfg.Bind = netip.AddrPortFrom(bind, uint16(l.port)).String()
	var ps []string
	for _, p := range peers {
		if a, ok := l.cfg.PeerAddrs[p]; ok {
			ps = append(ps, p+" = "+strconv.Quote(a))
		}
	}
	c.note(l.line, Mapped, "ucast %s -> [[link]] kind = \"udp\", bind = %q, peers = { %s }", l.iface, l.cfg.Bind, strings.Join(ps, ", "))
	return true
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// closest picks the candidate sharing the longest prefix with any of the
// peers' addresses (same family), the usual sign of the same network.
func closest(cand []netip.Addr, peers map[string]string) netip.Addr {
	best, bestLen := netip.Addr{}, -1
	for _, c := range cand {
		for _, p := range peers {
			ap, err := netip.ParseAddrPort(p)
			if err != nil || ap.Addr().Is4() != c.Is4() {
				continue
			}
			if n := commonPrefix(c, ap.Addr()); n > bestLen {
				best, bestLen = c, n
			}
		}
	}
	return best
}

func commonPrefix(a, b netip.Addr) int {
	x, y := a.AsSlice(), b.AsSlice()
	n := 0
	for i := range x {
		d := x[i] ^ y[i]
		if d == 0 {
			n += 8
			continue
		}
		for d&0x80 == 0 {
			n++
			d <<= 1
		}
		break
	}
	return n
}

func fmtDur(d time.Duration) string {
	return config.Duration{Duration: d}.String()
}

// render writes the pacer.toml text, each value with the ha.cf line it
// came from.
func (c *converter) render(local string, links []*link) []byte {
	var b strings.Builder
	from := func(line int) string {
		if line == 0 {
			return "Heartbeat's default"
		}
		return fmt.Sprintf("%s:%d", c.f.Name, line)
	}
	fmt.Fprintf(&b, "# pacer.toml for node %s, made by `pacer import haresources` from %s.\n", local, c.f.Name)
	b.WriteString("# docs/configuration.md describes every key; docs/migration.md the import.\n")
	b.WriteString("# Every node has its own file: the same nodes, ids, timing and links,\n# with [node] naming itself.\n\n")
	cluster, cl := c.cluster, c.clusterLine
	if c.o.Cluster != "" {
		cluster, cl = c.o.Cluster, -1
		c.note(0, Mapped, "--cluster -> cluster = %q", cluster)
	} else if cl == 0 {
		c.note(0, Default, "cluster not set: Heartbeat's default name -> cluster = %q", cluster)
	} else {
		c.note(cl, Mapped, "cluster %s -> cluster = %q", cluster, cluster)
	}
	src := from(cl)
	if cl < 0 {
		src = "--cluster"
	}
	fmt.Fprintf(&b, "cluster = %q   # %s\n\n", cluster, src)
	fmt.Fprintf(&b, "keepalive = %q   # %s\n", fmtDur(c.keepalive), from(c.keepaliveLine))
	fmt.Fprintf(&b, "warntime  = %q   # %s\n", fmtDur(c.warntime), from(c.warntimeLine))
	fmt.Fprintf(&b, "deadtime  = %q   # %s\n", fmtDur(c.deadtime), from(c.deadtimeLine))
	fmt.Fprintf(&b, "initdead  = %q   # %s\n\n", fmtDur(c.initdead), from(c.initdeadLine))
	if c.logLevel != "" {
		fmt.Fprintf(&b, "[log]\nlevel = %q   # %s\n\n", c.logLevel, from(c.logLevelLine))
		c.note(c.logLevelLine, Mapped, "debug -> [log] level = \"debug\"")
	}
	for i, n := range c.nodes {
		table := "[[peer]]"
		if n == local {
			table = "[node]"
		}
		fmt.Fprintf(&b, "%s\nname = %q   # %s\nid   = %d\n\n", table, n, from(c.seen[strings.ToLower(n)]), i+1)
	}
	c.note(c.seen[strings.ToLower(c.nodes[0])], Mapped, "node %s -> [node] for %s and [[peer]] for the others, ids %s in ha.cf order (Heartbeat had no ids; keep the same ids in every node's file)", strings.Join(c.nodes, " "), local, idList(len(c.nodes)))
	if len(c.nodes) == 2 {
		c.quorum(&b, local)
	}
	for _, l := range links {
		fmt.Fprintf(&b, "# %s: %s\n[[link]]\nname = %q\nkind = %q\n", from(l.line), l.what, l.cfg.Name, l.cfg.Kind)
		switch l.cfg.Kind {
		case config.KindUDP:
			fmt.Fprintf(&b, "bind = %q\n", l.cfg.Bind)
			var ps []string
			for _, p := range c.nodes {
				if a, ok := l.cfg.PeerAddrs[p]; ok {
					ps = append(ps, fmt.Sprintf("%s = %q", p, a))
				}
			}
			fmt.Fprintf(&b, "peers = { %s }\n", strings.Join(ps, ", "))
		case config.KindMulticast:
			fmt.Fprintf(&b, "group = %q\ninterface = %q\nttl = %d\n", l.cfg.Group, l.cfg.Interface, l.cfg.TTL)
		case config.KindSerial:
			fmt.Fprintf(&b, "device = %q\nbaud = %d\npeer = %q\n", l.cfg.Device, l.cfg.Baud, l.cfg.Peer)
		}
		b.WriteString("\n")
	}
	return []byte(strings.TrimRight(b.String(), "\n") + "\n")
}

func idList(n int) string {
	var s []string
	for i := 1; i <= n; i++ {
		s = append(s, strconv.Itoa(i))
	}
	return strings.Join(s, ", ")
}

// quorum writes the [quorum] table of a two-node cluster. Heartbeat v1
// let the survivor take over at once, fencing or not; pacer's two-node
// mode fences the peer first, so it needs a fence agent.
func (c *converter) quorum(b *strings.Builder, local string) {
	if c.o.FenceAgent != "" {
		fmt.Fprintf(b, "# Two nodes: the survivor fences its peer, then carries on alone.\n# Set the agent's parameters (the peer's power switch) in [quorum.fence_params],\n# and fence_delay on ONE node so that it loses a fence race.\n[quorum]\ntwo_node = true\nwait_for_all = true\nfence_agent = %q\n\n", c.o.FenceAgent)
		c.note(0, Mapped, "two nodes, --fence-agent -> [quorum] two_node = true, wait_for_all = true, fence_agent = %q; add its parameters in [quorum.fence_params] and fence_delay on one node", c.o.FenceAgent)
		return
	}
	b.WriteString("# Two nodes: Heartbeat let the survivor take over without fencing its peer.\n" +
		"# pacer's two_node mode fences the peer first; until a fence agent is set,\n" +
		"# losing either node stops the cluster (no quorum). To enable it:\n" +
		"# [quorum]\n# two_node = true\n# wait_for_all = true\n# fence_agent = \"fence_ipmilan\"\n" +
		"# [quorum.fence_params]\n# ip = \"<the peer's power switch>\"\n\n")
	c.note(0, NotHonoured, "two nodes: Heartbeat let the survivor take over without fencing its peer; pacer keeps running on one of two nodes only with [quorum] two_node, which fences the peer first and so needs a fence agent: pass --fence-agent fence_NAME, or add a witness node; the [quorum] table is written commented out")
}

// validIface accepts an interface name: 1 to 15 characters, no '/', ':'
// or blanks (as Linux allows).
func validIface(s string) bool {
	if s == "" || len(s) > 15 {
		return false
	}
	return !strings.ContainsAny(s, "/: \t\x00")
}

// hostnameProblem says why name is not a host name as pacer.toml wants
// node names, or "".
func hostnameProblem(name string) string {
	if len(name) > 253 {
		return "is longer than 253 characters"
	}
	for _, label := range strings.Split(name, ".") {
		switch {
		case label == "":
			return "has an empty label"
		case len(label) > 63:
			return "has a label longer than 63 characters"
		case label[0] == '-' || label[len(label)-1] == '-':
			return "has a label starting or ending with '-'"
		}
		for i := 0; i < len(label); i++ {
			ch := label[i]
			if !(ch >= 'A' && ch <= 'Z' || ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '-') {
				return fmt.Sprintf("has %q", ch)
			}
		}
	}
	return ""
}

func validClusterName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if !(ch >= 'A' && ch <= 'Z' || ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '.' || ch == '_' || ch == '-') {
			return false
		}
	}
	return true
}

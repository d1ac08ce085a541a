package config

import (
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// newError builds an *Error for the key at path, located in the file when
// s is known.
func (s *source) newError(file, path, format string, args ...any) *Error {
	line, col := s.locate(path)
	return &Error{File: file, Line: line, Col: col, Key: path, Msg: fmt.Sprintf(format, args...)}
}

// validator collects the errors of one Validate call.
type validator struct {
	c    *Config
	errs []*Error
}

// err records an error on key path; when path is not written in the file,
// the error points at the first of also that is (a related key, or the
// table that should hold path).
func (v *validator) err(path string, also []string, format string, args ...any) {
	line, col := v.c.src.locate(append([]string{path}, also...)...)
	file := ""
	if v.c.src != nil {
		file = v.c.src.file
	}
	v.errs = append(v.errs, &Error{File: file, Line: line, Col: col, Key: path, Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) errf(path, format string, args ...any) { v.err(path, nil, format, args...) }

// Validate checks the whole configuration. It returns nil, one *Error, or
// several joined with errors.Join in file order.
func (c Config) Validate() error {
	v := &validator{c: &c}
	v.cluster()
	v.nodes()
	v.timing()
	v.raft()
	v.quorum()
	v.metrics()
	v.files()
	v.links()
	if len(v.errs) == 0 {
		// Only on an otherwise valid file: a peer is often unreachable
		// merely because of an error reported above, and the first error
		// must be the cause, not a consequence.
		v.reachability()
	}
	return joinErrors(v.errs)
}

func (v *validator) cluster() {
	name := v.c.Cluster
	switch {
	case name == "":
		v.errf("cluster", "required: the cluster name, the same on every node (e.g. cluster = \"prod\")")
	case len(name) > 64:
		v.errf("cluster", "%q is %d characters, at most 64", name, len(name))
	default:
		for _, r := range name {
			if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
				v.errf("cluster", "%q: use only letters, digits, '.', '_' and '-'", name)
				break
			}
		}
	}
}

func (v *validator) nodes() {
	type seen struct{ path, name string }
	byID := map[uint64]seen{}
	byName := map[string]seen{} // lower-cased: hostnames ignore case
	check := func(path string, n NodeConfig) {
		table := path
		if path == "node" {
			table = "[node]"
		}
		if n.Name == "" {
			v.errf(path+".name", "required: the node's name (usually uname -n)")
		} else if msg := nodeNameProblem(n.Name); msg != "" {
			v.errf(path+".name", "%q %s", n.Name, msg)
		} else if prev, ok := byName[strings.ToLower(n.Name)]; ok {
			if prev.name == n.Name {
				v.errf(path+".name", "%q is already the name of %s", n.Name, prev.path)
			} else {
				v.errf(path+".name", "%q differs only in case from %q (%s); node names must differ", n.Name, prev.name, prev.path)
			}
		} else {
			byName[strings.ToLower(n.Name)] = seen{table, n.Name}
		}
		if n.ID == 0 {
			v.errf(path+".id", "required: a nonzero node id, unique in the cluster and never reused")
		} else if prev, ok := byID[n.ID]; ok {
			v.errf(path+".id", "%d is already the id of %s %q", n.ID, prev.path, prev.name)
		} else {
			byID[n.ID] = seen{table, n.Name}
		}
	}
	check("node", v.c.Node)
	for i, p := range v.c.Peers {
		check(indexPath("peer", i), p)
	}
	// The node id is the raft id; the first MaxVoters nodes (witnesses
	// first, then by id) are raft voters, the others learners.
	if n := 1 + len(v.c.Peers); n > MaxNodes {
		v.errf(indexPath("peer", MaxNodes-1), "%d nodes configured, at most %d", n, MaxNodes)
	}
	witnesses := 0
	if v.c.Node.Witness {
		witnesses++
	}
	for _, p := range v.c.Peers {
		if p.Witness {
			witnesses++
		}
	}
	if witnesses > 0 && witnesses == 1+len(v.c.Peers) {
		v.err("node.witness", []string{"node"}, "every node is a witness: at least one node must host resources")
	}
}

// raft checks the [raft] table.
func (v *validator) raft() {
	r := v.c.Raft
	if r.Tick.Duration < MinRaftTick || r.Tick.Duration > MaxRaftTick {
		v.err("raft.tick", []string{"raft"}, "%v must be between %v and %v", r.Tick, MinRaftTick, MaxRaftTick)
	}
	if r.HeartbeatTicks < 1 {
		v.err("raft.heartbeat_ticks", []string{"raft"}, "%d must be at least 1", r.HeartbeatTicks)
	}
	if r.ElectionTicks == 0 {
		if e := r.ElectionTicksFor(v.c.Keepalive.Duration); r.HeartbeatTicks >= 1 && e <= r.HeartbeatTicks {
			v.err("raft.election_ticks", []string{"raft"}, "the default %d (three keepalives) must be greater than heartbeat_ticks %d: set election_ticks",
				e, r.HeartbeatTicks)
		}
	} else if r.ElectionTicks <= r.HeartbeatTicks || r.ElectionTicks > MaxElectionTicks {
		v.err("raft.election_ticks", []string{"raft"}, "%d must be greater than heartbeat_ticks %d and at most %d",
			r.ElectionTicks, r.HeartbeatTicks, MaxElectionTicks)
	}
}

// quorum checks the [quorum] table.
func (v *validator) quorum() {
	q := v.c.Quorum
	at := []string{"quorum"}
	if q.FenceRetry.Duration <= 0 {
		v.err("quorum.fence_retry", at, "%v must be positive", q.FenceRetry)
	}
	if q.FenceTimeout.Duration <= 0 {
		v.err("quorum.fence_timeout", at, "%v must be positive", q.FenceTimeout)
	}
	if q.FenceDelay.Duration < 0 {
		v.err("quorum.fence_delay", at, "%v must not be negative", q.FenceDelay)
	}
	if q.FenceAction != "reboot" && q.FenceAction != "off" {
		v.err("quorum.fence_action", at, "%q: \"reboot\" or \"off\"", q.FenceAction)
	}
	if q.FenceAgentDir != "" && !filepath.IsAbs(q.FenceAgentDir) {
		v.err("quorum.fence_agent_dir", at, "%q must be an absolute path", q.FenceAgentDir)
	}
	if q.FenceAgent != "" && (!strings.HasPrefix(q.FenceAgent, "fence_") || strings.ContainsAny(q.FenceAgent, "/\x00")) {
		v.err("quorum.fence_agent", at, "%q: the name of a fence agent (fence_*), looked up in fence_agent_dir", q.FenceAgent)
	}
	for k, val := range q.FenceParams {
		if k == "" || strings.ContainsAny(k, "=\n\x00") || strings.ContainsAny(val, "\n\x00") {
			v.err("quorum.fence_params."+k, at, "a parameter name without '=' and a value on one line")
		}
		if k == "action" || k == "plug" || k == "port" {
			v.err("quorum.fence_params."+k, at, "%q is set by pacerd (action=off, plug=<peer's name>)", k)
		}
	}
	if !q.TwoNode {
		if q.FenceAgent != "" || q.FenceDelay.Duration > 0 {
			v.err("quorum.fence_agent", append([]string{"quorum.fence_delay"}, at...), "fencing settings apply only with two_node = true")
		}
		return
	}
	if n := 1 + len(v.c.Peers); n != 2 {
		v.err("quorum.two_node", at, "two_node needs exactly 2 nodes, %d are configured", n)
	}
	if v.c.Node.Witness || slices.ContainsFunc(v.c.Peers, func(p NodeConfig) bool { return p.Witness }) {
		v.err("quorum.two_node", at, "two_node and a witness exclude each other: with a witness the three voters keep a quorum")
	}
}

// nodeNameProblem says what is wrong with a node name, or "" when it is a
// valid hostname: dot-separated labels of letters, digits and '-', each
// 1..63 characters and not starting or ending with '-', 253 at most in all.
func nodeNameProblem(name string) string {
	if len(name) > 253 {
		return "is longer than 253 characters"
	}
	for label := range strings.SplitSeq(name, ".") {
		switch {
		case label == "":
			return "has an empty label (a leading, trailing or doubled '.')"
		case len(label) > 63:
			return "has a label longer than 63 characters"
		case label[0] == '-' || label[len(label)-1] == '-':
			return "has a label starting or ending with '-'"
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return "is not a valid hostname: use letters, digits, '-' and '.'"
			}
		}
	}
	return ""
}

func (v *validator) timing() {
	c := v.c
	// When the later key of a pair is a default, point at the earlier one,
	// which the operator did write.
	def := func(path string) string {
		if c.src != nil && !c.src.isSet(path) {
			return " (default)"
		}
		return ""
	}
	if c.Keepalive.Duration <= 0 {
		v.errf("keepalive", "%v must be greater than 0", c.Keepalive)
	}
	if c.Warntime.Duration <= c.Keepalive.Duration {
		v.err("warntime", []string{"keepalive"}, "%v%s must be greater than keepalive %v%s",
			c.Warntime, def("warntime"), c.Keepalive, def("keepalive"))
	}
	if c.Deadtime.Duration <= c.Warntime.Duration {
		v.err("deadtime", []string{"warntime"}, "%v%s must be greater than warntime %v%s",
			c.Deadtime, def("deadtime"), c.Warntime, def("warntime"))
	}
	if c.Initdead.Duration < c.Deadtime.Duration {
		v.err("initdead", []string{"deadtime"}, "%v%s must be at least deadtime %v%s",
			c.Initdead, def("initdead"), c.Deadtime, def("deadtime"))
	}
	if c.ShutdownTimeout.Duration <= 0 {
		v.errf("shutdown_timeout", "%v must be greater than 0", c.ShutdownTimeout)
	}
}

func (v *validator) files() {
	for _, f := range []struct{ key, val string }{
		{"authkey", v.c.Authkey}, {"data_dir", v.c.DataDir}, {"socket", v.c.Socket},
	} {
		switch {
		case f.val == "":
			v.errf(f.key, "must not be empty")
		case !filepath.IsAbs(f.val):
			v.errf(f.key, "%q is not an absolute path", f.val)
		}
	}
	switch v.c.Log.Format {
	case "console", "json":
	default:
		v.errf("log.format", "%q is not a log format (use \"console\" or \"json\")", v.c.Log.Format)
	}
	switch v.c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		v.errf("log.level", "%q is not a log level (use \"debug\", \"info\", \"warn\" or \"error\")", v.c.Log.Level)
	}
}

func (v *validator) links() {
	if len(v.c.Links) == 0 {
		v.errf("link", "at least one [[link]] is required")
		return
	}
	names := map[string]string{}
	binds := map[netip.AddrPort]string{}
	devices := map[string]string{}
	for i, l := range v.c.Links {
		p := indexPath("link", i)
		switch {
		case l.Name == "":
			v.errf(p+".name", "required: a name for the link (e.g. \"ring0\")")
		case !validLinkName(l.Name):
			v.errf(p+".name", "%q: use 1 to 32 letters, digits, '.', '_' and '-'", l.Name)
		default:
			if prev, ok := names[l.Name]; ok {
				v.errf(p+".name", "%q is already the name of %s", l.Name, prev)
			}
			names[l.Name] = p
		}
		switch l.Kind {
		case KindUDP:
			v.udpLink(p, l)
			if ap, msg := parseAddrPort(l.Bind); msg == "" {
				if prev, ok := binds[ap]; ok {
					v.errf(p+".bind", "%q is already bound by %s", l.Bind, prev)
				}
				binds[ap] = p
			}
		case KindMulticast:
			v.multicastLink(p, l)
		case KindSerial:
			v.serialLink(p, l)
			if l.Device != "" {
				if prev, ok := devices[l.Device]; ok {
					v.errf(p+".device", "%q is already the device of %s", l.Device, prev)
				}
				devices[l.Device] = p
			}
		case "":
			v.errf(p+".kind", "required: \"udp\", \"multicast\" or \"serial\"")
		default:
			v.errf(p+".kind", "%q is not a link kind (use \"udp\", \"multicast\" or \"serial\")", l.Kind)
		}
	}
}

func validLinkName(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// foreign reports keys set on a link that its kind does not use: a typo or
// a link whose kind was changed halfway.
func (v *validator) foreign(p string, l LinkConfig) {
	type key struct {
		name string
		set  bool
		kind string
	}
	keys := []key{
		{"bind", l.Bind != "", KindUDP},
		{"peers", l.PeerAddrs != nil, KindUDP},
		{"group", l.Group != "", KindMulticast},
		{"interface", l.Interface != "", KindMulticast},
		{"ttl", l.TTL != 0, KindMulticast},
		{"device", l.Device != "", KindSerial},
		{"baud", l.Baud != 0, KindSerial},
		{"peer", l.Peer != "", KindSerial},
	}
	for _, k := range keys {
		if (k.set || v.c.src.isSet(p+"."+k.name)) && k.kind != l.Kind {
			v.errf(p+"."+k.name, "%s is a %s key; link %q is kind %q", k.name, k.kind, l.Name, l.Kind)
		}
	}
}

func (v *validator) udpLink(p string, l LinkConfig) {
	v.foreign(p, l)
	var bind netip.AddrPort
	if l.Bind == "" {
		v.errf(p+".bind", "required for a udp link: the local \"ip:port\" (e.g. \"10.0.0.1:694\")")
	} else if ap, msg := parseAddrPort(l.Bind); msg != "" {
		v.errf(p+".bind", "%q %s", l.Bind, msg)
	} else if ap.Addr().IsMulticast() {
		v.errf(p+".bind", "%q is a multicast address; use kind = \"multicast\" for a group", l.Bind)
	} else {
		bind = ap
	}
	if len(l.PeerAddrs) == 0 && len(v.c.Peers) > 0 {
		v.errf(p+".peers", "a udp link needs the address of at least one peer (peers = { name = \"ip:port\" })")
	}
	names := make([]string, 0, len(l.PeerAddrs))
	for name := range l.PeerAddrs {
		names = append(names, name)
	}
	slices.Sort(names)
	byAddr := map[netip.AddrPort]string{}
	for _, name := range names {
		addr := l.PeerAddrs[name]
		kp := joinPath(p+".peers", name)
		v.peerRef(kp, name)
		ap, msg := parseAddrPort(addr)
		switch {
		case msg != "":
			v.errf(kp, "%q %s", addr, msg)
		case ap.Addr().IsUnspecified() || ap.Addr().IsMulticast():
			v.errf(kp, "%q is not a unicast address", addr)
		case bind.IsValid() && !bind.Addr().IsUnspecified() && bind.Addr().Is4() != ap.Addr().Is4():
			v.errf(kp, "%q and bind %q are of different IP versions", addr, l.Bind)
		case ap == bind:
			v.errf(kp, "%q is this link's own bind address", addr)
		default:
			if prev, ok := byAddr[ap]; ok {
				v.errf(kp, "%q is already the address of peer %q on this link", addr, prev)
			}
			byAddr[ap] = name
		}
	}
}

func (v *validator) multicastLink(p string, l LinkConfig) {
	v.foreign(p, l)
	if l.Group == "" {
		v.errf(p+".group", "required for a multicast link: the group or broadcast \"ip:port\" (e.g. \"239.0.0.1:694\")")
	} else if ap, msg := parseAddrPort(l.Group); msg != "" {
		v.errf(p+".group", "%q %s", l.Group, msg)
	} else if !ap.Addr().IsMulticast() && !looksBroadcast(ap.Addr()) {
		v.errf(p+".group", "%q is neither a multicast group (224.0.0.0/4, ff00::/8) nor a broadcast address (255.255.255.255, or a subnet's last address such as 10.0.0.255)", l.Group)
	}
	if l.Interface != "" && !validInterface(l.Interface) {
		v.errf(p+".interface", "%q is not an interface name (1 to 15 characters, no '/', ':' or spaces)", l.Interface)
	}
	if l.TTL < 1 || l.TTL > 255 {
		v.err(p+".ttl", []string{p + ".kind"}, "%d is out of range 1..255", l.TTL)
	}
}

func (v *validator) serialLink(p string, l LinkConfig) {
	v.foreign(p, l)
	if l.Device == "" {
		v.errf(p+".device", "required for a serial link: the tty (e.g. \"/dev/ttyS0\")")
	} else if !filepath.IsAbs(l.Device) {
		v.errf(p+".device", "%q is not an absolute path (e.g. \"/dev/ttyS0\")", l.Device)
	}
	if !slices.Contains(BaudRates, l.Baud) {
		rates := make([]string, len(BaudRates))
		for i, r := range BaudRates {
			rates[i] = strconv.Itoa(r)
		}
		v.err(p+".baud", []string{p + ".kind"}, "%d is not a supported rate on link %q (use one of %s)", l.Baud, l.Name, strings.Join(rates, ", "))
	}
	if l.Peer == "" {
		v.errf(p+".peer", "required for a serial link: the name of the node on the other end of the cable")
	} else {
		v.peerRef(p+".peer", l.Peer)
	}
}

// peerRef checks that a link names a configured [[peer]].
func (v *validator) peerRef(path, name string) {
	if _, ok := v.c.PeerByName(name); ok {
		return
	}
	if name == v.c.Node.Name {
		v.errf(path, "%q is this node ([node]); name the peer at the other end", name)
		return
	}
	for _, p := range v.c.Peers {
		if strings.EqualFold(p.Name, name) {
			v.errf(path, "%q is not a configured [[peer]] (did you mean %q?)", name, p.Name)
			return
		}
	}
	v.errf(path, "%q is not a configured [[peer]]", name)
}

// Reaches reports whether frames on this link reach the named peer: a udp
// link that has its address, any multicast link, a serial link to it. The
// validator and the daemon (which links membership watches per peer) both
// ask this, so they cannot disagree.
func (l LinkConfig) Reaches(peer string) bool {
	switch l.Kind {
	case KindMulticast:
		return true
	case KindUDP:
		_, ok := l.PeerAddrs[peer]
		return ok
	case KindSerial:
		return l.Peer == peer
	}
	return false
}

// reachability checks that some link reaches every peer.
func (v *validator) reachability() {
	if len(v.c.Links) == 0 {
		return // already reported
	}
	for i, p := range v.c.Peers {
		if p.Name == "" || v.reaches(p.Name) {
			continue
		}
		v.errf(indexPath("peer", i)+".name", "no link reaches peer %q: give it an address in a udp link's peers, add a multicast link, or add a serial link with peer = %q", p.Name, p.Name)
	}
}

func (v *validator) reaches(name string) bool {
	for _, l := range v.c.Links {
		if l.Reaches(name) {
			return true
		}
	}
	return false
}

// parseAddrPort parses "ip:port" with an IP literal (no host names: a
// cluster must not depend on DNS to see its nodes) and a port in 1..65535.
// It returns a reason when s is not one.
func parseAddrPort(s string) (netip.AddrPort, string) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return netip.AddrPort{}, "is not \"ip:port\" (write IPv6 as \"[fd00::1]:694\")"
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.AddrPort{}, fmt.Sprintf("has %q, which is not an IP address (host names are not accepted)", host)
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil || n == 0 {
		return netip.AddrPort{}, fmt.Sprintf("has port %q, want 1..65535", port)
	}
	return netip.AddrPortFrom(addr, uint16(n)), ""
}

// looksBroadcast reports whether a is an IPv4 broadcast address: the limited
// broadcast 255.255.255.255, or the last address of some subnet of /30 or
// larger, i.e. its host part ends in at least two 1 bits (10.0.0.255 for a
// /24, 10.0.1.255 for a /23, 10.0.0.127 for a /25). Without the netmask this
// is the most that can be told from the address alone.
func looksBroadcast(a netip.Addr) bool {
	if !a.Is4() || a.IsLoopback() || a.IsUnspecified() {
		return false
	}
	b := a.As4()
	return b[3]&0b11 == 0b11
}

func validInterface(s string) bool {
	if len(s) == 0 || len(s) > 15 {
		return false
	}
	return !strings.ContainsAny(s, "/: \t\n")
}

package haresources

import (
	"fmt"
	"strconv"
	"strings"

	"pacer/crm/cib"
)

// positional maps the arguments of Heartbeat v1's resource.d wrappers to
// the parameters of the OCF agent of the same name (the table of
// haresources2cib.py, checked against resource-agents 4.12's meta-data).
// IPaddr and IPaddr2 take one argument split on '/' instead.
var positional = map[string][]string{
	"AudibleAlarm": {"nodelist"},
	"Delay":        {"startdelay", "stopdelay", "mondelay"},
	"Filesystem":   {"device", "directory", "fstype", "options"},
	"ICP":          {"driveid", "device"},
	"IPsrcaddr":    {"ipaddress"},
	"IPv6addr":     {"ipv6addr"},
	"LVM":          {"volgrpname"},
	"LinuxSCSI":    {"scsi"},
	"MailTo":       {"email", "subject"},
	"Raid1":        {"raidconf", "raiddev", "homehost"},
	"SendArp":      {"ip", "nic"},
	"ServeRAID":    {"serveraid", "mergegroup"},
	"WAS":          {"config", "port"},
	"WinPopup":     {"hostfile"},
	"Xen":          {"xmfile"},
	"Xinetd":       {"service"},
	"apache":       {"configfile", "httpd", "port", "statusurl"},
	"db2":          {"instance"},
	"ldirectord":   {"configfile"},
	"oracle":       {"sid", "home", "user", "ipcrm"},
	"oralsnr":      {"sid", "home", "user", "listener"},
	"portblock":    {"protocol", "portno", "action"},
}

// minArgs is how many positional arguments an agent needs.
var minArgs = map[string]int{"Filesystem": 2, "portblock": 3, "IPsrcaddr": 1, "IPv6addr": 1, "SendArp": 1}

// Stickiness values: Heartbeat's location preference is 100, so a
// stickiness above it keeps resources where they run (auto_failback off).
const (
	preferScore         = "100"
	stickinessFailback  = "0"
	stickinessNoFailbck = "200"
)

// rscSpec is one resource word: type::arg::arg.
type rscSpec struct {
	typ     string
	args    []string
	argPos  []cib.Pos
	pos     cib.Pos
	bareIP  bool // written as just an address: IPaddr
	drbdRes string
}

type converter struct {
	name       string
	opt        Options
	res        *Result
	errs       []error
	ids        map[string]bool
	ms         map[string]*cib.Resource // DRBD resource name -> its promotable clone
	idIndex    int                      // haresources2cib's id_index
	groupIndex int                      // haresources2cib's group_index
}

func newConverter(name string, o Options) *converter {
	return &converter{name: name, opt: o, res: &Result{}, ids: map[string]bool{}, ms: map[string]*cib.Resource{}, idIndex: 1, groupIndex: 1}
}

func (c *converter) errorf(pos cib.Pos, format string, args ...any) {
	c.errs = append(c.errs, &Error{File: c.name, Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

func (c *converter) warnf(pos cib.Pos, format string, args ...any) {
	c.res.Warnings = append(c.res.Warnings, Warning{File: c.name, Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// line converts one logical line: node rsc rsc ...
func (c *converter) line(toks []token) {
	node := toks[0]
	if !validNodeName(node.text) {
		c.errorf(node.pos, "%q is not a node name (want the node's uname -n, e.g. node1)", node.text)
		return
	}
	if len(toks) == 1 {
		c.errorf(node.pos, "node %s has no resources (want: %s resource [resource ...])", node.text, node.text)
		return
	}
	nerr := len(c.errs)
	var specs []rscSpec
	for _, t := range toks[1:] {
		if s, ok := c.spec(t); ok {
			specs = append(specs, s)
		}
	}
	if len(c.errs) > nerr {
		return
	}

	// Names, as haresources2cib.py gave them: a line of several resources
	// is group_N (N = 1, 11, 21, ...) with members TYPE_N, TYPE_N+1, ...; a
	// line of one resource is the primitive TYPE_M (M counts the words of
	// the lines before); an IPaddr is IPaddr_A_B_C_D.
	grouped := len(specs) > 1
	index := c.idIndex
	if grouped {
		index = c.groupIndex
	}
	var members, drbds, newMS []*cib.Resource
	for i := range specs {
		s := &specs[i]
		if s.drbdRes != "" {
			ms, isNew := c.drbd(s)
			drbds = append(drbds, ms)
			if isNew {
				newMS = append(newMS, ms)
			}
		} else if p := c.primitive(s, index); p != nil {
			members = append(members, p)
		}
		index++
	}
	if len(c.errs) > nerr {
		return
	}
	if grouped {
		c.groupIndex += 10
		c.idIndex += len(toks)
	} else {
		c.idIndex++
	}

	var top *cib.Resource
	switch {
	case len(members) == 0:
	case grouped:
		top = &cib.Resource{Kind: cib.KindGroup, ID: c.uniqueID("group_" + strconv.Itoa(c.groupIndex-10)), Children: members, Pos: node.pos}
	default:
		top = members[0]
	}
	nCons := len(c.res.Constraints)
	lm := Line{Pos: node.pos, Node: node.text, Members: members, DRBD: drbds}
	if top != nil {
		lm.Top, lm.TopKind = top.ID, top.Kind
		top.Meta = append(top.Meta, c.stickiness(top.ID, nil))
		c.res.Resources = append(c.res.Resources, top)
		c.res.Constraints = append(c.res.Constraints, c.prefer(top.ID, node, ""))
	}
	c.res.Resources = append(c.res.Resources, newMS...)
	defer func() {
		lm.Constraints = c.res.Constraints[nCons:len(c.res.Constraints):len(c.res.Constraints)]
		c.res.Lines = append(c.res.Lines, lm)
	}()
	for _, ms := range drbds {
		if top == nil {
			c.res.Constraints = append(c.res.Constraints, c.prefer(ms.ID, node, "Promoted"))
			continue
		}
		c.res.Constraints = append(c.res.Constraints,
			&cib.Constraint{Kind: cib.KindColocation, ID: c.uniqueID("rsc_colocation_" + top.ID + "_" + ms.ID),
				Rsc: top.ID, WithRsc: ms.ID, WithRscRole: "Promoted", Score: "INFINITY", Pos: node.pos},
			&cib.Constraint{Kind: cib.KindOrder, ID: c.uniqueID("rsc_order_" + ms.ID + "_" + top.ID),
				First: ms.ID, FirstAction: "promote", Then: top.ID, ThenAction: "start", OrderKind: "Mandatory", Pos: node.pos})
	}
}

// prefer is haresources2cib's location constraint: score 100 on the node
// named first on the line. role limits it to the promoted instance.
func (c *converter) prefer(id string, node token, role string) *cib.Constraint {
	rid := c.uniqueID("prefered_location_" + id)
	return &cib.Constraint{
		Kind: cib.KindLocation, ID: c.uniqueID("rsc_location_" + id), Rsc: id, Role: role, Pos: node.pos,
		Rules: []cib.Rule{{ID: rid, Score: preferScore, Pos: node.pos, Exprs: []cib.Expr{{
			Kind: cib.ExprAttribute, ID: c.uniqueID(rid + "_expr"), Attribute: "#uname", Operation: "eq", Value: node.text, Pos: node.pos,
		}}}},
	}
}

// stickiness returns the meta_attributes of a top-level resource: the
// pairs given, then resource-stickiness as auto_failback asks.
func (c *converter) stickiness(id string, pairs [][2]string) cib.NVSet {
	v := stickinessFailback
	if !c.opt.AutoFailback {
		v = stickinessNoFailbck
	}
	set := cib.NVSet{Kind: cib.MetaAttributes, ID: c.uniqueID(id + "_meta_attrs")}
	for _, kv := range append(pairs, [2]string{"resource-stickiness", v}) {
		set.Pairs = append(set.Pairs, cib.NVPair{ID: c.uniqueID(id + "_meta_" + kv[0]), Name: kv[0], Value: kv[1], HasValue: true})
	}
	return set
}

// spec splits one resource word and checks its shape.
func (c *converter) spec(t token) (rscSpec, bool) {
	s := rscSpec{pos: t.pos}
	if !strings.Contains(t.text, "::") && looksLikeIPv4(strings.SplitN(t.text, "/", 2)[0]) {
		s.typ, s.bareIP = "IPaddr", true
		s.args, s.argPos = []string{t.text}, []cib.Pos{t.pos}
		return s, true
	}
	parts := strings.Split(t.text, "::")
	s.typ = parts[0]
	col := t.pos.Col + len(parts[0]) + 2
	for _, a := range parts[1:] {
		s.args = append(s.args, a)
		s.argPos = append(s.argPos, cib.Pos{Line: t.pos.Line, Col: col})
		col += len(a) + 2
	}
	if !validType(s.typ) {
		c.errorf(t.pos, "%q is not a resource name (want e.g. IPaddr::10.0.0.1, Filesystem::/dev/sdb1::/srv::ext4 or an init script's name)", s.typ)
		return s, false
	}
	for i, a := range s.args {
		if a == "" {
			c.errorf(s.argPos[i], "%s: argument %d is empty", s.typ, i+1)
			return s, false
		}
	}
	if s.typ == "drbddisk" {
		switch len(s.args) {
		case 0:
			c.errorf(t.pos, "drbddisk without a resource name means every DRBD resource; name each one (drbddisk::r0)")
			return s, false
		case 1:
			if !validType(s.args[0]) {
				c.errorf(s.argPos[0], "%q is not a DRBD resource name", s.args[0])
				return s, false
			}
			s.drbdRes = s.args[0]
		default:
			c.errorf(s.argPos[1], "drbddisk takes one argument, the DRBD resource's name")
			return s, false
		}
	}
	return s, true
}

// primitive builds the primitive for one resource word; index is its
// number in haresources2cib's naming.
func (c *converter) primitive(s *rscSpec, index int) *cib.Resource {
	var id string
	if s.typ == "IPaddr" && len(s.args) > 0 {
		id = "IPaddr_" + strings.ReplaceAll(strings.SplitN(s.args[0], "/", 2)[0], ".", "_")
	} else {
		id = s.typ + "_" + strconv.Itoa(index)
	}
	p := &cib.Resource{Kind: cib.KindPrimitive, ID: c.uniqueID(id), Type: s.typ, Pos: s.pos}
	var names, values []string
	_, isOCF := agentMonitor[s.typ]
	switch {
	case s.typ == "IPaddr" || s.typ == "IPaddr2":
		var ok bool
		names, values, ok = c.ipParams(s)
		if !ok {
			return nil
		}
	case positional[s.typ] != nil:
		want := positional[s.typ]
		if len(s.args) > len(want) {
			c.errorf(s.argPos[len(want)], "%s takes at most %d arguments (%s)", s.typ, len(want), strings.Join(want, "::"))
			return nil
		}
		if n := minArgs[s.typ]; len(s.args) < n {
			c.errorf(s.pos, "%s needs at least %d arguments (%s)", s.typ, n, strings.Join(want[:n], "::"))
			return nil
		}
		names, values = want[:len(s.args)], s.args
	case isOCF && len(s.args) > 0:
		c.errorf(s.argPos[0], "ocf:heartbeat:%s has named parameters and Heartbeat v1 had no wrapper to map %s's arguments to them; write it as %s alone and set its parameters after the import", s.typ, s.typ, s.typ)
		return nil
	}
	switch {
	case isOCF:
		p.Class, p.Provider = "ocf", "heartbeat"
	case len(s.args) == 0:
		p.Class = "lsb"
		c.warnf(s.pos, "%s is not an OCF agent of resource-agents: imported as lsb:%s, the init script /etc/init.d/%s", s.typ, s.typ, s.typ)
	default:
		p.Class = "heartbeat"
		for i := range s.args {
			names = append(names, strconv.Itoa(i+1))
		}
		values = s.args
		c.warnf(s.pos, "%s with arguments is a Heartbeat resource.d script: imported as heartbeat:%s with its arguments as parameters 1..%d; pacer and Pacemaker 2 do not run the heartbeat class, so replace it with an OCF agent or an init script", s.typ, s.typ, len(s.args))
	}
	if len(names) > 0 {
		set := cib.NVSet{Kind: cib.InstanceAttributes, ID: c.uniqueID(p.ID + "_inst_attr")}
		for i, n := range names {
			if values[i] == "" {
				continue
			}
			attrID := c.uniqueID(p.ID + "_attr_" + strconv.Itoa(i))
			if p.Class == "heartbeat" {
				attrID = c.uniqueID(p.ID + "_attr_" + n)
			}
			set.Pairs = append(set.Pairs, cib.NVPair{ID: attrID, Name: n, Value: values[i], HasValue: true})
		}
		p.Instance = []cib.NVSet{set}
	}
	interval, timeout := "15s", "15s" // lsb and heartbeat scripts
	if isOCF {
		interval, timeout = "10s", "20s"
		if h := agentMonitor[s.typ]; h[0] != "" {
			interval, timeout = withUnit(h[0]), withUnit(h[1])
		}
	}
	p.Ops = []cib.Op{{ID: c.uniqueID(p.ID + "_mon"), Name: "monitor", Interval: interval, Timeout: timeout, Pos: s.pos}}
	return p
}

// ipParams reads IPaddr's ip[/netmask][/nic][/broadcast]: after the
// address, a number is the netmask (bits), an address the broadcast and
// anything else the interface, as Heartbeat read it.
func (c *converter) ipParams(s *rscSpec) (names, values []string, ok bool) {
	if len(s.args) == 0 {
		c.errorf(s.pos, "%s needs an address (%s::10.0.0.1/24/eth0)", s.typ, s.typ)
		return nil, nil, false
	}
	if len(s.args) > 1 {
		c.errorf(s.argPos[1], "%s takes one argument, ip[/netmask][/interface][/broadcast]", s.typ)
		return nil, nil, false
	}
	fields := strings.Split(s.args[0], "/")
	pos := s.argPos[0]
	if !looksLikeIPv4(fields[0]) {
		c.errorf(pos, "%q is not an IPv4 address (IPv6 addresses need IPv6addr::)", fields[0])
		return nil, nil, false
	}
	vals := map[string]string{"ip": fields[0]}
	col := pos.Col + len(fields[0]) + 1
	for _, f := range fields[1:] {
		fpos := cib.Pos{Line: pos.Line, Col: col}
		col += len(f) + 1
		var name string
		switch {
		case f == "":
			c.errorf(fpos, "empty field in %q", s.args[0])
			return nil, nil, false
		case isDigits(f):
			if n, err := strconv.Atoi(f); err != nil || n > 32 {
				c.errorf(fpos, "netmask /%s is not 0 to 32 bits", f)
				return nil, nil, false
			}
			name = "cidr_netmask"
		case looksLikeIPv4(f):
			name = "broadcast"
		case validIface(f):
			name = "nic"
		default:
			c.errorf(fpos, "%q is neither a netmask, an interface nor a broadcast address", f)
			return nil, nil, false
		}
		if _, dup := vals[name]; dup {
			c.errorf(fpos, "%s given twice in %q", name, s.args[0])
			return nil, nil, false
		}
		vals[name] = f
	}
	// In the order of the agent's parameters, numbered as haresources2cib
	// numbered them (ip, nic, cidr_netmask, broadcast).
	for _, n := range []string{"ip", "nic", "cidr_netmask", "broadcast"} {
		names = append(names, n)
		values = append(values, vals[n])
	}
	return names, values, true
}

// drbd returns the promotable clone of ocf:linbit:drbd that replaces
// drbddisk::RES, creating it the first time RES is named (isNew).
func (c *converter) drbd(s *rscSpec) (ms *cib.Resource, isNew bool) {
	if ms, ok := c.ms[s.drbdRes]; ok {
		return ms, false
	}
	base := "drbd_" + s.drbdRes
	pid := c.uniqueID(base)
	prim := &cib.Resource{
		Kind: cib.KindPrimitive, ID: pid, Class: "ocf", Provider: "linbit", Type: "drbd", Pos: s.pos,
		Instance: []cib.NVSet{{Kind: cib.InstanceAttributes, ID: c.uniqueID(pid + "_inst_attr"), Pairs: []cib.NVPair{
			{ID: c.uniqueID(pid + "_attr_0"), Name: "drbd_resource", Value: s.drbdRes, HasValue: true},
		}}},
		Ops: []cib.Op{
			{ID: c.uniqueID(pid + "_mon_promoted"), Name: "monitor", Interval: "29s", Timeout: "20s", Role: "Promoted", Pos: s.pos},
			{ID: c.uniqueID(pid + "_mon_unpromoted"), Name: "monitor", Interval: "31s", Timeout: "20s", Role: "Unpromoted", Pos: s.pos},
		},
	}
	msID := c.uniqueID("ms_" + pid)
	meta := c.stickiness(msID, [][2]string{
		{"promotable", "true"}, {"promoted-max", "1"}, {"promoted-node-max", "1"},
		{"clone-max", "2"}, {"clone-node-max", "1"}, {"notify", "true"},
	})
	ms = &cib.Resource{Kind: cib.KindClone, ID: msID, Meta: []cib.NVSet{meta}, Children: []*cib.Resource{prim}, Pos: s.pos}
	c.ms[s.drbdRes] = ms
	c.warnf(s.pos, "drbddisk::%s imported as the promotable clone %s of ocf:linbit:drbd (from drbd-utils), promoted where the resources of this line run", s.drbdRes, msID)
	return ms, true
}

// uniqueID makes a generated id a valid XML ID and unique in this import:
// characters an id cannot hold become '_', an id that cannot start as it
// does gets "rsc_" in front, and a taken id gets "_2", "_3", ...
func (c *converter) uniqueID(id string) string {
	b := []byte(id)
	for i, ch := range b {
		if !(ch == '_' || ch == '-' || ch == '.' || ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z') {
			b[i] = '_'
		}
	}
	id = string(b)
	if !cib.IsValidID(id) {
		id = "rsc_" + id
	}
	out := id
	for n := 2; c.ids[out]; n++ {
		out = id + "_" + strconv.Itoa(n)
	}
	c.ids[out] = true
	return out
}

func withUnit(s string) string {
	if isDigits(s) {
		return s + "s"
	}
	return s
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// looksLikeIPv4 reports a dotted quad of numbers 0-255.
func looksLikeIPv4(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if !isDigits(p) || len(p) > 3 {
			return false
		}
		if n, _ := strconv.Atoi(p); n > 255 {
			return false
		}
	}
	return true
}

// validNodeName accepts host names: letters, digits, '-', '_' and '.'.
func validNodeName(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if !(ch == '-' || ch == '_' || ch == '.' || ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z') {
			return false
		}
	}
	return true
}

// validType accepts agent and script names (and DRBD resource names).
func validType(s string) bool {
	if s == "" || s[0] == '-' || s[0] == '.' {
		return false
	}
	return validNodeName(s)
}

// validIface accepts an interface name with an optional alias label
// (eth0, eth0:1, bond0.100).
func validIface(s string) bool {
	if s == "" || len(s) > 32 || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if !(ch == '-' || ch == '_' || ch == '.' || ch == ':' || ch == '@' || ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z') {
			return false
		}
	}
	return true
}

package config

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// head is a valid start of a file: 7 lines, one peer, no links.
const head = `cluster = "prod"
[node]
name = "alpha"
id = 1
[[peer]]
name = "beta"
id = 2
`

// udpLink is a udp link reaching beta: lines 8 to 12 after head.
const udpLink = `[[link]]
name = "ring0"
kind = "udp"
bind = "10.0.0.1:694"
peers = { beta = "10.0.0.2:694" }
`

// timing is four valid top-level lines to put before head.
const timing = `keepalive = "1s"
warntime = "5s"
deadtime = "10s"
initdead = "30s"
`

type parseCase struct {
	name string
	src  string
	key  string // Key of the first error
	line int    // its Line (0: the key is not in the file)
	msg  string // a substring of its Msg
}

var badConfigs = []parseCase{
	// Syntax and schema.
	{"syntax error", "cluster = \"prod\"\n[node\nname = \"a\"\n", "", 2, "table name"},
	{"syntax error value", head + "keepalive = \n", "peer.keepalive", 8, "expected value"},
	{"duplicate key", "cluster = \"a\"\ncluster = \"b\"\n", "cluster", 2, "already been defined"},
	{"unknown top-level key", "cluster = \"prod\"\nkeeplive = 1\n", "keeplive", 2, `unknown key "keeplive"`},
	{"unknown key in second link", head + udpLink + "[[link]]\nname = \"ring1\"\nkind = \"multicast\"\nbandwidth = 10\n",
		"link[1].bandwidth", 16, `unknown key "bandwidth"`},
	{"top-level key after a table", head + "deadtime = 10\n", "peer[0].deadtime", 8, "top-level key"},
	{"case matters", head + udpLink + "Baud = 9600\n", "link[0].Baud", 13, `did you mean "baud"`},
	{"unknown key in node", "cluster = \"prod\"\n[node]\nname = \"alpha\"\nid = 1\nip = \"10.0.0.1\"\n", "node.ip", 5, "unknown key"},
	{"string for integer", "cluster = \"prod\"\n[node]\nname = \"alpha\"\nid = \"1\"\n", "node.id", 4, `is the string "1", want an integer`},
	{"negative id", "cluster = \"prod\"\n[node]\nname = \"alpha\"\nid = -1\n", "node.id", 4, "negative"},
	{"table for string", "cluster = \"prod\"\n[node]\nname = \"alpha\"\nid = 1\n[log]\nformat = { a = 1 }\n", "log.format", 6, "want a string"},
	{"node not a table", "cluster = \"prod\"\nnode = \"alpha\"\n", "node", 2, "want a table"},
	{"bad duration", "keepalive = \"1q\"\n" + head + udpLink, "keepalive", 1, "not a duration"},
	{"float duration", "deadtime = 1.5\n" + head + udpLink, "deadtime", 1, "whole number"},
	{"negative duration", "deadtime = \"-10s\"\n" + head + udpLink, "deadtime", 1, "negative"},
	{"boolean duration", "deadtime = true\n" + head + udpLink, "deadtime", 1, "want a duration"},

	// Cluster and nodes.
	{"missing cluster", "[node]\nname = \"alpha\"\nid = 1\n[[link]]\nname = \"m\"\nkind = \"multicast\"\ngroup = \"239.0.0.1:694\"\n", "cluster", 0, "required"},
	{"bad cluster name", "cluster = \"prod cluster\"\n" + head[17:] + udpLink, "cluster", 1, "letters, digits"},
	{"long cluster name", "cluster = \"" + strings.Repeat("c", 65) + "\"\n" + head[17:] + udpLink, "cluster", 1, "at most 64"},
	{"missing node", "cluster = \"prod\"\n[[link]]\nname = \"m\"\nkind = \"multicast\"\ngroup = \"239.0.0.1:694\"\n", "node.name", 0, "required"},
	{"zero node id", strings.Replace(head, "id = 1", "id = 0", 1) + udpLink, "node.id", 4, "nonzero"},
	{"missing node id", strings.Replace(head, "id = 1\n", "", 1) + udpLink, "node.id", 2, "nonzero"},
	{"duplicate id", strings.Replace(head, "id = 2", "id = 1", 1) + udpLink, "peer[0].id", 7, `already the id of [node] "alpha"`},
	{"duplicate name", strings.Replace(head, `"beta"`, `"alpha"`, 1) + udpLink, "peer[0].name", 6, "already the name of [node]"},
	{"names differ in case", strings.Replace(head, `"beta"`, `"ALPHA"`, 1) + udpLink, "peer[0].name", 6, "only in case"},
	{"bad node name", strings.Replace(head, `"alpha"`, `"al pha"`, 1) + udpLink, "node.name", 3, "not a valid hostname"},
	{"node name with leading dash", strings.Replace(head, `"alpha"`, `"-alpha"`, 1) + udpLink, "node.name", 3, "starting or ending with '-'"},
	{"node name empty label", strings.Replace(head, `"alpha"`, `"alpha..lan"`, 1) + udpLink, "node.name", 3, "empty label"},

	// Timing.
	{"keepalive zero", "keepalive = 0\n" + head + udpLink, "keepalive", 1, "greater than 0"},
	{"warntime not above keepalive", "keepalive = \"2s\"\nwarntime = \"2s\"\n" + head + udpLink, "warntime", 2, "greater than keepalive"},
	{"default warntime below keepalive", "keepalive = \"6s\"\n" + head + udpLink, "warntime", 1, "2s (default) must be greater than keepalive 6s"},
	{"deadtime not above warntime", strings.Replace(timing, `"10s"`, `"5s"`, 1) + head + udpLink, "deadtime", 3, "greater than warntime"},
	{"initdead below deadtime", strings.Replace(timing, `"30s"`, `"9s"`, 1) + head + udpLink, "initdead", 4, "at least deadtime"},
	{"initdead integer below deadtime", "initdead = 2\n" + head + udpLink, "initdead", 1, "2s must be at least deadtime 3s (default)"},

	// Files and log.
	{"relative data_dir", "data_dir = \"var/lib/pacer\"\n" + head + udpLink, "data_dir", 1, "absolute"},
	{"empty authkey", "authkey = \"\"\n" + head + udpLink, "authkey", 1, "empty"},
	{"bad log format", head + udpLink + "[log]\nformat = \"text\"\n", "log.format", 14, `"text" is not a log format`},
	{"bad log level", head + udpLink + "[log]\nlevel = \"verbose\"\n", "log.level", 14, "not a log level"},

	// Links.
	{"no link", head, "link", 0, "at least one [[link]]"},
	{"duplicate link name", head + udpLink + "[[link]]\nname = \"ring0\"\nkind = \"multicast\"\ngroup = \"239.0.0.1:694\"\n", "link[1].name", 14, `"ring0" is already the name of link[0]`},
	{"missing link name", head + strings.Replace(udpLink, "name = \"ring0\"\n", "", 1), "link[0].name", 8, "required"},
	{"bad link name", head + strings.Replace(udpLink, `"ring0"`, `"ring 0"`, 1), "link[0].name", 9, "letters, digits"},
	{"bad kind", head + strings.Replace(udpLink, `"udp"`, `"tcp"`, 1), "link[0].kind", 10, `"tcp" is not a link kind`},
	{"missing kind", head + strings.Replace(udpLink, "kind = \"udp\"\n", "", 1), "link[0].kind", 8, "required"},
	{"udp without bind", head + strings.Replace(udpLink, "bind = \"10.0.0.1:694\"\n", "", 1), "link[0].bind", 8, "required for a udp link"},
	{"bind without port", head + strings.Replace(udpLink, `"10.0.0.1:694"`, `"10.0.0.1"`, 1), "link[0].bind", 11, `not "ip:port"`},
	{"bind host name", head + strings.Replace(udpLink, `"10.0.0.1:694"`, `"alpha:694"`, 1), "link[0].bind", 11, "not an IP address"},
	{"bind port zero", head + strings.Replace(udpLink, `"10.0.0.1:694"`, `"10.0.0.1:0"`, 1), "link[0].bind", 11, "1..65535"},
	{"bind port too big", head + strings.Replace(udpLink, `"10.0.0.1:694"`, `"10.0.0.1:70000"`, 1), "link[0].bind", 11, "1..65535"},
	{"bind multicast", head + strings.Replace(udpLink, `"10.0.0.1:694"`, `"239.0.0.1:694"`, 1), "link[0].bind", 11, "multicast"},
	{"udp peer not configured", head + strings.Replace(udpLink, "beta =", "gamma =", 1), "link[0].peers.gamma", 12, `"gamma" is not a configured [[peer]]`},
	{"udp peer is this node", head + strings.Replace(udpLink, "}", `, alpha = "10.0.0.1:695" }`, 1), "link[0].peers.alpha", 12, "is this node"},
	{"udp peer wrong case", head + strings.Replace(udpLink, "beta =", "Beta =", 1), "link[0].peers.Beta", 12, `did you mean "beta"`},
	{"udp peer bad address", head + strings.Replace(udpLink, `"10.0.0.2:694"`, `"10.0.0.2"`, 1), "link[0].peers.beta", 12, `not "ip:port"`},
	{"udp peer unspecified", head + strings.Replace(udpLink, `"10.0.0.2:694"`, `"0.0.0.0:694"`, 1), "link[0].peers.beta", 12, "not a unicast"},
	{"udp peer other IP version", head + strings.Replace(udpLink, `"10.0.0.2:694"`, `"[fd00::2]:694"`, 1), "link[0].peers.beta", 12, "different IP versions"},
	{"udp peer own address", head + strings.Replace(udpLink, `"10.0.0.2:694"`, `"10.0.0.1:694"`, 1), "link[0].peers.beta", 12, "own bind address"},
	{"udp no peers", head + strings.Replace(udpLink, "peers = { beta = \"10.0.0.2:694\" }\n", "", 1), "link[0].peers", 8, "at least one peer"},
	{"udp key on serial link", head + "[[link]]\nname = \"s\"\nkind = \"serial\"\ndevice = \"/dev/ttyS0\"\npeer = \"beta\"\nbind = \"10.0.0.1:694\"\n", "link[0].bind", 13, `bind is a udp key; link "s" is kind "serial"`},
	{"baud on udp link", head + udpLink + "baud = 9600\n", "link[0].baud", 13, "serial key"},
	{"ttl zero on udp link", head + udpLink + "ttl = 0\n", "link[0].ttl", 13, "multicast key"},
	{"group not multicast", head + "[[link]]\nname = \"m\"\nkind = \"multicast\"\ngroup = \"10.0.0.5:694\"\n", "link[0].group", 11, "neither a multicast group"},
	{"group missing", head + "[[link]]\nname = \"m\"\nkind = \"multicast\"\n", "link[0].group", 8, "required"},
	{"multicast ttl zero", head + "[[link]]\nname = \"m\"\nkind = \"multicast\"\ngroup = \"239.0.0.1:694\"\nttl = 0\n", "link[0].ttl", 12, "out of range 1..255"},
	{"multicast ttl too big", head + "[[link]]\nname = \"m\"\nkind = \"multicast\"\ngroup = \"239.0.0.1:694\"\nttl = 256\n", "link[0].ttl", 12, "out of range"},
	{"bad interface", head + "[[link]]\nname = \"m\"\nkind = \"multicast\"\ngroup = \"239.0.0.1:694\"\ninterface = \"eth0/1\"\n", "link[0].interface", 12, "not an interface name"},
	{"serial bad baud", head + udpLink + udpLink[:9] + "name = \"ring1\"\nkind = \"multicast\"\ngroup = \"239.0.0.1:694\"\n[[link]]\nname = \"serial0\"\nkind = \"serial\"\ndevice = \"/dev/ttyS0\"\nbaud = 12345\npeer = \"beta\"\n",
		"link[2].baud", 21, `12345 is not a supported rate on link "serial0" (use one of 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)`},
	{"single link table", head + "[link]\nname = \"ring0\"\n", "link", 8, "write [[link]], not [link]"},
	{"same bind twice", head + udpLink + strings.Replace(udpLink, `"ring0"`, `"ring1"`, 1), "link[1].bind", 16, `"10.0.0.1:694" is already bound by link[0]`},
	{"same device twice", head + "[[link]]\nname = \"s0\"\nkind = \"serial\"\ndevice = \"/dev/ttyS0\"\npeer = \"beta\"\n[[link]]\nname = \"s1\"\nkind = \"serial\"\ndevice = \"/dev/ttyS0\"\npeer = \"beta\"\n",
		"link[1].device", 16, "already the device of link[0]"},
	{"byte order mark", "\uFEFFcluster = \"bad name\"\n" + head[17:] + udpLink, "cluster", 1, "letters, digits"},
	{"crlf line ends", strings.ReplaceAll(head+udpLink+"baud = 9600\n", "\n", "\r\n"), "link[0].baud", 13, "serial key"},
	{"serial missing device", head + "[[link]]\nname = \"s\"\nkind = \"serial\"\npeer = \"beta\"\n", "link[0].device", 8, "required for a serial link"},
	{"serial relative device", head + "[[link]]\nname = \"s\"\nkind = \"serial\"\ndevice = \"ttyS0\"\npeer = \"beta\"\n", "link[0].device", 11, "absolute"},
	{"serial missing peer", head + "[[link]]\nname = \"s\"\nkind = \"serial\"\ndevice = \"/dev/ttyS0\"\n", "link[0].peer", 8, "required for a serial link"},
	{"serial unknown peer", head + "[[link]]\nname = \"s\"\nkind = \"serial\"\ndevice = \"/dev/ttyS0\"\npeer = \"gamma\"\n", "link[0].peer", 12, `"gamma" is not a configured [[peer]]`},
	{"peer not reachable", head + "[[peer]]\nname = \"gamma\"\nid = 3\n" + udpLink, "peer[1].name", 9, `no link reaches peer "gamma"`},

	// Other TOML spellings of the same tables.
	{"links as inline array", "cluster = \"prod\"\nlink = [\n  { name = \"ring0\", kind = \"udp\", bind = \"10.0.0.1:694\", peers = { beta = \"10.0.0.2:694\" } },\n  { name = \"s\", kind = \"serial\", device = \"/dev/ttyS0\", baud = 1, peer = \"beta\" },\n]\n" + head[17:],
		"link[1].baud", 4, "not a supported rate"},
	{"inline array after a table", head + "link = [ { name = \"ring0\" } ]\n", "peer[0].link", 8, "top-level key"},
	{"peers as a sub-table", head + "[[link]]\nname = \"ring0\"\nkind = \"udp\"\nbind = \"10.0.0.1:694\"\n[link.peers]\nbeta = \"10.0.0.2:694\"\n[[link]]\nname = \"ring1\"\nkind = \"udp\"\nbind = \"10.0.0.1:695\"\n[link.peers]\nbeta = \"10.0.0.2\"\n",
		"link[1].peers.beta", 19, `not "ip:port"`},
	{"quoted peer name", head + "[[link]]\nname = \"ring0\"\nkind = \"udp\"\nbind = \"10.0.0.1:694\"\npeers = { beta = \"10.0.0.2:694\",\n  \"gamma.example.com\" = \"10.0.0.3:694\" }\n",
		`link[0].peers."gamma.example.com"`, 13, "not a configured [[peer]]"},
	// [raft] and the witness role.
	{"raft tick too short", head + udpLink + "[raft]\ntick = \"1ms\"\n", "raft.tick", 14, "between 10ms and 10s"},
	{"raft election not above heartbeat", head + udpLink + "[raft]\nheartbeat_ticks = 3\nelection_ticks = 3\n", "raft.election_ticks", 15, "greater than heartbeat_ticks 3"},
	{"raft heartbeat zero", head + udpLink + "[raft]\nheartbeat_ticks = 0\n", "raft.heartbeat_ticks", 14, "at least 1"},
	{"raft default election below heartbeat", head + udpLink + "[raft]\nheartbeat_ticks = 40\n", "raft.election_ticks", 13, "the default 15 (three keepalives) must be greater than heartbeat_ticks 40"},
	{"raft unknown key", head + udpLink + "[raft]\nelection_timeout = \"1s\"\n", "raft.election_timeout", 14, "unknown key"},
	{"witness not a boolean", strings.Replace(head, "id = 1\n", "id = 1\nwitness = \"yes\"\n", 1) + udpLink, "node.witness", 5, "want a boolean"},
	{"every node a witness", strings.Replace(strings.Replace(head, "id = 1\n", "id = 1\nwitness = true\n", 1), "id = 2\n", "id = 2\nwitness = true\n", 1) + udpLink,
		"node.witness", 5, "at least one node must host resources"},
	{"two_node with three nodes", head + "[[peer]]\nname = \"c\"\nid = 3\n" + "[[link]]\nname = \"m\"\nkind = \"multicast\"\ngroup = \"239.0.0.1:694\"\n" +
		"[quorum]\ntwo_node = true\nfence_agent = \"fence_ipmilan\"\n", "quorum.two_node", 16, "exactly 2 nodes, 3 are configured"},
	{"fence action", head + udpLink + "[quorum]\ntwo_node = true\nfence_action = \"on\"\n", "quorum.fence_action", 15, `"on": "reboot" or "off"`},
	{"two_node with a witness", strings.Replace(head, "id = 2\n", "id = 2\nwitness = true\n", 1) + udpLink + "[quorum]\ntwo_node = true\nfence_agent = \"fence_x\"\n",
		"quorum.two_node", 15, "exclude each other"},
	{"fence agent not fence_", head + udpLink + "[quorum]\ntwo_node = true\nfence_agent = \"/bin/true\"\n", "quorum.fence_agent", 15, "the name of a fence agent"},
	{"fence agent without two_node", head + udpLink + "[quorum]\nfence_agent = \"fence_x\"\n", "quorum.fence_agent", 14, "only with two_node"},
	{"fence param plug", head + udpLink + "[quorum]\ntwo_node = true\nfence_agent = \"fence_x\"\n[quorum.fence_params]\nplug = \"x\"\n", "quorum.fence_params.plug", 17, "set by pacerd"},
	{"fence retry zero", head + udpLink + "[quorum]\nfence_retry = \"0s\"\n", "quorum.fence_retry", 14, "must be positive"},
	{"keys after a multi-line string", "cluster = \"\"\"\n[[link]]\nbaud = 1\n\"\"\"\n" + head[17:] + udpLink, "cluster", 1, "letters, digits"},
}

var goodConfigs = []struct {
	name  string
	src   string
	check func(t *testing.T, c Config)
}{
	{"seven nodes: five voters, two learners", head + "[[peer]]\nname = \"c\"\nid = 3\n[[peer]]\nname = \"d\"\nid = 4\n[[peer]]\nname = \"e\"\nid = 5\n[[peer]]\nname = \"f\"\nid = 6\n[[peer]]\nname = \"g\"\nid = 7\n" +
		"[[link]]\nname = \"m\"\nkind = \"multicast\"\ngroup = \"239.0.0.1:694\"\n", func(t *testing.T, c Config) {
		if len(c.Peers) != 6 {
			t.Errorf("peers = %v", c.Peers)
		}
	}},
	{"two_node", head + udpLink + "[quorum]\ntwo_node = true\nwait_for_all = true\nfence_delay = \"5s\"\nfence_agent = \"fence_ipmilan\"\n[quorum.fence_params]\nip = \"10.0.0.9\"\nusername = \"admin\"\n", func(t *testing.T, c Config) {
		q := c.Quorum
		if !q.TwoNode || !q.WaitForAll || q.FenceDelay.Duration != 5*time.Second || q.FenceAgent != "fence_ipmilan" ||
			q.FenceParams["ip"] != "10.0.0.9" || q.FenceAgentDir != DefaultFenceAgentDir || q.FenceRetry.Duration != DefaultFenceRetry ||
			q.FenceAction != "reboot" {
			t.Errorf("quorum = %+v", q)
		}
	}},
	{"minimal", head + udpLink, func(t *testing.T, c Config) {
		if c.Links[0].PeerAddrs["beta"] != "10.0.0.2:694" {
			t.Errorf("peers = %v", c.Links[0].PeerAddrs)
		}
	}},
	{"integer durations", "keepalive = 2\nwarntime = 6\ndeadtime = 30\ninitdead = 120\n" + head + udpLink, func(t *testing.T, c Config) {
		want := []time.Duration{2 * time.Second, 6 * time.Second, 30 * time.Second, 120 * time.Second}
		got := []time.Duration{c.Keepalive.Duration, c.Warntime.Duration, c.Deadtime.Duration, c.Initdead.Duration}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("durations = %v, want %v", got, want)
		}
	}},
	{"sub-second durations", "keepalive = \"200ms\"\nwarntime = \"1s\"\ndeadtime = \"1500ms\"\ninitdead = \"1m\"\n" + head + udpLink, func(t *testing.T, c Config) {
		if c.Keepalive.Duration != 200*time.Millisecond || c.Deadtime.Duration != 1500*time.Millisecond || c.Initdead.Duration != time.Minute {
			t.Errorf("durations = %v %v %v", c.Keepalive, c.Deadtime, c.Initdead)
		}
	}},
	{"broadcast", head + "[[link]]\nname = \"b\"\nkind = \"multicast\"\ngroup = \"192.168.1.255:694\"\n", func(t *testing.T, c Config) {
		if c.Links[0].TTL != 1 {
			t.Errorf("ttl = %d, want default 1", c.Links[0].TTL)
		}
	}},
	{"limited broadcast", head + "[[link]]\nname = \"b\"\nkind = \"multicast\"\ngroup = \"255.255.255.255:694\"\n", nil},
	{"ipv6", head + "[[link]]\nname = \"r\"\nkind = \"udp\"\nbind = \"[fd00::1]:694\"\npeers = { beta = \"[fd00::2]:694\" }\n" +
		"[[link]]\nname = \"m\"\nkind = \"multicast\"\ngroup = \"[ff02::1:6]:694\"\ninterface = \"eth1\"\n", nil},
	{"ipv6 with zone", head + "[[link]]\nname = \"r\"\nkind = \"udp\"\nbind = \"[fe80::1%eth1]:694\"\npeers = { beta = \"[fe80::2%eth1]:694\" }\n", nil},
	{"string durations of digits and fractions", "keepalive = \"1\"\nwarntime = \"1.5s\"\n" + head + udpLink, func(t *testing.T, c Config) {
		if c.Keepalive.Duration != time.Second || c.Warntime.Duration != 1500*time.Millisecond {
			t.Errorf("keepalive %v warntime %v", c.Keepalive, c.Warntime)
		}
	}},
	{"two serial cables to one peer", head + "[[link]]\nname = \"s0\"\nkind = \"serial\"\ndevice = \"/dev/ttyS0\"\npeer = \"beta\"\n[[link]]\nname = \"s1\"\nkind = \"serial\"\ndevice = \"/dev/ttyS1\"\nbaud = 115200\npeer = \"beta\"\n", nil},
	{"wildcard bind", head + strings.Replace(udpLink, `"10.0.0.1:694"`, `"0.0.0.0:694"`, 1), nil},
	{"serial only", head + "[[link]]\nname = \"s\"\nkind = \"serial\"\ndevice = \"/dev/ttyUSB0\"\npeer = \"beta\"\n", func(t *testing.T, c Config) {
		if c.Links[0].Baud != 19200 {
			t.Errorf("baud = %d, want default 19200", c.Links[0].Baud)
		}
	}},
	{"fqdn node names", strings.NewReplacer(`"alpha"`, `"alpha.example.com"`, `"beta"`, `"beta.example.com"`).Replace(head) +
		"[[link]]\nname = \"ring0\"\nkind = \"udp\"\nbind = \"10.0.0.1:694\"\npeers = { \"beta.example.com\" = \"10.0.0.2:694\" }\n", nil},
	{"no peers", "cluster = \"solo\"\n[node]\nname = \"alpha\"\nid = 7\n[[link]]\nname = \"ring0\"\nkind = \"udp\"\nbind = \"10.0.0.1:694\"\n", nil},
	{"log json debug", head + udpLink + "[log]\nformat = \"json\"\nlevel = \"debug\"\n", func(t *testing.T, c Config) {
		if c.Log != (LogConfig{Format: "json", Level: "debug"}) {
			t.Errorf("log = %+v", c.Log)
		}
	}},
	{"raft and a witness peer", head + "witness = true\n" + udpLink + "[raft]\ntick = \"50ms\"\nelection_ticks = 20\nheartbeat_ticks = 2\n", func(t *testing.T, c Config) {
		if c.Raft != (RaftConfig{Tick: Duration{50 * time.Millisecond}, ElectionTicks: 20, HeartbeatTicks: 2}) || !c.Peers[0].Witness || c.Node.Witness {
			t.Errorf("raft = %+v, peer %+v, node %+v", c.Raft, c.Peers[0], c.Node)
		}
	}},
	{"log level only keeps default format", head + udpLink + "[log]\nlevel = \"warn\"\n", func(t *testing.T, c Config) {
		if c.Log != (LogConfig{Format: "console", Level: "warn"}) {
			t.Errorf("log = %+v", c.Log)
		}
	}},
}

func TestParseGood(t *testing.T) {
	for _, tc := range goodConfigs {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.src), "pacer.toml")
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if tc.check != nil {
				tc.check(t, c)
			}
		})
	}
}

func TestParseBad(t *testing.T) {
	for _, tc := range badConfigs {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.src), "pacer.toml")
			if err == nil {
				t.Fatal("Parse accepted the file")
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not an *Error: %v", err, err)
			}
			if e.File != "pacer.toml" || e.Key != tc.key || e.Line != tc.line || !strings.Contains(e.Msg, tc.msg) {
				t.Errorf("first error = {File:%q Line:%d Key:%q Msg:%q}\nwant        {File:\"pacer.toml\" Line:%d Key:%q Msg:~%q}\nall: %v",
					e.File, e.Line, e.Key, e.Msg, tc.line, tc.key, tc.msg, err)
			}
			// The rendered error leads with file:line and names the key.
			s := err.Error()
			prefix := "pacer.toml: "
			if tc.line > 0 {
				prefix = "pacer.toml:" + strconv.Itoa(tc.line) + ":"
			}
			if !strings.HasPrefix(s, prefix) || !strings.Contains(s, tc.key) {
				t.Errorf("Error() = %q, want prefix %q and key %q", s, prefix, tc.key)
			}
		})
	}
}

func TestParseSeveralErrors(t *testing.T) {
	src := "keepalive = 0\n" + strings.Replace(head, "id = 2", "id = 0", 1) + strings.Replace(udpLink, `"udp"`, `"tcp"`, 1)
	_, err := Parse([]byte(src), "pacer.toml")
	if err == nil {
		t.Fatal("Parse accepted the file")
	}
	var e *Error
	if !errors.As(err, &e) || e.Key != "keepalive" || e.Line != 1 {
		t.Fatalf("first error = %v, want keepalive on line 1", err)
	}
	lines := strings.Split(err.Error(), "\n")
	want := []string{"pacer.toml:1:", "pacer.toml:8:", "pacer.toml:11:"}
	if len(lines) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(lines), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("error %d = %q, want prefix %q", i, lines[i], w)
		}
	}
}

func TestExampleFile(t *testing.T) {
	c, err := Load("testdata/pacer.example.toml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.Cluster != "prod" || c.Node != (NodeConfig{Name: "alpha", ID: 1}) || len(c.Peers) != 2 {
		t.Errorf("cluster %q node %+v peers %+v", c.Cluster, c.Node, c.Peers)
	}
	kinds := []string{}
	for _, l := range c.Links {
		kinds = append(kinds, l.Kind)
	}
	if !reflect.DeepEqual(kinds, []string{KindUDP, KindMulticast, KindSerial}) {
		t.Errorf("link kinds = %v", kinds)
	}
	if c.Initdead.Duration != 30*time.Second {
		t.Errorf("initdead = %v", c.Initdead)
	}
	if p, ok := c.PeerByName("gamma"); !ok || p.ID != 3 {
		t.Errorf("PeerByName(gamma) = %+v, %v", p, ok)
	}
	if _, ok := c.PeerByName("alpha"); ok {
		t.Error("PeerByName(alpha) found this node")
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(t.TempDir() + "/nope.toml")
	if err == nil || !strings.Contains(err.Error(), "nope.toml") {
		t.Errorf("Load of a missing file = %v", err)
	}
}

func TestDefaults(t *testing.T) {
	d := Defaults()
	want := Config{
		Keepalive: Duration{500 * time.Millisecond}, Warntime: Seconds(2), Deadtime: Seconds(3), Initdead: Seconds(30), ShutdownTimeout: Seconds(600),
		Authkey: "/etc/pacer/authkey", DataDir: "/var/lib/pacer", Socket: "/run/pacer/pacerd.sock",
		Log:    LogConfig{Format: "console", Level: "info"},
		Raft:   RaftConfig{Tick: Duration{100 * time.Millisecond}, HeartbeatTicks: 1},
		Quorum: QuorumConfig{FenceRetry: Seconds(5), FenceTimeout: Seconds(60), FenceAgentDir: "/usr/sbin", FenceAction: "reboot"},
	}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("Defaults() = %+v\nwant %+v", d, want)
	}
	if err := d.Validate(); err == nil {
		t.Error("Defaults() validates without a cluster, node and link")
	}

	// A minimal file gets exactly the defaults, and link defaults by kind.
	c, err := Parse([]byte(head+udpLink+
		"[[link]]\nname = \"m\"\nkind = \"multicast\"\ngroup = \"239.0.0.1:694\"\n"+
		"[[link]]\nname = \"s\"\nkind = \"serial\"\ndevice = \"/dev/ttyS0\"\npeer = \"beta\"\n"), "pacer.toml")
	if err != nil {
		t.Fatal(err)
	}
	got := c
	got.Cluster, got.Node, got.Peers, got.Links, got.src = "", NodeConfig{}, nil, nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parsed defaults = %+v\nwant %+v", got, want)
	}
	if l := c.Links[0]; l.TTL != 0 || l.Baud != 0 {
		t.Errorf("udp link got ttl %d baud %d, want none", l.TTL, l.Baud)
	}
	if l := c.Links[1]; l.TTL != DefaultTTL || l.Baud != 0 {
		t.Errorf("multicast link got ttl %d baud %d", l.TTL, l.Baud)
	}
	if l := c.Links[2]; l.Baud != DefaultBaud || l.TTL != 0 {
		t.Errorf("serial link got ttl %d baud %d", l.TTL, l.Baud)
	}
}

func TestValidateWithoutFile(t *testing.T) {
	c := Defaults()
	c.Cluster = "lab"
	c.Node = NodeConfig{Name: "a", ID: 1}
	c.Peers = []NodeConfig{{Name: "b", ID: 2}}
	c.Links = []LinkConfig{{Name: "serial0", Kind: KindSerial, Device: "/dev/ttyS0", Baud: 12345, Peer: "b"}}
	err := c.Validate()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Validate = %v, want an *Error", err)
	}
	want := `link[0].baud: 12345 is not a supported rate on link "serial0" (use one of 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)`
	if e.Error() != want || e.Line != 0 || e.File != "" {
		t.Errorf("Validate = %q, want %q", e.Error(), want)
	}
	c.Links[0].Baud = 115200
	if err := c.Validate(); err != nil {
		t.Errorf("Validate = %v", err)
	}
}

func TestErrorString(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  Error
		want string
	}{
		{"full", Error{File: "pacer.toml", Line: 14, Col: 1, Key: "link[2].baud", Msg: "bad"}, "pacer.toml:14:1: link[2].baud: bad"},
		{"no column", Error{File: "pacer.toml", Line: 14, Key: "deadtime", Msg: "bad"}, "pacer.toml:14: deadtime: bad"},
		{"no line", Error{File: "pacer.toml", Key: "cluster", Msg: "required"}, "pacer.toml: cluster: required"},
		{"no file", Error{Line: 3, Key: "cluster", Msg: "bad"}, "line 3: cluster: bad"},
		{"no key", Error{File: "pacer.toml", Line: 2, Col: 6, Msg: "syntax"}, "pacer.toml:2:6: syntax"},
		{"only message", Error{Msg: "bad"}, "bad"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("Error() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDuration(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want time.Duration
		err  string
	}{
		{"seconds string", "2s", 2 * time.Second, ""},
		{"milliseconds", "500ms", 500 * time.Millisecond, ""},
		{"compound", "1m30s", 90 * time.Second, ""},
		{"whole seconds", "30", 30 * time.Second, ""},
		{"zero", "0", 0, ""},
		{"zero string", "0s", 0, ""},
		{"empty", "", 0, "empty duration"},
		{"garbage", "soon", 0, "not a duration"},
		{"negative seconds", "-1", 0, "negative"},
		{"negative string", "-1s", 0, "negative"},
		{"huge", "99999999999999999999", 0, "out of range"},
		{"decimal", "1.5", 0, "not a duration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d Duration
			err := d.UnmarshalText([]byte(tc.in))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("UnmarshalText(%q) = %v, want error ~%q", tc.in, err, tc.err)
				}
				return
			}
			if err != nil || d.Duration != tc.want {
				t.Fatalf("UnmarshalText(%q) = %v, %v; want %v", tc.in, d, err, tc.want)
			}
			text, _ := d.MarshalText()
			var back Duration
			if err := back.UnmarshalText(text); err != nil || back != d {
				t.Errorf("round trip via %q = %v, %v", text, back, err)
			}
		})
	}
}

// TestElectionTicksFor: an explicit election_ticks stands; the default
// spans three keepalives (a cut link is left after two of silence), never
// under DefaultElectionTicks, and rounds up to whole ticks.
func TestElectionTicksFor(t *testing.T) {
	tests := []struct {
		name      string
		r         RaftConfig
		keepalive time.Duration
		want      int
	}{
		{"explicit", RaftConfig{Tick: Duration{100 * time.Millisecond}, ElectionTicks: 7}, time.Second, 7},
		{"keepalive 1s", RaftConfig{Tick: Duration{100 * time.Millisecond}}, time.Second, 30},
		{"default keepalive", RaftConfig{Tick: Duration{100 * time.Millisecond}}, DefaultKeepalive, 15},
		{"fast keepalive keeps the floor", RaftConfig{Tick: Duration{50 * time.Millisecond}}, 100 * time.Millisecond, 10},
		{"rounded up", RaftConfig{Tick: Duration{70 * time.Millisecond}}, time.Second, 43},
		{"capped", RaftConfig{Tick: Duration{10 * time.Millisecond}}, 10 * time.Second, MaxElectionTicks},
	}
	for _, tc := range tests {
		if got := tc.r.ElectionTicksFor(tc.keepalive); got != tc.want {
			t.Errorf("%s: ElectionTicksFor(%v) = %d, want %d", tc.name, tc.keepalive, got, tc.want)
		}
	}
}

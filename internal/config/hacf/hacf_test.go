package hacf

import (
	"bytes"
	"errors"
	"io/fs"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"pacer/internal/config"
)

func TestParseMsec(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"2", 2 * time.Second, true},
		{"0.5", 500 * time.Millisecond, true},
		{"500ms", 500 * time.Millisecond, true},
		{"500MS", 500 * time.Millisecond, true},
		{"1500000us", 1500 * time.Millisecond, true},
		{"499us", 0, true},
		{"501us", time.Millisecond, true},
		{".25", 250 * time.Millisecond, true},
		{"2s", 0, false}, // Heartbeat's cl_get_msec refuses it too
		{"", 0, false},
		{"ms", 0, false},
		{"1.2.3", 0, false},
		{"-1", 0, false},
		{"1e3", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseMsec(tc.in)
			if (err == nil) != tc.ok || got != tc.want {
				t.Fatalf("ParseMsec(%q) = %v, %v; want %v, ok=%v", tc.in, got, err, tc.want, tc.ok)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"unknown directive", "node a b\nkeepalve 2\n", `ha.cf:2: unknown directive "keepalve"`},
		{"too few", "node a b\nmcast eth0 239.0.0.1 694 1\n", "ha.cf:2: mcast needs 5 values"},
		{"too many", "node a b\nkeepalive 1 2\n", "ha.cf:2: keepalive takes 1 value, got 2"},
		{"no value", "node\n", "ha.cf:1: node needs at least 1 value"},
		{"nul", "node a\x00b\n", "ha.cf:1: NUL byte"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.in), "ha.cf")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("%T is not an *Error", err)
			}
		})
	}
}

func TestParseSyntax(t *testing.T) {
	f, err := Parse([]byte("  # comment\nnode a, b # two nodes\n\nbcast eth0 eth1\r\nucast eth2 10.0.0.2\n"), "ha.cf")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range f.Directives {
		got = append(got, d.Name+"="+strings.Join(d.Args, "|")+"@"+strconv.Itoa(d.Line))
	}
	if s := strings.Join(got, " "); s != "node=a|b@2 bcast=eth0|eth1@4 ucast=eth2|10.0.0.2@5" {
		t.Fatalf("directives %s", s)
	}
}

func convert(t *testing.T, src string, o Options) (*Result, error) {
	t.Helper()
	f, err := Parse([]byte(src), "ha.cf")
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return Convert(f, o)
}

func noteWith(r *Result, kind NoteKind, sub string) bool {
	for _, n := range r.Notes {
		if n.Kind == kind && strings.Contains(n.Msg, sub) {
			return true
		}
	}
	return false
}

// TestConvertTiming: Heartbeat's defaults and rules, as config.c has them.
func TestConvertTiming(t *testing.T) {
	tests := []struct {
		name                string
		ha                  string
		keep, warn, dead, i time.Duration
	}{
		{"all defaults", "", time.Second, 15 * time.Second, 30 * time.Second, 30 * time.Second},
		{"short deadtime", "deadtime 5\n", time.Second, 2500 * time.Millisecond, 5 * time.Second, 12 * time.Second},
		{"middle deadtime", "deadtime 8\n", time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second},
		{"all set", "keepalive 500ms\nwarntime 3\ndeadtime 6\ninitdead 60\n", 500 * time.Millisecond, 3 * time.Second, 6 * time.Second, time.Minute},
		{"warntime above deadtime", "warntime 40\ndeadtime 30\n", time.Second, 15 * time.Second, 30 * time.Second, 30 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := convert(t, "node a b\nbcast eth0\n"+tc.ha, Options{})
			if err != nil {
				t.Fatal(err)
			}
			c := r.Config
			if c.Keepalive.Duration != tc.keep || c.Warntime.Duration != tc.warn || c.Deadtime.Duration != tc.dead || c.Initdead.Duration != tc.i {
				t.Fatalf("keepalive %v warntime %v deadtime %v initdead %v", c.Keepalive, c.Warntime, c.Deadtime, c.Initdead)
			}
		})
	}
}

func TestConvertFailback(t *testing.T) {
	tests := []struct {
		ha   string
		want bool
		line int
	}{
		{"", true, 0},
		{"auto_failback on\n", true, 3},
		{"auto_failback off\n", false, 3},
		{"auto_failback legacy\n", true, 3},
		{"nice_failback on\n", false, 3},
		{"auto_failback legacy\nnice_failback on\n", false, 4},
		{"nice_failback on\nauto_failback on\n", true, 4},
	}
	for _, tc := range tests {
		t.Run(strings.ReplaceAll(tc.ha, "\n", ";"), func(t *testing.T) {
			r, err := convert(t, "node a b\nbcast eth0\n"+tc.ha, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if r.AutoFailback != tc.want || r.AutoFailbackLine != tc.line {
				t.Fatalf("AutoFailback %v line %d, want %v line %d", r.AutoFailback, r.AutoFailbackLine, tc.want, tc.line)
			}
		})
	}
}

func TestConvertLinks(t *testing.T) {
	tests := []struct {
		name  string
		ha    string
		o     Options
		links string // name:kind:detail, in order
		note  string // a note that must be there
	}{
		{"bcast after udpport", "udpport 700\nbcast eth0\n", Options{}, "ring0:multicast:255.255.255.255:700", "limited broadcast"},
		{"udpport after media", "bcast eth0\nudpport 700\nbcast eth1\n", Options{}, "ring0:multicast:255.255.255.255:694 ring1:multicast:255.255.255.255:700", "comes after media lines"},
		{"mcast loop", "mcast eth1 239.1.2.3 5405 2 1\n", Options{}, "ring0:multicast:239.1.2.3:5405", "loop 1"},
		{"mcast6", "mcast6 eth1 ff02::1:2 694 1 0\n", Options{}, "ring0:multicast:[ff02::1:2]:694", ""},
		{"serial baud", "serial /dev/ttyS1\nbaud 57600\n", Options{}, "serial0:serial:/dev/ttyS1@57600->b", "line 3"},
		{"serial unsupported baud", "baud 230400\nserial /dev/ttyS1\n", Options{}, "serial0:serial:/dev/ttyS1@19200->b", "baud 230400"},
		{"ucast own address known", "ucast eth0 10.0.0.1\nucast eth0 10.0.0.2\n", Options{Addrs: addrs("a=10.0.0.1")}, "ring0:udp:10.0.0.1:694>b=10.0.0.2:694", "own address"},
		{"ucast peer from addr", "ucast eth0 10.0.0.1\n", Options{Node: "b", Addrs: addrs("a=10.0.9.9", "a=10.0.0.7", "b=10.0.0.1")}, "ring0:udp:10.0.0.1:694>a=10.0.0.7:694", "closest"},
		{"ucast ipv6", "ucast eth0 fd00::2\n", Options{}, "ring0:udp:[::]:694>b=[fd00::2]:694", "bind"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := convert(t, "node a b\n"+tc.ha, tc.o)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, l := range r.Config.Links {
				s := l.Name + ":" + l.Kind + ":"
				switch l.Kind {
				case config.KindMulticast:
					s += l.Group
				case config.KindSerial:
					s += l.Device + "@" + strconv.Itoa(l.Baud) + "->" + l.Peer
				case config.KindUDP:
					s += l.Bind + ">"
					for p, a := range l.PeerAddrs {
						s += p + "=" + a
					}
				}
				got = append(got, s)
			}
			if g := strings.Join(got, " "); g != tc.links {
				t.Errorf("links %s, want %s\n%s", g, tc.links, r.TOML)
			}
			if tc.note != "" && !noteWith(r, Mapped, tc.note) && !noteWith(r, NotHonoured, tc.note) &&
				!noteWith(r, Ignored, tc.note) && !noteWith(r, Default, tc.note) {
				t.Errorf("no note with %q: %v", tc.note, r.Notes)
			}
		})
	}
}

func addrs(kv ...string) map[string][]netip.Addr {
	m := map[string][]netip.Addr{}
	for _, x := range kv {
		n, a, _ := strings.Cut(x, "=")
		m[n] = append(m[n], netip.MustParseAddr(a))
	}
	return m
}

func TestConvertErrors(t *testing.T) {
	tests := []struct {
		name, ha string
		o        Options
		want     string
	}{
		{"no nodes", "bcast eth0\n", Options{}, "no node directive"},
		{"node not a host name", "node a b_c\nbcast eth0\n", Options{}, `ha.cf:1: node "b_c" has '_'`},
		{"bad cluster name", "cluster my/cluster\nnode a b\nbcast eth0\n", Options{}, `ha.cf:1: cluster "my/cluster"`},
		{"duplicate node", "node a b\nnode A\nbcast eth0\n", Options{}, "ha.cf:2: node A is already listed on line 1"},
		{"unknown local node", "node a b\nbcast eth0\n", Options{Node: "c"}, "node c is not listed"},
		{"bad udpport", "node a b\nudpport 70000\nbcast eth0\n", Options{}, "ha.cf:2: udpport 70000"},
		{"initdead below deadtime", "node a b\nbcast eth0\ndeadtime 30\ninitdead 10\n", Options{}, "ha.cf:4: initdead 10s is less than deadtime 30s"},
		{"bad auto_failback", "node a b\nbcast eth0\nauto_failback maybe\n", Options{}, "ha.cf:3: auto_failback maybe"},
		{"ucast hostname", "node a b\nucast eth0 peer.example\n", Options{}, `ha.cf:2: ucast eth0: "peer.example" is not an IP address`},
		{"ucast two binds", "node a b\nucast eth0 10.0.0.2\nucast eth1 10.0.1.2\n", Options{}, "ha.cf:3: ucast eth1 would bind 0.0.0.0:694 like the ucast line 2"},
		{"addr unknown node", "node a b\nbcast eth0\n", Options{Addrs: addrs("c=10.0.0.1")}, "--addr c: c is not a node"},
		{"unreachable peer", "node a b c\nucast eth0 10.0.0.2\n", Options{Addrs: addrs("b=10.0.0.2")}, `no link reaches peer "c"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := convert(t, tc.ha, tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if r != nil {
				t.Fatal("a result came with the error")
			}
		})
	}
}

func TestAuthkeys(t *testing.T) {
	const long = "0123456789abcdefXYZ"
	tests := []struct {
		name    string
		in      string
		mode    uint32
		want    string // error substring, "" for success
		primary int
		keys    int
		fresh   bool
	}{
		{"sha1", "auth 1\n1 sha1 " + long + "\n", 0o600, "", 1, 1, false},
		{"md5 and sha1", "# keys\nauth 2\n1 md5 " + long + "\n2 sha1 " + long + "2\n", 0o600, "", 2, 2, false},
		{"id 0", "auth 0\n0 sha1 " + long + "\n", 0o400, "", 16, 1, false},
		{"crc", "auth 1\n1 crc\n", 0o600, "", 1, 1, true},
		{"short secret", "auth 1\n1 sha1 short\n", 0o600, "", 1, 1, true},
		{"crc with old key kept", "auth 2\n1 sha1 " + long + "\n2 crc\n", 0o600, "", 2, 2, true},
		{"readable", "auth 1\n1 sha1 " + long + "\n", 0o640, "mode 0640", 0, 0, false},
		{"no auth", "1 sha1 " + long + "\n", 0o600, "no `auth N` line", 0, 0, false},
		{"auth undefined", "auth 2\n1 sha1 " + long + "\n", 0o600, "ak:1: auth 2: key 2 is not defined", 0, 0, false},
		{"crc with key", "auth 1\n1 crc " + long + "\n", 0o600, "ak:2: key 1: crc takes no secret", 0, 0, false},
		{"sha1 without key", "auth 1\n1 sha1\n", 0o600, "ak:2: key 1: sha1 needs a secret", 0, 0, false},
		{"id out of range", "auth 1\n16 sha1 " + long + "\n", 0o600, "ak:2: want `auth N`", 0, 0, false},
		{"duplicate", "auth 1\n1 sha1 " + long + "\n1 md5 " + long + "\n", 0o600, "ak:3: key 1 is already defined on line 2", 0, 0, false},
		{"two auth", "auth 1\nauth 1\n1 sha1 " + long + "\n", 0o600, "ak:2: a second auth line", 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := ParseAuthkeys([]byte(tc.in), "ak", fs.FileMode(tc.mode))
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("err = %v, want %q", err, tc.want)
				}
				if strings.Contains(err.Error(), long) {
					t.Fatalf("error shows the secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			res, err := ConvertAuthkeys(a, bytes.NewReader(bytes.Repeat([]byte{7}, 64)))
			if err != nil {
				t.Fatal(err)
			}
			k := res.Keyring
			if int(k.Primary) != tc.primary || len(k.Keys) != tc.keys || res.Fresh != tc.fresh {
				t.Fatalf("primary %d, %d keys, fresh %v; want %d, %d, %v", k.Primary, len(k.Keys), res.Fresh, tc.primary, tc.keys, tc.fresh)
			}
			if res.Fresh && !bytes.Equal(k.Keys[k.Primary], bytes.Repeat([]byte{7}, 32)) {
				t.Error("the fresh key is not from the random source")
			}
			if !res.Fresh && !bytes.HasPrefix(k.Keys[k.Primary], []byte(long)) {
				t.Error("the sha1/md5 secret was not carried over")
			}
			b, err := config.FormatAuthkey(k)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := config.ParseAuthkey(b, "authkey"); err != nil {
				t.Fatalf("pacer cannot read the authkey made: %v", err)
			}
			for _, n := range res.Notes {
				if strings.Contains(n.String(), long) {
					t.Fatalf("a note shows the secret: %s", n)
				}
			}
		})
	}
}

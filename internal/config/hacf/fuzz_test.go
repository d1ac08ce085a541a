package hacf

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pacer/internal/config"
)

// FuzzParse: ha.cf from outside never panics; what Parse accepts, Convert
// either refuses with an error or turns into a pacer.toml that config.Parse
// loads to the same configuration.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"node a b\nbcast eth0\n",
		"node a b\nkeepalive 500ms\ndeadtime 5\nwarntime 2\ninitdead 20\nucast eth0 10.0.0.2\nserial /dev/ttyS0\nbaud 38400\n",
		"node a b c\nmcast eth1 239.0.0.1 694 1 0\nmcast6 eth2 ff02::1 694 1 1\nauto_failback off\ndebug 1\n",
		"cluster x\nnode a,b # comment\nudpport 700\nucast eth0 10.0.0.1 10.0.0.2\nping 10.0.0.254\nstonith_host * ipmi a 1 2\n",
		"node a\n", "keepalive 2s\n", "node a b\nucast eth0 fd00::1\nnice_failback on\ncrm respawn\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	if b, err := os.ReadFile(filepath.Join("..", "..", "..", "cmd", "pacer", "testdata", "import", "nfs-pair.ha.cf")); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse(data, "ha.cf")
		if err != nil {
			if file != nil {
				t.Fatal("a File came with an error")
			}
			return
		}
		o := Options{Addrs: map[string][]netip.Addr{"a": {netip.MustParseAddr("10.0.0.1")}}}
		r, err := Convert(file, o)
		if err != nil {
			return
		}
		again, err := config.Parse(r.TOML, "pacer.toml")
		if err != nil {
			t.Fatalf("the pacer.toml made does not load: %v\n%s", err, r.TOML)
		}
		if again.Node.Name != r.Local || len(again.Peers)+1 != len(r.Nodes) {
			t.Fatalf("node %s with %d peers, want %s of %d nodes", again.Node.Name, len(again.Peers), r.Local, len(r.Nodes))
		}
	})
}

// FuzzAuthkeys: authkeys from outside never panics; an accepted file gives
// a keyring pacer's own parser reads back, and no message shows a secret.
func FuzzAuthkeys(f *testing.F) {
	for _, s := range []string{
		"auth 1\n1 sha1 0123456789abcdef0123\n",
		"# c\nauth 2\n1 md5 0123456789abcdefXY\n2 crc\n",
		"auth 0\n0 sha1 short\n", "auth 1\n", "1 sha1\n", "auth 16\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// A secret is the third word of a key line. Text the file also has
		// outside a secret position (an id, a method, a malformed line) is
		// the operator's own and may be quoted back; only a secret found
		// nowhere else must never be shown.
		secrets := map[string]bool{}
		var public []string
		for _, line := range strings.Split(string(data), "\n") {
			w := strings.Fields(line)
			if len(w) == 3 && len(w[2]) >= 12 {
				secrets[w[2]] = true
				public = append(public, w[0], w[1])
				continue
			}
			public = append(public, w...)
		}
		for k := range secrets {
			for _, p := range public {
				if strings.Contains(p, k) {
					delete(secrets, k)
					break
				}
			}
		}
		shows := func(s string) bool {
			for k := range secrets {
				if strings.Contains(s, k) {
					return true
				}
			}
			return false
		}
		a, err := ParseAuthkeys(data, "authkeys", 0o600)
		if err != nil {
			if shows(err.Error()) {
				t.Fatalf("error shows a secret: %v", err)
			}
			return
		}
		res, err := ConvertAuthkeys(a, bytes.NewReader(make([]byte, 64)))
		if err != nil {
			t.Fatal(err)
		}
		b, err := config.FormatAuthkey(res.Keyring)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := config.ParseAuthkey(b, "authkey"); err != nil {
			t.Fatalf("pacer cannot read the authkey made: %v", err)
		}
		for _, n := range res.Notes {
			if shows(n.String()) {
				t.Fatalf("note shows a secret: %s", n)
			}
		}
	})
}

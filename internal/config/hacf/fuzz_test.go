package hacf

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"unicode"
	"unicode/utf8"

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
		// A secret is the third word of a key line. The oracle: every
		// message is the same when each secret is replaced by other bytes
		// of the same length, so no message depends on (shows) a secret.
		// Text the operator wrote elsewhere (an id, a method quoted back)
		// may well look like a secret; that is not a leak.
		masked := maskThirdWords(data)
		_, maskedErr := ParseAuthkeys(masked, "authkeys", 0o600)
		a, err := ParseAuthkeys(data, "authkeys", 0o600)
		if err != nil {
			if maskedErr == nil || maskedErr.Error() != err.Error() {
				t.Fatalf("error depends on a secret: %v\nwith the secrets masked: %v", err, maskedErr)
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
		ma, err := ParseAuthkeys(masked, "authkeys", 0o600)
		if err != nil {
			t.Fatalf("accepted, but refused with the secrets masked: %v", err)
		}
		mres, err := ConvertAuthkeys(ma, bytes.NewReader(make([]byte, 64)))
		if err != nil {
			t.Fatal(err)
		}
		if len(mres.Notes) != len(res.Notes) {
			t.Fatalf("%d notes, %d with the secrets masked", len(res.Notes), len(mres.Notes))
		}
		for i, n := range res.Notes {
			if n.String() != mres.Notes[i].String() {
				t.Fatalf("note depends on a secret: %s\nwith the secrets masked: %s", n, mres.Notes[i])
			}
		}
	})
}

// maskThirdWords returns data with the third whitespace-separated word of
// every line (where authkeys keeps a secret) replaced by as many bytes of a
// letter it does not start with, everything else byte for byte the same.
func maskThirdWords(data []byte) []byte {
	out := append([]byte(nil), data...)
	lineStart := 0
	for lineStart <= len(out) {
		end := bytes.IndexByte(out[lineStart:], '\n')
		if end < 0 {
			end = len(out)
		} else {
			end += lineStart
		}
		if bytes.IndexByte(out[lineStart:end], 0) >= 0 {
			// The parser refuses such a line whole, quoting none of it.
			lineStart = end + 1
			continue
		}
		word, in, i := 0, false, lineStart
		for i < end {
			r, size := utf8.DecodeRune(out[i:end])
			space := unicode.IsSpace(r)
			if !space && !in {
				word++
			}
			in = !space
			if word == 3 && in {
				j := i
				for j < end {
					r2, s2 := utf8.DecodeRune(out[j:end])
					if unicode.IsSpace(r2) {
						break
					}
					j += s2
				}
				fill := byte('s')
				if out[i] == 's' {
					fill = 't'
				}
				for k := i; k < j; k++ {
					out[k] = fill
				}
				break
			}
			i += size
		}
		lineStart = end + 1
	}
	return out
}

package config

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"pacer/heartbeat"
)

var (
	hexKey1 = strings.Repeat("11", 32)
	hexKey2 = strings.Repeat("ab", 32)
)

const goodAuthkey = `# pacer cluster authkey
primary = 2
[keys]
1 = "` + "1111111111111111111111111111111111111111111111111111111111111111" + `"
2 = "` + "abababababababababababababababababababababababababababababababab" + `"
`

func TestParseAuthkeyGood(t *testing.T) {
	k, err := ParseAuthkey([]byte(goodAuthkey), "authkey")
	if err != nil {
		t.Fatal(err)
	}
	if k.Primary != 2 || len(k.Keys) != 2 || !bytes.Equal(k.Keys[1], bytes.Repeat([]byte{0x11}, 32)) ||
		!bytes.Equal(k.Keys[2], bytes.Repeat([]byte{0xab}, 32)) {
		t.Errorf("keyring = %+v", k)
	}
	// Upper-case hex and the minimum length are accepted.
	k, err = ParseAuthkey([]byte("primary = 7\n[keys]\n7 = \""+strings.Repeat("AB", heartbeat.MinKeyLen)+"\"\n"), "authkey")
	if err != nil || len(k.Keys[7]) != heartbeat.MinKeyLen {
		t.Errorf("min-length upper-case key: %+v, %v", k, err)
	}
}

var badAuthkeys = []struct {
	name string
	src  string
	key  string
	line int
	msg  string
}{
	{"syntax", "primary = 1\n[keys\n", "", 2, "table name"},
	{"unknown key", "primary = 1\ncipher = \"aes\"\n[keys]\n1 = \"" + hexKey1 + "\"\n", "cipher", 2, `unknown key "cipher"`},
	{"missing primary", "[keys]\n1 = \"" + hexKey1 + "\"\n", "primary", 0, "required"},
	{"primary not a number", "primary = \"1\"\n[keys]\n1 = \"" + hexKey1 + "\"\n", "primary", 1, "want an integer"},
	{"primary zero", "primary = 0\n[keys]\n1 = \"" + hexKey1 + "\"\n", "primary", 1, "not a key id (1..255)"},
	{"primary too big", "primary = 256\n[keys]\n1 = \"" + hexKey1 + "\"\n", "primary", 1, "not a key id"},
	{"primary not in keys", "primary = 3\n[keys]\n1 = \"" + hexKey1 + "\"\n2 = \"" + hexKey2 + "\"\n", "primary", 1, "key 3 is not in [keys] (ids present: 1, 2)"},
	{"missing keys", "primary = 1\n", "keys", 0, "required"},
	{"empty keys", "primary = 1\n[keys]\n", "keys", 2, "holds no keys"},
	{"keys not a table", "primary = 1\nkeys = \"" + hexKey1 + "\"\n", "keys", 2, "want a table"},
	{"non-numeric id", "primary = 1\n[keys]\n1 = \"" + hexKey1 + "\"\nnew = \"" + hexKey2 + "\"\n", "keys.new", 4, `"new" is not a key id`},
	{"id zero", "primary = 1\n[keys]\n1 = \"" + hexKey1 + "\"\n0 = \"" + hexKey2 + "\"\n", "keys.0", 4, "not a key id"},
	{"id too big", "primary = 1\n[keys]\n1 = \"" + hexKey1 + "\"\n256 = \"" + hexKey2 + "\"\n", "keys.256", 4, "not a key id"},
	{"id with leading zero", "primary = 1\n[keys]\n1 = \"" + hexKey1 + "\"\n02 = \"" + hexKey2 + "\"\n", "keys.02", 4, "not a key id"},
	{"negative id", "primary = 1\n[keys]\n1 = \"" + hexKey1 + "\"\n-2 = \"" + hexKey2 + "\"\n", "keys.-2", 4, "not a key id"},
	{"key not hex", "primary = 1\n[keys]\n1 = \"" + strings.Repeat("zz", 32) + "\"\n", "keys.1", 3, "not hex"},
	{"odd hex", "primary = 1\n[keys]\n1 = \"" + hexKey1 + "1\"\n", "keys.1", 3, "not hex"},
	{"short key", "primary = 1\n[keys]\n1 = \"" + strings.Repeat("11", heartbeat.MinKeyLen-1) + "\"\n", "keys.1", 3, "is 15 bytes, want at least 16"},
	{"key not a string", "primary = 1\n[keys]\n1 = 1234\n", "keys.1", 3, "want a string of hex digits"},
	{"second key bad", "primary = 1\n[keys]\n1 = \"" + hexKey1 + "\"\n\n# the new one\n2 = \"" + hexKey2[:10] + "\"\n", "keys.2", 6, "is 5 bytes"},
}

func TestParseAuthkeyBad(t *testing.T) {
	for _, tc := range badAuthkeys {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseAuthkey([]byte(tc.src), "/etc/pacer/authkey")
			if err == nil {
				t.Fatal("ParseAuthkey accepted the file")
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not an *Error: %v", err, err)
			}
			if e.File != "/etc/pacer/authkey" || e.Key != tc.key || e.Line != tc.line || !strings.Contains(e.Msg, tc.msg) {
				t.Errorf("first error = {File:%q Line:%d Key:%q Msg:%q}\nwant Line:%d Key:%q Msg:~%q\nall: %v",
					e.File, e.Line, e.Key, e.Msg, tc.line, tc.key, tc.msg, err)
			}
			// Errors never show key material.
			for _, secret := range []string{hexKey1[:20], hexKey2[:20], "zzzzzzzzzz"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error shows key material: %v", err)
				}
			}
		})
	}
}

// writeFile writes data to a new file in dir with exactly mode perm.
func writeFile(t *testing.T, dir, name string, data []byte, perm os.FileMode) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil { // no umask
		t.Fatal(err)
	}
	return path
}

func TestLoadAuthkeyMode(t *testing.T) {
	for _, tc := range []struct {
		name string
		perm os.FileMode
		ok   bool
		mode string
	}{
		{"0600", 0o600, true, ""},
		{"0644", 0o644, false, "0644"},
		{"0640", 0o640, false, "0640"},
		{"0400", 0o400, false, "0400"},
		{"0700", 0o700, false, "0700"},
		{"0666", 0o666, false, "0666"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "authkey", []byte(goodAuthkey), tc.perm)
			k, err := LoadAuthkey(path)
			if tc.ok {
				if err != nil || k.Primary != 2 {
					t.Fatalf("LoadAuthkey = %+v, %v", k, err)
				}
				return
			}
			if err == nil {
				t.Fatal("LoadAuthkey accepted the file")
			}
			if !errors.Is(err, ErrAuthkeyMode) {
				t.Errorf("error does not wrap ErrAuthkeyMode: %v", err)
			}
			for _, want := range []string{path, tc.mode, "chmod 600"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}

func TestLoadAuthkeySetuidRefused(t *testing.T) {
	path := writeFile(t, t.TempDir(), "authkey", []byte(goodAuthkey), 0o600)
	if err := os.Chmod(path, 0o600|os.ModeSetgid); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode()&os.ModeSetgid == 0 {
		t.Skip("cannot set the setgid bit here")
	}
	if _, err := LoadAuthkey(path); !errors.Is(err, ErrAuthkeyMode) || !strings.Contains(err.Error(), "2600") {
		t.Errorf("LoadAuthkey of a 2600 file = %v", err)
	}
}

func TestLoadAuthkeySymlink(t *testing.T) {
	dir := t.TempDir()
	secure := writeFile(t, dir, "secure", []byte(goodAuthkey), 0o600)
	open := writeFile(t, dir, "open", []byte(goodAuthkey), 0o644)
	toSecure := filepath.Join(dir, "to-secure")
	toOpen := filepath.Join(dir, "to-open")
	if err := os.Symlink(secure, toSecure); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(open, toOpen); err != nil {
		t.Fatal(err)
	}
	// A symlink's own mode is 0777; the target's is what counts.
	if _, err := LoadAuthkey(toSecure); err != nil {
		t.Errorf("symlink to a 0600 file: %v", err)
	}
	if _, err := LoadAuthkey(toOpen); !errors.Is(err, ErrAuthkeyMode) {
		t.Errorf("symlink to a 0644 file: %v", err)
	}
}

func TestLoadAuthkeyNotRegular(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o600); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o700)
	if _, err := LoadAuthkey(dir); err == nil {
		t.Error("LoadAuthkey accepted a directory")
	}
	if _, err := LoadAuthkey(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadAuthkey of a missing file = %v, want ErrNotExist", err)
	}
}

func TestLoadAuthkeyBadContentsNamesPath(t *testing.T) {
	path := writeFile(t, t.TempDir(), "authkey", []byte("primary = 1\n[keys]\n1 = \"abc\"\n"), 0o600)
	_, err := LoadAuthkey(path)
	var e *Error
	if !errors.As(err, &e) || e.File != path || e.Line != 3 || e.Key != "keys.1" {
		t.Errorf("LoadAuthkey = %v", err)
	}
}

func TestWriteLoadRoundTrip(t *testing.T) {
	old := syscall.Umask(0o077 | 0o200) // a hostile umask must not change the mode
	defer syscall.Umask(old)
	dir := t.TempDir()
	path := filepath.Join(dir, "authkey")
	k, err := NewAuthkey()
	if err != nil {
		t.Fatal(err)
	}
	k, _, err = AddKey(k, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteAuthkey(path, k); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode() != 0o600 {
		t.Fatalf("written mode = %v, %v; want 0600", fi.Mode(), err)
	}
	data, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(data), "# pacer cluster authkey: keep it secret, mode 0600, identical on every node\n") {
		t.Errorf("no header comment:\n%s", data)
	}
	back, err := LoadAuthkey(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, k) {
		t.Errorf("round trip = %+v, want %+v", back, k)
	}

	// Overwrite in place; no temporary files are left behind.
	k2, err := SetPrimary(k, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteAuthkey(path, k2); err != nil {
		t.Fatal(err)
	}
	if back, _ := LoadAuthkey(path); back.Primary != 2 {
		t.Errorf("primary after rewrite = %d", back.Primary)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the authkey", len(entries))
	}
}

func TestWriteAuthkeyThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real-authkey")
	link := filepath.Join(dir, "authkey")
	k, _ := NewAuthkey()
	if err := WriteAuthkey(target, k); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	k2, _, _ := AddKey(k, true)
	if err := WriteAuthkey(link, k2); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the symlink was replaced: %v %v", fi.Mode(), err)
	}
	if back, err := LoadAuthkey(target); err != nil || back.Primary != 2 {
		t.Errorf("target = %+v, %v", back, err)
	}
}

func TestWriteAuthkeyRefusesInvalid(t *testing.T) {
	path := filepath.Join(t.TempDir(), "authkey")
	for _, k := range []heartbeat.Keyring{
		{},
		{Primary: 1, Keys: map[heartbeat.KeyID][]byte{1: []byte("short")}},
		{Primary: 2, Keys: map[heartbeat.KeyID][]byte{1: make([]byte, 32)}},
		{Primary: 0, Keys: map[heartbeat.KeyID][]byte{0: make([]byte, 32)}},
	} {
		if err := WriteAuthkey(path, k); err == nil {
			t.Errorf("WriteAuthkey(%v) succeeded", k)
		}
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a file was written: %v", err)
	}
}

func TestGenerateKey(t *testing.T) {
	a, err := GenerateKey()
	if err != nil || len(a) != KeyLen {
		t.Fatalf("GenerateKey = %d bytes, %v", len(a), err)
	}
	b, _ := GenerateKey()
	if bytes.Equal(a, b) {
		t.Error("two keys are equal")
	}
	k, err := NewAuthkey()
	if err != nil || k.Primary != 1 || len(k.Keys) != 1 || len(k.Keys[1]) != KeyLen || k.Validate() != nil {
		t.Errorf("NewAuthkey = %+v, %v", k, err)
	}
}

func TestRotation(t *testing.T) {
	k, _ := NewAuthkey()
	orig := cloneKeyring(k)

	// 1. Add the new key everywhere; the old one stays primary.
	k1, id, err := AddKey(k, false)
	if err != nil || id != 2 || k1.Primary != 1 || len(k1.Keys) != 2 {
		t.Fatalf("AddKey = %+v, %d, %v", k1, id, err)
	}
	if !reflect.DeepEqual(k, orig) {
		t.Error("AddKey modified its argument")
	}
	if n, _ := NewestKey(k1); n != 2 {
		t.Errorf("NewestKey = %d, want 2", n)
	}
	// 2. Make it primary everywhere.
	k2, err := SetPrimary(k1, id)
	if err != nil || k2.Primary != 2 || k1.Primary != 1 {
		t.Fatalf("SetPrimary = %+v, %v", k2, err)
	}
	if n, _ := NewestKey(k2); n != 2 {
		t.Errorf("NewestKey after SetPrimary = %d, want 2", n)
	}
	// 3. Drop the old one everywhere.
	if _, err := RemoveKey(k1, 1); err == nil {
		t.Error("RemoveKey removed the primary")
	}
	k3, err := RemoveKey(k2, 1)
	if err != nil || len(k3.Keys) != 1 || k3.Primary != 2 || len(k2.Keys) != 2 {
		t.Fatalf("RemoveKey = %+v, %v", k3, err)
	}
	if err := k3.Validate(); err != nil {
		t.Error(err)
	}
	if _, err := RemoveKey(k3, 9); err == nil {
		t.Error("RemoveKey of a missing id succeeded")
	}
	if _, err := SetPrimary(k3, 9); err == nil {
		t.Error("SetPrimary of a missing id succeeded")
	}
	// The next rotation goes on counting up.
	if _, id, _ := AddKey(k3, true); id != 3 {
		t.Errorf("next id = %d, want 3", id)
	}
}

func TestAddKeyIDs(t *testing.T) {
	ring := func(primary heartbeat.KeyID, ids ...heartbeat.KeyID) heartbeat.Keyring {
		k := heartbeat.Keyring{Primary: primary, Keys: map[heartbeat.KeyID][]byte{}}
		for _, id := range ids {
			k.Keys[id] = make([]byte, 32)
		}
		return k
	}
	for _, tc := range []struct {
		name    string
		k       heartbeat.Keyring
		newest  heartbeat.KeyID
		next    heartbeat.KeyID
		primary heartbeat.KeyID // after AddKey(k, false)
	}{
		{"empty keyring", heartbeat.Keyring{}, 0, 1, 1},
		{"one key", ring(1, 1), 1, 2, 1},
		{"gap below", ring(5, 5), 5, 6, 5},
		{"after a removal", ring(3, 1, 3), 3, 4, 3},
		{"wraps after 255", ring(255, 255), 255, 1, 255},
		{"wrapped pair", ring(255, 255, 1), 1, 2, 255},
		{"wrapped, old removed", ring(1, 1), 1, 2, 1},
		{"skips used ids", ring(254, 254, 255, 1, 2), 2, 3, 254},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if n, _ := NewestKey(tc.k); n != tc.newest {
				t.Errorf("NewestKey = %d, want %d", n, tc.newest)
			}
			k, id, err := AddKey(tc.k, false)
			if err != nil || id != tc.next || k.Primary != tc.primary {
				t.Errorf("AddKey = id %d primary %d, %v; want id %d primary %d", id, k.Primary, err, tc.next, tc.primary)
			}
			if _, ok := k.Keys[id]; !ok || len(k.Keys[id]) != KeyLen {
				t.Errorf("new key %d missing or wrong length", id)
			}
			if k, id, _ := AddKey(tc.k, true); k.Primary != id {
				t.Errorf("AddKey(makePrimary) primary = %d, want %d", k.Primary, id)
			}
		})
	}
	full := ring(1)
	for id := 1; id <= 255; id++ {
		full.Keys[heartbeat.KeyID(id)] = make([]byte, 32)
	}
	if _, _, err := AddKey(full, false); err == nil {
		t.Error("AddKey on a full keyring succeeded")
	}
}

func TestFormatAuthkeyParses(t *testing.T) {
	k, _ := NewAuthkey()
	k, _, _ = AddKey(k, true)
	data, err := FormatAuthkey(k)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseAuthkey(data, "authkey")
	if err != nil || !reflect.DeepEqual(back, k) {
		t.Errorf("ParseAuthkey(FormatAuthkey(k)) = %+v, %v\n%s", back, err, data)
	}
}

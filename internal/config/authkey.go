package config

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"pacer/heartbeat"
)

// The authkey file is TOML:
//
//	# pacer cluster authkey: keep it secret, mode 0600, identical on every node
//	primary = 2
//	[keys]
//	1 = "<64 hex digits>"
//	2 = "<64 hex digits>"
//
// Frames are sealed with the primary key and accepted under any key listed,
// which is what makes rotation possible without downtime.

// KeyLen is the length of the keys GenerateKey makes: 256 bits.
const KeyLen = 32

// maxAuthkeySize bounds how much of an authkey file is read.
const maxAuthkeySize = 1 << 20

const authkeyHeader = "# pacer cluster authkey: keep it secret, mode 0600, identical on every node\n"

// ErrAuthkeyMode is wrapped by LoadAuthkey's error when the file's mode is
// not exactly 0600.
var ErrAuthkeyMode = errors.New("authkey mode is not 0600")

// LoadAuthkey reads and parses the authkey file at path. Symbolic links are
// followed; the file they lead to must be a regular file of mode exactly
// 0600 (the key is secret, and a readable key lets anyone on the host forge
// cluster messages).
func LoadAuthkey(path string) (heartbeat.Keyring, error) {
	f, err := os.Open(path)
	if err != nil {
		return heartbeat.Keyring{}, fmt.Errorf("load authkey: %w", err)
	}
	defer f.Close()
	// Stat the open file, not the path, so the mode checked is the mode of
	// what is read.
	fi, err := f.Stat()
	if err != nil {
		return heartbeat.Keyring{}, fmt.Errorf("load authkey: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return heartbeat.Keyring{}, fmt.Errorf("load authkey %s: not a regular file (%v)", path, fi.Mode().Type())
	}
	if mode := unixMode(fi.Mode()); mode != 0o600 {
		return heartbeat.Keyring{}, fmt.Errorf("load authkey %s: mode is %04o (%v), must be exactly 0600: run chmod 600 %s: %w",
			path, mode, fi.Mode().Perm(), path, ErrAuthkeyMode)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxAuthkeySize+1))
	if err != nil {
		return heartbeat.Keyring{}, fmt.Errorf("load authkey: %w", err)
	}
	if len(data) > maxAuthkeySize {
		return heartbeat.Keyring{}, fmt.Errorf("load authkey %s: larger than %d bytes", path, maxAuthkeySize)
	}
	return ParseAuthkey(data, path)
}

// unixMode returns the permission bits of m the way chmod writes them,
// setuid, setgid and sticky included.
func unixMode(m fs.FileMode) uint32 {
	mode := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		mode |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		mode |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		mode |= 0o1000
	}
	return mode
}

// ParseAuthkey parses the contents of an authkey file; name is the file name
// errors carry. Errors are *Error values (joined when several) naming the key
// and its line; they never include key material.
func ParseAuthkey(data []byte, name string) (heartbeat.Keyring, error) {
	d := &decoder{file: name}
	src := string(data)
	var tree map[string]any
	if _, err := toml.Decode(src, &tree); err != nil {
		return heartbeat.Keyring{}, d.syntaxErr(src, err)
	}
	d.src = &source{file: name, pos: scanPositions(src)}

	k := heartbeat.Keyring{Keys: map[heartbeat.KeyID][]byte{}}
	for _, key := range sortedKeys(tree) {
		if key != "primary" && key != "keys" {
			d.errAt(joinPath("", key), "unknown key %q (an authkey holds only primary and [keys])", key)
		}
	}

	havePrimary := false
	switch p := tree["primary"].(type) {
	case nil:
		d.errAt("primary", "required: primary = <id of the key that seals outgoing frames>")
	case int64:
		if p < 1 || p > 255 {
			d.errAt("primary", "%d is not a key id (1..255)", p)
		} else {
			k.Primary = heartbeat.KeyID(p)
			havePrimary = true
		}
	default:
		d.errAt("primary", "is %s, want an integer key id", secretTypeName(p))
	}

	switch keys := tree["keys"].(type) {
	case nil:
		d.errAt("keys", "required: a [keys] table of id = \"hex key\"")
	case map[string]any:
		if len(keys) == 0 {
			d.errAt("keys", "holds no keys")
		}
		for _, id := range sortedKeys(keys) {
			path := joinPath("keys", id)
			n, err := strconv.ParseUint(id, 10, 8)
			if err != nil || n < 1 || strconv.FormatUint(n, 10) != id {
				d.errAt(path, "%q is not a key id: ids are whole numbers 1..255", id)
				continue
			}
			s, ok := keys[id].(string)
			if !ok {
				d.errAt(path, "is %s, want a string of hex digits", secretTypeName(keys[id]))
				continue
			}
			key, err := hex.DecodeString(s)
			switch {
			case err != nil:
				d.errAt(path, "is not hex (%d characters; want pairs of 0-9, a-f)", len(s))
			case len(key) < heartbeat.MinKeyLen:
				d.errAt(path, "is %d bytes, want at least %d (pacer keygen makes %d)", len(key), heartbeat.MinKeyLen, KeyLen)
			default:
				k.Keys[heartbeat.KeyID(n)] = key
			}
		}
	default:
		d.errAt("keys", "is %s, want a table ([keys])", secretTypeName(keys))
	}

	if len(d.errs) == 0 && havePrimary {
		if _, ok := k.Keys[k.Primary]; !ok {
			d.errAt("primary", "key %d is not in [keys] (ids present: %s)", k.Primary, idList(k))
		}
	}
	if len(d.errs) > 0 {
		return heartbeat.Keyring{}, joinErrors(d.errs)
	}
	if err := k.Validate(); err != nil { // backstop: the checks above cover it
		return heartbeat.Keyring{}, &Error{File: name, Msg: err.Error()}
	}
	return k, nil
}

// secretTypeName names a value's TOML type without showing the value.
func secretTypeName(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case map[string]any:
		return "a table"
	case []map[string]any, []any:
		return "an array"
	default:
		return "a date-time"
	}
}

func idList(k heartbeat.Keyring) string {
	var b strings.Builder
	for i, id := range k.IDs() {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d", id)
	}
	return b.String()
}

// FormatAuthkey renders k in the authkey file format, with the header
// comment. It validates k first.
func FormatAuthkey(k heartbeat.Keyring) ([]byte, error) {
	if err := k.Validate(); err != nil {
		return nil, fmt.Errorf("format authkey: %w", err)
	}
	var b bytes.Buffer
	b.WriteString(authkeyHeader)
	b.WriteString("# Frames are sealed with the primary key and accepted under any key below.\n")
	b.WriteString("# Rotate with pacer keygen --add, then --primary, then remove the old id (docs/configuration.md).\n")
	fmt.Fprintf(&b, "primary = %d\n\n[keys]\n", k.Primary)
	for _, id := range k.IDs() {
		fmt.Fprintf(&b, "%d = %q\n", id, hex.EncodeToString(k.Keys[id]))
	}
	return b.Bytes(), nil
}

// WriteAuthkey writes k to path atomically: a temporary file in the same
// directory, created with mode 0600, written and fsynced, then renamed over
// path, and the directory fsynced. If path is a symbolic link, the file it
// leads to is replaced and the link kept. An existing file is overwritten:
// refusing to clobber one is the caller's decision.
func WriteAuthkey(path string, k heartbeat.Keyring) (err error) {
	data, err := FormatAuthkey(k)
	if err != nil {
		return err
	}
	if target, err := filepath.EvalSymlinks(path); err == nil {
		path = target
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".authkey-*.tmp")
	if err != nil {
		return fmt.Errorf("write authkey: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	// CreateTemp uses 0600 less the umask; set it exactly.
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("write authkey: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write authkey: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write authkey: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write authkey: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write authkey: %w", err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("write authkey: sync directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("write authkey: sync directory %s: %w", dir, err)
	}
	return nil
}

// GenerateKey returns KeyLen bytes from crypto/rand.
func GenerateKey() ([]byte, error) {
	key := make([]byte, KeyLen)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	return key, nil
}

// NewAuthkey returns a keyring of one fresh key, id 1, primary.
func NewAuthkey() (heartbeat.Keyring, error) {
	key, err := GenerateKey()
	if err != nil {
		return heartbeat.Keyring{}, err
	}
	return heartbeat.Keyring{Primary: 1, Keys: map[heartbeat.KeyID][]byte{1: key}}, nil
}

// NewestKey returns the id AddKey handed out last. Ids are handed out in
// increasing order, wrapping from 255 back to 1, so the newest key is the
// one followed by the longest run of unused ids (for 1 and 2 it is 2; for
// 255 and 1 it is 1). It reports false for an empty keyring.
func NewestKey(k heartbeat.Keyring) (heartbeat.KeyID, bool) {
	var ids []heartbeat.KeyID
	for _, id := range k.IDs() {
		if id != 0 {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return 0, false
	}
	best, bestGap := ids[len(ids)-1], -1
	for i, id := range ids {
		next := ids[(i+1)%len(ids)]
		gap := (int(next) - int(id) - 1 + 2*255) % 255 // unused ids after id
		if len(ids) == 1 {
			gap = 254
		}
		if gap > bestGap || gap == bestGap && id > best {
			best, bestGap = id, gap
		}
	}
	return best, true
}

// AddKey returns a copy of k with a fresh key under the next free id after
// the newest, made primary if makePrimary. k is not modified.
//
// To rotate the key of a running cluster, add the new key on every node
// (not primary), then make it primary on every node, then remove the old
// key on every node; at each step every node accepts what every other sends.
func AddKey(k heartbeat.Keyring, makePrimary bool) (heartbeat.Keyring, heartbeat.KeyID, error) {
	id := heartbeat.KeyID(1)
	if newest, ok := NewestKey(k); ok {
		id = 0
		for step := 1; step < 255; step++ {
			cand := heartbeat.KeyID((int(newest)-1+step)%255 + 1)
			if _, used := k.Keys[cand]; !used {
				id = cand
				break
			}
		}
		if id == 0 {
			return heartbeat.Keyring{}, 0, errors.New("add key: all 255 key ids are in use; remove old keys first")
		}
	}
	key, err := GenerateKey()
	if err != nil {
		return heartbeat.Keyring{}, 0, err
	}
	out := cloneKeyring(k)
	out.Keys[id] = key
	if makePrimary || len(k.Keys) == 0 {
		out.Primary = id
	}
	return out, id, nil
}

// SetPrimary returns a copy of k whose primary is id.
func SetPrimary(k heartbeat.Keyring, id heartbeat.KeyID) (heartbeat.Keyring, error) {
	if _, ok := k.Keys[id]; !ok {
		return heartbeat.Keyring{}, fmt.Errorf("set primary: key %d is not in the keyring (ids present: %s)", id, idList(k))
	}
	out := cloneKeyring(k)
	out.Primary = id
	return out, nil
}

// RemoveKey returns a copy of k without key id. The primary key cannot be
// removed: make another key primary everywhere first.
func RemoveKey(k heartbeat.Keyring, id heartbeat.KeyID) (heartbeat.Keyring, error) {
	if _, ok := k.Keys[id]; !ok {
		return heartbeat.Keyring{}, fmt.Errorf("remove key: key %d is not in the keyring (ids present: %s)", id, idList(k))
	}
	if id == k.Primary {
		return heartbeat.Keyring{}, fmt.Errorf("remove key: key %d is the primary; make another key primary on every node first", id)
	}
	out := cloneKeyring(k)
	delete(out.Keys, id)
	return out, nil
}

func cloneKeyring(k heartbeat.Keyring) heartbeat.Keyring {
	out := heartbeat.Keyring{Primary: k.Primary, Keys: make(map[heartbeat.KeyID][]byte, len(k.Keys)+1)}
	for _, id := range slices.Sorted(maps.Keys(k.Keys)) {
		out.Keys[id] = slices.Clone(k.Keys[id])
	}
	return out
}

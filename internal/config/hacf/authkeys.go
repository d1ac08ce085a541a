package hacf

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"

	"pacer/heartbeat"
	"pacer/internal/config"
)

// Authkeys is a parsed /etc/ha.d/authkeys:
//
//	auth 1
//	1 sha1 SomeLongSecretPhrase
//	2 md5 AnotherOne
//	3 crc
//
// Active ("auth N") is the key that signs outgoing packets; Heartbeat
// accepted packets under any key listed.
type Authkeys struct {
	Name       string
	Active     int
	ActiveLine int
	Keys       []HBKey
}

// HBKey is one key line of authkeys. Secret is never printed.
type HBKey struct {
	ID     int
	Method string // crc, md5 or sha1
	Secret []byte
	Line   int
}

// maxAuthID: Heartbeat's MAXAUTH is 16, so ids are 0 to 15.
const maxAuthID = 15

// minKeyLen is the shortest secret pacer accepts as a key.
const minKeyLen = heartbeat.MinKeyLen

// ParseAuthkeys reads an authkeys file as Heartbeat's parse_authfile does:
// '#' at the start of a line is a comment; "auth N" names the active key;
// "N METHOD [SECRET]" lines define keys (SECRET is one word). mode is the
// file's permission bits, 0 when unknown: Heartbeat refused a file that
// group or others could read, and so does ParseAuthkeys. Errors name the
// line and never include secrets.
func ParseAuthkeys(data []byte, name string, mode fs.FileMode) (*Authkeys, error) {
	if len(data) > MaxSize {
		return nil, &Error{File: name, Msg: fmt.Sprintf("file is larger than %d bytes", MaxSize)}
	}
	if mode&0o044 != 0 {
		return nil, &Error{File: name, Msg: fmt.Sprintf("mode %04o lets group or others read the keys; Heartbeat refused it too (chmod 600 %s)", mode.Perm(), name)}
	}
	a := &Authkeys{Name: name, Active: -1}
	var errs []error
	errf := func(line int, format string, args ...any) {
		errs = append(errs, &Error{File: name, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	seen := map[int]int{}
	for i, raw := range bytes.Split(data, []byte("\n")) {
		if len(errs) >= maxErrors {
			break
		}
		line := i + 1
		text := strings.TrimRight(string(raw), "\r")
		if strings.IndexByte(text, 0) >= 0 {
			errf(line, "NUL byte in a text file")
			continue
		}
		t := strings.TrimSpace(text)
		if t == "" || t[0] == '#' {
			continue
		}
		w := strings.Fields(t)
		if w[0] == "auth" {
			if len(w) != 2 {
				errf(line, "want `auth N`, the id of the key that signs")
				continue
			}
			n, err := strconv.Atoi(w[1])
			if err != nil || n < 0 || n > maxAuthID {
				errf(line, "auth %q: want a key id 0 to %d", w[1], maxAuthID)
				continue
			}
			if a.ActiveLine > 0 {
				errf(line, "a second auth line (the first is line %d)", a.ActiveLine)
				continue
			}
			a.Active, a.ActiveLine = n, line
			continue
		}
		id, err := strconv.Atoi(w[0])
		if err != nil || id < 0 || id > maxAuthID {
			errf(line, "want `auth N` or `N METHOD [SECRET]` with a key id 0 to %d", maxAuthID)
			continue
		}
		if len(w) < 2 || len(w) > 3 {
			errf(line, "key %d: want `%d METHOD [SECRET]`, the secret one word", id, id)
			continue
		}
		method := w[1]
		k := HBKey{ID: id, Method: method, Line: line}
		if len(w) == 3 {
			k.Secret = []byte(w[2])
		}
		switch method {
		case "crc":
			if len(k.Secret) > 0 {
				errf(line, "key %d: crc takes no secret", id)
				continue
			}
		case "md5", "sha1":
			if len(k.Secret) == 0 {
				errf(line, "key %d: %s needs a secret", id, method)
				continue
			}
		default:
			errf(line, "key %d: method %q is not crc, md5 or sha1", id, method)
			continue
		}
		if prev, dup := seen[id]; dup {
			errf(line, "key %d is already defined on line %d", id, prev)
			continue
		}
		seen[id] = line
		a.Keys = append(a.Keys, k)
	}
	if len(errs) == 0 {
		switch {
		case a.ActiveLine == 0:
			errf(0, "no `auth N` line: Heartbeat refuses that too (\"Missing auth directive\")")
		case seen[a.Active] == 0:
			errf(a.ActiveLine, "auth %d: key %d is not defined", a.Active, a.Active)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return a, nil
}

// pacerID maps a Heartbeat key id (0..15) to a pacer one (1..255): the
// same number, except 0, which becomes 16.
func pacerID(id int) heartbeat.KeyID {
	if id == 0 {
		return 16
	}
	return heartbeat.KeyID(id)
}

// AuthkeyResult is authkeys turned into a pacer keyring.
type AuthkeyResult struct {
	Keyring heartbeat.Keyring
	// Fresh is set when the signing key could not be carried over and a
	// random one was made: it exists only in this output, so copy the file
	// to every node instead of importing on each.
	Fresh bool
	Notes []Note
}

// ConvertAuthkeys carries md5 and sha1 secrets of at least 16 bytes over
// as pacer keys (HMAC-SHA256 keyed with the same secret, so importing the
// same authkeys on every node gives every node the same keyring) under the
// same ids. A crc key has no secret and a shorter secret is refused by
// pacer; when the signing key is such a key, a random 256-bit key from
// random takes its id. Nothing secret is written into the notes.
func ConvertAuthkeys(a *Authkeys, random io.Reader) (*AuthkeyResult, error) {
	res := &AuthkeyResult{Keyring: heartbeat.Keyring{Primary: pacerID(a.Active), Keys: map[heartbeat.KeyID][]byte{}}}
	note := func(line int, k NoteKind, format string, args ...any) {
		res.Notes = append(res.Notes, Note{File: a.Name, Line: line, Kind: k, Msg: fmt.Sprintf(format, args...)})
	}
	for _, k := range a.Keys {
		id := pacerID(k.ID)
		renum := ""
		if k.ID == 0 {
			renum = " (pacer key ids start at 1)"
		}
		switch {
		case k.Method == "crc":
			note(k.Line, NotHonoured, "key %d crc: a checksum with no secret authenticates nothing; pacer has no such mode", k.ID)
		case len(k.Secret) < minKeyLen:
			note(k.Line, NotHonoured, "key %d %s: the secret is %d bytes and pacer needs at least %d; not carried over", k.ID, k.Method, len(k.Secret), minKeyLen)
		default:
			res.Keyring.Keys[id] = append([]byte(nil), k.Secret...)
			note(k.Line, Mapped, "key %d %s -> authkey key %d%s: frames are signed with HMAC-SHA256 keyed with the same secret (%d bytes); replace it with a random key later with pacer keygen --add, --primary, --remove", k.ID, k.Method, id, renum, len(k.Secret))
		}
	}
	if _, ok := res.Keyring.Keys[res.Keyring.Primary]; !ok {
		key := make([]byte, config.KeyLen)
		if _, err := io.ReadFull(random, key); err != nil {
			return nil, fmt.Errorf("make a random key: %w", err)
		}
		res.Keyring.Keys[res.Keyring.Primary] = key
		res.Fresh = true
		note(a.ActiveLine, NotHonoured, "auth %d: the signing key cannot be carried over, so authkey key %d is a new random 256-bit key: copy this authkey file to every node (importing again elsewhere would make a different key)", a.Active, res.Keyring.Primary)
	} else {
		note(a.ActiveLine, Mapped, "auth %d -> primary = %d", a.Active, res.Keyring.Primary)
	}
	if err := res.Keyring.Validate(); err != nil {
		return nil, fmt.Errorf("authkeys %s: %w", a.Name, err)
	}
	return res, nil
}

// RandomReader is the source ConvertAuthkeys uses outside tests.
var RandomReader io.Reader = rand.Reader

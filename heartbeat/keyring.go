package heartbeat

import (
	"errors"
	"fmt"
	"sort"
)

// KeyID names one key of the cluster's authkey. It travels in every frame so
// that a key can be rotated: nodes send with the primary key and accept any
// key they hold.
type KeyID uint8

// MinKeyLen is the shortest key accepted: 128 bits. pacer keygen writes 256.
const MinKeyLen = 16

// Keyring is the cluster's authkey: every accepted key by id, and the one
// used to seal outgoing frames.
type Keyring struct {
	Primary KeyID
	Keys    map[KeyID][]byte
}

// Validate checks that the primary key exists and every key is long enough.
func (k Keyring) Validate() error {
	if len(k.Keys) == 0 {
		return errors.New("keyring holds no keys")
	}
	if _, ok := k.Keys[k.Primary]; !ok {
		return fmt.Errorf("primary key %d is not in the keyring", k.Primary)
	}
	for _, id := range k.IDs() {
		if id == 0 {
			return errors.New("key id 0 is reserved")
		}
		if n := len(k.Keys[id]); n < MinKeyLen {
			return fmt.Errorf("key %d is %d bytes, want at least %d", id, n, MinKeyLen)
		}
	}
	return nil
}

// IDs returns the key ids in ascending order.
func (k Keyring) IDs() []KeyID {
	ids := make([]KeyID, 0, len(k.Keys))
	for id := range k.Keys {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

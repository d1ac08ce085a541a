package heartbeat

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"hash"
	"sync"
	"sync/atomic"

	"pacer/internal/cluster"
)

// macPool keeps keyed HMAC states, each with its own scratch for the sum,
// so sealing and verifying a frame allocate nothing: a stack array passed
// to hash.Hash.Sum would escape through the interface.
type macPool struct{ p sync.Pool }

type macState struct {
	h   hash.Hash
	sum [MACSize]byte
}

func newMACPool(key []byte) *macPool {
	k := append([]byte(nil), key...)
	return &macPool{p: sync.Pool{New: func() any { return &macState{h: hmac.New(sha256.New, k)} }}}
}

// appendMAC appends the MAC of data to dst (data may alias dst[:len(dst)]).
func (m *macPool) appendMAC(dst, data []byte) []byte {
	st := m.p.Get().(*macState)
	st.h.Reset()
	st.h.Write(data)
	dst = st.h.Sum(dst)
	m.p.Put(st)
	return dst
}

// verify reports, in constant time, whether mac is the MAC of data.
func (m *macPool) verify(data, mac []byte) bool {
	st := m.p.Get().(*macState)
	st.h.Reset()
	st.h.Write(data)
	ok := hmac.Equal(st.h.Sum(st.sum[:0]), mac)
	m.p.Put(st)
	return ok
}

type keyTable map[KeyID]*macPool

func newKeyTable(k Keyring) (keyTable, error) {
	if err := k.Validate(); err != nil {
		return nil, err
	}
	t := make(keyTable, len(k.Keys))
	for id, key := range k.Keys {
		t[id] = newMACPool(key)
	}
	return t, nil
}

// Sealer builds and signs this node's frames. It is safe for concurrent use;
// every frame gets the next sequence number of this boot epoch.
type Sealer struct {
	cluster string
	self    cluster.NodeID
	epoch   cluster.BootEpoch
	keys    atomic.Pointer[sealKey]
	seq     atomic.Uint64
}

type sealKey struct {
	id  KeyID
	mac *macPool
}

// NewSealer returns a Sealer for this node's frames.
func NewSealer(clusterName cluster.ClusterName, self cluster.NodeID, epoch cluster.BootEpoch, k Keyring) (*Sealer, error) {
	if err := checkClusterName(string(clusterName)); err != nil {
		return nil, err
	}
	if self == 0 {
		return nil, fmt.Errorf("node id 0 is reserved")
	}
	s := &Sealer{cluster: string(clusterName), self: self, epoch: epoch}
	if err := s.SetKeyring(k); err != nil {
		return nil, err
	}
	return s, nil
}

// SetKeyring switches the key used to seal (the keyring's primary).
func (s *Sealer) SetKeyring(k Keyring) error {
	if err := k.Validate(); err != nil {
		return fmt.Errorf("sealer keyring: %w", err)
	}
	s.keys.Store(&sealKey{id: k.Primary, mac: newMACPool(k.Keys[k.Primary])})
	return nil
}

// Epoch is this node's boot epoch.
func (s *Sealer) Epoch() cluster.BootEpoch { return s.epoch }

// Seal appends a complete signed frame of type t carrying body to dst.
func (s *Sealer) Seal(dst []byte, t FrameType, body []byte) ([]byte, error) {
	if n := Overhead(len(s.cluster)) + len(body); n > MaxFrameSize {
		return dst, fmt.Errorf("seal %s frame: %d bytes: %w", t, n, ErrOversize)
	}
	k := s.keys.Load()
	start := len(dst)
	dst = appendHeader(dst, Header{Type: t, KeyID: k.id, Sender: s.self, Epoch: s.epoch, Seq: s.seq.Add(1)}, s.cluster)
	dst = append(dst, body...)
	return k.mac.appendMAC(dst, dst[start:]), nil
}

func checkClusterName(name string) error {
	if len(name) == 0 || len(name) > MaxClusterName {
		return fmt.Errorf("cluster name %q: length must be 1..%d", name, MaxClusterName)
	}
	return nil
}

// Verifier checks received frames: size, cluster name, key, MAC, then the
// sender's epoch and sequence window, in that order, before any decoding.
// It is safe for concurrent use.
type Verifier struct {
	cluster []byte
	self    cluster.NodeID
	keys    atomic.Pointer[keyTable]
	known   func(cluster.NodeID) bool
	window  *ReplayWindow
}

// NewVerifier returns a Verifier for frames addressed to this cluster. known
// reports whether a sender id is a configured node; nil accepts any.
func NewVerifier(clusterName cluster.ClusterName, self cluster.NodeID, k Keyring, known func(cluster.NodeID) bool) (*Verifier, error) {
	if err := checkClusterName(string(clusterName)); err != nil {
		return nil, err
	}
	v := &Verifier{cluster: []byte(clusterName), self: self, known: known, window: NewReplayWindow()}
	if err := v.SetKeyring(k); err != nil {
		return nil, err
	}
	return v, nil
}

// SetKeyring replaces the accepted keys (all keys of the keyring are
// accepted, whichever is primary).
func (v *Verifier) SetKeyring(k Keyring) error {
	t, err := newKeyTable(k)
	if err != nil {
		return fmt.Errorf("verifier keyring: %w", err)
	}
	v.keys.Store(&t)
	return nil
}

// Open verifies buf and returns the frame. On error the frame must be
// dropped; the error wraps one of the Err* sentinels that name the reason.
// A frame is admitted to the replay window only after its MAC verifies, so a
// forged frame can never advance or poison a sender's window.
func (v *Verifier) Open(buf []byte) (Frame, error) {
	h, name, signed, body, mac, err := parseHeader(buf)
	if err != nil {
		return Frame{}, err
	}
	if string(name) != string(v.cluster) {
		return Frame{}, ErrForeignCluster
	}
	pool, ok := (*v.keys.Load())[h.KeyID]
	if !ok {
		return Frame{}, fmt.Errorf("%w: %d", ErrUnknownKey, h.KeyID)
	}
	if !pool.verify(signed, mac) {
		return Frame{}, ErrBadMAC
	}
	if h.Sender == v.self {
		return Frame{}, ErrOwnFrame
	}
	if h.Sender == 0 || (v.known != nil && !v.known(h.Sender)) {
		return Frame{}, fmt.Errorf("%w: %d", ErrUnknownNode, h.Sender)
	}
	if err := v.window.Admit(h.Sender, h.Epoch, h.Seq); err != nil {
		return Frame{}, err
	}
	return Frame{Header: h, Body: body}, nil
}

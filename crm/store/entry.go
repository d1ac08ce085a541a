package store

// Raft entries are a type byte followed by msgpack (hashicorp/go-msgpack/v2),
// as every pacer message is. A type with the ignorable bit set may be
// skipped by a node that does not know it (a newer node's optional
// bookkeeping); any other unknown type stops apply, because skipping it
// would let this node's CIB silently diverge from the nodes that applied it
// (nomad's scheme). A known type whose payload does not decode is
// deterministic garbage: every node rejects it the same way, so it is
// counted, answered with an error, and changes nothing.

import (
	"fmt"

	"github.com/hashicorp/go-msgpack/v2/codec"
)

type entryType byte

const (
	entryConfig       entryType = 1 // configEntry: CAS on (admin_epoch, epoch)
	entryStatus       entryType = 2 // statusEntry: no CAS, bumps num_updates
	entryAddMember    entryType = 3 // memberEntry: allocate a raft id
	entryRemoveMember entryType = 4 // memberEntry: retire a raft id

	// entryIgnorable marks a type that nodes not knowing it may skip.
	entryIgnorable entryType = 0x80
)

func (t entryType) String() string {
	switch t {
	case entryConfig:
		return "config"
	case entryStatus:
		return "status"
	case entryAddMember:
		return "add-member"
	case entryRemoveMember:
		return "remove-member"
	}
	return fmt.Sprintf("type-%#x", byte(t))
}

// reqID matches an applied entry to the proposal waiting for it. Node is the
// proposer's raft id (never reused); Seq starts from the clock at boot, so a
// restarted proposer does not collide with its previous run's entries.
type reqID struct {
	Node uint64 `codec:"n"`
	Seq  uint64 `codec:"s"`
}

type configEntry struct {
	Req reqID `codec:"r"`
	// AdminEpoch and Epoch are the version the proposer's change is based on.
	AdminEpoch uint64 `codec:"a"`
	Epoch      uint64 `codec:"e"`
	// XML is the new CIB (cibxml); its status section is not used.
	XML []byte `codec:"x"`
}

type statusEntry struct {
	Req     reqID          `codec:"r"`
	Updates []StatusUpdate `codec:"u"`
}

type memberEntry struct {
	Req  reqID  `codec:"r"`
	Name string `codec:"n"` // add
	ID   uint64 `codec:"i"` // remove
}

// msgpackHandle is shared; the codec allows concurrent use of a handle.
var msgpackHandle = func() *codec.MsgpackHandle {
	h := &codec.MsgpackHandle{}
	h.WriteExt = true
	// Refuse absurd length prefixes before allocating: an entry is at most
	// a CIB, far below this.
	h.MaxInitLen = 64 << 20
	return h
}()

// encodeEntry is the type byte followed by v in msgpack.
func encodeEntry(t entryType, v any) ([]byte, error) {
	// The encoder writes its buffer from the start, so the type byte is
	// put in front afterwards.
	var body []byte
	if err := codec.NewEncoderBytes(&body, msgpackHandle).Encode(v); err != nil {
		return nil, fmt.Errorf("encode %s entry: %w", t, err)
	}
	return append([]byte{byte(t)}, body...), nil
}

// decodeMsgpack decodes b into v; a malformed b is ErrGarbled, never a panic.
func decodeMsgpack(b []byte, v any) (err error) {
	defer func() {
		// The codec reports most errors as values; this is the last line of
		// defence so no entry can take the daemon down.
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: decode %T: %v", ErrGarbled, v, r)
		}
	}()
	if err := codec.NewDecoderBytes(b, msgpackHandle).Decode(v); err != nil {
		return fmt.Errorf("%w: decode %T: %v", ErrGarbled, v, err)
	}
	return nil
}

// decodedEntry is one normal entry's payload.
type decodedEntry struct {
	typ    entryType
	config *configEntry
	status *statusEntry
	member *memberEntry
}

// req is the entry's request id (zero if it has none).
func (d decodedEntry) req() reqID {
	switch {
	case d.config != nil:
		return d.config.Req
	case d.status != nil:
		return d.status.Req
	case d.member != nil:
		return d.member.Req
	}
	return reqID{}
}

// decodeEntry decodes a normal entry's data. An ignorable unknown type
// decodes to an entry with only typ set; a non-ignorable one is
// ErrUnknownEntry; a known type that does not decode is ErrGarbled.
func decodeEntry(data []byte) (decodedEntry, error) {
	d := decodedEntry{typ: entryType(data[0])}
	var err error
	switch d.typ {
	case entryConfig:
		d.config = &configEntry{}
		err = decodeMsgpack(data[1:], d.config)
	case entryStatus:
		d.status = &statusEntry{}
		err = decodeMsgpack(data[1:], d.status)
	case entryAddMember, entryRemoveMember:
		d.member = &memberEntry{}
		err = decodeMsgpack(data[1:], d.member)
	default:
		if d.typ&entryIgnorable != 0 {
			return d, nil
		}
		return d, fmt.Errorf("%w %s", ErrUnknownEntry, d.typ)
	}
	if err != nil {
		return decodedEntry{typ: d.typ}, fmt.Errorf("%s entry: %w", d.typ, err)
	}
	return d, nil
}

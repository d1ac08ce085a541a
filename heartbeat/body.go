package heartbeat

import (
	"fmt"

	"github.com/hashicorp/go-msgpack/v2/codec"

	"pacer/internal/cluster"
)

// Heartbeat is the body of a TypeHeartbeat frame.
type Heartbeat struct {
	// Name is the sender's node name, so a log line can name a node even
	// before the receiver has matched the id to its configuration.
	Name string `codec:"n"`
	// Keepalive is the sender's keepalive interval in milliseconds, so a
	// receiver can spot a peer configured with other timings.
	KeepaliveMS uint32 `codec:"k"`
	// HearsKnown says Hears is filled in. Hears lists the nodes the sender
	// hears on the link this heartbeat travels on (up or warn there): a
	// receiver learns from it whether its own frames get through on that
	// link, so it does not send over a link that carries only the other
	// way (a port that forwards one direction first after a cable is
	// plugged back, a half-broken switch).
	HearsKnown bool             `codec:"hk,omitempty"`
	Hears      []cluster.NodeID `codec:"h,omitempty"`
	// Leaving: the sender's daemon is stopping cleanly (its resources
	// were stopped or moved first) and sends no more frames under this
	// boot epoch: its peers mark it left at once rather than dead after
	// deadtime (docs/decisions/0011-clean-leave.md). A peer that does not
	// know the field ignores it and sees the node die after deadtime.
	Leaving bool `codec:"l,omitempty"`
}

// Channel says which component a cluster message is for.
type Channel uint8

const (
	ChannelRaft        Channel = 1
	ChannelCoordinator Channel = 2
	ChannelControl     Channel = 3
)

// Message is the body of a TypeMessage frame.
type Message struct {
	// To is the addressee; a multicast link delivers every message to every
	// node, and the others must ignore it. Set by the Mux.
	To      cluster.NodeID `codec:"t"`
	Channel Channel        `codec:"c"`
	Data    []byte         `codec:"d"`
}

// msgpackHandle is shared and read-only after init; the codec package allows
// concurrent use of a handle.
var msgpackHandle = func() *codec.MsgpackHandle {
	h := &codec.MsgpackHandle{}
	h.WriteExt = true
	// Bodies are bounded by the frame size; refuse absurd length prefixes
	// before allocating.
	h.MaxInitLen = MaxFrameSize
	return h
}()

// EncodeBody appends the msgpack encoding of v to dst.
func EncodeBody(dst []byte, v any) ([]byte, error) {
	// The codec writes from the start of the buffer it is given, so it
	// gets its own and the result is appended to dst.
	var out []byte
	enc := codec.NewEncoderBytes(&out, msgpackHandle)
	if err := enc.Encode(v); err != nil {
		return dst, fmt.Errorf("encode %T: %w", v, err)
	}
	return append(dst, out...), nil
}

// DecodeBody decodes a verified frame's body into v. A malformed body is
// ErrGarbled: it was signed by a peer, so it is a bug or a version skew,
// never an attack, but it is still dropped and counted.
func DecodeBody(body []byte, v any) (err error) {
	defer func() {
		// The codec reports most errors as values; this is the last line of
		// defence so no input can take the daemon down.
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: decode %T: %v", ErrGarbled, v, r)
		}
	}()
	dec := codec.NewDecoderBytes(body, msgpackHandle)
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: decode %T: %v", ErrGarbled, v, err)
	}
	return nil
}

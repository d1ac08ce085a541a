package heartbeat

import (
	"encoding/binary"
	"errors"
	"fmt"

	"pacer/internal/cluster"
)

// FrameType is the first byte of every frame.
type FrameType uint8

const (
	// TypeHeartbeat is the keepalive every node sends on every link.
	TypeHeartbeat FrameType = 1
	// TypeMessage carries a cluster message (Raft, coordinator requests).
	TypeMessage FrameType = 2
)

func (t FrameType) String() string {
	switch t {
	case TypeHeartbeat:
		return "heartbeat"
	case TypeMessage:
		return "message"
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// Wire layout of a frame (integers big-endian):
//
//	off      size  field
//	0        1     frame type
//	1        1     format version (FrameVersion)
//	2        1     key id
//	3        1     cluster name length L (1..MaxClusterName)
//	4        L     cluster name
//	4+L      8     sender node id
//	12+L     8     sender boot epoch
//	20+L     8     sequence number (per sender and epoch, from 1)
//	28+L     n     body: msgpack, its shape depends on the frame type
//	end-32   32    HMAC-SHA256 with key[key id] over every byte before it
//
// Everything the receiver must check before trusting a frame (size, cluster
// name, key id, MAC, epoch and sequence) sits in the fixed header, so nothing
// attacker-controlled is decoded until the MAC has verified; only then is the
// msgpack body decoded.
const (
	FrameVersion   = 1
	MaxClusterName = 64
	MACSize        = 32
	fixedHeader    = 4 + 8 + 8 + 8
	// MaxFrameSize is the largest frame accepted from any link: the largest
	// UDP payload over IPv4.
	MaxFrameSize = 65507
)

// Overhead is the number of bytes a frame adds to its body for a cluster
// name of nameLen bytes.
func Overhead(nameLen int) int { return fixedHeader + nameLen + MACSize }

// Header is the authenticated fixed part of a frame.
type Header struct {
	Type   FrameType
	KeyID  KeyID
	Sender cluster.NodeID
	Epoch  cluster.BootEpoch
	Seq    uint64
}

// Frame is a verified frame. Body aliases the received buffer.
type Frame struct {
	Header
	Body []byte
}

// Errors for frames that are dropped; each maps to one drop reason.
var (
	ErrOversize       = errors.New("frame too large")
	ErrGarbled        = errors.New("frame garbled")
	ErrForeignCluster = errors.New("frame from another cluster")
	ErrUnknownKey     = errors.New("frame sealed with an unknown key id")
	ErrBadMAC         = errors.New("frame MAC does not verify")
	ErrOldEpoch       = errors.New("frame from an earlier boot of its sender")
	ErrReplay         = errors.New("frame replayed or too old")
	ErrOwnFrame       = errors.New("frame from this node")
	ErrUnknownNode    = errors.New("frame from a node not in the configuration")
)

// appendHeader writes the fixed header for h and cluster name to dst.
func appendHeader(dst []byte, h Header, clusterName string) []byte {
	dst = append(dst, byte(h.Type), FrameVersion, byte(h.KeyID), byte(len(clusterName)))
	dst = append(dst, clusterName...)
	dst = binary.BigEndian.AppendUint64(dst, uint64(h.Sender))
	dst = binary.BigEndian.AppendUint64(dst, uint64(h.Epoch))
	dst = binary.BigEndian.AppendUint64(dst, h.Seq)
	return dst
}

// parseHeader splits buf into its header, cluster name, signed part, body
// and MAC, checking only lengths and the version. It does not verify.
func parseHeader(buf []byte) (h Header, name, signed, body, mac []byte, err error) {
	if len(buf) > MaxFrameSize {
		return h, nil, nil, nil, nil, ErrOversize
	}
	if len(buf) < 4 {
		return h, nil, nil, nil, nil, fmt.Errorf("%w: %d bytes", ErrGarbled, len(buf))
	}
	if buf[1] != FrameVersion {
		return h, nil, nil, nil, nil, fmt.Errorf("%w: version %d", ErrGarbled, buf[1])
	}
	l := int(buf[3])
	if l == 0 || l > MaxClusterName {
		return h, nil, nil, nil, nil, fmt.Errorf("%w: cluster name length %d", ErrGarbled, l)
	}
	if len(buf) < Overhead(l) {
		return h, nil, nil, nil, nil, fmt.Errorf("%w: %d bytes, header needs %d", ErrGarbled, len(buf), Overhead(l))
	}
	h.Type = FrameType(buf[0])
	h.KeyID = KeyID(buf[2])
	name = buf[4 : 4+l]
	p := 4 + l
	h.Sender = cluster.NodeID(binary.BigEndian.Uint64(buf[p:]))
	h.Epoch = cluster.BootEpoch(binary.BigEndian.Uint64(buf[p+8:]))
	h.Seq = binary.BigEndian.Uint64(buf[p+16:])
	end := len(buf) - MACSize
	return h, name, buf[:end], buf[p+24 : end], buf[end:], nil
}

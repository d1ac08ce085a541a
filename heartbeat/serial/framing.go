package serial

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"slices"
	"sync/atomic"
)

// Wire format. A serial line is a byte stream with no packet boundaries and
// no error detection of its own, so each payload travels as
//
//	0x00 | COBS(payload || CRC32C(payload) little-endian) | 0x00
//
// COBS (Consistent Overhead Byte Stuffing) removes every 0x00 from the frame
// body at a cost of at most one byte per 254, which makes 0x00 an unambiguous
// delimiter: a receiver that starts listening mid-frame, or that loses bytes
// to line noise, resynchronises at the next 0x00. The leading 0x00 ends
// whatever garbage came before, so even the first frame after a re-plugged
// cable is received. CRC32-Castagnoli catches what COBS cannot (a flipped
// bit inside a frame); it is not security, which is the HMAC's job one layer
// up.

// crcLen is the size of the checksum trailer inside the COBS body.
const crcLen = 4

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// MaxEncodedLen is the largest number of bytes Encode appends for a payload
// of n bytes: both delimiters, the checksum, and one COBS code byte per
// started run of 254.
func MaxEncodedLen(n int) int {
	return maxBodyLen(n) + 2
}

// maxBodyLen bounds the COBS body (no delimiters) for an n-byte payload.
func maxBodyLen(n int) int {
	raw := n + crcLen
	return raw + raw/254 + 1
}

// Encode appends the framed form of payload to dst and returns the extended
// slice. It never fails; any payload, including an empty one, has a frame.
func Encode(dst, payload []byte) []byte {
	var sum [crcLen]byte
	binary.LittleEndian.PutUint32(sum[:], crc32.Checksum(payload, castagnoli))
	dst = slices.Grow(dst, MaxEncodedLen(len(payload)))
	dst = append(dst, 0)
	dst = appendCOBS(dst, payload, sum[:])
	return append(dst, 0)
}

// appendCOBS appends the COBS encoding of a||b to dst. Taking two slices
// lets Encode stuff the payload and its checksum without first copying them
// into one buffer.
func appendCOBS(dst, a, b []byte) []byte {
	e := cobsEncoder{dst: dst}
	e.open()
	e.write(a)
	e.write(b)
	return e.finish()
}

// cobsEncoder keeps the index of the current block's code byte and how many
// bytes the block holds (n = 1 + data bytes, as the code byte will say).
type cobsEncoder struct {
	dst  []byte
	code int
	n    byte
}

func (e *cobsEncoder) open() {
	e.code = len(e.dst)
	e.dst = append(e.dst, 0) // placeholder, patched by closeBlock or finish
	e.n = 1
}

func (e *cobsEncoder) closeBlock() {
	e.dst[e.code] = e.n
	e.open()
}

func (e *cobsEncoder) write(src []byte) {
	for len(src) > 0 {
		// A full block (254 data bytes, code 0xFF) is closed only when more
		// input follows, so input ending on a full block gets no empty
		// trailing block: the canonical, shortest encoding.
		if e.n == 0xFF {
			e.closeBlock()
		}
		room := 0xFF - int(e.n)
		run := bytes.IndexByte(src, 0)
		if run < 0 {
			run = len(src)
		}
		if run > room {
			run = room
		}
		e.dst = append(e.dst, src[:run]...)
		e.n += byte(run)
		src = src[run:]
		// A zero that fits in this block ends it; the zero itself is
		// implied by the code byte. If the block filled up first, the loop
		// closes it as 0xFF and the zero ends the next, empty, block.
		if len(src) > 0 && src[0] == 0 && e.n < 0xFF {
			e.closeBlock()
			src = src[1:]
		}
	}
}

func (e *cobsEncoder) finish() []byte {
	e.dst[e.code] = e.n
	return e.dst
}

// decodeCOBS appends the decoding of body (one frame, delimiters removed) to
// dst. ok is false if a code byte is zero or promises more bytes than the
// body holds.
func decodeCOBS(dst, body []byte) (out []byte, ok bool) {
	for len(body) > 0 {
		code := int(body[0])
		if code == 0 || code > len(body) {
			return dst, false
		}
		dst = append(dst, body[1:code]...)
		body = body[code:]
		// Every block but a full one stands for its data followed by a
		// zero; the zero after the last block is the terminator COBS
		// implies, not data.
		if code < 0xFF && len(body) > 0 {
			dst = append(dst, 0)
		}
	}
	return dst, true
}

// DropStats counts frames the Deframer dropped, by reason.
type DropStats struct {
	BadCOBS  uint64 // body is not valid COBS (a truncated or garbled frame)
	BadCRC   uint64 // checksum mismatch (a flipped bit, or garbage that decoded)
	Runt     uint64 // decoded to fewer bytes than the checksum itself
	Oversize uint64 // larger than the deframer's maximum payload
}

// Total is the number of dropped frames.
func (s DropStats) Total() uint64 { return s.BadCOBS + s.BadCRC + s.Runt + s.Oversize }

// Deframer turns a byte stream into payloads. It is a pure state machine:
// feed it whatever the tty returned, in chunks of any size, and it calls
// emit for every complete frame whose checksum holds. Bad frames are counted
// and skipped; no input makes it panic or grow beyond its maximum frame.
//
// The zero value is ready and accepts payloads up to DefaultMTU. Feed must
// not be called concurrently; Stats and Drops may be called from any
// goroutine, also during Feed.
type Deframer struct {
	maxPayload int // 0 means DefaultMTU

	body     []byte // COBS body of the frame in progress
	overflow bool   // the frame in progress is already too long: skip to the next 0x00
	scratch  []byte // decoded frame, reused

	badCOBS, badCRC, runt, oversize atomic.Uint64
}

// NewDeframer returns a Deframer that drops payloads longer than
// maxPayload bytes (DefaultMTU if maxPayload <= 0).
func NewDeframer(maxPayload int) *Deframer {
	if maxPayload <= 0 {
		maxPayload = DefaultMTU
	}
	return &Deframer{maxPayload: maxPayload}
}

func (d *Deframer) maxLen() int {
	if d.maxPayload <= 0 {
		return DefaultMTU
	}
	return d.maxPayload
}

// Feed consumes b. emit receives each good payload; the slice is only valid
// during the call (it is reused), so emit must copy what it keeps.
func (d *Deframer) Feed(b []byte, emit func(payload []byte)) {
	limit := maxBodyLen(d.maxLen())
	for len(b) > 0 {
		i := bytes.IndexByte(b, 0)
		seg := b
		if i >= 0 {
			seg = b[:i]
		}
		if !d.overflow {
			if len(d.body)+len(seg) > limit {
				// Stop buffering at once, so a stream with no delimiter
				// (a wrong baud rate, a babbling device) costs no memory.
				d.overflow = true
				d.body = d.body[:0]
			} else {
				d.body = append(d.body, seg...)
			}
		}
		if i < 0 {
			return
		}
		b = b[i+1:]
		d.endFrame(emit)
	}
}

// endFrame handles a delimiter: decide about the bytes since the previous
// one and start afresh.
func (d *Deframer) endFrame(emit func([]byte)) {
	body := d.body
	d.body = d.body[:0]
	if d.overflow {
		d.overflow = false
		d.oversize.Add(1)
		return
	}
	if len(body) == 0 {
		// Back-to-back delimiters (a frame's trailer and the next one's
		// leader) or idle fill: nothing was lost.
		return
	}
	dec, ok := decodeCOBS(d.scratch[:0], body)
	d.scratch = dec
	switch {
	case !ok:
		d.badCOBS.Add(1)
	case len(dec) < crcLen:
		d.runt.Add(1)
	case len(dec)-crcLen > d.maxLen():
		// A body within the encoded limit can still decode to more than
		// the maximum (a run of zeros costs one byte each).
		d.oversize.Add(1)
	default:
		payload, sum := dec[:len(dec)-crcLen], dec[len(dec)-crcLen:]
		if crc32.Checksum(payload, castagnoli) != binary.LittleEndian.Uint32(sum) {
			d.badCRC.Add(1)
			return
		}
		emit(payload)
	}
}

// Stats returns the drop counters by reason.
func (d *Deframer) Stats() DropStats {
	return DropStats{
		BadCOBS:  d.badCOBS.Load(),
		BadCRC:   d.badCRC.Load(),
		Runt:     d.runt.Load(),
		Oversize: d.oversize.Load(),
	}
}

// Drops is the total number of frames dropped.
func (d *Deframer) Drops() uint64 { return d.Stats().Total() }

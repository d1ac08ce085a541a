package serial

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// seq returns the bytes from, from+1, ..., to (inclusive), wrapping at 256.
func seq(from, to int) []byte {
	var out []byte
	for i := from; i <= to; i++ {
		out = append(out, byte(i))
	}
	return out
}

// nonzero returns n bytes cycling through 1..255: the longest COBS runs.
func nonzero(n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = byte(i%255 + 1)
	}
	return out
}

func randBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	out := make([]byte, n)
	for i := range out {
		out[i] = byte(r.UintN(256))
	}
	return out
}

func cat(parts ...[]byte) []byte { return slices.Concat(parts...) }

// TestCOBSVectors holds the encoder to the published COBS examples
// (Cheshire & Baker; the Wikipedia table), including the 254/255-byte
// block boundaries, and checks that splitting the input in two (as Encode
// does, payload then checksum) never changes the encoding.
func TestCOBSVectors(t *testing.T) {
	tests := []struct {
		name    string
		in, out []byte
	}{
		{"empty", nil, []byte{0x01}},
		{"one zero", []byte{0x00}, []byte{0x01, 0x01}},
		{"two zeros", []byte{0x00, 0x00}, []byte{0x01, 0x01, 0x01}},
		{"zero data zero", []byte{0x00, 0x11, 0x00}, []byte{0x01, 0x02, 0x11, 0x01}},
		{"zero inside", []byte{0x11, 0x22, 0x00, 0x33}, []byte{0x03, 0x11, 0x22, 0x02, 0x33}},
		{"no zero", []byte{0x11, 0x22, 0x33, 0x44}, []byte{0x05, 0x11, 0x22, 0x33, 0x44}},
		{"trailing zeros", []byte{0x11, 0x00, 0x00, 0x00}, []byte{0x02, 0x11, 0x01, 0x01, 0x01}},
		{"254 nonzero", seq(0x01, 0xFE), cat([]byte{0xFF}, seq(0x01, 0xFE))},
		{"zero then 254", seq(0x00, 0xFE), cat([]byte{0x01, 0xFF}, seq(0x01, 0xFE))},
		{"255 nonzero", seq(0x01, 0xFF), cat([]byte{0xFF}, seq(0x01, 0xFE), []byte{0x02, 0xFF})},
		{"254 then zero", cat(seq(0x02, 0xFF), []byte{0x00}), cat([]byte{0xFF}, seq(0x02, 0xFF), []byte{0x01, 0x01})},
		{"253 zero one", cat(seq(0x03, 0xFF), []byte{0x00, 0x01}), cat([]byte{0xFE}, seq(0x03, 0xFF), []byte{0x02, 0x01})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k := 0; k <= len(tt.in); k++ {
				got := appendCOBS(nil, tt.in[:k], tt.in[k:])
				if !bytes.Equal(got, tt.out) {
					t.Fatalf("appendCOBS(in[:%d], in[%d:]) = % x, want % x", k, k, got, tt.out)
				}
			}
			dec, ok := decodeCOBS(nil, tt.out)
			if !ok || !bytes.Equal(dec, tt.in) {
				t.Fatalf("decodeCOBS(% x) = % x, %v; want % x", tt.out, dec, ok, tt.in)
			}
		})
	}
}

// roundTripCases are payloads that exercise COBS edges; they also seed the
// fuzzer.
var roundTripCases = []struct {
	name    string
	payload []byte
}{
	{"empty", nil},
	{"one zero", []byte{0}},
	{"zeros", make([]byte, 10)},
	{"ascii", []byte("heartbeat from node 1")},
	{"0xFF run 300", bytes.Repeat([]byte{0xFF}, 300)},
	{"nonzero 253", nonzero(253)},
	{"nonzero 254", nonzero(254)},
	{"nonzero 255", nonzero(255)},
	{"nonzero 256", nonzero(256)},
	{"nonzero 508", nonzero(508)},
	{"254 then zero", cat(nonzero(254), []byte{0})},
	{"zero then 254", cat([]byte{0}, nonzero(254))},
	{"zero every 254th", cat(nonzero(253), []byte{0}, nonzero(253), []byte{0}, nonzero(253))},
	{"zeros 1024", make([]byte, DefaultMTU)},
	{"random mtu", randBytes(1, DefaultMTU)},
	{"random small", randBytes(2, 37)},
}

// feedChunks feeds stream to d in pieces of chunk bytes (all at once if
// chunk <= 0) and returns copies of what it emitted.
func feedChunks(d *Deframer, stream []byte, chunk int) [][]byte {
	var got [][]byte
	emit := func(p []byte) { got = append(got, bytes.Clone(p)) }
	if chunk <= 0 {
		chunk = len(stream) + 1
	}
	for len(stream) > 0 {
		n := min(chunk, len(stream))
		d.Feed(stream[:n], emit)
		stream = stream[n:]
	}
	return got
}

var chunkSizes = []int{0, 1, 2, 3, 7, 255, 256}

func TestEncodeRoundTrip(t *testing.T) {
	for _, tt := range roundTripCases {
		t.Run(tt.name, func(t *testing.T) {
			enc := Encode(nil, tt.payload)
			if len(enc) > MaxEncodedLen(len(tt.payload)) {
				t.Errorf("len(Encode) = %d > MaxEncodedLen = %d", len(enc), MaxEncodedLen(len(tt.payload)))
			}
			if enc[0] != 0 || enc[len(enc)-1] != 0 || bytes.IndexByte(enc[1:len(enc)-1], 0) >= 0 {
				t.Fatalf("frame must be 0x00, zero-free body, 0x00: % x", enc)
			}
			prefix := []byte("keep")
			if got := Encode(bytes.Clone(prefix), tt.payload); !bytes.Equal(got, cat(prefix, enc)) {
				t.Fatalf("Encode must append to dst")
			}
			for _, chunk := range chunkSizes {
				d := NewDeframer(0)
				got := feedChunks(d, cat(enc, enc), chunk)
				if len(got) != 2 || !bytes.Equal(got[0], tt.payload) || !bytes.Equal(got[1], tt.payload) {
					t.Fatalf("chunk %d: got %d frames %x, want the payload twice", chunk, len(got), got)
				}
				if s := d.Stats(); s != (DropStats{}) {
					t.Fatalf("chunk %d: drops %+v", chunk, s)
				}
			}
		})
	}
}

// streamCases are byte streams with damage, and what must come out of
// them: the good payloads, in order, and the drops by reason.
func streamCases() []struct {
	name       string
	maxPayload int
	stream     []byte
	want       [][]byte
	drops      DropStats
} {
	hello := []byte("hello world")
	p1, p2 := []byte("first"), []byte{0, 1, 0, 2}
	corrupt := Encode(nil, hello)
	corrupt[3] ^= 0x01 // 'e' -> 'd': COBS still valid, checksum not
	truncated := Encode(nil, nonzero(20))
	truncated = truncated[:len(truncated)-5]
	zeroHeavy := bytes.Repeat([]byte{0x01}, maxBodyLen(DefaultMTU)) // within the body limit, but decodes to MTU+8 zeros

	return []struct {
		name       string
		maxPayload int
		stream     []byte
		want       [][]byte
		drops      DropStats
	}{
		{name: "two frames", stream: cat(Encode(nil, p1), Encode(nil, p2)), want: [][]byte{p1, p2}},
		{name: "no leading zero at stream start", stream: Encode(nil, p1)[1:], want: [][]byte{p1}},
		{name: "idle zeros", stream: cat([]byte{0, 0, 0}, Encode(nil, p1), []byte{0, 0}), want: [][]byte{p1}},
		{name: "garbage before", stream: cat([]byte("hello"), Encode(nil, p1)),
			want: [][]byte{p1}, drops: DropStats{BadCOBS: 1}},
		{name: "garbage between", stream: cat(Encode(nil, p1), []byte{0x03, 0x41, 0x42, 0x05}, Encode(nil, p2)),
			want: [][]byte{p1, p2}, drops: DropStats{BadCOBS: 1}},
		{name: "garbage that decodes", stream: cat([]byte{0x06, 1, 2, 3, 4, 5}, Encode(nil, p1)),
			want: [][]byte{p1}, drops: DropStats{BadCRC: 1}},
		{name: "runt", stream: cat([]byte{0x02, 0x07}, Encode(nil, p1)),
			want: [][]byte{p1}, drops: DropStats{Runt: 1}},
		{name: "corrupted byte", stream: cat(Encode(nil, p1), corrupt, Encode(nil, p2)),
			want: [][]byte{p1, p2}, drops: DropStats{BadCRC: 1}},
		{name: "truncated frame", stream: cat(truncated, Encode(nil, p2)),
			want: [][]byte{p2}, drops: DropStats{BadCOBS: 1}},
		{name: "oversize", maxPayload: 16, stream: cat(Encode(nil, nonzero(17)), Encode(nil, nonzero(16))),
			want: [][]byte{nonzero(16)}, drops: DropStats{Oversize: 1}},
		{name: "oversize zeros", maxPayload: 16, stream: cat(Encode(nil, make([]byte, 17)), Encode(nil, p1)),
			want: [][]byte{p1}, drops: DropStats{Oversize: 1}},
		{name: "decodes past max", stream: cat(zeroHeavy, Encode(nil, p1)),
			want: [][]byte{p1}, drops: DropStats{Oversize: 1}},
		{name: "no delimiter for long", stream: cat(bytes.Repeat([]byte{0x55}, 5000), Encode(nil, p1)),
			want: [][]byte{p1}, drops: DropStats{Oversize: 1}},
		{name: "mtu exactly", stream: Encode(nil, make([]byte, DefaultMTU)), want: [][]byte{make([]byte, DefaultMTU)}},
	}
}

func TestDeframerStream(t *testing.T) {
	for _, tt := range streamCases() {
		t.Run(tt.name, func(t *testing.T) {
			for _, chunk := range chunkSizes {
				d := NewDeframer(tt.maxPayload)
				got := feedChunks(d, tt.stream, chunk)
				if len(got) != len(tt.want) {
					t.Fatalf("chunk %d: got %d frames %x, want %d %x", chunk, len(got), got, len(tt.want), tt.want)
				}
				for i := range got {
					if !bytes.Equal(got[i], tt.want[i]) {
						t.Fatalf("chunk %d: frame %d = %x, want %x", chunk, i, got[i], tt.want[i])
					}
				}
				if s := d.Stats(); s != tt.drops {
					t.Fatalf("chunk %d: drops %+v, want %+v", chunk, s, tt.drops)
				}
				if d.Drops() != tt.drops.Total() {
					t.Fatalf("chunk %d: Drops() = %d, want %d", chunk, d.Drops(), tt.drops.Total())
				}
			}
		})
	}
}

// TestDeframerZeroValue: a zero Deframer is usable and uses DefaultMTU.
func TestDeframerZeroValue(t *testing.T) {
	var d Deframer
	ok := make([]byte, DefaultMTU)
	got := feedChunks(&d, cat(Encode(nil, ok), Encode(nil, make([]byte, DefaultMTU+1))), 0)
	if len(got) != 1 || !bytes.Equal(got[0], ok) || d.Stats() != (DropStats{Oversize: 1}) {
		t.Fatalf("got %d frames, drops %+v; want 1 frame, 1 oversize", len(got), d.Stats())
	}
}

// TestDeframerBoundedMemory: a stream with no delimiter must not grow the
// buffer past one maximal frame.
func TestDeframerBoundedMemory(t *testing.T) {
	d := NewDeframer(64)
	junk := bytes.Repeat([]byte{0x7E}, 1<<20)
	d.Feed(junk, func([]byte) { t.Fatal("nothing to emit") })
	if c := cap(d.body); c > 4*maxBodyLen(64) {
		t.Fatalf("buffer grew to %d bytes on an endless frame", c)
	}
}

// FuzzDeframer: any byte stream, in any chunking, must not panic or emit a
// frame above the maximum; any payload must survive Encode then Feed; and
// after any garbage, a freshly encoded frame is received (the leading 0x00
// resynchronises).
func FuzzDeframer(f *testing.F) {
	for _, tt := range roundTripCases {
		f.Add(tt.payload, uint8(0))
		f.Add(Encode(nil, tt.payload), uint8(1))
	}
	for _, tt := range streamCases() {
		f.Add(tt.stream, uint8(3))
	}
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		small := NewDeframer(64)
		for _, p := range feedChunks(small, data, int(chunk)) {
			if len(p) > 64 {
				t.Fatalf("emitted %d bytes above max 64", len(p))
			}
		}

		d := NewDeframer(0)
		feedChunks(d, data, int(chunk))
		payload := data[:min(len(data), DefaultMTU)]
		got := feedChunks(d, Encode(nil, payload), int(chunk))
		if len(got) == 0 || !bytes.Equal(got[len(got)-1], payload) {
			t.Fatalf("after garbage, frame not received: got %x", got)
		}

		fresh := NewDeframer(0)
		got = feedChunks(fresh, Encode(nil, payload), int(chunk))
		if len(got) != 1 || !bytes.Equal(got[0], payload) || fresh.Drops() != 0 {
			t.Fatalf("round trip: got %x, drops %+v", got, fresh.Stats())
		}
	})
}

func BenchmarkEncodeDeframe(b *testing.B) {
	for _, size := range []int{64, 256, DefaultMTU} {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			payload := randBytes(uint64(size), size)
			d := NewDeframer(0)
			var frames int
			emit := func([]byte) { frames++ }
			buf := make([]byte, 0, MaxEncodedLen(size))
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				buf = Encode(buf[:0], payload)
				d.Feed(buf, emit)
			}
			if frames == 0 || d.Drops() != 0 {
				b.Fatalf("frames %d, drops %+v", frames, d.Stats())
			}
		})
	}
}

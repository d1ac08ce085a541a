package control

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"testing"
	"time"

	"go.uber.org/zap"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

var fuzzSeeds = []string{
	`{"version":1,"op":"node.info"}`,
	`{"version":1,"op":"attr.set","attr":{"name":"master-drbd0","value":"100","lifetime":"reboot","delay":5000000000}}`,
	`{"version":1,"op":"attr.get","attr":{"node":"beta","name":"x","lifetime":"forever","all":true}}`,
	`{"version":1,"op":"rsc.locate","rsc":"drbd0"}`,
	`{"version":1,"op":"attr.delete","attr":{"name":"","lifetime":"reboot"}}`,
	`{"version":2,"op":"node.info"}`,
	`{nope`,
	`[]`,
	`null`,
	`{"version":1,"op":"attr.set","attr":{"name":"x","lifetime":"reboot","delay":-1}}`,
}

// FuzzDecodeRequest: any body decodes to an accepted request or a
// bad-request error, never a panic, and an accepted one survives a round
// trip unchanged.
func FuzzDecodeRequest(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := DecodeRequest(body)
		if err != nil {
			if !isBadRequest(err) {
				t.Fatalf("error %v is not a bad request", err)
			}
			return
		}
		again, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		req2, err := DecodeRequest(again)
		if err != nil {
			t.Fatalf("re-encoded request refused: %v\n%s", err, again)
		}
		if a, b := mustJSON(t, req), mustJSON(t, req2); !bytes.Equal(a, b) {
			t.Fatalf("round trip changed the request:\n%s\n%s", a, b)
		}
	})
}

func isBadRequest(err error) bool {
	var e *Error
	return errorsAs(err, &e) && e.Code == CodeBadRequest
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzServeStream feeds arbitrary bytes to a connection's server loop: it
// must answer or hang up, never panic, and always end.
func FuzzServeStream(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(rawFrame(s))
	}
	f.Add([]byte{0, 0, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Add(append(rawFrame(fuzzSeeds[0]), rawFrame(fuzzSeeds[1])...))
	f.Fuzz(func(t *testing.T, stream []byte) {
		fb := newFake()
		s := &Server{cfg: Config{IdleTimeout: time.Second, MaxConns: 1}, b: Backend{Attrs: fb, Nodes: fb},
			lg: zap.NewNop(), done: make(chan struct{}), conns: map[net.Conn]struct{}{}, stats: map[string]uint64{},
			credOf: func(net.Conn) (Cred, error) { return Cred{}, nil }}
		client, server := net.Pipe()
		s.wg.Add(1)
		done := make(chan struct{})
		go func() { s.serve(context.Background(), server); close(done) }()
		go func() { // drain replies so the server never blocks writing
			buf := make([]byte, 4096)
			for {
				if _, err := client.Read(buf); err != nil {
					return
				}
			}
		}()
		client.SetWriteDeadline(time.Now().Add(2 * time.Second))
		client.Write(stream)
		client.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("serve did not end after the client hung up")
		}
	})
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

package daemon

import (
	"encoding/json"
	"testing"
	"time"
)

func TestDecodePeerMsg(t *testing.T) {
	good := []string{
		`{"t":"history","id":1,"f":{"n":"alpha","r":["web"],"a":true},"b":10,"m":5}`,
		`{"t":"history-reply","id":1,"e":[{"seq":1}],"more":true}`,
		`{"t":"history-reply","id":2,"err":"journal: permission denied"}`,
	}
	for _, s := range good {
		if _, err := decodePeerMsg([]byte(s)); err != nil {
			t.Errorf("decodePeerMsg(%s): %v", s, err)
		}
	}
	bad := []string{``, `{`, `[]`, `{"t":"nope"}`, `{"t":"history","id":1}`, `{"t":"history","f":{},"m":-1}`,
		`{"t":"history","f":{},"m":1000000}`, `{"t":"history-reply"} {}`}
	for _, s := range bad {
		if _, err := decodePeerMsg([]byte(s)); err == nil {
			t.Errorf("decodePeerMsg(%q) accepted", s)
		}
	}
}

func FuzzDecodePeerMsg(f *testing.F) {
	req, _ := json.Marshal(peerMsg{Type: peerHistory, ID: 3, Filter: &peerFilter{Node: "a", Since: time.Unix(1, 0)}, Max: 10})
	f.Add(req)
	f.Add([]byte(`{"t":"history-reply","id":1,"e":[{"seq":1}],"more":true}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := decodePeerMsg(data)
		if err != nil {
			return
		}
		if m.Type == peerHistory && (m.Filter == nil || m.Max < 0) {
			t.Fatalf("accepted a bad request: %+v", m)
		}
		// What is accepted encodes and decodes to the same message.
		again, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := decodePeerMsg(again); err != nil {
			t.Fatalf("re-encoded %s: %v", again, err)
		}
	})
}

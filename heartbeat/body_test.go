package heartbeat

import "testing"

// TestEncodeBodyAppends: EncodeBody appends to dst, as its signature
// says, instead of overwriting what dst already holds.
func TestEncodeBodyAppends(t *testing.T) {
	prefix := []byte("hdr")
	out, err := EncodeBody(append([]byte(nil), prefix...), Heartbeat{Name: "n1", KeepaliveMS: 100})
	if err != nil {
		t.Fatal(err)
	}
	if string(out[:3]) != "hdr" {
		t.Fatalf("prefix lost: %q", out[:3])
	}
	var hb Heartbeat
	if err := DecodeBody(out[3:], &hb); err != nil || hb.Name != "n1" {
		t.Fatalf("decode after prefix: %v %+v", err, hb)
	}
}

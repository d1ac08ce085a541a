package store

import (
	"errors"
	"reflect"
	"testing"
)

func TestEntryRoundTrip(t *testing.T) {
	req := reqID{Node: 7, Seq: 1 << 60}
	tests := []struct {
		name string
		typ  entryType
		v    any
		want decodedEntry
	}{
		{"config", entryConfig, &configEntry{Req: req, AdminEpoch: 1, Epoch: 9, XML: []byte("<cib/>")},
			decodedEntry{typ: entryConfig, config: &configEntry{Req: req, AdminEpoch: 1, Epoch: 9, XML: []byte("<cib/>")}}},
		{"status", entryStatus, &statusEntry{Req: req, Updates: []StatusUpdate{{Node: "a", Attrs: []AttrUpdate{{Name: "x", Op: AttrAdd, Delta: -3}}}}},
			decodedEntry{typ: entryStatus, status: &statusEntry{Req: req, Updates: []StatusUpdate{{Node: "a", Attrs: []AttrUpdate{{Name: "x", Op: AttrAdd, Delta: -3}}}}}}},
		{"add member", entryAddMember, &memberEntry{Req: req, Name: "n4"}, decodedEntry{typ: entryAddMember, member: &memberEntry{Req: req, Name: "n4"}}},
		{"remove member", entryRemoveMember, &memberEntry{Req: req, ID: 4}, decodedEntry{typ: entryRemoveMember, member: &memberEntry{Req: req, ID: 4}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := encodeEntry(tt.typ, tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if b[0] != byte(tt.typ) {
				t.Fatalf("type byte %#x, want %#x", b[0], tt.typ)
			}
			got, err := decodeEntry(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) || got.req() != req {
				t.Fatalf("decoded %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestEntryBadInput(t *testing.T) {
	tests := []struct {
		name    string
		data    []byte
		wantErr error // nil: an ignorable entry
	}{
		{"unknown type", []byte{0x7f, 0x80}, ErrUnknownEntry},
		{"unknown ignorable type", []byte{0x81, 0xc1}, nil},
		{"config not msgpack", []byte{byte(entryConfig), 0xc1}, ErrGarbled},
		{"status truncated", []byte{byte(entryStatus), 0x82, 0xa1}, ErrGarbled},
		{"member wrong shape", []byte{byte(entryAddMember), 0x93, 1, 2, 3}, ErrGarbled},
		{"config huge length", []byte{byte(entryConfig), 0xdb, 0xff, 0xff, 0xff, 0xff}, ErrGarbled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := decodeEntry(tt.data)
			if tt.wantErr == nil {
				if err != nil || d.config != nil || d.status != nil || d.member != nil {
					t.Fatalf("ignorable entry: %+v, %v", d, err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func FuzzDecodeEntry(f *testing.F) {
	for _, typ := range []entryType{entryConfig, entryStatus, entryAddMember, entryRemoveMember} {
		b, _ := encodeEntry(typ, &statusEntry{Updates: []StatusUpdate{{Node: "a"}}})
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		d, err := decodeEntry(data) // must not panic
		if err == nil && d.typ&entryIgnorable == 0 && d.config == nil && d.status == nil && d.member == nil {
			t.Fatalf("no error and no payload for %x", data)
		}
	})
}

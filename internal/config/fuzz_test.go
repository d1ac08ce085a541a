package config

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"testing"
	"time"
)

// FuzzParse feeds arbitrary bytes to Parse. It must never panic; every error
// must be an *Error (so it carries a position when there is one), and what it
// accepts must validate again.
func FuzzParse(f *testing.F) {
	for _, tc := range badConfigs {
		f.Add([]byte(tc.src))
	}
	for _, tc := range goodConfigs {
		f.Add([]byte(tc.src))
	}
	if data, err := os.ReadFile("testdata/pacer.example.toml"); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// A hang would only stall the fuzzer; crash instead, with the input.
		hang := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("Parse hangs on %q", data)) })
		defer hang.Stop()
		c, err := Parse(data, "fuzz.toml")
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not an *Error: %v", err, err)
			}
			if e.Line < 0 || e.Col < 0 {
				t.Fatalf("negative position: %+v", e)
			}
			_ = err.Error()
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Parse accepted a config that does not validate: %v", err)
		}
	})
}

// FuzzAuthkey feeds arbitrary bytes to ParseAuthkey. It must never panic;
// what it accepts must be a valid keyring that survives a format/parse round
// trip.
func FuzzAuthkey(f *testing.F) {
	f.Add([]byte(goodAuthkey))
	for _, tc := range badAuthkeys {
		f.Add([]byte(tc.src))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		hang := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("ParseAuthkey hangs on %q", data)) })
		defer hang.Stop()
		k, err := ParseAuthkey(data, "authkey")
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not an *Error: %v", err, err)
			}
			return
		}
		if err := k.Validate(); err != nil {
			t.Fatalf("accepted an invalid keyring: %v", err)
		}
		out, err := FormatAuthkey(k)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseAuthkey(out, "authkey")
		if err != nil || !reflect.DeepEqual(back, k) {
			t.Fatalf("round trip = %+v, %v; want %+v", back, err, k)
		}
	})
}

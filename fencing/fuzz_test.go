package fencing

import (
	"strings"
	"testing"
)

// FuzzDelayBase: pcmk_delay_base from a configuration never panics,
// never yields a negative delay, and a value without ':' is the same
// delay for every target.
func FuzzDelayBase(f *testing.F) {
	for _, s := range []string{"", "5", "2s", "n1:0s;n2:5s", "n1:3 n2:5", "n1:", ":5", "a:b:c", "-5s", "PT5S", "n1:1h;;n2:2m\t"} {
		f.Add(s, "n1")
	}
	f.Fuzz(func(t *testing.T, value, target string) {
		d, err := DelayBase(value, target)
		if err != nil {
			if d != 0 {
				t.Fatalf("error %v with delay %v", err, d)
			}
			return
		}
		if d < 0 {
			t.Fatalf("negative delay %v for %q", d, value)
		}
		if !strings.Contains(value, ":") {
			if d2, err2 := DelayBase(value, target+"x"); err2 != nil || d2 != d {
				t.Fatalf("plain value %q gives %v for %q but %v, %v for another target", value, d, target, d2, err2)
			}
		}
	})
}

// FuzzHostList: pcmk_host_list splitting never yields an empty name or
// one holding a separator.
func FuzzHostList(f *testing.F) {
	for _, s := range []string{"", "n1", "n1,n2", "n1 n2;n3\tn4", ",,;", "a\nb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, h := range HostList(s) {
			if h == "" || strings.ContainsAny(h, " ,;\t\n") {
				t.Fatalf("HostList(%q) has %q", s, h)
			}
		}
	})
}

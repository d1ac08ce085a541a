package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pacer/crm/cib"
)

// FuzzReadForeign: whatever `pacer import cib` is given (XML or a crm dump
// with ACL statements), reading, validating and looking for what pacer
// does not honour never panics, and every finding says where it is.
func FuzzReadForeign(f *testing.F) {
	for _, n := range []string{"drbd-nfs.cib.xml", "unsupported.cib.xml", "drbd-nfs.crm"} {
		if b, err := os.ReadFile(filepath.Join(importData, n)); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("role r \\\n  read xpath:\"/cib\"\nuser u \\\nprimitive p Dummy\n"))
	f.Add([]byte("<configuration><resources><bundle id=\"b\"><podman image=\"i\"/></bundle></resources></configuration>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := readForeign(data, "in")
		if err != nil {
			return
		}
		if fr.whole != nil {
			err = cib.Validate(fr.whole)
		} else {
			err = cib.ValidateConfiguration(fr.conf)
		}
		if err != nil {
			return
		}
		fr.check()
		for _, x := range fr.findings {
			if x.path == "" || x.msg == "" || !strings.HasPrefix(fr.format(x), "in:") {
				t.Fatalf("finding without a place or a reason: %+v", x)
			}
		}
	})
}

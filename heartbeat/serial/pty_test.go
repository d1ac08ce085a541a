package serial

import (
	"bytes"
	"io"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestOpenPTY: the pair is a raw line from the start, both ways: every
// byte value, CR, LF, XON/XOFF and ^C included, arrives unchanged and
// nothing is echoed back.
func TestOpenPTY(t *testing.T) {
	master, slavePath, err := OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	slave, err := os.OpenFile(slavePath, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open slave %s: %v", slavePath, err)
	}
	defer slave.Close()

	all := seq(0, 255)
	tests := []struct {
		name     string
		from, to *os.File
	}{
		{"slave to master", slave, master},
		{"master to slave", master, slave},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.from.Write(all); err != nil {
				t.Fatal(err)
			}
			got := make([]byte, len(all))
			_ = tt.to.SetReadDeadline(time.Now().Add(wait))
			if _, err := io.ReadFull(tt.to, got); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, all) {
				t.Fatalf("bytes changed on the way:\n got % x\nwant % x", got, all)
			}
			// No echo: the sender reads nothing back.
			_ = tt.from.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
			if n, _ := tt.from.Read(got); n != 0 {
				t.Fatalf("%d bytes echoed back: % x", n, got[:n])
			}
		})
	}
}

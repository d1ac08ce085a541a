package serial

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// OpenPTY allocates a pseudo-terminal pair and returns its master and the
// path of its slave (/dev/pts/N). It exists for tests, here and in other
// packages: a pty pair is a real tty, so a Link opened on the slave path
// runs the same termios, poller and hangup paths as one on /dev/ttyS0.
//
// The pair is put in raw mode before the slave is unlocked, so it behaves
// like a serial line from the first byte: a fresh pty echoes and maps
// CR/LF, and an echo would bounce frames back to their sender before the
// process on the slave had set its own mode.
//
// The master is opened through os.OpenFile and so is pollable; pass it to
// FromFile or Bridge, or read and write it directly. Closing it hangs up
// the slave.
func OpenPTY() (master *os.File, slavePath string, err error) {
	master, err = os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, "", fmt.Errorf("open pty: %w", err)
	}
	rc, err := master.SyscallConn()
	if err != nil {
		_ = master.Close()
		return nil, "", fmt.Errorf("open pty: %w", err)
	}
	var n uint32
	var opErr error
	err = rc.Control(func(fd uintptr) {
		// On a master, TCSETS applies to the pair's (slave's) settings.
		if opErr = makeRaw(int(fd), DefaultBaud); opErr != nil {
			return
		}
		if opErr = unix.IoctlSetPointerInt(int(fd), unix.TIOCSPTLCK, 0); opErr != nil {
			opErr = fmt.Errorf("unlock: %w", opErr)
			return
		}
		if n, opErr = unix.IoctlGetUint32(int(fd), unix.TIOCGPTN); opErr != nil {
			opErr = fmt.Errorf("get pty number: %w", opErr)
		}
	})
	if err == nil {
		err = opErr
	}
	if err != nil {
		_ = master.Close()
		return nil, "", fmt.Errorf("open pty: %w", err)
	}
	return master, fmt.Sprintf("/dev/pts/%d", n), nil
}

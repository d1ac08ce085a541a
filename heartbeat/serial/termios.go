package serial

import (
	"errors"
	"fmt"
	"slices"

	"golang.org/x/sys/unix"
)

// ErrUnsupportedBaud is returned (wrapped, naming the rate and the device)
// for a baud rate the tty layer has no constant for.
var ErrUnsupportedBaud = errors.New("unsupported baud rate")

// bauds maps a rate to its termios speed code. Linux only knows these
// discrete rates through TCSETS; arbitrary rates would need TCSETS2/BOTHER,
// which no null-modem heartbeat cable needs.
var bauds = map[int]uint32{
	300:     unix.B300,
	600:     unix.B600,
	1200:    unix.B1200,
	2400:    unix.B2400,
	4800:    unix.B4800,
	9600:    unix.B9600,
	19200:   unix.B19200,
	38400:   unix.B38400,
	57600:   unix.B57600,
	115200:  unix.B115200,
	230400:  unix.B230400,
	460800:  unix.B460800,
	921600:  unix.B921600,
	1000000: unix.B1000000,
}

// SupportedBauds lists the rates Config.Baud accepts, ascending.
func SupportedBauds() []int {
	out := make([]int, 0, len(bauds))
	for b := range bauds {
		out = append(out, b)
	}
	slices.Sort(out)
	return out
}

func baudCode(baud int) (uint32, error) {
	code, ok := bauds[baud]
	if !ok {
		return 0, fmt.Errorf("%w %d", ErrUnsupportedBaud, baud)
	}
	return code, nil
}

// makeRaw puts the tty on fd in the mode a framed binary protocol needs,
// like cfmakeraw(3) plus line settings:
//   - no input or output processing (no CR/LF mapping, no 8th-bit strip, no
//     XON/XOFF: 0x11/0x13 are ordinary bytes in a frame),
//   - no echo, no canonical lines, no signals from ^C,
//   - 8 data bits, no parity, 1 stop bit (8N1),
//   - CLOCAL so a cable without modem lines (DCD) still opens and reads,
//     CREAD to receive, no RTS/CTS (a three-wire null-modem has none),
//   - VMIN=1, VTIME=0: a read returns as soon as any byte is there; the
//     framing, not an inter-byte timer, decides where a frame ends.
//
// It then reads the settings back, because TCSETS succeeds if the driver
// applied any part of the request, and a UART that silently kept another
// speed would look like a dead peer.
func makeRaw(fd int, baud int) error {
	speed, err := baudCode(baud)
	if err != nil {
		return err
	}
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return fmt.Errorf("get termios: %w", err)
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP |
		unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON | unix.IXOFF | unix.IXANY
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB | unix.CSTOPB | unix.CRTSCTS | unix.CBAUD
	t.Cflag |= unix.CS8 | unix.CLOCAL | unix.CREAD | speed
	// TCSETS takes the speed from Cflag; the separate fields are set for
	// any reader of the struct that looks at them.
	t.Ispeed, t.Ospeed = speed, speed
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, t); err != nil {
		return fmt.Errorf("set termios: %w", err)
	}
	got, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return fmt.Errorf("get termios: %w", err)
	}
	if got.Cflag&unix.CBAUD != speed {
		return fmt.Errorf("%w %d: the device kept another speed", ErrUnsupportedBaud, baud)
	}
	return nil
}

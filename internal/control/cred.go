package control

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Cred is who is at the other end of a connection.
type Cred struct {
	PID int32
	UID uint32
	GID uint32
	// Groups are the supplementary groups, read from /proc when the
	// kernel gave a pid; the socket's own mode admits members of
	// haclient by any of their groups, so the check must too.
	Groups []uint32
}

// ACL is who may use the socket: root always, and the members of one group
// (haclient) when Group is set.
type ACL struct {
	GID   uint32
	Group bool
}

// Check refuses anyone but root and the group's members. Reads are
// checked like changes: node attributes and membership are the cluster's
// business, as in Pacemaker, where only root and haclient reach its IPC.
func (a ACL) Check(c Cred, op Op) error {
	if c.UID == 0 {
		return nil
	}
	if a.Group && (c.GID == a.GID || slices.Contains(c.Groups, a.GID)) {
		return nil
	}
	what := "read"
	if op.writes() {
		what = "change"
	}
	if !a.Group {
		return errorf(ErrPermission, "%s refused for uid %d: only root may use this socket (there is no group haclient)", what, c.UID)
	}
	return errorf(ErrPermission, "%s refused for uid %d gid %d: only root and group haclient (gid %d) may use this socket", what, c.UID, c.GID, a.GID)
}

// peerCred reads SO_PEERCRED from a unix connection.
func peerCred(conn net.Conn) (Cred, error) {
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		return Cred{}, fmt.Errorf("peer credentials: %T is not a unix socket", conn)
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return Cred{}, fmt.Errorf("peer credentials: %w", err)
	}
	var uc2 *unix.Ucred
	var serr error
	if err := raw.Control(func(fd uintptr) {
		uc2, serr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return Cred{}, fmt.Errorf("peer credentials: %w", err)
	}
	if serr != nil {
		return Cred{}, fmt.Errorf("peer credentials: SO_PEERCRED: %w", serr)
	}
	c := Cred{PID: uc2.Pid, UID: uc2.Uid, GID: uc2.Gid}
	if c.UID != 0 && c.PID > 0 {
		// Best effort: a process that exited already has no groups to
		// add, and is then judged by its primary group alone.
		c.Groups, _ = procGroups(c.PID)
	}
	return c, nil
}

// procGroups reads the supplementary groups of pid from /proc.
func procGroups(pid int32) ([]uint32, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(int(pid)) + "/status")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseGroups(f)
}

// parseGroups reads the "Groups:" line of a /proc/PID/status file.
func parseGroups(f interface{ Read([]byte) (int, error) }) ([]uint32, error) {
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "Groups:")
		if !ok {
			continue
		}
		var gs []uint32
		for _, s := range strings.Fields(rest) {
			g, err := strconv.ParseUint(s, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("groups: %q: %w", s, err)
			}
			gs = append(gs, uint32(g))
		}
		return gs, nil
	}
	return nil, sc.Err()
}

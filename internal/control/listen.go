package control

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"go.uber.org/zap"
)

// Listen creates the socket and returns a server that serves it once Run
// is called. It starts no goroutines. A socket file left by a dead pacerd
// is replaced; one a live process serves is not.
func Listen(cfg Config, b Backend, lg *zap.Logger) (*Server, error) {
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if lg == nil {
		lg = zap.NewNop()
	}
	if cfg.Path == "" {
		return nil, errors.New("control socket: no path")
	}
	if len(cfg.Path) > maxUnixPath {
		return nil, fmt.Errorf("control socket %s: path is %d bytes, a unix socket path has at most %d", cfg.Path, len(cfg.Path), maxUnixPath)
	}
	if err := prepareDir(filepath.Dir(cfg.Path), cfg.ACL); err != nil {
		return nil, fmt.Errorf("control socket %s: %w", cfg.Path, err)
	}
	if err := removeStale(cfg.Path); err != nil {
		return nil, fmt.Errorf("control socket %s: %w", cfg.Path, err)
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: cfg.Path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	// The directory (0750) keeps others out until the mode is set.
	gid := -1
	if cfg.ACL.Group {
		gid = int(cfg.ACL.GID)
	}
	if err := os.Chmod(cfg.Path, 0o660); err == nil && gid >= 0 {
		err = os.Chown(cfg.Path, -1, gid)
	}
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("control socket %s: set owner and mode: %w", cfg.Path, err)
	}
	return &Server{cfg: cfg, b: b, lg: lg, ln: ln, credOf: peerCred, done: make(chan struct{}),
		conns: map[net.Conn]struct{}{}, stats: map[string]uint64{}}, nil
}

func prepareDir(dir string, acl ACL) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	} else if !os.IsNotExist(err) {
		return err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	if acl.Group {
		if err := os.Chown(dir, -1, int(acl.GID)); err != nil {
			return fmt.Errorf("directory %s: %w", dir, err)
		}
	}
	return nil
}

func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if os.IsNotExist(err) {
		return nil
	} else if err != nil {
		return err
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return fmt.Errorf("exists and is not a socket (%v); remove it or choose another path", fi.Mode())
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return errors.New("in use: another pacerd is serving it")
	}
	return os.Remove(path)
}

package control

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"sync"
	"time"

	"go.uber.org/zap"
)

// Attributes serves node attribute requests. The daemon implements it over
// internal/attrd.
type Attributes interface {
	GetAttr(ctx context.Context, a AttrArgs) ([]AttrValue, error)
	SetAttr(ctx context.Context, a AttrArgs) error
	DeleteAttr(ctx context.Context, a AttrArgs) error
}

// Nodes answers who this node is and who its peers are.
type Nodes interface {
	NodeInfo(ctx context.Context) (NodeInfo, error)
}

// Locator answers where a resource runs. Until the coordinator and the CIB
// exist, pacerd's answers ErrUnavailable rather than guess.
type Locator interface {
	Locate(ctx context.Context, rsc string) (Location, error)
}

// CIBStore reads and changes the replicated CIB.
type CIBStore interface {
	// GetCIB returns the CIB: linearizable, or this node's copy if local.
	GetCIB(ctx context.Context, local bool) (CIB, error)
	// ReplaceCIB is the configuration compare-and-swap. A lost race
	// returns the CIB it lost to and an error wrapping ErrConflict.
	ReplaceCIB(ctx context.Context, a CIBArgs) (CIB, error)
}

// StatusSource answers status with the cluster status document.
type StatusSource interface {
	Status(ctx context.Context) ([]byte, error)
}

// Backend is what the server dispatches to; a nil part answers
// ErrUnsupported.
type Backend struct {
	Attrs     Attributes
	Nodes     Nodes
	Resources Locator
	CIB       CIBStore
	Status    StatusSource
	Admin     Admin
	History   HistorySource
}

// Defaults of Config.
const (
	DefaultIdleTimeout = 30 * time.Second
	DefaultMaxConns    = 64
)

// Config configures a Server.
type Config struct {
	// Path of the socket. Its directory is created (0750, and owned by
	// the ACL's group) when missing.
	Path string
	// ACL is who may connect and send requests; the socket file is 0660
	// and owned by the ACL's group.
	ACL ACL
	// IdleTimeout closes a connection that sends nothing for this long,
	// so a stuck client holds no goroutine forever.
	IdleTimeout time.Duration
	// MaxConns bounds concurrent connections; more are refused.
	MaxConns int
}

// maxUnixPath is sun_path's size minus the terminating NUL on Linux.
const maxUnixPath = 107

// Server is the control socket's server.
type Server struct {
	cfg    Config
	b      Backend
	lg     *zap.Logger
	ln     *net.UnixListener
	credOf func(net.Conn) (Cred, error)

	mu     sync.Mutex
	closed bool
	done   chan struct{} // closed by Close
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
	stats  map[string]uint64
}

// Addr is the socket's path.
func (s *Server) Addr() string { return s.cfg.Path }

// Run serves connections until ctx is done or Close is called, then closes
// every connection and returns once their goroutines have ended.
func (s *Server) Run(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { s.Close() })
	defer stop()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			if s.isClosed() {
				break
			}
			// Out of descriptors or memory: the socket stays; back
			// off and try again rather than take pacerd down.
			if n := s.count("accept-error"); n&(n-1) == 0 {
				s.lg.Warn("control socket accept failed; retrying", zap.Error(err), zap.Uint64("count", n))
			}
			select {
			case <-s.done:
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		if !s.track(conn) {
			s.refuse(conn)
			continue
		}
		s.wg.Add(1)
		go s.serve(ctx, conn)
	}
	s.Close()
	s.wg.Wait()
	return nil
}

// Close stops the listener (removing the socket file) and closes every
// connection. It is safe to call more than once and without Run.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	conns := make([]net.Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	err := s.ln.Close()
	for _, c := range conns {
		c.Close()
	}
	return err
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || len(s.conns) >= s.cfg.MaxConns {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	c.Close()
}

// refuse answers a connection over the limit with an error and closes it.
func (s *Server) refuse(c net.Conn) {
	s.count("too-many-connections")
	c.SetWriteDeadline(time.Now().Add(time.Second))
	_ = writeFrame(c, Response{Error: &Error{Code: CodeUnavailable,
		Msg: fmt.Sprintf("too many connections (at most %d)", s.cfg.MaxConns)}})
	c.Close()
}

// Stats returns how many bad frames and refused connections there were,
// by reason.
func (s *Server) Stats() map[string]uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.stats)
}

func (s *Server) count(reason string) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats[reason]++
	return s.stats[reason]
}

// serve answers one connection's requests in order.
func (s *Server) serve(ctx context.Context, conn net.Conn) {
	defer s.wg.Done()
	defer s.untrack(conn)
	cred, err := s.credOf(conn)
	if err != nil {
		s.lg.Warn("control connection refused", zap.Error(err))
		s.reply(conn, Response{Error: toWire(errorf(ErrPermission, "%v", err))})
		return
	}
	for {
		conn.SetReadDeadline(time.Now().Add(s.cfg.IdleTimeout))
		body, err := readFrame(conn)
		if err != nil {
			switch {
			case errors.Is(err, errOversize):
				s.bad(cred, reasonOversize, err)
				s.reply(conn, Response{Error: toWire(errorf(ErrBadRequest, "%v", err))})
			case errors.Is(err, errTruncated):
				s.bad(cred, reasonTruncated, err)
			}
			return // EOF, idle timeout, closed, or a stream that cannot be resynchronised
		}
		var resp Response
		req, err := DecodeRequest(body)
		if err != nil {
			var br *badRequest
			if errors.As(err, &br) {
				s.bad(cred, br.reason, err)
			}
			resp.Error = toWire(err)
		} else if err := s.cfg.ACL.Check(cred, req.Op); err != nil {
			// Thinned like bad frames: a looping client must not
			// flood the log, but the first refusal is always seen.
			if n := s.count("permission"); n&(n-1) == 0 {
				s.lg.Warn("control request refused", zap.String("request", string(req.Op)), zap.Uint32("uid", cred.UID),
					zap.Uint32("gid", cred.GID), zap.Int32("pid", cred.PID), zap.Uint64("count", n))
			}
			resp.Error = toWire(err)
		} else {
			resp = s.dispatch(ctx, req)
		}
		if !s.reply(conn, resp) {
			return
		}
	}
}

func (s *Server) reply(conn net.Conn, resp Response) bool {
	conn.SetWriteDeadline(time.Now().Add(s.cfg.IdleTimeout))
	if err := writeFrame(conn, resp); err != nil {
		s.lg.Debug("control reply not sent", zap.Error(err))
		return false
	}
	return true
}

// bad counts a bad frame; the log line is Debug and thinned out (the
// first, then at each power of two) so a looping client cannot flood it.
func (s *Server) bad(c Cred, reason string, err error) {
	n := s.count(reason)
	if n&(n-1) == 0 {
		s.lg.Debug("bad control frame", zap.String("reason", reason), zap.Uint64("count", n),
			zap.Uint32("uid", c.UID), zap.Int32("pid", c.PID), zap.Error(err))
	}
}

func (s *Server) dispatch(ctx context.Context, req Request) Response {
	var resp Response
	var err error
	switch req.Op {
	case OpAttrGet, OpAttrSet, OpAttrDelete:
		if s.b.Attrs == nil {
			err = errorf(ErrUnsupported, "this pacerd serves no node attributes")
			break
		}
		switch req.Op {
		case OpAttrGet:
			resp.Attrs, err = s.b.Attrs.GetAttr(ctx, *req.Attr)
		case OpAttrSet:
			err = s.b.Attrs.SetAttr(ctx, *req.Attr)
		default:
			err = s.b.Attrs.DeleteAttr(ctx, *req.Attr)
		}
	case OpNodeInfo:
		if s.b.Nodes == nil {
			err = errorf(ErrUnsupported, "this pacerd serves no node information")
			break
		}
		var ni NodeInfo
		if ni, err = s.b.Nodes.NodeInfo(ctx); err == nil {
			resp.Node = &ni
		}
	case OpLocate:
		if s.b.Resources == nil {
			err = errorf(ErrUnavailable, "resource locations are not known: this pacerd has no CIB yet")
			break
		}
		var loc Location
		if loc, err = s.b.Resources.Locate(ctx, req.Rsc); err == nil {
			resp.Location = &loc
		}
	case OpCIBGet, OpCIBReplace:
		if s.b.CIB == nil {
			err = errorf(ErrUnsupported, "this pacerd serves no CIB")
			break
		}
		var c CIB
		if req.Op == OpCIBGet {
			args := CIBArgs{}
			if req.CIB != nil {
				args = *req.CIB
			}
			c, err = s.b.CIB.GetCIB(ctx, args.Local)
		} else {
			c, err = s.b.CIB.ReplaceCIB(ctx, *req.CIB)
		}
		if err == nil || errors.Is(err, ErrConflict) {
			resp.CIB = &c
		}
	case OpStatus:
		if s.b.Status == nil {
			err = errorf(ErrUnsupported, "this pacerd serves no cluster status")
			break
		}
		resp.Status, err = s.b.Status.Status(ctx)
	case OpHistory:
		resp.History, err = s.dispatchHistory(ctx, req)
	default:
		if req.Op.admin() {
			resp.Admin, err = s.dispatchAdmin(ctx, req)
		}
	}
	if err != nil {
		return Response{Error: toWire(err), CIB: resp.CIB}
	}
	return resp
}

var _ io.Closer = (*Server)(nil)

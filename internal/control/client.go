package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"
)

// DefaultSocket is where pacerd listens unless configured otherwise.
const DefaultSocket = "/run/pacer/pacerd.sock"

// SocketEnv names the environment variable clients read the socket path
// from, so the helpers an agent runs reach a pacerd on another path (tests,
// a second instance).
const SocketEnv = "PACER_SOCKET"

// SocketPath returns $PACER_SOCKET, or DefaultSocket.
func SocketPath() string {
	if p := os.Getenv(SocketEnv); p != "" {
		return p
	}
	return DefaultSocket
}

// DefaultTimeout bounds one request of a client.
const DefaultTimeout = 10 * time.Second

// Client is a connection to pacerd's control socket. It is not safe for
// concurrent use: requests on one connection are answered in order.
type Client struct {
	conn    net.Conn
	Timeout time.Duration
}

// Dial connects to the socket at path. A missing socket or a refused
// connection is ErrNotConnected, with the reason.
func Dial(ctx context.Context, path string) (*Client, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		if errors.Is(err, os.ErrPermission) || errors.Is(err, syscall.EACCES) {
			return nil, fmt.Errorf("%w: connect to %s: %v", ErrPermission, path, err)
		}
		return nil, fmt.Errorf("%w: connect to pacerd at %s: %v", ErrNotConnected, path, err)
	}
	return &Client{conn: conn, Timeout: DefaultTimeout}, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Do sends req and returns the response. A response carrying an error is
// returned as that *Error, so errors.Is(err, ErrUnknownAttribute) works.
func (c *Client) Do(ctx context.Context, req Request) (Response, error) {
	req.Version = Version
	deadline := time.Now().Add(c.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	c.conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { c.conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if err := writeFrame(c.conn, req); err != nil {
		return Response{}, fmt.Errorf("%w: send %s: %v", ErrNotConnected, req.Op, err)
	}
	body, err := readFrame(c.conn)
	if err != nil {
		return Response{}, fmt.Errorf("%w: %s: no reply: %v", ErrNotConnected, req.Op, err)
	}
	var resp Response
	if err := json.Unmarshal(body, &resp); err != nil {
		return Response{}, fmt.Errorf("%w: %s: bad reply: %v", ErrInternal, req.Op, err)
	}
	if resp.Error != nil {
		return resp, resp.Error
	}
	return resp, nil
}

// GetAttr reads an attribute (on every node with a.All).
func (c *Client) GetAttr(ctx context.Context, a AttrArgs) ([]AttrValue, error) {
	resp, err := c.Do(ctx, Request{Op: OpAttrGet, Attr: &a})
	return resp.Attrs, err
}

// SetAttr sets an attribute.
func (c *Client) SetAttr(ctx context.Context, a AttrArgs) error {
	_, err := c.Do(ctx, Request{Op: OpAttrSet, Attr: &a})
	return err
}

// DeleteAttr deletes an attribute.
func (c *Client) DeleteAttr(ctx context.Context, a AttrArgs) error {
	_, err := c.Do(ctx, Request{Op: OpAttrDelete, Attr: &a})
	return err
}

// NodeInfo returns this node's identity, the members and quorum.
func (c *Client) NodeInfo(ctx context.Context) (NodeInfo, error) {
	resp, err := c.Do(ctx, Request{Op: OpNodeInfo})
	if err != nil {
		return NodeInfo{}, err
	}
	if resp.Node == nil {
		return NodeInfo{}, fmt.Errorf("%w: node.info: empty reply", ErrInternal)
	}
	return *resp.Node, nil
}

// Locate returns where rsc runs.
func (c *Client) Locate(ctx context.Context, rsc string) (Location, error) {
	resp, err := c.Do(ctx, Request{Op: OpLocate, Rsc: rsc})
	if err != nil {
		return Location{}, err
	}
	if resp.Location == nil {
		return Location{}, fmt.Errorf("%w: rsc.locate: empty reply", ErrInternal)
	}
	return *resp.Location, nil
}

// GetCIB returns the CIB: a linearizable read through the DC, or this
// node's applied copy with local.
func (c *Client) GetCIB(ctx context.Context, local bool) (CIB, error) {
	resp, err := c.Do(ctx, Request{Op: OpCIBGet, CIB: &CIBArgs{Local: local}})
	if err != nil {
		return CIB{}, err
	}
	if resp.CIB == nil {
		return CIB{}, fmt.Errorf("%w: cib.get: empty reply", ErrInternal)
	}
	return *resp.CIB, nil
}

// ReplaceCIB replaces the configuration with xml if the CIB is still at
// (adminEpoch, epoch) and returns the new version. On a lost race the
// error is ErrConflict (errors.Is) and the returned CIB is the one the
// change lost to, to merge with and retry.
func (c *Client) ReplaceCIB(ctx context.Context, adminEpoch, epoch uint64, xml string) (CIB, error) {
	resp, err := c.Do(ctx, Request{Op: OpCIBReplace, CIB: &CIBArgs{XML: xml, AdminEpoch: adminEpoch, Epoch: epoch}})
	var out CIB
	if resp.CIB != nil {
		out = *resp.CIB
	}
	if err != nil {
		return out, err
	}
	if resp.CIB == nil {
		return CIB{}, fmt.Errorf("%w: cib.replace: empty reply", ErrInternal)
	}
	return out, nil
}

// Status returns the cluster status document (pacer-status/1, see
// crm/status) as pacerd sent it.
func (c *Client) Status(ctx context.Context) ([]byte, error) {
	resp, err := c.Do(ctx, Request{Op: OpStatus})
	if err != nil {
		return nil, err
	}
	if len(resp.Status) == 0 {
		return nil, fmt.Errorf("%w: status: empty reply", ErrInternal)
	}
	return resp.Status, nil
}

package control

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Frame errors, also the reasons bad frames are counted under.
var (
	errOversize  = errors.New("frame too large")
	errTruncated = errors.New("truncated frame")
)

// writeFrame writes v as one frame.
func writeFrame(w io.Writer, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	if len(body) > MaxFrame {
		return fmt.Errorf("encode: %d bytes: %w", len(body), errOversize)
	}
	buf := make([]byte, 4+len(body))
	binary.BigEndian.PutUint32(buf, uint32(len(body)))
	copy(buf[4:], body)
	_, err = w.Write(buf)
	return err
}

// readFrame reads one frame's body. io.EOF means the peer closed cleanly
// between frames; errOversize means the stream cannot be resynchronised.
func readFrame(r io.Reader) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, errTruncated
		}
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > MaxFrame {
		return nil, fmt.Errorf("%d bytes, at most %d: %w", n, MaxFrame, errOversize)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, errTruncated
		}
		return nil, err
	}
	return body, nil
}

// Reasons a decoded request is refused, for the counters.
const (
	reasonOversize    = "oversize"
	reasonTruncated   = "truncated"
	reasonBadJSON     = "bad-json"
	reasonBadVersion  = "bad-version"
	reasonUnknownOp   = "unknown-op"
	reasonMissingArgs = "missing-args"
)

// badRequest is a refused request with the reason it is counted under.
type badRequest struct {
	reason string
	err    error
}

func (b *badRequest) Error() string { return b.err.Error() }
func (b *badRequest) Unwrap() error { return b.err }

// DecodeRequest parses and checks one frame body. Unknown fields are
// refused, like unknown keys in pacer.toml: a misspelt field would
// otherwise be a silent no-op. The error wraps ErrBadRequest.
func DecodeRequest(body []byte) (Request, error) {
	var req Request
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return Request{}, &badRequest{reasonBadJSON, errorf(ErrBadRequest, "decode: %v", err)}
	}
	if dec.More() {
		return Request{}, &badRequest{reasonBadJSON, errorf(ErrBadRequest, "decode: data after the request")}
	}
	if req.Version != Version {
		return Request{}, &badRequest{reasonBadVersion, errorf(ErrBadRequest, "protocol version %d, this pacerd speaks %d", req.Version, Version)}
	}
	if !req.Op.known() {
		return Request{}, &badRequest{reasonUnknownOp, errorf(ErrBadRequest, "unknown op %q", req.Op)}
	}
	if err := req.checkArgs(); err != nil {
		return Request{}, &badRequest{reasonMissingArgs, err}
	}
	return req, nil
}

func (req Request) checkArgs() error {
	if req.Op.admin() {
		return req.checkAdminArgs()
	}
	switch req.Op {
	case OpHistory:
		return req.History.check()
	case OpAttrGet, OpAttrSet, OpAttrDelete:
		a := req.Attr
		if a == nil {
			return errorf(ErrBadRequest, "%s without attr", req.Op)
		}
		if a.Name == "" {
			return errorf(ErrBadRequest, "%s: empty attribute name", req.Op)
		}
		if a.Lifetime != LifetimeReboot && a.Lifetime != LifetimeForever {
			return errorf(ErrBadRequest, "%s: lifetime %q, want %q or %q", req.Op, a.Lifetime, LifetimeReboot, LifetimeForever)
		}
		if a.Delay < 0 {
			return errorf(ErrBadRequest, "%s: negative delay", req.Op)
		}
	case OpLocate:
		if req.Rsc == "" {
			return errorf(ErrBadRequest, "%s: no resource", req.Op)
		}
	case OpCIBReplace:
		if req.CIB == nil || req.CIB.XML == "" {
			return errorf(ErrBadRequest, "%s: no cib.xml", req.Op)
		}
	}
	return nil
}

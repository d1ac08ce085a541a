package control

import (
	"errors"
	"fmt"
)

// Code names an error on the wire, so a client can tell them apart without
// matching text.
type Code string

// The error codes.
const (
	CodeBadRequest       Code = "bad-request"
	CodePermission       Code = "permission"
	CodeUnknownAttribute Code = "unknown-attribute"
	CodeUnknownNode      Code = "unknown-node"
	CodeNotConnected     Code = "not-connected"
	CodeUnavailable      Code = "unavailable"
	CodeUnsupported      Code = "unsupported"
	CodeConflict         Code = "conflict"
	CodeNoLeader         Code = "no-dc"
	CodeInternal         Code = "internal"
)

// Error is an error a server replied with, or one of the sentinels below.
// Two Errors match under errors.Is when their codes are equal, so
// errors.Is(err, control.ErrUnknownAttribute) works on a reply.
type Error struct {
	Code Code   `json:"code"`
	Msg  string `json:"msg"`
}

func (e *Error) Error() string {
	if e.Msg == "" {
		return string(e.Code)
	}
	return e.Msg
}

// Is matches by code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// The sentinels, one per code. Backends wrap them ("%w") and the server
// sends the code with the whole message.
var (
	ErrBadRequest       = &Error{Code: CodeBadRequest, Msg: "bad request"}
	ErrPermission       = &Error{Code: CodePermission, Msg: "permission denied"}
	ErrUnknownAttribute = &Error{Code: CodeUnknownAttribute, Msg: "unknown attribute"}
	ErrUnknownNode      = &Error{Code: CodeUnknownNode, Msg: "unknown node"}
	// ErrNotConnected: pacerd is not running or not reachable (the
	// client's own error), or pacerd is not connected to the cluster.
	ErrNotConnected = &Error{Code: CodeNotConnected, Msg: "not connected"}
	// ErrUnavailable: pacerd cannot answer yet (a resource's location
	// before it holds a CIB).
	ErrUnavailable = &Error{Code: CodeUnavailable, Msg: "not available"}
	ErrUnsupported = &Error{Code: CodeUnsupported, Msg: "not supported"}
	// ErrConflict: a cib.replace lost to a concurrent change; the
	// response carries the CIB it lost to.
	ErrConflict = &Error{Code: CodeConflict, Msg: "configuration changed concurrently"}
	// ErrNoLeader: there is no DC to take the request; retry once one is
	// elected.
	ErrNoLeader = &Error{Code: CodeNoLeader, Msg: "no DC"}
	ErrInternal = &Error{Code: CodeInternal, Msg: "internal error"}
)

// toWire turns a backend's error into the Error sent: its code, when it
// wraps one of the sentinels, and its whole message.
func toWire(err error) *Error {
	var ce *Error
	if errors.As(err, &ce) {
		return &Error{Code: ce.Code, Msg: err.Error()}
	}
	return &Error{Code: CodeInternal, Msg: err.Error()}
}

func errorf(sentinel *Error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))
}

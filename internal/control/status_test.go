package control

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

type fakeStatus struct {
	doc []byte
	err error
}

func (f fakeStatus) Status(context.Context) ([]byte, error) { return f.doc, f.err }

// The status document travels as is; a backend's error keeps its code; a
// pacerd without a status source says so.
func TestStatusRequest(t *testing.T) {
	doc := `{"schema":"pacer-status/1","cluster":"unit","nodes":[{"name":"alpha"}]}`
	s := startServer(t, Backend{Status: fakeStatus{doc: []byte(doc)}}, &Cred{PID: 1, UID: 0})
	got, err := dial(t, s).Status(context.Background())
	if err != nil || string(got) != doc {
		t.Fatalf("Status = %s, %v; want %s", got, err, doc)
	}
	s2 := startServer(t, Backend{Status: fakeStatus{err: fmt.Errorf("%w: no CIB applied yet", ErrUnavailable)}}, &Cred{PID: 1, UID: 0})
	if _, err := dial(t, s2).Status(context.Background()); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Status with a failing backend: %v, want ErrUnavailable", err)
	}
	s3 := startServer(t, Backend{}, &Cred{PID: 1, UID: 0})
	if _, err := dial(t, s3).Status(context.Background()); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("Status without a source: %v, want ErrUnsupported", err)
	}
	// Refused like any request for a user outside haclient.
	s4 := startServer(t, Backend{Status: fakeStatus{doc: []byte(doc)}}, &Cred{PID: 1, UID: 1000, GID: 1000})
	if _, err := dial(t, s4).Status(context.Background()); !errors.Is(err, ErrPermission) {
		t.Fatalf("Status as uid 1000: %v, want ErrPermission", err)
	}
}

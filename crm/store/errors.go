package store

import (
	"errors"
	"fmt"

	"pacer/crm/cib"
)

// ErrConflict is what a config compare-and-swap fails with when the CIB's
// (admin_epoch, epoch) moved since the proposer read it: someone else
// changed the configuration first. The error is a *ConflictError carrying
// the CIB that won, so the caller can merge and retry.
var ErrConflict = errors.New("configuration changed concurrently")

// ErrNoLeader is returned when there is no known leader (DC) to take a
// proposal or a read; the caller retries once one is elected.
var ErrNoLeader = errors.New("no leader")

// ErrStopped is returned by calls on a Node whose loop has stopped.
var ErrStopped = errors.New("store stopped")

// ErrGarbled marks an entry or message that does not decode. It was
// accepted into the log (or came off the wire) but means nothing; it is
// counted and never changes state.
var ErrGarbled = errors.New("garbled")

// ErrUnknownEntry marks an entry type this version does not know and that
// is not ignorable: applying past it would let this node's CIB diverge from
// the nodes that do know it, so apply stops (see entry.go).
var ErrUnknownEntry = errors.New("unknown entry type")

// ErrNoMember is returned by RemoveNode for an id that is not a member.
var ErrNoMember = errors.New("no such member")

// ErrMemberExists is returned by AddNode for a name that is already a
// member.
var ErrMemberExists = errors.New("member already exists")

// ErrIDUsed is returned by AddMemberID for a raft id that was already
// handed out: ids are never reused, so a node that was removed comes back
// under a new one.
var ErrIDUsed = errors.New("raft id already used")

// ErrReaddressed is Step's answer to a leader's message for a newer raft
// id of this node (see SetReaddressed): not garbled, not stepped.
var ErrReaddressed = errors.New("addressed to a new raft id of this node")

// ConflictError is ErrConflict with the state the proposal lost to.
type ConflictError struct {
	Expected Version // what the proposer based its change on
	Current  Version // what the CIB was when the proposal applied
	// CIB is a private copy of the CIB the proposal lost to.
	CIB *cib.CIB
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%v: expected version %s, CIB is at %s", ErrConflict, e.Expected, e.Current)
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

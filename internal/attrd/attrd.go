// Package attrd is pacerd's node attribute manager, Pacemaker's attrd: the
// per-node attributes that resource agents set through crm_attribute,
// crm_master and attrd_updater (promotion scores above all) and that the
// scheduler reads.
//
// Two lifetimes, as in Pacemaker: a transient attribute (lifetime reboot) is
// status, lives until its node restarts, and may be dampened: with a delay,
// a change is written only once the value has stayed unchanged for the
// delay, so a flapping value (a ping score) does not make the cluster
// re-plan on every flap. A permanent attribute (lifetime forever) is
// configuration and is written at once.
//
// Store is the seam: Mem keeps everything in memory for now; the replicated
// CIB (crm/store) takes the written half later, while dampening stays here.
package attrd

import (
	"errors"
	"fmt"
	"time"
)

// Lifetime says where an attribute lives, in crm_attribute's words.
type Lifetime uint8

const (
	// Reboot is a transient attribute: the CIB's status section.
	Reboot Lifetime = iota + 1
	// Forever is a permanent attribute: the node's entry in the
	// configuration.
	Forever
)

func (l Lifetime) String() string {
	switch l {
	case Reboot:
		return "reboot"
	case Forever:
		return "forever"
	}
	return fmt.Sprintf("lifetime(%d)", uint8(l))
}

// ParseLifetime reads crm_attribute's -l values, and the CIB section names
// that -t accepts for the same thing.
func ParseLifetime(s string) (Lifetime, error) {
	switch s {
	case "reboot", "status":
		return Reboot, nil
	case "forever", "nodes":
		return Forever, nil
	}
	return 0, fmt.Errorf("lifetime %q: want reboot or forever", s)
}

// Errors the store returns; callers decide with errors.Is.
var (
	// ErrUnknownAttribute: no such attribute (or not yet written, for a
	// read of the written value).
	ErrUnknownAttribute = errors.New("unknown attribute")
	// ErrUnknownNode: the node is not a member of the cluster's
	// configuration.
	ErrUnknownNode = errors.New("unknown node")
	// ErrInvalid: a malformed request (empty name, bad lifetime).
	ErrInvalid = errors.New("invalid attribute request")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("attribute store closed")
)

// Update is one change of an attribute.
type Update struct {
	Node     string
	Name     string
	Value    string
	Lifetime Lifetime
	// Delay dampens a transient attribute. It is used when the update
	// creates the attribute and ignored otherwise, unless SetDelay is true
	// (attrd_updater -B and -Y), as in Pacemaker.
	Delay    time.Duration
	SetDelay bool
	// KeepValue leaves the value alone and changes only the delay
	// (attrd_updater -Y).
	KeepValue bool
	// Private keeps the attribute in the attribute manager only; it is
	// never written (attrd_updater -p).
	Private bool
}

// Value is what the store knows of one attribute.
type Value struct {
	Node     string
	Name     string
	Lifetime Lifetime
	// Written is the value the cluster acts on (the CIB's), valid when
	// InCIB is true.
	Written string
	InCIB   bool
	// Current is the attribute manager's latest value, the one
	// attrd_updater -Q shows: ahead of Written while a dampened change
	// waits. Empty after a delete.
	Current string
	Delay   time.Duration
	Private bool
}

// Store is the node attribute manager.
type Store interface {
	// Get returns one attribute. It fails with ErrUnknownAttribute when
	// the store has never heard of it (or it was deleted and written).
	Get(node, name string, lt Lifetime) (Value, error)
	// List returns the attribute name on every node that has it, sorted
	// by node (attrd_updater -A).
	List(name string, lt Lifetime) ([]Value, error)
	// Set applies an update.
	Set(u Update) error
	// Delete removes an attribute; a transient one goes through the same
	// dampening as a change. Deleting what does not exist is not an error.
	Delete(node, name string, lt Lifetime) error
}

func (u Update) validate() error {
	if u.Name == "" {
		return fmt.Errorf("%w: empty attribute name", ErrInvalid)
	}
	if u.Node == "" {
		return fmt.Errorf("%w: no node", ErrInvalid)
	}
	if u.Lifetime != Reboot && u.Lifetime != Forever {
		return fmt.Errorf("%w: lifetime %v", ErrInvalid, u.Lifetime)
	}
	if u.Delay < 0 {
		return fmt.Errorf("%w: negative delay %v", ErrInvalid, u.Delay)
	}
	if u.Lifetime == Forever && (u.Delay > 0 || u.Private) {
		// Pacemaker dampens only through attrd, i.e. transient
		// attributes; saying otherwise would be a silent no-op.
		return fmt.Errorf("%w: delay and private apply only to lifetime reboot", ErrInvalid)
	}
	return nil
}

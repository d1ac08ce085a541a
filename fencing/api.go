package fencing

import (
	"errors"
	"time"
)

// Actions a Request may ask for.
const (
	ActionReboot = "reboot"
	ActionOff    = "off"
	ActionOn     = "on" // unfencing
)

// Request is one fencing operation as the DC's coordinator asks for it.
type Request struct {
	Target string // node name to fence
	Action string // "reboot", "off" or "on" (unfencing)
	Origin string // node that asked (the DC)
	Reason string // why, for the log and history

	// Online, when not nil, lists the nodes the caller sees as members of
	// its partition (membership's view); priority-fencing-delay needs it.
	// nil means: read it from the status section (node_state in_ccm and
	// crmd), as Pacemaker's scheduler does.
	Online []string
	// TargetID is the target's node id, passed to agents as nodeid when
	// set; "" looks it up in the configuration's nodes.
	TargetID string
}

// Result is what came of a successful Request.
type Result struct {
	Target, Action string
	Devices        []string // devices that succeeded, in order
	Level          int      // topology level that succeeded (0 when no topology)
	Executor       string   // node that ran the devices
	Started        time.Time
	Completed      time.Time
}

// State is the outcome of one fencing operation in the history.
type State string

const (
	StatePending State = "pending"
	StateSuccess State = "success"
	StateFailed  State = "failed"
)

// HistoryEntry is one fencing operation as Pacemaker's fencing history
// keeps it (stonith_history_t) and as `pacer status` and the status
// section show it. The CIB model has no fencing history element
// (Pacemaker keeps the history in fenced's memory, not in the CIB), so
// the type lives here; the coordinator commits what it needs from it.
type HistoryEntry struct {
	ID        uint64 // increasing per Fencer
	Target    string
	Action    string
	Origin    string // the node that asked
	Executor  string // the node that ran the devices
	Reason    string
	Devices   []string // devices that succeeded (success) or were tried (failed)
	Level     int
	State     State
	Error     string // why it failed; "" on success
	Started   time.Time
	Completed time.Time // zero while pending
}

// Errors Fence wraps; errors.Is finds them.
var (
	// ErrSelfFence: a node never fences itself through a device; that
	// is the watchdog's job.
	ErrSelfFence = errors.New("a node never fences itself through a device")
	// ErrNoDevice: no usable device can fence the target.
	ErrNoDevice = errors.New("no fence device can fence the target")
	// ErrFailed: every device or level was tried and none succeeded.
	ErrFailed = errors.New("fencing failed")
	// ErrBadRequest: the request itself is wrong (empty target, unknown
	// action).
	ErrBadRequest = errors.New("invalid fencing request")
	// ErrNoCIB: SetCIB was never called.
	ErrNoCIB = errors.New("fencer has no CIB yet")
)

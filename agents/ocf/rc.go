package ocf

import "strconv"

// RC is an OCF exit code, with the names Pacemaker uses in its logs and
// in crm_mon.
type RC int

// The OCF Resource Agent API exit codes (ocf-returncodes, Pacemaker's
// enum ocf_exitcode).
const (
	Success          RC = 0   // OCF_SUCCESS
	ErrGeneric       RC = 1   // OCF_ERR_GENERIC
	ErrArgs          RC = 2   // OCF_ERR_ARGS
	ErrUnimplemented RC = 3   // OCF_ERR_UNIMPLEMENTED
	ErrPerm          RC = 4   // OCF_ERR_PERM
	ErrInstalled     RC = 5   // OCF_ERR_INSTALLED
	ErrConfigured    RC = 6   // OCF_ERR_CONFIGURED
	NotRunning       RC = 7   // OCF_NOT_RUNNING
	RunningPromoted  RC = 8   // OCF_RUNNING_PROMOTED (formerly OCF_RUNNING_MASTER)
	FailedPromoted   RC = 9   // OCF_FAILED_PROMOTED (formerly OCF_FAILED_MASTER)
	Degraded         RC = 190 // OCF_DEGRADED
	DegradedPromoted RC = 191 // OCF_DEGRADED_PROMOTED
)

var rcNames = map[RC]string{
	Success:          "OCF_SUCCESS",
	ErrGeneric:       "OCF_ERR_GENERIC",
	ErrArgs:          "OCF_ERR_ARGS",
	ErrUnimplemented: "OCF_ERR_UNIMPLEMENTED",
	ErrPerm:          "OCF_ERR_PERM",
	ErrInstalled:     "OCF_ERR_INSTALLED",
	ErrConfigured:    "OCF_ERR_CONFIGURED",
	NotRunning:       "OCF_NOT_RUNNING",
	RunningPromoted:  "OCF_RUNNING_PROMOTED",
	FailedPromoted:   "OCF_FAILED_PROMOTED",
	Degraded:         "OCF_DEGRADED",
	DegradedPromoted: "OCF_DEGRADED_PROMOTED",
}

// String is the rc_text operators see in logs; an unknown code prints as
// OCF_UNKNOWN(n) so the number is never lost.
func (rc RC) String() string {
	if s, ok := rcNames[rc]; ok {
		return s
	}
	return "OCF_UNKNOWN(" + strconv.Itoa(int(rc)) + ")"
}

// Known reports whether rc is one of the codes the OCF API defines.
func (rc RC) Known() bool {
	_, ok := rcNames[rc]
	return ok
}

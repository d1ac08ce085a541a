package resources

import "strconv"

// OpStatus is how the attempt to execute an operation went, apart from
// the agent's own exit code: Pacemaker's enum pcmk_exec_status, the
// op-status attribute of an lrm_rsc_op. The numbers are Pacemaker's, so
// a status section written by pacer reads the same to crm_mon.
type OpStatus int

const (
	StatusPending       OpStatus = -1 // PCMK_EXEC_PENDING
	StatusDone          OpStatus = 0  // PCMK_EXEC_DONE: the agent ran; rc is its result
	StatusCancelled     OpStatus = 1  // PCMK_EXEC_CANCELLED
	StatusTimedOut      OpStatus = 2  // PCMK_EXEC_TIMEOUT: rc is 1
	StatusNotSupported  OpStatus = 3  // PCMK_EXEC_NOT_SUPPORTED
	StatusError         OpStatus = 4  // PCMK_EXEC_ERROR: could not run, or killed by a signal
	StatusErrorHard     OpStatus = 5  // PCMK_EXEC_ERROR_HARD
	StatusErrorFatal    OpStatus = 6  // PCMK_EXEC_ERROR_FATAL
	StatusNotInstalled  OpStatus = 7  // PCMK_EXEC_NOT_INSTALLED: the agent is missing
	StatusNotConnected  OpStatus = 8  // PCMK_EXEC_NOT_CONNECTED
	StatusInvalid       OpStatus = 9  // PCMK_EXEC_INVALID
	StatusNoFenceDevice OpStatus = 10 // PCMK_EXEC_NO_FENCE_DEVICE
	StatusNoSecrets     OpStatus = 11 // PCMK_EXEC_NO_SECRETS
)

// String is pcmk_exec_status_str: the words crm_mon prints.
func (s OpStatus) String() string {
	switch s {
	case StatusPending:
		return "pending"
	case StatusDone:
		return "complete"
	case StatusCancelled:
		return "Cancelled"
	case StatusTimedOut:
		return "Timed Out"
	case StatusNotSupported:
		return "NOT SUPPORTED"
	case StatusError:
		return "Error"
	case StatusErrorHard:
		return "Hard error"
	case StatusErrorFatal:
		return "Fatal error"
	case StatusNotInstalled:
		return "Not installed"
	case StatusNotConnected:
		return "Internal communication failure"
	case StatusInvalid:
		return "Cannot execute now"
	case StatusNoFenceDevice:
		return "No fence device"
	case StatusNoSecrets:
		return "CIB secrets unavailable"
	}
	return "UNKNOWN(" + strconv.Itoa(int(s)) + ")"
}

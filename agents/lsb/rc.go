package lsb

// Exit codes of an init script's status action (LSB core specification,
// "Init Script Actions"), with the two codes Pacemaker adds in the range
// the LSB reserves for applications (enum lsb_status_exitcode).
const (
	StatusRunning          = 0   // program is running or service is OK
	StatusDeadPIDFile      = 1   // program is dead and /var/run pid file exists
	StatusDeadLockFile     = 2   // program is dead and /var/lock lock file exists
	StatusNotRunning       = 3   // program is not running
	StatusUnknown          = 4   // program or service status is unknown
	StatusNotInstalled     = 150 // Pacemaker's PCMK_LSB_STATUS_NOT_INSTALLED
	StatusInsufficientPriv = 151 // Pacemaker's PCMK_LSB_STATUS_INSUFFICIENT_PRIV
	maxSharedExit          = 7   // other actions share OCF's meaning up to here
)

// The OCF codes ToOCF returns. They are the numbers of ocf.RC; this leaf
// package does not import ocf, as agents' runner does not either.
const (
	ocfSuccess      = 0
	ocfErrGeneric   = 1
	ocfErrPerm      = 4
	ocfErrInstalled = 5
	ocfNotRunning   = 7
)

// ToOCF maps an init script's exit code to the OCF code Pacemaker records
// (services__lsb2ocf). The status action, which "monitor" runs, has its own
// codes: 0 is running; 1 and 2 (dead, but a pid or lock file is left) and
// 3 are not running; 150 and 151 are Pacemaker's not installed and
// insufficient privileges; anything else, 4 (unknown) included, is a
// generic error. For every other action the LSB codes 0-7 mean what the
// OCF codes mean, and anything else is a generic error.
func ToOCF(action string, exit int) int {
	switch ScriptAction(action) {
	case "status":
		switch exit {
		case StatusRunning:
			return ocfSuccess
		case StatusDeadPIDFile, StatusDeadLockFile, StatusNotRunning:
			return ocfNotRunning
		case StatusNotInstalled:
			return ocfErrInstalled
		case StatusInsufficientPriv:
			return ocfErrPerm
		}
		return ocfErrGeneric
	}
	if exit < 0 || exit > maxSharedExit {
		return ocfErrGeneric
	}
	return exit
}

package stonith

// Power is a plug's state as the status action reports it.
type Power int

const (
	PowerUnknown Power = iota // the agent failed or answered something else
	PowerOn
	PowerOff
)

// Exit codes of a fence agent (the fence agent API; fencing.py).
const (
	ExitSuccess = 0 // the action succeeded; for status, the plug is on
	ExitError   = 1 // the action failed; for status, the state is unknown
	ExitOff     = 2 // status only: the plug is off
)

func (p Power) String() string {
	switch p {
	case PowerOn:
		return "on"
	case PowerOff:
		return "off"
	}
	return "unknown"
}

// PowerFromStatus reads the status action's exit code: 0 is on, 2 is off,
// and anything else (1, or a code the API does not define) leaves the
// state unknown, which the fencer must treat as a failed status.
func PowerFromStatus(exit int) Power {
	switch exit {
	case ExitSuccess:
		return PowerOn
	case ExitOff:
		return PowerOff
	}
	return PowerUnknown
}

package cib

import (
	"fmt"
	"strings"
)

// Role is a resource role. Pacemaker 2.1 accepts the legacy names Master and
// Slave alongside Promoted and Unpromoted.
type Role int

const (
	RoleUnknown Role = iota
	RoleStopped
	RoleStarted
	RoleUnpromoted
	RolePromoted
)

// ParseRole reads a role name in either vocabulary (case-insensitive).
func ParseRole(s string) (Role, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "stopped":
		return RoleStopped, nil
	case "started":
		return RoleStarted, nil
	case "unpromoted", "slave":
		return RoleUnpromoted, nil
	case "promoted", "master":
		return RolePromoted, nil
	}
	return RoleUnknown, fmt.Errorf("role %q: want Stopped, Started, Promoted or Unpromoted (Master/Slave also accepted)", s)
}

func (r Role) String() string {
	switch r {
	case RoleStopped:
		return "Stopped"
	case RoleStarted:
		return "Started"
	case RoleUnpromoted:
		return "Unpromoted"
	case RolePromoted:
		return "Promoted"
	}
	return "Unknown"
}

package cib

import (
	"time"

	"pacer/internal/pcmktime"
)

// ParseDuration reads a time span in Pacemaker's syntax (crm_get_msec units
// or ISO 8601); see pcmktime.ParseDuration.
func ParseDuration(s string) (time.Duration, error) { return pcmktime.ParseDuration(s) }

// ParseInterval is ParseDuration for op intervals, where "0" means not
// recurring; see pcmktime.ParseInterval.
func ParseInterval(s string) (time.Duration, error) { return pcmktime.ParseInterval(s) }

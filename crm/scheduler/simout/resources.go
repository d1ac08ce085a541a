package simout

import (
	"strings"

	"pacer/crm/scheduler"
)

// WriteResources prints resources as crm_mon's "Full List of Resources"
// lists them (the same lines crm_simulate's cluster status shows), each
// line starting with indent. `pacer status` uses it so both print a
// resource the same way.
func WriteResources(b *strings.Builder, list []*scheduler.ResourceStatus, indent string) {
	for _, r := range list {
		writeResource(b, r, indent, nil)
	}
}

package systemd

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
)

// ErrBadName is returned for a unit name pacer refuses before asking
// systemd: empty, or holding a slash or a control character. A slash
// would also let the name escape the override directory.
var ErrBadName = errors.New("invalid systemd unit name")

// unitSuffixes are the unit types a systemd resource may name, as in
// Pacemaker's systemd_unit_extension; any other name is a service.
var unitSuffixes = []string{".service", ".socket", ".mount", ".timer", ".path"}

// UnitName turns a resource's type into the unit systemd knows: "httpd"
// becomes "httpd.service", "data.mount" stays as it is. A template named
// without an instance ("getty@") gets the instance "pacer", only so that
// meta-data can look the template up (Pacemaker does the same with
// "pacemaker"); start and stop pass such a name to systemd unchanged,
// which refuses it.
func UnitName(typ string, forMetadata bool) (string, error) {
	if typ == "" {
		return "", fmt.Errorf("systemd unit %q: %w", typ, ErrBadName)
	}
	for _, r := range typ {
		if r == '/' || r < 0x20 || r == 0x7f {
			return "", fmt.Errorf("systemd unit %q: %w", typ, ErrBadName)
		}
	}
	for _, suf := range unitSuffixes {
		if strings.HasSuffix(typ, suf) && len(typ) > len(suf) {
			base := strings.TrimSuffix(typ, suf)
			if forMetadata && strings.HasSuffix(base, "@") {
				return base + "pacer" + suf, nil
			}
			return typ, nil
		}
	}
	if forMetadata && strings.HasSuffix(typ, "@") {
		return typ + "pacer.service", nil
	}
	return typ + ".service", nil
}

// State is what a unit's ActiveState means to the cluster.
type State int

const (
	// Running: the unit is up (OCF_SUCCESS).
	Running State = iota
	// Stopped: the unit is down or failed (OCF_NOT_RUNNING).
	Stopped
	// Pending: the unit is on its way up or down; ask again later.
	Pending
)

// ParseActiveState maps a unit's ActiveState as Pacemaker's
// parse_status_result does: active and reloading are running, activating
// and deactivating are pending, everything else (inactive, failed,
// maintenance) is not running. "refreshing" (systemd 257: an active unit
// refreshing its mounts) postdates Pacemaker's table; it is an active unit
// and is counted as running, so a refresh never triggers a recovery.
func ParseActiveState(s string) State {
	switch s {
	case "active", "reloading", "refreshing":
		return Running
	case "activating", "deactivating":
		return Pending
	}
	return Stopped
}

// OCF exit codes the class reports, with ocf.RC's numbers: the class may
// not import its sibling package ocf (the layering allows only the parent).
const (
	rcSuccess       = 0 // OCF_SUCCESS
	rcGeneric       = 1 // OCF_ERR_GENERIC
	rcUnimplemented = 3 // OCF_ERR_UNIMPLEMENTED
	rcNotInstalled  = 5 // OCF_ERR_INSTALLED
	rcNotRunning    = 7 // OCF_NOT_RUNNING
)

// RC is the OCF code a monitor reports for a settled state.
func (s State) RC() int {
	if s == Running {
		return rcSuccess
	}
	return rcNotRunning
}

// Metadata is the meta-data of a systemd resource, synthesised as
// Pacemaker's systemd_unit_metadata does: systemd units take no
// parameters, and the description is the unit's Description property.
func Metadata(typ, description string) []byte {
	if description == "" {
		description = "Systemd unit file for " + typ
	}
	var b bytes.Buffer
	esc := func(s string) string {
		var e bytes.Buffer
		_ = xml.EscapeText(&e, []byte(s)) // writes to a Buffer cannot fail
		return e.String()
	}
	fmt.Fprintf(&b, `<?xml version="1.0"?>
<resource-agent name="%s" version="1.0">
  <version>1.1</version>
  <longdesc lang="en">
    %s
  </longdesc>
  <shortdesc lang="en">systemd unit file for %s</shortdesc>
  <parameters/>
  <actions>
    <action name="start"     timeout="100s" />
    <action name="stop"      timeout="100s" />
    <action name="status"    timeout="100s" />
    <action name="monitor"   timeout="100s" interval="60s" />
    <action name="meta-data" timeout="5s" />
  </actions>
  <special tag="systemd"/>
</resource-agent>
`, esc(typ), esc(description), esc(typ))
	return b.Bytes()
}

// overrideName is the drop-in pacer writes for a unit it starts, in
// RunDir/UNIT.d/, as Pacemaker writes 50-pacemaker.conf.
const overrideName = "50-pacer.conf"

// Override is the drop-in's text. Before=pacerd.service is never used
// for starting (pacerd starts the unit); its point is the reverse order at
// shutdown: systemd stops the unit only after pacerd, so the cluster, not
// the host's shutdown, decides when a clustered service stops. Restart=no
// keeps systemd from restarting what the cluster is recovering; it is
// only valid for services.
func Override(unit string) []byte {
	s := "[Unit]\nDescription=Cluster Controlled " + unit + "\nBefore=pacerd.service\n"
	if strings.HasSuffix(unit, ".service") {
		s += "\n[Service]\nRestart=no\n"
	}
	return []byte(s)
}

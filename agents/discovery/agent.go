package discovery

import (
	"errors"
	"fmt"
	"strings"
)

// Agent names one agent: "ocf:heartbeat:Dummy", "lsb:apache2",
// "stonith:fence_xvm".
type Agent struct {
	Class    string
	Provider string // ocf only
	Type     string
}

// String is the agent's name as the CIB and crm shell write it.
func (a Agent) String() string {
	if a.Provider != "" {
		return a.Class + ":" + a.Provider + ":" + a.Type
	}
	return a.Class + ":" + a.Type
}

// ErrBadAgent is wrapped by ParseAgent's errors.
var ErrBadAgent = errors.New("invalid agent name")

// ParseAgent reads CLASS:PROVIDER:TYPE for ocf and CLASS:TYPE for the
// other classes, as Pacemaker's crm_parse_agent_spec does: only ocf has
// providers, and a type may itself hold colons ("systemd:getty@tty1" is
// fine, and so is "service:a:b"). The class is not checked here; Info and
// List report an unknown one.
func ParseAgent(spec string) (Agent, error) {
	class, rest, ok := strings.Cut(spec, ":")
	if !ok || class == "" {
		return Agent{}, fmt.Errorf("%w %q: want CLASS:TYPE or ocf:PROVIDER:TYPE", ErrBadAgent, spec)
	}
	a := Agent{Class: strings.ToLower(class)}
	if a.Class == ClassOCF {
		provider, typ, ok := strings.Cut(rest, ":")
		if !ok || provider == "" {
			return Agent{}, fmt.Errorf("%w %q: an ocf agent is ocf:PROVIDER:TYPE", ErrBadAgent, spec)
		}
		a.Provider, rest = provider, typ
	}
	if rest == "" {
		return Agent{}, fmt.Errorf("%w %q: no type", ErrBadAgent, spec)
	}
	a.Type = rest
	return a, nil
}

package stonith

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"pacer/agents"
)

// DefaultDir is where fence agents live (Pacemaker's PCMK__FENCE_BINDIR).
const DefaultDir = "/usr/sbin"

// Prefix starts every fence agent's name; Pacemaker lists and runs only
// such programs as RHCS-style agents.
const Prefix = "fence_"

// AgentPath is the PATH a fence agent gets; the runner passes no other
// environment (fence-agents' library sets LANG and LC_ALL itself).
const AgentPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Meta attributes of an agents.Request that carry what a fencing action
// needs beyond the device's parameters.
const (
	MetaTarget   = "fence-target"        // the node to fence; "" for device actions
	MetaTargetID = "fence-target-nodeid" // its node id, passed as nodeid when given
)

// ErrBadName is returned for an agent name that is not a single path
// element starting with "fence_".
var ErrBadName = errors.New("invalid fence agent name")

// ErrUnknownAction is returned for an action no fence agent implements.
var ErrUnknownAction = errors.New("unknown fence action")

// Actions fence agents implement (fence-agents' fencing.py and the fence
// agent API). "meta-data" is accepted as Pacemaker's name for "metadata".
var Actions = []string{"off", "on", "reboot", "status", "monitor", "list", "list-status", "metadata", "validate-all"}

// Path returns DIR/TYPE ("" dir for DefaultDir).
func Path(dir, typ string) (string, error) {
	if !strings.HasPrefix(typ, Prefix) || typ == Prefix || strings.ContainsAny(typ, "/\x00") {
		return "", fmt.Errorf("fence agent %q: %w", typ, ErrBadName)
	}
	if dir == "" {
		dir = DefaultDir
	}
	return filepath.Join(dir, typ), nil
}

// AgentAction is the action name a fence agent understands for action:
// "meta-data" (the name every other class uses) becomes "metadata".
func AgentAction(action string) (string, error) {
	a := strings.ToLower(action)
	if a == "meta-data" {
		a = "metadata"
	}
	for _, known := range Actions {
		if a == known {
			return a, nil
		}
	}
	return "", fmt.Errorf("%w %q (want one of %s)", ErrUnknownAction, action, strings.Join(Actions, ", "))
}

// Class is the stonith agent class.
type Class struct {
	Dir string // "" for DefaultDir; tests point it at a temporary directory
}

var _ agents.Class = Class{}

// Command builds the invocation for req: the agent with no arguments and
// BuildArgs's lines on stdin.
func (c Class) Command(req agents.Request) (agents.Command, error) {
	p, err := Path(c.Dir, req.Type)
	if err != nil {
		return agents.Command{}, fmt.Errorf("stonith command: %w", err)
	}
	action, err := AgentAction(req.Action)
	if err != nil {
		return agents.Command{}, fmt.Errorf("stonith command %s: %w", p, err)
	}
	stdin, err := BuildArgs(Args{
		Action:   action,
		Target:   req.Meta[MetaTarget],
		TargetID: req.Meta[MetaTargetID],
		Params:   req.Params,
	})
	if err != nil {
		return agents.Command{}, fmt.Errorf("stonith command %s %s: %w", p, action, err)
	}
	return agents.Command{Path: p, Env: []string{"PATH=" + AgentPath}, Stdin: stdin}, nil
}

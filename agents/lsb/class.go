package lsb

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"pacer/agents"
)

// DefaultDir is where init scripts live (Pacemaker's PCMK__LSB_INIT_DIR).
const DefaultDir = "/etc/init.d"

// AgentPath is the PATH an init script gets. The runner passes no other
// environment: Pacemaker's executor passes its own, which holds nothing a
// script may rely on beyond PATH.
const AgentPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// ErrBadName is returned for a script name that is not a single path
// element: such a name would let a CIB entry execute any file.
var ErrBadName = errors.New("invalid lsb script name")

// Path returns DIR/TYPE ("" dir for DefaultDir). It refuses a type that is
// empty, ".", "..", or contains a slash or NUL.
func Path(dir, typ string) (string, error) {
	if typ == "" || typ == "." || typ == ".." || strings.ContainsAny(typ, "/\x00") {
		return "", fmt.Errorf("lsb type %q: %w", typ, ErrBadName)
	}
	if dir == "" {
		dir = DefaultDir
	}
	return filepath.Join(dir, typ), nil
}

// Class is the lsb agent class.
type Class struct {
	Dir string // "" for DefaultDir; tests point it at a temporary directory
}

var _ agents.Class = Class{}

// Command builds the invocation for req: DIR/TYPE ACTION, with "monitor"
// turned into "status". It does not touch the file system; the runner
// reports a missing script as not installed.
func (c Class) Command(req agents.Request) (agents.Command, error) {
	if req.Action == "" {
		return agents.Command{}, fmt.Errorf("lsb command: empty action")
	}
	if strings.ContainsRune(req.Action, 0) {
		return agents.Command{}, fmt.Errorf("lsb command: action %q contains NUL", req.Action)
	}
	p, err := Path(c.Dir, req.Type)
	if err != nil {
		return agents.Command{}, fmt.Errorf("lsb command: %w", err)
	}
	return agents.Command{Path: p, Args: []string{ScriptAction(req.Action)}, Env: []string{"PATH=" + AgentPath}}, nil
}

// ScriptAction is the argument the script gets for an action: init
// scripts know "status", not "monitor" (Pacemaker's pcmk_ra_cap_status).
func ScriptAction(action string) string {
	if strings.EqualFold(action, "monitor") {
		return "status"
	}
	return action
}

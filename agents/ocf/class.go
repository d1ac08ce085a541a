package ocf

import (
	"fmt"

	"pacer/agents"
)

// Class is the ocf agent class: it runs ROOT/resource.d/PROVIDER/TYPE with
// the action as its only argument and the environment from BuildEnv.
type Class struct {
	Root string // OCF_ROOT; "" for DefaultRoot
}

var _ agents.Class = Class{}

// Command builds the invocation for req. It does not touch the file
// system; the runner reports a missing agent.
func (c Class) Command(req agents.Request) (agents.Command, error) {
	if req.Action == "" {
		return agents.Command{}, fmt.Errorf("ocf command: empty action")
	}
	p, err := Path(c.Root, req.Provider, req.Type)
	if err != nil {
		return agents.Command{}, fmt.Errorf("ocf command: %w", err)
	}
	env, err := BuildEnv(req, c.Root)
	if err != nil {
		return agents.Command{}, fmt.Errorf("ocf command %s: %w", p, err)
	}
	return agents.Command{Path: p, Args: []string{req.Action}, Env: env}, nil
}

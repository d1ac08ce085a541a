package ocf

import (
	"fmt"
	"sort"
	"strings"

	"pacer/agents"
)

// Class is the ocf agent class: it runs ROOT/resource.d/PROVIDER/TYPE with
// the action as its only argument and the environment from BuildEnv.
type Class struct {
	Root string // OCF_ROOT; "" for DefaultRoot
	// Env replaces or adds environment variables for every agent: the
	// daemon sets PATH and HA_SBIN_DIR so that agents find pacer's
	// crm_* helper commands first (internal/helperpath.Env).
	Env map[string]string
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
	if len(c.Env) > 0 {
		env = overrideEnv(env, c.Env)
	}
	return agents.Command{Path: p, Args: []string{req.Action}, Env: env}, nil
}

// overrideEnv replaces the KEY=VALUE entries named in extra and appends
// the others, keeping the list sorted by name.
func overrideEnv(env []string, extra map[string]string) []string {
	out := make([]string, 0, len(env)+len(extra))
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := extra[k]; !ok {
			out = append(out, kv)
		}
	}
	for k, v := range extra {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

package resources

import (
	"fmt"

	"go.uber.org/zap"

	"pacer/agents"
)

// needsMetadata is crm_op_needs_metadata: the actions whose history
// carries restart and secure digests, for classes with parameters. Only
// ocf for now: a fence agent's meta-data comes through the fencer.
func needsMetadata(class, action string) bool {
	if class != "ocf" {
		return false
	}
	switch action {
	case "start", "monitor", "promote", "demote", "reload", "reload-agent",
		"migrate_to", "migrate_from", "notify":
		return true
	}
	return false
}

// agentInfoFor returns the op's agent meta-data, cached per agent and
// read again before every start so an upgraded agent is noticed. When
// the agent cannot say, the op is recorded with op-digest only, as
// Pacemaker does.
func (e *Executor) agentInfoFor(op Op) *agentInfo {
	rs := op.Resource
	if !needsMetadata(rs.Class, op.Action) {
		return nil
	}
	key := rs.Class + ":" + rs.Provider + ":" + rs.Type
	e.mu.Lock()
	cached := e.meta[key]
	e.mu.Unlock()
	if cached != nil && op.Action != "start" {
		return cached
	}
	res, err := e.runner.Run(e.ctx, agents.Request{
		Class: rs.Class, Provider: rs.Provider, Type: rs.Type, Action: "meta-data", Timeout: e.cfg.MetadataTimeout,
	})
	if err == nil && res.RC != 0 {
		err = fmt.Errorf("rc %d", res.RC)
	}
	var info *agentInfo
	if err == nil {
		info, err = parseAgentInfo([]byte(res.Output))
	}
	if err != nil {
		e.lg.Warn("agent meta-data unavailable", rscField(rs.ID), zap.String("agent", key), zap.Error(err))
		return cached
	}
	e.mu.Lock()
	e.meta[key] = info
	e.mu.Unlock()
	return info
}

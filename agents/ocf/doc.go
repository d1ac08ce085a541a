// Package ocf is the OCF Resource Agent API class: the environment an agent
// gets (BuildEnv, as Pacemaker's executor builds it), where an agent lives
// (Path, refusing names that leave OCF_ROOT), the exit codes with
// Pacemaker's names (RC), and the meta-data an agent describes itself with
// (ParseMetadata). Everything here is pure except Class, which only builds
// an agents.Command for agents.ProcessRunner to run.
package ocf

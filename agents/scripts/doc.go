// Package scripts holds the agents pacer ships, as files to install, and
// the tests that run them through pacer's own runner:
//
//   - ocf/pacer/Dummy: ocf:pacer:Dummy, a self-contained POSIX sh OCF
//     agent (a state file, plus op_sleep, fail_start and fail_monitor
//     knobs for tests). Installed as OCF_ROOT/resource.d/pacer/Dummy.
//   - fence/fence_pacer_lab: a fence agent in the fence-agents API that
//     powers off a lab host living in a network namespace. Installed in
//     /usr/sbin beside the distribution's fence_* agents.
//
// There is no Go API here; docs/shipped-agents.md describes the agents.
package scripts

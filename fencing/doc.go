// Package fencing is STONITH, Pacemaker's fenced as a library the DC's
// coordinator calls: Fencer.Fence(Request) runs the fence devices of the
// current CIB against a node and returns only when the node is fenced or
// every option failed. Fencing is never assumed; the coordinator retries
// (FenceRetry is its policy).
//
//   - Devices are the configuration's stonith-class primitives
//     (Devices); target-role=Stopped or a negative location score on the
//     executor makes one unusable there.
//   - Which device can fence which node: pcmk_host_list, pcmk_host_map,
//     pcmk_host_check (static-list, dynamic-list through the agent's
//     list, status, none) with Pacemaker's defaults.
//   - Fencing topology (TopologyFor): levels tried by index, every
//     device of a level must succeed, a reboot across several devices
//     is off on all then on on all.
//   - Delays: pcmk_delay_base / pcmk_delay_max (DeviceDelay) and
//     priority-fencing-delay (PriorityDelay).
//   - Timeouts (pcmk_ACTION_timeout, stonith-timeout) kill the agent's
//     process group through agents.Runner; pcmk_ACTION_retries and
//     pcmk_action_limit as in Pacemaker.
//   - Unfencing: action "on" through every device that needs it.
//   - History: every request's outcome (History).
//
// A node never fences itself through a device: a request whose target is
// the executor or the origin is refused (ErrSelfFence); self-fencing is
// the watchdog's job. docs/fencing.md is the operator's view.
package fencing

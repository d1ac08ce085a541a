// Package stonith is the stonith agent class: fence agents (fence-agents'
// fence_* programs, and any program following the same API) run with no
// arguments and their parameters as "key=value" lines on stdin, as
// Pacemaker's fencer runs them (lib/fencing/st_actions.c, st_rhcs.c).
//
// The pure pieces:
//   - Path: where a fence agent lives, refusing names that leave the
//     directory or do not start with "fence_".
//   - BuildArgs: the stdin lines for an action: action=..., nodename and
//     the host argument (port or plug) for the target, and the device's
//     instance attributes minus those Pacemaker handles itself (pcmk_*,
//     provides, stonith-timeout, meta attributes).
//   - PowerFromStatus: the status action's exit code (0 on, 2 off).
//   - ParseList: the list (and list-status) action's output.
//   - ParseHostMap: pcmk_host_map, the node-to-plug map.
//   - ParseMetadata: the fence agent's meta-data XML, with the attributes
//     fence agents add to the OCF format (shortdesc as an attribute,
//     deprecated and obsoletes parameters, automatic and on_target
//     actions), and DefaultHostArg/Normalized as Pacemaker reads it.
//
// Class builds the agents.Command. agents.Request has no field for the
// node being fenced, so the fencer passes it as the meta attribute
// MetaTarget (and its node id as MetaTargetID); meta attributes are never
// passed to a fence agent otherwise.
//
// The package imports nothing from pacer but agents and internal/pcmktime.
package stonith

// Package lsb is the lsb agent class: init scripts in /etc/init.d run with
// the action as their only argument, as Pacemaker's services library runs
// them (services_lsb.c).
//
// Three pure pieces and one builder:
//   - Path: where an init script lives, refusing names that leave the
//     directory.
//   - ToOCF: the script's exit code mapped to the OCF code Pacemaker
//     records. agents.ProcessRunner returns the raw exit code; the executor
//     applies ToOCF to a result of class lsb when the script exited by
//     itself (the runner's own codes for a timeout or a missing script are
//     already OCF codes).
//   - ParseHeader and Metadata: the "### BEGIN INIT INFO" block and the
//     resource-agent XML Pacemaker synthesises from it (init scripts have
//     no meta-data action).
//   - Class builds the agents.Command; "monitor" runs the script's
//     "status", as Pacemaker does for every class with the status
//     capability.
//
// The package imports nothing from pacer but agents, so each class stays a
// leaf of the agents tree.
package lsb

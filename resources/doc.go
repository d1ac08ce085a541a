// Package resources is the local executor (Pacemaker's pacemaker-execd
// together with the controller's LRM history): it runs agent operations
// through agents.Runner, one at a time per resource in arrival order and
// different resources concurrently, with the timeouts the request gives;
// runs recurring monitors locally on the injected clock and reports only
// changes; keeps each resource's operation history in the form of the
// CIB status section (lrm_rsc_op, with Pacemaker's ids, call ids and
// digests); and probes at start so a restarted daemon learns what really
// runs.
//
// The executor never calls os/exec and never reads the wall clock: the
// runner and the clock are injected, so tests and the simulator drive it
// with a fake runner and clock.Fake. ParamsDigest is the pure half of the
// digests, byte-identical to the scheduler's.
//
// See docs/executor.md for the operator's view and the decisions taken.
package resources

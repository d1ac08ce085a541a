// Package resources is the local executor (Pacemaker's execd): it runs
// agent operations through agents.Runner, one at a time per resource, with
// timeouts; runs recurring monitors locally and reports only changes; keeps
// the operation history; and probes at start so a restarted daemon learns
// what really runs.
//
// Delivered by issue 8; this file fixes the package's place in the layout.
package resources

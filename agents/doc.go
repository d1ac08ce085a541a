// Package agents runs resource and fence agents. Its Runner is the only
// place pacer executes an agent; resources and fencing use it and never
// os/exec. It imports nothing from pacer above internal/clock and
// internal/cluster.
//
// What exists (issue 8, first piece):
//   - Request, Result, Runner: the seam. Results are data (rc, bounded
//     output, exit reason, duration, timeout/cancel/signal); the package
//     never logs.
//   - Class and Command: a class builds the whole invocation (path, argv,
//     environment, stdin) as pure data, golden-testable apart from running.
//   - ProcessRunner: runs a Command in its own process group with stdin from
//     /dev/null (or the Command's bytes) and exactly the built environment;
//     on timeout or context end it sends SIGTERM, then SIGKILL after a
//     grace period, to the whole group, and reports rc 1 as Pacemaker's
//     executor does. Output is bounded; children are always reaped.
//   - ocf/: the OCF class (BuildEnv, Path, exit codes as RC, meta-data
//     parsing).
//
// Still to come in issue 8: the lsb, systemd and stonith classes, discovery
// (pacer ra list / info), and the agent scripts pacer ships.
package agents

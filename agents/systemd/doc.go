// Package systemd is the systemd agent class: resources of class
// "systemd" are units managed through systemd's D-Bus API
// (org.freedesktop.systemd1 on the system bus), as Pacemaker's
// services_systemd.c manages them. No process is executed, so the class is
// an agents.Runner of its own rather than an agents.Class.
//
//   - start: LoadUnit, write the drop-in that orders the unit before
//     pacerd (and Reload), StartUnit(unit, "replace"), wait for the job's
//     JobRemoved signal, then read ActiveState until it settles: active is
//     success, anything else an error.
//   - stop: remove the drop-in, StopUnit(unit, "replace"), wait for the
//     job, then ActiveState until the unit is down. An unknown unit is
//     stopped.
//   - monitor, status: ActiveState, mapped as Pacemaker maps it
//     (ParseActiveState); a unit in transition is asked again until it
//     settles or the op times out.
//   - meta-data: synthesised, with the unit's Description.
//
// A type without a unit suffix is a service: "httpd" is httpd.service.
// Where systemd is not PID 1 (no /run/systemd/system, sd_booted's test)
// start and monitor fail with ErrNotBooted and rc 5, so the scheduler
// places the resource elsewhere; stop succeeds (no unit runs there), and
// meta-data is synthesised without asking systemd.
package systemd

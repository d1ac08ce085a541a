// Package agents runs resource and fence agents: the ocf, lsb, systemd and
// stonith classes, agent discovery (pacer ra list / info), and the agent
// scripts pacer ships. Its Runner is the only place pacer executes an agent;
// resources and fencing use it and never os/exec. It imports nothing from
// pacer above internal/clock and internal/cluster.
//
// Delivered by issue 8 (the local executor and agent classes); this file
// fixes the package's place in the layout so the layering test covers it.
package agents

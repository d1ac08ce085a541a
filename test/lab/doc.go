// Package lab builds a rack of cluster hosts on one Linux machine, as root,
// out of kernel namespaces, and runs real pacerd processes in it.
//
// A lab named L has:
//
//   - one network namespace per host, pacer-L-<host> (the plug name the lab
//     fence agent fence_pacer_lab powers off), each with its own mount
//     namespace and a private /run held by a small holder process, so a
//     Filesystem mount or an agent's state file on one host is invisible on
//     the others;
//   - a switch namespace pacer-L-switch with one bridge per ring (ring0,
//     ring1, ...); each host has one veth per ring, named ringK inside the
//     host, with 10.70.K.(10+i)/24; no namespace has a default route and the
//     switch is not connected to the machine's network, so nothing leaves;
//   - optionally a client namespace pacer-L-client on ring0 (10.70.0.5) to
//     probe a service address, a shared disk (a sparse file with ext4 on a
//     loop device, visible to every host) and pty serial cables between
//     pairs of hosts.
//
// Faults: SIGKILL of pacerd, power-off through the real fence agent, one
// link or every link of a host cut at the switch (the carrier drops, as a
// pulled cable), and the reverse of each. Checkers look inside every
// namespace: which hosts hold an address, which have the shared disk
// mounted, which processes run where.
//
// Everything the lab creates is named pacer-L-* (namespaces, the work
// directory, the disk image behind the loop device) and is removed by Close
// and, after a crashed run, by the sweeper New runs first. A lock file keeps
// two processes from using the same lab name at once.
package lab

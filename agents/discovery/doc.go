// Package discovery finds agents and describes them: the classes this node
// can run (ocf, lsb, service and systemd where systemd runs, stonith), the
// agents of each class, and an agent's parameters and actions from its
// meta-data. It backs `pacer ra classes|list|info`, and the executor and
// the configuration checks can use it the same way.
//
// Every root directory is in Config, so tests point it at a temporary
// tree. Meta-data is run through an agents.Runner (NewRunner builds one
// whose classes use the same roots); init scripts have no meta-data action,
// so theirs is synthesised from the LSB header, as Pacemaker does.
//
// It is the one agents package that imports the class packages (ocf, lsb,
// stonith), so it sits a step above them in the layering.
//
// The package never logs; it returns data and errors that name what is
// missing and where it was looked for.
package discovery

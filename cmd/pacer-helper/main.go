// Command pacer-helper stands in for the Pacemaker commands resource agents
// run: crm_attribute, crm_master, attrd_updater, crm_node, crm_resource and
// crm_mon. It is one binary that acts by the name it is run as; packages
// install it with symbolic links of those names in pacer's own directory
// (/usr/lib/pacer/bin, see internal/helperpath), never over Pacemaker's
// files, and pacer's executor puts that directory first on the agent's
// PATH and in HA_SBIN_DIR.
//
// It talks to the local pacerd over the control socket ($PACER_SOCKET or
// /run/pacer/pacerd.sock). Options, output and exit codes follow
// Pacemaker 2.1's tools where agents depend on them; an option pacer does
// not implement is an error naming it, never silently ignored.
//
//	pacer-helper install [DIR]   creates the links in DIR (default /usr/lib/pacer/bin)
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"pacer/internal/control"
	"pacer/internal/helperpath"
)

func main() {
	e := &env{getenv: os.Getenv, stdout: os.Stdout, stderr: os.Stderr, socket: control.SocketPath()}
	os.Exit(run(e, os.Args))
}

// env is what a tool reads and writes besides its arguments, so tests can
// run tools in-process.
type env struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
	socket string
}

// tools maps a command name to its implementation.
var tools = map[string]func(e *env, prog string, args []string) int{
	"crm_attribute": crmAttribute,
	"crm_master":    crmMaster,
	"attrd_updater": attrdUpdater,
	"crm_node":      crmNode,
	"crm_resource":  crmResource,
	"crm_mon":       crmMon,
}

func run(e *env, argv []string) int {
	if len(argv) == 0 {
		fmt.Fprintln(e.stderr, "pacer-helper: no program name")
		return exitUsage
	}
	prog := filepath.Base(argv[0])
	if tool, ok := tools[prog]; ok {
		return tool(e, prog, argv[1:])
	}
	// Run under its own name: the subcommands.
	if len(argv) >= 2 {
		if tool, ok := tools[argv[1]]; ok {
			return tool(e, argv[1], argv[2:])
		}
		if argv[1] == "install" && len(argv) <= 3 {
			return install(e, argv[2:])
		}
	}
	fmt.Fprintf(e.stderr, "%s: run me as one of %v (a symbolic link of that name), as %s TOOL ARGS..., or as %s install [DIR]\n",
		prog, helperpath.Names, prog, prog)
	return exitUsage
}

func install(e *env, args []string) int {
	dir := helperpath.DefaultDir
	if len(args) == 1 {
		dir = args[0]
	}
	self, err := os.Executable()
	if err == nil {
		self, err = filepath.EvalSymlinks(self)
	}
	if err == nil {
		err = helperpath.Install(dir, self)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "pacer-helper: %v\n", err)
		return exitError
	}
	return exitOK
}

// Pacemaker's exit codes (crm_exit_t) the tools use.
const (
	exitOK                 = 0
	exitError              = 1
	exitUnimplemented      = 3   // CRM_EX_UNIMPLEMENT_FEATURE
	exitInsufficientPriv   = 4   // CRM_EX_INSUFFICIENT_PRIV
	exitUsage              = 64  // CRM_EX_USAGE
	exitUnavailable        = 69  // CRM_EX_UNAVAILABLE
	exitProtocol           = 76  // CRM_EX_PROTOCOL
	exitConfig             = 78  // CRM_EX_CONFIG: attrd_updater -Q of a missing attribute
	exitDisconnect         = 102 // CRM_EX_DISCONNECT
	exitNoSuch             = 105 // CRM_EX_NOSUCH (ENXIO)
	strNoSuchDevice        = "No such device or address"
	strNotConnected        = "Transport endpoint is not connected"
	strPermission          = "Permission denied"
	helpHint               = "see %s --help"
	pacemakerCompatVersion = "2.1.5"
)

// fail prints "PROG: MSG" on stderr, as Pacemaker's tools print errors, and
// returns code.
func (e *env) fail(prog string, code int, format string, args ...any) int {
	fmt.Fprintf(e.stderr, "%s: %s\n", prog, fmt.Sprintf(format, args...))
	return code
}

// failArgs reports a command-line error with its exit code.
func (e *env) failArgs(prog string, err error) int {
	var ue *unsupportedError
	if errors.As(err, &ue) {
		return e.fail(prog, exitUnimplemented, "%v", err)
	}
	return e.fail(prog, exitUsage, "%v (%s)", err, fmt.Sprintf(helpHint, prog))
}

// failRequest reports an error from pacerd with the exit code Pacemaker's
// tool would give for the same condition.
func (e *env) failRequest(prog string, err error) int {
	switch {
	case errors.Is(err, control.ErrNotConnected):
		return e.fail(prog, exitDisconnect, "Could not connect to pacerd: %s (%v)", strNotConnected, err)
	case errors.Is(err, control.ErrPermission):
		return e.fail(prog, exitInsufficientPriv, "%s: %v", strPermission, err)
	case errors.Is(err, control.ErrUnknownAttribute):
		return e.fail(prog, exitNoSuch, "Error performing operation: %s", strNoSuchDevice)
	case errors.Is(err, control.ErrUnknownNode):
		return e.fail(prog, exitNoSuch, "%v", err)
	case errors.Is(err, control.ErrUnavailable):
		return e.fail(prog, exitUnavailable, "%v", err)
	case errors.Is(err, control.ErrUnsupported):
		return e.fail(prog, exitUnimplemented, "%v", err)
	case errors.Is(err, control.ErrBadRequest):
		return e.fail(prog, exitProtocol, "pacerd refused the request: %v", err)
	}
	return e.fail(prog, exitError, "%v", err)
}

// client connects to pacerd.
func (e *env) client(ctx context.Context) (*control.Client, error) {
	return control.Dial(ctx, e.socket)
}

// do runs f with a connection to pacerd, bounded by control.DefaultTimeout.
func (e *env) do(f func(ctx context.Context, c *control.Client) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), control.DefaultTimeout)
	defer cancel()
	c, err := e.client(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	return f(ctx, c)
}

func (e *env) version(prog string) int {
	fmt.Fprintf(e.stdout, "Pacemaker %s (pacer's %s, over pacerd's control socket)\n", pacemakerCompatVersion, prog)
	return exitOK
}

// nodeTarget is pcmk__node_attr_target: a node given as nothing, "auto" or
// "localhost" means the node the cluster runs the agent for, which it
// passes as OCF_RESKEY_CRM_meta_on_node; "" asks pacerd for its own node.
func (e *env) nodeTarget(node string) string {
	if node == "" || node == "auto" || node == "localhost" {
		return e.getenv("OCF_RESKEY_CRM_meta_on_node")
	}
	return node
}

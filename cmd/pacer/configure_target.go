package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"pacer/crm/cib"
	"pacer/crm/cib/cibfile"
	"pacer/crm/cib/cibxml"
	"pacer/internal/control"
)

// Exit codes of the commands that change the cluster (configure,
// resource, node); docs/operator-guide.md lists them. 0, 1 and 2 mean
// what they mean for `pacer status`.
const (
	exitOK       = 0 // done
	exitError    = 1 // nothing changed: bad usage, invalid change, pacerd unreachable or refused
	exitWarning  = 2 // done, with a warning printed (e.g. a wait that timed out, a resource not running)
	exitConflict = 3 // nothing changed: the configuration changed under the command (lost CAS race); run it again
)

// changeTimeout bounds one read-change-write of the live CIB.
const changeTimeout = 20 * time.Second

func socketFlag() cli.Flag {
	return &cli.StringFlag{Name: "socket", Value: control.SocketPath(),
		Usage: "pacerd's control socket `PATH` (also $" + control.SocketEnv + ")"}
}

// socketPath is the nearest --socket in the command's lineage.
func socketPath(c *cli.Context) string {
	for _, lc := range c.Lineage() {
		if lc.IsSet("socket") {
			return lc.String("socket")
		}
	}
	return control.SocketPath()
}

// offlinePath is the CIB file of --cib-file or $CIB_file, "" when the
// command works on the live cluster.
func offlinePath(c *cli.Context) string {
	for _, lc := range c.Lineage() {
		if p := lc.String("cib-file"); p != "" {
			return p
		}
	}
	return ""
}

// dialPacerd connects to the local pacerd with errors an operator can act on.
func dialPacerd(ctx context.Context, socket string) (*control.Client, error) {
	cl, err := control.Dial(ctx, socket)
	if err != nil {
		if errors.Is(err, control.ErrPermission) {
			return nil, fmt.Errorf("%v (only root and members of group haclient may ask pacerd)", err)
		}
		return nil, fmt.Errorf("cannot reach pacerd: %v (is pacerd running? --socket or $%s select another socket; --cib-file works on a file offline)", err, control.SocketEnv)
	}
	return cl, nil
}

// cibCopy is a CIB read for a change: from a file offline, or from the
// live cluster with the version the change is made against.
type cibCopy struct {
	CIB  *cib.CIB
	Name string // the file, or "live CIB"
	file *cibfile.File
	// online
	cl     *control.Client
	socket string
	ver    control.CIB
}

// Online reports whether the copy came from pacerd.
func (cc *cibCopy) Online() bool { return cc.cl != nil }

// Close releases the connection to pacerd.
func (cc *cibCopy) Close() {
	if cc.cl != nil {
		cc.cl.Close()
	}
}

// loadCIB reads the CIB the command works on: the file of --cib-file or
// $CIB_file, or else the live cluster's through the local pacerd (a
// linearizable read, so the change is made against the newest version).
func loadCIB(ctx context.Context, c *cli.Context) (*cibCopy, error) {
	if path := offlinePath(c); path != "" {
		f, err := cibfile.Load(path)
		if err != nil {
			return nil, err
		}
		return &cibCopy{CIB: f.CIB, Name: path, file: f}, nil
	}
	socket := socketPath(c)
	cl, err := dialPacerd(ctx, socket)
	if err != nil {
		return nil, err
	}
	cl.Timeout = changeTimeout
	v, err := cl.GetCIB(ctx, false)
	if err != nil {
		cl.Close()
		return nil, fmt.Errorf("read the CIB from pacerd at %s: %w", socket, err)
	}
	parsed, _, err := cibxml.ReadOptions(bytes.NewReader([]byte(v.XML)), "live CIB", cibxml.Options{Raw: true})
	if err != nil {
		cl.Close()
		return nil, fmt.Errorf("the CIB pacerd sent: %w", err)
	}
	return &cibCopy{CIB: parsed, Name: "live CIB", cl: cl, socket: socket, ver: v}, nil
}

// version is the copy's configuration version, admin_epoch.epoch.
func (cc *cibCopy) version() string {
	if cc.Online() {
		return fmt.Sprintf("%d.%d", cc.ver.AdminEpoch, cc.ver.Epoch)
	}
	return orZero(cc.CIB.AdminEpoch) + "." + orZero(cc.CIB.Epoch)
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}

// validate checks the changed CIB as save will: the whole CIB offline, the
// configuration online (the status section is the cluster's).
func (cc *cibCopy) validate() error {
	if cc.Online() {
		return cib.ValidateConfiguration(&cc.CIB.Configuration)
	}
	return cib.WithFile(cib.Validate(cc.CIB), cc.Name)
}

// conflictError is a lost compare-and-swap: nothing was changed.
type conflictError struct {
	base, current string
}

func (e *conflictError) Error() string {
	return fmt.Sprintf("the configuration changed while this command ran: the change was made against version %s, "+
		"the cluster is now at %s; nothing was changed, run the command again", e.base, e.current)
}

// save validates and writes the changed CIB: offline to the file (which
// must not have changed since load), online with cib.replace's
// compare-and-swap on the version read. A lost race is a *conflictError.
func (cc *cibCopy) save(ctx context.Context) (string, error) {
	if err := cc.validate(); err != nil {
		return "", err
	}
	if !cc.Online() {
		if err := cc.file.Save(); err != nil {
			if errors.Is(err, cibfile.ErrChanged) {
				return "", &conflictError{base: cc.version(), current: "a newer version (" + err.Error() + ")"}
			}
			return "", err
		}
		return cc.version(), nil
	}
	var b bytes.Buffer
	if err := cibxml.Write(&b, cc.CIB); err != nil {
		return "", fmt.Errorf("encode the CIB: %w", err)
	}
	nv, err := cc.cl.ReplaceCIB(ctx, cc.ver.AdminEpoch, cc.ver.Epoch, b.String())
	if errors.Is(err, control.ErrConflict) {
		return "", &conflictError{base: cc.version(), current: fmt.Sprintf("%d.%d", nv.AdminEpoch, nv.Epoch)}
	}
	if err != nil {
		return "", fmt.Errorf("write the CIB through pacerd at %s: %w", cc.socket, err)
	}
	cc.ver = control.CIB{AdminEpoch: nv.AdminEpoch, Epoch: nv.Epoch, NumUpdates: nv.NumUpdates}
	return cc.version(), nil
}

// exitFor turns an error of a changing command into its exit status:
// a lost race is exitConflict, anything else exitError.
func exitFor(cmd string, err error) error {
	if err == nil {
		return nil
	}
	var ce *conflictError
	if errors.As(err, &ce) {
		return cli.Exit("pacer "+cmd+": "+err.Error(), exitConflict)
	}
	var ec cli.ExitCoder
	if errors.As(err, &ec) {
		return err
	}
	if errs := cib.ValidationErrors(err); len(errs) > 0 {
		var b bytes.Buffer
		for _, e := range errs {
			fmt.Fprintln(&b, e)
		}
		fmt.Fprintf(&b, "pacer %s: %d problem(s); nothing was changed", cmd, len(errs))
		return cli.Exit(b.String(), exitError)
	}
	return cli.Exit("pacer "+cmd+": "+err.Error(), exitError)
}

// changeCIB is the one path every change takes: read, change, validate,
// write with the compare-and-swap. On any error nothing is written.
func changeCIB(c *cli.Context, change func(cc *cibCopy) error) (string, error) {
	ctx, cancel := context.WithTimeout(ctxOf(c), changeTimeout)
	defer cancel()
	cc, err := loadCIB(ctx, c)
	if err != nil {
		return "", err
	}
	defer cc.Close()
	if err := change(cc); err != nil {
		return "", err
	}
	return cc.save(ctx)
}

func ctxOf(c *cli.Context) context.Context {
	if c.Context != nil {
		return c.Context
	}
	return context.Background()
}

// Package helperpath installs pacer's stand-ins for the Pacemaker commands
// resource agents run (crm_attribute, crm_master, attrd_updater, crm_node,
// crm_resource, crm_mon): symbolic links to the one pacer-helper binary in a
// directory of pacer's own, never in /usr/sbin where Pacemaker's packages
// put theirs. The agent executor puts that directory first on an agent's
// PATH and sets HA_SBIN_DIR to it (agents such as ocf:pacemaker:Stateful and
// ocf:linbit:drbd run "${HA_SBIN_DIR}/crm_attribute", not a PATH lookup).
// It imports nothing from pacer, so the executor may use it.
package helperpath

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// DefaultDir is where packages install the links.
const DefaultDir = "/usr/lib/pacer/bin"

// Names are the commands pacer-helper answers to, by the name it is run as.
var Names = []string{"crm_attribute", "crm_master", "attrd_updater", "crm_node", "crm_resource", "crm_mon"}

// Install creates dir (0755) and in it one symbolic link per name in Names
// to target, an absolute path. It is idempotent: a link already pointing at
// target is kept, a link pointing elsewhere is replaced, and anything else
// (a real program, a directory) is left alone and reported, so it never
// overwrites another package's file.
func Install(dir, target string) error {
	if !filepath.IsAbs(target) {
		return fmt.Errorf("install helpers: target %q is not an absolute path", target)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("install helpers: %w", err)
	}
	var errs []error
	for _, name := range Names {
		if err := link(filepath.Join(dir, name), target); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("install helpers in %s: %w", dir, err)
	}
	return nil
}

func link(path, target string) error {
	fi, err := os.Lstat(path)
	switch {
	case os.IsNotExist(err):
	case err != nil:
		return err
	case fi.Mode()&os.ModeSymlink == 0:
		return fmt.Errorf("%s exists and is not a symbolic link; not replacing it", path)
	default:
		if cur, err := os.Readlink(path); err == nil && cur == target {
			return nil
		}
	}
	// Replace atomically: a new link beside it, renamed over.
	tmp := path + ".pacer-tmp"
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// AgentPath returns path (a PATH value) with dir first, and without any
// other occurrence of dir.
func AgentPath(dir, path string) string {
	parts := []string{dir}
	for p := range strings.SplitSeq(path, ":") {
		if p != "" && filepath.Clean(p) != filepath.Clean(dir) {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ":")
}

// Env is what an agent's environment needs for its helper calls to reach
// pacer: PATH with dir first, HA_SBIN_DIR = dir, and, when the socket is
// not the default, PACER_SOCKET.
func Env(dir, basePath, socket string) map[string]string {
	env := map[string]string{"PATH": AgentPath(dir, basePath), "HA_SBIN_DIR": dir}
	if socket != "" {
		env["PACER_SOCKET"] = socket
	}
	return env
}

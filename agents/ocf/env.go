package ocf

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"pacer/agents"
)

// Versions of the OCF Resource Agent API pacer implements; Pacemaker 2.1
// and later advertise 1.1.
const (
	RAVersionMajor = "1"
	RAVersionMinor = "1"
)

// AgentPath is the PATH an agent gets. Nothing is inherited from pacerd's
// environment, so the sbin directories, where agents find ip, mount and
// the cluster helper commands, are named here.
const AgentPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// MetaName is the name a meta attribute has in an agent's environment
// after "OCF_RESKEY_": Pacemaker's crm_meta_name, "CRM_meta_" plus the
// name with every '-' turned into '_' (shell variables cannot hold '-').
func MetaName(name string) string {
	return "CRM_meta_" + strings.ReplaceAll(name, "-", "_")
}

// BuildEnv returns the complete environment for an OCF agent running req,
// sorted by name, as Pacemaker's executor builds it (services_linux.c
// add_action_env_vars): OCF_RESKEY_<param> for each parameter,
// OCF_RESKEY_CRM_meta_<meta> for each meta attribute, the op's interval and
// timeout in milliseconds, and the OCF_* variables that describe the agent.
// root is OCF_ROOT ("" for DefaultRoot).
//
// For a clone instance "rsc:N" of an anonymous clone the agent sees the
// base id "rsc", as Pacemaker records anonymous instances under the
// primitive's id; a globally-unique clone's instance keeps ":N". Either
// way CRM_meta_clone is N unless the caller set it.
//
// It fails only on names or values the environment cannot carry (an empty
// name, '=' in a name, NUL anywhere), which would otherwise be cut or
// reinterpreted by the kernel.
func BuildEnv(req agents.Request, root string) ([]string, error) {
	if root == "" {
		root = DefaultRoot
	}
	env := map[string]string{}
	set := func(k, v string) error {
		if err := checkEnv(k, v); err != nil {
			return err
		}
		env[k] = v
		return nil
	}
	for k, v := range req.Params {
		if k == "" {
			return nil, fmt.Errorf("build env: empty param name")
		}
		if err := set("OCF_RESKEY_"+k, v); err != nil {
			return nil, fmt.Errorf("build env: param %q: %w", k, err)
		}
	}
	for k, v := range req.Meta {
		if k == "" {
			return nil, fmt.Errorf("build env: empty meta name")
		}
		if err := set("OCF_RESKEY_"+MetaName(k), v); err != nil {
			return nil, fmt.Errorf("build env: meta %q: %w", k, err)
		}
	}

	instance, cloneNum := req.Instance, ""
	if base, n, ok := splitClone(req.Instance); ok {
		cloneNum = n
		if !isTrue(req.Meta["globally-unique"]) {
			instance = base
		}
	}
	if _, given := req.Meta["clone"]; cloneNum != "" && !given {
		env["OCF_RESKEY_"+MetaName("clone")] = cloneNum
	}

	// The op's own values win over same-named meta attributes: they are
	// what the executor will enforce.
	env["OCF_RESKEY_"+MetaName("interval")] = strconv.FormatInt(req.Interval.Milliseconds(), 10)
	env["OCF_RESKEY_"+MetaName("timeout")] = strconv.FormatInt(req.Timeout.Milliseconds(), 10)
	if req.CheckLevel != 0 {
		// Pacemaker passes the op's OCF_CHECK_LEVEL as a parameter;
		// ocf-shellfuncs derives OCF_CHECK_LEVEL from it.
		env["OCF_RESKEY_OCF_CHECK_LEVEL"] = strconv.Itoa(req.CheckLevel)
	}
	env["OCF_CHECK_LEVEL"] = strconv.Itoa(req.CheckLevel)

	fixed := map[string]string{
		"OCF_ROOT":               root,
		"OCF_RA_VERSION_MAJOR":   RAVersionMajor,
		"OCF_RA_VERSION_MINOR":   RAVersionMinor,
		"OCF_EXIT_REASON_PREFIX": agents.ExitReasonPrefix,
		"OCF_RESOURCE_INSTANCE":  instance,
		"OCF_RESOURCE_TYPE":      req.Type,
		"OCF_RESOURCE_PROVIDER":  req.Provider,
		"PATH":                   AgentPath,
		// ocf_log writes to syslog when HA_LOGFACILITY is set; "none"
		// sends it to stderr instead, which the runner captures and the
		// executor logs with the op's fields.
		"HA_LOGFACILITY": "none",
		"HA_debug":       "0",
	}
	for k, v := range fixed {
		if err := set(k, v); err != nil {
			return nil, fmt.Errorf("build env: %w", err)
		}
	}

	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k + "=" + env[k]
	}
	return out, nil
}

func checkEnv(k, v string) error {
	switch {
	case k == "":
		return fmt.Errorf("empty name")
	case strings.ContainsAny(k, "=\x00"):
		return fmt.Errorf("name %q contains '=' or NUL", k)
	case strings.ContainsRune(v, 0):
		return fmt.Errorf("value of %s contains NUL", k)
	}
	return nil
}

// splitClone splits "rsc:N" into "rsc" and "N".
func splitClone(id string) (base, n string, ok bool) {
	i := strings.LastIndexByte(id, ':')
	if i <= 0 || i == len(id)-1 {
		return "", "", false
	}
	for _, c := range id[i+1:] {
		if c < '0' || c > '9' {
			return "", "", false
		}
	}
	return id[:i], id[i+1:], true
}

// isTrue is Pacemaker's crm_is_true.
func isTrue(s string) bool {
	switch strings.ToLower(s) {
	case "true", "on", "yes", "y", "1":
		return true
	}
	return false
}

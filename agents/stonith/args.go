package stonith

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
)

// Args is one fencing action as the fencer asks for it.
type Args struct {
	Action   string // the agent's action ("off", "reboot", "list", ...)
	Target   string // the node to fence; "" for device actions
	TargetID string // the target's node id; "" when unknown
	// Params are the fence device's instance attributes, including the
	// pcmk_* ones that steer this builder.
	Params map[string]string
}

// Parameters Pacemaker's fencer interprets itself (pcmk_stonith_param).
const (
	ParamHostArgument = "pcmk_host_argument"
	ParamHostMap      = "pcmk_host_map"
	ParamHostList     = "pcmk_host_list"
	ParamHostCheck    = "pcmk_host_check"
	ParamDelayBase    = "pcmk_delay_base"
	ParamDelayMax     = "pcmk_delay_max"
	ParamActionLimit  = "pcmk_action_limit"
)

// DefaultHostArgument is the parameter that carries the target when the
// device sets no pcmk_host_argument, as in Pacemaker 2.1 (make_args). The
// fencer, which knows the agent's meta-data, should set
// pcmk_host_argument to Metadata.DefaultHostArg() instead when the device
// leaves it unset: newer agents call it "plug", and some have neither.
const DefaultHostArgument = "port"

// IsPacemakerParam reports whether name is a device parameter Pacemaker
// handles itself and never passes to the agent (pcmk_stonith_param):
// provides, stonith-timeout, the pcmk_host_* and pcmk_delay_* family,
// pcmk_action_limit, and pcmk_ACTION_action/_timeout/_retries.
func IsPacemakerParam(name string) bool {
	switch name {
	case "provides", "stonith-timeout":
		return true
	}
	if !strings.HasPrefix(name, "pcmk_") {
		return false
	}
	switch name {
	case ParamActionLimit, ParamDelayBase, ParamDelayMax, ParamHostArgument, ParamHostCheck, ParamHostList, ParamHostMap:
		return true
	}
	i := strings.IndexByte(name[len("pcmk_"):], '_')
	if i < 0 {
		return false
	}
	switch name[len("pcmk_")+i:] {
	case "_action", "_timeout", "_retries":
		return true
	}
	return false
}

// passToAgent reports whether a device parameter goes on the agent's
// stdin (append_config_arg): not "action", which the fencer sets; not
// Pacemaker's own; not meta attributes or the feature set that end up
// among a resource's parameters in the CIB.
func passToAgent(name string) bool {
	return !strings.EqualFold(name, "action") && !IsPacemakerParam(name) &&
		!strings.Contains(name, "CRM_meta") && name != "crm_feature_set"
}

// BuildArgs returns the agent's stdin for a, as Pacemaker's make_args
// builds it:
//   - action=ACTION, where the device's pcmk_ACTION_action replaces the
//     action (pcmk_reboot_action=off makes a reboot an off);
//   - for a target: nodename=TARGET, nodeid=ID when known, and the host
//     argument (pcmk_host_argument, else "port"; "none" for no host
//     argument) set to the target's plug from pcmk_host_map, else the
//     target's name, unless the device sets that parameter to a value
//     other than "dynamic";
//   - every other device parameter but those passToAgent refuses.
//
// Lines are "key=value\n", action first, then sorted by key, so the bytes
// are reproducible. It fails on what the line protocol cannot carry: a key
// that is empty, starts with '#' or holds '=' or a line break, and a value
// with a line break or NUL (fence-agents read stdin line by line, Python's
// universal newlines splitting on '\r' too).
func BuildArgs(a Args) ([]byte, error) {
	if a.Action == "" {
		return nil, fmt.Errorf("build fence args: empty action")
	}
	action := a.Action
	if alias := a.Params["pcmk_"+a.Action+"_action"]; alias != "" {
		action = alias
	}
	args := map[string]string{}
	// fixed are the keys the fencer sets for the target; the device's
	// parameters never override them (Pacemaker lets a device's
	// "port=dynamic" or "nodename=..." overwrite them, which can only
	// aim the agent at the wrong plug).
	fixed := map[string]bool{}
	if a.Target != "" {
		args["nodename"], fixed["nodename"] = a.Target, true
		if a.TargetID != "" {
			args["nodeid"], fixed["nodeid"] = a.TargetID, true
		}
		hostArg := a.Params[ParamHostArgument]
		if hostArg == "" {
			hostArg = DefaultHostArgument
		}
		switch {
		case strings.EqualFold(hostArg, "action"), hostArg == "nodename", hostArg == "nodeid", IsPacemakerParam(hostArg):
			return nil, fmt.Errorf("build fence args: pcmk_host_argument %q names a parameter the fencer sets itself", hostArg)
		}
		if !strings.EqualFold(hostArg, "none") {
			v, set := a.Params[hostArg]
			if !set || v == "" || strings.EqualFold(v, "dynamic") {
				plug := a.Target
				// A bad fragment in the map is the fencing
				// layer's to report; its good entries still count.
				hm, _ := ParseHostMap(a.Params[ParamHostMap])
				if p, ok := hm.Lookup(a.Target); ok {
					plug = p
				}
				args[hostArg], fixed[hostArg] = plug, true
			}
		}
	}
	for k, v := range a.Params {
		if passToAgent(k) && !fixed[k] {
			args[k] = v
		}
	}

	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	line := func(k, v string) error {
		if err := checkArg(k, v); err != nil {
			return fmt.Errorf("build fence args: %w", err)
		}
		b.WriteString(k + "=" + v + "\n")
		return nil
	}
	if err := line("action", action); err != nil {
		return nil, err
	}
	for _, k := range keys {
		if err := line(k, args[k]); err != nil {
			return nil, err
		}
	}
	return b.Bytes(), nil
}

func checkArg(k, v string) error {
	switch {
	case strings.TrimSpace(k) == "":
		return fmt.Errorf("empty parameter name")
	case strings.HasPrefix(strings.TrimSpace(k), "#"):
		return fmt.Errorf("parameter name %q starts with '#' (a comment to the agent)", k)
	case strings.ContainsAny(k, "=\n\r\x00"):
		return fmt.Errorf("parameter name %q contains '=', a line break or NUL", k)
	case strings.ContainsAny(v, "\n\r\x00"):
		return fmt.Errorf("value of %s contains a line break or NUL", k)
	}
	return nil
}

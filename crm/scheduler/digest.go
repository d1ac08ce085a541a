package scheduler

import (
	"crypto/md5"
	"encoding/hex"
	"sort"
	"strconv"
	"strings"

	"pacer/crm/cib"
)

// Operation digests (Pacemaker's pe_digest.c). The executor records, with
// every operation result, MD5 digests of the parameters the operation ran
// with: op-digest over all of them, op-restart-digest over those that
// need a restart (the agent's non-reloadable ones, listed in
// op-force-restart) and op-secure-digest without the secret ones (listed
// in op-secure-params). The scheduler computes the same digests from the
// configuration and compares them to tell whether a resource's definition
// changed since the operation ran.

// digestResult is the outcome of comparing an operation's recorded
// digests with the configuration (enum rsc_digest_cmp_val).
type digestResult int

const (
	digestMatch   digestResult = iota
	digestAll                  // parameters changed: reload if the agent can
	digestRestart              // parameters that need a restart changed
	digestUnknown              // no digest recorded
)

// opDigests are the digests computed for one operation.
type opDigests struct {
	all, restart, secure string
	// restartForced: a non-recurring operation with op-level instance
	// attributes restarts rather than reloads when its digest differs.
	restartForced bool
}

// rscParams is pe_rsc_params: the resource's instance attributes as
// evaluated for node n (rules see the node's attributes), then its
// parents', then rsc_defaults' instance_attributes; the first value set
// wins. A primitive that names a template takes the template's
// attributes under its own.
func (ws *workingSet) rscParams(r *resource, n *node) map[string]string {
	var attrs map[string]string
	if n != nil {
		attrs = n.attrs
	}
	out := map[string]string{}
	add := func(sets []cib.NVSet) {
		for k, v := range ws.nvsets(sets, attrs) {
			if _, ok := out[k]; !ok {
				out[k] = v
			}
		}
	}
	for p := r; p != nil; p = p.parent {
		if p.def == nil {
			continue
		}
		add(p.def.Instance)
		if t := ws.template(p.def.Template); t != nil {
			add(t.Instance)
		}
	}
	var defaults []cib.NVSet
	for _, s := range ws.cib.Configuration.RscDefaults {
		if s.Kind == cib.InstanceAttributes {
			defaults = append(defaults, s)
		}
	}
	add(defaults)
	return out
}

// template finds a resource template by id.
func (ws *workingSet) template(id string) *cib.Resource {
	if id == "" {
		return nil
	}
	for _, d := range ws.cib.Configuration.Resources {
		if d.Kind == cib.KindTemplate && d.ID == id {
			return d
		}
	}
	return nil
}

// configuredOps lists a primitive's <op> definitions, its template's
// after its own.
func (ws *workingSet) configuredOps(r *resource) []cib.Op {
	if r.def == nil {
		return nil
	}
	ops := ws.defOps(r.def)
	if t := ws.template(r.def.Template); t != nil {
		ops = append(append([]cib.Op(nil), ops...), ws.defOps(t)...)
	}
	return ops
}

// defOps is a resource definition's <op>s, those of the <operations>
// block its id-ref names when it has one (expand_idref: an <operations
// id-ref="X"/> stands for the <operations id="X"> of another resource).
func (ws *workingSet) defOps(def *cib.Resource) []cib.Op {
	if def.OpsIDRef == "" || len(def.Ops) > 0 {
		return def.Ops
	}
	if ws.opsByID == nil {
		ws.opsByID = map[string][]cib.Op{}
		var walk func(d *cib.Resource)
		walk = func(d *cib.Resource) {
			if d.OpsID != "" {
				if _, seen := ws.opsByID[d.OpsID]; !seen {
					ws.opsByID[d.OpsID] = d.Ops
				}
			}
			for _, c := range d.Children {
				walk(c)
			}
		}
		for _, d := range ws.cib.Configuration.Resources {
			walk(d)
		}
	}
	return ws.opsByID[def.OpsIDRef]
}

// findOpConfig is find_rsc_op_entry: the first enabled <op> with this
// name and interval (ms).
func (ws *workingSet) findOpConfig(r *resource, task string, intervalMs int64, includeDisabled bool) *cib.Op {
	ops := ws.configuredOps(r)
	for i := range ops {
		op := &ops[i]
		if !includeDisabled && op.Enabled != "" && !isTrue(op.Enabled) {
			continue
		}
		iv, _ := cib.ParseInterval(op.Interval)
		if strings.EqualFold(op.Name, task) && iv.Milliseconds() == intervalMs {
			return op
		}
	}
	return nil
}

// opTimeoutMs is the timeout an action's meta carries: the op's own
// timeout (attribute, then its meta_attributes), else op_defaults',
// else 20 seconds.
func (ws *workingSet) opTimeoutMs(op *cib.Op) int64 {
	v := ""
	if op != nil {
		v = op.Timeout
		if v == "" {
			v = ws.nvsets(op.Meta, nil)["timeout"]
		}
	}
	if v == "" {
		v = ws.nvsets(ws.cib.Configuration.OpDefaults, nil)["timeout"]
	}
	if v != "" {
		if d, err := cib.ParseDuration(v); err == nil && d >= 0 {
			return d.Milliseconds()
		}
	}
	return 20000
}

// computeDigests is calculate_main_digest, calculate_secure_digest and
// calculate_restart_digest for an operation of r on n, given its recorded
// history entry (for the parameter lists the agent reported).
func (ws *workingSet) computeDigests(r *resource, n *node, task string, intervalMs int64, rec *cib.LRMOp) opDigests {
	var d opDigests
	all := ws.rscParams(r, n)
	if op := ws.findOpConfig(r, task, intervalMs, false); op != nil {
		extra := ws.nvsets(op.Instance, nil)
		for k, v := range extra {
			all[k] = v
		}
		if intervalMs == 0 && len(extra) > 0 {
			d.restartForced = true
		}
		if intervalMs > 0 {
			all["CRM_meta_timeout"] = strconv.FormatInt(ws.opTimeoutMs(op), 10)
		}
	} else if intervalMs > 0 {
		all["CRM_meta_timeout"] = strconv.FormatInt(ws.opTimeoutMs(nil), 10)
	}
	filterForDigest(all, intervalMs > 0)
	d.all = paramsDigest(all)

	version := ""
	if rec != nil {
		version = rec.CRMFeatureSet
	}
	oldVersion := compareVersion(version, "3.16.0") < 0
	secureList := " passwd password user "
	if rec != nil {
		secureList = rec.OpSecureParams
	}
	var secure map[string]string
	if oldVersion {
		secure = ws.rscParams(r, n)
	} else {
		secure = copyMap(all)
	}
	if secureList != "" {
		for k := range secure {
			if strings.Contains(secureList, " "+k+" ") {
				delete(secure, k)
			}
		}
	}
	if oldVersion && r.isStonith {
		for k := range secure {
			if isStonithParam(k) {
				delete(secure, k)
			}
		}
	}
	if oldVersion {
		delete(secure, "CRM_meta_timeout")
	}
	d.secure = paramsDigest(secure)

	if rec != nil && rec.OpRestartDigest != "" {
		restart := copyMap(all)
		// A recorded op-force-restart filters even when empty (every
		// parameter reloadable): only its absence keeps them all.
		if list := rec.OpForceRestart; list != "" || hasAttr(rec.Extra, "op-force-restart") {
			for k := range restart {
				if !strings.Contains(list, " "+k+" ") {
					delete(restart, k)
				}
			}
		}
		d.restart = paramsDigest(restart)
	}
	return d
}

// filterForDigest is pcmk__filter_op_for_digest: drop every CRM_meta_
// entry but a recurring operation's timeout, and the bookkeeping names.
func filterForDigest(p map[string]string, recurring bool) {
	timeout, hasTimeout := p["CRM_meta_timeout"]
	for k := range p {
		if strings.HasPrefix(k, "CRM_meta_") {
			delete(p, k)
			continue
		}
		switch k {
		case "id", "crm_feature_set", "op-digest", "on_node", "on_node_uuid", "pcmk_external_ip":
			delete(p, k)
		}
	}
	if hasTimeout && recurring {
		p["CRM_meta_timeout"] = timeout
	}
}

// isStonithParam is pcmk_stonith_param: the parameters Pacemaker's
// fencer interprets itself.
func isStonithParam(name string) bool {
	switch name {
	case "stonith-timeout", "provides", "pcmk_host_argument", "pcmk_host_map",
		"pcmk_host_list", "pcmk_host_check", "pcmk_delay_max", "pcmk_delay_base":
		return true
	}
	if strings.HasPrefix(name, "pcmk_") {
		for _, s := range []string{"_action", "_timeout", "_retries"} {
			if strings.HasSuffix(name, s) {
				return true
			}
		}
	}
	return false
}

// paramsDigest is calculate_operation_digest: the MD5 of the parameters
// written as one <parameters/> element, attributes sorted by name,
// values XML-escaped, as the 2.1 XML dump writes it (a leading space and a
// trailing newline included).
func paramsDigest(p map[string]string) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(" <parameters")
	for _, k := range keys {
		b.WriteString(" ")
		b.WriteString(k)
		b.WriteString(`="`)
		b.WriteString(xmlEscape(p[k]))
		b.WriteString(`"`)
	}
	b.WriteString("/>\n")
	sum := md5.Sum([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// xmlEscape is crm_xml_escape for attribute values.
func xmlEscape(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch c {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		case '\'':
			b.WriteString("&apos;")
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// hasAttr reports whether an unmodelled (or empty modelled) attribute
// was given.
func hasAttr(extra []cib.Attr, name string) bool {
	for _, a := range extra {
		if a.Name == name {
			return true
		}
	}
	return false
}

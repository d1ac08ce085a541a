package resources

import (
	"crypto/md5"
	"encoding/hex"
	"sort"
	"strconv"
	"strings"
)

// Operation digests, as Pacemaker's controller records them with every
// result (pcmk__create_history_xml's append_digest, controld_cib.c's
// append_restart_list and append_secure_list). The scheduler
// (crm/scheduler/digest.go) computes the same digests from the
// configuration and compares: a difference means the resource's
// definition changed since the operation ran. Both sides must therefore
// produce the same bytes; ParamsDigest is tested against digests
// Pacemaker recorded in the conformance corpus.

// ParamsDigest is Pacemaker's calculate_operation_digest: the MD5, in
// lower-case hex, of the parameters written as one <parameters/> element
// with the attributes sorted by name and the values XML-escaped, exactly
// as libxml2's dump writes it (a leading space and a trailing newline
// included).
func ParamsDigest(p map[string]string) string {
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

// digestParams is pcmk__filter_op_for_digest applied to the parameters an
// operation ran with: no CRM_meta_ entries and no bookkeeping names, but a
// recurring operation keeps its timeout (in ms), because changing a
// monitor's timeout must re-create the monitor.
func digestParams(params map[string]string, interval, timeoutMs int64) map[string]string {
	out := make(map[string]string, len(params)+1)
	for k, v := range params {
		if strings.HasPrefix(k, "CRM_meta_") {
			continue
		}
		switch k {
		case "id", "crm_feature_set", "op-digest", "on_node", "on_node_uuid", "pcmk_external_ip":
			continue
		}
		out[k] = v
	}
	if interval > 0 {
		out["CRM_meta_timeout"] = strconv.FormatInt(timeoutMs, 10)
	}
	return out
}

// digests are the digest attributes of one history entry.
type digests struct {
	op string // op-digest, always
	// restart and forceRestart (op-restart-digest, op-force-restart) are
	// set only for a one-shot op of an agent that can reload; forceRestart
	// may then be empty (every parameter reloadable) while restart is not.
	restart, forceRestart string
	// secure and secureParams (op-secure-digest, op-secure-params) are set
	// only when the agent has secret parameters.
	secure, secureParams string
}

// computeDigests derives all digests of an operation from its parameters
// and, when known, its agent's meta-data (info nil: only op-digest, as
// Pacemaker does when meta-data is unavailable or not needed).
func computeDigests(params map[string]string, interval, timeoutMs int64, info *agentInfo) digests {
	all := digestParams(params, interval, timeoutMs)
	d := digests{op: ParamsDigest(all)}
	if info == nil {
		return d
	}
	if interval == 0 && (info.reloadAgent || info.legacyReload) {
		restart := map[string]string{}
		var names []string
		for _, p := range info.params {
			// OCF 1.1 lists what is not reloadable; before 1.1
			// Pacemaker took unique="1" to mean "needs a restart".
			need := !p.reloadable
			if !info.reloadAgent {
				need = p.unique
			}
			if !need {
				continue
			}
			names = append(names, p.name)
			if v, ok := params[p.name]; ok {
				restart[p.name] = v
			}
		}
		d.restart, d.forceRestart = ParamsDigest(restart), wordList(names)
	}
	var secret []string
	secure := copyMap(all)
	for _, p := range info.params {
		if p.private {
			secret = append(secret, p.name)
			delete(secure, p.name)
		} else if v, ok := params[p.name]; ok {
			secure[p.name] = v
		}
	}
	if len(secret) > 0 {
		d.secure, d.secureParams = ParamsDigest(secure), wordList(secret)
	}
	return d
}

// wordList writes names as Pacemaker's pcmk__add_word builds the
// op-force-restart and op-secure-params lists: two spaces, the names
// separated by one, two spaces, so that " name " can be searched for.
func wordList(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return "  " + strings.Join(names, " ") + "  "
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

package resources

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// agentInfo is what the executor needs from an agent's meta-data to
// record digests: which parameters need a restart when they change and
// which are secret. It is the controller's ra_metadata_s
// (controld_metadata.c).
type agentInfo struct {
	// reloadAgent: OCF 1.1 or later and a reload-agent action; the
	// parameters not marked reloadable need a restart.
	reloadAgent bool
	// legacyReload: before OCF 1.1, a reload action; the parameters
	// marked unique need a restart.
	legacyReload bool
	// params are in reverse meta-data order, as Pacemaker keeps them
	// (g_list_prepend), which is the order of the words it writes in
	// op-force-restart and op-secure-params.
	params []agentParam
}

type agentParam struct {
	name                        string
	reloadable, unique, private bool
}

// errMetadata is wrapped by every parseAgentInfo error.
var errMetadata = errors.New("invalid agent meta-data")

// ocf.ParseMetadata does not keep the "private" attribute nor tell the
// <version> element (the OCF version the agent implements) from the
// agent's version attribute, and both decide what the controller
// records; so the few fields needed are read here.
type xmlAgentInfo struct {
	XMLName xml.Name `xml:"resource-agent"`
	Version *string  `xml:"version"`
	Params  []struct {
		Name       *string `xml:"name,attr"`
		Reloadable string  `xml:"reloadable,attr"`
		Unique     string  `xml:"unique,attr"`
		Private    string  `xml:"private,attr"`
	} `xml:"parameters>parameter"`
	Actions []struct {
		Name string `xml:"name,attr"`
	} `xml:"actions>action"`
}

// parseAgentInfo reads an agent's meta-data as controld_cache_metadata
// does: a parameter without a name is skipped; when no parameter is
// marked private, the ones named password, passwd or user are taken as
// secret, for agents older than the "private" attribute.
func parseAgentInfo(b []byte) (*agentInfo, error) {
	var x xmlAgentInfo
	if err := xml.NewDecoder(bytes.NewReader(b)).Decode(&x); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: no <resource-agent> element in %d bytes of output", errMetadata, len(b))
		}
		return nil, fmt.Errorf("%w: %w", errMetadata, err)
	}
	ocf11 := x.Version != nil && compareVersion(strings.TrimSpace(*x.Version), "1.1") >= 0
	info := &agentInfo{}
	for _, a := range x.Actions {
		switch {
		case a.Name == "reload-agent" && ocf11:
			info.reloadAgent = true
		case !ocf11 && strings.EqualFold(a.Name, "reload"):
			info.legacyReload = true
		}
	}
	anyPrivate := false
	for i := len(x.Params) - 1; i >= 0; i-- {
		p := x.Params[i]
		if p.Name == nil {
			continue
		}
		ap := agentParam{name: *p.Name, reloadable: isTrue(p.Reloadable), unique: isTrue(p.Unique), private: isTrue(p.Private)}
		anyPrivate = anyPrivate || ap.private
		info.params = append(info.params, ap)
	}
	if !anyPrivate {
		for i := range info.params {
			switch info.params[i].name {
			case "password", "passwd", "user":
				info.params[i].private = true
			}
		}
	}
	return info, nil
}

// isTrue is Pacemaker's crm_is_true.
func isTrue(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "on", "yes", "y", "1":
		return true
	}
	return false
}

// compareVersion is Pacemaker's compare_version for dotted numbers: a
// missing or non-numeric part counts as 0.
func compareVersion(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
	}
	return 0
}

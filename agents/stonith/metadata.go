package stonith

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"pacer/internal/pcmktime"
)

// Metadata is a fence agent's self-description, the output of its
// metadata action: the OCF resource-agent format with fence-agents'
// additions.
type Metadata struct {
	Name      string
	ShortDesc string // fence-agents give it as an attribute of resource-agent
	LongDesc  string
	VendorURL string
	// Parameters in the agent's order, deprecated ones included: a CIB
	// written for an older agent still uses them.
	Parameters []Parameter
	Actions    []Action
}

// Parameter is one instance attribute a fence agent accepts.
type Parameter struct {
	Name       string
	Required   bool
	Unique     bool
	Deprecated bool   // deprecated="1": kept for old configurations
	Obsoletes  string // the deprecated parameter this one replaces
	ShortDesc  string
	LongDesc   string
	// Getopt is the command-line form ("-n, --plug=[id]"), for reference.
	Getopt      string
	ContentType string // "string", "boolean", "integer", "second", "select"
	Default     string
	HasDefault  bool
	Options     []string // the choices of a "select" content type
}

// Action is one action the agent advertises.
type Action struct {
	Name     string
	Timeout  time.Duration // rarely given by fence agents
	Interval time.Duration
	// Automatic marks "on" as needed for automatic unfencing (an agent
	// such as fence_scsi must unfence a node before it may join).
	Automatic bool
	// OnTarget marks an action run on the fenced node itself.
	OnTarget bool
}

// ErrMetadata is wrapped by every ParseMetadata error.
var ErrMetadata = errors.New("invalid fence agent meta-data")

type xmlAgent struct {
	XMLName    xml.Name    `xml:"resource-agent"`
	Name       string      `xml:"name,attr"`
	ShortAttr  string      `xml:"shortdesc,attr"`
	ShortDesc  []xmlDesc   `xml:"shortdesc"`
	LongDesc   []xmlDesc   `xml:"longdesc"`
	VendorURL  string      `xml:"vendor-url"`
	Parameters []xmlParam  `xml:"parameters>parameter"`
	Actions    []xmlAction `xml:"actions>action"`
}

type xmlDesc struct {
	Lang string `xml:"lang,attr"`
	Text string `xml:",chardata"`
}

type xmlParam struct {
	Name       string    `xml:"name,attr"`
	Required   string    `xml:"required,attr"`
	Unique     string    `xml:"unique,attr"`
	Deprecated string    `xml:"deprecated,attr"`
	DeprElem   *struct{} `xml:"deprecated"`
	Obsoletes  string    `xml:"obsoletes,attr"`
	Getopt     *struct {
		Mixed string `xml:"mixed,attr"`
	} `xml:"getopt"`
	Content *struct {
		Type    string  `xml:"type,attr"`
		Default *string `xml:"default,attr"`
		Options []struct {
			Value string `xml:"value,attr"`
		} `xml:"option"`
	} `xml:"content"`
	ShortDesc []xmlDesc `xml:"shortdesc"`
	LongDesc  []xmlDesc `xml:"longdesc"`
}

type xmlAction struct {
	Name      string `xml:"name,attr"`
	Timeout   string `xml:"timeout,attr"`
	Interval  string `xml:"interval,attr"`
	Automatic string `xml:"automatic,attr"`
	OnTarget  string `xml:"on_target,attr"`
}

// ParseMetadata parses a fence agent's meta-data XML. Errors name the
// parameter or action at fault and wrap ErrMetadata.
func ParseMetadata(b []byte) (Metadata, error) {
	var x xmlAgent
	if err := xml.NewDecoder(bytes.NewReader(b)).Decode(&x); err != nil {
		if errors.Is(err, io.EOF) {
			return Metadata{}, fmt.Errorf("%w: no <resource-agent> element in %d bytes of output", ErrMetadata, len(b))
		}
		return Metadata{}, fmt.Errorf("%w: %w", ErrMetadata, err)
	}
	if strings.TrimSpace(x.Name) == "" {
		return Metadata{}, fmt.Errorf("%w: resource-agent has no name", ErrMetadata)
	}
	m := Metadata{
		Name:      x.Name,
		ShortDesc: strings.TrimSpace(x.ShortAttr),
		LongDesc:  pickDesc(x.LongDesc),
		VendorURL: strings.TrimSpace(x.VendorURL),
	}
	if m.ShortDesc == "" {
		m.ShortDesc = pickDesc(x.ShortDesc)
	}
	seen := map[string]bool{}
	for i, p := range x.Parameters {
		if p.Name == "" {
			return Metadata{}, fmt.Errorf("%w: parameter %d has no name", ErrMetadata, i+1)
		}
		if seen[p.Name] {
			return Metadata{}, fmt.Errorf("%w: parameter %q defined twice", ErrMetadata, p.Name)
		}
		seen[p.Name] = true
		mp := Parameter{
			Name:       p.Name,
			Required:   isTrue(p.Required),
			Unique:     isTrue(p.Unique),
			Deprecated: isTrue(p.Deprecated) || p.DeprElem != nil,
			Obsoletes:  p.Obsoletes,
			ShortDesc:  pickDesc(p.ShortDesc),
			LongDesc:   pickDesc(p.LongDesc),
		}
		if p.Getopt != nil {
			mp.Getopt = p.Getopt.Mixed
		}
		if c := p.Content; c != nil {
			mp.ContentType = c.Type
			if c.Default != nil {
				mp.Default, mp.HasDefault = *c.Default, true
			}
			for _, o := range c.Options {
				mp.Options = append(mp.Options, o.Value)
			}
		}
		m.Parameters = append(m.Parameters, mp)
	}
	for i, a := range x.Actions {
		if a.Name == "" {
			return Metadata{}, fmt.Errorf("%w: action %d has no name", ErrMetadata, i+1)
		}
		ma := Action{Name: a.Name, Automatic: isTrue(a.Automatic), OnTarget: isTrue(a.OnTarget)}
		var err error
		if ma.Timeout, err = parseDuration(a.Timeout); err != nil {
			return Metadata{}, fmt.Errorf("%w: action %s timeout: %w", ErrMetadata, a.Name, err)
		}
		if ma.Interval, err = parseDuration(a.Interval); err != nil {
			return Metadata{}, fmt.Errorf("%w: action %s interval: %w", ErrMetadata, a.Name, err)
		}
		m.Actions = append(m.Actions, ma)
	}
	return m, nil
}

// Param returns the named parameter.
func (m Metadata) Param(name string) (Parameter, bool) {
	for _, p := range m.Parameters {
		if p.Name == name {
			return p, true
		}
	}
	return Parameter{}, false
}

// HasAction reports whether the agent advertises the action.
func (m Metadata) HasAction(name string) bool {
	for _, a := range m.Actions {
		if a.Name == name {
			return true
		}
	}
	return false
}

// DefaultHostArg is the parameter that carries the target to this agent
// when the device sets no pcmk_host_argument: "plug" if the agent has it,
// else "port", else "none" (the agent fences one fixed machine), as
// Pacemaker's stonith__default_host_arg decides.
func (m Metadata) DefaultHostArg() string {
	for _, name := range []string{"plug", "port"} {
		if _, ok := m.Param(name); ok {
			return name
		}
	}
	return "none"
}

// AutomaticUnfencing reports whether the agent's "on" action is marked
// automatic: such a device must unfence a node before resources start
// there.
func (m Metadata) AutomaticUnfencing() bool {
	for _, a := range m.Actions {
		if a.Name == "on" && a.Automatic {
			return true
		}
	}
	return false
}

// DefaultActionTimeout is the timeout Pacemaker advertises for the start
// and stop actions it adds to a fence agent's meta-data.
const DefaultActionTimeout = 20 * time.Second

// Normalized returns the meta-data as Pacemaker presents it to the
// configuration tools (stonith__rhcs_get_metadata): "action", "plug" and
// "port" are not required, because the fencer supplies them; start and
// stop, which the fencer implements itself, are added when the agent does
// not list stop. m is not changed.
func (m Metadata) Normalized() Metadata {
	out := m
	out.Parameters = append([]Parameter(nil), m.Parameters...)
	for i, p := range out.Parameters {
		switch p.Name {
		case "action", "plug", "port":
			out.Parameters[i].Required = false
		}
	}
	out.Actions = append([]Action(nil), m.Actions...)
	if !m.HasAction("stop") {
		out.Actions = append(out.Actions,
			Action{Name: "stop", Timeout: DefaultActionTimeout},
			Action{Name: "start", Timeout: DefaultActionTimeout})
	}
	return out
}

func pickDesc(ds []xmlDesc) string {
	for _, d := range ds {
		if d.Lang == "en" || d.Lang == "" {
			return strings.TrimSpace(d.Text)
		}
	}
	if len(ds) > 0 {
		return strings.TrimSpace(ds[0].Text)
	}
	return ""
}

func parseDuration(s string) (time.Duration, error) {
	if strings.TrimSpace(s) == "" {
		return 0, nil
	}
	return pcmktime.ParseDuration(s)
}

// isTrue is Pacemaker's crm_is_true.
func isTrue(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "on", "yes", "y", "1":
		return true
	}
	return false
}

package ocf

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"pacer/internal/pcmktime"
	"strconv"
	"strings"
	"time"
)

// Metadata is an agent's self-description, the output of its meta-data
// action (the OCF ra-api-1 DTD).
type Metadata struct {
	Name       string
	Version    string // the agent's own version (<version>)
	ShortDesc  string
	LongDesc   string
	Parameters []Parameter
	Actions    []Action
}

// Parameter is one instance attribute the agent accepts.
type Parameter struct {
	Name        string
	Required    bool
	Unique      bool
	Reloadable  bool
	Deprecated  bool
	ShortDesc   string
	LongDesc    string
	ContentType string // "string", "integer", "boolean", "select", ...
	Default     string
	HasDefault  bool
	Options     []string // the choices of a "select" content type
}

// Action is one action the agent advertises, with its suggested timeout
// and, for monitors, interval and depth.
type Action struct {
	Name     string
	Timeout  time.Duration
	Interval time.Duration
	Depth    int
	Role     string
}

// ErrMetadata is wrapped by every ParseMetadata error, so callers can tell
// an agent's bad meta-data from a failure to run it.
var ErrMetadata = errors.New("invalid agent meta-data")

type xmlAgent struct {
	XMLName    xml.Name    `xml:"resource-agent"`
	Name       string      `xml:"name,attr"`
	Version    string      `xml:"version"`
	AttrVer    string      `xml:"version,attr"`
	ShortDesc  []xmlDesc   `xml:"shortdesc"`
	LongDesc   []xmlDesc   `xml:"longdesc"`
	Parameters []xmlParam  `xml:"parameters>parameter"`
	Actions    []xmlAction `xml:"actions>action"`
}

type xmlDesc struct {
	Lang string `xml:"lang,attr"`
	Text string `xml:",chardata"`
}

type xmlParam struct {
	Name       string      `xml:"name,attr"`
	Required   string      `xml:"required,attr"`
	Unique     string      `xml:"unique,attr"`
	Reloadable string      `xml:"reloadable,attr"`
	Deprecated *struct{}   `xml:"deprecated"`
	ShortDesc  []xmlDesc   `xml:"shortdesc"`
	LongDesc   []xmlDesc   `xml:"longdesc"`
	Content    *xmlContent `xml:"content"`
}

type xmlContent struct {
	Type    string  `xml:"type,attr"`
	Default *string `xml:"default,attr"`
	Options []struct {
		Value string `xml:"value,attr"`
	} `xml:"option"`
}

type xmlAction struct {
	Name     string `xml:"name,attr"`
	Timeout  string `xml:"timeout,attr"`
	Interval string `xml:"interval,attr"`
	Depth    string `xml:"depth,attr"`
	Role     string `xml:"role,attr"`
}

// ParseMetadata parses and checks an agent's meta-data XML. Errors name
// the parameter or action at fault and wrap ErrMetadata.
func ParseMetadata(b []byte) (Metadata, error) {
	var x xmlAgent
	d := xml.NewDecoder(bytes.NewReader(b))
	if err := d.Decode(&x); err != nil {
		if errors.Is(err, io.EOF) {
			return Metadata{}, fmt.Errorf("%w: no <resource-agent> element in %d bytes of output", ErrMetadata, len(b))
		}
		return Metadata{}, fmt.Errorf("%w: %w", ErrMetadata, err)
	}
	if x.Name == "" {
		return Metadata{}, fmt.Errorf("%w: resource-agent has no name", ErrMetadata)
	}
	m := Metadata{
		Name:      x.Name,
		Version:   strings.TrimSpace(x.Version),
		ShortDesc: pickDesc(x.ShortDesc),
		LongDesc:  pickDesc(x.LongDesc),
	}
	if m.Version == "" {
		m.Version = x.AttrVer
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
			Reloadable: isTrue(p.Reloadable),
			Deprecated: p.Deprecated != nil,
			ShortDesc:  pickDesc(p.ShortDesc),
			LongDesc:   pickDesc(p.LongDesc),
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
		ma := Action{Name: a.Name, Role: a.Role}
		var err error
		if ma.Timeout, err = ParseDuration(a.Timeout); err != nil {
			return Metadata{}, fmt.Errorf("%w: action %s timeout: %w", ErrMetadata, a.Name, err)
		}
		if ma.Interval, err = ParseDuration(a.Interval); err != nil {
			return Metadata{}, fmt.Errorf("%w: action %s interval: %w", ErrMetadata, a.Name, err)
		}
		if s := strings.TrimSpace(a.Depth); s != "" {
			if ma.Depth, err = strconv.Atoi(s); err != nil {
				return Metadata{}, fmt.Errorf("%w: action %s depth %q: not an integer", ErrMetadata, a.Name, a.Depth)
			}
		}
		m.Actions = append(m.Actions, ma)
	}
	return m, nil
}

// pickDesc prefers the English text, as crm ra info does, and falls back
// to the first one given.
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

// ParseDuration reads an action's timeout or interval from meta-data in
// Pacemaker's syntax; an empty value is zero (not given).
func ParseDuration(s string) (time.Duration, error) {
	if strings.TrimSpace(s) == "" {
		return 0, nil
	}
	return pcmktime.ParseDuration(s)
}

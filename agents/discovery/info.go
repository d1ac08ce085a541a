package discovery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"pacer/agents"
	"pacer/agents/lsb"
	"pacer/agents/ocf"
	"pacer/agents/stonith"
	"pacer/internal/clock"
)

// Info describes an agent: what `pacer ra info` prints and what a
// configuration check compares a resource's parameters and operations
// with.
type Info struct {
	Agent      Agent
	Version    string
	ShortDesc  string
	LongDesc   string
	Parameters []Parameter
	Actions    []Action
}

// Parameter is one instance attribute the agent takes.
type Parameter struct {
	Name       string
	Type       string // the content type: "string", "integer", "boolean", ...
	Default    string
	HasDefault bool
	Required   bool
	Unique     bool
	Deprecated bool
	ShortDesc  string
	LongDesc   string
	Options    []string // the choices of a "select" type
}

// Action is one action the agent advertises with its advisory minimum
// timeout, and for monitors its interval, depth and role.
type Action struct {
	Name     string
	Timeout  time.Duration
	Interval time.Duration
	Depth    int
	Role     string
}

// MetadataTimeout bounds an agent's meta-data action. Pacemaker's tools
// allow 30 seconds; an agent that needs longer is broken.
const MetadataTimeout = 30 * time.Second

// maxScript bounds how much of an init script is read for its header,
// which the LSB puts at the top.
const maxScript = 1 << 20

// NewRunner returns a process runner whose ocf, lsb and stonith classes
// use the directories of c, so Info runs exactly the agents List found.
func NewRunner(c Config, clk clock.Clock) (*agents.ProcessRunner, error) {
	return agents.NewProcessRunner(agents.DefaultRunnerConfig(), clk, map[string]agents.Class{
		ClassOCF:     ocf.Class{Root: c.OCFRoot},
		ClassLSB:     lsb.Class{Dir: c.LSBDir},
		ClassStonith: stonith.Class{Dir: c.FenceDir},
	})
}

// Path returns where the agent's executable is, after checking its name.
func (c Config) Path(a Agent) (string, error) {
	switch strings.ToLower(a.Class) {
	case ClassOCF:
		return ocf.Path(c.ocfRoot(), a.Provider, a.Type)
	case ClassLSB:
		return lsb.Path(c.lsbDir(), a.Type)
	case ClassStonith:
		return stonith.Path(c.fenceDir(), a.Type)
	case ClassService, ClassSystemd:
		return "", fmt.Errorf("%s: class %s has no agent file: %w", a, a.Class, errNoFile)
	}
	return "", fmt.Errorf("%w %q (known: %s)", ErrUnknownClass, a.Class, strings.Join(c.Classes(), ", "))
}

// errNoFile marks the classes whose agents are not files (systemd units
// are managed over D-Bus).
var errNoFile = errors.New("no agent file")

// Info describes the agent: it runs the agent's meta-data action through
// r (for an init script, reads the script's LSB header instead) and
// parses the result. Errors say which agent, and for a missing agent
// where it was looked for.
//
// A systemd unit's meta-data comes from r alone, so r must route class
// "systemd" to the systemd class (NewRunner's runner does not). A
// "service" is the init script of that name when there is one, else the
// systemd unit, as Pacemaker resolves it.
func (c Config) Info(ctx context.Context, r agents.Runner, a Agent) (Info, error) {
	a.Class = strings.ToLower(a.Class)
	if a.Class == ClassService {
		if p, err := lsb.Path(c.lsbDir(), a.Type); err == nil {
			if _, err := os.Stat(p); err == nil {
				in, err := c.Info(ctx, r, Agent{Class: ClassLSB, Type: a.Type})
				in.Agent = a
				return in, err
			}
		}
		in, err := c.Info(ctx, r, Agent{Class: ClassSystemd, Type: a.Type})
		in.Agent = a
		return in, err
	}
	if a.Class == ClassSystemd {
		return metadataInfo(ctx, r, a)
	}
	path, err := c.Path(a)
	if err != nil {
		return Info{}, fmt.Errorf("agent %s: %w", a, err)
	}
	if st, err := os.Stat(path); err != nil || st.IsDir() {
		if err == nil || errors.Is(err, fs.ErrNotExist) {
			return Info{}, fmt.Errorf("agent %s %w in %s", a, ErrNotFound, filepath.Dir(path))
		}
		return Info{}, fmt.Errorf("agent %s: %w", a, err)
	}
	switch a.Class {
	case ClassLSB:
		return c.lsbInfo(a, path)
	case ClassStonith:
		out, err := runMetadata(ctx, r, a, "metadata")
		if err != nil {
			return Info{}, err
		}
		md, err := stonith.ParseMetadata(out)
		if err != nil {
			return Info{}, fmt.Errorf("agent %s: %w", a, err)
		}
		return fromStonith(a, withFencerParameters(md.Normalized())), nil
	}
	return metadataInfo(ctx, r, a)
}

// metadataInfo runs the meta-data action and reads OCF meta-data.
func metadataInfo(ctx context.Context, r agents.Runner, a Agent) (Info, error) {
	out, err := runMetadata(ctx, r, a, "meta-data")
	if err != nil {
		return Info{}, err
	}
	md, err := ocf.ParseMetadata(out)
	if err != nil {
		return Info{}, fmt.Errorf("agent %s: %w", a, err)
	}
	return fromOCF(a, md), nil
}

func (c Config) lsbInfo(a Agent, path string) (Info, error) {
	f, err := os.Open(path)
	if err != nil {
		return Info{}, fmt.Errorf("agent %s: %w", a, err)
	}
	defer f.Close()
	script, err := io.ReadAll(io.LimitReader(f, maxScript))
	if err != nil {
		return Info{}, fmt.Errorf("agent %s: read %s: %w", a, path, err)
	}
	md, err := ocf.ParseMetadata(lsb.Metadata(a.Type, lsb.ParseHeader(script)))
	if err != nil {
		// The XML is built here from escaped text; failing to read it
		// back is a bug, reported rather than hidden.
		return Info{}, fmt.Errorf("agent %s: synthesised meta-data: %w", a, err)
	}
	return fromOCF(a, md), nil
}

// runMetadata runs the meta-data action and returns its stdout, failing
// when the agent could not run or did not exit 0.
func runMetadata(ctx context.Context, r agents.Runner, a Agent, action string) ([]byte, error) {
	res, err := r.Run(ctx, agents.Request{
		Class: a.Class, Provider: a.Provider, Type: a.Type, Action: action, Timeout: MetadataTimeout,
	})
	if err != nil {
		return nil, fmt.Errorf("agent %s: %s: %w", a, action, err)
	}
	if res.RC != 0 {
		// An agent that does not know the action often prints its
		// usage on stdout (fence_ack_manual does), so fall back to it.
		why := lastLine(res.Stderr)
		if why == "" {
			why = lastLine(res.Output)
		}
		if why == "" {
			why = "no output"
		}
		return nil, fmt.Errorf("agent %s: %s exited %d: %s", a, action, res.RC, why)
	}
	return []byte(res.Output), nil
}

// lastLine is the last non-empty line of an agent's output, which says
// why it failed more often than the first; "" when there is none.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

func fromOCF(a Agent, md ocf.Metadata) Info {
	in := Info{Agent: a, Version: md.Version, ShortDesc: md.ShortDesc, LongDesc: md.LongDesc}
	for _, p := range md.Parameters {
		in.Parameters = append(in.Parameters, Parameter{
			Name: p.Name, Type: p.ContentType, Default: p.Default, HasDefault: p.HasDefault,
			Required: p.Required, Unique: p.Unique, Deprecated: p.Deprecated,
			ShortDesc: p.ShortDesc, LongDesc: p.LongDesc, Options: p.Options,
		})
	}
	for _, x := range md.Actions {
		in.Actions = append(in.Actions, Action{Name: x.Name, Timeout: x.Timeout, Interval: x.Interval, Depth: x.Depth, Role: x.Role})
	}
	return in
}

// withFencerParameters appends the fencer's own parameters that the agent
// does not define, as crm ra info shows them for a stonith agent.
func withFencerParameters(md stonith.Metadata) stonith.Metadata {
	for _, p := range stonith.FencerParameters() {
		if _, ok := md.Param(p.Name); !ok {
			md.Parameters = append(md.Parameters, p)
		}
	}
	return md
}

func fromStonith(a Agent, md stonith.Metadata) Info {
	in := Info{Agent: a, ShortDesc: md.ShortDesc, LongDesc: md.LongDesc}
	for _, p := range md.Parameters {
		in.Parameters = append(in.Parameters, Parameter{
			Name: p.Name, Type: p.ContentType, Default: p.Default, HasDefault: p.HasDefault,
			Required: p.Required, Unique: p.Unique, Deprecated: p.Deprecated,
			ShortDesc: p.ShortDesc, LongDesc: p.LongDesc, Options: p.Options,
		})
	}
	for _, x := range md.Actions {
		in.Actions = append(in.Actions, Action{Name: x.Name, Timeout: x.Timeout, Interval: x.Interval})
	}
	return in
}

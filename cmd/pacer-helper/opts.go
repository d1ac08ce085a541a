package main

import (
	"fmt"
	"strings"
)

// argKind says whether an option takes a value.
type argKind uint8

const (
	noArg argKind = iota
	reqArg
	// optArg: the value is attached (-pRSC, --promotion=RSC) or the next
	// argument when that does not start with '-', as GLib parses
	// G_OPTION_FLAG_OPTIONAL_ARG.
	optArg
)

// option is one command-line option. key names it in the parse result;
// short is 0 when there is none; longs are the long names, aliases and
// deprecated spellings included.
type option struct {
	key   string
	short byte
	longs []string
	kind  argKind
	// unsupported, when set, is why pacer does not implement this
	// Pacemaker option; using it is an error saying so.
	unsupported string
}

// opt is one option as given, in command-line order (later ones win, as
// in Pacemaker's tools).
type opt struct {
	key   string
	name  string // as written: "-n" or "--name"
	value string
	has   bool // a value was given (for optArg)
}

// usageError is a command line that cannot be run: CRM_EX_USAGE.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// unsupportedError is a Pacemaker option pacer does not implement:
// CRM_EX_UNIMPLEMENT_FEATURE.
type unsupportedError struct{ msg string }

func (e *unsupportedError) Error() string { return e.msg }

// parseArgs parses args (without argv[0]) like GLib's option parser, which
// Pacemaker's tools use: short options may be bundled (-qG) and take their
// value attached (-nNAME) or as the next argument, which may start with '-'
// (-v -INFINITY); long options take --name=value or --name value; "--" ends
// options. An option not in table is an error naming it.
func parseArgs(args []string, table []option) ([]opt, []string, error) {
	var out []opt
	var rest []string
	find := func(name string, short byte) *option {
		for i := range table {
			o := &table[i]
			if short != 0 && o.short == short {
				return o
			}
			for _, l := range o.longs {
				if short == 0 && l == name {
					return o
				}
			}
		}
		return nil
	}
	take := func(o *option, written string) (opt, error) {
		if o.unsupported != "" {
			return opt{}, &unsupportedError{fmt.Sprintf("option %s is not supported by pacer: %s", written, o.unsupported)}
		}
		return opt{key: o.key, name: written}, nil
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			rest = append(rest, args[i+1:]...)
			return out, rest, nil
		case strings.HasPrefix(a, "--"):
			name, val, hasEq := strings.Cut(a[2:], "=")
			o := find(name, 0)
			if o == nil {
				return nil, nil, &usageError{fmt.Sprintf("unknown option --%s", name)}
			}
			r, err := take(o, "--"+name)
			if err != nil {
				return nil, nil, err
			}
			switch o.kind {
			case noArg:
				if hasEq {
					return nil, nil, &usageError{fmt.Sprintf("option --%s takes no value", name)}
				}
			case reqArg:
				if !hasEq {
					if i+1 >= len(args) {
						return nil, nil, &usageError{fmt.Sprintf("missing value for --%s", name)}
					}
					i++
					val = args[i]
				}
				r.value, r.has = val, true
			case optArg:
				if hasEq {
					r.value, r.has = val, true
				} else if i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
					i++
					r.value, r.has = args[i], true
				}
			}
			out = append(out, r)
		case len(a) > 1 && a[0] == '-':
			for j := 1; j < len(a); j++ {
				c := a[j]
				o := find("", c)
				if o == nil {
					return nil, nil, &usageError{fmt.Sprintf("unknown option -%c", c)}
				}
				r, err := take(o, "-"+string(c))
				if err != nil {
					return nil, nil, err
				}
				attached := a[j+1:]
				switch o.kind {
				case reqArg:
					if attached != "" {
						r.value = attached
					} else if i+1 < len(args) {
						i++
						r.value = args[i]
					} else {
						return nil, nil, &usageError{fmt.Sprintf("missing value for -%c", c)}
					}
					r.has = true
					j = len(a)
				case optArg:
					if attached != "" {
						r.value, r.has = attached, true
					} else if i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
						i++
						r.value, r.has = args[i], true
					}
					j = len(a)
				}
				out = append(out, r)
			}
		default:
			rest = append(rest, a)
		}
	}
	return out, rest, nil
}

// Options every tool accepts.
var commonOptions = []option{
	{key: "help", short: 'h', longs: []string{"help", "help-all"}},
	{key: "version", short: '$', longs: []string{"version"}},
	{key: "verbose", short: 'V', longs: []string{"verbose"}},
	{key: "output-as", longs: []string{"output-as"}, kind: reqArg},
	{key: "output-to", longs: []string{"output-to"}, kind: reqArg, unsupported: "output goes to stdout"},
}

func withCommon(opts ...option) []option { return append(opts, commonOptions...) }

// checkOutputAs accepts only text output, Pacemaker's default.
func checkOutputAs(o opt) error {
	if o.key == "output-as" && o.value != "text" {
		return &unsupportedError{fmt.Sprintf("--output-as=%s is not supported by pacer (only text)", o.value)}
	}
	return nil
}

package cib

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// ParseBoolean reads a boolean with Pacemaker's spellings (crm_str_to_boolean):
// true, on, yes, y, 1 and false, off, no, n, 0, in any case.
func ParseBoolean(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "on", "yes", "y", "1":
		return true, nil
	case "false", "off", "no", "n", "0":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean (want true/false, yes/no, on/off, y/n or 1/0)", s)
}

// IsValidID reports whether s is a valid XML ID (an NCName): it starts with
// a letter or '_' and goes on with letters, digits, '.', '-', '_' or
// combining marks. Pacemaker's schema types every configuration id as ID.
func IsValidID(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || unicode.IsLetter(r):
		case i > 0 && (r == '.' || r == '-' || unicode.IsDigit(r) ||
			unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) || r == '\u00b7'):
		default:
			return false
		}
	}
	return true
}

func idSyntaxMsg(id string) string {
	if id == "" {
		return "empty id"
	}
	return fmt.Sprintf("%q is not a valid XML ID (it must start with a letter or '_' and contain only letters, digits, '.', '-' and '_')", id)
}

// parseInteger reads a decimal integer, as the schema's integer type.
func parseInteger(s string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not an integer", s)
	}
	return n, nil
}

func oneOf(s string, fold bool, allowed ...string) bool {
	for _, a := range allowed {
		if s == a || (fold && strings.EqualFold(s, a)) {
			return true
		}
	}
	return false
}

func wantList(allowed ...string) string {
	switch len(allowed) {
	case 1:
		return allowed[0]
	case 2:
		return allowed[0] + " or " + allowed[1]
	}
	return strings.Join(allowed[:len(allowed)-1], ", ") + " or " + allowed[len(allowed)-1]
}

package ocf

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// DefaultRoot is OCF_ROOT on Debian and every Pacemaker distribution.
const DefaultRoot = "/usr/lib/ocf"

// ErrBadName is returned for a provider or type that is not a single path
// element: such a name would let a CIB entry execute any file.
var ErrBadName = errors.New("invalid agent name")

// Path returns ROOT/resource.d/PROVIDER/TYPE. It refuses a provider or type
// that is empty, ".", "..", or contains a slash or NUL, so the result always
// stays under ROOT/resource.d.
func Path(root, provider, typ string) (string, error) {
	if err := checkName("provider", provider); err != nil {
		return "", err
	}
	if err := checkName("type", typ); err != nil {
		return "", err
	}
	if root == "" {
		root = DefaultRoot
	}
	return filepath.Join(root, "resource.d", provider, typ), nil
}

func checkName(what, s string) error {
	if s == "" || s == "." || s == ".." || strings.ContainsAny(s, "/\x00") {
		return fmt.Errorf("ocf %s %q: %w", what, s, ErrBadName)
	}
	return nil
}

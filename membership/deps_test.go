package membership

import (
	"go/build"
	"strings"
	"testing"
)

// TestDeps polices membership's layer: it may import only L0 of pacer
// (clock, cluster, logfield), never heartbeat (the daemon adapts between
// them) nor anything above.
func TestDeps(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{
		"pacer/internal/clock":    true,
		"pacer/internal/cluster":  true,
		"pacer/internal/logfield": true,
	}
	for _, imp := range pkg.Imports {
		if strings.HasPrefix(imp, "pacer/") && !allowed[imp] {
			t.Errorf("membership imports %s; only %v are allowed (heartbeat would be a cycle: it asks membership for paths)", imp, allowed)
		}
	}
}

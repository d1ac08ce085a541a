package coordinator

import (
	"testing"
)

func TestDebugKillNoStonith(t *testing.T) {
	tc := newCluster(t, dummy, "alpha", "bravo", "charlie")
	tc.elect("bravo", 1)
	node := tc.runsOn("d1")
	tc.eventually("DC idle", func() bool { return tc.idle("bravo") })
	tc.kill(node)
	tc.eventually("moved", func() bool { return len(tc.world.startsOf("d1")) == 2 })
}

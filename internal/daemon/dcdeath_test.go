package daemon

import (
	"context"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"pacer/heartbeat"
	"pacer/heartbeat/memlink"
	"pacer/internal/clock"
	"pacer/internal/cluster"
	"pacer/internal/config"
)

// When membership declares the DC dead, the lowest-id live voter that is
// not a witness campaigns at once (and only it), and becomes DC although
// the others still count the dead DC's lease. Raft's own election timeout
// is set long (2..4 s), so the election seen is the one membership
// started.
func TestCampaignWhenDCDeclaredDead(t *testing.T) {
	names := []string{"alpha", "bravo", "charlie", "delta"}
	net := memlink.NewNetwork(clock.Real{}, 1)
	ds := make([]*Daemon, len(names))
	logs := make([]*observer.ObservedLogs, len(names))
	stops := make([]context.CancelFunc, len(names))
	dones := make([]chan error, len(names))
	for i := range names {
		cfg := testConfig(t, i, names)
		cfg.Raft = config.RaftConfig{Tick: config.Duration{Duration: 20 * time.Millisecond}, ElectionTicks: 100, HeartbeatTicks: 1}
		if i == 0 {
			cfg.Node.Witness = true
		} else {
			cfg.Peers[0].Witness = true // alpha, as the others know it
		}
		core, obs := observer.New(zap.DebugLevel)
		d, err := New(cfg, Deps{Logger: zap.New(core), Keyring: keyring(), Links: []heartbeat.Link{net.Link(cluster.NodeID(i+1), "ring0")}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		ds[i], logs[i], stops[i], dones[i] = d, obs, cancel, make(chan error, 1)
		go func() { dones[i] <- d.Run(ctx) }()
	}
	defer func() {
		for i := range ds {
			if stops[i] != nil {
				stops[i]()
				<-dones[i]
			}
		}
	}()
	// dcIndex is the DC every running node names (not the witness), -1
	// while they do not agree.
	dcIndex := func() int {
		for i, d := range ds {
			if stops[i] == nil || d.store.Status().Lead != d.store.ID() || d.cfg.Node.Witness {
				continue
			}
			for j, o := range ds {
				if stops[j] != nil && o.store.Status().Lead != d.store.ID() {
					return -1
				}
			}
			return i
		}
		return -1
	}
	deadline := time.Now().Add(30 * time.Second) // hang guard
	for dcIndex() < 0 {
		if time.Now().After(deadline) {
			t.Fatal("no DC")
		}
		time.Sleep(10 * time.Millisecond)
	}
	dead := dcIndex()
	stops[dead]()
	<-dones[dead]
	stops[dead] = nil
	// The expected campaigner: the lowest-id survivor that is not alpha,
	// the witness.
	want := -1
	for i := 1; i < len(names); i++ {
		if i != dead {
			want = i
			break
		}
	}
	const line = "DC declared dead: campaigning now rather than wait out the election timeout"
	for logs[want].FilterMessage(line).Len() == 0 {
		if time.Now().After(deadline) {
			for _, e := range logs[want].All() {
				if e.LoggerName == "store" || e.LoggerName == "membership" || e.LoggerName == "daemon" {
					t.Logf("%s %s %s %v", e.Time.Format("05.000"), e.LoggerName, e.Message, e.ContextMap())
				}
			}
			t.Logf("dead %s; status %+v", names[dead], ds[want].store.Status())
			t.Fatalf("%s never campaigned", names[want])
		}
		time.Sleep(10 * time.Millisecond)
	}
	for dcIndex() < 0 {
		if time.Now().After(deadline) {
			t.Fatal("no new DC")
		}
		time.Sleep(10 * time.Millisecond)
	}
	for i := range names {
		if i != want && logs[i].FilterMessage(line).Len() != 0 {
			t.Errorf("%s campaigned too (only %s should)", names[i], names[want])
		}
	}
	// The campaigner usually wins; a voter with a longer log (the
	// coordinator's status updates) may win the election it started.
	if got := dcIndex(); got != want {
		t.Logf("the new DC is %s; %s campaigned", names[got], names[want])
	}
}

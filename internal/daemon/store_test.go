package daemon

import (
	"context"
	"reflect"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"pacer/crm/store"
	"pacer/heartbeat"
	"pacer/heartbeat/memlink"
	"pacer/internal/clock"
	"pacer/internal/cluster"
	"pacer/internal/config"
)

func TestStoreConfigRaftIDsAreNodeIDs(t *testing.T) {
	cfg := config.Defaults()
	cfg.Node = config.NodeConfig{Name: "bravo", ID: 20}
	cfg.Peers = []config.NodeConfig{{Name: "charlie", ID: 7}, {Name: "alpha", ID: 31, Witness: true}}
	cfg.Raft = config.RaftConfig{Tick: config.Duration{Duration: 50 * time.Millisecond}, ElectionTicks: 12, HeartbeatTicks: 2}
	sc := StoreConfig(cfg)
	want := []store.Peer{{ID: 7, Name: "charlie"}, {ID: 20, Name: "bravo"}, {ID: 31, Name: "alpha"}}
	if sc.ID != 20 || sc.Name != "bravo" || !reflect.DeepEqual(sc.Peers, want) || !reflect.DeepEqual(sc.Witnesses, []uint64{31}) {
		t.Fatalf("store config id %d name %s peers %v witnesses %v, want 20 bravo %v [31]", sc.ID, sc.Name, sc.Peers, sc.Witnesses, want)
	}
	if sc.TickInterval != 50*time.Millisecond || sc.ElectionTicks != 12 || sc.HeartbeatTicks != 2 {
		t.Fatalf("timing %v %d %d", sc.TickInterval, sc.ElectionTicks, sc.HeartbeatTicks)
	}
	if err := sc.Validate(); err != nil {
		t.Fatal(err)
	}
}

// Three daemons, the third a witness, on an in-memory network: they elect
// one DC, every node's node info names it, and when the DC stops the two
// others elect another.
func TestDaemonsElectOneDC(t *testing.T) {
	names := []string{"alpha", "bravo", "charlie"}
	net := memlink.NewNetwork(clock.Real{}, 1)
	var logs []*observer.ObservedLogs
	var ds []*Daemon
	cancels := make([]context.CancelFunc, 3)
	done := make([]chan error, 3)
	for i := range names {
		cfg := testConfig(t, i, names)
		cfg.Raft = config.RaftConfig{Tick: config.Duration{Duration: 20 * time.Millisecond}, ElectionTicks: 10, HeartbeatTicks: 1}
		if i == 2 {
			cfg.Node.Witness = true
		} else {
			cfg.Peers[1].Witness = true // charlie, as the others know it
		}
		core, obs := observer.New(zap.InfoLevel)
		logs = append(logs, obs)
		d, err := New(cfg, Deps{Logger: zap.New(core), Keyring: keyring(),
			Links: []heartbeat.Link{net.Link(cluster.NodeID(i+1), "ring0")}})
		if err != nil {
			t.Fatal(err)
		}
		ds = append(ds, d)
		ctx, cancel := context.WithCancel(context.Background())
		cancels[i], done[i] = cancel, make(chan error, 1)
		go func(i int) { done[i] <- d.Run(ctx) }(i)
	}
	defer func() {
		for i := range cancels {
			cancels[i]()
			<-done[i]
		}
	}()
	// sameDC waits until every running daemon's node info names one DC
	// among them that is not the witness, and returns its index.
	sameDC := func(running []int) int {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second) // hang guard
		for time.Now().Before(deadline) {
			dc := ""
			agree := true
			for _, i := range running {
				ni, err := controlBackend{ds[i], ds[i].attrs}.NodeInfo(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if ni.DC == "" || (dc != "" && ni.DC != dc) {
					agree = false
				}
				dc = ni.DC
			}
			for _, i := range running {
				if agree && names[i] == dc && dc != "charlie" { // the witness hands over
					return i
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("daemons %v never agreed on a DC", running)
		return -1
	}
	dc := sameDC([]int{0, 1, 2})
	elected := 0
	for i := range names {
		for _, e := range logs[i].FilterMessage("elected DC").All() {
			if e.LoggerName != "store" || e.ContextMap()["node"] != names[i] {
				t.Errorf("elected DC line %+v", e)
			}
			if i == dc {
				elected++
			}
		}
	}
	if elected == 0 {
		t.Fatalf("the DC %s never logged elected DC", names[dc])
	}
	ni, _ := controlBackend{ds[2], ds[2].attrs}.NodeInfo(context.Background())
	if !ni.Witness || !ni.Members[0].Witness || ni.Members[1].Witness || ni.Members[0].State != "member" {
		t.Fatalf("witness node info %+v", ni)
	}
	ni, _ = controlBackend{ds[0], ds[0].attrs}.NodeInfo(context.Background())
	if ni.Witness || !ni.Members[2].Witness {
		t.Fatalf("alpha's node info %+v", ni)
	}
	if st := ds[dc].WireStats(); st.Sent == 0 || st.Garbled != 0 {
		t.Fatalf("DC wire stats %+v", st)
	}

	// The DC stops; the other two elect a new one.
	cancels[dc]()
	if err := <-done[dc]; err != nil {
		t.Fatalf("Run returned %v on cancel", err)
	}
	done[dc] <- nil // for the deferred wait
	var rest []int
	for i := range names {
		if i != dc {
			rest = append(rest, i)
		}
	}
	if next := sameDC(rest); next == dc {
		t.Fatalf("the stopped DC is still named")
	}
}

// A raft message that does not decode, in a frame a peer signed, is
// dropped, counted and summarised in the log; it changes nothing.
func TestGarbledRaftMessageCounted(t *testing.T) {
	names := []string{"alpha", "bravo"}
	net := memlink.NewNetwork(clock.Real{}, 1)
	core, obs := observer.New(zap.InfoLevel)
	d, err := New(testConfig(t, 0, names), Deps{Logger: zap.New(core), Keyring: keyring(),
		Links: []heartbeat.Link{net.Link(1, "ring0")}, StatsInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	bravo := net.Link(2, "ring0")
	sealer, err := heartbeat.NewSealer("unit", 2, 1, keyring())
	if err != nil {
		t.Fatal(err)
	}
	body, err := heartbeat.EncodeBody(nil, heartbeat.Message{To: 1, Channel: heartbeat.ChannelRaft, Data: []byte{0xc1, 0x00}})
	if err != nil {
		t.Fatal(err)
	}
	frame, err := sealer.Seal(nil, heartbeat.TypeMessage, body)
	if err != nil {
		t.Fatal(err)
	}
	if err := bravo.Send(1, frame); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second) // hang guard
	for {
		if es := obs.FilterMessage("raft messages dropped").All(); len(es) > 0 {
			if g := es[0].ContextMap()["garbled"]; g != uint64(1) || es[0].LoggerName != "store" {
				t.Fatalf("summary %+v", es[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no summary; wire stats %+v", d.WireStats())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if st := d.WireStats(); st.Garbled != 1 || st.Received != 0 {
		t.Fatalf("wire stats %+v", st)
	}
}

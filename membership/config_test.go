package membership

import (
	"errors"
	"strings"
	"testing"
	"time"

	"pacer/internal/cluster"
)

func TestConfigValidate(t *testing.T) {
	links := []cluster.LinkName{"ring0"}
	tests := []struct {
		name     string
		edit     func(c *Config)
		wantErr  string // substring; empty: valid
		wantTick time.Duration
	}{
		{name: "valid", edit: func(*Config) {}, wantTick: tick},
		{name: "tick defaults to keepalive/4", edit: func(c *Config) { c.Tick = 0 }, wantTick: keepalive / 4},
		{name: "heartbeat defaults", edit: func(c *Config) {
			d := DefaultConfig()
			c.Keepalive, c.Warntime, c.Deadtime, c.Initdead, c.Tick = d.Keepalive, d.Warntime, d.Deadtime, d.Initdead, 0
		}, wantTick: 500 * time.Millisecond},
		{name: "initdead equal to deadtime", edit: func(c *Config) { c.Initdead = c.Deadtime }, wantTick: tick},
		{name: "no peers", edit: func(c *Config) { c.Peers = nil }, wantTick: tick},
		{name: "self id 0", edit: func(c *Config) { c.Self = 0 }, wantErr: "self node id"},
		{name: "self name empty", edit: func(c *Config) { c.SelfName = "" }, wantErr: "self node name"},
		{name: "keepalive zero", edit: func(c *Config) { c.Keepalive = 0 }, wantErr: "keepalive"},
		{name: "warntime not above keepalive", edit: func(c *Config) { c.Warntime = c.Keepalive }, wantErr: "warntime"},
		{name: "deadtime not above warntime", edit: func(c *Config) { c.Deadtime = c.Warntime }, wantErr: "deadtime"},
		{name: "initdead below deadtime", edit: func(c *Config) { c.Initdead = c.Deadtime - 1 }, wantErr: "initdead"},
		{name: "negative tick", edit: func(c *Config) { c.Tick = -1 }, wantErr: "tick"},
		{name: "tick above keepalive", edit: func(c *Config) { c.Tick = c.Keepalive + 1 }, wantErr: "tick"},
		{name: "peer id 0", edit: func(c *Config) { c.Peers = []Peer{{ID: 0, Name: "z", Links: links}} }, wantErr: "node id must not be 0"},
		{name: "peer without a name", edit: func(c *Config) { c.Peers = []Peer{{ID: 5, Links: links}} }, wantErr: "node name must not be empty"},
		{name: "peer id is self", edit: func(c *Config) { c.Peers = []Peer{{ID: 1, Name: "z", Links: links}} }, wantErr: "used twice"},
		{name: "duplicate peer id", edit: func(c *Config) { c.Peers = append(c.Peers, Peer{ID: 2, Name: "z", Links: links}) }, wantErr: "node id 2 is used twice"},
		{name: "duplicate peer name", edit: func(c *Config) { c.Peers = append(c.Peers, Peer{ID: 5, Name: "b", Links: links}) }, wantErr: `node name "b" is used twice`},
		{name: "peer without links", edit: func(c *Config) { c.Peers = []Peer{{ID: 5, Name: "z"}} }, wantErr: "no links"},
		{name: "empty link name", edit: func(c *Config) { c.Peers = []Peer{{ID: 5, Name: "z", Links: []cluster.LinkName{""}}} }, wantErr: "has no name"},
		{name: "duplicate link", edit: func(c *Config) {
			c.Peers = []Peer{{ID: 5, Name: "z", Links: []cluster.LinkName{"ring0", "serial0", "ring0"}}}
		}, wantErr: `link "ring0" is listed twice`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := testConfig(peerB, peerC)
			c.Peers = append([]Peer(nil), c.Peers...)
			tc.edit(&c)
			err := c.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate = %v", err)
				}
				if c.Tick != tc.wantTick {
					t.Errorf("Tick = %v, want %v", c.Tick, tc.wantTick)
				}
				return
			}
			if err == nil || !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Validate = %v, want ErrInvalidConfig mentioning %q", err, tc.wantErr)
			}
			if _, err := NewTracker(c, t0); !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("NewTracker = %v, want ErrInvalidConfig", err)
			}
		})
	}
}

func TestNewTrackerCopiesConfig(t *testing.T) {
	cfg := testConfig(Peer{ID: 2, Name: "b", Links: []cluster.LinkName{"ring0", "serial0"}})
	tr, err := NewTracker(cfg, t0)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Peers[0].Links[0] = "changed"
	tr.Observe(Observation{Node: 2, Link: "ring0", Epoch: 1, At: t0})
	if n, _ := tr.View().Node(2); n.Links[0].Name != "ring0" || n.State != NodeStateUp {
		t.Fatalf("the tracker shares the caller's config: %+v", n)
	}
}

package fencing

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"pacer/agents"
)

// The statuses "list" answers in these tests: fence_full lists plugs
// "p1,n1" (plug p1 alias n1) and "p2,".
func listAnswer(inner func(call) (agents.Result, error)) func(call) (agents.Result, error) {
	return func(c call) (agents.Result, error) {
		if c.Action == "list" {
			if r, err := inner(c); err != nil || r.RC != 0 {
				return r, err
			}
			return agents.Result{Output: "p1,n1\np2,\n"}, nil
		}
		return inner(c)
	}
}

func TestFenceTopology(t *testing.T) {
	static := func(id, agent string, extra ...string) string {
		return dev(id, agent, append([]string{"pcmk_host_list=n1 n2 n3"}, extra...))
	}
	tests := []struct {
		name       string
		resources  string
		topology   string
		action     string
		answer     func(call) (agents.Result, error)
		wantCalls  []string
		wantDevs   []string
		wantLevel  int
		wantErr    error
		wantErrHas []string
	}{
		{
			name:      "level 1 succeeds",
			resources: static("ipmi", "fence_full") + static("pdu", "fence_full"),
			topology:  level("l1", 1, "n1", "ipmi") + level("l2", 2, "n1", "pdu"),
			action:    ActionReboot,
			wantCalls: []string{"ipmi:reboot:n1"},
			wantDevs:  []string{"ipmi"}, wantLevel: 1,
		},
		{
			name:      "level 1 fails, level 2 wins",
			resources: static("ipmi", "fence_full", "pcmk_reboot_retries=0") + static("pdu", "fence_full"),
			topology:  level("l2", 2, "n1", "pdu") + level("l1", 1, "n1", "ipmi"),
			action:    ActionReboot,
			answer:    failOn("ipmi:reboot"),
			wantCalls: []string{"ipmi:reboot:n1", "pdu:reboot:n1"},
			wantDevs:  []string{"pdu"}, wantLevel: 2,
		},
		{
			name:      "reboot across two devices is off on all then on on all",
			resources: static("psu1", "fence_full") + static("psu2", "fence_full"),
			topology:  level("l1", 1, "n1", "psu1,psu2"),
			action:    ActionReboot,
			wantCalls: []string{"psu1:off:n1", "psu2:off:n1", "psu1:on:n1", "psu2:on:n1"},
			wantDevs:  []string{"psu1", "psu2"}, wantLevel: 1,
		},
		{
			name:      "a failed on after every off still counts",
			resources: static("psu1", "fence_full") + static("psu2", "fence_full", "pcmk_on_retries=0"),
			topology:  level("l1", 1, "n1", "psu1,psu2"),
			action:    ActionReboot,
			answer:    failOn("psu2:on"),
			wantCalls: []string{"psu1:off:n1", "psu2:off:n1", "psu1:on:n1", "psu2:on:n1"},
			wantDevs:  []string{"psu1", "psu2"}, wantLevel: 1,
		},
		{
			name:      "one failed off fails the level; no on is run",
			resources: static("psu1", "fence_full") + static("psu2", "fence_full", "pcmk_off_retries=0") + static("ipmi", "fence_full"),
			topology:  level("l1", 1, "n1", "psu1,psu2") + level("l2", 2, "n1", "ipmi"),
			action:    ActionReboot,
			answer:    failOn("psu2:off"),
			wantCalls: []string{"psu1:off:n1", "psu2:off:n1", "ipmi:reboot:n1"},
			wantDevs:  []string{"ipmi"}, wantLevel: 2,
		},
		{
			name:      "off across two devices is off on each",
			resources: static("psu1", "fence_full") + static("psu2", "fence_full"),
			topology:  level("l1", 1, "n1", "psu1,psu2"),
			action:    ActionOff,
			wantCalls: []string{"psu1:off:n1", "psu2:off:n1"},
			wantDevs:  []string{"psu1", "psu2"}, wantLevel: 1,
		},
		{
			name:      "an unknown device fails its level",
			resources: static("ipmi", "fence_full"),
			topology:  level("l1", 1, "n1", "ghost") + level("l2", 2, "n1", "ipmi"),
			action:    ActionOff,
			wantCalls: []string{"ipmi:off:n1"},
			wantDevs:  []string{"ipmi"}, wantLevel: 2,
		},
		{
			name:      "exact name beats a pattern",
			resources: static("byname", "fence_full") + static("bypattern", "fence_full"),
			topology:  level("p1", 1, "~^n[0-9]$", "bypattern") + level("l1", 1, "N1", "byname"),
			action:    ActionOff,
			wantCalls: []string{"byname:off:n1"},
			wantDevs:  []string{"byname"}, wantLevel: 1,
		},
		{
			name:      "pattern target",
			resources: static("bypattern", "fence_full") + static("other", "fence_full"),
			topology:  level("p1", 3, "~^n[0-9]$", "bypattern") + level("l1", 1, "n2", "other"),
			action:    ActionOff,
			wantCalls: []string{"bypattern:off:n1"},
			wantDevs:  []string{"bypattern"}, wantLevel: 3,
		},
		{
			name:      "attribute target",
			resources: static("rack-a", "fence_full") + static("rack-b", "fence_full"),
			topology:  level("a1", 1, "rack=b", "rack-b") + level("a2", 1, "rack=a", "rack-a"),
			action:    ActionOff,
			wantCalls: []string{"rack-a:off:n1"},
			wantDevs:  []string{"rack-a"}, wantLevel: 1,
		},
		{
			name:      "topology for other nodes only: every capable device",
			resources: static("ipmi", "fence_full"),
			topology:  level("l1", 1, "n2", "ipmi"),
			action:    ActionOff,
			wantCalls: []string{"ipmi:off:n1"},
			wantDevs:  []string{"ipmi"}, wantLevel: 0,
		},
		{
			name:       "every level fails",
			resources:  static("ipmi", "fence_full", "pcmk_off_retries=0") + static("pdu", "fence_full", "pcmk_off_retries=0"),
			topology:   level("l1", 1, "n1", "ipmi") + level("l2", 2, "n1", "pdu"),
			action:     ActionOff,
			answer:     failOn("ipmi:off", "pdu:off"),
			wantCalls:  []string{"ipmi:off:n1", "pdu:off:n1"},
			wantErr:    ErrFailed,
			wantErrHas: []string{"ipmi: off returned 1", "pdu: off returned 1", "simulated failure"},
		},
		{
			name:       "bad regular expression is reported",
			resources:  static("ipmi", "fence_full"),
			topology:   level("bad", 1, "~n[", "ipmi"),
			action:     ActionOff,
			wantErrHas: []string{"fencing-level bad", "target-pattern"},
		},
		{
			name:      "reboot remapped to off for an agent without reboot",
			resources: static("noreboot", "fence_noreboot"),
			topology:  level("l1", 1, "n1", "noreboot"),
			action:    ActionReboot,
			wantCalls: []string{"noreboot:off:n1"},
			wantDevs:  []string{"noreboot"}, wantLevel: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := cibWith(t, tc.resources, "", tc.topology, "", "")
			answer := tc.answer
			if answer == nil {
				answer = failOn()
			}
			h := newHarness(t, "n3", c, answer)
			res, err, _ := h.fence(t, Request{Target: "n1", Action: tc.action, Origin: "n3", Reason: "test"})
			if got := h.r.got(); !reflect.DeepEqual(got, tc.wantCalls) {
				t.Errorf("calls %q, want %q", got, tc.wantCalls)
			}
			if tc.wantErr != nil || len(tc.wantErrHas) > 0 {
				if err == nil {
					t.Fatalf("no error; result %+v", res)
				}
				if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
					t.Errorf("error %v is not %v", err, tc.wantErr)
				}
				for _, s := range tc.wantErrHas {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not say %q", err, s)
					}
				}
				hist := h.f.History()
				if len(hist) != 1 || hist[0].State != StateFailed || hist[0].Error == "" {
					t.Errorf("history %+v, want one failed entry", hist)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(res.Devices, tc.wantDevs) || res.Level != tc.wantLevel {
				t.Errorf("devices %q level %d, want %q level %d", res.Devices, res.Level, tc.wantDevs, tc.wantLevel)
			}
			if res.Executor != "n3" || res.Target != "n1" || res.Action != tc.action {
				t.Errorf("result %+v", res)
			}
			hist := h.f.History()
			if len(hist) != 1 || hist[0].State != StateSuccess || !reflect.DeepEqual(hist[0].Devices, tc.wantDevs) ||
				hist[0].Origin != "n3" || hist[0].Reason != "test" || hist[0].Completed.IsZero() {
				t.Errorf("history %+v", hist)
			}
		})
	}
}

func TestFenceWithoutTopologyOrder(t *testing.T) {
	tests := []struct {
		name      string
		resources string
		answer    func(call) (agents.Result, error)
		wantCalls []string
		wantDevs  []string
	}{
		{
			name: "priority first, then id",
			resources: dev("b", "fence_full", []string{"pcmk_host_list=n1"}, "priority=5") +
				dev("a", "fence_full", []string{"pcmk_host_list=n1"}) +
				dev("c", "fence_full", []string{"pcmk_host_list=n1"}, "priority=5"),
			answer:    failOn("b:off", "c:off"),
			wantCalls: []string{"b:off:n1", "b:off:n1", "b:off:n1", "c:off:n1", "c:off:n1", "c:off:n1", "a:off:n1"},
			wantDevs:  []string{"a"},
		},
		{
			name: "disabled and banned devices are skipped",
			resources: dev("stopped", "fence_full", []string{"pcmk_host_list=n1"}, "target-role=Stopped") +
				dev("banned", "fence_full", []string{"pcmk_host_list=n1"}) +
				dev("elsewhere", "fence_full", []string{"pcmk_host_list=n1"}),
			wantCalls: []string{"elsewhere:off:n1"},
			wantDevs:  []string{"elsewhere"},
		},
		{
			name:      "a device that cannot fence the target is skipped",
			resources: dev("n2only", "fence_full", []string{"pcmk_host_list=n2"}) + dev("n1dev", "fence_full", []string{"pcmk_host_map=n1:7"}),
			wantCalls: []string{"n1dev:off:n1"},
			wantDevs:  []string{"n1dev"},
		},
	}
	constraints := `<rsc_location id="ban" rsc="banned" node="n3" score="-INFINITY"/>` +
		`<rsc_location id="ban-other" rsc="elsewhere" node="n2" score="-INFINITY"/>`
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			answer := tc.answer
			if answer == nil {
				answer = failOn()
			}
			h := newHarness(t, "n3", cibWith(t, tc.resources, constraints, "", "", ""), answer)
			res, err, _ := h.fence(t, Request{Target: "n1", Action: ActionOff, Origin: "n3"})
			if err != nil {
				t.Fatal(err)
			}
			if got := h.r.got(); !reflect.DeepEqual(got, tc.wantCalls) {
				t.Errorf("calls %q, want %q", got, tc.wantCalls)
			}
			if !reflect.DeepEqual(res.Devices, tc.wantDevs) {
				t.Errorf("devices %q, want %q", res.Devices, tc.wantDevs)
			}
		})
	}
}

func TestFenceNoDevice(t *testing.T) {
	tests := []struct {
		name      string
		resources string
		wantHas   []string
	}{
		{"nothing configured", "", []string{"no stonith resources are configured"}},
		{"only disabled", dev("d", "fence_full", []string{"pcmk_host_list=n1"}, "target-role=Stopped"), []string{"d: disabled (target-role=Stopped)"}},
		{"not in the list", dev("d", "fence_full", []string{"pcmk_host_list=n2"}), []string{"d: cannot fence n1 (static-list"}},
		{"agent without meta-data", dev("d", "fence_missing", []string{"pcmk_host_list=n1"}), []string{"d: agent fence_missing meta-data"}},
		{"bad agent name", dev("d", "../../bin/sh", nil), []string{"invalid fence agent name"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, "n3", cibWith(t, tc.resources, "", "", "", ""), failOn())
			_, err, _ := h.fence(t, Request{Target: "n1", Action: ActionReboot, Origin: "n3"})
			if !errors.Is(err, ErrNoDevice) {
				t.Fatalf("error %v, want ErrNoDevice", err)
			}
			for _, s := range tc.wantHas {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
			if got := h.r.got(); len(got) != 0 {
				t.Errorf("agents ran: %q", got)
			}
		})
	}
}

func TestSelfFenceRefused(t *testing.T) {
	c := cibWith(t, dev("d", "fence_full", []string{"pcmk_host_check=none"}), "", "", "", "")
	tests := []struct {
		name string
		req  Request
		want error
	}{
		{"executor is the target", Request{Target: "n3", Action: ActionReboot, Origin: "n1"}, ErrSelfFence},
		{"executor is the target, other case", Request{Target: "N3", Action: ActionOff, Origin: "n1"}, ErrSelfFence},
		{"origin is the target", Request{Target: "n1", Action: ActionOff, Origin: "n1"}, ErrSelfFence},
		{"unfencing itself without an on_target device", Request{Target: "n3", Action: ActionOn, Origin: "n3"}, ErrNoDevice},
		{"empty target", Request{Action: ActionOff}, ErrBadRequest},
		{"unknown action", Request{Target: "n1", Action: "status"}, ErrBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, "n3", c, failOn())
			_, err, _ := h.fence(t, tc.req)
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if tc.want == ErrSelfFence && !strings.Contains(err.Error(), "watchdog") {
				t.Errorf("error %q does not point at the watchdog", err)
			}
			if got := h.r.got(); len(got) != 0 {
				t.Errorf("agents ran: %q", got)
			}
			if hist := h.f.History(); len(hist) != 1 || hist[0].State != StateFailed {
				t.Errorf("history %+v", hist)
			}
		})
	}
}

func TestCanFence(t *testing.T) {
	tests := []struct {
		name   string
		agent  string
		params []string
		answer func(call) (agents.Result, error)
		target string
		want   bool
		wantOp []string // agent runs made to decide
		errHas string
	}{
		{"static list", "fence_full", []string{"pcmk_host_list=n1,n2"}, nil, "N2", true, nil, ""},
		{"static list miss", "fence_full", []string{"pcmk_host_list=n1;n2"}, nil, "n3", false, nil, ""},
		{"host map means static-list", "fence_full", []string{"pcmk_host_map=n1:4;n2:5"}, nil, "n2", true, nil, ""},
		{"host map miss", "fence_full", []string{"pcmk_host_map=n1:4"}, nil, "n2", false, nil, ""},
		{"default dynamic-list finds the alias", "fence_full", nil, nil, "n1", true, []string{"d:list"}, ""},
		{"dynamic-list finds the mapped plug", "fence_full", []string{"pcmk_host_check=dynamic-list", "pcmk_host_map=n2:p2"}, nil, "n2", true, []string{"d:list"}, ""},
		{"dynamic-list miss", "fence_full", nil, nil, "n3", false, []string{"d:list"}, ""},
		{"list fails, implicit check falls back to status", "fence_full", nil, failOn("d:list"), "n3", true, []string{"d:list", "d:status:n3"}, ""},
		{"list fails, explicit dynamic-list does not", "fence_full", []string{"pcmk_host_check=dynamic-list"}, failOn("d:list"), "n3", false, []string{"d:list"}, "dynamic-list"},
		{"default status for an agent without list", "fence_status", nil, nil, "n1", true, []string{"d:status:n1"}, ""},
		{"status off (2) can fence", "fence_status", nil, rcFor("d:status", 2), "n1", true, []string{"d:status:n1"}, ""},
		{"status unknown (1) cannot", "fence_status", nil, rcFor("d:status", 1), "n1", false, []string{"d:status:n1"}, ""},
		{"no list, no status: none", "fence_none", nil, nil, "anything", true, nil, ""},
		{"explicit none", "fence_full", []string{"pcmk_host_check=none", "pcmk_host_list=n1"}, nil, "n9", true, nil, ""},
		{"bad host check", "fence_full", []string{"pcmk_host_check=sometimes"}, nil, "n1", false, nil, "pcmk_host_check \"sometimes\""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			answer := tc.answer
			if answer == nil {
				answer = failOn()
			}
			h := newHarness(t, "n3", cibWith(t, "", "", "", "", ""), listAnswer(answer))
			d := &Device{ID: "d", Agent: tc.agent, Params: map[string]string{}}
			for _, p := range tc.params {
				k, v, _ := strings.Cut(p, "=")
				d.Params[k] = v
			}
			info := h.f.agentInfo(context.Background(), tc.agent)
			if info.fetchedErr != nil {
				t.Fatal(info.fetchedErr)
			}
			can, how, err := h.f.canFence(context.Background(), d, info, tc.target, time.Minute, h.f.lg)
			if tc.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("error %v, want one saying %q", err, tc.errHas)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if can != tc.want {
				t.Errorf("can = %v (%s), want %v", can, how, tc.want)
			}
			if got := h.r.got(); !reflect.DeepEqual(got, tc.wantOp) {
				t.Errorf("runs %q, want %q", got, tc.wantOp)
			}
		})
	}
}

func rcFor(key string, rc int) func(call) (agents.Result, error) {
	return func(c call) (agents.Result, error) {
		if c.Device+":"+c.Action == key {
			return agents.Result{RC: rc}, nil
		}
		return agents.Result{}, nil
	}
}

func TestDynamicListCached(t *testing.T) {
	h := newHarness(t, "n3", cibWith(t, dev("d", "fence_full", nil), "", "", "", ""), listAnswer(failOn()))
	for i := 0; i < 2; i++ {
		if _, err, _ := h.fence(t, Request{Target: "n1", Action: ActionOff, Origin: "n3"}); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"d:list", "d:off:n1", "d:off:n1"}
	if got := h.r.got(); !reflect.DeepEqual(got, want) {
		t.Fatalf("calls %q, want %q (list reused within a minute)", got, want)
	}
	h.clk.Advance(61 * time.Second)
	if _, err, _ := h.fence(t, Request{Target: "n1", Action: ActionOff, Origin: "n3"}); err != nil {
		t.Fatal(err)
	}
	if got := h.r.got(); len(got) != 5 || got[3] != "d:list" {
		t.Fatalf("calls %q: the list should be asked again after a minute", got)
	}
}

func TestFenceTimeoutsAndRetries(t *testing.T) {
	timedOut := func(c call) (agents.Result, error) {
		return agents.Result{RC: 1, TimedOut: true, Duration: c.Timeout, Signal: "SIGKILL"}, agents.ErrTimeout
	}
	tests := []struct {
		name        string
		params      []string
		props       string
		answer      func(call) (agents.Result, error)
		wantCalls   int
		wantTimeout time.Duration
		wantErrHas  string
	}{
		{"default stonith-timeout", nil, "", timedOut, 1, 60 * time.Second, "off timed out after 1m0s (process group killed)"},
		{"stonith-timeout property", nil, `<nvpair id="st" name="stonith-timeout" value="15s"/>`, timedOut, 1, 15 * time.Second, "timed out after 15s"},
		{"pcmk_off_timeout wins", []string{"pcmk_off_timeout=7"}, `<nvpair id="st" name="stonith-timeout" value="15s"/>`, timedOut, 1, 7 * time.Second, "timed out after 7s"},
		{"failures retried twice", nil, "", failOn("d:off"), 3, 60 * time.Second, "off returned 1: ERROR: simulated failure of d:off:n1"},
		{"pcmk_off_retries=0", []string{"pcmk_off_retries=0"}, "", failOn("d:off"), 1, 60 * time.Second, "off returned 1"},
		{"bad pcmk_off_timeout", []string{"pcmk_off_timeout=soon"}, "", failOn(), 0, 0, `pcmk_off_timeout "soon"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			params := append([]string{"pcmk_host_list=n1"}, tc.params...)
			h := newHarness(t, "n3", cibWith(t, dev("d", "fence_full", params), "", "", tc.props, ""), tc.answer)
			_, err, _ := h.fence(t, Request{Target: "n1", Action: ActionOff, Origin: "n3"})
			if !errors.Is(err, ErrFailed) || !strings.Contains(err.Error(), tc.wantErrHas) {
				t.Fatalf("error %v, want ErrFailed saying %q", err, tc.wantErrHas)
			}
			if !strings.Contains(err.Error(), "d: ") {
				t.Errorf("error %q does not name the device", err)
			}
			h.r.mu.Lock()
			defer h.r.mu.Unlock()
			if len(h.r.calls) != tc.wantCalls {
				t.Fatalf("%d calls, want %d", len(h.r.calls), tc.wantCalls)
			}
			if tc.wantCalls > 0 && h.r.calls[0].Timeout != tc.wantTimeout {
				t.Errorf("timeout %v, want %v", h.r.calls[0].Timeout, tc.wantTimeout)
			}
		})
	}
}

func TestFenceRetryHelper(t *testing.T) {
	n := 0
	answer := func(c call) (agents.Result, error) {
		n++
		if n <= 2 {
			return agents.Result{RC: 1}, nil
		}
		return agents.Result{}, nil
	}
	params := []string{"pcmk_host_list=n1", "pcmk_off_retries=0"}
	h := newHarness(t, "n3", cibWith(t, dev("d", "fence_full", params), "", "", "", ""), answer)
	done := make(chan error, 1)
	var res Result
	go func() {
		var err error
		res, err = h.f.FenceRetry(context.Background(), Request{Target: "n1", Action: ActionOff, Origin: "n3"}, 5, 2*time.Second)
		done <- err
	}()
	var err error
	for loop := true; loop; {
		select {
		case err = <-done:
			loop = false
		case <-time.After(time.Millisecond):
			if next, ok := h.clk.NextDeadline(); ok {
				h.clk.AdvanceTo(next)
			}
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 || !reflect.DeepEqual(res.Devices, []string{"d"}) {
		t.Fatalf("%d runs, result %+v", n, res)
	}
	hist := h.f.History()
	if len(hist) != 3 || hist[0].State != StateFailed || hist[1].State != StateFailed || hist[2].State != StateSuccess {
		t.Fatalf("history %+v", hist)
	}
	if got := h.clk.Since(epoch); got != 4*time.Second {
		t.Errorf("waited %v between attempts, want 4s", got)
	}

	// A refused request is not retried.
	_, err = h.f.FenceRetry(context.Background(), Request{Target: "n3", Action: ActionOff, Origin: "n1"}, 0, time.Second)
	if !errors.Is(err, ErrSelfFence) {
		t.Fatalf("error %v", err)
	}
}

func TestUnfencing(t *testing.T) {
	tests := []struct {
		name      string
		resources string
		node      string
		target    string
		wantCalls []string
		wantDevs  []string
		wantErr   error
	}{
		{
			name: "every device that needs unfencing runs on",
			resources: dev("scsi", "fence_unfence", []string{"pcmk_host_list=n1"}) +
				dev("plain", "fence_full", []string{"pcmk_host_list=n1"}) +
				dev("mpath", "fence_full", []string{"pcmk_host_list=n1"}, "provides=unfencing"),
			node: "n3", target: "n1",
			wantCalls: []string{"mpath:on:n1", "scsi:on:n1"},
			wantDevs:  []string{"mpath", "scsi"},
		},
		{
			name:      "none needs it: the first device that can",
			resources: dev("b", "fence_full", []string{"pcmk_host_list=n1"}) + dev("a", "fence_full", []string{"pcmk_host_list=n1"}),
			node:      "n3", target: "n1",
			wantCalls: []string{"a:on:n1"},
			wantDevs:  []string{"a"},
		},
		{
			name:      "an on_target device unfences its own node",
			resources: dev("scsi", "fence_ontarget", []string{"pcmk_host_list=n1 n3"}),
			node:      "n3", target: "n3",
			wantCalls: []string{"scsi:on:n3"},
			wantDevs:  []string{"scsi"},
		},
		{
			name:      "an on_target device does not unfence another node",
			resources: dev("scsi", "fence_ontarget", []string{"pcmk_host_list=n1 n3"}),
			node:      "n3", target: "n1",
			wantErr: ErrNoDevice,
		},
		{
			name:      "no delay for on",
			resources: dev("a", "fence_full", []string{"pcmk_host_list=n1", "pcmk_delay_base=10s"}),
			node:      "n3", target: "n1",
			wantCalls: []string{"a:on:n1"},
			wantDevs:  []string{"a"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.node, cibWith(t, tc.resources, "", "", "", ""), failOn())
			res, err, waited := h.fence(t, Request{Target: tc.target, Action: ActionOn, Origin: tc.node, Reason: "unfencing before resources start"})
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := h.r.got(); !reflect.DeepEqual(got, tc.wantCalls) {
				t.Errorf("calls %q, want %q", got, tc.wantCalls)
			}
			if !reflect.DeepEqual(res.Devices, tc.wantDevs) {
				t.Errorf("devices %q, want %q", res.Devices, tc.wantDevs)
			}
			if waited != 0 {
				t.Errorf("unfencing waited %v", waited)
			}
		})
	}
}

func TestFenceLogs(t *testing.T) {
	h := newHarness(t, "n3", cibWith(t, dev("d", "fence_full", []string{"pcmk_host_list=n1"}), "", "", "", ""), failOn())
	if _, err, _ := h.fence(t, Request{Target: "n1", Action: ActionReboot, Origin: "n3", Reason: "peer lost"}); err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, e := range h.obs.All() {
		msgs = append(msgs, e.Message)
	}
	for _, want := range []string{"fencing requested", "fence device chosen", "fence device succeeded", "fencing succeeded"} {
		found := false
		for _, m := range msgs {
			found = found || m == want
		}
		if !found {
			t.Errorf("no %q line in %q", want, msgs)
		}
	}
	req := h.obs.FilterMessage("fencing requested").All()
	if len(req) != 1 || req[0].ContextMap()["reason"] != "peer lost" || req[0].ContextMap()["node"] != "n1" ||
		req[0].ContextMap()["origin"] != "n3" || req[0].ContextMap()["op"] != "reboot" {
		t.Errorf("fencing requested line: %+v", req)
	}
	ok := h.obs.FilterMessage("fence device succeeded").All()
	if len(ok) != 1 || ok[0].ContextMap()["rsc"] != "d" || ok[0].ContextMap()["rc"] != int64(0) {
		t.Errorf("device line: %+v", ok)
	}
	// no field may be named as a key the JSON encoder writes itself: a
	// second "level" made {"level":"info",...,"level":0}, and jq read the
	// line's level as 0
	for _, e := range h.obs.All() {
		for _, f := range e.Context {
			switch f.Key {
			case "level", "ts", "logger", "caller", "msg", "stacktrace":
				t.Errorf("%q line has a field %q, a key of the JSON log line itself", e.Message, f.Key)
			}
		}
	}
}

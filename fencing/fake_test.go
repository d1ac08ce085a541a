package fencing

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"pacer/agents"
	"pacer/agents/stonith"
	"pacer/crm/cib"
	"pacer/crm/cib/cibxml"
	"pacer/internal/clock"
)

// call is one agent run the fake saw.
type call struct {
	Device, Agent, Action, Target string
	Params                        map[string]string
	Timeout                       time.Duration
}

func (c call) String() string {
	if c.Target == "" {
		return c.Device + ":" + c.Action
	}
	return c.Device + ":" + c.Action + ":" + c.Target
}

// fakeRunner answers meta-data from mds (agent -> XML) and every other
// action from answer; it records every call but meta-data.
type fakeRunner struct {
	mu     sync.Mutex
	mds    map[string]string
	answer func(c call) (agents.Result, error)
	calls  []call
}

func (r *fakeRunner) Run(ctx context.Context, req agents.Request) (agents.Result, error) {
	if req.Class != "stonith" {
		return agents.Result{RC: 5}, fmt.Errorf("class %q", req.Class)
	}
	if req.Action == "meta-data" {
		md, ok := r.mds[req.Type]
		if !ok {
			return agents.Result{RC: 5}, fmt.Errorf("exec /usr/sbin/%s: no such file", req.Type)
		}
		return agents.Result{Output: md}, nil
	}
	// The request must build: what a real runner would refuse fails here.
	if _, err := (stonith.Class{}).Command(req); err != nil {
		return agents.Result{RC: 5}, err
	}
	c := call{Device: req.Instance, Agent: req.Type, Action: req.Action, Target: req.Meta[stonith.MetaTarget], Params: req.Params, Timeout: req.Timeout}
	r.mu.Lock()
	r.calls = append(r.calls, c)
	r.mu.Unlock()
	if r.answer == nil {
		return agents.Result{}, nil
	}
	return r.answer(c)
}

func (r *fakeRunner) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, c := range r.calls {
		out = append(out, c.String())
	}
	return out
}

// agentMD is a fence agent's meta-data with a plug parameter and the
// given actions ("on!" marks on automatic, "on@" on on_target).
func agentMD(name string, actions ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0"?><resource-agent name=%q shortdesc="test agent"><parameters>`, name)
	b.WriteString(`<parameter name="action" required="1"><content type="string" default="reboot"/></parameter>`)
	b.WriteString(`<parameter name="plug" required="1" obsoletes="port"><content type="string"/></parameter>`)
	b.WriteString(`<parameter name="port" required="1" deprecated="1"><content type="string"/></parameter>`)
	b.WriteString(`</parameters><actions>`)
	for _, a := range actions {
		switch {
		case a == "on!":
			b.WriteString(`<action name="on" automatic="1"/>`)
		case a == "on@":
			b.WriteString(`<action name="on" automatic="1" on_target="1"/>`)
		default:
			fmt.Fprintf(&b, `<action name=%q/>`, a)
		}
	}
	b.WriteString(`<action name="metadata"/></actions></resource-agent>`)
	return b.String()
}

var (
	mdFull     = agentMD("fence_full", "on", "off", "reboot", "status", "list", "monitor")
	mdNoReboot = agentMD("fence_noreboot", "on", "off", "status", "monitor")
	mdStatus   = agentMD("fence_status", "on", "off", "reboot", "status", "monitor")
	mdNone     = agentMD("fence_none", "on", "off", "reboot", "monitor")
	mdUnfence  = agentMD("fence_unfence", "on!", "off", "reboot", "status", "monitor")
	mdOnTarget = agentMD("fence_ontarget", "on@", "off", "status", "monitor")
)

func defaultMDs() map[string]string {
	return map[string]string{
		"fence_full": mdFull, "fence_noreboot": mdNoReboot, "fence_status": mdStatus,
		"fence_none": mdNone, "fence_unfence": mdUnfence, "fence_ontarget": mdOnTarget,
	}
}

// cibWith reads a CIB whose configuration holds resources, constraints,
// topology and properties as XML fragments, plus a status section.
func cibWith(t testing.TB, resources, constraints, topology, props, status string) *cib.CIB {
	t.Helper()
	if topology != "" {
		topology = "<fencing-topology>" + topology + "</fencing-topology>"
	}
	x := `<cib validate-with="pacemaker-3.7" epoch="1" num_updates="0" admin_epoch="0"><configuration>
<crm_config><cluster_property_set id="cib-bootstrap-options">` + props + `</cluster_property_set></crm_config>
<nodes><node id="1" uname="n1"><instance_attributes id="n1-ia"><nvpair id="n1-rack" name="rack" value="a"/></instance_attributes></node>
<node id="2" uname="n2"><instance_attributes id="n2-ia"><nvpair id="n2-rack" name="rack" value="b"/></instance_attributes></node>
<node id="3" uname="n3"/></nodes>
<resources>` + resources + `</resources><constraints>` + constraints + `</constraints>` + topology + `</configuration><status>` + status + `</status></cib>`
	c, err := cibxml.Read(strings.NewReader(x), "test.xml")
	if err != nil {
		t.Fatalf("test CIB: %v\n%s", err, x)
	}
	return c
}

// dev is a stonith primitive; params and meta are name=value pairs.
func dev(id, agent string, params []string, meta ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<primitive id=%q class="stonith" type=%q>`, id, agent)
	if len(params) > 0 {
		fmt.Fprintf(&b, `<instance_attributes id="%s-ia">`, id)
		for _, p := range params {
			k, v, _ := strings.Cut(p, "=")
			fmt.Fprintf(&b, `<nvpair id="%s-ia-%s" name=%q value=%q/>`, id, k, k, v)
		}
		b.WriteString(`</instance_attributes>`)
	}
	if len(meta) > 0 {
		fmt.Fprintf(&b, `<meta_attributes id="%s-meta">`, id)
		for _, p := range meta {
			k, v, _ := strings.Cut(p, "=")
			fmt.Fprintf(&b, `<nvpair id="%s-meta-%s" name=%q value=%q/>`, id, k, k, v)
		}
		b.WriteString(`</meta_attributes>`)
	}
	b.WriteString(`</primitive>`)
	return b.String()
}

func level(id string, index int, target, devices string) string {
	switch {
	case strings.HasPrefix(target, "~"):
		return fmt.Sprintf(`<fencing-level id=%q index="%d" target-pattern=%q devices=%q/>`, id, index, target[1:], devices)
	case strings.Contains(target, "="):
		k, v, _ := strings.Cut(target, "=")
		return fmt.Sprintf(`<fencing-level id=%q index="%d" target-attribute=%q target-value=%q devices=%q/>`, id, index, k, v, devices)
	}
	return fmt.Sprintf(`<fencing-level id=%q index="%d" target=%q devices=%q/>`, id, index, target, devices)
}

type harness struct {
	f   *Fencer
	r   *fakeRunner
	clk *clock.Fake
	obs *observer.ObservedLogs
}

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func newHarness(t testing.TB, node string, c *cib.CIB, answer func(call) (agents.Result, error)) *harness {
	t.Helper()
	core, obs := observer.New(zap.DebugLevel)
	r := &fakeRunner{mds: defaultMDs(), answer: answer}
	clk := clock.NewFake(epoch)
	f, err := New(Config{Node: node, Rand: rand.New(rand.NewPCG(1, 2))}, r, clk, zap.New(core))
	if err != nil {
		t.Fatal(err)
	}
	f.SetCIB(c)
	return &harness{f: f, r: r, clk: clk, obs: obs}
}

// fence runs a request to completion, advancing the fake clock through
// every delay the fencer waits on; it returns the result, the error and
// the total time the clock moved.
func (h *harness) fence(t testing.TB, req Request) (Result, error, time.Duration) {
	t.Helper()
	type out struct {
		res Result
		err error
	}
	done := make(chan out, 1)
	go func() {
		res, err := h.f.Fence(context.Background(), req)
		done <- out{res, err}
	}()
	start := h.clk.Now()
	for {
		select {
		case o := <-done:
			return o.res, o.err, h.clk.Since(start)
		case <-time.After(time.Millisecond):
		}
		if next, ok := h.clk.NextDeadline(); ok {
			h.clk.AdvanceTo(next)
		}
	}
}

// failOn makes the named device:action (or device:action:target) calls
// fail with rc 1; everything else succeeds.
func failOn(keys ...string) func(call) (agents.Result, error) {
	bad := map[string]bool{}
	for _, k := range keys {
		bad[k] = true
	}
	return func(c call) (agents.Result, error) {
		if bad[c.Device+":"+c.Action] || bad[c.String()] {
			return agents.Result{RC: 1, Stderr: "ERROR: simulated failure of " + c.String()}, nil
		}
		return agents.Result{}, nil
	}
}

package fencing

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"pacer/agents"
	"pacer/agents/stonith"
	"pacer/crm/cib"
	"pacer/internal/logfield"
	"pacer/internal/pcmktime"
)

// metadataTimeout bounds the meta-data action, as Pacemaker's fencer
// gives it 10 s.
const metadataTimeout = 10 * time.Second

// listCacheAge is how long a dynamic-list answer is reused, as
// Pacemaker's fencer reuses it for 60 s.
const listCacheAge = 60 * time.Second

// defaultRetries is pcmk_ACTION_retries' default: a failed device action
// is tried again while its timeout has time left, at most this many
// more times.
const defaultRetries = 2

// agentInfo is what the fencer needs from an agent's meta-data.
type agentInfo struct {
	hostArg    string // the parameter that names the target
	list       bool
	status     bool
	reboot     bool
	automatic  bool     // "on" is automatic (the agent needs unfencing)
	onTarget   []string // actions that run on the target itself
	hasNodeID  bool
	fetchedErr error
}

type listCache struct {
	targets []string
	at      time.Time
	params  string // the parameters the list was made with
}

// op is one running fencing operation.
type op struct {
	f        *Fencer
	req      Request
	cib      *cib.CIB
	devices  map[string]*Device
	order    []*Device // document order
	timeout  time.Duration
	targetID string
	// delay is the requested delay (priority-fencing-delay), applied
	// before the first device run only.
	delay    time.Duration
	tried    []string // "device: why" for the error
	lg       *zap.Logger
	executor string
}

// fence is Fence's body.
func (f *Fencer) fence(ctx context.Context, req Request) (Result, error) {
	start := f.clk.Now()
	res := Result{Target: req.Target, Action: req.Action, Executor: f.cfg.Node, Started: start}
	lg := f.lg.With(logfield.Node(req.Target), logfield.Op(req.Action))

	if err := f.checkRequest(req); err != nil {
		lg.Error("fencing refused", zap.String("origin", req.Origin), logfield.Reason(req.Reason), zap.Error(err))
		id := f.startHistory(req, start)
		f.finishHistory(id, nil, 0, err, f.clk.Now())
		return res, err
	}
	c := f.currentCIB()
	lg.Info("fencing requested", zap.String("origin", req.Origin), zap.String("executor", f.cfg.Node), logfield.Reason(req.Reason))
	id := f.startHistory(req, start)
	if c == nil {
		err := fmt.Errorf("fence %s (%s): %w", req.Target, req.Action, ErrNoCIB)
		lg.Error("fencing failed", zap.Error(err))
		f.finishHistory(id, nil, 0, err, f.clk.Now())
		return res, err
	}

	o, err := f.newOp(req, c, lg)
	if err == nil {
		var devs []string
		var level int
		devs, level, err = o.run(ctx)
		if err == nil {
			res.Devices, res.Level, res.Completed = devs, level, f.clk.Now()
			lg.Info("fencing succeeded", zap.Strings("devices", devs), zap.Int("topology_level", level),
				zap.String("origin", req.Origin), logfield.Duration(res.Completed.Sub(start)))
			f.finishHistory(id, devs, level, nil, res.Completed)
			return res, nil
		}
		err = fmt.Errorf("fence %s (%s) from %s: %w", req.Target, req.Action, f.cfg.Node, err)
		f.finishHistory(id, o.triedDevices(), level, err, f.clk.Now())
	} else {
		err = fmt.Errorf("fence %s (%s) from %s: %w", req.Target, req.Action, f.cfg.Node, err)
		f.finishHistory(id, nil, 0, err, f.clk.Now())
	}
	lg.Error("fencing failed", zap.String("origin", req.Origin), logfield.Duration(f.clk.Since(start)), zap.Error(err))
	return res, err
}

// checkRequest refuses a request the fencer must not run.
func (f *Fencer) checkRequest(req Request) error {
	if strings.TrimSpace(req.Target) == "" {
		return fmt.Errorf("fence: %w: empty target", ErrBadRequest)
	}
	switch req.Action {
	case ActionReboot, ActionOff, ActionOn:
	default:
		return fmt.Errorf("fence %s: %w: action %q (want reboot, off or on)", req.Target, ErrBadRequest, req.Action)
	}
	if req.Action == ActionOn {
		// Unfencing the executor itself is allowed only through a
		// device whose "on" runs on the target (fence_scsi); run
		// checks that per device.
		return nil
	}
	if strings.EqualFold(req.Target, f.cfg.Node) {
		return fmt.Errorf("fence %s (%s): %w: %s is the executor; self-fencing is the watchdog's job",
			req.Target, req.Action, ErrSelfFence, f.cfg.Node)
	}
	if strings.EqualFold(req.Target, req.Origin) {
		return fmt.Errorf("fence %s (%s): %w: %s asked to fence itself; self-fencing is the watchdog's job",
			req.Target, req.Action, ErrSelfFence, req.Origin)
	}
	return nil
}

func (f *Fencer) newOp(req Request, c *cib.CIB, lg *zap.Logger) (*op, error) {
	timeout, err := durationProperty(c, PropStonithTimeout, DefaultStonithTimeout)
	if err != nil {
		return nil, err
	}
	if timeout <= 0 {
		timeout = DefaultStonithTimeout
	}
	o := &op{f: f, req: req, cib: c, devices: map[string]*Device{}, timeout: timeout, lg: lg, executor: f.cfg.Node}
	for _, d := range Devices(c, f.cfg.Node) {
		d := d
		o.devices[d.ID] = &d
		o.order = append(o.order, &d)
	}
	o.targetID = req.TargetID
	if o.targetID == "" {
		o.targetID = nodeID(c, req.Target)
	}
	if req.Action != ActionOn {
		var online map[string]bool
		if req.Online != nil {
			online = map[string]bool{}
			for _, n := range req.Online {
				online[n] = true
			}
		}
		d, why, err := PriorityDelay(c, req.Target, online)
		if err != nil {
			return nil, err
		}
		if d > 0 {
			lg.Info("priority-fencing-delay applies", logfield.Duration(d), logfield.Reason(why))
		}
		o.delay = d
	}
	return o, nil
}

func (o *op) triedDevices() []string {
	var out []string
	for _, t := range o.tried {
		dev, _, _ := strings.Cut(t, ": ")
		out = append(out, dev)
	}
	return out
}

func (o *op) fail(dev, why string) {
	o.tried = append(o.tried, dev+": "+why)
}

// run tries the topology levels, or without topology every capable
// device, and returns the devices that succeeded and the level.
func (o *op) run(ctx context.Context) ([]string, int, error) {
	levels, key, err := TopologyFor(o.cib, o.req.Target)
	if err != nil {
		return nil, 0, err
	}
	if len(levels) > 0 {
		return o.runTopology(ctx, levels, key)
	}
	return o.runDevices(ctx)
}

func (o *op) runTopology(ctx context.Context, levels []Level, key string) ([]string, int, error) {
	for li, l := range levels {
		if err := ctx.Err(); err != nil {
			return nil, 0, o.failure(err)
		}
		o.lg.Info("fencing level chosen", zap.Int("topology_level", l.Index), zap.String("level_id", l.ID),
			zap.String("topology", key), zap.Strings("devices", l.Devices))
		devs, err := o.runLevel(ctx, l)
		if err == nil {
			return devs, l.Index, nil
		}
		o.lg.Warn("fencing level failed", zap.Int("topology_level", l.Index), zap.String("level_id", l.ID), zap.Error(err),
			zap.Bool("next_level", li+1 < len(levels)))
	}
	return nil, 0, o.failure(nil)
}

// runLevel runs one level: every device must succeed. A reboot across
// several devices becomes off on all, then on on all (redundant power
// supplies must all be off at once); once every off succeeded, a failed
// on is logged and the level still succeeds, as in Pacemaker.
func (o *op) runLevel(ctx context.Context, l Level) ([]string, error) {
	var devs []*Device
	var infos []agentInfo
	for _, id := range l.Devices {
		d := o.devices[id]
		if d == nil {
			o.fail(id, fmt.Sprintf("level %d: no such fence device in the configuration", l.Index))
			return nil, fmt.Errorf("level %d: device %s is not configured", l.Index, id)
		}
		info, err := o.usable(ctx, d)
		if err != nil {
			o.fail(id, fmt.Sprintf("level %d: %v", l.Index, err))
			return nil, fmt.Errorf("level %d: %s: %w", l.Index, id, err)
		}
		devs, infos = append(devs, d), append(infos, info)
	}
	action := o.req.Action
	if action == ActionReboot && len(devs) > 1 {
		o.lg.Info("remapping reboot to off then on across the level's devices", zap.Int("topology_level", l.Index), zap.Strings("devices", l.Devices))
		for i, d := range devs {
			if err := o.runDevice(ctx, d, infos[i], ActionOff, l.Index, "topology"); err != nil {
				return nil, fmt.Errorf("level %d: off with %s: %w", l.Index, d.ID, err)
			}
		}
		for i, d := range devs {
			if err := o.runDevice(ctx, d, infos[i], ActionOn, l.Index, "topology"); err != nil {
				o.lg.Warn("remapped on failed after every off succeeded; the target is off, so fencing counts as done",
					logfield.Rsc(d.ID), zap.Int("topology_level", l.Index), zap.Error(err))
			}
		}
		return l.Devices, nil
	}
	for i, d := range devs {
		if err := o.runDevice(ctx, d, infos[i], action, l.Index, "topology"); err != nil {
			return nil, fmt.Errorf("level %d: %s with %s: %w", l.Index, action, d.ID, err)
		}
	}
	return l.Devices, nil
}

// runDevices fences without topology: the capable devices, by priority
// (highest first) then id, until one succeeds. For unfencing ("on"),
// every capable device that needs unfencing (provides=unfencing, or an
// agent whose "on" is automatic) must succeed; when none needs it, the
// first that succeeds is enough.
func (o *op) runDevices(ctx context.Context) ([]string, int, error) {
	cands := append([]*Device(nil), o.order...)
	sort.SliceStable(cands, func(a, b int) bool {
		if cands[a].Priority != cands[b].Priority {
			return cands[a].Priority > cands[b].Priority
		}
		return cands[a].ID < cands[b].ID
	})
	type capable struct {
		d    *Device
		info agentInfo
	}
	var ok []capable
	for _, d := range cands {
		info, err := o.usable(ctx, d)
		if err != nil {
			o.fail(d.ID, err.Error())
			o.lg.Info("fence device not eligible", logfield.Rsc(d.ID), logfield.Reason(err.Error()))
			continue
		}
		ok = append(ok, capable{d, info})
	}
	if len(ok) == 0 {
		return nil, 0, o.noDevice()
	}
	if o.req.Action == ActionOn {
		var required []capable
		for _, c := range ok {
			if c.d.ProvidesUnfencing || c.info.automatic {
				required = append(required, c)
			}
		}
		if len(required) > 0 {
			var done []string
			for _, c := range required {
				if err := o.runDevice(ctx, c.d, c.info, ActionOn, 0, "unfencing"); err != nil {
					return nil, 0, o.failure(fmt.Errorf("unfencing device %s: %w", c.d.ID, err))
				}
				done = append(done, c.d.ID)
			}
			return done, 0, nil
		}
	}
	for _, c := range ok {
		if err := ctx.Err(); err != nil {
			return nil, 0, o.failure(err)
		}
		if err := o.runDevice(ctx, c.d, c.info, o.req.Action, 0, "no topology"); err == nil {
			return []string{c.d.ID}, 0, nil
		}
	}
	return nil, 0, o.failure(nil)
}

func (o *op) noDevice() error {
	if len(o.tried) == 0 {
		return fmt.Errorf("%w %s: no stonith resources are configured", ErrNoDevice, o.req.Target)
	}
	return fmt.Errorf("%w %s: %s", ErrNoDevice, o.req.Target, strings.Join(o.tried, "; "))
}

func (o *op) failure(cause error) error {
	msg := strings.Join(o.tried, "; ")
	if cause != nil {
		if msg != "" {
			return fmt.Errorf("%w: %w (tried %s)", ErrFailed, cause, msg)
		}
		return fmt.Errorf("%w: %w", ErrFailed, cause)
	}
	if msg == "" {
		msg = "nothing could be tried"
	}
	return fmt.Errorf("%w: every option failed: %s", ErrFailed, msg)
}

// usable checks that the executor may use d against the target and the
// action, and that d can fence the target (pcmk_host_check).
func (o *op) usable(ctx context.Context, d *Device) (agentInfo, error) {
	if d.Unusable != "" {
		return agentInfo{}, errors.New(d.Unusable)
	}
	info := o.f.agentInfo(ctx, d.Agent)
	if info.fetchedErr != nil {
		return info, info.fetchedErr
	}
	// A node never fences itself through a device; only an action the
	// agent runs on the target (fence_scsi's unfencing "on") runs on it,
	// and such an action runs nowhere else.
	self := strings.EqualFold(o.req.Target, o.executor)
	onTarget := false
	for _, a := range info.onTarget {
		if a == o.req.Action {
			onTarget = true
		}
	}
	switch {
	case onTarget && !self:
		return info, fmt.Errorf("%s runs %q on the target itself, not on %s", d.Agent, o.req.Action, o.executor)
	case self && !onTarget:
		return info, fmt.Errorf("%w: %s would fence its own node", ErrSelfFence, o.executor)
	}
	can, how, err := o.f.canFence(ctx, d, info, o.req.Target, o.timeout, o.lg)
	if err != nil {
		return info, err
	}
	if !can {
		return info, fmt.Errorf("cannot fence %s (%s)", o.req.Target, how)
	}
	return info, nil
}

// runDevice runs action on d against the target: the delay first (the
// requested priority delay on the very first run, plus the device's
// pcmk_delay_base/max), then the agent with its timeout, retried while
// the timeout has time left.
func (o *op) runDevice(ctx context.Context, d *Device, info agentInfo, action string, level int, where string) error {
	delay, warn, err := DeviceDelay(d.Params, action, o.req.Target, o.f.rand())
	if err != nil {
		o.fail(d.ID, err.Error())
		return err
	}
	if warn != "" {
		o.lg.Warn("fence delay limited", logfield.Rsc(d.ID), logfield.Reason(warn))
	}
	requested := o.delay
	o.delay = 0
	total := requested + delay
	o.lg.Info("fence device chosen", logfield.Rsc(d.ID), zap.String("agent", d.Agent), zap.Int("topology_level", level),
		zap.String("where", where), zap.String("action", action), zap.Duration("delay", total))
	if total > 0 {
		t := o.f.clk.NewTimer(total)
		select {
		case <-t.C():
		case <-ctx.Done():
			t.Stop()
			o.fail(d.ID, "cancelled during the fencing delay")
			return fmt.Errorf("during the %v fencing delay: %w", total, ctx.Err())
		}
	}

	agentAction := action
	if action == ActionReboot && !info.reboot {
		o.lg.Info("remapping reboot to off: the agent does not support reboot", logfield.Rsc(d.ID), zap.String("agent", d.Agent))
		agentAction = ActionOff
	}
	timeout := o.timeout
	if v := strings.TrimSpace(d.Params["pcmk_"+agentAction+"_timeout"]); v != "" {
		t, err := pcmktime.ParseDuration(v)
		if err != nil || t <= 0 {
			err = fmt.Errorf("pcmk_%s_timeout %q: not a positive time", agentAction, v)
			o.fail(d.ID, err.Error())
			return err
		}
		timeout = t
	}
	retries := defaultRetries
	if v := strings.TrimSpace(d.Params["pcmk_"+agentAction+"_retries"]); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			err = fmt.Errorf("pcmk_%s_retries %q: not a whole number", agentAction, v)
			o.fail(d.ID, err.Error())
			return err
		}
		retries = n
	}

	params := withHostArg(d.Params, info)
	started := o.f.clk.Now()
	var last error
	for attempt := 0; ; attempt++ {
		remaining := timeout - o.f.clk.Since(started)
		if remaining <= 0 {
			break
		}
		req := agents.Request{
			Class: "stonith", Type: d.Agent, Action: agentAction, Instance: d.ID,
			Params: params, Timeout: remaining,
			Meta: map[string]string{stonith.MetaTarget: o.req.Target},
		}
		if info.hasNodeID && o.targetID != "" {
			req.Meta[stonith.MetaTargetID] = o.targetID
		}
		res, err := o.f.runOn(ctx, d, req)
		fields := []zap.Field{logfield.Rsc(d.ID), zap.String("action", agentAction), logfield.RC(res.RC),
			logfield.RCText(rcText(res, err)), logfield.Duration(res.Duration), zap.Int("attempt", attempt+1)}
		if err == nil && res.RC == 0 {
			o.lg.Info("fence device succeeded", fields...)
			return nil
		}
		last = deviceError(agentAction, res, err)
		fields = append(fields, zap.Error(last))
		if res.Stderr != "" {
			fields = append(fields, zap.String("stderr", lastLine(res.Stderr)))
		}
		o.lg.Warn("fence device failed", fields...)
		if res.TimedOut || res.Cancelled || ctx.Err() != nil || attempt >= retries {
			break
		}
	}
	if last == nil {
		last = fmt.Errorf("%s: no time left of the %v timeout", agentAction, timeout)
	}
	o.fail(d.ID, last.Error())
	return last
}

// withHostArg returns the device's parameters with pcmk_host_argument set
// from the agent's meta-data when the device leaves it unset, so the
// target goes to "plug" for agents that have it.
func withHostArg(params map[string]string, info agentInfo) map[string]string {
	out := make(map[string]string, len(params)+1)
	for k, v := range params {
		out[k] = v
	}
	if out[stonith.ParamHostArgument] == "" && info.hostArg != "" {
		out[stonith.ParamHostArgument] = info.hostArg
	}
	return out
}

func rcText(res agents.Result, err error) string {
	switch {
	case res.TimedOut:
		return "timed out"
	case res.Cancelled:
		return "cancelled"
	case err != nil:
		return "could not run"
	case res.RC == 0:
		return "ok"
	}
	return "error"
}

func deviceError(action string, res agents.Result, err error) error {
	why := ""
	if r := strings.TrimSpace(res.ExitReason); r != "" {
		why = ": " + r
	} else if l := lastLine(res.Stderr); l != "" {
		why = ": " + l
	}
	switch {
	case res.TimedOut:
		return fmt.Errorf("%s timed out after %v (process group killed)%s", action, res.Duration.Round(time.Millisecond), why)
	case err != nil:
		return fmt.Errorf("%s: %w", action, err)
	}
	return fmt.Errorf("%s returned %d%s", action, res.RC, why)
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// agentInfo returns what the agent's meta-data says, cached per agent.
// An agent whose meta-data cannot be read is not used (Pacemaker would
// guess; a guess can aim a device at the wrong plug).
func (f *Fencer) agentInfo(ctx context.Context, agent string) agentInfo {
	f.mdMu.Lock()
	if info, ok := f.md[agent]; ok && info.fetchedErr == nil {
		f.mdMu.Unlock()
		return info
	}
	f.mdMu.Unlock()
	res, err := f.runner.Run(ctx, agents.Request{Class: "stonith", Type: agent, Action: "meta-data", Timeout: metadataTimeout})
	var info agentInfo
	switch {
	case err != nil:
		info.fetchedErr = fmt.Errorf("agent %s meta-data: %w", agent, err)
	case res.RC != 0:
		info.fetchedErr = fmt.Errorf("agent %s meta-data: exit %d%s", agent, res.RC, reasonSuffix(res))
	default:
		md, perr := stonith.ParseMetadata([]byte(res.Output))
		if perr != nil {
			info.fetchedErr = fmt.Errorf("agent %s: %w", agent, perr)
			break
		}
		info.hostArg = md.DefaultHostArg()
		info.list = md.HasAction("list")
		info.status = md.HasAction("status")
		info.reboot = md.HasAction("reboot")
		info.automatic = md.AutomaticUnfencing()
		for _, a := range md.Actions {
			if a.OnTarget {
				info.onTarget = append(info.onTarget, a.Name)
			}
		}
		_, info.hasNodeID = md.Param("nodeid")
	}
	if info.fetchedErr != nil {
		f.lg.Warn("cannot read fence agent meta-data; devices using it are not used", zap.String("agent", agent), zap.Error(info.fetchedErr))
	}
	f.mdMu.Lock()
	f.md[agent] = info
	f.mdMu.Unlock()
	return info
}

func reasonSuffix(res agents.Result) string {
	if l := lastLine(res.Stderr); l != "" {
		return ": " + l
	}
	return ""
}

// hostCheck is the device's pcmk_host_check, with Pacemaker's default:
// static-list when pcmk_host_list or pcmk_host_map is set, else
// dynamic-list when the agent has list, else status when it has status,
// else none.
func hostCheck(d *Device, info agentInfo) (check string, explicit bool) {
	if v := strings.TrimSpace(d.Params[stonith.ParamHostCheck]); v != "" {
		return strings.ToLower(v), true
	}
	switch {
	case strings.TrimSpace(d.Params[stonith.ParamHostList]) != "", strings.TrimSpace(d.Params[stonith.ParamHostMap]) != "":
		return "static-list", false
	case info.list:
		return "dynamic-list", false
	case info.status:
		return "status", false
	}
	return "none", false
}

// HostList splits pcmk_host_list as Pacemaker does: names separated by
// spaces, commas, semicolons or tabs.
func HostList(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' || r == ';' || r == '\t' || r == '\n' })
}

// canFence decides whether d can fence target (can_fence_host_with_device).
func (f *Fencer) canFence(ctx context.Context, d *Device, info agentInfo, target string, timeout time.Duration, lg *zap.Logger) (bool, string, error) {
	hm, herr := stonith.ParseHostMap(d.Params[stonith.ParamHostMap])
	if herr != nil {
		lg.Warn("fence device has a bad pcmk_host_map entry; its good entries are used", logfield.Rsc(d.ID), zap.Error(herr))
	}
	alias, mapped := hm.Lookup(target)
	if !mapped {
		alias = target
	}
	check, explicit := hostCheck(d, info)
	switch check {
	case "none":
		return true, "pcmk_host_check=none", nil
	case "static-list":
		for _, h := range HostList(d.Params[stonith.ParamHostList]) {
			if strings.EqualFold(h, target) {
				return true, "static-list: in pcmk_host_list", nil
			}
		}
		if mapped {
			return true, "static-list: in pcmk_host_map", nil
		}
		return false, "static-list: not in pcmk_host_list or pcmk_host_map", nil
	case "dynamic-list":
		targets, err := f.deviceList(ctx, d, info, timeout, lg)
		if err != nil {
			if !explicit && info.status {
				lg.Info("list failed; falling back to pcmk_host_check=status", logfield.Rsc(d.ID), zap.Error(err))
				return f.statusCheck(ctx, d, info, target, timeout)
			}
			return false, "", fmt.Errorf("dynamic-list: %w", err)
		}
		for _, t := range targets {
			if strings.EqualFold(t, alias) {
				return true, fmt.Sprintf("dynamic-list: %s listed", alias), nil
			}
		}
		return false, fmt.Sprintf("dynamic-list: %s not among the %d plugs the device lists", alias, len(targets)), nil
	case "status":
		return f.statusCheck(ctx, d, info, target, timeout)
	}
	return false, "", fmt.Errorf("pcmk_host_check %q is not none, static-list, dynamic-list or status", check)
}

// statusCheck asks the device about the target: 0 (on) or 2 (off) means
// it can fence it; anything else means it cannot.
func (f *Fencer) statusCheck(ctx context.Context, d *Device, info agentInfo, target string, timeout time.Duration) (bool, string, error) {
	if v := strings.TrimSpace(d.Params["pcmk_status_timeout"]); v != "" {
		if t, err := pcmktime.ParseDuration(v); err == nil && t > 0 {
			timeout = t
		}
	}
	res, err := f.runOn(ctx, d, agents.Request{Class: "stonith", Type: d.Agent, Action: "status", Instance: d.ID,
		Params: withHostArg(d.Params, info), Timeout: timeout, Meta: map[string]string{stonith.MetaTarget: target}})
	if err != nil {
		return false, "", fmt.Errorf("status: %w", err)
	}
	switch p := stonith.PowerFromStatus(res.RC); p {
	case stonith.PowerOn, stonith.PowerOff:
		return true, "status: target is " + p.String(), nil
	}
	return false, fmt.Sprintf("status: returned %d", res.RC), nil
}

// deviceList returns the device's list of plugs and aliases, reusing
// an answer younger than a minute made with the same parameters; when
// list fails, the last good answer is reused.
func (f *Fencer) deviceList(ctx context.Context, d *Device, info agentInfo, timeout time.Duration, lg *zap.Logger) ([]string, error) {
	key := paramsKey(d)
	f.mdMu.Lock()
	lc, ok := f.lists[d.ID]
	f.mdMu.Unlock()
	if ok && lc.params == key && f.clk.Since(lc.at) < listCacheAge {
		return lc.targets, nil
	}
	if v := strings.TrimSpace(d.Params["pcmk_list_timeout"]); v != "" {
		if t, err := pcmktime.ParseDuration(v); err == nil && t > 0 {
			timeout = t
		}
	}
	res, err := f.runOn(ctx, d, agents.Request{Class: "stonith", Type: d.Agent, Action: "list", Instance: d.ID,
		Params: withHostArg(d.Params, info), Timeout: timeout})
	if err == nil && res.RC != 0 {
		err = fmt.Errorf("list returned %d%s", res.RC, reasonSuffix(res))
	}
	var plugs []stonith.Plug
	if err == nil {
		plugs, err = stonith.ParseList([]byte(res.Output))
	}
	if err != nil {
		if ok && lc.params == key {
			lg.Info("list failed; reusing the device's last target list", logfield.Rsc(d.ID), zap.Error(err))
			return lc.targets, nil
		}
		return nil, err
	}
	targets := stonith.Targets(plugs)
	f.mdMu.Lock()
	f.lists[d.ID] = listCache{targets: targets, at: f.clk.Now(), params: key}
	f.mdMu.Unlock()
	return targets, nil
}

func paramsKey(d *Device) string {
	keys := make([]string, 0, len(d.Params))
	for k := range d.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(d.Agent)
	for _, k := range keys {
		b.WriteString("\x00" + k + "=" + d.Params[k])
	}
	return b.String()
}

// rand returns the delay source; callers hold no lock.
func (f *Fencer) rand() *lockedRand { return &lockedRand{mu: &f.rndMu, f: f} }

type lockedRand struct {
	mu *sync.Mutex
	f  *Fencer
}

func (l *lockedRand) Int64N(n int64) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.rnd.Int64N(n)
}

package lab

import (
	"fmt"
	"time"
)

// Fault is a failure the lab injects on one node.
type Fault string

const (
	// FaultKill SIGKILLs pacerd; the host, its links and addresses stay.
	FaultKill Fault = "kill"
	// FaultPowerOff powers the host off through fence_pacer_lab.
	FaultPowerOff Fault = "poweroff"
	// FaultCutAll pulls every cable of the host; pacerd keeps running.
	FaultCutAll Fault = "cutall"
	// FaultCutOne pulls the host's ring0 cable only: must not fail over.
	FaultCutOne Fault = "cutone"
)

// Faults lists the faults by name, for flags.
var Faults = []Fault{FaultKill, FaultPowerOff, FaultCutAll, FaultCutOne}

// Inject injects f on host and returns the time stamped just before it.
func (c *Cluster) Inject(f Fault, host string) (time.Time, error) {
	h := c.Lab.Host(host)
	if h == nil {
		return time.Time{}, fmt.Errorf("cluster %s: no host %q", c.Name, host)
	}
	switch f {
	case FaultKill:
		return c.Kill(host)
	case FaultPowerOff:
		at := time.Now()
		return at, h.PowerOff()
	case FaultCutAll:
		at := time.Now()
		return at, c.Lab.CutAll(host)
	case FaultCutOne:
		at := time.Now()
		return at, c.Lab.CutLink(host, 0)
	}
	return time.Time{}, fmt.Errorf("unknown fault %q", f)
}

// Heal undoes f on host: pacerd started again (after a kill or a power
// cycle, on its data_dir), the host powered on, the cables plugged back.
func (c *Cluster) Heal(f Fault, host string) error {
	h := c.Lab.Host(host)
	if h == nil {
		return fmt.Errorf("cluster %s: no host %q", c.Name, host)
	}
	switch f {
	case FaultKill:
		_, err := c.Start(host)
		return err
	case FaultPowerOff:
		if err := h.PowerOn(); err != nil {
			return err
		}
		_, err := c.Start(host)
		return err
	case FaultCutAll:
		return c.Lab.RestoreAll(host)
	case FaultCutOne:
		return c.Lab.RestoreLink(host, 0)
	}
	return fmt.Errorf("unknown fault %q", f)
}

// Failover is what the survivors of a fault logged, timed from the fault.
type Failover struct {
	Fault  Fault
	Victim string
	WasDC  bool
	At     time.Time
	// Detected is the first survivor's "node declared dead" for the
	// victim; SilentFor is the silence that line reports.
	Detected   time.Duration
	DetectedBy string
	SilentFor  time.Duration
	// Elected is a survivor's "elected DC" (only when the victim was the
	// DC); NewDC is the DC every survivor then names.
	Elected time.Duration
	NewDC   string
	// Agreed is when every survivor named NewDC over its control socket
	// (polled every 10 ms plus the time to ask, so that much late).
	Agreed time.Duration
}

// Survivors are the nodes other than host.
func (c *Cluster) Survivors(host string) []string {
	var out []string
	for _, n := range c.Spec.Hosts {
		if n != host {
			out = append(out, n)
		}
	}
	return out
}

// MeasureFailover injects f on victim and waits (up to timeout, a hang
// guard) for every survivor to declare it dead and, if it was the DC, for
// the survivors to agree on a new DC. Not for FaultCutOne, after which
// nothing must happen.
func (c *Cluster) MeasureFailover(f Fault, victim string, timeout time.Duration) (Failover, error) {
	if f == FaultCutOne {
		return Failover{}, fmt.Errorf("%s is not a failover fault", f)
	}
	surv := c.Survivors(victim)
	dc, err := c.WaitOneDC(c.Spec.Hosts, timeout)
	if err != nil {
		return Failover{}, fmt.Errorf("before the fault: %w", err)
	}
	fo := Failover{Fault: f, Victim: victim, WasDC: dc == victim}
	fo.At, err = c.Inject(f, victim)
	if err != nil {
		return fo, fmt.Errorf("inject %s on %s: %w", f, victim, err)
	}
	// Poll both: at default timers raft elects a new DC long before
	// membership's deadtime runs out, so neither may wait for the other.
	deadline := fo.At.Add(timeout)
	dead := map[string]bool{}
	agreed := !fo.WasDC
	if !fo.WasDC {
		fo.NewDC = dc
	}
	for len(dead) < len(surv) || !agreed {
		for _, s := range surv {
			if dead[s] {
				continue
			}
			es := c.Node(s).EventsSince(fo.At, "node declared dead", map[string]string{"node": victim})
			if len(es) == 0 {
				continue
			}
			dead[s] = true
			if d := es[0].TS.Sub(fo.At); fo.DetectedBy == "" || d < fo.Detected {
				fo.Detected, fo.DetectedBy = d, s
				fo.SilentFor, _ = time.ParseDuration(es[0].Str("silent_for"))
			}
		}
		if !agreed {
			if now, err := c.WaitOneDC(surv, 0); err == nil {
				agreed, fo.NewDC, fo.Agreed = true, now, time.Since(fo.At)
			}
		}
		if time.Now().After(deadline) {
			return fo, fmt.Errorf("after %s of %s: declared dead by %d of %d survivors, new DC agreed: %v, within %v",
				f, victim, len(dead), len(surv), agreed, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !fo.WasDC {
		return fo, nil
	}
	// The new DC's own line (a witness may win first and hand over: its
	// "elected DC" is not the one that counts).
	if es := c.Node(fo.NewDC).EventsSince(fo.At, "elected DC", nil); len(es) > 0 {
		fo.Elected = es[len(es)-1].TS.Sub(fo.At)
	}
	return fo, nil
}

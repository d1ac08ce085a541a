package fencing

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"pacer/agents"
	"pacer/agents/stonith"
)

// actionLimit is the device's pcmk_action_limit: how many of its actions
// may run at once; 1 by default, -1 for no limit. A value that does not
// parse, or 0, counts as 1, as in Pacemaker.
func actionLimit(d *Device) int {
	n, err := strconv.Atoi(strings.TrimSpace(d.Params[stonith.ParamActionLimit]))
	if err != nil || n == 0 || n < -1 {
		return 1
	}
	return n
}

// runOn runs an agent action of device d, waiting for a free slot under
// its pcmk_action_limit first (every action of the device counts:
// fencing, list and status, as Pacemaker queues them on the device).
func (f *Fencer) runOn(ctx context.Context, d *Device, req agents.Request) (agents.Result, error) {
	limit := actionLimit(d)
	if limit > 0 {
		key := d.ID + "\x00" + strconv.Itoa(limit)
		f.mdMu.Lock()
		sem := f.slots[key]
		if sem == nil {
			sem = make(chan struct{}, limit)
			f.slots[key] = sem
		}
		f.mdMu.Unlock()
		select {
		case sem <- struct{}{}:
			defer func() { <-sem }()
		case <-ctx.Done():
			return agents.Result{RC: 1, Cancelled: true}, fmt.Errorf("waiting for device %s (pcmk_action_limit %d): %w", d.ID, limit, ctx.Err())
		}
	}
	return f.runner.Run(ctx, req)
}

package fencing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"pacer/internal/logfield"
)

// FenceRetry is the retry policy the coordinator uses: Fence, and after a
// failure wait and try again, at most attempts times in all (0 means
// until ctx ends). Fencing is never assumed: it returns the last error
// when every attempt failed. A request that can never succeed
// (ErrSelfFence, ErrBadRequest) is not retried.
func (f *Fencer) FenceRetry(ctx context.Context, req Request, attempts int, wait time.Duration) (Result, error) {
	for n := 1; ; n++ {
		res, err := f.Fence(ctx, req)
		if err == nil {
			return res, nil
		}
		if errors.Is(err, ErrSelfFence) || errors.Is(err, ErrBadRequest) {
			return res, err
		}
		if attempts > 0 && n >= attempts {
			return res, fmt.Errorf("after %d attempts: %w", n, err)
		}
		f.lg.Warn("fencing will be retried", logfield.Node(req.Target), logfield.Op(req.Action),
			zap.Int("attempt", n), zap.Duration("wait", wait), zap.Error(err))
		if wait > 0 {
			t := f.clk.NewTimer(wait)
			select {
			case <-t.C():
			case <-ctx.Done():
				t.Stop()
				return res, fmt.Errorf("retrying after %d attempts: %w (last: %w)", n, ctx.Err(), err)
			}
		} else if ctx.Err() != nil {
			return res, fmt.Errorf("retrying after %d attempts: %w (last: %w)", n, ctx.Err(), err)
		}
	}
}

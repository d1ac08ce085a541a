package resources

import (
	"fmt"
	"strings"
	"time"

	"go.uber.org/zap"

	"pacer/agents"
	"pacer/agents/ocf"
	"pacer/internal/logfield"
)

// maxExitReason bounds a made-up exit reason as the runner bounds an
// agent's.
const maxExitReason = 128

// classify maps what the runner said to the rc and op-status Pacemaker's
// executor records, and an exit reason when the agent gave none.
func classify(res agents.Result, err error, timeout time.Duration) (int, OpStatus, string) {
	reason := res.ExitReason
	or := func(s string) string {
		if reason != "" {
			return reason
		}
		if len(s) > maxExitReason {
			s = strings.ToValidUTF8(s[:maxExitReason], "")
		}
		return s
	}
	switch {
	case err == nil:
		return res.RC, StatusDone, reason
	case res.TimedOut:
		return 1, StatusTimedOut, or(fmt.Sprintf("agent did not complete within %v", timeout))
	case res.Cancelled:
		return 1, StatusCancelled, reason
	case res.Signal != "":
		return 1, StatusError, or("agent killed by " + res.Signal)
	case res.RC == int(ocf.ErrInstalled):
		return res.RC, StatusNotInstalled, or(err.Error())
	}
	rc := res.RC
	if rc == 0 {
		// An error must never read as success.
		rc = int(ocf.ErrGeneric)
	}
	return rc, StatusError, or(err.Error())
}

// logResult writes the one line an operator reads per result; a
// recurring op's unchanged runs only at Debug.
func (e *Executor) logResult(rec Record, reported, discarded bool) {
	fields := []zap.Field{
		rscField(rec.Rsc), opField(rec.Action), intervalField(rec.Interval),
		logfield.RC(rec.RC), logfield.RCText(ocf.RC(rec.RC).String()),
		logfield.Duration(rec.ExecTime), zap.Int("call_id", rec.CallID),
	}
	if rec.Status != StatusDone {
		fields = append(fields, zap.String("status", rec.Status.String()))
	}
	if rec.ExitReason != "" {
		fields = append(fields, logfield.Reason(rec.ExitReason))
	}
	switch {
	case discarded:
		e.lg.Debug("operation result discarded after cancel", fields...)
	case !reported && rec.Status != StatusCancelled:
		e.lg.Debug("operation result unchanged", fields...)
	case rec.Failed() && !probeFound(rec):
		e.lg.Error("operation result", fields...)
	default:
		e.lg.Info("operation result", fields...)
	}
}

// probeFound: a probe that found the resource running, stopped or
// promoted learned a state, whatever was expected; not an error to log.
func probeFound(rec Record) bool {
	if rec.Action != "monitor" || rec.Interval != 0 || rec.Status != StatusDone {
		return false
	}
	switch ocf.RC(rec.RC) {
	case ocf.Success, ocf.NotRunning, ocf.RunningPromoted:
		return true
	}
	return false
}

func rscField(id string) zap.Field            { return logfield.Rsc(id) }
func opField(action string) zap.Field         { return logfield.Op(action) }
func intervalField(d time.Duration) zap.Field { return zap.Duration("interval", d) }

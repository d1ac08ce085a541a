package store

import (
	"fmt"

	"go.etcd.io/raft/v3"
	"go.uber.org/zap"
)

// raftLogger adapts zap to raft.Logger. raft's own chatter is Debug except
// what it reports as a warning or error; its Panic and Fatal keep raft's
// contract (it does not expect them to return) by panicking, which only a
// raft invariant violation reaches, never outside input checked here.
type raftLogger struct{ s *zap.SugaredLogger }

var _ raft.Logger = raftLogger{}

func newRaftLogger(lg *zap.Logger) raftLogger {
	return raftLogger{lg.WithOptions(zap.AddCallerSkip(1)).Sugar()}
}

func (l raftLogger) Debug(v ...any)                   { l.s.Debug(v...) }
func (l raftLogger) Debugf(format string, v ...any)   { l.s.Debugf(format, v...) }
func (l raftLogger) Info(v ...any)                    { l.s.Debug(v...) }
func (l raftLogger) Infof(format string, v ...any)    { l.s.Debugf(format, v...) }
func (l raftLogger) Warning(v ...any)                 { l.s.Warn(v...) }
func (l raftLogger) Warningf(format string, v ...any) { l.s.Warnf(format, v...) }
func (l raftLogger) Error(v ...any)                   { l.s.Error(v...) }
func (l raftLogger) Errorf(format string, v ...any)   { l.s.Errorf(format, v...) }
func (l raftLogger) Fatal(v ...any)                   { l.Panic(v...) }
func (l raftLogger) Fatalf(format string, v ...any)   { l.Panicf(format, v...) }
func (l raftLogger) Panic(v ...any) {
	l.s.Error(v...)
	panic(fmt.Sprint(v...))
}
func (l raftLogger) Panicf(format string, v ...any) {
	l.s.Errorf(format, v...)
	panic(fmt.Sprintf(format, v...))
}

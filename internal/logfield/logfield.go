// Package logfield holds the typed zap field constructors for the fixed set
// of keys operators grep for, so a resource or node is found under one key
// everywhere in pacer's logs.
package logfield

import (
	"time"

	"go.uber.org/zap"
)

// The fixed keys.
const (
	KeyNode       = "node"
	KeyNodeID     = "node_id"
	KeyRsc        = "rsc"
	KeyOp         = "op"
	KeyRC         = "rc"
	KeyRCText     = "rc_text"
	KeyDuration   = "duration"
	KeyTransition = "transition"
	KeyTerm       = "term"
	KeyLink       = "link"
	KeyLinks      = "links"
	KeyReason     = "reason"
	KeySilentFor  = "silent_for"
	KeyCount      = "count"
)

func Node(name string) zap.Field          { return zap.String(KeyNode, name) }
func NodeID(id uint64) zap.Field          { return zap.Uint64(KeyNodeID, id) }
func Rsc(id string) zap.Field             { return zap.String(KeyRsc, id) }
func Op(op string) zap.Field              { return zap.String(KeyOp, op) }
func RC(rc int) zap.Field                 { return zap.Int(KeyRC, rc) }
func RCText(s string) zap.Field           { return zap.String(KeyRCText, s) }
func Duration(d time.Duration) zap.Field  { return zap.Duration(KeyDuration, d) }
func Transition(n uint64) zap.Field       { return zap.Uint64(KeyTransition, n) }
func Term(t uint64) zap.Field             { return zap.Uint64(KeyTerm, t) }
func Link(name string) zap.Field          { return zap.String(KeyLink, name) }
func Links(names []string) zap.Field      { return zap.Strings(KeyLinks, names) }
func Reason(r string) zap.Field           { return zap.String(KeyReason, r) }
func SilentFor(d time.Duration) zap.Field { return zap.Duration(KeySilentFor, d) }
func Count(n uint64) zap.Field            { return zap.Uint64(KeyCount, n) }

package coordinator

// Messages between the DC and the nodes: msgpack (the heartbeat codec) in
// heartbeat cluster messages on ChannelCoordinator, which the links have
// already authenticated. Requests carry an id and the DC's term; a node
// answers a repeated request from its cache instead of running it again,
// so the DC may resend freely over lossy links.

import (
	"errors"
	"fmt"
	"strconv"

	"pacer/crm/cib"
	"pacer/heartbeat"
	"pacer/resources"
)

type msgType uint8

const (
	msgExec        msgType = 1 + iota // DC → node: run Op
	msgExecResult                     // node → DC: Record, History
	msgProbe                          // DC → node: probe Specs, send the whole history
	msgProbeResult                    // node → DC: History (every resource)
	msgReport                         // node → DC, unasked: a recurring op's change
	msgReportAck                      // DC → node: report ID committed
)

func (t msgType) String() string {
	switch t {
	case msgExec:
		return "exec"
	case msgExecResult:
		return "exec-result"
	case msgProbe:
		return "probe"
	case msgProbeResult:
		return "probe-result"
	case msgReport:
		return "report"
	case msgReportAck:
		return "report-ack"
	}
	return "type-" + strconv.Itoa(int(t))
}

// message is every coordinator message; the fields used depend on Type.
type message struct {
	Type msgType `codec:"y"`
	// ID is the request's id (exec, probe and their results) or the
	// report's sequence number (report, report-ack).
	ID   uint64 `codec:"i"`
	Term uint64 `codec:"t"` // the DC's term (requests)
	Node string `codec:"n"` // the sender's name (results, reports)

	Op     *resources.Op            `codec:"o"`
	Specs  []resources.ResourceSpec `codec:"s"`
	Record *resources.Record        `codec:"r"`
	// History is the resource's whole history after the op (exec
	// result, report) or every resource's (probe result).
	History []cib.LRMResource `codec:"h"`
	// Seq orders the history snapshots a node sends: a snapshot older
	// than one already committed is not committed again.
	Seq uint64 `codec:"q"`
	// Err says why the node could not run the request.
	Err string `codec:"e"`
}

// maxMessage is what one heartbeat message can carry, with room for the
// frame's header and MAC.
const maxMessage = heartbeat.MaxFrameSize - 512

var errGarbled = errors.New("garbled coordinator message")

func encodeMessage(m *message) ([]byte, error) {
	b, err := heartbeat.EncodeBody(nil, m)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", m.Type, err)
	}
	if len(b) > maxMessage {
		return nil, fmt.Errorf("encode %s: %d bytes, more than a message carries (%d)", m.Type, len(b), maxMessage)
	}
	return b, nil
}

func decodeMessage(b []byte) (*message, error) {
	var m message
	if err := heartbeat.DecodeBody(b, &m); err != nil {
		return nil, fmt.Errorf("%w: %v", errGarbled, err)
	}
	switch {
	case m.Type < msgExec || m.Type > msgReportAck:
		return nil, fmt.Errorf("%w: unknown type %d", errGarbled, m.Type)
	case m.Type == msgExec && m.Op == nil:
		return nil, fmt.Errorf("%w: exec request %d without an op", errGarbled, m.ID)
	case (m.Type == msgExecResult || m.Type == msgReport) && m.Record == nil && m.Err == "":
		return nil, fmt.Errorf("%w: %s %d without a record", errGarbled, m.Type, m.ID)
	}
	return &m, nil
}

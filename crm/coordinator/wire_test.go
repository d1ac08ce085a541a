package coordinator

import (
	"errors"
	"testing"
	"time"

	"pacer/crm/cib"
	"pacer/resources"
)

func wireCases() []*message {
	spec := resources.ResourceSpec{ID: "d1", Class: "ocf", Provider: "pacer", Type: "Dummy",
		Params: map[string]string{"state": "/run/d1"}, Meta: map[string]string{"target-role": "Started"}}
	rec := resources.Record{Rsc: "d1", Class: "ocf", Action: "monitor", Interval: 10 * time.Second, CallID: 3, RC: 7,
		TargetRC: 0, LastRun: time.Unix(1795435210, 0).UTC(), ExitReason: "No process state file found"}
	return []*message{
		{Type: msgExec, ID: 1, Term: 2, Op: &resources.Op{Resource: spec, Action: "start", Timeout: 20 * time.Second, TransitionKey: "1:1:0:x"}},
		{Type: msgExecResult, ID: 1, Term: 2, Node: "alpha", Record: &rec, Seq: 9,
			History: []cib.LRMResource{{ID: "d1", Ops: []cib.LRMOp{{ID: "d1_last_0", Operation: "start", RCCode: "0"}}}}},
		{Type: msgProbe, ID: 2, Term: 2, Specs: []resources.ResourceSpec{spec}},
		{Type: msgProbeResult, ID: 2, Term: 2, Node: "alpha", Seq: 10},
		{Type: msgReport, ID: 11, Node: "alpha", Record: &rec, Seq: 11},
		{Type: msgReportAck, ID: 11, Term: 2},
		{Type: msgExecResult, ID: 3, Node: "alpha", Err: "executor closed"},
	}
}

func TestWireRoundTrip(t *testing.T) {
	for _, m := range wireCases() {
		t.Run(m.Type.String(), func(t *testing.T) {
			b, err := encodeMessage(m)
			if err != nil {
				t.Fatal(err)
			}
			got, err := decodeMessage(b)
			if err != nil {
				t.Fatal(err)
			}
			if got.Type != m.Type || got.ID != m.ID || got.Term != m.Term || got.Node != m.Node || got.Seq != m.Seq || got.Err != m.Err {
				t.Fatalf("got %+v, want %+v", got, m)
			}
			if m.Record != nil && (got.Record == nil || got.Record.RC != m.Record.RC || !got.Record.LastRun.Equal(m.Record.LastRun) ||
				got.Record.Interval != m.Record.Interval || got.Record.ExitReason != m.Record.ExitReason) {
				t.Fatalf("record %+v, want %+v", got.Record, m.Record)
			}
			if m.Op != nil && (got.Op == nil || got.Op.Resource.Params["state"] != "/run/d1" || got.Op.Timeout != m.Op.Timeout) {
				t.Fatalf("op %+v", got.Op)
			}
			if len(got.History) != len(m.History) || len(got.Specs) != len(m.Specs) {
				t.Fatalf("history %v specs %v", got.History, got.Specs)
			}
		})
	}
}

func TestWireRefusesBadMessages(t *testing.T) {
	for name, m := range map[string]*message{
		"unknown type":          {Type: 99},
		"zero type":             {},
		"exec without op":       {Type: msgExec, ID: 1},
		"result without record": {Type: msgExecResult, ID: 1},
		"report without record": {Type: msgReport, ID: 1},
	} {
		t.Run(name, func(t *testing.T) {
			b, err := encodeMessage(m)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := decodeMessage(b); !errors.Is(err, errGarbled) {
				t.Fatalf("decoded: %v", err)
			}
		})
	}
	big := &message{Type: msgProbe, Specs: []resources.ResourceSpec{{ID: "x", Params: map[string]string{"blob": string(make([]byte, maxMessage))}}}}
	if _, err := encodeMessage(big); err == nil {
		t.Fatal("a message larger than a frame was encoded")
	}
}

func FuzzDecodeMessage(f *testing.F) {
	for _, m := range wireCases() {
		b, err := encodeMessage(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0x81, 0xa1, 0x79, 0x09})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeMessage(b)
		if err != nil {
			if !errors.Is(err, errGarbled) {
				t.Fatalf("error not errGarbled: %v", err)
			}
			return
		}
		// What decodes encodes again, to the same message.
		b2, err := encodeMessage(m)
		if err != nil {
			return // too large once re-encoded with every field
		}
		m2, err := decodeMessage(b2)
		if err != nil || m2.Type != m.Type || m2.ID != m.ID {
			t.Fatalf("re-decode: %v %+v %+v", err, m, m2)
		}
	})
}

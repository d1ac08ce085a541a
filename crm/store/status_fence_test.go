package store

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"

	"pacer/crm/cib"
	"pacer/crm/cib/cibxml"
)

// The fencing history the coordinator commits: an event replaces the one
// with its id (a failed fencing's next attempt), others are appended, the
// oldest dropped beyond MaxFenceHistory; the history survives the XML the
// store snapshots; an event without its required fields is refused.
func TestStatusFenceHistory(t *testing.T) {
	c := &cib.CIB{}
	ev := func(id, state string) *cib.FenceEvent {
		return &cib.FenceEvent{ID: id, Target: "n2", Action: "off", State: state, Origin: "n1", Executor: "n1",
			Started: "2026-11-24T01:00:00.000Z", Completed: "2026-11-24T01:00:01.250Z"}
	}
	for _, u := range []StatusUpdate{
		{Node: "n2", Fence: ev("fence-n2-1", "failed")},
		{Node: "n2", Fence: ev("fence-n2-1", "failed")},
		{Node: "n2", Fence: ev("fence-n2-2", "success")},
	} {
		if err := ApplyStatus(c, u); err != nil {
			t.Fatal(err)
		}
	}
	if got := c.Status.Fencing; len(got) != 2 || got[0].State != "failed" || got[1].State != "success" {
		t.Fatalf("history %+v, want the failed event once, then the success", got)
	}
	var b bytes.Buffer
	if err := cibxml.Write(&b, c); err != nil {
		t.Fatal(err)
	}
	back, err := cibxml.Read(bytes.NewReader(b.Bytes()), "test")
	if err != nil {
		t.Fatal(err)
	}
	if got := back.Status.Fencing; len(got) != 2 || !reflect.DeepEqual(got[1], *ev("fence-n2-2", "success")) {
		t.Fatalf("after the XML round trip: %+v\n%s", got, b.String())
	}
	for i := range MaxFenceHistory + 5 {
		if err := ApplyStatus(c, StatusUpdate{Node: "n2", Fence: ev(fmt.Sprintf("e%d", i), "success")}); err != nil {
			t.Fatal(err)
		}
	}
	if got := c.Status.Fencing; len(got) != MaxFenceHistory || got[0].ID != "e5" || got[len(got)-1].ID != fmt.Sprintf("e%d", MaxFenceHistory+4) {
		t.Fatalf("kept %d events from %s, want the last %d", len(got), got[0].ID, MaxFenceHistory)
	}
	for _, bad := range []*cib.FenceEvent{{Target: "n2", Action: "off", State: "success"}, {ID: "x", Action: "off", State: "success"},
		{ID: "x", Target: "n2", State: "success"}, {ID: "x", Target: "n2", Action: "off"}} {
		if err := ApplyStatus(c, StatusUpdate{Node: "n2", Fence: bad}); err == nil {
			t.Errorf("fence event %+v accepted", bad)
		}
	}
}

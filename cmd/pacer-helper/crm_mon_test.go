package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pacer/crm/cib/cibxml"
	"pacer/crm/status"
	"pacer/internal/control"
)

type docStatus []byte

func (d docStatus) Status(context.Context) ([]byte, error) { return d, nil }

// From a pacerd that serves the cluster status, crm_mon -1 prints it:
// resources with their role and node, and failed actions.
func TestCrmMonPrintsStatus(t *testing.T) {
	c, err := cibxml.ReadFile("../../crm/status/testdata/multiple-monitor-one-failed.xml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := status.Build(status.Snapshot{Cluster: "unit", Node: "dhcp69", CIB: c, Now: time.Unix(1800000000, 0)})
	if err != nil {
		t.Fatal(err)
	}
	var doc bytes.Buffer
	status.WriteJSON(&doc, r, false)
	dir, err := os.MkdirTemp("", "ph")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "s.sock")
	s, err := control.Listen(control.Config{Path: sock}, control.Backend{Status: docStatus(bytes.TrimSpace(doc.Bytes()))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	go s.Run(context.Background())
	t.Cleanup(func() { s.Close() })
	out, errOut, rc := runTool(sock, nil, []string{"crm_mon", "-1"})
	for _, want := range []string{"Cluster Summary:", "* Online: [ dhcp69 dhcp180 ]",
		"* Dummy-test2\t(ocf:test:Dummy):\t FAILED dhcp180",
		"* Dummy-test2_monitor_10000 on dhcp180 'not running' (7)"} {
		if !strings.Contains(out, want) {
			t.Errorf("crm_mon -1 lacks %q", want)
		}
	}
	if rc != 0 || errOut != "" {
		t.Errorf("crm_mon -1: rc %d, stderr %q\n%s", rc, errOut, out)
	}
}

package main

import (
	"os"
	"path/filepath"
	"testing"

	"pacer/internal/attrd"
	"pacer/internal/helperpath"
)

const (
	ocfRoot        = "/usr/lib/ocf"
	statefulAgent  = ocfRoot + "/resource.d/pacemaker/Stateful"
	ocfShellfuncs  = ocfRoot + "/resource.d/heartbeat/.ocf-shellfuncs"
	statefulReason = "needs Pacemaker's ocf:pacemaker:Stateful (Debian: pacemaker-resource-agents) and resource-agents' ocf-shellfuncs"
)

// requireFile skips without the file, or fails under CI=true, where every
// real dependency must be installed.
func requireFile(t *testing.T, path, why string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s: %v (%s)", path, err, why)
		}
		t.Skipf("%s: %v (%s)", path, err, why)
	}
}

// Pacemaker's own Stateful agent, run with pacer's helpers first on PATH and
// in HA_SBIN_DIR, keeps its promotion score in pacerd: 5 once started, 10
// once promoted, removed when stopped.
func TestStatefulAgentSetsPromotionScore(t *testing.T) {
	requireFile(t, statefulAgent, statefulReason)
	requireFile(t, ocfShellfuncs, statefulReason)
	dir := helperDir(t)
	b, sock := testServer(t, nil)
	state := filepath.Join(t.TempDir(), "Stateful-st.state")
	env := []string{
		"OCF_ROOT=" + ocfRoot,
		"OCF_RA_VERSION_MAJOR=1", "OCF_RA_VERSION_MINOR=1",
		"OCF_RESOURCE_INSTANCE=st:0", "OCF_RESOURCE_TYPE=Stateful", "OCF_RESOURCE_PROVIDER=pacemaker",
		"OCF_RESKEY_state=" + state,
		"OCF_RESKEY_CRM_meta_on_node=alpha",
		"OCF_RESKEY_CRM_meta_interval=0",
		"OCF_RESKEY_CRM_meta_timeout=20000",
		"HA_LOGFACILITY=none", "HA_debug=0",
		"PACER_SOCKET=" + sock,
	}
	for k, v := range helperpath.Env(dir, "/usr/sbin:/usr/bin:/sbin:/bin", "") {
		env = append(env, k+"="+v)
	}
	score := func() (string, bool) {
		v, err := b.m.Get("alpha", "master-st", attrd.Reboot)
		return v.Written, err == nil && v.InCIB
	}
	agent := func(action string, want int) {
		t.Helper()
		out, errs, rc := runBin(t, filepath.Dir(statefulAgent), env, filepath.Base(statefulAgent), action)
		if rc != want {
			t.Fatalf("Stateful %s: rc=%d, want %d\nstdout: %s\nstderr: %s", action, rc, want, out, errs)
		}
	}
	agent("monitor", 7) // probe: not running
	agent("start", 0)
	if v, ok := score(); !ok || v != "5" {
		t.Fatalf("after start: master-st = %q (set %v), want 5", v, ok)
	}
	agent("monitor", 0)
	agent("promote", 0)
	if v, ok := score(); !ok || v != "10" {
		t.Fatalf("after promote: master-st = %q (set %v), want 10", v, ok)
	}
	agent("monitor", 8) // running promoted
	agent("demote", 0)
	if v, _ := score(); v != "5" {
		t.Fatalf("after demote: master-st = %q, want 5", v)
	}
	agent("stop", 0)
	if v, ok := score(); ok {
		t.Fatalf("after stop: master-st = %q still set", v)
	}
	agent("monitor", 7)
}

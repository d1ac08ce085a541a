package scheduler_test

import (
	"strings"
	"testing"

	"pacer/crm/scheduler"
)

// TestCloneNotifications checks pe_notif.c for a clone with notify=true
// whose instance on node1 runs and whose instance on node2 starts: the
// running instance is told before the start (the starting one is not),
// both are told after it, in order pre -> confirmed-pre -> start ->
// running -> post -> confirmed-post, and the notify actions carry the
// notify_* variables agents read.
func TestCloneNotifications(t *testing.T) {
	clone := `<clone id="cl"><meta_attributes id="clm"><nvpair id="clm1" name="notify" value="true"/></meta_attributes>` + prim("p", "") + `</clone>`
	xml := head + `<resources>` + clone + `</resources><constraints/></configuration>` +
		withStatus(history(1, map[string][]op{"p": started}, "p"), history(2, map[string][]op{"p": stopped}, "p"))
	tr := schedule(t, xml)
	var got []string
	for _, a := range tr.Execute() {
		s := a.Key
		if a.Node != "" {
			s += "@" + a.Node
		}
		got = append(got, s)
	}
	want := "cl_pre_notify_start_0 p:0_pre_notify_start_0@node1 cl_confirmed-pre_notify_start_0 cl_start_0 p:1_start_0@node2 cl_running_0 " +
		"cl_post_notify_running_0 p:0_post_notify_start_0@node1 p:1_post_notify_start_0@node2 cl_confirmed-post_notify_running_0"
	if strings.Join(got, " ") != want {
		t.Errorf("executed\n %s\nwant\n %s", strings.Join(got, " "), want)
	}
	for _, a := range tr.Actions {
		if a.Key != "p:0_post_notify_start_0" {
			continue
		}
		for k, v := range map[string]string{"notify_type": "post", "notify_operation": "start", "notify_start_resource": "p:1",
			"notify_start_uname": "node2", "notify_active_uname": "node1", "notify_inactive_resource": "p:1"} {
			if a.Meta[k] != v {
				t.Errorf("%s=%q, want %q", k, a.Meta[k], v)
			}
		}
	}
}

// TestOrderAfterNotifyingClone checks rsc_expand_action: what is
// ordered after a clone that has notifications waits for the confirmed
// post-notification of the clone's completion, not just its running
// pseudo-action.
func TestOrderAfterNotifyingClone(t *testing.T) {
	cl := clone("notify", "true", "clone-max", "1")
	cons := `<rsc_order id="cl-then-a" first="cl" then="a"/>`
	tr := schedule(t, cloneCIB(cl+prim("a", ""), cons))
	byKey := map[string]*scheduler.Action{}
	for _, a := range tr.Actions {
		byKey[a.Key] = a
	}
	start, confirmed := byKey["a_start_0"], byKey["cl_confirmed-post_notify_running_0"]
	if start == nil || confirmed == nil {
		t.Fatalf("missing actions: start %v, confirmed-post %v", start != nil, confirmed != nil)
	}
	for _, in := range start.Inputs {
		if in == confirmed.ID {
			return
		}
	}
	t.Errorf("a_start_0 does not wait for cl_confirmed-post_notify_running_0 (inputs %v)", start.Inputs)
}

// TestClonedGroupNotifications checks create_notify_actions and
// collect_resource_data for a cloned group: the notifications go to the
// group's members (each primitive is told on each node where it is
// active), never to the group instance, and the notify_* variables list
// the members' instances. (Checked against crm_simulate 2.1.5.)
func TestClonedGroupNotifications(t *testing.T) {
	ms := `<clone id="ms"><meta_attributes id="msm"><nvpair id="msm1" name="promotable" value="true"/><nvpair id="msm2" name="notify" value="true"/></meta_attributes>` +
		`<group id="grp">` + prim("s1", "") + prim("s2", "") + `</group></clone>`
	both := map[string][]op{"s1": started, "s2": started}
	node1 := strings.Replace(history(1, both, "s1", "s2"), `expected="member">`,
		`expected="member"><transient_attributes id="1"><instance_attributes id="ta1"><nvpair id="ta1a" name="master-s1" value="10"/><nvpair id="ta1b" name="master-s2" value="10"/></instance_attributes></transient_attributes>`, 1)
	xml := head + `<resources>` + ms + `</resources><constraints/></configuration>` + withStatus(node1, history(2, both, "s1", "s2"))
	tr := schedule(t, xml)
	var got []string
	for _, a := range tr.Execute() {
		s := a.Key
		if a.Node != "" {
			s += "@" + a.Node
		}
		got = append(got, s)
	}
	want := "ms_pre_notify_promote_0 s1:0_pre_notify_promote_0@node1 s2:0_pre_notify_promote_0@node1 s1:1_pre_notify_promote_0@node2 s2:1_pre_notify_promote_0@node2 " +
		"ms_confirmed-pre_notify_promote_0 ms_promote_0 grp:0_promote_0 s1:0_promote_0@node1 s2:0_promote_0@node1 grp:0_promoted_0 ms_promoted_0 " +
		"ms_post_notify_promoted_0 s1:0_post_notify_promote_0@node1 s2:0_post_notify_promote_0@node1 s1:1_post_notify_promote_0@node2 s2:1_post_notify_promote_0@node2 " +
		"ms_confirmed-post_notify_promoted_0"
	if strings.Join(got, " ") != want {
		t.Errorf("executed\n %s\nwant\n %s", strings.Join(got, " "), want)
	}
	for _, a := range tr.Actions {
		if a.Key != "s2:1_post_notify_promote_0" {
			continue
		}
		for k, v := range map[string]string{"notify_promote_resource": "s1:0 s2:0", "notify_promote_uname": "node1 node1",
			"notify_active_resource": "s1:0 s1:1 s2:0 s2:1"} {
			if a.Meta[k] != v {
				t.Errorf("%s=%q, want %q", k, a.Meta[k], v)
			}
		}
	}
}

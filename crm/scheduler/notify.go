package scheduler

import (
	"sort"
	"strings"

	"pacer/crm/cib"
)

// Clone notifications (Pacemaker's pe_notif.c). A clone with notify=true
// tells its instances before and after each start, stop, promote and
// demote of any of them: pseudo-actions pre / confirmed-pre around the
// clone's action and post / confirmed-post after its completion, and,
// once the transition's flags are settled, a notify action of every
// instance concerned between them, carrying the notify_* variables that
// agents such as ocf:linbit:drbd read.

// notifyData is one notified operation of a clone (notify_data_t).
type notifyData struct {
	task                         string // start, stop, promote, demote
	pre, preDone, post, postDone *action
}

// notifyKey is pcmk__notify_key: RSC_TYPE_notify_OPERATION_0.
func notifyKey(rsc, typ, op string) string {
	return rsc + "_" + typ + "_notify_" + op + "_0"
}

// notifPseudoOps is pe__clone_notif_pseudo_ops: the pre and post
// notification pseudo-actions of a clone's action and its completion,
// ordered pre -> confirmed-pre -> action, completion -> post ->
// confirmed-post, and confirmed-pre -> confirmed-post.
func (ws *workingSet) notifPseudoOps(r *resource, task string, act, complete *action) *notifyData {
	nd := &notifyData{task: task}
	pseudo := func(typ, notifTask string, of *action) *action {
		a := ws.customAction(r, notifyKey(r.id, typ, of.task), notifTask, nil, of.is(flagOptional))
		a.flags |= flagPseudo | flagRunnable
		a.meta = map[string]string{"notify_type": strings.TrimPrefix(typ, "confirmed-"), "notify_operation": task,
			"notify_key_type": typ, "notify_key_operation": of.task}
		return a
	}
	if act != nil {
		nd.pre = pseudo("pre", "notify", act)
		nd.preDone = pseudo("confirmed-pre", "notified", act)
		ws.orderActions(nd.pre, nd.preDone, orderOptional)
		ws.orderActions(nd.preDone, act, orderOptional)
	}
	if complete != nil {
		nd.post = pseudo("post", "notify", complete)
		nd.postDone = pseudo("confirmed-post", "notified", complete)
		ws.orderActions(nd.post, nd.postDone, orderImpliesThen)
	}
	if act != nil && complete != nil {
		ws.orderActions(complete, nd.post, orderImpliesThen)
		ws.orderActions(nd.preDone, nd.postDone, orderOptional)
	}
	r.clone.notif = append(r.clone.notif, nd)
	return nd
}

// createNotifications is pe__create_notifications for every notified
// operation of a clone, run when the graph is built (the flags are
// final): the notify_* variables, then each instance's notify actions.
func (ws *workingSet) createNotifications(r *resource) {
	for _, nd := range r.clone.notif {
		keys := ws.notifyKeys(r)
		for _, c := range r.children {
			ws.createNotifyActions(c, nd, keys)
		}
	}
}

// createNotifyActions is create_notify_actions for one instance: an
// instance that is active is told before (and, unless it stops, after) a
// stop or demote; one that will be active is told before (unless it is
// the one starting) and after a start or promote.
func (ws *workingSet) createNotifyActions(c *resource, nd *notifyData, keys map[string]string) {
	task := nd.task
	if len(c.children) > 0 {
		// A cloned group's instance: its members are told.
		for _, m := range c.children {
			ws.createNotifyActions(m, nd, keys)
		}
		return
	}
	// No notification when nothing does what is notified (a stop may
	// be implied by fencing, so stops are always notified).
	if task != "stop" && keys["notify_"+task+"_resource"] == "" {
		return
	}
	if c.role != cib.RoleStopped && (task == "stop" || task == "demote") {
		stop := newestAction(c, "stop")
		for _, n := range c.running {
			if stop != nil && stop.is(flagPseudo) && n.unclean {
				continue // implied by fencing: the node is not told
			}
			ws.newNotifyAction(c, n, nd.pre, nd.preDone, keys)
			if task == "demote" || stop == nil || stop.is(flagOptional) {
				ws.newPostNotifyAction(c, n, nd, keys)
			}
		}
	}
	if c.nextRole != cib.RoleStopped && (task == "start" || task == "promote") {
		if c.assigned == nil {
			return
		}
		start := newestAction(c, "start")
		if task != "start" || start == nil || start.is(flagOptional) {
			ws.newNotifyAction(c, c.assigned, nd.pre, nd.preDone, keys)
		}
		ws.newPostNotifyAction(c, c.assigned, nd, keys)
	}
}

// newestAction is find_first_action on a resource's action list (which
// Pacemaker keeps newest first).
func newestAction(r *resource, task string) *action {
	for i := len(r.actions) - 1; i >= 0; i-- {
		if r.actions[i].task == task {
			return r.actions[i]
		}
	}
	return nil
}

// newNotifyAction is new_notify_action: the instance's notify action on
// a node, between the clone's notification pseudo-action and its
// confirmation, unless the pseudo-action cannot run or the node is down.
func (ws *workingSet) newNotifyAction(c *resource, n *node, op, confirm *action, keys map[string]string) {
	if op == nil || confirm == nil || n == nil || !op.is(flagRunnable) || !n.online {
		return
	}
	key := notifyKey(c.id, op.meta["notify_type"], op.meta["notify_operation"])
	a := ws.customAction(c, key, "notify", n, op.is(flagOptional))
	a.meta = map[string]string{}
	for k, v := range op.meta {
		a.meta[k] = v
	}
	for k, v := range keys {
		a.meta[k] = v
	}
	ws.orderActions(op, a, orderOptional)
	ws.orderActions(a, confirm, orderOptional)
}

// newPostNotifyAction is new_post_notify_action: the post notification,
// and the instance's recurring monitors wait for all of them.
func (ws *workingSet) newPostNotifyAction(c *resource, n *node, nd *notifyData, keys map[string]string) {
	ws.newNotifyAction(c, n, nd.post, nd.postDone, keys)
	if nd.postDone == nil {
		return
	}
	for _, a := range c.actions {
		if a.interval > 0 && a.task != "cancel" {
			ws.orderActions(nd.postDone, a, orderOptional)
		}
	}
}

// notifyKeys is collect_notification_data + add_notif_keys: the
// notify_* variables, lists of instance ids and node names separated by
// spaces, with the legacy master/slave names beside the
// promoted/unpromoted ones.
func (ws *workingSet) notifyKeys(r *resource) map[string]string {
	type entry struct{ rsc, node string }
	lists := map[string][]entry{}
	add := func(kind string, c *resource, n *node) {
		e := entry{rsc: c.id}
		if n != nil {
			e.node = n.name
		}
		lists[kind] = append(lists[kind], e)
	}
	var leaves []*resource
	var collect func(c *resource)
	collect = func(c *resource) {
		if len(c.children) == 0 {
			leaves = append(leaves, c)
		}
		for _, m := range c.children {
			collect(m)
		}
	}
	for _, c := range r.children {
		collect(c)
	}
	for _, c := range leaves {
		cur := c.currentNode()
		switch {
		case cur == nil:
			add("inactive", c, nil)
		default:
			add("active", c, cur)
			switch c.role {
			case cib.RolePromoted:
				add("promoted", c, cur)
			case cib.RoleUnpromoted, cib.RoleStarted:
				if r.clone.promotable {
					add("unpromoted", c, cur)
				}
			}
		}
		for _, a := range c.actions {
			if a.is(flagOptional) || a.node == nil {
				continue
			}
			// An action that cannot run is not notified, except a
			// stop on an unclean node (fencing may still imply it).
			if !a.is(flagRunnable) && !(a.task == "stop" && a.node.unclean) {
				continue
			}
			switch a.task {
			case "start", "stop", "promote", "demote":
				add(a.task, c, a.node)
			}
		}
	}
	keys := map[string]string{}
	// expand_list: the entries sorted by instance id, then node name;
	// both lists follow that order (a node once per entry), and an
	// empty list is a single space.
	join := func(es []entry, field func(entry) string) string {
		sorted := append([]entry(nil), es...)
		sort.SliceStable(sorted, func(i, j int) bool {
			if sorted[i].rsc != sorted[j].rsc {
				return sorted[i].rsc < sorted[j].rsc
			}
			return sorted[i].node < sorted[j].node
		})
		var out []string
		for _, e := range sorted {
			if v := field(e); v != "" {
				out = append(out, v)
			}
		}
		if len(out) == 0 {
			return " "
		}
		return strings.Join(out, " ")
	}
	for _, kind := range []string{"active", "inactive", "start", "stop", "promote", "demote", "promoted", "unpromoted"} {
		es := lists[kind]
		keys["notify_"+kind+"_resource"] = join(es, func(e entry) string { return e.rsc })
		if kind != "inactive" {
			keys["notify_"+kind+"_uname"] = join(es, func(e entry) string { return e.node })
		}
	}
	keys["notify_master_resource"], keys["notify_master_uname"] = keys["notify_promoted_resource"], keys["notify_promoted_uname"]
	keys["notify_slave_resource"], keys["notify_slave_uname"] = keys["notify_unpromoted_resource"], keys["notify_unpromoted_uname"]
	var all, avail []string
	for _, n := range ws.nodes {
		all = append(all, n.name)
		if n.canRun() && r.allowed[n.idx].present && r.allowed[n.idx].score >= 0 {
			avail = append(avail, n.name)
		}
	}
	keys["notify_all_uname"] = strings.Join(all, " ")
	keys["notify_available_uname"] = strings.Join(avail, " ")
	return keys
}

package scheduler

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"pacer/crm/cib"
)

// node is a cluster node as the scheduler sees it.
type node struct {
	id, name    string
	idx         int
	online      bool
	standby     bool
	unclean     bool
	shutdown    bool
	maintenance bool
	pending     bool
	expectedUp  bool
	isDC        bool
	// base is the node's own score (<node score=...>), the weight every
	// resource starts from in a symmetric cluster.
	base cib.Score
	// standbyOnFail: put in standby by a failure with on-fail=standby.
	standbyOnFail bool
	// unseen: configured but without a node_state entry.
	unseen bool
	// fence is the node's fencing action, created (optional) when the
	// node is first found unclean, as pe_fence_op.
	fence     *action
	unfence   *action // the node's unfencing ("on"), see unfenceOp
	attrs     map[string]string
	failIndex map[string]failEntry // see failures
	// anonFailIndex is failIndex with ":N" instance numbers dropped
	// from the names, for anonymous clone instances.
	anonFailIndex map[string]failEntry
	capacity      map[string]int // capacity left (utilization strategies)
	loadStopped   *action
	numRsc        int // resources assigned so far (a tie-breaker)
}

// canRun is Pacemaker's pcmk__node_available without the score check.
func (n *node) canRun() bool {
	return n != nil && n.online && !n.shutdown && !n.unclean && !n.standby && !n.maintenance
}

type variant int

const (
	variantPrimitive variant = iota
	variantGroup
	variantClone
)

// opDef is a configured operation.
type opDef struct {
	name     string
	interval time.Duration
	role     cib.Role
	key      string
	enabled  bool
}

// resource is a primitive or a group.
type resource struct {
	id       string
	variant  variant
	def      *cib.Resource
	parent   *resource
	children []*resource

	class, provider, typ string
	meta                 map[string]string
	priority             int
	stickiness           cib.Score
	// consumedOn is the node whose capacity the assignment consumed
	// (placement-strategy other than default), given back if undone.
	consumedOn         *node
	managed            bool
	blocked            bool // multiple-active=block: left alone, reported blocked
	orphan             bool
	critical           bool
	ordered, colocated bool // groups
	isStonith          bool

	role, nextRole cib.Role
	targetRole     cib.Role
	running        []*node
	knownOn        nodeSet
	failed         bool
	// failedStop: the failure's recovery stops the resource (pe_rsc_stop);
	// on-fail=demote and block recover without a stop.
	failedStop bool
	// promotion bookkeeping of a promotable clone's instance
	// (pcmk__set_instance_roles): its promotion priority, its sort index,
	// and the role=Promoted location scores that apply to it.
	promoPriority, sortIndex cib.Score
	promotedLocs             []nodeScore
	// utilization is what the primitive uses of a node's capacity.
	utilization map[string]int
	// needs is what starting needs (requires): nothing, quorum,
	// fencing or unfencing; see needsOf.
	needs string

	allowed  []nodeWeight // by node index
	assigned *node

	provisional, allocating, merging bool

	thisWith []*colocation // colocations where this is the dependent
	withThis []*colocation // colocations where this is the primary

	ops     []opDef
	actions []*action // creation order

	// history is the resource's operation history per node, sorted by
	// call id (rsc_history_as_list).
	history [][]lrmOp // by node index (see historyOn)
	// startPending: a start is needed whatever else happens (the agent
	// changed under an active resource); reload: an agent reload is
	// scheduled for a definition change.
	startPending, reload bool

	clone *cloneInfo // clones only
	// pendingTask is the first operation found in flight (op-status
	// -1), shown in the status ("Starting", "(Monitoring)").
	pendingTask     string
	pendingInterval int64
	pendingOpID     string // the lrm_rsc_op id of the pending operation
	// pendingBeforeSimulated: the pending operation sorts before the
	// results the simulated executor records on its node (see
	// simulatorTransitionUUID).
	pendingBeforeSimulated bool
	// pendingLast: the pending operation is the newest in its node's
	// history (an older one is shown, but later results decide).
	pendingLast bool
	// stopUnexpected: multiply active with multiple-active=
	// stop_unexpected; restarting: its restart actions are being
	// scheduled (pe_rsc_stop_unexpected, pe_rsc_restarting).
	stopUnexpected, restarting bool
	pendingNode                *node
	// cloneName is the name an anonymous clone instance's history was
	// found under, when it differs from the instance id.
	cloneName string
}

type nodeWeight struct {
	present bool
	score   cib.Score
}

func (r *resource) isGroup() bool { return r.variant == variantGroup }

// isClone says r is a clone (its children are the instances).
func (r *resource) isClone() bool { return r.variant == variantClone }

// isCollective says r is a group or a clone, whose actions are
// pseudo-actions summarising its children's.
func (r *resource) isCollective() bool { return r.variant != variantPrimitive }

// nodeSet is a set of nodes by index: a bit each, where a map of ten
// thousand resources' known nodes would cost tens of megabytes.
type nodeSet []uint64

func (s nodeSet) has(n *node) bool {
	return n != nil && n.idx/64 < len(s) && s[n.idx/64]&(1<<(n.idx%64)) != 0
}

func (s *nodeSet) add(n *node) {
	for n.idx/64 >= len(*s) {
		*s = append(*s, 0)
	}
	(*s)[n.idx/64] |= 1 << (n.idx % 64)
}

func (s nodeSet) empty() bool {
	for _, w := range s {
		if w != 0 {
			return false
		}
	}
	return true
}

// historyOn is r's operation history on n (nil if none).
func (r *resource) historyOn(n *node) []lrmOp {
	if n == nil || n.idx >= len(r.history) {
		return nil
	}
	return r.history[n.idx]
}

// top is the outermost ancestor.
func (r *resource) top() *resource {
	for r.parent != nil {
		r = r.parent
	}
	return r
}

// currentNode is the node a resource is active on (the first one).
func (r *resource) currentNode() *node {
	if len(r.running) == 0 {
		return nil
	}
	return r.running[0]
}

// primitives lists r's primitives in order.
func (r *resource) primitives() []*resource {
	if !r.isCollective() {
		return []*resource{r}
	}
	var out []*resource
	for _, c := range r.children {
		out = append(out, c.primitives()...)
	}
	return out
}

type workingSet struct {
	cib        *cib.CIB
	now        time.Time
	nodes      []*node
	byNodeName map[string]*node
	byNodeID   map[string]*node

	resources []*resource // top level, sorted by priority
	// displayOrder is resources as unpacked, for the status display
	// (a utilization strategy re-sorts resources for placement).
	displayOrder []*resource
	all          map[string]*resource

	symmetric      bool
	stonithEnabled bool
	haveStonith    bool
	haveQuorum     bool
	noQuorumPolicy string
	stopOrphans    bool
	startupProbes  bool
	stopAll        bool
	// unfencing: some nvpair says provides=unfencing or
	// requires=unfencing, so unfencing is in use (see unfence.go).
	unfencing bool
	// antiColocationPass: colocations are being read only for the
	// orderings of -INFINITY ones (see unpackAntiColocationOrders).
	antiColocationPass bool
	placement          string
	props              map[string]string

	colocations  []*colocation
	orderings    []*ordering
	actions      []*action // creation order
	nextActionID int

	scores   []scoreRecord
	warnings []string

	liveCIB bool // Input.LiveCIB

	// cloneByBase maps a cloned primitive's configured id to its clone.
	cloneByBase map[string]*resource
	// opsByID: each <operations> block by its id, for id-refs (defOps).
	opsByID map[string][]cib.Op
	// explain records placement explanations (Input.Explain); nil
	// when not asked for.
	explain *explainer
	// walk unpacks a resource definition under a parent; kept for the
	// clone instances that history creates (anonymous orphans).
	walk func(def *cib.Resource, parent *resource) (*resource, error)
	// historyRsc maps each node's lrm_resource ids to the resource
	// (clone instance) the history was unpacked into.
	historyRsc map[*node]map[string]*resource
}

func unpack(c *cib.CIB, now time.Time, explain bool) (*workingSet, error) {
	ws := &workingSet{
		cib:        c,
		now:        now,
		byNodeName: map[string]*node{},
		byNodeID:   map[string]*node{},
		all:        map[string]*resource{},

		cloneByBase: map[string]*resource{},
		historyRsc:  map[*node]map[string]*resource{},
	}
	if explain {
		ws.explain = newExplainer()
	}
	ws.props = ws.nvsets(c.Configuration.CRMConfig, nil)
	ws.symmetric = boolDefault(ws.props["symmetric-cluster"], true)
	ws.stonithEnabled = boolDefault(ws.props["stonith-enabled"], true)
	ws.noQuorumPolicy = strDefault(ws.props["no-quorum-policy"], "stop")
	ws.stopOrphans = boolDefault(ws.props["stop-orphan-resources"], true)
	ws.startupProbes = boolDefault(ws.props["enable-startup-probes"], true)
	ws.stopAll = boolDefault(ws.props["stop-all-resources"], false)
	ws.placement = strDefault(ws.props["placement-strategy"], "default")
	ws.detectUnfencing()
	ws.haveQuorum = isTrue(c.HaveQuorum)
	if ws.noQuorumPolicy == "suicide" {
		// unpack_config: suicide needs fencing, and a cluster that has
		// never had quorum (no no-quorum-panic) stops instead.
		panic := false
		for _, a := range c.Extra {
			if a.Name == "no-quorum-panic" && atoiDefault(a.Value, 0) != 0 {
				panic = true
			}
		}
		if !ws.stonithEnabled || !(panic || ws.haveQuorum) {
			ws.noQuorumPolicy = "stop"
		}
	}

	ws.unpackNodes()
	if err := ws.unpackResources(); err != nil {
		return nil, err
	}
	sort.SliceStable(ws.resources, func(i, j int) bool {
		return ws.resources[i].priority > ws.resources[j].priority
	})
	ws.snapshotInitial()
	ws.unpackUtilization()
	ws.traced(func() string { return "resource history (a failure's on-fail, multiple-active)" }, ws.allResources(), ws.unpackStatus)
	ws.snapshotInitial()
	ws.displayOrder = append([]*resource(nil), ws.resources...)
	for _, r := range ws.all {
		if r.targetRole != cib.RoleUnknown && (r.nextRole == cib.RoleUnknown || r.targetRole < r.nextRole) {
			r.nextRole = r.targetRole
		}
	}
	return ws, nil
}

func isTrue(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "on", "yes", "y", "1":
		return true
	}
	return false
}

func boolDefault(s string, def bool) bool {
	if s == "" {
		return def
	}
	return isTrue(s)
}

func strDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// nvsets flattens name/value sets: the first set that sets a name wins,
// sets with a failing rule are skipped. Sets are taken in score order
// (highest first), then document order.
func (ws *workingSet) nvsets(sets []cib.NVSet, attrs map[string]string) map[string]string {
	type scored struct {
		set   cib.NVSet
		score cib.Score
	}
	var list []scored
	for _, s := range sets {
		sc := cib.Score(0)
		if s.Score != "" {
			sc, _ = cib.ParseScore(s.Score)
		}
		list = append(list, scored{s, sc})
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].score > list[j].score })
	out := map[string]string{}
	for _, s := range list {
		if s.set.Rule != nil && !ws.evalRule(s.set.Rule, attrs, nil) {
			continue
		}
		for _, p := range s.set.Pairs {
			if _, ok := out[p.Name]; !ok && p.HasValue {
				out[p.Name] = p.Value
			}
		}
	}
	return out
}

func (ws *workingSet) unpackNodes() {
	for i, cn := range ws.cib.Configuration.Nodes {
		if cn.Type == "remote" || cn.Type == "ping" {
			continue
		}
		n := &node{id: cn.ID, name: cn.Uname, idx: len(ws.nodes), attrs: map[string]string{}}
		if cn.Score != "" {
			n.base, _ = cib.ParseScore(cn.Score)
		}
		_ = i
		if n.name == "" {
			n.name = n.id
		}
		n.attrs["#uname"] = n.name
		n.attrs["#id"] = n.id
		n.attrs["#kind"] = "cluster"
		if ws.cib.DCUUID != "" && ws.cib.DCUUID == n.id {
			n.attrs["#is_dc"] = "true"
			n.isDC = true
		} else {
			n.attrs["#is_dc"] = "false"
		}
		if v, ok := ws.props["cluster-name"]; ok {
			n.attrs["#cluster-name"] = v
		}
		base := copyMap(n.attrs)
		for k, v := range ws.nvsets(cn.Attributes, base) {
			if _, ok := n.attrs[k]; !ok {
				n.attrs[k] = v
			}
		}
		ws.nodes = append(ws.nodes, n)
		ws.byNodeName[n.name] = n
		ws.byNodeID[n.id] = n
	}
	sort.SliceStable(ws.nodes, func(i, j int) bool { return naturalLess(ws.nodes[i].name, ws.nodes[j].name) })
	for i, n := range ws.nodes {
		n.idx = i
	}
	// handle_startup_fencing: with startup-fencing (the default) a node
	// is unclean until its status entry has been seen.
	startupFencing := boolDefault(ws.props["startup-fencing"], true) && ws.stonithEnabled
	for _, n := range ws.nodes {
		n.unseen, n.unclean = true, startupFencing
	}
	// Node states.
	for i := range ws.cib.Status.Nodes {
		st := &ws.cib.Status.Nodes[i]
		n := ws.byNodeID[st.ID]
		if n == nil {
			n = ws.byNodeName[st.Uname]
		}
		if n == nil {
			continue
		}
		// Seen in this cluster's lifetime: provisionally clean.
		n.unseen, n.unclean = false, false
		// Transient attributes override configured ones.
		for k, v := range ws.nvsets(st.Transient, n.attrs) {
			n.attrs[k] = v
		}
		ws.determineOnline(n, st)
		if !ws.haveQuorum && n.online && ws.noQuorumPolicy == "suicide" {
			ws.fenceNode(n, "cluster does not have quorum")
		}
	}
	for _, n := range ws.nodes {
		// unpack_node_state reads standby and maintenance: a node
		// without a status entry has neither.
		if isTrue(n.attrs["standby"]) && !n.unseen {
			n.standby = true
		}
		if isTrue(n.attrs["maintenance"]) && !n.unseen {
			n.maintenance = true
		}
		if isTrue(ws.props["maintenance-mode"]) {
			n.maintenance = true
		}
	}
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// determineOnline is Pacemaker's determine_online_status. A node found
// unclean gets its fencing action (optional until fencing is scheduled)
// with the first reason found, as pe_fence_node.
func (ws *workingSet) determineOnline(n *node, st *cib.NodeState) {
	if sd := n.attrs["shutdown"]; sd != "" && sd != "0" {
		n.shutdown = true
	}
	n.expectedUp = st.Expected == "member"
	inCCM := isTrue(st.InCCM)
	crmdOnline := strings.EqualFold(st.Crmd, "online")
	online := false
	if !ws.stonithEnabled {
		switch {
		case !inCCM:
		case crmdOnline:
			online = strings.EqualFold(st.Join, "member")
		case !n.expectedUp:
		default:
			ws.fenceNode(n, "peer is unexpectedly down")
		}
	} else {
		exp := st.Expected
		if exp == "" {
			exp = "down"
		}
		term := n.attrs["terminate"]
		doTerminate := isTrue(term) || (term != "" && term[0] != '0' && term[0] >= '0' && term[0] <= '9')
		// determine_online_status_fencing starts from the membership
		// layer's view and only some branches change it.
		online = inCCM
		switch {
		case n.shutdown:
			online = crmdOnline
		case st.InCCM == "":
			ws.fenceNode(n, "peer has not been seen by the cluster")
		case strings.EqualFold(st.Join, "banned"): // CRMD_JOINSTATE_NACK
			ws.fenceNode(n, "peer failed Pacemaker membership criteria")
		case !doTerminate && strings.EqualFold(exp, "down"):
			if inCCM || crmdOnline {
				n.standby, n.pending = true, true
			}
		case doTerminate && strings.EqualFold(st.Join, "down") && !inCCM && !crmdOnline:
			online = false // just shot
		case !inCCM:
			ws.fenceNode(n, "peer is no longer part of the cluster")
		case !crmdOnline:
			ws.fenceNode(n, "peer process is no longer available")
		case doTerminate:
			ws.fenceNode(n, "termination was requested")
		case strings.EqualFold(st.Join, "member"):
		case strings.EqualFold(st.Join, "pending") || strings.EqualFold(st.Join, "down"):
			n.standby, n.pending = true, true
		default:
			ws.fenceNode(n, "peer was in an unknown state")
		}
	}
	n.online = online
}

func (ws *workingSet) unpackResources() error {
	defaults := ws.nvsets(ws.cib.Configuration.RscDefaults, nil)
	var walk func(def *cib.Resource, parent *resource) (*resource, error)
	walk = func(def *cib.Resource, parent *resource) (*resource, error) {
		r := &resource{id: def.ID, def: def, parent: parent, provisional: true}
		switch def.Kind {
		case cib.KindPrimitive:
			r.variant = variantPrimitive
		case cib.KindGroup:
			r.variant = variantGroup
		case cib.KindClone:
			r.variant = variantClone
		default:
			return nil, fmt.Errorf("schedule: resource %s: %s resources are not supported yet", def.ID, def.Kind)
		}
		r.meta = map[string]string{}
		for k, v := range defaults {
			r.meta[k] = v
		}
		if parent != nil {
			for k, v := range parent.meta {
				r.meta[k] = v
			}
		}
		for k, v := range ws.nvsets(def.Meta, nil) {
			r.meta[k] = v
		}
		r.class, r.provider, r.typ = def.Class, def.Provider, def.Type
		r.isStonith = r.class == "stonith"
		if v, ok := scanInt(r.meta["priority"]); ok {
			r.priority = int(v)
		}
		if v, ok := r.meta["resource-stickiness"]; ok {
			r.stickiness, _ = cib.ParseScore(v)
		} else if v, ok := r.meta["default-resource-stickiness"]; ok {
			r.stickiness, _ = cib.ParseScore(v)
		} else if v, ok := ws.props["default-resource-stickiness"]; ok {
			r.stickiness, _ = cib.ParseScore(v)
		}
		r.managed = boolDefault(r.meta["is-managed"], true)
		if v, ok := ws.props["is-managed-default"]; ok && r.meta["is-managed"] == "" {
			r.managed = isTrue(v)
		}
		if isTrue(ws.props["maintenance-mode"]) || isTrue(r.meta["maintenance"]) {
			r.managed = false
		}
		r.critical = boolDefault(r.meta["critical"], true)
		r.ordered = boolDefault(r.meta["ordered"], true)
		r.colocated = boolDefault(r.meta["collocated"], true)
		r.role, r.nextRole = cib.RoleStopped, cib.RoleUnknown
		if v := r.meta["target-role"]; v != "" && !strings.EqualFold(v, "default") {
			if role, err := cib.ParseRole(v); err == nil {
				r.targetRole = effectiveTargetRole(r, role)
			}
		}
		if r.isStonith {
			ws.haveStonith = true
		}
		for _, op := range ws.defOps(def) {
			iv, _ := cib.ParseInterval(op.Interval)
			o := opDef{name: op.Name, interval: iv, enabled: boolDefault(op.Enabled, true)}
			if op.Role != "" {
				o.role, _ = cib.ParseRole(op.Role)
			}
			o.key = opKey(r.id, op.Name, iv)
			r.ops = append(r.ops, o)
		}
		ws.all[r.id] = r
		if r.isClone() {
			if err := ws.unpackClone(r, walk); err != nil {
				return nil, err
			}
			return r, nil
		}
		for _, ch := range def.Children {
			c, err := walk(ch, r)
			if err != nil {
				return nil, err
			}
			r.children = append(r.children, c)
		}
		return r, nil
	}
	ws.walk = walk
	for _, def := range ws.cib.Configuration.Resources {
		if def.Kind == cib.KindTemplate {
			continue
		}
		r, err := walk(def, nil)
		if err != nil {
			return err
		}
		ws.resources = append(ws.resources, r)
	}
	for _, r := range ws.all {
		r.allowed = make([]nodeWeight, len(ws.nodes))
		if ws.symmetric {
			for i := range r.allowed {
				// symmetric_default: every node at its own base
				// score (the <node score=...> attribute).
				r.allowed[i] = nodeWeight{present: true, score: ws.nodes[i].base}
			}
		}
	}
	return nil
}

func opKey(rsc, task string, interval time.Duration) string {
	return fmt.Sprintf("%s_%s_%d", rsc, task, interval.Milliseconds())
}

// lrmOp is a parsed lrm_rsc_op.
type lrmOp struct {
	op       *cib.LRMOp
	task     string
	interval int64
	rc       int
	status   int
	callID   int
	// expired: a recurring operation's failure is older than the
	// resource's failure-timeout; the operation is rescheduled.
	expired bool
}

func (ws *workingSet) unpackStatus() {
	ws.unpackNodeHistories()
	for _, r := range ws.all {
		if r.isCollective() {
			continue
		}
		if len(r.running) > 0 && r.role == cib.RoleStopped {
			r.role = cib.RoleStarted
		}
	}
	for _, r := range ws.resources {
		ws.settleRoles(r)
	}
	ws.multiplyActive()
}

// unpackNodeHistories reads the nodes' resource histories in status
// order (unpack_node_history): an offline node's history counts only
// when fencing could act on it.
func (ws *workingSet) unpackNodeHistories() {
	for i := range ws.cib.Status.Nodes {
		st := &ws.cib.Status.Nodes[i]
		n := ws.byNodeID[st.ID]
		if n == nil {
			n = ws.byNodeName[st.Uname]
		}
		if n == nil || st.LRM == nil {
			continue
		}
		if !n.online && !ws.stonithEnabled {
			continue
		}
		for j := range st.LRM.Resources {
			lr := &st.LRM.Resources[j]
			r, isInstance := ws.historyResource(n, lr.ID)
			if r == nil && !isInstance {
				r = ws.orphan(lr)
			}
			if r == nil || r.isCollective() {
				continue
			}
			if ws.historyRsc[n] == nil {
				ws.historyRsc[n] = map[string]*resource{}
			}
			ws.historyRsc[n][lr.ID] = r
			if lr.ID != r.id {
				r.cloneName = lr.ID
			}
			ws.unpackRscHistory(r, n, lr)
		}
	}
}

// multiplyActive applies multiple-active to primitives found active on
// more than one node (Pacemaker's native_add_running): block leaves the
// resource unmanaged and blocked (with its whole group when the group is
// configured the same way); stop_only bans it from every node so that it
// is only stopped; stop_start (the default) recovers it by a restart.
func (ws *workingSet) multiplyActive() {
	for _, r := range ws.primitivesInOrder() {
		if len(r.running) < 2 {
			continue
		}
		switch r.meta["multiple-active"] {
		case "block":
			r.managed, r.blocked = false, true
			if p := r.parent; p != nil && p.isGroup() && p.meta["multiple-active"] == "block" {
				for _, c := range p.children {
					c.managed, c.blocked = false, true
				}
			}
		case "stop_only":
			for i := range r.allowed {
				r.allowed[i] = nodeWeight{present: true, score: -infinity}
			}
		}
	}
}

// banAfterFailStop is unpack_rsc_op_failure for a failure whose role
// after failure is Stopped (on-fail=stop): the resource may not start
// again anywhere, and for an anonymous clone's instance that is the whole
// clone (its instances are interchangeable: all of them fail).
func (ws *workingSet) banAfterFailStop(r *resource) {
	if top := r.top(); top != r && top.anonymous() {
		r = top
	}
	for i := range r.allowed {
		r.allowed[i] = nodeWeight{present: true, score: -infinity}
	}
}

// primitivesInOrder lists every primitive, orphans included, in
// resource (priority) order.
func (ws *workingSet) primitivesInOrder() []*resource {
	var out []*resource
	for _, r := range ws.resources {
		out = append(out, r.primitives()...)
	}
	return out
}

// countInstances is pe__count_common: the primitives counted for
// crm_simulate's "N of M resource instances DISABLED and K BLOCKED"
// line. Orphans count only while active.
func (ws *workingSet) countInstances() (instances, disabled, blocked int) {
	for _, r := range ws.primitivesInOrder() {
		if r.orphan && r.role <= cib.RoleStopped {
			continue
		}
		instances++
		if v := r.meta["target-role"]; v != "" {
			if role, err := cib.ParseRole(v); err == nil && role == cib.RoleStopped {
				disabled++
			}
		}
		if r.blocked {
			blocked++
		}
	}
	return
}

// settleRoles sets a group's role from its first member's and applies
// target-role to next_role where history was found.
func (ws *workingSet) settleRoles(r *resource) {
	for _, c := range r.children {
		ws.settleRoles(c)
	}
	if r.isGroup() && len(r.children) > 0 {
		r.role = r.children[0].role
	}
}

// orphan creates a resource for history with no configuration.
func (ws *workingSet) orphan(lr *cib.LRMResource) *resource {
	def := &cib.Resource{Kind: cib.KindPrimitive, ID: lr.ID, Class: lr.Class, Provider: lr.Provider, Type: lr.Type}
	r := &resource{id: lr.ID, def: def, class: lr.Class, provider: lr.Provider, typ: lr.Type,
		meta:   map[string]string{},
		orphan: true, provisional: true, critical: true, managed: true, ordered: true, colocated: true}
	r.role, r.nextRole = cib.RoleStopped, cib.RoleUnknown
	r.isStonith = r.class == "stonith"
	if !ws.stopOrphans {
		r.managed = false
	}
	r.allowed = make([]nodeWeight, len(ws.nodes))
	if ws.all[r.id] == nil {
		// An orphan never hides a configured resource of the same id
		// (history of a primitive whose id is now a group's or clone's).
		ws.all[r.id] = r
	}
	ws.resources = append(ws.resources, r)
	return r
}

func atoiDefault(s string, def int) int {
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return def
	}
	return v
}

// unpackRscHistory reads one resource's operation history on one node.
func (ws *workingSet) unpackRscHistory(r *resource, n *node, lr *cib.LRMResource) {
	var ops []lrmOp
	for k := range lr.Ops {
		o := &lr.Ops[k]
		iv, _ := strconv.ParseInt(strings.TrimSpace(o.Interval), 10, 64)
		ops = append(ops, lrmOp{op: o, task: o.Operation, interval: iv,
			rc: atoiDefault(o.RCCode, 0), status: atoiDefault(o.OpStatus, 0), callID: atoiDefault(o.CallID, -1)})
	}
	if len(ops) == 0 {
		return
	}
	sort.SliceStable(ops, func(i, j int) bool {
		a, b := ops[i], ops[j]
		if (a.callID == -1) != (b.callID == -1) {
			// sort_op_by_callid: a pending operation against a done
			// one of the same transition series (uuid) sorts by
			// transition number (one of -1 always last); otherwise
			// the pending one is the newer.
			ua, ta := magicTransition(a.op)
			ub, tb := magicTransition(b.op)
			if ua == ub && ta != tb {
				switch {
				case (ta >= 0 && ta < tb) || tb == -1:
					return true
				case (tb >= 0 && ta > tb) || ta == -1:
					return false
				}
			}
			return b.callID == -1
		}
		if a.callID != b.callID || a.callID < 0 {
			return a.callID < b.callID
		}
		// sort_op_by_callid: a recurring op and its last failure share
		// the call id; the later last-rc-change comes after.
		return atoiDefault(a.op.LastRCChange, -1) < atoiDefault(b.op.LastRCChange, -1)
	})
	if r.history == nil {
		// A slice by node index, not a map: ten thousand resources on
		// 64 nodes are 640,000 histories.
		r.history = make([][]lrmOp, len(ws.nodes))
	}
	r.history[n.idx] = ops
	role := cib.RoleUnknown
	failed, onFail := false, onFailIgnore
	lastFailureKey := ""
	// clearPast is update_resource_state's clear_past_failure: a later
	// success clears earlier failures whose response is a recovery,
	// not those that stop, fence, move the resource or the node.
	clearPast := func() {
		switch onFail {
		case onFailStop, onFailFence, onFailMigrate, onFailStandby:
			return
		}
		failed, onFail = false, onFailIgnore
	}
	fail := func(o lrmOp) {
		f := ws.opOnFail(r, o.task, o.interval)
		failed, onFail = true, maxOnFail(onFail, f)
		lastFailureKey = opKeyOf(o)
		if f == onFailStop {
			ws.banAfterFailStop(r)
		}
	}
	for i, o := range ops {
		if o.status == -1 { // pending
			if o.task == "start" || o.task == "migrate_to" {
				role = cib.RoleStarted
			}
			if o.task == "start" {
				r.startPending = true
			}
			// The first pending task (not a probe) is shown in the
			// status, as crm_mon does; notifications and meta-data are
			// not tasks of the resource's (unpack_rsc_op ignores them).
			if r.pendingTask == "" && (o.interval != 0 || o.task != "monitor") && o.task != "notify" && o.task != "meta-data" {
				r.pendingTask, r.pendingInterval, r.pendingNode = o.task, o.interval, n
				r.pendingOpID = o.op.ID
				uuid, tr := magicTransition(o.op)
				r.pendingBeforeSimulated = uuid == simulatorTransitionUUID && tr != -1
				r.pendingLast = i == len(ops)-1
			}
			continue
		}
		// Done, error, hard error, timed out and fatal error count;
		// cancelled or not-yet-run entries do not.
		if o.status != 0 && o.status != 2 && o.status != 4 && o.status != 5 && o.status != 6 {
			continue
		}
		if ws.checkExpiry(r, n, &ops[i]) && opFailed(o) {
			// An expired failure is forgotten; a recurring one is
			// rescheduled.
			if o.interval > 0 {
				ops[i].expired = true
			}
			continue
		}
		if o.rc == 7 && o.task != "monitor" && expectedRC(o.op) == 7 {
			// determine_op_status: "not running" when that was the
			// expected result, whatever the operation, is a success
			// that leaves the resource stopped (update_resource_state
			// then only clears past failures).
			role = cib.RoleStopped
			clearPast()
			continue
		}
		switch o.task {
		case "stop":
			if o.rc == 0 {
				role = cib.RoleStopped
				clearPast()
			} else {
				fail(o)
				role = cib.RoleStarted
				if o.rc >= 2 && o.rc <= 6 && !ws.canFence(n) {
					// remap_operation's check_recoverable: a stop that
					// failed hard (invalid or missing configuration,
					// privileges, not installed) can be recovered only
					// by fencing; where the node cannot be fenced the
					// resource is left alone, blocked.
					r.managed, r.blocked = false, true
				}
			}
		case "start", "migrate_from":
			if o.rc == 0 {
				role = cib.RoleStarted
				clearPast()
			} else {
				fail(o)
				role = cib.RoleStarted
			}
		case "promote":
			if o.rc == 0 {
				role = cib.RolePromoted
				clearPast()
			} else {
				// unpack_rsc_op_failure: a failed promote leaves it
				// Promoted (and failed).
				fail(o)
				role = cib.RolePromoted
			}
		case "demote":
			if o.rc == 0 {
				role = cib.RoleUnpromoted
				break
			}
			// unpack_rsc_op_failure: a failed demote with on-fail=block
			// leaves it Promoted, to be stopped; otherwise Unpromoted
			// (staying Promoted would loop; the recovery stops it
			// anyway). One that found it not running is set Stopped,
			// then active again like any failed operation (set_active):
			// Unpromoted too.
			fail(o)
			switch {
			case ws.opOnFail(r, o.task, o.interval) == onFailBlock:
				role = cib.RolePromoted
				r.nextRole = cib.RoleStopped
			default:
				role = cib.RoleUnpromoted
			}
		case "monitor":
			if o.interval == 0 && (o.rc == 5 || o.rc == 2 || o.status == 7) {
				// pcmk_xe_mask_probe_failure: a probe that found the
				// agent not installed or its parameters invalid means
				// "not running" there, and the resource (its top
				// resource: the whole clone) is banned from the node.
				role = cib.RoleStopped
				clearPast()
				updateScore(r.top(), n.idx, -infinity)
				continue
			}
			// OCF_DEGRADED and OCF_DEGRADED_PROMOTED report a resource
			// running (or Promoted) with a warning: success.
			rc := o.rc
			switch rc {
			case 190:
				rc = 0
			case 191:
				rc = 8
			}
			switch rc {
			case 0:
				if o.interval > 0 && expectedRC(o.op) == 7 {
					// A monitor for role Stopped found it running:
					// a failure (remap_operation).
					fail(o)
				} else if lastFailureKey != "" && opKeyOf(o) == lastFailureKey {
					clearPast() // the operation that failed now succeeds
				}
				if o.interval == 0 || role == cib.RoleUnknown || role == cib.RoleStopped {
					role = cib.RoleStarted
				}
			case 7:
				if o.interval > 0 && expectedRC(o.op) >= 0 && expectedRC(o.op) != 7 {
					// remap_operation: a recurring monitor that finds
					// the resource unexpectedly stopped is a failure;
					// the resource stays active (set_active).
					fail(o)
					if role < cib.RoleStarted {
						role = cib.RoleStarted
					}
					continue
				}
				role = cib.RoleStopped
				clearPast()
			case 8:
				role = cib.RolePromoted
			default:
				fail(o)
			}
		case "notify":
		default:
			// Any other operation that failed (a reload, an unknown
			// task): a failure of a resource that is active
			// (unpack_rsc_op_failure's set_active).
			if opFailed(o) {
				fail(o)
				if role < cib.RoleStarted {
					role = cib.RoleStarted
					if r.isPromotableInstance() {
						role = cib.RoleUnpromoted
					}
				}
			}
		}
	}
	// process_recurring runs before process_rsc_state: the active
	// recurring actions exist before a recovery's stop, which decides
	// where they come in the graph (an orphan monitor's cancel runs
	// right after that stop, before the start).
	ws.activeRecurring(r, n, ops)
	// process_rsc_state: a managed resource thought active on a node
	// that is down means the node must be fenced; on an unclean node
	// failures need no recovery of their own (fencing recovers them).
	if role > cib.RoleStopped && !n.online && !n.maintenance && r.managed && ws.stonithEnabled {
		ws.fenceNode(n, r.id+" is thought to be active there")
	}
	if !failed || n.unclean {
		onFail = onFailIgnore
	}
	// process_rsc_state: a resource is known on a node once its history
	// there gives it a role (a probe still in flight does not).
	if role != cib.RoleUnknown {
		r.knownOn.add(n)
	}
	ws.applyOnFail(r, n, onFail, role != cib.RoleUnknown && role != cib.RoleStopped)
	if (role == cib.RoleUnknown || role == cib.RoleStopped) && strings.Contains(r.cloneName, ":") {
		// process_rsc_state: a numbered history name is kept only for
		// an instance found active (older status sections numbered
		// every instance).
		r.cloneName = ""
	}
	if role != cib.RoleUnknown && role != cib.RoleStopped {
		r.running = append(r.running, n)
		if role > r.role {
			r.role = role
		}
	}
	// target-role caps next_role once a resource has history.
	if r.targetRole != cib.RoleUnknown && (r.nextRole == cib.RoleUnknown || r.targetRole < r.nextRole) {
		r.nextRole = r.targetRole
	}
}

// opKeyOf is get_op_key: the entry's operation_key, else its id.
func opKeyOf(o lrmOp) string {
	if o.op.OperationKey != "" {
		return o.op.OperationKey
	}
	return o.op.ID
}

// activeOpsRange is Pacemaker's calculate_active_ops: the index of the
// last successful stop and of the last start (a start, a migrate_from,
// else a promote or demote, else a successful monitor after the stop).
func activeOpsRange(ops []lrmOp) (start, stop int) {
	start, stop = -1, -1
	impliedMonitor, impliedClone := -1, -1
	for i, o := range ops {
		switch {
		case o.task == "stop" && o.status == 0:
			stop = i
		case o.task == "start" || o.task == "migrate_from":
			start = i
		case impliedMonitor <= stop && o.task == "monitor":
			if o.rc == 0 || o.rc == 8 {
				impliedMonitor = i
			}
		case o.task == "promote" || o.task == "demote":
			impliedClone = i
		}
	}
	if start == -1 {
		if impliedClone != -1 {
			start = impliedClone
		} else if impliedMonitor != -1 {
			start = impliedMonitor
		}
	}
	return start, stop
}

// activeRecurring is Pacemaker's process_recurring: every recurring
// operation recorded since the resource last started (and not before a
// later stop) is active on the node, and gets an optional action there.
// Later stages find it to decide whether a recurring action is new, or
// turn it into a cancel.
func (ws *workingSet) activeRecurring(r *resource, n *node, ops []lrmOp) {
	if !n.online {
		return
	}
	start, stop := activeOpsRange(ops)
	for i, o := range ops {
		if start < stop && i <= stop || i < start {
			continue
		}
		if o.interval == 0 || o.status == -1 {
			continue
		}
		iv := time.Duration(o.interval) * time.Millisecond
		a := ws.customAction(r, opKey(r.id, o.task, iv), o.task, n, true)
		a.interval = iv
	}
}

// naturalLess orders names case-insensitively with digit runs compared as
// numbers, as Pacemaker sorts node names.
func naturalLess(a, b string) bool {
	a, b = strings.ToLower(a), strings.ToLower(b)
	for a != "" && b != "" {
		if isDigit(a[0]) && isDigit(b[0]) {
			i, j := 0, 0
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			x, _ := strconv.ParseInt(a[:i], 10, 64)
			y, _ := strconv.ParseInt(b[:j], 10, 64)
			if x != y {
				return x < y
			}
			a, b = a[i:], b[j:]
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// expectedRC is the rc an operation was expected to return, the third
// field of its transition-key (-1 when unknown).
func expectedRC(o *cib.LRMOp) int {
	parts := strings.Split(o.TransitionKey, ":")
	if len(parts) < 4 {
		return -1
	}
	return atoiDefault(parts[2], -1)
}

// effectiveTargetRole is get_target_role: Started means no target; a
// role above Started makes sense only in a promotable clone, where
// Promoted is what would happen anyway and is left to the promotion
// scores, so only Unpromoted is kept as a limit.
func effectiveTargetRole(r *resource, role cib.Role) cib.Role {
	if role == cib.RoleStarted {
		return cib.RoleUnknown
	}
	if role <= cib.RoleStarted {
		return role
	}
	top := r
	for top.parent != nil {
		top = top.parent
	}
	promotable := false
	if top.clone != nil {
		promotable = top.clone.promotable
	} else if top.def != nil {
		promotable = isTrue(top.meta["promotable"]) || top.def.Kind == cib.KindMaster
	}
	if !promotable || role > cib.RoleUnpromoted {
		return cib.RoleUnknown
	}
	return role
}

// inPromotable says r's top-level resource is a promotable clone.
func (r *resource) inPromotable() bool {
	top := r.top()
	return top.isClone() && top.clone.promotable
}

// magicTransition is the transition series (uuid) and number from an
// operation's transition-magic ("status:rc;action:transition:rc:uuid"),
// or its transition-key when it has no magic.
func magicTransition(o *cib.LRMOp) (uuid string, transition int) {
	key := o.TransitionKey
	if m := o.TransitionMagic; m != "" {
		if i := strings.IndexByte(m, ';'); i >= 0 {
			key = m[i+1:]
		}
	}
	parts := strings.SplitN(key, ":", 4)
	if len(parts) < 4 {
		return "", -1
	}
	return parts[3], atoiDefault(parts[1], -1)
}

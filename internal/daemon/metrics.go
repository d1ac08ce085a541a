package daemon

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"

	"pacer/crm/status"
)

// The metrics pacerd serves on [metrics] listen. The cluster metrics are
// named and labelled as ClusterLabs' ha_cluster_exporter names them
// (ha_cluster_pacemaker_*), so dashboards made for it work; pacer's own
// (heartbeat, raft, control socket) are pacer_*. Every scrape builds the
// same report `pacer status` prints (crm/status), from this node's view.
var (
	descNodes = prometheus.NewDesc("ha_cluster_pacemaker_nodes",
		"The status of each node in the cluster; 1 means the node is in that status, 0 otherwise",
		[]string{"node", "type", "status"}, nil)
	descNodesTotal = prometheus.NewDesc("ha_cluster_pacemaker_nodes_total",
		"Total number of nodes in the cluster", nil, nil)
	descResources = prometheus.NewDesc("ha_cluster_pacemaker_resources",
		"The status of each resource in the cluster; 1 means the resource is in that status, 0 otherwise",
		[]string{"node", "resource", "role", "managed", "status", "agent", "group", "clone"}, nil)
	descResourcesTotal = prometheus.NewDesc("ha_cluster_pacemaker_resources_total",
		"Total number of resource instances in the cluster", nil, nil)
	descFailCount = prometheus.NewDesc("ha_cluster_pacemaker_fail_count",
		"The fail count per node and resource id (+Inf for INFINITY)", []string{"node", "resource"}, nil)
	descMigrationThreshold = prometheus.NewDesc("ha_cluster_pacemaker_migration_threshold",
		"The migration-threshold per node and resource id of the resources that have failed", []string{"node", "resource"}, nil)
	descStonith = prometheus.NewDesc("ha_cluster_pacemaker_stonith_enabled",
		"Whether or not stonith is enabled", nil, nil)
	descMaintenance = prometheus.NewDesc("ha_cluster_pacemaker_maintenance_mode_enabled",
		"Whether or not cluster wide maintenance-mode is enabled", nil, nil)
	descScrapeSuccess = prometheus.NewDesc("ha_cluster_scrape_success",
		"Whether a collector succeeded (0: see pacerd's log)", []string{"collector"}, nil)

	descFailExpires = prometheus.NewDesc("pacer_fail_count_expires_timestamp_seconds",
		"When a fail count expires (its last failure plus failure-timeout), Unix time; absent when it never expires",
		[]string{"node", "resource"}, nil)
	descFailedActions = prometheus.NewDesc("pacer_failed_actions",
		"Failed resource actions the cluster still acts on, per node", []string{"node"}, nil)
	descFencing = prometheus.NewDesc("pacer_fencing_operations",
		"Fencing operations in the status section's fencing history (the last 100), by target, action and outcome",
		[]string{"target", "action", "state"}, nil)
	descQuorate = prometheus.NewDesc("pacer_quorate",
		"Whether this node's partition has quorum", nil, nil)
	descMember = prometheus.NewDesc("pacer_membership_node",
		"Heartbeat membership's state of each node; 1 for its current state, 0 for the others",
		[]string{"node", "state"}, nil)
	descLinkUp = prometheus.NewDesc("pacer_heartbeat_link_up",
		"Whether a heartbeat link to a peer is up (heard within warntime)", []string{"node", "link"}, nil)
	descLinkState = prometheus.NewDesc("pacer_heartbeat_link_state",
		"State of each heartbeat link to a peer; 1 for its current state, 0 for the others",
		[]string{"node", "link", "state"}, nil)
	descLinkHeard = prometheus.NewDesc("pacer_heartbeat_link_last_heard_timestamp_seconds",
		"When a frame was last heard from the peer on the link, Unix time; absent if never", []string{"node", "link"}, nil)
	descDropped = prometheus.NewDesc("pacer_heartbeat_frames_dropped_total",
		"Heartbeat frames dropped, by reason", []string{"reason"}, nil)
	descTerm = prometheus.NewDesc("pacer_raft_term",
		"The raft term of the DC this node knows (0 while there is none)", nil, nil)
	descLeader = prometheus.NewDesc("pacer_raft_leader",
		"1 for the node this node knows as the DC (the raft leader)", []string{"node", "node_id"}, nil)
	descIsLeader = prometheus.NewDesc("pacer_raft_is_leader",
		"Whether this node is the DC", nil, nil)
	descCIBVersion = prometheus.NewDesc("pacer_cib_epoch",
		"The applied CIB's version parts on this node", []string{"part"}, nil)
	descControlRefused = prometheus.NewDesc("pacer_control_socket_refused_total",
		"Control socket requests and frames refused, by reason", []string{"reason"}, nil)
)

// nodeStatuses are ha_cluster_exporter's node status words, in its order.
var nodeStatuses = []string{"online", "standby", "standby_onfail", "maintenance", "pending", "unclean", "shutdown", "expected_up", "dc"}

// resourceStatuses are its resource status words.
var resourceStatuses = []string{"active", "orphaned", "blocked", "failed", "failure_ignored"}

var membershipStates = []string{status.MemberUp, status.MemberWarn, status.MemberDead, status.MemberPending}

// collector builds the metrics of one scrape.
type collector struct{ d *Daemon }

var _ prometheus.Collector = collector{}

func (collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descNodes, descNodesTotal, descResources, descResourcesTotal, descFailCount,
		descMigrationThreshold, descStonith, descMaintenance, descScrapeSuccess, descFailExpires, descFailedActions,
		descFencing, descQuorate, descMember, descLinkUp, descLinkState, descLinkHeard, descDropped, descTerm,
		descLeader, descIsLeader, descCIBVersion, descControlRefused} {
		ch <- d
	}
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	d := c.d
	// pacer's own first: they do not need a CIB.
	for reason, n := range d.stats.Snapshot() {
		ch <- prometheus.MustNewConstMetric(descDropped, prometheus.CounterValue, float64(n), reason)
	}
	for reason, n := range d.control.Stats() {
		ch <- prometheus.MustNewConstMetric(descControlRefused, prometheus.CounterValue, float64(n), reason)
	}
	dc := d.DC()
	gauge(ch, descTerm, float64(dc.Term))
	gauge(ch, descIsLeader, b2f(dc.ID != 0 && dc.ID == d.cfg.Node.ID))
	if dc.ID != 0 {
		gauge(ch, descLeader, 1, string(dc.Name), strconv.FormatUint(dc.ID, 10))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	snap, err := d.statusSnapshot(ctx)
	var r *status.Report
	if err == nil {
		r, err = status.Build(snap)
	}
	if err != nil {
		d.lg.Named("metrics").Warn("cluster metrics not collected", zap.Error(err))
		gauge(ch, descScrapeSuccess, 0, "pacemaker")
		return
	}
	gauge(ch, descScrapeSuccess, 1, "pacemaker")
	gauge(ch, descQuorate, b2f(r.Quorum))
	gauge(ch, descStonith, b2f(r.StonithEnabled))
	gauge(ch, descMaintenance, b2f(r.MaintenanceMode))
	gauge(ch, descCIBVersion, float64(r.CIB.AdminEpoch), "admin_epoch")
	gauge(ch, descCIBVersion, float64(r.CIB.Epoch), "epoch")
	gauge(ch, descCIBVersion, float64(r.CIB.NumUpdates), "num_updates")

	gauge(ch, descNodesTotal, float64(len(r.Nodes)))
	for _, n := range r.Nodes {
		flags := map[string]bool{"online": n.Online, "standby": n.Standby, "standby_onfail": n.StandbyOnFail,
			"maintenance": n.Maintenance, "pending": n.Pending, "unclean": n.Unclean, "shutdown": n.Shutdown,
			"expected_up": n.Online || n.Unclean, "dc": n.DC}
		for _, s := range nodeStatuses {
			gauge(ch, descNodes, b2f(flags[s]), n.Name, "member", s)
		}
	}
	for _, m := range snap.Members {
		for _, s := range membershipStates {
			gauge(ch, descMember, b2f(m.State == s), m.Name, s)
		}
		for _, l := range m.Links {
			gauge(ch, descLinkUp, b2f(l.State == status.MemberUp), m.Name, l.Name)
			for _, s := range membershipStates {
				gauge(ch, descLinkState, b2f(l.State == s), m.Name, l.Name, s)
			}
			if !l.Heard.IsZero() {
				gauge(ch, descLinkHeard, float64(l.Heard.UnixMilli())/1000, m.Name, l.Name)
			}
		}
	}

	total := 0
	ignoredOn := map[string]bool{}
	for _, f := range r.FailedActions {
		if f.Ignored {
			ignoredOn[f.Node+"\x00"+f.Rsc] = true
		}
	}
	var walk func(list []*status.Resource, group, clone string)
	walk = func(list []*status.Resource, group, clone string) {
		for _, x := range list {
			switch x.Kind {
			case status.KindGroup:
				walk(x.Items, x.ID, clone)
				continue
			case status.KindClone:
				walk(x.Items, group, x.ID)
				continue
			}
			total++
			nodes := x.Nodes
			if len(nodes) == 0 {
				nodes = []string{""}
			}
			id := x.ID
			if clone != "" && !x.Unique {
				id = stripInstance(id) // anonymous instances under the configured id, as crm_mon shows them
			}
			for _, node := range nodes {
				flags := map[string]bool{"active": len(x.Nodes) > 0, "orphaned": x.Orphan, "blocked": x.Blocked,
					"failed": x.Failed, "failure_ignored": ignoredOn[node+"\x00"+id]}
				for _, s := range resourceStatuses {
					gauge(ch, descResources, b2f(flags[s]), node, id, strings.ToLower(x.Role), strconv.FormatBool(x.Managed),
						s, x.Agent, group, clone)
				}
			}
		}
	}
	walk(r.Resources, "", "")
	gauge(ch, descResourcesTotal, float64(total))

	for _, f := range r.FailCounts {
		v := float64(f.Value)
		if f.Count == "INFINITY" {
			v = math.Inf(1)
		}
		gauge(ch, descFailCount, v, f.Node, f.Rsc)
		th, err := strconv.ParseFloat(f.MigrationThreshold, 64)
		if err != nil {
			th = math.Inf(1)
		}
		gauge(ch, descMigrationThreshold, th, f.Node, f.Rsc)
		if !f.Expires.IsZero() {
			gauge(ch, descFailExpires, float64(f.Expires.Unix()), f.Node, f.Rsc)
		}
	}
	perNode := map[string]int{}
	for _, f := range r.FailedActions {
		perNode[f.Node]++
	}
	for _, n := range r.Nodes {
		gauge(ch, descFailedActions, float64(perNode[n.Name]), n.Name)
	}
	if r.Fencing != nil {
		type key struct{ target, action, state string }
		counts := map[key]int{}
		for _, f := range r.Fencing {
			counts[key{f.Target, f.Action, f.State}]++
		}
		for k, n := range counts {
			gauge(ch, descFencing, float64(n), k.target, k.action, k.state)
		}
	}
}

func stripInstance(id string) string {
	if i := strings.LastIndexByte(id, ':'); i >= 0 {
		return id[:i]
	}
	return id
}

// metricsState is the endpoint's address once it listens.
type metricsState struct {
	mu   sync.Mutex
	addr string
}

// MetricsAddr is the address the metrics endpoint listens on, "" when
// [metrics] listen is not set or it does not listen yet.
func (d *Daemon) MetricsAddr() string {
	d.metrics.mu.Lock()
	defer d.metrics.mu.Unlock()
	return d.metrics.addr
}

// serveMetrics serves /metrics on [metrics] listen until ctx is done;
// it returns at once when the endpoint is off.
func (d *Daemon) serveMetrics(ctx context.Context) error {
	listen := d.cfg.Metrics.Listen
	if listen == "" {
		return nil
	}
	lg := d.lg.Named("metrics")
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	reg := prometheus.NewRegistry()
	// pacerd's own CPU, memory, descriptors and Go runtime: what its
	// idle cost is.
	reg.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewGoCollector())
	if err := reg.Register(collector{d}); err != nil {
		ln.Close()
		return fmt.Errorf("metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: zap.NewStdLog(lg), MaxRequestsInFlight: 4,
		Timeout: 10 * time.Second}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	d.metrics.mu.Lock()
	d.metrics.addr = ln.Addr().String()
	d.metrics.mu.Unlock()
	lg.Info("metrics endpoint listening", zap.String("addr", ln.Addr().String()), zap.String("path", "/metrics"))
	stop := context.AfterFunc(ctx, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	})
	defer stop()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}

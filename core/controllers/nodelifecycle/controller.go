// Package nodelifecycle watches node heartbeats: a node whose lease is not
// renewed within the grace period is marked Ready=Unknown, unhealthy nodes
// are tainted (NoSchedule at once, NoExecute at a per-zone rate), and pods
// that don't tolerate a node's NoExecute taints are evicted. It runs no
// goroutines or timers of its own: a per-node reconcile and a periodic
// monitor reconcile (RequeueAfter) drive it, so the simulator can too.
package nodelifecycle

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/core/events"
)

// Name is the controller's name in metrics and logs.
const Name = "nodelifecycle"

// Component reports the controller's events, as Kubernetes names it.
const Component = "node-controller"

// Defaults as Kubernetes' kube-controller-manager flags.
const (
	DefaultGracePeriod            = 40 * time.Second // --node-monitor-grace-period
	DefaultMonitorPeriod          = 5 * time.Second  // --node-monitor-period
	DefaultEvictionRate           = 0.1              // --node-eviction-rate, nodes/s per zone
	DefaultSecondaryEvictionRate  = 0.01             // --secondary-node-eviction-rate
	DefaultUnhealthyZoneThreshold = 0.55             // --unhealthy-zone-threshold
	DefaultLargeClusterThreshold  = 50               // --large-cluster-size-threshold
)

// MonitorKey is the key of the periodic whole-cluster pass; no node can
// have this name, as ':' is not allowed in node names.
var MonitorKey = controllers.Key{Name: ":monitor"}

// The kinds the controller reads and writes.
var (
	NodeKind  = api.MustLookupKind(api.CoreV1, "Node")
	LeaseKind = api.MustLookupKind(api.CoordinationV1, "Lease")
)

// Controller is the node lifecycle controller; its exported fields are
// its configuration and may be changed before the first reconcile.
type Controller struct {
	client     controllers.Client
	clock      clock.Clock
	nodeCache  *cache.Cache
	leaseCache *cache.Cache
	podCache   *cache.Cache

	GracePeriod            time.Duration // lease age after which a node is Unknown
	MonitorPeriod          time.Duration // how often the monitor pass runs
	EvictionRate           float64       // nodes/s tainted NoExecute per healthy zone
	SecondaryEvictionRate  float64       // nodes/s in a partially disrupted large zone
	UnhealthyZoneThreshold float64       // fraction of not-ready nodes that disrupts a zone
	LargeClusterThreshold  int           // zones with more nodes keep the secondary rate

	// Events receives NodeNotReady and TaintManagerEviction; events.Nop by default.
	Events events.Recorder

	mu    sync.Mutex // guards zones and lastReady
	zones map[string]*zoneState
	// lastReady is each node's Ready status when last synced, so pods are
	// marked not ready once, when their node leaves Ready.
	lastReady map[string]api.ConditionStatus
}

// New returns a controller with Kubernetes' defaults, writing through
// client, reading Nodes, Leases and Pods from set and the time from clk.
func New(client controllers.Client, set *cache.Set, clk clock.Clock) *Controller {
	return &Controller{client: client, clock: clk,
		nodeCache: set.For(NodeKind), leaseCache: set.For(LeaseKind), podCache: controllers.PodsByNode(set),
		GracePeriod: DefaultGracePeriod, MonitorPeriod: DefaultMonitorPeriod,
		EvictionRate: DefaultEvictionRate, SecondaryEvictionRate: DefaultSecondaryEvictionRate,
		UnhealthyZoneThreshold: DefaultUnhealthyZoneThreshold, LargeClusterThreshold: DefaultLargeClusterThreshold,
		zones: map[string]*zoneState{}, lastReady: map[string]api.ConditionStatus{}, Events: events.Nop}
}

// Descriptor describes the controller for a driver: a node queues itself
// and the monitor (so the periodic pass starts), a node lease its node,
// a bound pod its node.
func (c *Controller) Descriptor() controllers.Controller {
	return controllers.Controller{Name: Name, Reconciler: c, Workers: 1,
		Watches: []controllers.Watch{
			{Kind: NodeKind, MapFunc: func(o api.Object) []controllers.Key {
				return []controllers.Key{controllers.KeyOf(o), MonitorKey}
			}},
			{Kind: LeaseKind, MapFunc: mapLease},
			{Kind: controllers.PodKind, MapFunc: mapPod},
		}}
}

// mapLease maps a node heartbeat lease to its node.
func mapLease(o api.Object) []controllers.Key {
	m := o.GetObjectMeta()
	if m.Namespace != api.NamespaceNodeLease {
		return nil
	}
	return []controllers.Key{{Name: m.Name}}
}

// mapPod maps a bound pod to its node, whose taints may evict it.
func mapPod(o api.Object) []controllers.Key {
	if n := o.(*api.Pod).Spec.NodeName; n != "" {
		return []controllers.Key{{Name: n}}
	}
	return nil
}

// Reconcile runs the monitor pass for MonitorKey and otherwise syncs one
// node: its conditions, its taints (never adding a NoExecute one, which
// only the rate-limited monitor does) and the eviction of its pods.
func (c *Controller) Reconcile(ctx context.Context, key controllers.Key) (controllers.Result, error) {
	if key == MonitorKey {
		return c.monitor(ctx)
	}
	o, ok := c.nodeCache.Get("", key.Name)
	if !ok {
		return controllers.Result{}, nil
	}
	wait, err := c.syncNode(ctx, o.(*api.Node), c.clock.Now(), keepNoExecute, c.lazyPods())
	if err != nil {
		return controllers.Result{}, fmt.Errorf("nodelifecycle: node %s: %w", key.Name, err)
	}
	return controllers.Result{RequeueAfter: wait}, nil
}

// monitor syncs every node in name order, granting new NoExecute taints
// per zone from the zones' token buckets, and runs again after
// MonitorPeriod or sooner when a toleration runs out.
func (c *Controller) monitor(ctx context.Context) (controllers.Result, error) {
	now := c.clock.Now()
	nodes := c.listNodes()
	policy := c.planZones(nodes, now)
	wait := c.MonitorPeriod
	pods := c.lazyPods()
	var errs []error
	for _, n := range nodes {
		w, err := c.syncNode(ctx, n, now, policy, pods)
		if err != nil {
			errs = append(errs, fmt.Errorf("node %s: %w", n.Name, err))
		}
		if w > 0 && w < wait {
			wait = w
		}
	}
	if err := errors.Join(errs...); err != nil {
		return controllers.Result{}, fmt.Errorf("nodelifecycle monitor: %w", err)
	}
	return controllers.Result{RequeueAfter: wait}, nil
}

// lazyPods finds a node's live pods through the pod cache's node index,
// so neither a pass over healthy nodes nor one node's sync walks every pod.
func (c *Controller) lazyPods() podsByNode {
	return func(node string) []*api.Pod {
		var out []*api.Pod
		for _, o := range c.podCache.ByIndex(controllers.PodNodeIndex, node) {
			if p := o.(*api.Pod); p.DeletionTimestamp == nil {
				out = append(out, p)
			}
		}
		return out
	}
}

// listNodes returns the cached nodes ordered by name.
func (c *Controller) listNodes() []*api.Node {
	objs := c.nodeCache.List("", nil)
	out := make([]*api.Node, 0, len(objs))
	for _, o := range objs {
		out = append(out, o.(*api.Node))
	}
	return out
}

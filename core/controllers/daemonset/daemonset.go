// Package daemonset is the DaemonSet controller: it keeps one pod of each
// DaemonSet on every node the pod may run on (node selector, required node
// affinity, taints), pins each pod to its node through node affinity so the
// scheduler places it, deletes extra and misplaced pods, replaces pods of
// an old template by rolling update or on delete, and reports status.
package daemonset

import (
	"context"
	"fmt"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/core/events"
)

// Name is the controller's name in metrics and logs.
const Name = "daemonset"

// Component reports the controller's events, as Kubernetes names it.
const Component = "daemonset-controller"

// The kinds this controller reads besides pods.
var (
	DaemonSetKind = api.MustLookupKind(api.AppsV1, "DaemonSet")
	NodeKind      = api.MustLookupKind(api.CoreV1, "Node")
)

// Controller reconciles DaemonSets.
type Controller struct {
	client    controllers.Client
	clock     clock.Clock
	dsCache   *cache.Cache
	podCache  *cache.Cache
	nodeCache *cache.Cache
	exp       *controllers.Expectations
	// Events receives SuccessfulCreate and SuccessfulDelete; events.Nop by default.
	Events events.Recorder
}

// New returns a DaemonSet controller writing through client and reading
// DaemonSets, Pods and Nodes from set's caches; it registers its
// expectation observer on the pod cache.
func New(client controllers.Client, set *cache.Set, clk clock.Clock) *Controller {
	c := &Controller{client: client, clock: clk, dsCache: set.For(DaemonSetKind),
		podCache: set.For(controllers.PodKind), nodeCache: set.For(NodeKind),
		exp: controllers.NewExpectations(clk), Events: events.Nop}
	c.podCache.AddHandler(c.exp.ObserveOwned(DaemonSetKind))
	return c
}

// Descriptor describes the controller for a driver: DaemonSets map to
// themselves, Pods to their controlling DaemonSet, and Nodes to every
// DaemonSet, since any of them may now belong on the node or not.
func (c *Controller) Descriptor(workers int) controllers.Controller {
	return controllers.Controller{Name: Name, Reconciler: c, Workers: workers,
		Watches: []controllers.Watch{
			{Kind: DaemonSetKind, MapFunc: controllers.OwnKey},
			{Kind: controllers.PodKind, MapFunc: controllers.ControllerOwnerKey(DaemonSetKind)},
			{Kind: NodeKind, MapFunc: c.allDaemonSets},
		}}
}

// Expectations exposes the outstanding creates and deletes, for tests and
// the simulator's invariant checks.
func (c *Controller) Expectations() *controllers.Expectations { return c.exp }

// allDaemonSets maps a node to every DaemonSet, in key order.
func (c *Controller) allDaemonSets(api.Object) []controllers.Key {
	objs := c.dsCache.List("", nil)
	keys := make([]controllers.Key, len(objs))
	for i, o := range objs {
		keys[i] = controllers.KeyOf(o)
	}
	return keys
}

// Reconcile brings the DaemonSet key's pods to one per eligible node of
// the current template and writes its status; it asks to be called again
// when a ready pod will become available.
func (c *Controller) Reconcile(ctx context.Context, key controllers.Key) (controllers.Result, error) {
	obj, ok := c.dsCache.Get(key.Namespace, key.Name)
	if !ok {
		c.exp.Forget(key)
		return controllers.Result{}, nil
	}
	ds := obj.(*api.DaemonSet)
	if ds.DeletionTimestamp != nil {
		return controllers.Result{}, nil
	}
	v := c.view(ds)
	var actErr error
	if c.exp.Satisfied(key) {
		actErr = c.act(ctx, key, ds, v)
	}
	status, wait := c.calculateStatus(ds, v)
	if err := c.updateStatus(ctx, ds, status); err != nil {
		return controllers.Result{}, fmt.Errorf("daemonset %s: update status: %w", key, err)
	}
	if actErr != nil {
		return controllers.Result{}, fmt.Errorf("daemonset %s: %w", key, actErr)
	}
	return controllers.Result{RequeueAfter: wait}, nil
}

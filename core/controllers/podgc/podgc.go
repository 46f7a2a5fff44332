// Package podgc is the pod garbage collector: on a fixed period it deletes
// the oldest terminated pods beyond a threshold, pods bound to nodes that
// no longer exist, and terminating pods that were never scheduled (no node
// agent will ever finish them).
package podgc

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
)

// Name is the controller's name in metrics and logs.
const Name = "podgc"

// DefaultThreshold is how many terminated pods the cluster keeps before
// the oldest are deleted, as Kubernetes' --terminated-pod-gc-threshold.
const DefaultThreshold = 12500

// Period is how often the collector runs, as Kubernetes' gcCheckPeriod.
const Period = 20 * time.Second

// Key is the one key the collector reconciles: it works on the whole
// cluster, not on one object.
var Key = controllers.Key{Name: Name}

// NodeKind is v1 Node, whose absence makes a bound pod an orphan.
var NodeKind = api.MustLookupKind(api.CoreV1, "Node")

// Controller collects pods.
type Controller struct {
	client    controllers.Client
	podCache  *cache.Cache
	nodeCache *cache.Cache
	// Threshold is how many terminated pods to keep; 0 or less disables
	// that part of the collection, as in Kubernetes.
	Threshold int
	tally     *tally
}

// New returns a collector writing through client and reading Pods and
// Nodes from set's caches, keeping DefaultThreshold terminated pods.
func New(client controllers.Client, set *cache.Set) *Controller {
	c := &Controller{client: client, podCache: set.For(controllers.PodKind),
		nodeCache: set.For(NodeKind), Threshold: DefaultThreshold}
	c.tally = newTally(func(name string) bool {
		_, ok := c.nodeCache.Get("", name)
		return ok
	})
	c.podCache.AddHandler(c.tally.onPod)
	c.nodeCache.AddHandler(c.tally.onNode)
	return c
}

// Descriptor describes the collector for a driver: it runs every Period,
// as Kubernetes' does; a node's change queues its key too, so the runs
// start with the first sync and orphans go soon after their node. Pod
// changes do not: a pass walks every pod, and a busy cluster finishes
// pods far more often than every Period.
func (c *Controller) Descriptor() controllers.Controller {
	return controllers.Controller{Name: Name, Reconciler: c, Workers: 1,
		Watches: []controllers.Watch{
			{Kind: NodeKind, MapFunc: func(api.Object) []controllers.Key { return []controllers.Key{Key} }},
		}}
}

// Reconcile runs one collection over the whole cluster, whatever the key,
// and asks to run again after Period. The finished and stranded pods come
// from the tally; only a possible orphan makes it walk the bound pods.
func (c *Controller) Reconcile(ctx context.Context, _ controllers.Key) (controllers.Result, error) {
	excess, stranded, scan := c.tally.work(c.Threshold)
	var orphans []*api.Pod
	if scan {
		orphans = c.orphaned(ctx, c.onUnknownNodes())
	}
	err := errors.Join(
		c.deleteAll(ctx, excess, nil),
		c.deleteAll(ctx, orphans, ptrTo(int64(0))),
		c.deleteAll(ctx, stranded, ptrTo(int64(0))),
	)
	if err != nil {
		return controllers.Result{}, fmt.Errorf("podgc: %w", err)
	}
	return controllers.Result{RequeueAfter: Period}, nil
}

// onUnknownNodes returns, in key order, the pods bound to nodes the cache
// does not know (orphaned asks the API before deleting one).
func (c *Controller) onUnknownNodes() []*api.Pod {
	var out []*api.Pod
	for _, o := range c.podCache.Select("", func(o api.Object) bool {
		n := o.(*api.Pod).Spec.NodeName
		if n == "" {
			return false
		}
		_, known := c.nodeCache.Get("", n)
		return !known
	}) {
		out = append(out, o.(*api.Pod))
	}
	return out
}

// orphaned picks pods bound to nodes that neither the cache nor, asked
// directly, the API knows, so a lagging cache never costs a live pod.
func (c *Controller) orphaned(ctx context.Context, pods []*api.Pod) []*api.Pod {
	gone := map[string]bool{}
	var out []*api.Pod
	for _, p := range pods {
		n := p.Spec.NodeName
		if n == "" {
			continue
		}
		if _, known := gone[n]; !known {
			gone[n] = c.nodeGone(ctx, n)
		}
		if gone[n] {
			out = append(out, p)
		}
	}
	return out
}

// nodeGone reports whether node name is absent from the cache and the API.
func (c *Controller) nodeGone(ctx context.Context, name string) bool {
	if _, ok := c.nodeCache.Get("", name); ok {
		return false
	}
	_, err := c.client.Get(ctx, NodeKind, "", name)
	return registry.IsNotFound(err)
}

// deleteAll deletes pods, each guarded by its UID, with the given grace
// (nil: the default); pods already gone are no error.
func (c *Controller) deleteAll(ctx context.Context, pods []*api.Pod, grace *int64) error {
	var errs []error
	for _, p := range pods {
		opts := registry.DeleteOptions{DeleteOptions: store.DeleteOptions{UID: p.UID, GracePeriodSeconds: grace}}
		_, _, err := c.client.Delete(ctx, controllers.PodKind, p.Namespace, p.Name, opts)
		if err != nil && !registry.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete pod %s: %w", p.Key(), err))
		}
	}
	return errors.Join(errs...)
}

// terminated reports whether a pod has finished for good.
func terminated(p *api.Pod) bool {
	return p.Status.Phase == api.PodSucceeded || p.Status.Phase == api.PodFailed
}

func ptrTo[T any](v T) *T { return &v }

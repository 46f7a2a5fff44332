// Package podgc is the pod garbage collector: on a fixed period it deletes
// the oldest terminated pods beyond a threshold, pods bound to nodes that
// no longer exist, and terminating pods that were never scheduled (no node
// agent will ever finish them).
package podgc

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
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
var NodeKind = mustKind(api.CoreV1, "Node")

func mustKind(apiVersion, kind string) *api.Kind {
	k, err := api.LookupKind(apiVersion, kind)
	if err != nil {
		panic(fmt.Sprintf("podgc: %s %s: %v", apiVersion, kind, err))
	}
	return k
}

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
	c.tally = &tally{firstPass: true, nodeKnown: func(name string) bool {
		_, ok := c.nodeCache.Get("", name)
		return ok
	}}
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
// and asks to run again after Period.
func (c *Controller) Reconcile(ctx context.Context, _ controllers.Key) (controllers.Result, error) {
	if !c.tally.due(c.Threshold) {
		return controllers.Result{RequeueAfter: Period}, nil
	}
	pods := make([]*api.Pod, 0)
	for _, o := range c.podCache.Select("", c.candidate) {
		pods = append(pods, o.(*api.Pod))
	}
	err := errors.Join(
		c.deleteAll(ctx, c.excessTerminated(pods), nil),
		c.deleteAll(ctx, c.orphaned(ctx, pods), ptrTo(int64(0))),
		c.deleteAll(ctx, unscheduledTerminating(pods), ptrTo(int64(0))),
	)
	if err != nil {
		return controllers.Result{}, fmt.Errorf("podgc: %w", err)
	}
	return controllers.Result{RequeueAfter: Period}, nil
}

// candidate keeps the pods a pass may collect: terminated, terminating
// without a node, or bound to a node the cache does not know (orphaned
// asks the API before deleting one), so a pass never sorts every pod.
func (c *Controller) candidate(o api.Object) bool {
	p := o.(*api.Pod)
	if terminated(p) || (p.DeletionTimestamp != nil && p.Spec.NodeName == "") {
		return true
	}
	if p.Spec.NodeName == "" {
		return false
	}
	_, known := c.nodeCache.Get("", p.Spec.NodeName)
	return !known
}

// excessTerminated picks the oldest terminated pods beyond Threshold,
// by creation time, then namespace/name.
func (c *Controller) excessTerminated(pods []*api.Pod) []*api.Pod {
	if c.Threshold <= 0 {
		return nil
	}
	var done []*api.Pod
	for _, p := range pods {
		if terminated(p) && p.DeletionTimestamp == nil {
			done = append(done, p)
		}
	}
	if len(done) <= c.Threshold {
		return nil
	}
	slices.SortStableFunc(done, func(a, b *api.Pod) int {
		if d := a.CreationTimestamp.Compare(b.CreationTimestamp.Time); d != 0 {
			return d
		}
		return cmp.Compare(a.Key(), b.Key())
	})
	return done[:len(done)-c.Threshold]
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

// unscheduledTerminating picks pods being deleted that no node will ever
// finish.
func unscheduledTerminating(pods []*api.Pod) []*api.Pod {
	var out []*api.Pod
	for _, p := range pods {
		if p.DeletionTimestamp != nil && p.Spec.NodeName == "" {
			out = append(out, p)
		}
	}
	return out
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

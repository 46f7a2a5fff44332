// Package replicaset is the ReplicaSet controller: it creates and deletes
// pods so each ReplicaSet has spec.replicas of them, adopts matching orphans,
// releases owned pods that stopped matching, and reports status. It reads
// from caches and writes through the registry; expectations keep a lagging
// cache from causing a second round of creates or deletes.
package replicaset

import (
	"context"
	"fmt"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/labels"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/core/events"
)

// Name is the controller's name in metrics and logs.
const Name = "replicaset"

// Component reports the controller's events, as Kubernetes names it.
const Component = "replicaset-controller"

// BurstReplicas bounds the creates or deletes of one reconcile, as
// Kubernetes' burstReplicas does, so one huge scale-up cannot monopolise
// the API.
const BurstReplicas = 500

// Controller reconciles ReplicaSets.
type Controller struct {
	client   controllers.Client
	clock    clock.Clock
	rsCache  *cache.Cache
	podCache *cache.Cache
	exp      *controllers.Expectations
	// Burst bounds creates or deletes per reconcile; BurstReplicas by default.
	Burst int
	// Events receives SuccessfulCreate, SuccessfulDelete and their failures; events.Nop by default.
	Events events.Recorder
}

// New returns a ReplicaSet controller writing through client and reading
// ReplicaSets and Pods from set's caches; it registers its expectation
// observer on the pod cache.
func New(client controllers.Client, set *cache.Set, clk clock.Clock) *Controller {
	c := &Controller{client: client, clock: clk,
		rsCache: set.For(controllers.ReplicaSetKind), podCache: set.For(controllers.PodKind),
		exp: controllers.NewExpectations(clk), Burst: BurstReplicas, Events: events.Nop}
	c.podCache.AddHandler(c.exp.ObserveOwned(controllers.ReplicaSetKind))
	return c
}

// Descriptor describes the controller for a driver: ReplicaSets map to
// themselves and Pods to their controlling ReplicaSet.
func (c *Controller) Descriptor(workers int) controllers.Controller {
	return controllers.Controller{Name: Name, Reconciler: c, Workers: workers,
		Watches: []controllers.Watch{
			{Kind: controllers.ReplicaSetKind, MapFunc: controllers.OwnKey, Changed: controllers.SpecChanged},
			{Kind: controllers.PodKind, MapFunc: c.mapPod, Changed: controllers.PodCountChanged},
		}}
}

// Expectations exposes the outstanding creates and deletes, for tests and
// the simulator's invariant checks.
func (c *Controller) Expectations() *controllers.Expectations { return c.exp }

// mapPod maps a pod to its controlling ReplicaSet, or, for an orphan, to
// every ReplicaSet in its namespace whose selector matches it (adoption).
func (c *Controller) mapPod(obj api.Object) []controllers.Key {
	if keys := controllers.ControllerOwnerKey(controllers.ReplicaSetKind)(obj); keys != nil {
		return keys
	}
	if cache.ControllerOf(obj) != nil {
		return nil
	}
	m := obj.GetObjectMeta()
	var keys []controllers.Key
	for _, o := range c.rsCache.List(m.Namespace, nil) {
		sel, err := api.LabelSelectorAsSelector(o.(*api.ReplicaSet).Spec.Selector)
		if err == nil && sel.Matches(labels.Set(m.Labels)) {
			keys = append(keys, controllers.KeyOf(o))
		}
	}
	return keys
}

// Reconcile brings the ReplicaSet key's pods to spec.replicas and writes
// its status; it asks to be called again when a ready pod will become
// available.
func (c *Controller) Reconcile(ctx context.Context, key controllers.Key) (controllers.Result, error) {
	obj, ok := c.rsCache.Get(key.Namespace, key.Name)
	if !ok {
		c.exp.Forget(key)
		return controllers.Result{}, nil
	}
	rs := obj.(*api.ReplicaSet)
	sel, err := api.LabelSelectorAsSelector(rs.Spec.Selector)
	if err != nil {
		return controllers.Result{}, nil // an invalid selector cannot be fixed by retrying
	}
	pods, err := c.claimPods(ctx, rs, sel)
	if err != nil {
		return controllers.Result{}, fmt.Errorf("replicaset %s: claim pods: %w", key, err)
	}
	active := activePods(pods)
	var failure string
	var manageErr error
	if c.exp.Satisfied(key) && rs.DeletionTimestamp == nil {
		failure, manageErr = c.manageReplicas(ctx, key, rs, active)
	}
	status, wait := c.calculateStatus(rs, active, failure, manageErr)
	if err := c.updateStatus(ctx, rs, status); err != nil {
		return controllers.Result{}, fmt.Errorf("replicaset %s: update status: %w", key, err)
	}
	if manageErr != nil {
		return controllers.Result{}, fmt.Errorf("replicaset %s: %w", key, manageErr)
	}
	return controllers.Result{RequeueAfter: wait}, nil
}

// activePods keeps the pods that count towards replicas.
func activePods(pods []*api.Pod) []*api.Pod {
	out := make([]*api.Pod, 0, len(pods))
	for _, p := range pods {
		if controllers.IsPodActive(p) {
			out = append(out, p)
		}
	}
	return out
}

// Package deployment is the Deployment controller: it rolls a Deployment's
// pod template out through ReplicaSets it owns (one per template, named by
// the template's hash), with the RollingUpdate or Recreate strategy, keeps
// a revision history, scales ReplicaSets proportionally when the
// Deployment is resized mid-rollout, and reports the status and conditions
// that `kubectl rollout status` reads.
package deployment

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/labels"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/core/events"
)

// Name is the controller's name in metrics and logs.
const Name = "deployment"

// Component reports the controller's events, as Kubernetes names it.
const Component = "deployment-controller"

// DeploymentKind is the kind this controller reconciles.
var DeploymentKind = api.MustLookupKind(api.AppsV1, "Deployment")

// Controller reconciles Deployments.
type Controller struct {
	client   controllers.Client
	clock    clock.Clock
	dCache   *cache.Cache
	rsCache  *cache.Cache
	podCache *cache.Cache
	// Events receives ScalingReplicaSet; events.Nop by default.
	Events events.Recorder
}

// New returns a Deployment controller writing through client and reading
// Deployments, ReplicaSets and Pods from set's caches.
func New(client controllers.Client, set *cache.Set, clk clock.Clock) *Controller {
	return &Controller{client: client, clock: clk, dCache: set.For(DeploymentKind),
		rsCache: set.For(controllers.ReplicaSetKind), podCache: set.For(controllers.PodKind), Events: events.Nop}
}

// Descriptor describes the controller for a driver: Deployments map to
// themselves, ReplicaSets to their controlling (or adopting) Deployment,
// and Pods of Recreate Deployments to the Deployment owning their ReplicaSet.
func (c *Controller) Descriptor(workers int) controllers.Controller {
	return controllers.Controller{Name: Name, Reconciler: c, Workers: workers,
		Watches: []controllers.Watch{
			{Kind: DeploymentKind, MapFunc: controllers.OwnKey, Changed: controllers.SpecChanged},
			{Kind: controllers.ReplicaSetKind, MapFunc: c.mapReplicaSet},
			{Kind: controllers.PodKind, MapFunc: c.mapPod, Changed: controllers.PodCountChanged},
		}}
}

// mapReplicaSet maps a ReplicaSet to its controlling Deployment or, for an
// orphan, to every Deployment in its namespace whose selector matches it.
func (c *Controller) mapReplicaSet(obj api.Object) []controllers.Key {
	if keys := controllers.ControllerOwnerKey(DeploymentKind)(obj); keys != nil {
		return keys
	}
	if cache.ControllerOf(obj) != nil {
		return nil
	}
	m := obj.GetObjectMeta()
	var keys []controllers.Key
	for _, o := range c.dCache.List(m.Namespace, nil) {
		sel, err := api.LabelSelectorAsSelector(o.(*api.Deployment).Spec.Selector)
		if err == nil && !sel.Empty() && sel.Matches(labels.Set(m.Labels)) {
			keys = append(keys, controllers.KeyOf(o))
		}
	}
	return keys
}

// mapPod maps a pod to the Recreate Deployment that owns its ReplicaSet,
// since only Recreate waits for old pods to be gone.
func (c *Controller) mapPod(obj api.Object) []controllers.Key {
	rsKeys := controllers.ControllerOwnerKey(controllers.ReplicaSetKind)(obj)
	if len(rsKeys) == 0 {
		return nil
	}
	rs, ok := c.rsCache.Get(rsKeys[0].Namespace, rsKeys[0].Name)
	if !ok {
		return nil
	}
	keys := controllers.ControllerOwnerKey(DeploymentKind)(rs)
	if len(keys) == 0 {
		return nil
	}
	d, ok := c.dCache.Get(keys[0].Namespace, keys[0].Name)
	if !ok || d.(*api.Deployment).Spec.Strategy.Type != api.RecreateDeploymentStrategyType {
		return nil
	}
	return keys
}

// Reconcile moves the Deployment key one step towards its template running
// at spec.replicas and writes its status; it asks to be called again when
// the progress deadline would pass.
func (c *Controller) Reconcile(ctx context.Context, key controllers.Key) (controllers.Result, error) {
	obj, ok := c.dCache.Get(key.Namespace, key.Name)
	if !ok {
		return controllers.Result{}, nil
	}
	orig := obj.(*api.Deployment)
	sel, err := api.LabelSelectorAsSelector(orig.Spec.Selector)
	if err != nil || sel.Empty() {
		return controllers.Result{}, nil // selects nothing or everything: retrying cannot help
	}
	d := orig.DeepCopy()
	wait, syncErr := c.sync(ctx, d, sel)
	writeErr := c.writeDeployment(ctx, orig, d) // also after a failed step: a raised collision count must stick
	if err := errors.Join(syncErr, writeErr); err != nil {
		return controllers.Result{}, fmt.Errorf("deployment %s: %w", key, err)
	}
	return controllers.Result{RequeueAfter: wait}, nil
}

// sync claims d's ReplicaSets and runs the step the Deployment's state
// calls for on d (its annotations and status are changed in place):
// status only while deleting, scaling while paused or resized, otherwise
// a rollout step of its strategy.
func (c *Controller) sync(ctx context.Context, d *api.Deployment, sel labels.Selector) (time.Duration, error) {
	rsList, err := c.claimReplicaSets(ctx, d, sel)
	if err != nil {
		return 0, fmt.Errorf("claim replicasets: %w", err)
	}
	if d.DeletionTimestamp != nil {
		newRS, old := splitReplicaSets(d, rsList)
		d.Status = c.calculateStatus(d, withNew(old, newRS), newRS)
		return 0, nil
	}
	c.checkPausedCondition(d)
	if d.Spec.Paused || isScalingEvent(d, rsList) {
		return 0, c.syncScale(ctx, d, rsList)
	}
	if d.Spec.Strategy.Type == api.RecreateDeploymentStrategyType {
		return c.rolloutRecreate(ctx, d, rsList)
	}
	return c.rolloutRolling(ctx, d, rsList)
}

// replicas is spec.replicas of a Deployment, 0 when unset.
func replicas(d *api.Deployment) int32 {
	if d.Spec.Replicas == nil {
		return 0
	}
	return *d.Spec.Replicas
}

// rsReplicas is spec.replicas of a ReplicaSet, 0 when unset.
func rsReplicas(rs *api.ReplicaSet) int32 {
	if rs.Spec.Replicas == nil {
		return 0
	}
	return *rs.Spec.Replicas
}

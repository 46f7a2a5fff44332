// Package job is the Job controller: it runs pods from a Job's template
// until enough of them succeed (NonIndexed) or every completion index has
// succeeded (Indexed), retries failures with exponential back-off up to
// backoffLimit, enforces activeDeadlineSeconds and suspend, reports status
// and conditions, and deletes finished Jobs after ttlSecondsAfterFinished.
package job

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
const Name = "job"

// Component reports the controller's events, as Kubernetes names it.
const Component = "job-controller"

// JobKind is batch/v1 Job, the kind this controller reconciles.
var JobKind = api.MustLookupKind(api.BatchV1, "Job")

// Controller reconciles Jobs.
type Controller struct {
	client   controllers.Client
	clock    clock.Clock
	jobCache *cache.Cache
	podCache *cache.Cache
	exp      *controllers.Expectations
	// Events receives SuccessfulCreate, Completed and the failure reasons; events.Nop by default.
	Events events.Recorder
}

// New returns a Job controller writing through client and reading Jobs and
// Pods from set's caches; it registers its expectation observer on the pod
// cache.
func New(client controllers.Client, set *cache.Set, clk clock.Clock) *Controller {
	c := &Controller{client: client, clock: clk, jobCache: set.For(JobKind),
		podCache: set.For(controllers.PodKind), exp: controllers.NewExpectations(clk), Events: events.Nop}
	c.podCache.AddHandler(c.exp.ObserveOwned(JobKind))
	return c
}

// Descriptor describes the controller for a driver: Jobs map to themselves
// and Pods to their controlling Job.
func (c *Controller) Descriptor(workers int) controllers.Controller {
	return controllers.Controller{Name: Name, Reconciler: c, Workers: workers,
		Watches: []controllers.Watch{
			{Kind: JobKind, MapFunc: controllers.OwnKey},
			{Kind: controllers.PodKind, MapFunc: controllers.ControllerOwnerKey(JobKind)},
		}}
}

// Expectations exposes the outstanding creates and deletes, for tests and
// the simulator's invariant checks.
func (c *Controller) Expectations() *controllers.Expectations { return c.exp }

// Reconcile drives the Job key one step: it finishes it, deletes it after
// its TTL, or creates and deletes pods, then writes status; RequeueAfter
// covers back-off, deadlines and TTLs, which no event announces.
func (c *Controller) Reconcile(ctx context.Context, key controllers.Key) (controllers.Result, error) {
	obj, ok := c.jobCache.Get(key.Namespace, key.Name)
	if !ok {
		c.exp.Forget(key)
		return controllers.Result{}, nil
	}
	j := obj.(*api.Job)
	if j.DeletionTimestamp != nil {
		return controllers.Result{}, nil
	}
	pods := c.ownedPods(j)
	if finished(j) {
		return c.reconcileFinished(ctx, key, j, pods)
	}
	res, err := c.sync(ctx, key, j, pods)
	if err != nil {
		return controllers.Result{}, fmt.Errorf("job %s: %w", key, err)
	}
	return res, nil
}

// ownedPods are the pods j controls, by owner UID, in key order.
func (c *Controller) ownedPods(j *api.Job) []*api.Pod {
	var out []*api.Pod
	for _, o := range c.podCache.ByOwner(j.UID) {
		if ref := cache.ControllerOf(o); ref != nil && ref.UID == j.UID {
			out = append(out, o.(*api.Pod))
		}
	}
	return out
}

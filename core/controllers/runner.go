package controllers

import (
	"context"
	"fmt"
	"sync"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/core/controllers/workqueue"
)

// Runner drives controllers on real time: it feeds cache changes through
// each controller's MapFuncs into its work queue and runs worker
// goroutines that reconcile keys, retrying failures with back-off and
// honouring RequeueAfter. The simulator has its own driver.
type Runner struct {
	caches *cache.Set
	clock  clock.Clock
	ctrls  []Controller
	queues map[string]*workqueue.Queue[Key]

	// OnError, when set, is told of every failed reconcile (for logs).
	OnError func(controller string, key Key, err error)
}

// NewRunner returns a runner for ctrls reading caches from set and timing
// retries on c; it registers the controllers' watch handlers at once.
func NewRunner(set *cache.Set, c clock.Clock, ctrls ...Controller) (*Runner, error) {
	r := &Runner{caches: set, clock: c, ctrls: ctrls, queues: map[string]*workqueue.Queue[Key]{}}
	for _, ctl := range ctrls {
		if _, dup := r.queues[ctl.Name]; dup || ctl.Name == "" {
			return nil, fmt.Errorf("controller name %q is empty or used twice", ctl.Name)
		}
		q := workqueue.New[Key](c)
		r.queues[ctl.Name] = q
		for _, w := range ctl.Watches {
			set.For(w.Kind).AddHandler(Enqueuer(q, w))
		}
	}
	return r, nil
}

// Enqueuer is the cache handler that queues the keys both the old and the
// new version of an object map to, so a change of owner or labels reaches
// both sides, unless the watch's Changed filter drops the update; every
// driver (this Runner, the simulator) feeds queues with it.
func Enqueuer(q *workqueue.Queue[Key], w Watch) cache.Handler {
	return func(old, cur api.Object) {
		if old != nil && cur != nil && w.Changed != nil && !w.Changed(old, cur) {
			return
		}
		for _, o := range []api.Object{old, cur} {
			if o == nil {
				continue
			}
			for _, k := range w.MapFunc(o) {
				q.Add(k)
			}
		}
	}
}

// Queue returns the named controller's work queue, for metrics.
func (r *Runner) Queue(name string) *workqueue.Queue[Key] { return r.queues[name] }

// Run starts the caches, waits for them to sync, then runs every
// controller's workers until ctx ends; it returns once all have stopped.
func (r *Runner) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	waitCaches := r.caches.Start(ctx, r.clock)
	defer func() { cancel(); waitCaches() }()
	if err := r.caches.WaitForSync(ctx); err != nil {
		return err
	}
	var wg sync.WaitGroup
	for _, ctl := range r.ctrls {
		q := r.queues[ctl.Name]
		for range max(ctl.Workers, 1) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r.work(ctx, ctl, q)
			}()
		}
	}
	<-ctx.Done()
	for _, q := range r.queues {
		q.ShutDown()
	}
	wg.Wait()
	return nil
}

// work reconciles keys from q until it shuts down.
func (r *Runner) work(ctx context.Context, ctl Controller, q *workqueue.Queue[Key]) {
	for {
		key, shutdown := q.Get()
		if shutdown {
			return
		}
		ProcessOne(ctx, ctl, q, key, r.OnError)
		q.Done(key)
	}
}

// ProcessOne reconciles key once and requeues it as the outcome asks:
// with back-off after an error, after RequeueAfter otherwise. The caller
// still owns q.Done.
func ProcessOne(ctx context.Context, ctl Controller, q *workqueue.Queue[Key], key Key,
	onError func(string, Key, error)) {
	res, err := ctl.Reconciler.Reconcile(ctx, key)
	if err != nil {
		if onError != nil {
			onError(ctl.Name, key, err)
		}
		q.AddRateLimited(key)
		return
	}
	q.Forget(key)
	if res.RequeueAfter > 0 {
		q.AddAfter(key, res.RequeueAfter)
	}
}

package sim

import (
	"context"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/scheduler/driver"
)

// unschedulableRecheck is how often an idle scheduler with unschedulable
// pods looks again, so pods that time out of the unschedulable pool (as
// kube-scheduler flushes it every 30 s) are retried on virtual time too.
const unschedulableRecheck = 30 * time.Second

// schedulerDriver runs the real scheduler on virtual time: the pod and
// node caches feed it through the same handlers as the real driver, and
// it schedules one pod at a time, each cycle taking the modelled (or
// measured) scheduling time plus the round trip of its writes.
type schedulerDriver struct {
	w         *world
	busy      bool
	kicked    bool // a cycle event is already scheduled
	wake      *timer
	measured  bool
	stopwatch func() func() time.Duration

	attempts, scheduled, failed int
	errors                      int // failed write-backs and feeds
}

func newSchedulerDriver(w *world, measured bool, stopwatch func() func() time.Duration) *schedulerDriver {
	d := &schedulerDriver{w: w, measured: measured && stopwatch != nil, stopwatch: stopwatch}
	if w.cp.Scheduler == nil {
		return d
	}
	feed := driver.New(w.cp.Scheduler, w.cp.Caches, w.cp.WriteBack)
	feed.OnError = func(error) { d.errors++ }
	kick := func(_, _ api.Object) { d.kick() }
	w.cp.Caches.For(podKind).AddHandler(kick)
	w.cp.Caches.For(nodeKind).AddHandler(kick)
	return d
}

// kick runs a cycle at the current instant unless one is pending or running.
func (d *schedulerDriver) kick() {
	if d.busy || d.kicked || d.w.cp.Scheduler == nil {
		return
	}
	d.kicked = true
	d.w.eng.Schedule(0, d.cycle)
}

// cycle schedules the next ready pod and writes its outcome back; when no
// pod is ready it sleeps until the next backoff ends.
func (d *schedulerDriver) cycle() {
	d.kicked = false
	ctx := context.Background()
	before := d.w.commits
	var done func() time.Duration
	if d.measured {
		done = d.stopwatch()
	}
	res, ok := d.w.cp.Scheduler.ScheduleOne(ctx)
	if !ok {
		d.sleep()
		return
	}
	d.attempts++
	if res.Node != "" {
		d.scheduled++
	} else {
		d.failed++
	}
	if err := d.w.cp.WriteBack.Apply(ctx, res); err != nil {
		d.errors++
	}
	took := d.w.busyFor(d.w.commits - before)
	if done != nil {
		took += done()
	} else {
		took += d.w.lat.draw(d.w.lat.scheduling)
	}
	d.busy = true
	d.w.eng.Schedule(took, func() {
		d.busy = false
		d.kick()
	})
}

// sleep arms a wake-up for when the earliest backed-off pod is ready, or
// for the periodic recheck of unschedulable pods.
func (d *schedulerDriver) sleep() {
	q := d.w.cp.Scheduler.Queue
	var wait time.Duration
	if at, ok := q.NextBackoff(); ok {
		wait = max(at.Sub(d.w.eng.Now()), 0)
	}
	if q.Len().Unschedulable > 0 && (wait == 0 || wait > unschedulableRecheck) {
		wait = unschedulableRecheck
	}
	if wait == 0 {
		return
	}
	if d.wake == nil {
		d.wake = d.w.eng.AfterFunc(wait, d.kick).(*timer)
		return
	}
	d.wake.Reset(wait)
}

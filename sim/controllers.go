package sim

import (
	"context"
	"time"

	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/workqueue"
)

// controllerDriver runs the real controllers on virtual time: cache
// changes feed each controller's work queue through its MapFuncs (as the
// real-time Runner does), and up to Workers keys per controller are
// reconciled at once, each taking the modelled work time plus the round
// trip of every write it made.
type controllerDriver struct {
	w     *world
	ctrls []*simController
	// errors counts failed reconciles per controller and reconciles all
	// of them, for the summary.
	errors     map[string]int
	reconciles map[string]int
}

// simController is one controller, its queue and its busy workers.
type simController struct {
	ctl     controllers.Controller
	q       *workqueue.Queue[controllers.Key]
	busy    int
	pumping bool // a pump event is already scheduled
}

func newControllerDriver(w *world, ctls []controllers.Controller) *controllerDriver {
	d := &controllerDriver{w: w, errors: map[string]int{}, reconciles: map[string]int{}}
	for _, ctl := range ctls {
		sc := &simController{ctl: ctl, q: workqueue.New[controllers.Key](w.eng)}
		sc.q.SetObserver(queueWaker{func() { d.kick(sc) }})
		for _, watch := range ctl.Watches {
			w.cp.Caches.For(watch.Kind).AddHandler(controllers.Enqueuer(sc.q, watch))
		}
		d.ctrls = append(d.ctrls, sc)
	}
	return d
}

// kick schedules a pump at the current instant unless one is pending or
// every worker is busy (a finishing worker pumps again).
func (d *controllerDriver) kick(sc *simController) {
	if sc.pumping || sc.busy >= max(sc.ctl.Workers, 1) {
		return
	}
	sc.pumping = true
	d.w.eng.Schedule(0, func() { d.pump(sc) })
}

// pump hands queued keys to free workers; the queue's wake-ups while it
// does so are redundant, so pumping stays set until it is done.
func (d *controllerDriver) pump(sc *simController) {
	sc.pumping = true
	defer func() { sc.pumping = false }()
	for sc.busy < max(sc.ctl.Workers, 1) {
		key, ok := sc.q.TryGet()
		if !ok {
			return
		}
		sc.busy++
		d.w.eng.Schedule(d.w.lat.draw(d.w.lat.work), func() { d.reconcile(sc, key) })
	}
}

// reconcile runs one key once its work time has passed, then keeps the
// worker busy for the writes it made before it takes the next key.
func (d *controllerDriver) reconcile(sc *simController, key controllers.Key) {
	before := d.w.commits
	d.reconciles[sc.ctl.Name]++
	controllers.ProcessOne(context.Background(), sc.ctl, sc.q, key, func(name string, _ controllers.Key, _ error) {
		d.errors[name]++
	})
	sc.q.Done(key)
	d.w.eng.Schedule(d.w.busyFor(d.w.commits-before), func() {
		sc.busy--
		d.pump(sc)
	})
}

// queueWaker is the work queue observer that wakes the driver whenever
// the queue holds items; it is called under the queue's lock and only
// schedules an event.
type queueWaker struct{ wake func() }

func (o queueWaker) Added()                 {}
func (o queueWaker) Taken(time.Duration)    {}
func (o queueWaker) Finished(time.Duration) {}
func (o queueWaker) Retried()               {}
func (o queueWaker) Depth(n int) {
	if n > 0 {
		o.wake()
	}
}

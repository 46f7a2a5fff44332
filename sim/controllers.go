package sim

import (
	"context"
	"fmt"
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

func newControllerDriver(w *world, ctls []controllers.Controller) (*controllerDriver, error) {
	d := &controllerDriver{w: w, errors: map[string]int{}, reconciles: map[string]int{}}
	queues := map[string]*workqueue.Queue[controllers.Key]{}
	for _, ctl := range ctls {
		sc := &simController{ctl: ctl, q: workqueue.New[controllers.Key](w.eng)}
		queues[ctl.Name] = sc.q
		for _, watch := range ctl.Watches {
			w.cp.Caches.For(watch.Kind).AddHandler(controllers.Enqueuer(sc.q, watch))
		}
		d.ctrls = append(d.ctrls, sc)
	}
	// The queues report Kubernetes' workqueue metrics, as the server's do,
	// beside waking the driver.
	observers, err := controllers.RegisterQueueMetrics(w.metrics, queues)
	if err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	for _, sc := range d.ctrls {
		sc.q.SetObserver(teeObserver{observers[sc.ctl.Name], queueWaker{func() { d.kick(sc) }}})
	}
	return d, nil
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

// teeObserver hands every queue observation to both observers.
type teeObserver struct{ a, b workqueue.Observer }

func (t teeObserver) Added()                   { t.a.Added(); t.b.Added() }
func (t teeObserver) Taken(d time.Duration)    { t.a.Taken(d); t.b.Taken(d) }
func (t teeObserver) Finished(d time.Duration) { t.a.Finished(d); t.b.Finished(d) }
func (t teeObserver) Retried()                 { t.a.Retried(); t.b.Retried() }
func (t teeObserver) Depth(n int)              { t.a.Depth(n); t.b.Depth(n) }

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

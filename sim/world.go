package sim

import (
	"context"
	"fmt"
	"github.com/prometheus/client_golang/prometheus"
	"math/rand/v2"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/controlplane"
	"github.com/kubetwin/kubetwin/core/events"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
	"github.com/kubetwin/kubetwin/core/store/memory"
	"github.com/kubetwin/kubetwin/scenarios"
)

// world is the simulated control plane: the memory store and registry, the
// real scheduler and controllers (assembled by core/controlplane exactly as
// the server assembles them), and the plumbing that moves their work onto
// the engine: watch delivery, the controllers' workers, the scheduler's loop.
type world struct {
	eng   *Engine
	store *memory.Store
	reg   *registry.Registry
	cp    *controlplane.ControlPlane
	lat   latency

	// lastDelivery is, per kind, when its latest change reaches the
	// caches, so later changes never overtake earlier ones (a cache applies
	// a kind's events in revision order).
	lastDelivery map[*api.Kind]time.Duration
	// commits counts store writes, so a worker's busy time can include
	// the latency of each write it made.
	commits uint64
	// writes counts the commits per kind, for the summary.
	writes map[string]int
	// observers hear of every commit synchronously (the tracker, the
	// invariant checks); they must not call the store.
	observers []func(ev store.Event, prev api.Object)

	ctrls *controllerDriver
	sched *schedulerDriver
	// metrics holds the scheduler's and controllers' Prometheus metrics,
	// sampled on virtual time into the run's time series.
	metrics      *prometheus.Registry
	metricErrors int // failed gathers, for the summary
}

// simHistory is how many past changes the simulator's store keeps.
const simHistory = 1024

// latency draws the control plane's modelled delays, each from its own stream.
type latency struct {
	apiWrite, watch, work, scheduling scenarios.Dist
	r                                 *rand.Rand
}

func (l latency) draw(d scenarios.Dist) time.Duration { return d.Sample(l.r) }

// worldParts says which parts of the control plane a world leaves out.
type worldParts struct {
	// noControllers leaves only the scheduler, for experiments on
	// placement alone.
	noControllers bool
}

// newWorld assembles the control plane on the engine's clock.
func newWorld(eng *Engine, sc *scenarios.Scenario, opts Options, parts worldParts) (*world, error) {
	w := &world{eng: eng, lastDelivery: map[*api.Kind]time.Duration{}, writes: map[string]int{},
		lat: latency{apiWrite: sc.Latency.APIWrite, watch: sc.Latency.WatchDelivery,
			work: sc.Latency.ControllerWork, scheduling: sc.Latency.Scheduling, r: eng.Rand("latency")}}
	// The simulator delivers changes through OnCommit, never through store
	// watches, so the store keeps only a short history of old versions.
	w.metrics = prometheus.NewRegistry()
	w.store = memory.New(memory.Options{Clock: eng, Rand: eng.Rand("store"), OnCommit: w.onCommit, HistorySize: simHistory})
	w.reg = registry.New(w.store, eng)
	w.reg.GracefulPodDeletion = true // the simulated nodes confirm deletions, as kubelets do
	cp, err := controlplane.New(controlplane.Config{Registry: w.reg, Clock: eng, Seed: eng.Rand("scheduler").Uint64(),
		Profiles: sc.Scheduler.Profiles, Plugins: opts.Plugins, NoControllers: parts.noControllers,
		NodeMonitorGracePeriod: sc.Cluster.NodeMonitorGracePeriod,
		NodeMonitorPeriod:      sc.Cluster.NodeMonitorPeriod,
		Metrics:                w.metrics,
		Events:                 events.Options{}}) // synchronous: deterministic
	if err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	w.cp = cp
	if w.ctrls, err = newControllerDriver(w, cp.Controllers); err != nil {
		return nil, err
	}
	w.sched = newSchedulerDriver(w, sc.Latency.MeasuredScheduling, opts.Stopwatch)
	return w, nil
}

// start lists every cache once, while the store is still empty, so later
// changes reach the caches only through onCommit's deliveries.
func (w *world) start(ctx context.Context) error {
	if err := w.cp.Caches.SyncAll(ctx); err != nil {
		return fmt.Errorf("sim: sync caches: %w", err)
	}
	return nil
}

// onCommit runs inside the store's commit: it tells the observers and
// schedules the change's delivery to the caches after the write's and the
// watch's latency, in revision order per kind.
func (w *world) onCommit(ev store.Event, prev api.Object) {
	w.commits++
	for _, o := range w.observers {
		o(ev, prev)
	}
	kind, err := api.KindOf(ev.Object)
	if err != nil {
		return // the store only holds registered kinds
	}
	w.writes[kind.Kind]++
	c := w.cp.Caches.Lookup(kind)
	if c == nil {
		return // nobody watches this kind
	}
	at := w.eng.Elapsed() + w.lat.draw(w.lat.apiWrite) + w.lat.draw(w.lat.watch)
	at = max(at, w.lastDelivery[kind])
	w.lastDelivery[kind] = at
	w.eng.ScheduleAt(at, func() { c.Apply(ev) })
}

// busyFor is how long a worker that made writes (store commits) is
// occupied beyond its own work: the round trip of each write.
func (w *world) busyFor(writes uint64) time.Duration {
	var d time.Duration
	if w.lat.apiWrite.IsZero() {
		return 0
	}
	for range writes {
		d += w.lat.draw(w.lat.apiWrite)
	}
	return d
}

// mode is the simulator's Mode: the in-process registry and caches, and
// the fleet of simulated nodes.
func (w *world) mode(f *fleet) *Mode {
	return &Mode{Name: "sim", API: w.reg, Current: w.reg.Get, Caches: w.cp.Caches, ControllersCaches: true, Nodes: f,
		Metrics: w.gatherMetrics, Running: func() int { return f.finite },
		Counters: func() Counters {
			return Counters{Attempts: w.sched.attempts, Scheduled: w.sched.scheduled, Failed: w.sched.failed,
				SchedulerErrors: w.sched.errors, NodeWrites: f.writeErrors, MetricErrors: w.metricErrors,
				Reconciles: w.ctrls.reconciles, ReconcileErrors: w.ctrls.errors, Writes: w.writes}
		}}
}

package sim

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
	"github.com/kubetwin/kubetwin/scenarios"
)

// Epoch is the virtual time every run starts at, so timestamps in a run's
// objects are the same from one run to the next.
var Epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// settleEvery is how often, once everything planned has happened, the run
// checks whether the cluster has settled and it may end early.
const settleEvery = 5 * time.Second

// progressEvery is the virtual time between progress reports (and checks
// of the caller's context).
const progressEvery = 10 * time.Second

// Options configure one run beyond its scenario.
type Options struct {
	// Seed seeds every random stream of the run.
	Seed uint64
	// Plugins are out-of-tree scheduler plugins the scenario's profiles may name.
	Plugins framework.Registry
	// Stopwatch starts a wall-clock measurement and returns its reading
	// function; the simulator never reads the wall clock itself. It times
	// the run (wall_seconds) and, when the scenario asks for measured
	// scheduling latency, each scheduling cycle. Nil measures nothing.
	Stopwatch func() func() time.Duration
	// Trace receives the ordered trace of changes as CSV; nil keeps only its hash.
	Trace io.Writer
	// Progress, when set, is called every 10 s of virtual time.
	Progress func(Progress)
	// KeepGoing runs on after an invariant violation instead of stopping.
	KeepGoing bool
}

// Progress is a run's state, for a progress bar.
type Progress struct {
	Virtual, Duration time.Duration
	Events            uint64
	Pods, Scheduled   int
}

// Result is what a run produced.
type Result struct {
	Summary Summary
	Pods    []*PodRecord // in creation order
	Series  *TimeSeries  // sampled every scenario SampleEvery
	Nodes   []NodeRecord // at the end, in pool order
}

// run is one simulation's parts.
type run struct {
	sc     *scenarios.Scenario
	opts   Options
	eng    *Engine
	w      *world
	fleet  *fleet
	player *player
	track  *tracker
	inv    *invariants
	conv   *convergence
	samp   *sampler
}

// Run plays a scenario on a fresh simulated cluster until its duration
// has passed, it settles after everything planned has happened, an
// invariant breaks (unless KeepGoing), or ctx ends (an error).
func Run(ctx context.Context, sc *scenarios.Scenario, opts Options) (*Result, error) {
	var wall func() time.Duration
	if opts.Stopwatch != nil {
		wall = opts.Stopwatch()
	}
	r, err := newRun(ctx, sc, opts)
	if err != nil {
		return nil, err
	}
	if err := r.loop(ctx); err != nil {
		return nil, err
	}
	if err := r.inv.checkStore(ctx); err != nil {
		return nil, err
	}
	res := &Result{Pods: r.track.pods, Series: r.samp.finish(), Nodes: r.nodeRecords()}
	if res.Summary, err = r.summarize(ctx); err != nil {
		return nil, err
	}
	if wall != nil {
		res.Summary.setWall(wall().Seconds())
	}
	res.Summary.Thresholds = CheckThresholds(res.Summary, sc.Thresholds)
	return res, nil
}

func newRun(ctx context.Context, sc *scenarios.Scenario, opts Options) (*run, error) {
	eng := NewEngine(Epoch, opts.Seed)
	w, err := newWorld(eng, sc, opts)
	if err != nil {
		return nil, err
	}
	r := &run{sc: sc, opts: opts, eng: eng, w: w, track: newTracker(eng, opts.Trace),
		inv: newInvariants(w, !opts.KeepGoing), conv: newConvergence(w, sc)}
	w.observers = append(w.observers, r.track.observe, r.inv.observe, r.conv.observe)
	r.fleet = newFleet(w, sc)
	if err := w.start(ctx); err != nil {
		return nil, err
	}
	if err := seedNamespaces(ctx, w.reg); err != nil {
		return nil, err
	}
	if err := r.fleet.register(ctx); err != nil {
		return nil, err
	}
	r.player = newPlayer(w, r.fleet, sc, r.conv)
	r.player.plan()
	r.samp = newSampler(r)
	eng.Schedule(0, r.samp.every)
	eng.ScheduleAt(r.player.lastPlanned+settleEvery, r.settleCheck)
	return r, nil
}

// seedNamespaces creates the namespaces every cluster has.
func seedNamespaces(ctx context.Context, reg *registry.Registry) error {
	for _, name := range []string{"default", "kube-system", "kube-public", api.NamespaceNodeLease} {
		ns := &api.Namespace{TypeMeta: api.TypeMeta{APIVersion: api.CoreV1, Kind: "Namespace"},
			ObjectMeta: api.ObjectMeta{Name: name}}
		if _, err := reg.Create(ctx, namespaceKind, "", ns, registry.CreateOptions{}); err != nil {
			return fmt.Errorf("sim: namespace %s: %w", name, err)
		}
	}
	return nil
}

// loop runs the engine in slices of virtual time, reporting progress and
// checking ctx between them.
func (r *run) loop(ctx context.Context) error {
	for r.eng.Elapsed() < r.sc.Duration && !r.eng.Stopped() {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("sim: stopped at %v of virtual time: %w", r.eng.Elapsed(), err)
		}
		r.eng.RunUntil(min(r.eng.Elapsed()+progressEvery, r.sc.Duration))
		r.report()
	}
	return nil
}

func (r *run) report() {
	if r.opts.Progress != nil {
		r.opts.Progress(Progress{Virtual: r.eng.Elapsed(), Duration: r.sc.Duration, Events: r.eng.Events(),
			Pods: len(r.track.pods), Scheduled: r.w.sched.scheduled})
	}
}

// settleCheck ends the run once everything planned has happened and the
// cluster is at rest: no pod waiting to be placed or started, none with a
// run time still running, no fault active, every convergence reached.
func (r *run) settleCheck() {
	if r.track.unsettled == 0 && r.fleet.finite == 0 && r.player.activeFaults == 0 && r.conv.settled() {
		r.eng.Stop()
		return
	}
	r.eng.Schedule(settleEvery, r.settleCheck)
}

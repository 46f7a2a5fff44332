package sim

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
	"github.com/kubetwin/kubetwin/core/store"
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

// run is one run's parts. w and fleet are the simulator's own; a live
// run has neither, and its mode reaches the cluster instead.
type run struct {
	sc     *scenarios.Scenario
	opts   Options
	eng    *Engine
	mode   *Mode
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
	if err := r.inv.checkStore(ctx, r.w.store); err != nil {
		return nil, err
	}
	return r.result(ctx, wall)
}

// result gathers the run's records and figures once it has ended.
func (r *run) result(ctx context.Context, wall func() time.Duration) (*Result, error) {
	res := &Result{Pods: r.track.pods, Series: r.samp.finish(), Nodes: r.nodeRecords()}
	var err error
	if res.Summary, err = r.summarize(ctx); err != nil {
		return nil, err
	}
	if wall != nil {
		res.Summary.setWall(wall().Seconds())
	}
	res.Summary.Thresholds = CheckThresholds(res.Summary, r.sc.Thresholds)
	return res, nil
}

func newRun(ctx context.Context, sc *scenarios.Scenario, opts Options) (*run, error) {
	eng := NewEngine(Epoch, opts.Seed)
	w, err := newWorld(eng, sc, opts, worldParts{})
	if err != nil {
		return nil, err
	}
	f := newFleet(eng, w.reg, w.cp.Caches, sc)
	f.podsOn.AddHandler(f.onPod)
	w.cp.Caches.For(nodeKind).AddHandler(f.onNode)
	r := newHarness(eng, sc, opts, w.mode(f))
	r.w, r.fleet = w, f
	w.observers = append(w.observers, r.observe)
	if err := w.start(ctx); err != nil {
		return nil, err
	}
	if err := seedNamespaces(ctx, w.reg); err != nil {
		return nil, err
	}
	if err := f.register(ctx); err != nil {
		return nil, err
	}
	r.begin()
	return r, nil
}

// newHarness assembles the parts every mode shares: the pod records, the
// invariant checks and convergence timing, which observe every change.
func newHarness(eng *Engine, sc *scenarios.Scenario, opts Options, m *Mode) *run {
	r := &run{sc: sc, opts: opts, eng: eng, mode: m, track: newTracker(eng, opts.Trace),
		inv: newInvariants(eng, m.Caches, m.ControllersCaches, !opts.KeepGoing), conv: newConvergence(eng, m, sc)}
	return r
}

// observe hears of every change to the cluster's objects, with the
// object as it was before (nil for an addition).
func (r *run) observe(ev store.Event, prev api.Object) {
	r.track.observe(ev, prev)
	r.inv.observe(ev, prev)
	r.conv.observe(ev, prev)
}

// begin plans the scenario's arrivals, actions and faults and starts the
// sampler and the check for the end, once the cluster's nodes are up.
func (r *run) begin() {
	r.player = newPlayer(r.eng, r.mode, r.sc, r.conv)
	r.conv.down = func(node string) bool { return r.player.down[node] }
	r.player.plan()
	r.samp = newSampler(r)
	r.eng.Schedule(0, r.samp.every)
	r.eng.ScheduleAt(r.player.lastPlanned+settleEvery, r.settleCheck)
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
		r.opts.Progress(r.progress())
	}
}

// progress is the run's state now.
func (r *run) progress() Progress {
	return Progress{Virtual: r.eng.Elapsed(), Duration: r.sc.Duration, Events: r.eng.Events(),
		Pods: len(r.track.pods), Scheduled: r.mode.Counters().Scheduled}
}

// settleCheck ends the run once everything planned has happened and the
// cluster is at rest: no pod waiting to be placed or started, none with a
// run time still running, no fault active, every convergence reached.
func (r *run) settleCheck() {
	if r.track.unsettled == 0 && r.running() == 0 && r.player.activeFaults == 0 && r.conv.settled() && r.nodesBack() {
		r.eng.Stop()
		return
	}
	r.eng.Schedule(settleEvery, r.settleCheck)
}

// running counts pods that will end on their own and have not yet.
func (r *run) running() int {
	if r.mode.Running == nil {
		return 0
	}
	return r.mode.Running()
}

// nodesBack reports whether every node back from a fault is Ready again
// as the control plane sees it: at once in the simulator, after the
// node's writes arrive in a live run.
func (r *run) nodesBack() bool {
	nodes := r.mode.Caches.For(nodeKind)
	for _, name := range sortedKeys(r.player.recovering) {
		if o, ok := nodes.Get("", name); ok && nodeReady(o.(*api.Node)) == api.ConditionTrue {
			delete(r.player.recovering, name)
		}
	}
	return len(r.player.recovering) == 0
}

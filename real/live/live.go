package live

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/real/client"
	"github.com/kubetwin/kubetwin/scenarios"
	"github.com/kubetwin/kubetwin/sim"
)

// progressEvery is the wall time between progress reports.
const progressEvery = 10 * time.Second

// NodeSet is a live cluster's nodes as a run drives them.
type NodeSet interface {
	// Nodes take the scenario's faults.
	sim.Nodes
	// Start readies the nodes for the run, on its engine and caches
	// (hollow nodes register and start heartbeating on them; real agents
	// are already up).
	Start(ctx context.Context, eng *sim.Engine, caches *cache.Set) error
	// OnChange hears every change the run's caches report, on the run's
	// goroutine, before the run's own observers.
	OnChange(old, cur api.Object)
	// Running counts pods that will end on their own and have not yet.
	Running() int
	// WriteErrors counts the nodes' writes the server refused, with the first.
	WriteErrors() (int, error)
	// Stop ends the nodes' background work once the run is over.
	Stop()
}

// Config is what a live run needs beyond its scenario.
type Config struct {
	// Mode names the run in its summary: "real" or "emulate".
	Mode string
	// Client reaches the cluster's API server.
	Client *client.Client
	// Nodes are the cluster's nodes, named as the scenario's pools name
	// them: real node agents, or hollow nodes.
	Nodes NodeSet
	// Options are the run's seed (for arrivals and fault draws), trace
	// writer, progress callback and KeepGoing; the wall clock times it,
	// so Stopwatch is not used.
	Options sim.Options
}

// Run plays sc on the cluster until its duration has passed in wall-clock
// time, it settles after everything planned has happened, an invariant
// breaks (unless KeepGoing), or ctx ends (an error). The cluster's nodes
// must be up and, for the pod records to mean anything, no other pods
// should be on it.
func Run(ctx context.Context, sc *scenarios.Scenario, cfg Config) (*sim.Result, error) {
	if cfg.Client == nil || cfg.Nodes == nil {
		return nil, errors.New("live: a client and the nodes are required")
	}
	w, err := watchCluster(ctx, cfg.Client, sc)
	if err != nil {
		return nil, err
	}
	defer w.stop()
	start, set, wctx := w.start, w.set, w.ctx
	eng := sim.NewEngine(start, cfg.Options.Seed)
	if err := cfg.Nodes.Start(ctx, eng, set); err != nil {
		return nil, err
	}
	defer cfg.Nodes.Stop()
	creates := newAsyncCreates(cfg.Client, DefaultCreators)
	mode, scr := newMode(wctx, cfg.Mode, cfg.Client, set, cfg.Nodes, creates)
	l := sim.NewLive(sc, cfg.Options, eng, mode)
	d := &driver{live: l, nodes: cfg.Nodes, eng: eng, changes: w.changes, start: start, end: sc.Duration,
		progress: cfg.Options.Progress}
	err = d.loop(ctx)
	creates.Close()
	if err != nil {
		return nil, err
	}
	d.drain()
	scr.read(ctx, true) // the summary's counters, as they stand at the end
	return l.Result(ctx, func() time.Duration { return time.Since(start) })
}

// Serve runs nodes against the cluster until ctx ends: hollow nodes with
// no scenario to play, for a control plane that others drive (kubectl, a
// benchmark, another run). sc gives the pools, lease timing and pod
// lifecycle; its workloads and timeline are not played.
func Serve(ctx context.Context, c *client.Client, sc *scenarios.Scenario, nodes NodeSet) error {
	w, err := watchCluster(ctx, c, sc)
	if err != nil {
		return err
	}
	defer w.stop()
	eng := sim.NewEngine(w.start, sc.Seed)
	if err := nodes.Start(ctx, eng, w.set); err != nil {
		if ctx.Err() != nil {
			return nil // asked to stop while starting
		}
		return err
	}
	defer nodes.Stop()
	d := &driver{nodes: nodes, eng: eng, changes: w.changes, start: w.start, end: math.MaxInt64}
	err = d.loop(ctx)
	if errors.Is(err, context.Canceled) {
		return nil // asked to stop
	}
	return err
}

// watches are a run's caches of the cluster and the changes they report.
type watches struct {
	ctx     context.Context // ends when the watches stop
	start   time.Time       // the run's time zero
	set     *cache.Set
	changes <-chan change
	stop    func()
}

// watchCluster lists the cluster into caches and follows it from now on.
func watchCluster(ctx context.Context, c *client.Client, sc *scenarios.Scenario) (*watches, error) {
	wctx, cancel := context.WithCancel(ctx)
	changes := make(chan change, changeBuffer)
	start := time.Now()
	set, err := follow(wctx, c, sc, start, changes)
	if err != nil {
		cancel()
		return nil, err
	}
	wait := set.Start(wctx, clock.Real())
	return &watches{ctx: wctx, start: start, set: set, changes: changes,
		stop: func() { cancel(); wait() }}, nil
}

// driver keeps the engine at the wall clock and feeds it the changes.
type driver struct {
	live     *sim.Live
	nodes    NodeSet
	eng      *sim.Engine
	changes  <-chan change
	start    time.Time
	end      time.Duration
	progress func(sim.Progress)
	reported time.Duration
}

// loop runs until the run ends: due events at their time, each change as
// it comes, with the engine advanced to the wall clock before either.
func (d *driver) loop(ctx context.Context) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		// The changes that came meanwhile go first, each at its time, so
		// that no event due later (the check for the end) runs before them.
		d.drain()
		now := d.advance()
		if (d.live != nil && d.live.Ended()) || now >= d.end {
			return nil
		}
		d.report(now)
		wake := min(d.end, d.reported+progressEvery)
		if at, ok := d.eng.Next(); ok && at < wake {
			wake = at
		}
		timer.Reset(wake - now)
		select {
		case <-ctx.Done():
			return fmt.Errorf("live: stopped after %v: %w", now.Round(time.Millisecond), ctx.Err())
		case c := <-d.changes:
			d.observe(c)
		case <-timer.C:
		}
	}
}

// advance runs every event due by now and returns now.
func (d *driver) advance() time.Duration {
	now := min(time.Since(d.start), d.end)
	d.eng.RunUntil(now)
	return now
}

// observe passes a change on at the time it arrived, after the events
// due by then.
func (d *driver) observe(c change) {
	d.eng.RunUntil(min(max(c.at, d.eng.Elapsed()), d.end))
	d.nodes.OnChange(c.old, c.cur)
	if d.live != nil {
		ev, prev := c.event()
		d.live.Observe(ev, prev)
	}
}

// drain passes on the changes that arrived while the run was ending.
func (d *driver) drain() {
	for {
		select {
		case c := <-d.changes:
			d.observe(c)
		default:
			return
		}
	}
}

func (d *driver) report(now time.Duration) {
	if d.progress == nil || d.live == nil || now-d.reported < progressEvery {
		return
	}
	d.reported = now
	d.progress(d.live.Progress())
}

package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/scheduler"
	"github.com/kubetwin/kubetwin/core/scheduler/driver"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
	"github.com/kubetwin/kubetwin/core/store/memory"
)

// Config sizes and steers one run; zero sizes take the case's defaults.
type Config struct {
	// Nodes, InitPods and MeasuredPods override the case's sizes; InitPods -1 means none.
	Nodes, InitPods, MeasuredPods int
	// Seed seeds the scheduler's tie-breaking rand.
	Seed uint64
	// SampleInterval is the throughput sampling period; 0 means one second.
	SampleInterval time.Duration
	// Clock is the control plane's clock; nil is the real clock. With a
	// *clock.Manual, backoffs are skipped by moving it, not by sleeping.
	Clock clock.Clock
	// Metrics, when set, receives the scheduler's Prometheus metrics.
	Metrics prometheus.Registerer
	// PluginTimes turns on the scheduler's metrics (on a private registry
	// when Metrics is nil) and reports per-plugin time; it costs a little throughput.
	PluginTimes bool
	// Profiles replace the default profile (a profile named
	// default-scheduler applies to every pod of the case); Plugins adds
	// out-of-tree plugins they may name.
	Profiles []framework.Profile
	Plugins  framework.Registry
}

// Result is what a run measured.
type Result struct {
	Case     string `json:"case"`
	Nodes    int    `json:"nodes"`
	InitPods int    `json:"init_pods"`
	Pods     int    `json:"pods"`
	Bound    int    `json:"bound"`
	Attempts int    `json:"attempts"`
	// NodesUsed counts the nodes the measured pods were bound to, which
	// tells packing policies from spreading ones.
	NodesUsed      int        `json:"nodes_used"`
	Throughput     Throughput `json:"throughput_pods_per_s"`
	PeakHeapBytes  uint64     `json:"peak_heap_bytes"`
	DurationSecond float64    `json:"duration_s"`
	// PluginTimes are set only with Config.PluginTimes; they cover the
	// sampled cycles, PluginSamplePercent of all.
	PluginTimes         []PluginTime `json:"plugin_times,omitempty"`
	PluginSamplePercent int          `json:"plugin_sample_percent,omitempty"`
}

// ErrNotAllBound is returned when a schedulable case left measured pods pending.
var ErrNotAllBound = errors.New("not every measured pod was bound")

// env is one run's cluster: store, registry, scheduler and clock.
type env struct {
	reg   *registry.Registry
	sched *scheduler.Scheduler
	clock clock.Clock
	c     Case
	cfg   Config
	// gatherer reads the metrics back when plugin times are wanted.
	gatherer prometheus.Gatherer
	// churned counts churn steps taken.
	churned int
	// used records the nodes measured pods were bound to.
	used map[string]bool
}

// Run builds the case's cluster, places the init pods, then schedules the
// measured pods while sampling throughput and heap.
func Run(ctx context.Context, c Case, cfg Config) (*Result, error) {
	cfg = withDefaults(c, cfg)
	e, err := newEnv(ctx, c, cfg)
	if err != nil {
		return nil, fmt.Errorf("bench %s: %w", c.Name, err)
	}
	defer e.reg.Store().Close()
	if err := e.populate(ctx); err != nil {
		return nil, fmt.Errorf("bench %s: %w", c.Name, err)
	}
	smp := startSampler(cfg.SampleInterval)
	bound, attempts, err := e.drain(ctx, smp)
	samples, peak, elapsed := smp.stop()
	if err != nil {
		return nil, fmt.Errorf("bench %s: %w", c.Name, err)
	}
	res := &Result{Case: c.Name, Nodes: cfg.Nodes, InitPods: cfg.InitPods, Pods: cfg.MeasuredPods,
		Bound: bound, Attempts: attempts, NodesUsed: len(e.used), Throughput: Summarize(samples), PeakHeapBytes: peak,
		DurationSecond: elapsed.Seconds()}
	if err := e.addPluginTimes(res); err != nil {
		return nil, fmt.Errorf("bench %s: %w", c.Name, err)
	}
	if bound != cfg.MeasuredPods {
		return res, fmt.Errorf("bench %s: %w: %d of %d", c.Name, ErrNotAllBound, bound, cfg.MeasuredPods)
	}
	return res, nil
}

func withDefaults(c Case, cfg Config) Config {
	if cfg.Nodes <= 0 {
		cfg.Nodes = c.Nodes
	}
	if cfg.InitPods < 0 {
		cfg.InitPods = 0
	} else if cfg.InitPods == 0 {
		cfg.InitPods = c.InitPods
	}
	if cfg.MeasuredPods <= 0 {
		cfg.MeasuredPods = c.MeasuredPods
	}
	if cfg.SampleInterval <= 0 {
		cfg.SampleInterval = time.Second
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real()
	}
	return cfg
}

// newEnv builds the store, registry and scheduler.
func newEnv(ctx context.Context, c Case, cfg Config) (*env, error) {
	st := memory.New(memory.Options{Clock: cfg.Clock, Rand: rand.New(rand.NewPCG(cfg.Seed, 1))})
	reg := registry.New(st, cfg.Clock)
	e := &env{reg: reg, clock: cfg.Clock, c: c, cfg: cfg, used: map[string]bool{}}
	metricsReg := cfg.Metrics
	if cfg.PluginTimes {
		private := prometheus.NewRegistry()
		e.gatherer = private
		if metricsReg == nil {
			metricsReg = private
		} else {
			metricsReg = teeRegisterer{metricsReg, private}
		}
	}
	s, err := scheduler.New(scheduler.Options{Clock: cfg.Clock, Rand: rand.New(rand.NewPCG(cfg.Seed, 2)),
		Binder: driver.Binder{Client: reg}, Metrics: metricsReg, Profiles: cfg.Profiles, Registry: cfg.Plugins})
	if err != nil {
		return nil, err // scheduler.New names itself
	}
	e.sched = s
	if err := seed(ctx, reg); err != nil {
		return nil, err
	}
	return e, nil
}

// addPluginTimes fills in the per-plugin times when they were asked for.
func (e *env) addPluginTimes(res *Result) error {
	if e.gatherer == nil {
		return nil
	}
	pts, err := pluginTimes(e.gatherer)
	if err != nil {
		return err
	}
	res.PluginTimes, res.PluginSamplePercent = pts, samplePercent
	return nil
}

// teeRegisterer registers every collector on two registries, so plugin
// times can be read back privately while the caller's registry gets them too.
type teeRegisterer struct{ a, b prometheus.Registerer }

// Register registers c on both.
func (t teeRegisterer) Register(c prometheus.Collector) error {
	if err := t.a.Register(c); err != nil {
		return err
	}
	return t.b.Register(c)
}

// MustRegister registers every collector on both, panicking on failure.
func (t teeRegisterer) MustRegister(cs ...prometheus.Collector) {
	t.a.MustRegister(cs...)
	t.b.MustRegister(cs...)
}

// Unregister removes c from both.
func (t teeRegisterer) Unregister(c prometheus.Collector) bool {
	a := t.a.Unregister(c)
	return t.b.Unregister(c) && a
}

// populate creates the nodes and init pods, schedules the init pods, and
// queues the measured pods.
func (e *env) populate(ctx context.Context) error {
	for i := range e.cfg.Nodes {
		if err := addNode(ctx, e.reg, e.sched, e.c.Node(i)); err != nil {
			return err
		}
	}
	for i := range e.cfg.InitPods {
		if err := addPod(ctx, e.reg, e.sched, e.c.InitPod(i)); err != nil {
			return err
		}
	}
	want := e.cfg.InitPods
	if e.c.InitUnschedulable {
		want = 0
	}
	if bound, _, err := e.drain(ctx, nil); err != nil {
		return fmt.Errorf("init pods: %w", err)
	} else if bound != want {
		return fmt.Errorf("init pods: %d of %d bound, want %d", bound, e.cfg.InitPods, want)
	}
	for i := range e.cfg.MeasuredPods {
		if err := addPod(ctx, e.reg, e.sched, e.c.MeasuredPod(i)); err != nil {
			return err
		}
	}
	return nil
}

// drain schedules until nothing is ready or backing off, returning the
// pods bound and the attempts made; smp, when set, counts measured binds.
func (e *env) drain(ctx context.Context, smp *sampler) (bound, attempts int, err error) {
	for ctx.Err() == nil {
		res, ok := e.sched.ScheduleOne(ctx)
		if !ok {
			if !e.waitForBackoff() {
				return bound, attempts, nil
			}
			continue
		}
		attempts++
		if err := e.handle(ctx, res); err != nil {
			return bound, attempts, err
		}
		if res.Err == nil {
			bound++
			if smp != nil {
				e.used[res.Node] = true
			}
			smp.bound()
			if err := e.churn(ctx, smp, bound); err != nil {
				return bound, attempts, err
			}
		}
	}
	return bound, attempts, ctx.Err()
}

// handle writes a result back: confirms a bind, or deletes the victims of a preemption.
func (e *env) handle(ctx context.Context, res scheduler.Result) error {
	if res.Err == nil {
		return confirmBind(ctx, e.reg, e.sched, res.Pod)
	}
	for _, v := range res.Victims {
		if err := deletePod(ctx, e.reg, e.sched, v); err != nil {
			return fmt.Errorf("preempt for %s: %w", res.Pod.Name, err)
		}
	}
	if res.Diagnosis == nil {
		return fmt.Errorf("schedule %s: %w", res.Pod.Name, res.Err)
	}
	return nil
}

// churn adds a node and deletes an init pod every ChurnEvery measured binds.
func (e *env) churn(ctx context.Context, smp *sampler, bound int) error {
	if smp == nil || e.c.ChurnEvery <= 0 || bound%e.c.ChurnEvery != 0 {
		return nil
	}
	i := e.churned
	e.churned++
	n := e.c.Node(e.cfg.Nodes + i)
	if err := addNode(ctx, e.reg, e.sched, n); err != nil {
		return fmt.Errorf("churn: %w", err)
	}
	if i >= e.cfg.InitPods {
		return nil
	}
	victim := e.c.InitPod(i)
	if err := deletePod(ctx, e.reg, e.sched, victim); err != nil {
		return fmt.Errorf("churn: %w", err)
	}
	return nil
}

// waitForBackoff waits until the earliest backed-off pod is ready, moving
// a manual clock or sleeping on the real one; false when none is waiting.
func (e *env) waitForBackoff() bool {
	next, ok := e.sched.Queue.NextBackoff()
	if !ok {
		return false
	}
	if m, isManual := e.clock.(*clock.Manual); isManual {
		if next.After(m.Now()) {
			m.SetTime(next)
		}
		return true
	}
	if d := next.Sub(e.clock.Now()); d > 0 {
		time.Sleep(d)
	}
	return true
}

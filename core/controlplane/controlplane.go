// Package controlplane assembles what runs beside the API server: the
// shared caches, the scheduler with its write-back, every controller, and
// the event sink. New only constructs (so the simulator can drive the same
// pieces from its event loop); Run drives them on goroutines for the
// server and the emulator.
package controlplane

import (
	"time"

	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/core/events"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/scheduler"
	"github.com/kubetwin/kubetwin/core/scheduler/driver"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// Workers per controller, as kube-controller-manager's --concurrent-*-syncs defaults.
const (
	DefaultWorkers   = 5
	DaemonSetWorkers = 2
)

// Config says what to assemble and on what.
type Config struct {
	Registry *registry.Registry
	Clock    clock.Clock
	// Seed seeds the scheduler's tie-breaking rand.
	Seed uint64
	// NoScheduler and NoControllers leave those parts out (a cluster with
	// an external scheduler, or an API server alone).
	NoScheduler, NoControllers bool
	// Controllers picks controllers by name, as kube-controller-manager's
	// --controllers does: "*" for all, "name" for one, "-name" to leave
	// one out; empty means all.
	Controllers []string
	// Profiles and Plugins configure the scheduler; none means the default profile.
	Profiles []framework.Profile
	Plugins  framework.Registry
	// NodeMonitorGracePeriod is how long a node's lease may go unrenewed
	// before it is Unknown; 0 keeps Kubernetes' 40 s.
	NodeMonitorGracePeriod time.Duration
	// NodeMonitorPeriod is how often the node lifecycle controller checks
	// every node; 0 keeps Kubernetes' 5 s.
	NodeMonitorPeriod time.Duration
	// Metrics receives the scheduler's and controllers' metrics; nil records none.
	Metrics prometheus.Registerer
	// Events tunes the event sink; real-time runs should set a Buffer.
	Events events.Options
	// OnError hears of failed reconciles and write-backs, for logs.
	OnError func(component string, err error)
}

// ControlPlane is the assembled parts.
type ControlPlane struct {
	Caches      *cache.Set
	Sink        *events.Sink
	Scheduler   *scheduler.Scheduler // nil with NoScheduler
	WriteBack   *driver.WriteBack
	Controllers []controllers.Controller
	cfg         Config
}

// New assembles the control plane on cfg's registry and clock.
func New(cfg Config) (*ControlPlane, error) {
	if cfg.Registry == nil || cfg.Clock == nil {
		return nil, errors.New("control plane: Registry and Clock are required")
	}
	cp := &ControlPlane{Caches: cache.NewSet(cfg.Registry), cfg: cfg,
		Sink: events.NewSink(cfg.Registry, cfg.Clock, cfg.Events)}
	if !cfg.NoScheduler {
		if err := cp.newScheduler(); err != nil {
			return nil, err
		}
	}
	if !cfg.NoControllers {
		ctls, err := cp.newControllers()
		if err != nil {
			return nil, err
		}
		cp.Controllers = ctls
	}
	return cp, nil
}

func (cp *ControlPlane) newScheduler() error {
	cfg := cp.cfg
	s, err := scheduler.New(scheduler.Options{Clock: cfg.Clock, Rand: rand.New(rand.NewPCG(cfg.Seed, 0x5c4ed)),
		Binder: driver.Binder{Client: cfg.Registry}, Profiles: cfg.Profiles, Registry: cfg.Plugins,
		Metrics: cfg.Metrics})
	if err != nil {
		return fmt.Errorf("control plane: %w", err)
	}
	cp.Scheduler = s
	cp.WriteBack = &driver.WriteBack{Client: cfg.Registry, Clock: cfg.Clock,
		Events: cp.Sink.Recorder(driver.Component)}
	return nil
}

// Run drives the control plane on goroutines until ctx ends: the caches,
// the controllers' workers, and, once the caches are synced, the
// scheduler. It returns after everything has stopped and the events are flushed.
func (cp *ControlPlane) Run(ctx context.Context) error {
	defer cp.Sink.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var d *driver.Driver
	if cp.Scheduler != nil {
		d = driver.New(cp.Scheduler, cp.Caches, cp.WriteBack)
		d.OnError = func(err error) { cp.report(driver.Component, err) }
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	if err := cp.startControllers(ctx, &wg); err != nil {
		return err
	}
	if d != nil {
		if err := cp.Caches.WaitForSync(ctx); err != nil {
			return nil // ctx ended before the caches synced: a clean stop
		}
		wg.Go(func() { d.Run(ctx) })
	}
	<-ctx.Done()
	return nil
}

// startControllers runs the controllers' Runner, which also runs the
// caches; with no controllers it runs the caches alone.
func (cp *ControlPlane) startControllers(ctx context.Context, wg *sync.WaitGroup) error {
	if len(cp.Controllers) == 0 {
		wait := cp.Caches.Start(ctx, cp.cfg.Clock)
		wg.Go(func() { <-ctx.Done(); wait() })
		return nil
	}
	r, err := controllers.NewRunner(cp.Caches, cp.cfg.Clock, cp.Controllers...)
	if err != nil {
		return fmt.Errorf("control plane: %w", err)
	}
	if cp.cfg.Metrics != nil {
		if err := r.RegisterMetrics(cp.cfg.Metrics); err != nil {
			return fmt.Errorf("control plane: %w", err)
		}
	}
	r.OnError = func(name string, key controllers.Key, err error) {
		cp.report(name, fmt.Errorf("reconcile %s: %w", key, err))
	}
	wg.Go(func() { _ = r.Run(ctx) })
	return nil
}

func (cp *ControlPlane) report(component string, err error) {
	if cp.cfg.OnError != nil {
		cp.cfg.OnError(component, err)
	}
}

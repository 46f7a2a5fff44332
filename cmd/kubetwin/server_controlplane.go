package main

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/kubetwin/kubetwin/core/controlplane"
	"github.com/kubetwin/kubetwin/core/events"
	"github.com/kubetwin/kubetwin/core/registry"
)

// eventBuffer is how many events may wait for the store before new ones
// are dropped, so reconciles never wait on event writes.
const eventBuffer = 1000

// startControlPlane runs the scheduler and the controllers on reg until
// Shutdown, unless both are turned off.
func (s *runningServer) startControlPlane(reg *registry.Registry, o serverOptions, logTo io.Writer) error {
	if o.noScheduler && o.noControllers {
		return nil
	}
	var logMu sync.Mutex
	cp, err := controlplane.New(controlplane.Config{Registry: reg, Clock: reg.Clock(), Seed: 1,
		NoScheduler: o.noScheduler, NoControllers: o.noControllers, Metrics: s.metrics,
		NodeMonitorGracePeriod: o.nodeGrace,
		Profiles:               o.sched.profiles, Plugins: o.sched.plugins,
		Events: events.Options{Buffer: eventBuffer},
		OnError: func(component string, err error) {
			if registry.IsConflict(err) {
				return // a stale read, retried at once, as on Kubernetes
			}
			logMu.Lock()
			defer logMu.Unlock()
			fmt.Fprintf(logTo, "kubetwin server: %s: %v\n", component, err)
		}})
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = cp.Run(ctx)
	}()
	s.stopControlPlane = func() { cancel(); <-done }
	return nil
}

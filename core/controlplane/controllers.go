package controlplane

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/daemonset"
	"github.com/kubetwin/kubetwin/core/controllers/deployment"
	"github.com/kubetwin/kubetwin/core/controllers/endpoints"
	"github.com/kubetwin/kubetwin/core/controllers/gc"
	"github.com/kubetwin/kubetwin/core/controllers/job"
	"github.com/kubetwin/kubetwin/core/controllers/namespace"
	"github.com/kubetwin/kubetwin/core/controllers/nodelifecycle"
	"github.com/kubetwin/kubetwin/core/controllers/podgc"
	"github.com/kubetwin/kubetwin/core/controllers/replicaset"
)

// builder makes one controller, so one left out is never constructed (and
// adds no cache to watch).
type builder struct {
	name  string
	build func() controllers.Controller
}

// ControllerNames lists every controller the control plane can run, in
// the order it runs them.
func ControllerNames() []string {
	var names []string
	for _, b := range (&ControlPlane{}).builders() {
		names = append(names, b.name)
	}
	return names
}

// newControllers builds the chosen controllers, in a fixed order so
// drivers that iterate them stay deterministic.
func (cp *ControlPlane) newControllers() ([]controllers.Controller, error) {
	all := cp.builders()
	if err := checkNames(cp.cfg.Controllers, all); err != nil {
		return nil, err
	}
	var out []controllers.Controller
	for _, b := range all {
		if chosen(cp.cfg.Controllers, b.name) {
			out = append(out, b.build())
		}
	}
	return out, nil
}

// builders lists every controller, each reporting events as Kubernetes'
// controller of that name does.
func (cp *ControlPlane) builders() []builder {
	reg, set, clk, sink := cp.cfg.Registry, cp.Caches, cp.cfg.Clock, cp.Sink
	return []builder{
		{replicaset.Name, func() controllers.Controller {
			c := replicaset.New(reg, set, clk)
			c.Events = sink.Recorder(replicaset.Component)
			return c.Descriptor(DefaultWorkers)
		}},
		{deployment.Name, func() controllers.Controller {
			c := deployment.New(reg, set, clk)
			c.Events = sink.Recorder(deployment.Component)
			return c.Descriptor(DefaultWorkers)
		}},
		{daemonset.Name, func() controllers.Controller {
			c := daemonset.New(reg, set, clk)
			c.Events = sink.Recorder(daemonset.Component)
			return c.Descriptor(DaemonSetWorkers)
		}},
		{job.Name, func() controllers.Controller {
			c := job.New(reg, set, clk)
			c.Events = sink.Recorder(job.Component)
			return c.Descriptor(DefaultWorkers)
		}},
		{endpoints.Name, func() controllers.Controller { return endpoints.New(reg, set).Descriptor(DefaultWorkers) }},
		{nodelifecycle.Name, func() controllers.Controller {
			c := nodelifecycle.New(reg, set, clk)
			c.Events = sink.Recorder(nodelifecycle.Component)
			if g := cp.cfg.NodeMonitorGracePeriod; g > 0 {
				c.GracePeriod = g
			}
			if p := cp.cfg.NodeMonitorPeriod; p > 0 {
				c.MonitorPeriod = p
			}
			return c.Descriptor()
		}},
		{namespace.Name, func() controllers.Controller { return namespace.New(reg, set, clk).Descriptor() }},
		{gc.Name, func() controllers.Controller { return gc.New(reg, set).Descriptor() }},
		{podgc.Name, func() controllers.Controller { return podgc.New(reg, set).Descriptor() }},
	}
}

// chosen applies a --controllers style list to one name: a "-name" entry
// wins, then "name" or "*"; an empty list chooses all.
func chosen(list []string, name string) bool {
	if len(list) == 0 {
		return true
	}
	if slices.Contains(list, "-"+name) {
		return false
	}
	return slices.Contains(list, name) || slices.Contains(list, "*")
}

// checkNames rejects entries naming no controller, so a typo does not
// silently run (or drop) the wrong set.
func checkNames(list []string, all []builder) error {
	for _, entry := range list {
		name := strings.TrimPrefix(entry, "-")
		if entry == "*" || slices.ContainsFunc(all, func(b builder) bool { return b.name == name }) {
			continue
		}
		return fmt.Errorf("control plane: no controller %q (have %s)", name, strings.Join(ControllerNames(), ", "))
	}
	return nil
}

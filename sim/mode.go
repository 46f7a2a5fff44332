package sim

import (
	"context"
	"strconv"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/scenarios"
)

// API is the object API a run writes its scenario through. The
// simulator's in-process *registry.Registry has it, and so has the REST
// client of real/client, so the same player drives a live cluster.
type API interface {
	Get(ctx context.Context, kind *api.Kind, namespace, name string) (api.Object, error)
	Create(ctx context.Context, kind *api.Kind, namespace string, obj api.Object, opts registry.CreateOptions) (api.Object, error)
	Update(ctx context.Context, kind *api.Kind, obj api.Object, opts registry.UpdateOptions) (api.Object, error)
	Delete(ctx context.Context, kind *api.Kind, namespace, name string, opts registry.DeleteOptions) (api.Object, bool, error)
}

// Nodes is what a run's faults act on: the simulated fleet, or a live
// cluster's node agents. Each call affects one node, named as the
// scenario's pools name them (POOL-0, POOL-1, …).
type Nodes interface {
	// Crash stops the node and every pod on it, as a power loss does.
	Crash(name string) error
	// Partition cuts the node off from the control plane; its pods run on.
	Partition(name string) error
	// SlowDown stretches the node's pod lifecycle by factor (1 restores it).
	SlowDown(name string, factor float64) error
	// Recover brings a crashed or partitioned node back.
	Recover(name string) error
}

// Counters are figures only the mode that runs the control plane knows,
// for the summary, the time series and progress reports.
type Counters struct {
	// Attempts, Scheduled and Failed count scheduling cycles by outcome.
	Attempts, Scheduled, Failed int
	// SchedulerErrors are failed write-backs of the scheduler.
	SchedulerErrors int
	// NodeWrites are failed writes of the nodes' agents.
	NodeWrites int
	// MetricErrors are failed gathers of the metrics.
	MetricErrors int
	// ApplyErrors are scenario objects the API refused that the mode's API
	// learnt of after answering the player (writes it sends later), with
	// the first; the player counts the rest itself.
	ApplyErrors     int
	FirstApplyError error
	// Reconciles and ReconcileErrors are per controller; Writes are store
	// commits per kind. Nil when the mode cannot see them.
	Reconciles, ReconcileErrors, Writes map[string]int
}

// MetricSample is one series of the control plane's Prometheus metrics at
// one instant, named as the exposition format writes it:
// name{label="value",...}; histograms give their _sum and _count.
type MetricSample struct {
	Name  string
	Value float64
}

// Mode is what differs between simulating a cluster and driving a live
// one; the rest of a run (the scenario's player, the pod records, the
// invariant checks, convergence timing, the time series and the summary)
// is the same code in every mode.
type Mode struct {
	// Name is the summary's mode: sim, real or emulate.
	Name string
	// API is where the scenario's objects are written.
	API API
	// Current reads an object's state for convergence checks, wrapping
	// store.ErrNotFound when it does not exist.
	Current func(ctx context.Context, kind *api.Kind, namespace, name string) (api.Object, error)
	// Caches hold at least Nodes, Deployments and ReplicaSets.
	Caches *cache.Set
	// ControllersCaches says Caches are the controllers' own, so what a
	// controller decided can be checked against what it saw (the rolling
	// update availability floor). A live run's caches are its own watches,
	// ahead of or behind the server's controllers at any moment, so the
	// check would blame the controllers for the run's view.
	ControllersCaches bool
	// Nodes take the faults.
	Nodes Nodes
	// Counters reads the mode's counters now.
	Counters func() Counters
	// Metrics reads the control plane's metrics now, in a fixed order.
	Metrics func() []MetricSample
	// Running counts pods that will end on their own and have not yet,
	// so a run does not settle while they run; nil counts none.
	Running func() int
}

// NodeRef is one of the scenario's nodes: its name, pool and zone.
type NodeRef struct {
	Name, Pool, Zone string
}

// PoolNodes lists the nodes of a scenario's pools in pool order: Count
// nodes named POOL-0 … spread round-robin over the pool's zones. Every mode
// names its nodes so, which lets faults and reports name the same nodes.
func PoolNodes(pools []scenarios.Pool) []NodeRef {
	var out []NodeRef
	for _, p := range pools {
		for i := range p.Count {
			n := NodeRef{Name: p.Name + "-" + strconv.Itoa(i), Pool: p.Name}
			if len(p.Zones) > 0 {
				n.Zone = p.Zones[i%len(p.Zones)]
			}
			out = append(out, n)
		}
	}
	return out
}

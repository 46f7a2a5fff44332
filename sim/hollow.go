package sim

import (
	"context"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/scenarios"
)

// Hollow is the simulator's nodes for a control plane that runs
// elsewhere (emulate mode, and tests of live runs): the scenario's pools
// of nodes register, renew their leases and take the pods bound to them
// through the simulator's lifecycle model, on eng, writing through api.
// The caller runs eng on the wall clock and calls OnChange with every pod
// and node change its caches report, from the goroutine that runs eng.
type Hollow struct {
	f *fleet
}

var _ Nodes = (*Hollow)(nil)

// NewHollow makes the scenario's nodes; caches must hold pods.
func NewHollow(eng *Engine, api API, caches *cache.Set, sc *scenarios.Scenario) *Hollow {
	return &Hollow{f: newFleet(eng, api, caches, sc)}
}

// Register creates every Node and Lease and starts the heartbeats.
func (h *Hollow) Register(ctx context.Context) error { return h.f.register(ctx) }

// OnChange takes one change of a pod or a node (old nil for an addition,
// cur nil for a deletion); other kinds are ignored.
func (h *Hollow) OnChange(old, cur api.Object) {
	switch firstNonNil(old, cur).(type) {
	case *api.Pod:
		h.f.onPod(old, cur)
	case *api.Node:
		h.f.onNode(old, cur)
	}
}

func firstNonNil(a, b api.Object) api.Object {
	if a != nil {
		return a
	}
	return b
}

// Running counts pods with a run time that have not ended.
func (h *Hollow) Running() int { return h.f.finite }

// WriteErrors counts the nodes' failed writes.
func (h *Hollow) WriteErrors() int { return h.f.writeErrors }

// Crash implements Nodes.
func (h *Hollow) Crash(name string) error { return h.f.Crash(name) }

// Partition implements Nodes.
func (h *Hollow) Partition(name string) error { return h.f.Partition(name) }

// SlowDown implements Nodes.
func (h *Hollow) SlowDown(name string, factor float64) error { return h.f.SlowDown(name, factor) }

// Recover implements Nodes.
func (h *Hollow) Recover(name string) error { return h.f.Recover(name) }

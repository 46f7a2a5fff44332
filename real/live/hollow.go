package live

import (
	"context"
	"fmt"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/scenarios"
	"github.com/kubetwin/kubetwin/sim"
)

// HollowNodes are the scenario's pools as the simulator's nodes, on the
// run's wall clock, writing through api: the nodes of emulate mode.
type HollowNodes struct {
	sc  *scenarios.Scenario
	api sim.API
	*sim.Hollow
}

// NewHollowNodes makes the scenario's nodes, writing through api.
func NewHollowNodes(sc *scenarios.Scenario, api sim.API) *HollowNodes {
	return &HollowNodes{sc: sc, api: api}
}

// Start implements NodeSet: the nodes register and start heartbeating.
func (h *HollowNodes) Start(ctx context.Context, eng *sim.Engine, caches *cache.Set) error {
	h.Hollow = sim.NewHollow(eng, h.api, caches, h.sc)
	if err := h.Register(ctx); err != nil {
		return fmt.Errorf("live: hollow nodes: %w", err)
	}
	return nil
}

// OnChange implements NodeSet: pod changes reach the nodes' kubelets.
func (h *HollowNodes) OnChange(old, cur api.Object) { h.OnPod(old, cur) }

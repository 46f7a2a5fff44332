package live

import (
	"context"
	"fmt"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/real/client"
	"github.com/kubetwin/kubetwin/scenarios"
	"github.com/kubetwin/kubetwin/sim"
)

// HollowNodes are the scenario's pools as the simulator's nodes, on the
// run's wall clock: the nodes of emulate mode. They read through the run's
// shared watches and write through a pool of workers (see asyncWriter).
type HollowNodes struct {
	sc      *scenarios.Scenario
	c       *client.Client
	writers int
	w       *laneWriter
	*sim.Hollow
}

// NewHollowNodes makes the scenario's nodes, writing to c with up to
// writers requests in flight (0: DefaultWriters).
func NewHollowNodes(sc *scenarios.Scenario, c *client.Client, writers int) *HollowNodes {
	if writers <= 0 {
		writers = DefaultWriters
	}
	return &HollowNodes{sc: sc, c: c, writers: writers}
}

// Start implements NodeSet: the nodes register and start heartbeating.
func (h *HollowNodes) Start(ctx context.Context, eng *sim.Engine, caches *cache.Set) error {
	h.w = newLaneWriter(h.c, caches, h.writers)
	h.Hollow = sim.NewHollow(eng, h.w, caches, h.sc)
	if err := h.Register(ctx); err != nil {
		return fmt.Errorf("live: hollow nodes: %w", err)
	}
	return nil
}

// Stop implements NodeSet: the writes still waiting go out.
func (h *HollowNodes) Stop() {
	if h.w != nil {
		h.w.Close()
	}
}

// WriteErrors counts the writes the server refused, and gives the first.
func (h *HollowNodes) WriteErrors() (int, error) {
	n, err := h.w.Err()
	return int(n) + h.Hollow.WriteErrors(), err
}

// OnChange implements NodeSet: pod and node changes reach the nodes' kubelets.
func (h *HollowNodes) OnChange(old, cur api.Object) { h.Hollow.OnChange(old, cur) }

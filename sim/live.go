package sim

import (
	"context"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/store"
	"github.com/kubetwin/kubetwin/scenarios"
)

// Live is a run on a cluster that something else runs: a real API server
// with real or hollow nodes, in wall-clock time. It is the simulator's own
// player, pod records, invariant checks, convergence timing, time series
// and summary; the caller owns the engine, advances it to the wall clock's
// reading (RunUntil with the time elapsed since the start), and passes
// every change its watches report to Observe, in between. So a scenario
// is played and measured by the same code in every mode.
type Live struct {
	r *run
}

// NewLive plans the scenario on eng (its arrivals, actions and faults),
// writing through m. The cluster's nodes must already be up.
func NewLive(sc *scenarios.Scenario, opts Options, eng *Engine, m *Mode) *Live {
	r := newHarness(eng, sc, opts, m)
	r.begin()
	return &Live{r: r}
}

// Observe takes one change of the cluster's objects, with the object as
// the observer last saw it (nil for an addition).
func (l *Live) Observe(ev store.Event, prev api.Object) { l.r.observe(ev, prev) }

// Ended reports whether the run has settled or an invariant broke (unless
// KeepGoing); the caller stops advancing the engine then.
func (l *Live) Ended() bool { return l.r.eng.Stopped() }

// Progress is the run's state now, for a progress line.
func (l *Live) Progress() Progress { return l.r.progress() }

// Result gathers the run's records and figures; wall reads the run's wall
// time (nil leaves it out).
func (l *Live) Result(ctx context.Context, wall func() time.Duration) (*Result, error) {
	return l.r.result(ctx, wall)
}

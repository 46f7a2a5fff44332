package metrics

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// point indexes the extension points a timedPlugin times.
type point int

// The timed extension points, in execution order.
const (
	pointPreFilter point = iota
	pointFilter
	pointPostFilter
	pointPreScore
	pointScore
	pointReserve
	pointPermit
	pointPreBind
	pointBind
	numPoints
)

// pointNames are the extension_point label values, as kube-scheduler spells them.
var pointNames = [numPoints]string{"PreFilter", "Filter", "PostFilter", "PreScore", "Score", "Reserve", "Permit", "PreBind", "Bind"}

// numCodes bounds the framework's status codes, for the observer cache.
const numCodes = 8

// sampleKey marks, in a cycle's state, whether its plugin calls are timed.
const sampleKey framework.StateKey = "kubetwin.io/metrics-sampled"

// sampled is the value under sampleKey.
type sampled bool

// Clone returns the value itself, as it is immutable.
func (s sampled) Clone() framework.StateData { return s }

// MarkCycle records whether the scheduling cycle starting now, and the
// binding cycle that follows it, are timed. Scheduling cycles run one at a
// time, so their plugins read a flag (cheap on the per-node hot path);
// binding cycles may overlap the next scheduling cycle, so theirs read state.
func (m *Metrics) MarkCycle(state *framework.CycleState, timed bool) {
	m.cycleTimed.Store(timed)
	state.Write(sampleKey, sampled(timed))
}

// isTimed reports whether state's cycle is sampled.
func isTimed(state *framework.CycleState) bool {
	if state == nil {
		return false
	}
	v, err := state.Read(sampleKey)
	return err == nil && bool(v.(sampled))
}

// Sample draws whether a cycle is timed, from the scheduler's seeded rand.
func Sample(intn func(int) int) bool { return intn(100) < PluginSamplePercent }

// WrapRegistry returns a registry whose plugins are wrapped so that calls
// in sampled cycles are timed on c; the wrapper claims every extension
// point, so callers must validate profiles against the unwrapped registry.
func WrapRegistry(r framework.Registry, m *Metrics, c clock.Clock) framework.Registry {
	out := framework.Registry{}
	for _, name := range slices.Sorted(maps.Keys(r)) {
		factory := r[name]
		out[name] = func(args json.RawMessage, h framework.Handle) (framework.Plugin, error) {
			pl, err := factory(args, h)
			if err != nil {
				return nil, err
			}
			return newTimedPlugin(pl, m, c), nil
		}
	}
	return out
}

// timedPlugin forwards every call to inner, timing those of sampled
// cycles; inner's interfaces are asserted once, off the hot path (those it
// lacks stay nil and are never called, as profiles are validated unwrapped).
type timedPlugin struct {
	inner framework.Plugin
	m     *Metrics
	clock clock.Clock
	// observers caches one histogram child per point and status code, as
	// resolving label values on every call costs more than the call itself.
	observers  [numPoints][numCodes]atomic.Pointer[prometheus.Observer]
	preFilter  framework.PreFilterPlugin
	filter     framework.FilterPlugin
	postFilter framework.PostFilterPlugin
	preScore   framework.PreScorePlugin
	score      framework.ScorePlugin
}

// newTimedPlugin wraps pl.
func newTimedPlugin(pl framework.Plugin, m *Metrics, c clock.Clock) *timedPlugin {
	t := &timedPlugin{inner: pl, m: m, clock: c}
	t.preFilter, _ = pl.(framework.PreFilterPlugin)
	t.filter, _ = pl.(framework.FilterPlugin)
	t.postFilter, _ = pl.(framework.PostFilterPlugin)
	t.preScore, _ = pl.(framework.PreScorePlugin)
	t.score, _ = pl.(framework.ScorePlugin)
	return t
}

// Name is the inner plugin's name.
func (t *timedPlugin) Name() string { return t.inner.Name() }

// Unwrap returns the wrapped plugin, for code that needs its concrete type.
func (t *timedPlugin) Unwrap() framework.Plugin { return t.inner }

// observe records one timed call that started at start.
func (t *timedPlugin) observe(p point, start time.Time, st *framework.Status) {
	d := t.clock.Since(start)
	code := st.Code()
	if code < 0 || int(code) >= numCodes {
		t.m.ObservePlugin(t.inner.Name(), pointNames[p], code.String(), d)
		return
	}
	slot := &t.observers[p][code]
	obs := slot.Load()
	if obs == nil {
		o := t.m.pluginDuration.WithLabelValues(t.inner.Name(), pointNames[p], code.String())
		obs = &o
		slot.Store(obs)
	}
	(*obs).Observe(d.Seconds())
}

// begin returns the start time and whether to time a call made in the scheduling cycle.
func (t *timedPlugin) begin() (time.Time, bool) {
	if !t.m.cycleTimed.Load() {
		return time.Time{}, false
	}
	return t.clock.Now(), true
}

// beginBinding returns the start time and whether to time a binding-cycle call.
func (t *timedPlugin) beginBinding(state *framework.CycleState) (time.Time, bool) {
	if !isTimed(state) {
		return time.Time{}, false
	}
	return t.clock.Now(), true
}

// Less forwards QueueSort, untimed as it runs outside any cycle.
func (t *timedPlugin) Less(a, b *framework.QueuedPodInfo) bool {
	return t.inner.(framework.QueueSortPlugin).Less(a, b)
}

// PreFilter forwards and times PreFilter.
func (t *timedPlugin) PreFilter(ctx context.Context, state *framework.CycleState, pod *api.Pod) *framework.Status {
	start, on := t.begin()
	st := t.preFilter.PreFilter(ctx, state, pod)
	if on {
		t.observe(pointPreFilter, start, st)
	}
	return st
}

// Filter forwards and times Filter.
func (t *timedPlugin) Filter(ctx context.Context, state *framework.CycleState, pod *api.Pod, n *framework.NodeInfo) *framework.Status {
	start, on := t.begin()
	st := t.filter.Filter(ctx, state, pod, n)
	if on {
		t.observe(pointFilter, start, st)
	}
	return st
}

// PostFilter forwards and times PostFilter.
func (t *timedPlugin) PostFilter(ctx context.Context, state *framework.CycleState, pod *api.Pod,
	filtered framework.NodeToStatus) (*framework.PostFilterResult, *framework.Status) {
	start, on := t.begin()
	res, st := t.postFilter.PostFilter(ctx, state, pod, filtered)
	if on {
		t.observe(pointPostFilter, start, st)
	}
	return res, st
}

// PreScore forwards and times PreScore.
func (t *timedPlugin) PreScore(ctx context.Context, state *framework.CycleState, pod *api.Pod, nodes []*framework.NodeInfo) *framework.Status {
	start, on := t.begin()
	st := t.preScore.PreScore(ctx, state, pod, nodes)
	if on {
		t.observe(pointPreScore, start, st)
	}
	return st
}

// Score forwards and times Score.
func (t *timedPlugin) Score(ctx context.Context, state *framework.CycleState, pod *api.Pod, n *framework.NodeInfo) (int64, *framework.Status) {
	start, on := t.begin()
	s, st := t.score.Score(ctx, state, pod, n)
	if on {
		t.observe(pointScore, start, st)
	}
	return s, st
}

// ScoreExtensions forwards the inner normaliser, untimed.
func (t *timedPlugin) ScoreExtensions() framework.ScoreExtensions {
	return t.score.ScoreExtensions()
}

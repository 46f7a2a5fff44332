package framework

import (
	"context"
	"fmt"
	"slices"

	"github.com/kubetwin/kubetwin/core/api"
)

// RunPreFilterPlugins runs every PreFilter; a rejection or error stops the
// cycle, Skip disables that plugin's Filter for this pod.
func (f *Framework) RunPreFilterPlugins(ctx context.Context, state *CycleState, pod *api.Pod) *Status {
	for _, pl := range f.preFilter {
		st := pl.PreFilter(ctx, state, pod)
		switch {
		case st.IsSkip():
			state.skipFilter = append(state.skipFilter, pl.Name())
		case !st.IsSuccess():
			return st.WithPlugin(pl.Name())
		}
	}
	state.filters, state.extensions = f.activeFilters(state.skipFilter), f.activeExtensions(state.skipFilter)
	state.filtersReady = true
	return nil
}

// extensionPlugin is a PreFilter plugin with extensions, with its name.
type extensionPlugin struct {
	PreFilterExtensions
	name string
}

// activeExtensions is the PreFilter plugins with extensions not skipped.
func (f *Framework) activeExtensions(skip nameSet) []extensionPlugin {
	var out []extensionPlugin
	for _, pl := range f.preFilter {
		if ext, ok := pl.(PreFilterExtensions); ok && !skip.has(pl.Name()) {
			out = append(out, extensionPlugin{ext, pl.Name()})
		}
	}
	return out
}

// extensionsOf is the cycle's active PreFilter extensions.
func (f *Framework) extensionsOf(state *CycleState) []extensionPlugin {
	if state.filtersReady {
		return state.extensions
	}
	return f.activeExtensions(state.skipFilter)
}

// activeFilters is the Filter plugins not skipped.
func (f *Framework) activeFilters(skip nameSet) []FilterPlugin {
	if len(skip) == 0 {
		return f.filter
	}
	var out []FilterPlugin
	for _, pl := range f.filter {
		if !skip.has(pl.Name()) {
			out = append(out, pl)
		}
	}
	return out
}

// RunFilterPlugins runs the Filters on one node and returns the first
// non-success, tagged with its plugin.
func (f *Framework) RunFilterPlugins(ctx context.Context, state *CycleState, pod *api.Pod, node *NodeInfo) *Status {
	filters := state.filters
	if !state.filtersReady {
		filters = f.activeFilters(state.skipFilter)
	}
	for _, pl := range filters {
		if st := pl.Filter(ctx, state, pod, node); !st.IsSuccess() {
			return st.WithPlugin(pl.Name())
		}
	}
	return nil
}

// HasPostFilterPlugins reports whether the profile has any PostFilter.
func (f *Framework) HasPostFilterPlugins() bool { return len(f.postFilter) > 0 }

// RunPostFilterPlugins runs PostFilters until one succeeds (e.g. preemption nominated a node).
func (f *Framework) RunPostFilterPlugins(ctx context.Context, state *CycleState, pod *api.Pod, filtered NodeToStatus) (*PostFilterResult, *Status) {
	last := NewStatus(Unschedulable, "no postFilter plugin helped")
	for _, pl := range f.postFilter {
		res, st := pl.PostFilter(ctx, state, pod, filtered)
		if st.IsSuccess() {
			return res, nil
		}
		if st.Code() == Error {
			return nil, st.WithPlugin(pl.Name())
		}
		last = st.WithPlugin(pl.Name())
	}
	return nil, last
}

// RunPreScorePlugins runs the PreScores; Skip disables that plugin's Score.
func (f *Framework) RunPreScorePlugins(ctx context.Context, state *CycleState, pod *api.Pod, nodes []*NodeInfo) *Status {
	for _, pl := range f.preScore {
		st := pl.PreScore(ctx, state, pod, nodes)
		switch {
		case st.IsSkip():
			state.skipScore = append(state.skipScore, pl.Name())
		case !st.IsSuccess():
			return st.WithPlugin(pl.Name())
		}
	}
	state.scores, state.scoresReady = f.activeScores(state.skipScore), true
	return nil
}

// activeScores is the Score plugins not skipped.
func (f *Framework) activeScores(skip nameSet) []weightedScore {
	if len(skip) == 0 {
		return f.score
	}
	var out []weightedScore
	for _, pl := range f.score {
		if !skip.has(pl.Name()) {
			out = append(out, pl)
		}
	}
	return out
}

// RunScorePlugins scores every node with every plugin, normalises, checks
// the range, applies weights and appends the totals, in nodes' order, to
// dst[:0] (so a caller running cycle after cycle can reuse one buffer).
func (f *Framework) RunScorePlugins(ctx context.Context, state *CycleState, pod *api.Pod, nodes []*NodeInfo, dst []NodeScore) ([]NodeScore, *Status) {
	plugins := state.scores
	if !state.scoresReady {
		plugins = f.activeScores(state.skipScore)
	}
	totals := slices.Grow(dst[:0], len(nodes))[:len(nodes)]
	for i, n := range nodes {
		totals[i] = NodeScore{Name: n.Name()}
	}
	if len(plugins) == 0 {
		return totals, nil
	}
	buf := f.scoreScratch.Get().(*[]NodeScore)
	defer f.scoreScratch.Put(buf)
	*buf = slices.Grow((*buf)[:0], len(plugins)*len(nodes))[:len(plugins)*len(nodes)]
	perPlugin := func(p int) []NodeScore { return (*buf)[p*len(nodes) : (p+1)*len(nodes)] }
	// Node by node, every plugin: each node's info is brought into the
	// cache once rather than once per plugin.
	for i, n := range nodes {
		for p, pl := range plugins {
			s, st := pl.Score(ctx, state, pod, n)
			if !st.IsSuccess() {
				return nil, st.WithPlugin(pl.Name())
			}
			perPlugin(p)[i] = NodeScore{Name: totals[i].Name, Score: s}
		}
	}
	for p, pl := range plugins {
		scores := perPlugin(p)
		if st := f.normalize(ctx, state, pod, pl.ScorePlugin, scores); !st.IsSuccess() {
			return nil, st.WithPlugin(pl.Name())
		}
		for i := range scores {
			totals[i].Score += scores[i].Score * pl.weight
		}
	}
	return totals, nil
}

// normalize runs a plugin's NormalizeScore, if any, and checks the range.
func (f *Framework) normalize(ctx context.Context, state *CycleState, pod *api.Pod, pl ScorePlugin, scores []NodeScore) *Status {
	if ext := pl.ScoreExtensions(); ext != nil {
		if st := ext.NormalizeScore(ctx, state, pod, scores); !st.IsSuccess() {
			return st
		}
	}
	for _, s := range scores {
		if s.Score < MinNodeScore || s.Score > MaxNodeScore {
			return AsStatus(fmt.Errorf("plugin %s gave node %s score %d outside [%d, %d]",
				pl.Name(), s.Name, s.Score, MinNodeScore, MaxNodeScore))
		}
	}
	return nil
}

// RunReservePluginsReserve reserves in order; on failure the caller must unreserve.
func (f *Framework) RunReservePluginsReserve(ctx context.Context, state *CycleState, pod *api.Pod, nodeName string) *Status {
	for _, pl := range f.reserve {
		if st := pl.Reserve(ctx, state, pod, nodeName); !st.IsSuccess() {
			return st.WithPlugin(pl.Name())
		}
	}
	return nil
}

// RunReservePluginsUnreserve releases in reverse order, as Kubernetes does.
func (f *Framework) RunReservePluginsUnreserve(ctx context.Context, state *CycleState, pod *api.Pod, nodeName string) {
	for i := len(f.reserve) - 1; i >= 0; i-- {
		f.reserve[i].Unreserve(ctx, state, pod, nodeName)
	}
}

// RunPermitPlugins asks every Permit plugin; the first refusal wins.
func (f *Framework) RunPermitPlugins(ctx context.Context, state *CycleState, pod *api.Pod, nodeName string) *Status {
	for _, pl := range f.permit {
		if st := pl.Permit(ctx, state, pod, nodeName); !st.IsSuccess() && !st.IsSkip() {
			return st.WithPlugin(pl.Name())
		}
	}
	return nil
}

// RunPreBindPlugins runs the PreBinds; the first failure wins.
func (f *Framework) RunPreBindPlugins(ctx context.Context, state *CycleState, pod *api.Pod, nodeName string) *Status {
	for _, pl := range f.preBind {
		if st := pl.PreBind(ctx, state, pod, nodeName); !st.IsSuccess() && !st.IsSkip() {
			return st.WithPlugin(pl.Name())
		}
	}
	return nil
}

// RunBindPlugins offers the pod to each binder until one does not Skip.
func (f *Framework) RunBindPlugins(ctx context.Context, state *CycleState, pod *api.Pod, nodeName string) *Status {
	for _, pl := range f.bind {
		st := pl.Bind(ctx, state, pod, nodeName)
		if st.IsSkip() {
			continue
		}
		return st.WithPlugin(pl.Name())
	}
	return NewStatus(Error, "no bind plugin bound the pod").WithPlugin("")
}

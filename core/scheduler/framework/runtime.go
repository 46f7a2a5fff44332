package framework

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/kubetwin/kubetwin/core/api"
)

// Framework runs a profile's plugins at each extension point in order; the
// scheduler drives it and it holds no cluster state of its own.
type Framework struct {
	profile    Profile
	handle     *handle
	nominator  *Nominator
	rng        *rand.Rand
	queueSort  QueueSortPlugin
	preFilter  []PreFilterPlugin
	filter     []FilterPlugin
	postFilter []PostFilterPlugin
	preScore   []PreScorePlugin
	score      []weightedScore
	reserve    []ReservePlugin
	permit     []PermitPlugin
	preBind    []PreBindPlugin
	bind       []BindPlugin
	// scoreScratch holds *[]NodeScore buffers for one plugin's scores, so
	// scoring hundreds of nodes per cycle does not allocate per cycle.
	scoreScratch sync.Pool
}

type weightedScore struct {
	ScorePlugin
	weight int64
}

// handle is the Handle given to plugins; it is also a PreemptionHandle.
type handle struct {
	lister NodeInfoLister
	binder Binder
	fwk    *Framework
}

// SnapshotSharedLister gives plugins the scheduler's per-cycle snapshot.
func (h *handle) SnapshotSharedLister() NodeInfoLister { return h.lister }

// Binder gives bind plugins the driver's binder.
func (h *handle) Binder() Binder { return h.binder }

// RunFilterPlugins lets PostFilter plugins re-check a node in a what-if
// evaluation, with the node's nominated pods counted as Filter counts them.
func (h *handle) RunFilterPlugins(ctx context.Context, state *CycleState, pod *api.Pod, node *NodeInfo) *Status {
	return h.fwk.RunFilterPluginsWithNominatedPods(ctx, state, pod, node)
}

// Rand is the scheduler's seeded rand (nil when none was set), for reproducible tie-breaks.
func (h *handle) Rand() *rand.Rand { return h.fwk.rng }

// ForkState clones state only when an active PreFilter plugin could change it.
func (h *handle) ForkState(state *CycleState) *CycleState {
	if h.fwk.hasActiveExtensions(state) {
		return state.Clone()
	}
	return state
}

// RunPreFilterExtensionRemovePod lets PostFilter plugins remove a pod from a what-if state.
func (h *handle) RunPreFilterExtensionRemovePod(ctx context.Context, state *CycleState, pod *api.Pod, pi *PodInfo, node *NodeInfo) *Status {
	return h.fwk.RunPreFilterExtensionRemovePod(ctx, state, pod, pi, node)
}

// RunPreFilterExtensionAddPod lets PostFilter plugins add a pod back to a what-if state.
func (h *handle) RunPreFilterExtensionAddPod(ctx context.Context, state *CycleState, pod *api.Pod, pi *PodInfo, node *NodeInfo) *Status {
	return h.fwk.RunPreFilterExtensionAddPod(ctx, state, pod, pi, node)
}

// NewFramework builds every plugin a resolved profile names (one instance
// per name, shared across extension points) and checks each implements the
// points it is listed at.
func NewFramework(p Profile, r Registry, lister NodeInfoLister, binder Binder) (*Framework, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	f := &Framework{profile: p, handle: &handle{lister: lister, binder: binder}}
	f.scoreScratch.New = func() any { return new([]NodeScore) }
	f.handle.fwk = f
	instances := map[string]Plugin{}
	for _, pt := range p.Plugins.points() {
		for _, ref := range pt.set.Enabled {
			pl, err := f.instance(instances, r, ref.Name)
			if err != nil {
				return nil, err
			}
			if err := f.attach(pt.name, pl, ref.Weight); err != nil {
				return nil, fmt.Errorf("profile %q: %w", p.Name(), err)
			}
		}
	}
	if f.queueSort == nil || len(f.bind) == 0 {
		return nil, fmt.Errorf("%w %q: needs a queueSort and at least one bind plugin", ErrInvalidProfile, p.Name())
	}
	return f, nil
}

// instance builds (once) the plugin called name.
func (f *Framework) instance(instances map[string]Plugin, r Registry, name string) (Plugin, error) {
	if pl, ok := instances[name]; ok {
		return pl, nil
	}
	factory, ok := r[name]
	if !ok {
		return nil, fmt.Errorf("%w %q: unknown plugin %q", ErrInvalidProfile, f.profile.Name(), name)
	}
	pl, err := factory(f.profile.args(name), f.handle)
	if err != nil {
		return nil, fmt.Errorf("profile %q: build plugin %q: %w", f.profile.Name(), name, err)
	}
	instances[name] = pl
	return pl, nil
}

// attach adds pl to the extension point named point.
func (f *Framework) attach(point string, pl Plugin, weight int32) error {
	ok := true
	switch point {
	case "queueSort":
		var qs QueueSortPlugin
		if qs, ok = pl.(QueueSortPlugin); ok {
			if f.queueSort != nil {
				return fmt.Errorf("%w: more than one queueSort plugin", ErrInvalidProfile)
			}
			f.queueSort = qs
		}
	case "preFilter":
		ok = appendAs(&f.preFilter, pl)
	case "filter":
		ok = appendAs(&f.filter, pl)
	case "postFilter":
		ok = appendAs(&f.postFilter, pl)
	case "preScore":
		ok = appendAs(&f.preScore, pl)
	case "score":
		var sp ScorePlugin
		if sp, ok = pl.(ScorePlugin); ok {
			f.score = append(f.score, weightedScore{sp, int64(max(weight, 1))})
		}
	case "reserve":
		ok = appendAs(&f.reserve, pl)
	case "permit":
		ok = appendAs(&f.permit, pl)
	case "preBind":
		ok = appendAs(&f.preBind, pl)
	case "bind":
		ok = appendAs(&f.bind, pl)
	}
	if !ok {
		return fmt.Errorf("%w: plugin %q does not implement %s", ErrInvalidProfile, pl.Name(), point)
	}
	return nil
}

func appendAs[T Plugin](list *[]T, pl Plugin) bool {
	t, ok := pl.(T)
	if ok {
		*list = append(*list, t)
	}
	return ok
}

// ProfileName is the scheduler name pods use to pick this framework.
func (f *Framework) ProfileName() string { return f.profile.Name() }

// TieBreakByName reports whether the profile breaks ties between top
// scores by the smallest node name rather than at random.
func (f *Framework) TieBreakByName() bool { return f.profile.TieBreak == TieBreakNodeName }

// PercentageOfNodesToScore is the profile's setting, 0 for adaptive.
func (f *Framework) PercentageOfNodesToScore() int32 {
	if f.profile.PercentageOfNodesToScore == nil {
		return 0
	}
	return *f.profile.PercentageOfNodesToScore
}

// QueueSortLess is the queue's ordering function.
func (f *Framework) QueueSortLess() func(a, b *QueuedPodInfo) bool { return f.queueSort.Less }

// HasScorePlugins reports whether scoring is worth running.
func (f *Framework) HasScorePlugins() bool { return len(f.score) > 0 }

// SetNominator shares the scheduler's nominated pods with this framework,
// so Filter counts them as occupying their nominated nodes.
func (f *Framework) SetNominator(n *Nominator) { f.nominator = n }

// SetRand shares the scheduler's seeded rand with plugins that break ties
// (preemption); it is used only from the scheduling cycle.
func (f *Framework) SetRand(r *rand.Rand) { f.rng = r }

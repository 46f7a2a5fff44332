package plugins

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
	"github.com/kubetwin/kubetwin/core/scheduler/plugins/gpushare"
)

// Reasons GPUShare gives for a node that cannot take a pod's GPUs.
const (
	ReasonNoGPU           = "node has no GPUs"
	ReasonGPUModel        = "node's GPU model is not one the pod accepts"
	ReasonInsufficientGPU = "Insufficient GPU share"
)

// GPUShare schedules GPU-sharing pods with per-device accounting: it
// filters out nodes without enough room on enough single GPUs, scores by a
// policy of the GPU-sharing study (gpushare.Policy), and on Reserve picks
// the GPUs, which it records on the pod with the binding.
//
// It keeps, per node, the model of the node's devices built from the
// snapshot's node info and reused while the info's generation holds, so a
// cycle rebuilds only the nodes that changed. The devices of a pod come
// from its annotation; for a pod reserved here but not yet seen bound,
// from the Reserve's own record.
type GPUShare struct {
	name   string
	policy gpushare.Policy
	handle framework.Handle
	// nodes is keyed by the snapshot's node info, whose pointer stays the
	// same while the node does not change: hashing a pointer is cheaper
	// than a name, and Filter looks once per node per cycle. Infos the
	// snapshot replaced are pruned now and then.
	nodes    map[*framework.NodeInfo]gpuNodeEntry
	rejected gpuShareRejections
	// lastCycle and lastState save Filter and Score a lookup in the cycle
	// state on every node: the cycle PreFilter last ran for, and its state.
	lastCycle *framework.CycleState
	lastState *gpuShareState
	// passed lists, in order, the nodes the last cycle's Filter passed and
	// their models; Score visits the feasible nodes in that order, so it
	// finds each model at its cursor rather than by a lookup.
	passed []passedNode
	cursor int

	mu       sync.Mutex // Unreserve may run on a binding goroutine
	reserved map[string][]int
}

type passedNode struct {
	info *framework.NodeInfo
	node *gpushare.Node
}

type gpuNodeEntry struct {
	gen  int64
	node *gpushare.Node
	// podsFull is whether the node's pod slots are all taken.
	podsFull bool
}

var (
	_ framework.PreFilterPlugin = (*GPUShare)(nil)
	_ framework.FilterPlugin    = (*GPUShare)(nil)
	_ framework.PreScorePlugin  = (*GPUShare)(nil)
	_ framework.ScorePlugin     = (*GPUShare)(nil)
	_ framework.ReservePlugin   = (*GPUShare)(nil)
)

// gpuShareRejections are built once per plugin: in a full cluster Filter
// rejects most nodes for every pod.
type gpuShareRejections struct {
	tooManyPods, noGPU, model, cpu, memory, gpu *framework.Status
}

func newGPUShare(name string, p gpushare.Policy, h framework.Handle) *GPUShare {
	st := func(c framework.Code, reason string) *framework.Status {
		return framework.NewStatus(c, reason).WithPlugin(name)
	}
	return &GPUShare{name: name, policy: p, handle: h, nodes: map[*framework.NodeInfo]gpuNodeEntry{}, reserved: map[string][]int{},
		rejected: gpuShareRejections{tooManyPods: st(framework.Unschedulable, ReasonTooManyPods),
			noGPU: st(framework.UnschedulableAndUnresolvable, ReasonNoGPU), model: st(framework.UnschedulableAndUnresolvable, ReasonGPUModel),
			cpu: st(framework.Unschedulable, reasonInsufficientCPU), memory: st(framework.Unschedulable, reasonInsufficientMemory),
			gpu: st(framework.Unschedulable, ReasonInsufficientGPU)}}
}

// Name identifies the plugin in profiles.
func (pl *GPUShare) Name() string { return pl.name }

// gpuShareState is the pod's demand, parsed once per cycle, and the node
// a NodePicker policy drew.
type gpuShareState struct {
	task   gpushare.Task
	picked string
}

func (s *gpuShareState) Clone() framework.StateData { c := *s; return &c }

func (pl *GPUShare) stateKey() framework.StateKey { return framework.StateKey(pl.name) }

// PreFilter parses the pod's demand; a GPU request that is neither a share
// of one GPU nor whole GPUs can never be placed.
func (pl *GPUShare) PreFilter(_ context.Context, state *framework.CycleState, pod *api.Pod) *framework.Status {
	t, err := GPUTaskOf(pod, framework.PodRequests(pod))
	if err != nil {
		return framework.NewStatus(framework.UnschedulableAndUnresolvable, err.Error())
	}
	s := &gpuShareState{task: t}
	state.Write(pl.stateKey(), s)
	pl.lastCycle, pl.lastState = state, s
	pl.passed, pl.cursor = pl.passed[:0], 0
	pl.pruneNodes()
	return nil
}

func (pl *GPUShare) state(state *framework.CycleState) (*gpuShareState, *framework.Status) {
	if state == pl.lastCycle && pl.lastState != nil {
		return pl.lastState, nil
	}
	s, err := readState[*gpuShareState](state, pl.stateKey())
	if err != nil {
		return nil, framework.NewStatus(framework.Error, fmt.Sprintf("%s: no prefilter state: %v", pl.name, err))
	}
	return s, nil
}

// Filter keeps nodes with a free pod slot, the pod's CPU and memory free
// and, for a GPU pod, NumGPU devices of an accepted model that each have
// the pod's share free. It is a complete resource filter for GPU-sharing
// pods, so a profile may leave NodeResourcesFit out (GPUShareProfile does).
func (pl *GPUShare) Filter(_ context.Context, state *framework.CycleState, _ *api.Pod, ni *framework.NodeInfo) *framework.Status {
	s, st := pl.state(state)
	if st != nil {
		return st
	}
	e := pl.entryFor(ni)
	if e.podsFull {
		return pl.rejected.tooManyPods
	}
	n := e.node
	switch {
	case s.task.NumGPU > 0 && n.NumGPU() == 0:
		return pl.rejected.noGPU
	case s.task.NumGPU > 0 && !s.task.AllowsModel(n.Model()):
		return pl.rejected.model
	case n.CPUFreeMilli() < s.task.CPUMilli:
		return pl.rejected.cpu
	case n.MemoryFreeMiB() < s.task.MemoryMiB:
		return pl.rejected.memory
	case !gpushare.Fits(n, s.task):
		return pl.rejected.gpu
	}
	if state == pl.lastCycle {
		pl.passed = append(pl.passed, passedNode{ni, n})
	}
	return nil
}

// scoredNode is the model of a node Score is asked about: the next one
// Filter passed in this cycle, or else looked up.
func (pl *GPUShare) scoredNode(state *framework.CycleState, ni *framework.NodeInfo) *gpushare.Node {
	if state == pl.lastCycle {
		for pl.cursor < len(pl.passed) {
			p := pl.passed[pl.cursor]
			pl.cursor++
			if p.info == ni {
				return p.node
			}
		}
	}
	return pl.nodeFor(ni)
}

// The rejections GPUShare shares with NodeResourcesFit, in its words.
const (
	reasonInsufficientCPU    = "Insufficient " + string(api.ResourceCPU)
	reasonInsufficientMemory = "Insufficient " + string(api.ResourceMemory)
)

// PreScore lets a policy that picks the node itself (Random) draw it
// among the feasible nodes, with the scheduler's seeded rand.
func (pl *GPUShare) PreScore(_ context.Context, state *framework.CycleState, _ *api.Pod, nodes []*framework.NodeInfo) *framework.Status {
	picker, ok := pl.policy.(gpushare.NodePicker)
	if !ok || len(nodes) == 0 {
		return nil
	}
	s, st := pl.state(state)
	if st != nil {
		return st
	}
	rng := pl.rand()
	if rng == nil {
		return framework.NewStatus(framework.Error, pl.name+": policy "+pl.policy.Name()+" needs the scheduler's seeded rand")
	}
	feasible := make([]*gpushare.Node, len(nodes))
	for i, ni := range nodes {
		feasible[i] = pl.nodeFor(ni)
	}
	s.picked = nodes[picker.PickNode(feasible, s.task, rng)].Name()
	return nil
}

// Score is the policy's score of the node for the pod.
func (pl *GPUShare) Score(_ context.Context, state *framework.CycleState, _ *api.Pod, ni *framework.NodeInfo) (int64, *framework.Status) {
	s, st := pl.state(state)
	if st != nil {
		return 0, st
	}
	if _, ok := pl.policy.(gpushare.NodePicker); ok {
		if ni.Name() == s.picked {
			return framework.MaxNodeScore, nil
		}
		return framework.MinNodeScore, nil
	}
	return pl.policy.Score(pl.scoredNode(state, ni), s.task), nil
}

// ScoreExtensions rescales scores for policies that compare them only
// after rescaling over the feasible nodes (BestFit).
func (pl *GPUShare) ScoreExtensions() framework.ScoreExtensions {
	if nz, ok := pl.policy.(gpushare.Normalizer); ok {
		return gpuShareNormalizer{nz}
	}
	return nil
}

type gpuShareNormalizer struct{ nz gpushare.Normalizer }

func (g gpuShareNormalizer) NormalizeScore(_ context.Context, _ *framework.CycleState, _ *api.Pod, scores []framework.NodeScore) *framework.Status {
	raw := make([]int64, len(scores))
	for i, s := range scores {
		raw[i] = s.Score
	}
	g.nz.Normalize(raw)
	for i := range scores {
		scores[i].Score = raw[i]
	}
	return nil
}

// Reserve picks the pod's GPUs on the node by the policy and asks for
// them to be recorded on the pod with the binding.
func (pl *GPUShare) Reserve(_ context.Context, state *framework.CycleState, pod *api.Pod, nodeName string) *framework.Status {
	s, st := pl.state(state)
	if st != nil || s.task.NumGPU == 0 {
		return st
	}
	ni, err := pl.handle.SnapshotSharedLister().Get(nodeName)
	if err != nil {
		return framework.AsStatus(fmt.Errorf("%s: reserve on %s: %w", pl.name, nodeName, err))
	}
	devices := pl.policy.Devices(pl.nodeFor(ni), s.task, pl.rand())
	if len(devices) != s.task.NumGPU {
		return framework.NewStatus(framework.Unschedulable, ReasonInsufficientGPU)
	}
	pl.mu.Lock()
	pl.reserved[framework.PodKey(pod)] = devices
	pl.mu.Unlock()
	framework.SetBindingAnnotation(state, AnnotationGPUDevices, FormatGPUDevices(devices))
	return nil
}

// Unreserve forgets the GPUs Reserve picked.
func (pl *GPUShare) Unreserve(_ context.Context, state *framework.CycleState, pod *api.Pod, _ string) {
	pl.mu.Lock()
	delete(pl.reserved, framework.PodKey(pod))
	pl.mu.Unlock()
	framework.DeleteBindingAnnotation(state, AnnotationGPUDevices)
}

func (pl *GPUShare) rand() *rand.Rand {
	if ph, ok := pl.handle.(framework.PreemptionHandle); ok {
		return ph.Rand()
	}
	return nil
}

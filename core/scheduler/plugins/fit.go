package plugins

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// ReasonTooManyPods is the rejection when a node's pod slots are full.
const ReasonTooManyPods = "Too many pods"

// FitArgs configure NodeResourcesFit's scoring.
type FitArgs struct {
	ScoringStrategy *ScoringStrategy `json:"scoringStrategy,omitempty"`
}

// Fit is NodeResourcesFit: Filter checks the pod's requests fit the node's
// free allocatable; Score ranks nodes by a scoring strategy.
type Fit struct {
	scorer resourceScorer
}

const (
	fitPreFilterKey framework.StateKey = "PreFilter" + NodeResourcesFitName
	fitPreScoreKey  framework.StateKey = "PreScore" + NodeResourcesFitName
)

// requestState is a pod's requests stored in the cycle state; it is kept
// by pointer because Filter and Score read it once per node.
type requestState struct {
	req framework.Resource
	// scalars are the extended resources requested, sorted, and
	// rejections the statuses built so far by shortfall mask (see
	// rejection): a pod asking for a GPU is rejected by every node without
	// one, with the same few reasons.
	scalars    []api.ResourceName
	mu         sync.Mutex
	rejections map[uint64]*framework.Status
}

// newRequestState stores r for the cycle.
func newRequestState(r framework.Resource) *requestState {
	return &requestState{req: r, scalars: slices.Sorted(maps.Keys(r.Scalar))}
}

// Clone shares the state: the requests never change once stored, and the
// rejections cache locks itself.
func (r *requestState) Clone() framework.StateData { return r }

// resource is the stored requests.
func (r *requestState) resource() *framework.Resource { return &r.req }

// maxCachedScalars bounds the extended resources a shortfall mask can
// hold; pods asking for more build each rejection afresh.
const maxCachedScalars = 60

// shortfall is the mask of what the pod lacks on the node (bits 0-3 as
// basicFitRejections, bit 4+i for scalars[i]); zero when it fits. Filter
// computes it once per node and turns a non-zero mask into a status.
func (r *requestState) shortfall(n *framework.NodeInfo) uint64 {
	mask := uint64(basicShortfall(&r.req, n))
	for i, name := range r.scalars {
		if want := r.req.Scalar[name]; want > 0 && want > n.Allocatable.Scalar[name]-n.Requested.Scalar[name] {
			mask |= 1 << (4 + i)
		}
	}
	return mask
}

// rejection is the status for a shortfall: a prebuilt basic one, or one
// cached per mask, since a pod asking for a GPU is rejected by every node
// without one with the same few reasons.
func (r *requestState) rejection(mask uint64) *framework.Status {
	if mask < uint64(len(basicFitRejections)) {
		return basicFitRejections[mask]
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if st, ok := r.rejections[mask]; ok {
		return st
	}
	reasons := slices.Clone(basicFitRejections[mask&0xf].Reasons())
	for i, name := range r.scalars {
		if mask&(1<<(4+i)) != 0 {
			reasons = append(reasons, "Insufficient "+string(name))
		}
	}
	st := framework.NewStatus(framework.Unschedulable, reasons...).WithPlugin(NodeResourcesFitName)
	if r.rejections == nil {
		r.rejections = map[uint64]*framework.Status{}
	}
	r.rejections[mask] = st
	return st
}

// NewFit builds NodeResourcesFit from FitArgs (LeastAllocated on cpu and memory by default).
func NewFit(raw json.RawMessage, _ framework.Handle) (framework.Plugin, error) {
	var args FitArgs
	if err := framework.DecodeArgs(raw, &args); err != nil {
		return nil, fmt.Errorf("%s: %w", NodeResourcesFitName, err)
	}
	s := args.ScoringStrategy
	if s == nil {
		s = &ScoringStrategy{}
	}
	scorer, err := s.build()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", NodeResourcesFitName, err)
	}
	return &Fit{scorer: scorer}, nil
}

// Name identifies the plugin in profiles.
func (*Fit) Name() string { return NodeResourcesFitName }

// PreFilter computes the pod's requests once per cycle.
func (*Fit) PreFilter(_ context.Context, state *framework.CycleState, pod *api.Pod) *framework.Status {
	state.Write(fitPreFilterKey, newRequestState(framework.PodRequests(pod)))
	return nil
}

// Filter rejects the node listing every resource that does not fit.
func (*Fit) Filter(_ context.Context, state *framework.CycleState, pod *api.Pod, n *framework.NodeInfo) *framework.Status {
	req, err := readState[*requestState](state, fitPreFilterKey)
	if err != nil {
		req = newRequestState(framework.PodRequests(pod))
	}
	if len(req.scalars) > maxCachedScalars {
		if fits(req.resource(), n) {
			return nil
		}
		return framework.NewStatus(framework.Unschedulable, InsufficientResources(req.req, n)...)
	}
	if mask := req.shortfall(n); mask != 0 {
		return req.rejection(mask)
	}
	return nil
}

// basicFitRejections are the rejections for each combination of the four
// basic shortfalls (bit 0 pods, 1 cpu, 2 memory, 3 ephemeral-storage),
// built once: in a full cluster Filter rejects every node with one of them.
var basicFitRejections = func() (out [16]*framework.Status) {
	for mask := range out {
		var reasons []string
		for bit, reason := range []string{ReasonTooManyPods, "Insufficient " + string(api.ResourceCPU),
			"Insufficient " + string(api.ResourceMemory), "Insufficient " + string(api.ResourceEphemeralStorage)} {
			if mask&(1<<bit) != 0 {
				reasons = append(reasons, reason)
			}
		}
		out[mask] = framework.NewStatus(framework.Unschedulable, reasons...).WithPlugin(NodeResourcesFitName)
	}
	return out
}()

// basicShortfall is the mask of basicFitRejections a request without
// extended resources gets, in InsufficientResources' terms.
func basicShortfall(req *framework.Resource, n *framework.NodeInfo) int {
	short := func(want, alloc, used int64) bool { return want > 0 && want > alloc-used }
	a, u := &n.Allocatable, &n.Requested
	mask := 0
	if int64(len(n.Pods))+1 > a.AllowedPodNumber {
		mask |= 1
	}
	if short(req.MilliCPU, a.MilliCPU, u.MilliCPU) {
		mask |= 2
	}
	if short(req.Memory, a.Memory, u.Memory) {
		mask |= 4
	}
	if short(req.EphemeralStorage, a.EphemeralStorage, u.EphemeralStorage) {
		mask |= 8
	}
	return mask
}

// fits is InsufficientResources reporting nothing, without building the
// reasons: most nodes fit, and Filter runs on hundreds per cycle.
func fits(req *framework.Resource, n *framework.NodeInfo) bool {
	free := func(want, alloc, used int64) bool { return want <= 0 || want <= alloc-used }
	a, u := &n.Allocatable, &n.Requested
	if int64(len(n.Pods))+1 > a.AllowedPodNumber ||
		!free(req.MilliCPU, a.MilliCPU, u.MilliCPU) ||
		!free(req.Memory, a.Memory, u.Memory) ||
		!free(req.EphemeralStorage, a.EphemeralStorage, u.EphemeralStorage) {
		return false
	}
	for name, want := range req.Scalar {
		if !free(want, a.Scalar[name], u.Scalar[name]) {
			return false
		}
	}
	return true
}

// InsufficientResources lists why a request does not fit on a node, in
// kube-scheduler's wording ("Too many pods", "Insufficient cpu", ...).
func InsufficientResources(req framework.Resource, n *framework.NodeInfo) []string {
	var reasons []string
	if int64(len(n.Pods))+1 > n.Allocatable.AllowedPodNumber {
		reasons = append(reasons, ReasonTooManyPods)
	}
	if req.IsZero() {
		return reasons
	}
	for _, name := range []api.ResourceName{api.ResourceCPU, api.ResourceMemory, api.ResourceEphemeralStorage} {
		if want := req.Get(name); want > 0 && want > n.Allocatable.Get(name)-n.Requested.Get(name) {
			reasons = append(reasons, "Insufficient "+string(name))
		}
	}
	if len(req.Scalar) == 0 {
		return reasons
	}
	for _, name := range slices.Sorted(maps.Keys(req.Scalar)) {
		if want := req.Scalar[name]; want > 0 && want > n.Allocatable.Scalar[name]-n.Requested.Scalar[name] {
			reasons = append(reasons, "Insufficient "+string(name))
		}
	}
	return reasons
}

// PreScore computes the pod's scoring requests (empty containers at the defaults).
func (f *Fit) PreScore(_ context.Context, state *framework.CycleState, pod *api.Pod, _ []*framework.NodeInfo) *framework.Status {
	state.Write(fitPreScoreKey, newRequestState(f.scorer.podRequests(pod)))
	return nil
}

// Score applies the scoring strategy to the node with the pod added.
func (f *Fit) Score(_ context.Context, state *framework.CycleState, pod *api.Pod, n *framework.NodeInfo) (int64, *framework.Status) {
	req, err := readState[*requestState](state, fitPreScoreKey)
	if err != nil {
		req = newRequestState(f.scorer.podRequests(pod))
	}
	return f.scorer.score(req.resource(), n), nil
}

// ScoreExtensions returns nil: strategy scores are already in range.
func (*Fit) ScoreExtensions() framework.ScoreExtensions { return nil }

// BalancedAllocationArgs name the resources whose usage should be balanced.
type BalancedAllocationArgs struct {
	Resources []ResourceSpec `json:"resources,omitempty"`
}

// BalancedAllocation prefers nodes whose resources would be used in equal
// fractions, so one resource is not exhausted while others idle.
type BalancedAllocation struct {
	scorer resourceScorer
}

// NewBalancedAllocation builds the plugin (cpu and memory by default).
func NewBalancedAllocation(raw json.RawMessage, _ framework.Handle) (framework.Plugin, error) {
	var args BalancedAllocationArgs
	if err := framework.DecodeArgs(raw, &args); err != nil {
		return nil, fmt.Errorf("%s: %w", BalancedAllocationName, err)
	}
	res, err := validResources(args.Resources)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", BalancedAllocationName, err)
	}
	return &BalancedAllocation{scorer: newResourceScorer(res, true, formulaBalanced)}, nil
}

// Name identifies the plugin in profiles.
func (*BalancedAllocation) Name() string { return BalancedAllocationName }

// PreScore computes the pod's actual requests.
func (b *BalancedAllocation) PreScore(_ context.Context, state *framework.CycleState, pod *api.Pod, _ []*framework.NodeInfo) *framework.Status {
	state.Write(balancedKey, newRequestState(b.scorer.podRequests(pod)))
	return nil
}

const balancedKey framework.StateKey = "PreScore" + BalancedAllocationName

// Score rates how evenly the node's resources would be used.
func (b *BalancedAllocation) Score(_ context.Context, state *framework.CycleState, pod *api.Pod, n *framework.NodeInfo) (int64, *framework.Status) {
	req, err := readState[*requestState](state, balancedKey)
	if err != nil {
		req = newRequestState(b.scorer.podRequests(pod))
	}
	return b.scorer.score(req.resource(), n), nil
}

// ScoreExtensions returns nil: scores are already in range.
func (*BalancedAllocation) ScoreExtensions() framework.ScoreExtensions { return nil }

package scheduler

import (
	"context"
	"fmt"
	"slices"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// Kubernetes' bounds for the adaptive search: look at least at this many
// nodes, and at no less than this percentage of large clusters.
const (
	minFeasibleNodesToFind           = 100
	minFeasibleNodesPercentageToFind = 5
)

// schedulePod runs PreFilter, Filter, PostFilter (when nothing fits),
// PreScore and Score, and returns the chosen node or a *FitError.
func (s *Scheduler) schedulePod(ctx context.Context, fwk *framework.Framework, state *framework.CycleState, pod *api.Pod) (string, *Diagnosis, error) {
	nodes := s.snapshot.List()
	diag := &Diagnosis{rejected: s.rejectedBuf[:0]}
	defer func() { s.rejectedBuf = diag.rejected[:0] }()
	fitErr := func() error {
		fe := &FitError{Pod: pod, NumAllNodes: len(nodes), Diagnosis: *diag}
		fe.msg = fe.message()
		fe.Diagnosis.rejected = nil // the buffer is the scheduler's, for the next cycle
		return fe
	}
	if len(nodes) == 0 {
		return "", diag, fitErr()
	}
	if st := fwk.RunPreFilterPlugins(ctx, state, pod); !st.IsSuccess() {
		if !st.IsRejected() {
			return "", nil, fmt.Errorf("prefilter %s: %w", st.Plugin(), st.AsError())
		}
		for _, n := range nodes {
			diag.addRejection(n.Name(), st)
		}
		diag.PreFilterMsg = st.Message()
		return "", diag, fitErr()
	}
	feasible, err := s.findNodesThatFit(ctx, fwk, state, pod, nodes, diag)
	if err != nil {
		return "", nil, err
	}
	if len(feasible) == 0 && fwk.HasPostFilterPlugins() {
		// Only PostFilters (preemption) need the rejections by node name;
		// in a full cluster, building that map for every pod would cost
		// more than filtering.
		diag.settle()
		res, st := fwk.RunPostFilterPlugins(ctx, state, pod, diag.NodeToStatus)
		switch {
		case st.Code() == framework.Error:
			return "", nil, fmt.Errorf("postfilter %s: %w", st.Plugin(), st.AsError())
		case st.IsSuccess() && res != nil && res.NominatedNodeName != "":
			diag.Nomination = res
		case !st.IsSuccess() && st.Plugin() != "":
			diag.PostFilterMsg = st.Message()
		}
		return "", diag, fitErr()
	}
	if len(feasible) == 0 {
		return "", diag, fitErr()
	}
	if len(feasible) == 1 {
		return feasible[0].Name(), nil, nil
	}
	node, err := s.prioritize(ctx, fwk, state, pod, feasible)
	return node, nil, err
}

// findNodesThatFit filters nodes round-robin from where the last cycle
// stopped until enough feasible nodes are found, recording rejections.
func (s *Scheduler) findNodesThatFit(ctx context.Context, fwk *framework.Framework, state *framework.CycleState,
	pod *api.Pod, nodes []*framework.NodeInfo, diag *Diagnosis) ([]*framework.NodeInfo, error) {
	if ni, ok := s.nominatedNodeFits(ctx, fwk, state, pod); ok {
		return []*framework.NodeInfo{ni}, nil
	}
	n := len(nodes)
	want := numFeasibleNodesToFind(fwk.PercentageOfNodesToScore(), n)
	feasible := slices.Grow(s.feasibleBuf[:0], want)
	defer func() { s.feasibleBuf = feasible[:0] }()
	start := s.nextStartNodeIndex % n
	processed := 0
	for ; processed < n && len(feasible) < want; processed++ {
		ni := nodes[(start+processed)%n]
		st := fwk.RunFilterPluginsWithNominatedPods(ctx, state, pod, ni)
		switch {
		case st.IsSuccess():
			feasible = append(feasible, ni)
		case st.IsRejected():
			diag.addRejection(ni.Name(), st)
		default:
			return nil, fmt.Errorf("filter %s on node %s: %w", st.Plugin(), ni.Name(), st.AsError())
		}
	}
	s.nextStartNodeIndex = (start + processed) % n
	return feasible, nil
}

// nominatedNodeFits tries first the node a preemption nominated the pod
// for, as kube-scheduler does: its victims were evicted to make room there,
// so when it fits, no other node is filtered or scored. A node that no
// longer fits, or an error, sends the pod through every node as usual.
func (s *Scheduler) nominatedNodeFits(ctx context.Context, fwk *framework.Framework, state *framework.CycleState, pod *api.Pod) (*framework.NodeInfo, bool) {
	name := s.nominator.NominatedNode(pod)
	if name == "" {
		return nil, false
	}
	ni, err := s.snapshot.Get(name)
	if err != nil {
		return nil, false
	}
	return ni, fwk.RunFilterPluginsWithNominatedPods(ctx, state, pod, ni).IsSuccess()
}

// numFeasibleNodesToFind is Kubernetes' adaptive bound: every node in small
// clusters, otherwise percentage% of them (50 - nodes/125 when unset, at
// least 5%), but never fewer than 100.
func numFeasibleNodesToFind(percentage int32, numAllNodes int) int {
	if numAllNodes < minFeasibleNodesToFind {
		return numAllNodes
	}
	adaptive := int(percentage)
	if adaptive <= 0 {
		adaptive = max(50-numAllNodes/125, minFeasibleNodesPercentageToFind)
	}
	return max(numAllNodes*adaptive/100, minFeasibleNodesToFind)
}

// prioritize scores the feasible nodes and picks the best.
func (s *Scheduler) prioritize(ctx context.Context, fwk *framework.Framework, state *framework.CycleState,
	pod *api.Pod, feasible []*framework.NodeInfo) (string, error) {
	if st := fwk.RunPreScorePlugins(ctx, state, pod, feasible); !st.IsSuccess() {
		return "", fmt.Errorf("prescore %s: %w", st.Plugin(), st.AsError())
	}
	scores, st := fwk.RunScorePlugins(ctx, state, pod, feasible, s.scoreBuf)
	if !st.IsSuccess() {
		return "", fmt.Errorf("score %s: %w", st.Plugin(), st.AsError())
	}
	s.scoreBuf = scores
	if fwk.TieBreakByName() {
		return selectHostByName(scores), nil
	}
	return selectHost(scores, s.rng.IntN), nil
}

// selectHostByName returns the top-scoring node with the smallest name.
func selectHostByName(scores []framework.NodeScore) string {
	best := scores[0]
	for _, sc := range scores[1:] {
		if sc.Score > best.Score || (sc.Score == best.Score && sc.Name < best.Name) {
			best = sc
		}
	}
	return best.Name
}

// selectHost returns the top-scoring node, choosing uniformly among ties
// by reservoir sampling so a seeded rand gives reproducible choices.
func selectHost(scores []framework.NodeScore, intn func(int) int) string {
	best, ties := scores[0], 1
	for _, sc := range scores[1:] {
		switch {
		case sc.Score > best.Score:
			best, ties = sc, 1
		case sc.Score == best.Score:
			ties++
			if intn(ties) == 0 {
				best = sc
			}
		}
	}
	return best.Name
}

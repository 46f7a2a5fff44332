package plugins

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// DefaultPreemptionName names the plugin in profiles.
const DefaultPreemptionName = "DefaultPreemption"

// DefaultPreemptionArgs bounds how many nodes a preemption dry-runs, as kube-scheduler's.
type DefaultPreemptionArgs struct {
	// MinCandidateNodesPercentage of the nodes are tried at least (default 10).
	MinCandidateNodesPercentage *int32 `json:"minCandidateNodesPercentage,omitempty"`
	// MinCandidateNodesAbsolute nodes are tried at least (default 100).
	MinCandidateNodesAbsolute *int32 `json:"minCandidateNodesAbsolute,omitempty"`
}

// DefaultPreemption makes room for an unschedulable pod by choosing
// lower-priority victims on one node; the driver deletes them and records
// the nomination. PodDisruptionBudgets are not modelled (no violations),
// and lower-priority pods nominated to the chosen node keep their nomination.
type DefaultPreemption struct {
	handle   framework.PreemptionHandle
	pct, abs int32
}

// NewDefaultPreemption builds the plugin; it needs the framework's PreemptionHandle.
func NewDefaultPreemption(raw json.RawMessage, h framework.Handle) (framework.Plugin, error) {
	var args DefaultPreemptionArgs
	if err := framework.DecodeArgs(raw, &args); err != nil {
		return nil, fmt.Errorf("%s: %w", DefaultPreemptionName, err)
	}
	pl := &DefaultPreemption{pct: 10, abs: 100}
	if args.MinCandidateNodesPercentage != nil {
		pl.pct = *args.MinCandidateNodesPercentage
	}
	if args.MinCandidateNodesAbsolute != nil {
		pl.abs = *args.MinCandidateNodesAbsolute
	}
	if pl.pct < 0 || pl.pct > 100 || pl.abs < 0 || pl.pct+pl.abs == 0 {
		return nil, fmt.Errorf("%s: minCandidateNodesPercentage %d (0–100) and minCandidateNodesAbsolute %d (≥0) must not both be 0",
			DefaultPreemptionName, pl.pct, pl.abs)
	}
	if ph, ok := h.(framework.PreemptionHandle); ok {
		pl.handle = ph
	}
	return pl, nil
}

// Name identifies the plugin in profiles.
func (*DefaultPreemption) Name() string { return DefaultPreemptionName }

// candidate is a node where evicting victims lets the pod fit.
type candidate struct {
	node    string
	victims []*api.Pod
}

// PostFilter finds the best node to preempt on and returns it with its
// victims; when none exists the status explains why per node, in
// kube-scheduler's "preemption: 0/N nodes are available: ..." form.
func (pl *DefaultPreemption) PostFilter(ctx context.Context, state *framework.CycleState, pod *api.Pod, filtered framework.NodeToStatus) (*framework.PostFilterResult, *framework.Status) {
	if pl.handle == nil {
		return nil, framework.AsStatus(fmt.Errorf("%s: framework handle cannot run filters", DefaultPreemptionName))
	}
	if msg := pl.ineligible(pod); msg != "" {
		return nil, framework.NewStatus(framework.Unschedulable, msg)
	}
	all := pl.handle.SnapshotSharedLister().List()
	potential := pl.potentialNodes(filtered)
	reasons := map[string]int{}
	if n := len(all) - len(potential); n > 0 {
		reasons[reasonNotHelpful] = n
	}
	cands, st := pl.findCandidates(ctx, state, pod, potential, reasons)
	if !st.IsSuccess() {
		return nil, st
	}
	if len(cands) == 0 {
		code := framework.Unschedulable
		if len(potential) == 0 {
			code = framework.UnschedulableAndUnresolvable
		}
		return nil, framework.NewStatus(code, preemptionMessage(len(all), reasons))
	}
	best := pl.pickCandidate(cands)
	return &framework.PostFilterResult{NominatedNodeName: best.node, Victims: best.victims}, nil
}

// Per-node reasons preemption gives, as kube-scheduler words them.
const (
	reasonNotHelpful = "Preemption is not helpful for scheduling"
	reasonNoVictims  = "No preemption victims found for incoming pod"
)

// preemptionMessage renders the per-reason node counts, sorted.
func preemptionMessage(numNodes int, reasons map[string]int) string {
	parts := make([]string, 0, len(reasons))
	for r, n := range reasons {
		parts = append(parts, fmt.Sprintf("%d %s", n, r))
	}
	slices.Sort(parts)
	return fmt.Sprintf("preemption: 0/%d nodes are available: %s", numNodes, strings.Join(parts, ", "))
}

// ineligible says why the pod may not preempt, "" when it may: a Never
// policy, or lower-priority pods already terminating on its nominated node.
func (pl *DefaultPreemption) ineligible(pod *api.Pod) string {
	if pod.Spec.PreemptionPolicy != nil && *pod.Spec.PreemptionPolicy == api.PreemptNever {
		return "preemption: not eligible due to preemptionPolicy=Never"
	}
	nominated := pod.Status.NominatedNodeName
	if nominated == "" {
		return ""
	}
	ni, err := pl.handle.SnapshotSharedLister().Get(nominated)
	if err != nil {
		return ""
	}
	for _, pi := range ni.Pods {
		if pi.Pod.DeletionTimestamp != nil && podPriority(pi.Pod) < podPriority(pod) {
			return "preemption: not eligible due to a terminating pod on the nominated node"
		}
	}
	return ""
}

// potentialNodes are the nodes, in snapshot order, whose rejection eviction might resolve.
func (pl *DefaultPreemption) potentialNodes(filtered framework.NodeToStatus) []*framework.NodeInfo {
	var out []*framework.NodeInfo
	for _, ni := range pl.handle.SnapshotSharedLister().List() {
		if st, ok := filtered[ni.Name()]; ok && st.Code() == framework.Unschedulable {
			out = append(out, ni)
		}
	}
	return out
}

// numCandidates is how many candidates to find: pct% of the nodes, at
// least abs, at most all of them.
func (pl *DefaultPreemption) numCandidates(numNodes int) int {
	n := numNodes * int(pl.pct) / 100
	return min(max(n, int(pl.abs)), numNodes)
}

// findCandidates dry-runs nodes from a seeded offset until enough candidates are found.
func (pl *DefaultPreemption) findCandidates(ctx context.Context, state *framework.CycleState, pod *api.Pod,
	nodes []*framework.NodeInfo, reasons map[string]int) ([]candidate, *framework.Status) {
	if len(nodes) == 0 {
		return nil, nil
	}
	want := pl.numCandidates(len(nodes))
	offset := 0
	if r := pl.handle.Rand(); r != nil {
		offset = r.IntN(len(nodes))
	}
	var out []candidate
	for i := 0; i < len(nodes) && len(out) < want; i++ {
		ni := nodes[(offset+i)%len(nodes)]
		victims, st := pl.selectVictims(ctx, state, pod, ni)
		if st.Code() == framework.Error {
			return nil, st
		}
		if st.IsSuccess() {
			out = append(out, candidate{node: ni.Name(), victims: victims})
		} else if rs := st.Reasons(); len(rs) > 0 {
			reasons[rs[0]]++
		}
	}
	return out, nil
}

// podStartTime is when the pod started, its creation time before that.
func podStartTime(p *api.Pod) time.Time {
	if p.Status.StartTime != nil {
		return p.Status.StartTime.Time
	}
	return p.CreationTimestamp.Time
}

// moreImportant orders pods by priority (higher first), then start time (earlier first).
func moreImportant(a, b *framework.PodInfo) int {
	if pa, pb := podPriority(a.Pod), podPriority(b.Pod); pa != pb {
		if pa > pb {
			return -1
		}
		return 1
	}
	return podStartTime(a.Pod).Compare(podStartTime(b.Pod))
}

// victimSort orders victims for reprieve: most important first, then by key for determinism.
func victimSort(a, b *framework.PodInfo) int {
	if c := moreImportant(a, b); c != 0 {
		return c
	}
	return compareStrings(framework.PodKey(a.Pod), framework.PodKey(b.Pod))
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// selectVictims removes every lower-priority pod from a copy of the node,
// checks the pod then fits, and reprieves victims, most important first,
// while it still fits; Success means the remaining victims suffice.
func (pl *DefaultPreemption) selectVictims(ctx context.Context, state *framework.CycleState, pod *api.Pod, ni *framework.NodeInfo) ([]*api.Pod, *framework.Status) {
	var lower []*framework.PodInfo
	for _, pi := range ni.Pods {
		if podPriority(pi.Pod) < podPriority(pod) {
			lower = append(lower, pi)
		}
	}
	if len(lower) == 0 {
		return nil, framework.NewStatus(framework.UnschedulableAndUnresolvable, reasonNoVictims)
	}
	node, st := ni.Clone(), pl.handle.ForkState(state)
	for _, pi := range lower {
		node.RemovePod(pi.Pod)
		if s := pl.handle.RunPreFilterExtensionRemovePod(ctx, st, pod, pi, node); !s.IsSuccess() {
			return nil, s
		}
	}
	if s := pl.handle.RunFilterPlugins(ctx, st, pod, node); !s.IsSuccess() {
		return nil, normalizeDryRun(s)
	}
	slices.SortFunc(lower, victimSort)
	var victims []*api.Pod
	for _, pi := range lower {
		fits, s := pl.reprieve(ctx, st, pod, pi, node)
		if s.Code() == framework.Error {
			return nil, s
		}
		if !fits {
			victims = append(victims, pi.Pod)
		}
	}
	return victims, nil
}

// reprieve adds pi back; if the pod no longer fits it takes pi off again and reports false.
func (pl *DefaultPreemption) reprieve(ctx context.Context, st *framework.CycleState, pod *api.Pod, pi *framework.PodInfo, node *framework.NodeInfo) (bool, *framework.Status) {
	node.AddPodInfo(pi)
	if s := pl.handle.RunPreFilterExtensionAddPod(ctx, st, pod, pi, node); !s.IsSuccess() {
		return false, s
	}
	s := pl.handle.RunFilterPlugins(ctx, st, pod, node)
	if s.IsSuccess() {
		return true, nil
	}
	if s.Code() == framework.Error {
		return false, s
	}
	node.RemovePod(pi.Pod)
	return false, pl.handle.RunPreFilterExtensionRemovePod(ctx, st, pod, pi, node)
}

// normalizeDryRun keeps errors and turns rejections into plain Unschedulable for this node.
func normalizeDryRun(s *framework.Status) *framework.Status {
	if s.Code() == framework.Error {
		return s
	}
	return framework.NewStatus(framework.Unschedulable, s.Reasons()...)
}

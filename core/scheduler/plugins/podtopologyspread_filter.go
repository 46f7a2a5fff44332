package plugins

import (
	"context"
	"fmt"
	"math"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

const spreadFilterKey framework.StateKey = "PreFilter" + PodTopologySpreadName

// spreadFilterState holds, per hard constraint, the matching pods per
// domain of eligible nodes and the global minimum, so Filter is O(constraints).
type spreadFilterState struct {
	constraints []spreadConstraint
	counts      []map[string]int64
	mins        []int64
	// self is 1 where the incoming pod matches the constraint's selector.
	self []int64
}

// Clone copies the counts so what-if evaluations can change them.
func (s *spreadFilterState) Clone() framework.StateData {
	out := &spreadFilterState{constraints: s.constraints, counts: make([]map[string]int64, len(s.counts)),
		mins: append([]int64(nil), s.mins...), self: s.self}
	for i, m := range s.counts {
		out.counts[i] = make(map[string]int64, len(m))
		for k, v := range m {
			out.counts[i][k] = v
		}
	}
	return out
}

// refreshMin recomputes constraint i's global minimum; with fewer domains
// than minDomains the minimum is 0.
func (s *spreadFilterState) refreshMin(i int) {
	if len(s.counts[i]) < s.constraints[i].minDomains {
		s.mins[i] = 0
		return
	}
	lo := int64(math.MaxInt64)
	for _, v := range s.counts[i] {
		lo = min(lo, v)
	}
	if lo == math.MaxInt64 {
		lo = 0
	}
	s.mins[i] = lo
}

// Filter rejects a node lacking a topology key, or where placing the pod
// would raise its domain's skew over the global minimum above maxSkew.
func (pl *PodTopologySpread) Filter(_ context.Context, state *framework.CycleState, pod *api.Pod, n *framework.NodeInfo) *framework.Status {
	s, err := readState[*spreadFilterState](state, spreadFilterKey)
	if err != nil {
		return framework.AsStatus(fmt.Errorf("%s filter: %w", PodTopologySpreadName, err))
	}
	for i := range s.constraints {
		c := &s.constraints[i]
		v, ok := n.Label(c.key)
		if !ok {
			return framework.NewStatus(framework.UnschedulableAndUnresolvable, ReasonTopologySpreadLabel)
		}
		if s.counts[i][v]+s.self[i]-s.mins[i] > c.maxSkew {
			return framework.NewStatus(framework.Unschedulable, ReasonTopologySpread)
		}
	}
	return nil
}

// AddPod counts a hypothetically added pod (a nominated pod).
func (pl *PodTopologySpread) AddPod(_ context.Context, state *framework.CycleState, pod *api.Pod, pi *framework.PodInfo, n *framework.NodeInfo) *framework.Status {
	return pl.adjust(state, pod, pi.Pod, n, 1)
}

// RemovePod uncounts a hypothetically removed pod (a preemption victim).
func (pl *PodTopologySpread) RemovePod(_ context.Context, state *framework.CycleState, pod *api.Pod, pi *framework.PodInfo, n *framework.NodeInfo) *framework.Status {
	return pl.adjust(state, pod, pi.Pod, n, -1)
}

func (pl *PodTopologySpread) adjust(state *framework.CycleState, pod, other *api.Pod, n *framework.NodeInfo, delta int64) *framework.Status {
	s, err := readState[*spreadFilterState](state, spreadFilterKey)
	if err != nil {
		return framework.AsStatus(fmt.Errorf("%s: %w", PodTopologySpreadName, err))
	}
	if !hasAllKeys(n, s.constraints) {
		return nil
	}
	for i := range s.constraints {
		c := &s.constraints[i]
		if !c.nodeCounts(pod, n.Node()) || !c.matches(pod, other) {
			continue
		}
		s.counts[i][labelOf(n, c.key)] += delta
		s.refreshMin(i)
	}
	return nil
}

package plugins

import (
	"context"
	"fmt"
	"math"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

const spreadScoreKey framework.StateKey = "PreScore" + PodTopologySpreadName

// spreadScoreState holds the soft constraints, the matching pods per
// domain present among the feasible nodes, each constraint's normalising
// weight, and the feasible nodes ignored for lacking a topology key.
type spreadScoreState struct {
	constraints []spreadConstraint
	counts      []map[string]int64
	weights     []float64
	ignored     map[string]bool
	// memos are the per-node match-count memos of each constraint (used
	// under the plugin's memo lock), so Score's hostname counts are
	// recounted only on nodes that changed since the last cycle.
	memos []map[string]genCount
	// hostCounts are, for hostname constraints the label index could
	// answer, the matching pods per node (nil otherwise).
	hostCounts []map[string]int64
}

// Clone shares the state: it is never modified after PreScore.
func (s *spreadScoreState) Clone() framework.StateData { return s }

// PreScore resolves the soft constraints (or the defaults), finds the
// domains of the feasible nodes, and counts matching pods there over all
// eligible nodes; per-node hostname counts are left to Score.
func (pl *PodTopologySpread) PreScore(_ context.Context, state *framework.CycleState, pod *api.Pod, feasible []*framework.NodeInfo) *framework.Status {
	cs, defaulted, err := pl.constraints(pod, api.ScheduleAnyway)
	if err != nil {
		return framework.AsStatus(fmt.Errorf("%s prescore: %w", PodTopologySpreadName, err))
	}
	if len(cs) == 0 {
		return framework.NewStatus(framework.Skip)
	}
	requireAll := !defaulted || !pl.systemDef
	s := &spreadScoreState{constraints: cs, counts: make([]map[string]int64, len(cs)),
		weights: make([]float64, len(cs)), ignored: map[string]bool{}}
	for i := range cs {
		s.counts[i] = map[string]int64{}
	}
	for _, n := range feasible {
		if requireAll && !hasAllKeys(n, cs) {
			s.ignored[n.Name()] = true
			continue
		}
		for i := range cs {
			if cs[i].key == hostnameLabel {
				continue // every node is its own domain: Score counts it
			}
			if v, ok := n.Label(cs[i].key); ok {
				s.counts[i][v] += 0
			}
		}
	}
	for i := range cs {
		size := len(s.counts[i])
		if cs[i].key == hostnameLabel {
			size = len(feasible) - len(s.ignored)
		}
		s.weights[i] = math.Log(float64(size + 2))
	}
	pl.countDomains(s, pod, requireAll)
	state.Write(spreadScoreKey, s)
	return nil
}

// countDomains adds every eligible node's matching pods to the domains found among the feasible nodes.
func (pl *PodTopologySpread) countDomains(s *spreadScoreState, pod *api.Pod, requireAll bool) {
	nodes := listNodes(pl.handle)
	pl.memo.mu.Lock()
	defer pl.memo.mu.Unlock()
	memos := make([]map[string]genCount, len(s.constraints))
	for i := range s.constraints {
		memos[i] = pl.memo.forKey(matchKey(pod.Namespace, &s.constraints[i]), len(nodes))
	}
	s.memos = memos
	if lister, ok := changeLister(pl.handle); ok && podIndependent(pod, s.constraints) {
		pl.countDomainsIndexed(lister, s, pod, requireAll)
		return
	}
	for _, n := range nodes {
		if n.Node() == nil || (requireAll && !hasAllKeys(n, s.constraints)) {
			continue
		}
		for i := range s.constraints {
			c := &s.constraints[i]
			v, ok := n.Label(c.key)
			if !ok || c.key == hostnameLabel {
				continue
			}
			if _, present := s.counts[i][v]; !present || !c.nodeCounts(pod, n.Node()) {
				continue
			}
			s.counts[i][v] += count(memos[i], c, pod, n)
		}
	}
}

// countDomainsIndexed fills the domains' counts without walking every
// node, for pods whose constraints count the same nodes whatever the pod:
// from the label index when a constraint's selector names a label value
// to look up (the pods it selects, summed by domain), else from the
// per-domain aggregates kept across cycles.
func (pl *PodTopologySpread) countDomainsIndexed(lister framework.NodeChangeLister, s *spreadScoreState, pod *api.Pod, requireAll bool) {
	cs := s.constraints
	s.hostCounts = make([]map[string]int64, len(cs))
	nodes := func() []*framework.NodeInfo { return listNodes(pl.handle) }
	for i := range cs {
		c := &cs[i]
		byNode, ok := pl.labels.countByNode(lister, nodes, pod.Namespace, c.selector)
		switch {
		case ok && c.key == hostnameLabel:
			s.hostCounts[i] = byNode
		case ok:
			pl.sumByDomain(s, i, byNode, requireAll)
		case c.key != hostnameLabel:
			pl.aggregateDomains(lister, s, pod, i, requireAll)
		}
	}
}

// sumByDomain adds per-node counts to the domains found among the feasible nodes.
func (pl *PodTopologySpread) sumByDomain(s *spreadScoreState, i int, byNode map[string]int64, requireAll bool) {
	c, lister := &s.constraints[i], pl.handle.SnapshotSharedLister()
	for name, cnt := range byNode { // sums: the order does not matter
		n, err := lister.Get(name)
		if err != nil || n.Node() == nil || (requireAll && !hasAllKeys(n, s.constraints)) {
			continue
		}
		if v, ok := n.Label(c.key); ok {
			if _, present := s.counts[i][v]; present {
				s.counts[i][v] += cnt
			}
		}
	}
}

// aggregateDomains takes constraint i's domain counts from the aggregate
// kept across cycles (only nodes changed since are recounted).
func (pl *PodTopologySpread) aggregateDomains(lister framework.NodeChangeLister, s *spreadScoreState, pod *api.Pod, i int, requireAll bool) {
	cs := s.constraints
	c := &cs[i]
	share := func(n *framework.NodeInfo, emit func(topologyPair, int64)) {
		if n.Node() == nil || (requireAll && !hasAllKeys(n, cs)) {
			return
		}
		if v, ok := n.Label(c.key); ok {
			emit(topologyPair{c.key, v}, c.countOn(pod, n))
		}
	}
	id := spreadIndexID(pod.Namespace, c, cs) + scoreIndexSuffix(requireAll)
	byPair := pl.indexes.counts(id, lister, listNodes(pl.handle), share)
	for v := range s.counts[i] {
		s.counts[i][v] = byPair[topologyPair{c.key, v}]
	}
}

// scoreIndexSuffix keeps the scoring aggregates apart from the filter's,
// and those that count nodes lacking some keys from those that don't.
func scoreIndexSuffix(requireAll bool) string {
	if requireAll {
		return "score\x00all"
	}
	return "score\x00any"
}

// Score is, summed over constraints, the domain's matching pods times the
// constraint's weight plus maxSkew-1: lower is better (NormalizeScore reverses).
func (pl *PodTopologySpread) Score(_ context.Context, state *framework.CycleState, pod *api.Pod, n *framework.NodeInfo) (int64, *framework.Status) {
	s, err := readState[*spreadScoreState](state, spreadScoreKey)
	if err != nil {
		return 0, framework.AsStatus(fmt.Errorf("%s score: %w", PodTopologySpreadName, err))
	}
	if s.ignored[n.Name()] {
		return 0, nil
	}
	var score float64
	for i := range s.constraints {
		c := &s.constraints[i]
		v, ok := n.Label(c.key)
		if !ok {
			continue
		}
		cnt := s.counts[i][v]
		if c.key == hostnameLabel {
			if s.hostCounts != nil && s.hostCounts[i] != nil {
				cnt = s.hostCounts[i][n.Name()]
			} else {
				cnt = pl.hostCount(s.memos[i], c, pod, n)
			}
		}
		score += float64(cnt)*s.weights[i] + float64(c.maxSkew-1)
	}
	return int64(math.Round(score)), nil
}

// hostCount is the node's own matching pods, through the memo.
func (pl *PodTopologySpread) hostCount(memo map[string]genCount, c *spreadConstraint, pod *api.Pod, n *framework.NodeInfo) int64 {
	pl.memo.mu.Lock()
	defer pl.memo.mu.Unlock()
	return count(memo, c, pod, n)
}

// ScoreExtensions returns the reversing normaliser.
func (pl *PodTopologySpread) ScoreExtensions() framework.ScoreExtensions { return pl }

// NormalizeScore maps the fewest matching pods to the highest score; ignored nodes get 0.
func (pl *PodTopologySpread) NormalizeScore(_ context.Context, state *framework.CycleState, _ *api.Pod, scores []framework.NodeScore) *framework.Status {
	s, err := readState[*spreadScoreState](state, spreadScoreKey)
	if err != nil {
		return framework.AsStatus(fmt.Errorf("%s normalize: %w", PodTopologySpreadName, err))
	}
	lo, hi := int64(math.MaxInt64), int64(0)
	for _, sc := range scores {
		if !s.ignored[sc.Name] {
			lo, hi = min(lo, sc.Score), max(hi, sc.Score)
		}
	}
	for i := range scores {
		switch {
		case s.ignored[scores[i].Name]:
			scores[i].Score = 0
		case hi == 0:
			scores[i].Score = framework.MaxNodeScore
		default:
			scores[i].Score = framework.MaxNodeScore * (hi + lo - scores[i].Score) / hi
		}
	}
	return nil
}

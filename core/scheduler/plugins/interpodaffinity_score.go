package plugins

import (
	"context"
	"fmt"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

const interPodAffinityScoreKey framework.StateKey = "PreScore" + InterPodAffinityName

// affinityScoreState is the summed term weight per topology key and value.
type affinityScoreState map[string]map[string]int64

// Clone shares the map: it is never modified after PreScore.
func (s affinityScoreState) Clone() framework.StateData { return s }

func (s affinityScoreState) add(node *api.Node, key string, w int64) {
	v, ok := node.Labels[key]
	if !ok || w == 0 {
		return
	}
	if s[key] == nil {
		s[key] = map[string]int64{}
	}
	s[key][v] += w
}

// PreScore sums, per topology domain, the weights of the pod's preferred
// terms matched by existing pods and of existing pods' terms matched by the
// pod (required affinity at hardPodAffinityWeight); it walks all nodes, not
// only the feasible ones, as Kubernetes does. No weight anywhere skips Score.
func (pl *InterPodAffinity) PreScore(_ context.Context, state *framework.CycleState, pod *api.Pod, _ []*framework.NodeInfo) *framework.Status {
	pi := framework.NewPodInfo(pod)
	if pi.AffinityErr != nil {
		return framework.AsStatus(fmt.Errorf("%s prescore: %w", InterPodAffinityName, pi.AffinityErr))
	}
	own := len(pi.PreferredAffinityTerms)+len(pi.PreferredAntiAffinityTerms) > 0
	s := affinityScoreState{}
	nodes := listNodesWithAffinity(pl.handle)
	if own {
		nodes = listNodes(pl.handle)
	}
	for _, n := range nodes {
		if n.Node() == nil {
			continue
		}
		existing := n.PodsWithAffinity
		if own {
			existing = n.Pods
		}
		for _, epi := range existing {
			pl.scoreExisting(s, pi, epi, n.Node())
		}
	}
	if len(s) == 0 {
		return framework.NewStatus(framework.Skip)
	}
	state.Write(interPodAffinityScoreKey, s)
	return nil
}

// scoreExisting adds one existing pod's contribution in both directions.
func (pl *InterPodAffinity) scoreExisting(s affinityScoreState, pi, epi *framework.PodInfo, node *api.Node) {
	pl.addWeighted(s, pi.PreferredAffinityTerms, epi.Pod, node, 1)
	pl.addWeighted(s, pi.PreferredAntiAffinityTerms, epi.Pod, node, -1)
	if pl.hardWeight > 0 {
		for i := range epi.RequiredAffinityTerms {
			if epi.RequiredAffinityTerms[i].Matches(pi.Pod, pl.nsLabels) {
				s.add(node, epi.RequiredAffinityTerms[i].TopologyKey, pl.hardWeight)
			}
		}
	}
	if !pl.ignorePref {
		pl.addWeighted(s, epi.PreferredAffinityTerms, pi.Pod, node, 1)
		pl.addWeighted(s, epi.PreferredAntiAffinityTerms, pi.Pod, node, -1)
	}
}

// addWeighted adds sign×weight for each term that target matches.
func (pl *InterPodAffinity) addWeighted(s affinityScoreState, terms []framework.WeightedAffinityTerm, target *api.Pod, node *api.Node, sign int64) {
	for i := range terms {
		if terms[i].Matches(target, pl.nsLabels) {
			s.add(node, terms[i].TopologyKey, sign*int64(terms[i].Weight))
		}
	}
}

// Score sums the weights of the node's domains (possibly negative; NormalizeScore rescales).
func (pl *InterPodAffinity) Score(_ context.Context, state *framework.CycleState, _ *api.Pod, n *framework.NodeInfo) (int64, *framework.Status) {
	s, err := readState[affinityScoreState](state, interPodAffinityScoreKey)
	if err != nil {
		return 0, framework.AsStatus(fmt.Errorf("%s score: %w", InterPodAffinityName, err))
	}
	var sum int64
	for key, byValue := range s {
		if v, ok := n.Node().Labels[key]; ok {
			sum += byValue[v]
		}
	}
	return sum, nil
}

// ScoreExtensions returns the min-max normaliser.
func (pl *InterPodAffinity) ScoreExtensions() framework.ScoreExtensions { return pl }

// NormalizeScore maps the lowest sum to 0 and the highest to MaxNodeScore.
func (*InterPodAffinity) NormalizeScore(_ context.Context, _ *framework.CycleState, _ *api.Pod, scores []framework.NodeScore) *framework.Status {
	minMaxNormalize(scores)
	return nil
}

// minMaxNormalize rescales scores linearly onto [0, MaxNodeScore]; all-equal scores become 0.
func minMaxNormalize(scores []framework.NodeScore) {
	if len(scores) == 0 {
		return
	}
	lo, hi := scores[0].Score, scores[0].Score
	for _, s := range scores[1:] {
		lo, hi = min(lo, s.Score), max(hi, s.Score)
	}
	for i := range scores {
		if hi == lo {
			scores[i].Score = 0
			continue
		}
		scores[i].Score = framework.MaxNodeScore * (scores[i].Score - lo) / (hi - lo)
	}
}

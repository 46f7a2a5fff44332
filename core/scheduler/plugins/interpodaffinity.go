package plugins

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// InterPodAffinityName names the plugin in profiles.
const InterPodAffinityName = "InterPodAffinity"

// Rejection reasons, worded as kube-scheduler words them.
const (
	ReasonPodAffinity          = "node(s) didn't match pod affinity rules"
	ReasonPodAntiAffinity      = "node(s) didn't match pod anti-affinity rules"
	ReasonExistingAntiAffinity = "node(s) didn't satisfy existing pods anti-affinity rules"
)

// InterPodAffinityArgs configures scoring, as kube-scheduler's InterPodAffinityArgs.
type InterPodAffinityArgs struct {
	// HardPodAffinityWeight is the score weight of an existing pod's required
	// affinity term that the incoming pod matches (0–100, default 1).
	HardPodAffinityWeight *int32 `json:"hardPodAffinityWeight,omitempty"`
	// IgnorePreferredTermsOfExistingPods drops existing pods' preferred terms from scoring.
	IgnorePreferredTermsOfExistingPods bool `json:"ignorePreferredTermsOfExistingPods,omitempty"`
}

// InterPodAffinity enforces required pod affinity and anti-affinity (the
// incoming pod's, and existing pods' anti-affinity symmetrically) and scores
// preferred terms. A term's namespaceSelector is resolved through the
// handle when it implements framework.NamespaceLister; otherwise an empty
// selector still matches every namespace but a non-empty one matches only
// the namespaces the term lists.
type InterPodAffinity struct {
	handle     framework.Handle
	nsLabels   framework.NamespaceLabels
	hardWeight int64
	ignorePref bool
	indexes    topologyIndexes
}

// NewInterPodAffinity builds the plugin from its args.
func NewInterPodAffinity(raw json.RawMessage, h framework.Handle) (framework.Plugin, error) {
	var args InterPodAffinityArgs
	if err := framework.DecodeArgs(raw, &args); err != nil {
		return nil, fmt.Errorf("%s: %w", InterPodAffinityName, err)
	}
	w := int32(1)
	if args.HardPodAffinityWeight != nil {
		w = *args.HardPodAffinityWeight
	}
	if w < 0 || w > 100 {
		return nil, fmt.Errorf("%s: hardPodAffinityWeight %d not in [0, 100]", InterPodAffinityName, w)
	}
	return &InterPodAffinity{handle: h, nsLabels: namespaceLabelsOf(h), hardWeight: int64(w),
		ignorePref: args.IgnorePreferredTermsOfExistingPods}, nil
}

// Name identifies the plugin in profiles.
func (*InterPodAffinity) Name() string { return InterPodAffinityName }

const interPodAffinityFilterKey framework.StateKey = "PreFilter" + InterPodAffinityName

// affinityFilterState holds the per-domain counts Filter needs.
type affinityFilterState struct {
	pod *framework.PodInfo
	// existingAnti counts existing pods whose required anti-affinity matches the pod.
	existingAnti topologyCounts
	// affinity counts existing pods matching all the pod's required affinity terms.
	affinity topologyCounts
	// anti counts existing pods matching each of the pod's required anti-affinity terms.
	anti topologyCounts
}

// Clone copies the counts so what-if evaluations can change them.
func (s *affinityFilterState) Clone() framework.StateData {
	return &affinityFilterState{pod: s.pod, existingAnti: s.existingAnti.clone(),
		affinity: s.affinity.clone(), anti: s.anti.clone()}
}

// PreFilter counts, per topology domain, the existing pods that bear on the
// pod's required terms and the existing anti-affinity terms the pod triggers.
func (pl *InterPodAffinity) PreFilter(_ context.Context, state *framework.CycleState, pod *api.Pod) *framework.Status {
	pi := framework.NewPodInfo(pod)
	if pi.AffinityErr != nil {
		return framework.AsStatus(fmt.Errorf("%s prefilter: %w", InterPodAffinityName, pi.AffinityErr))
	}
	s := &affinityFilterState{pod: pi, existingAnti: topologyCounts{}, affinity: topologyCounts{}, anti: topologyCounts{}}
	ownTerms := len(pi.RequiredAffinityTerms)+len(pi.RequiredAntiAffinityTerms) > 0
	if !ownTerms || !pl.countFromIndexes(s) {
		pl.countAll(s, ownTerms)
	}
	if !ownTerms && len(s.existingAnti) == 0 {
		// Nothing can reject the pod: no terms of its own, and no existing
		// anti-affinity term matches it.
		return framework.NewStatus(framework.Skip)
	}
	state.Write(interPodAffinityFilterKey, s)
	return nil
}

// countAll counts into s from the nodes' pods: all of them for a pod with
// terms of its own; otherwise only existing anti-affinity can bear on the
// pod, and the snapshot lists the nodes of pods that have some.
func (pl *InterPodAffinity) countAll(s *affinityFilterState, ownTerms bool) {
	nodes := listNodesWithAntiAffinity(pl.handle)
	if ownTerms {
		nodes = listNodes(pl.handle)
	}
	for _, n := range nodes {
		if n.Node() == nil {
			continue
		}
		existing := n.PodsWithRequiredAntiAffinity
		if ownTerms {
			existing = n.Pods
		}
		for _, epi := range existing {
			pl.update(s, epi, n.Node(), 1)
		}
	}
}

// update adds (delta 1) or removes (delta -1) one existing pod's contribution.
func (pl *InterPodAffinity) update(s *affinityFilterState, epi *framework.PodInfo, node *api.Node, delta int64) {
	pl.existingAntiShare(s.pod.Pod, epi, node, delta, s.existingAnti.add)
	pl.affinityShare(s.pod.RequiredAffinityTerms, epi, node, delta, s.affinity.add)
	pl.antiShare(s.pod.RequiredAntiAffinityTerms, epi, node, delta, s.anti.add)
}

// domainAdder adds delta to the domain of node for a topology key.
type domainAdder func(node *api.Node, key string, delta int64)

// existingAntiShare counts epi's required anti-affinity terms that match pod.
func (pl *InterPodAffinity) existingAntiShare(pod *api.Pod, epi *framework.PodInfo, node *api.Node, delta int64, add domainAdder) {
	for i := range epi.RequiredAntiAffinityTerms {
		t := &epi.RequiredAntiAffinityTerms[i]
		if t.Matches(pod, pl.nsLabels) {
			add(node, t.TopologyKey, delta)
		}
	}
}

// affinityShare counts epi in every term's domain when it matches all the
// pod's required affinity terms.
func (pl *InterPodAffinity) affinityShare(terms []framework.AffinityTerm, epi *framework.PodInfo, node *api.Node, delta int64, add domainAdder) {
	if len(terms) > 0 && pl.matchesAll(terms, epi.Pod) {
		for i := range terms {
			add(node, terms[i].TopologyKey, delta)
		}
	}
}

// antiShare counts epi in the domain of each of the pod's required
// anti-affinity terms it matches.
func (pl *InterPodAffinity) antiShare(terms []framework.AffinityTerm, epi *framework.PodInfo, node *api.Node, delta int64, add domainAdder) {
	for i := range terms {
		if terms[i].Matches(epi.Pod, pl.nsLabels) {
			add(node, terms[i].TopologyKey, delta)
		}
	}
}

// matchesAll reports whether pod matches every term.
func (pl *InterPodAffinity) matchesAll(terms []framework.AffinityTerm, pod *api.Pod) bool {
	for i := range terms {
		if !terms[i].Matches(pod, pl.nsLabels) {
			return false
		}
	}
	return true
}

// AddPod counts a hypothetically added pod (a nominated pod).
func (pl *InterPodAffinity) AddPod(_ context.Context, state *framework.CycleState, _ *api.Pod, pi *framework.PodInfo, n *framework.NodeInfo) *framework.Status {
	return pl.adjust(state, pi, n, 1)
}

// RemovePod uncounts a hypothetically removed pod (a preemption victim).
func (pl *InterPodAffinity) RemovePod(_ context.Context, state *framework.CycleState, _ *api.Pod, pi *framework.PodInfo, n *framework.NodeInfo) *framework.Status {
	return pl.adjust(state, pi, n, -1)
}

func (pl *InterPodAffinity) adjust(state *framework.CycleState, pi *framework.PodInfo, n *framework.NodeInfo, delta int64) *framework.Status {
	s, err := readState[*affinityFilterState](state, interPodAffinityFilterKey)
	if err != nil {
		return framework.AsStatus(fmt.Errorf("%s: %w", InterPodAffinityName, err))
	}
	pl.update(s, pi, n.Node(), delta)
	return nil
}

// Filter checks, in O(terms + node labels), the pod's required affinity,
// its required anti-affinity, and existing pods' anti-affinity.
func (pl *InterPodAffinity) Filter(_ context.Context, state *framework.CycleState, _ *api.Pod, n *framework.NodeInfo) *framework.Status {
	s, err := readState[*affinityFilterState](state, interPodAffinityFilterKey)
	if err != nil {
		return framework.AsStatus(fmt.Errorf("%s filter: %w", InterPodAffinityName, err))
	}
	switch {
	case !pl.satisfiesAffinity(s, n.Node()):
		return framework.NewStatus(framework.UnschedulableAndUnresolvable, ReasonPodAffinity)
	case !satisfiesAnti(s, n.Node()):
		return framework.NewStatus(framework.Unschedulable, ReasonPodAntiAffinity)
	case !satisfiesExistingAnti(s, n.Node()):
		return framework.NewStatus(framework.Unschedulable, ReasonExistingAntiAffinity)
	}
	return nil
}

// satisfiesAffinity needs every term's domain on the node to hold a
// matching pod; the node must carry every topology key. When no pod matches
// anywhere, a pod matching its own terms may go first.
func (pl *InterPodAffinity) satisfiesAffinity(s *affinityFilterState, node *api.Node) bool {
	terms := s.pod.RequiredAffinityTerms
	found := true
	for i := range terms {
		v, ok := node.Labels[terms[i].TopologyKey]
		if !ok {
			return false
		}
		if s.affinity[topologyPair{terms[i].TopologyKey, v}] <= 0 {
			found = false
		}
	}
	if found {
		return true
	}
	return len(s.affinity) == 0 && pl.matchesAll(terms, s.pod.Pod)
}

// satisfiesAnti rejects a node whose domain for any anti-affinity term holds a matching pod.
func satisfiesAnti(s *affinityFilterState, node *api.Node) bool {
	if len(s.anti) == 0 {
		return true
	}
	for i := range s.pod.RequiredAntiAffinityTerms {
		key := s.pod.RequiredAntiAffinityTerms[i].TopologyKey
		if v, ok := node.Labels[key]; ok && s.anti[topologyPair{key, v}] > 0 {
			return false
		}
	}
	return true
}

// satisfiesExistingAnti rejects a node in a domain an existing pod's anti-affinity forbids.
func satisfiesExistingAnti(s *affinityFilterState, node *api.Node) bool {
	if len(s.existingAnti) == 0 {
		return true
	}
	for k, v := range node.Labels {
		if s.existingAnti[topologyPair{k, v}] > 0 {
			return false
		}
	}
	return true
}

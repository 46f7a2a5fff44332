package plugins

import (
	"maps"
	"slices"
	"strings"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// countFromIndexes fills s from aggregates kept across cycles, so a pod
// with terms of its own costs the nodes that changed rather than every pod
// in the cluster. False when they cannot be used: a namespace lister makes
// matches depend on namespace labels, which change without any node changing.
func (pl *InterPodAffinity) countFromIndexes(s *affinityFilterState) bool {
	lister, ok := changeLister(pl.handle)
	if !ok || pl.nsLabels != nil {
		return false
	}
	nodes, pod := listNodes(pl.handle), s.pod
	s.existingAnti = pl.indexes.counts(existingAntiID(pod.Pod), lister, nodes,
		func(n *framework.NodeInfo, emit func(topologyPair, int64)) {
			for _, epi := range n.PodsWithRequiredAntiAffinity {
				pl.existingAntiShare(pod.Pod, epi, n.Node(), 1, emitter(emit))
			}
		})
	if terms := pod.RequiredAffinityTerms; len(terms) > 0 {
		s.affinity = pl.indexes.counts(termsID("affinity", terms), lister, nodes,
			func(n *framework.NodeInfo, emit func(topologyPair, int64)) {
				for _, epi := range n.Pods {
					pl.affinityShare(terms, epi, n.Node(), 1, emitter(emit))
				}
			})
	}
	if terms := pod.RequiredAntiAffinityTerms; len(terms) > 0 {
		s.anti = pl.indexes.counts(termsID("anti", terms), lister, nodes,
			func(n *framework.NodeInfo, emit func(topologyPair, int64)) {
				for _, epi := range n.Pods {
					pl.antiShare(terms, epi, n.Node(), 1, emitter(emit))
				}
			})
	}
	return true
}

// emitter adapts an aggregate's emit to a domainAdder; nodes without the
// key belong to no domain.
func emitter(emit func(topologyPair, int64)) domainAdder {
	return func(node *api.Node, key string, delta int64) {
		if v, ok := node.Labels[key]; ok {
			emit(topologyPair{key, v}, delta)
		}
	}
}

// existingAntiID names what existing pods' anti-affinity against a pod
// depends on: the pod's namespace and labels.
func existingAntiID(pod *api.Pod) string {
	var b strings.Builder
	b.WriteString("existing-anti\x00")
	b.WriteString(pod.Namespace)
	for _, k := range slices.Sorted(maps.Keys(pod.Labels)) {
		b.WriteByte(0)
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(pod.Labels[k])
	}
	return b.String()
}

// termsID names a list of parsed terms: selectors, namespaces and keys.
func termsID(kind string, terms []framework.AffinityTerm) string {
	var b strings.Builder
	b.WriteString(kind)
	for i := range terms {
		t := &terms[i]
		b.WriteByte(0)
		b.WriteString(t.TopologyKey)
		b.WriteByte(1)
		b.WriteString(t.Selector.String())
		b.WriteByte(1)
		b.WriteString(strings.Join(t.Namespaces, ","))
		b.WriteByte(1)
		if t.NamespaceSelector != nil {
			b.WriteString("ns:")
			b.WriteString(t.NamespaceSelector.String())
		}
	}
	return b.String()
}

package plugins

import (
	"strings"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// podIndependent reports whether every constraint counts the same nodes
// whatever the incoming pod (no node affinity honoured by the constraint,
// no taints honoured), so its domain counts can be kept across cycles.
func podIndependent(pod *api.Pod, cs []spreadConstraint) bool {
	podAffinity := len(pod.Spec.NodeSelector) > 0 || requiredTerms(pod) != nil
	for i := range cs {
		if cs[i].honorTaints || (cs[i].honorAffinity && podAffinity) {
			return false
		}
	}
	return true
}

// domainCounts is constraint i's matching pods per domain, from the
// aggregate kept for (namespace, selector, key, keys a node must carry).
func (pl *PodTopologySpread) domainCounts(lister framework.NodeChangeLister, pod *api.Pod, cs []spreadConstraint, i int) map[string]int64 {
	c := &cs[i]
	share := func(n *framework.NodeInfo, emit func(topologyPair, int64)) {
		if hasAllKeys(n, cs) {
			emit(topologyPair{c.key, labelOf(n, c.key)}, c.countOn(pod, n))
		}
	}
	byPair := pl.indexes.counts(spreadIndexID(pod.Namespace, c, cs), lister, listNodes(pl.handle), share)
	out := make(map[string]int64, len(byPair))
	for p, v := range byPair {
		out[p.value] = v
	}
	return out
}

// spreadIndexID names what a spread aggregate depends on.
func spreadIndexID(namespace string, c *spreadConstraint, all []spreadConstraint) string {
	var b strings.Builder
	for _, part := range []string{"spread", namespace, c.selector.String(), c.key} {
		b.WriteString(part)
		b.WriteByte(0)
	}
	for i := range all {
		b.WriteString(all[i].key)
		b.WriteByte(0)
	}
	return b.String()
}

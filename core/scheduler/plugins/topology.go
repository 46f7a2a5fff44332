package plugins

import (
	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// topologyPair is one topology domain: a node label key and its value.
type topologyPair struct {
	key, value string
}

// topologyCounts counts matching pods per domain; zero entries are deleted
// so an empty map means "no matching pod anywhere".
type topologyCounts map[topologyPair]int64

// add changes the count of the node's domain for key; nodes without the label belong to no domain.
func (c topologyCounts) add(node *api.Node, key string, delta int64) {
	v, ok := node.Labels[key]
	if !ok {
		return
	}
	p := topologyPair{key, v}
	c[p] += delta
	if c[p] == 0 {
		delete(c, p)
	}
}

// clone copies the counts for a forked cycle state.
func (c topologyCounts) clone() topologyCounts {
	out := make(topologyCounts, len(c))
	for k, v := range c {
		out[k] = v
	}
	return out
}

// listNodes returns the snapshot's nodes from a handle, none without one.
func listNodes(h framework.Handle) []*framework.NodeInfo {
	if h == nil || h.SnapshotSharedLister() == nil {
		return nil
	}
	return h.SnapshotSharedLister().List()
}

// listNodesWithAffinity returns the snapshot's nodes that have pods with
// any affinity term, none without a snapshot.
func listNodesWithAffinity(h framework.Handle) []*framework.NodeInfo {
	if h == nil || h.SnapshotSharedLister() == nil {
		return nil
	}
	return h.SnapshotSharedLister().HavePodsWithAffinityList()
}

// listNodesWithAntiAffinity returns the snapshot's nodes that have pods
// with required anti-affinity, none without a snapshot.
func listNodesWithAntiAffinity(h framework.Handle) []*framework.NodeInfo {
	if h == nil || h.SnapshotSharedLister() == nil {
		return nil
	}
	return h.SnapshotSharedLister().HavePodsWithRequiredAntiAffinityList()
}

// namespaceLabelsOf returns the handle's namespace label lookup, nil when it has none.
func namespaceLabelsOf(h framework.Handle) framework.NamespaceLabels {
	if nl, ok := h.(framework.NamespaceLister); ok {
		return nl.NamespaceLabels
	}
	return nil
}

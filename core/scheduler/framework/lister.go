package framework

import "fmt"

// NodeList is a NodeInfoLister over a fixed list of node infos, for plugin
// tests and for what-if evaluations outside a scheduler. It computes the
// affinity sublists on each call, which a cycle's snapshot keeps instead.
type NodeList []*NodeInfo

var _ NodeInfoLister = NodeList(nil)

// List returns the nodes as given.
func (l NodeList) List() []*NodeInfo { return l }

// Get finds a node by name.
func (l NodeList) Get(name string) (*NodeInfo, error) {
	for _, n := range l {
		if n.Name() == name {
			return n, nil
		}
	}
	return nil, fmt.Errorf("node %q: %w", name, ErrNotFound)
}

// HavePodsWithAffinityList returns the nodes with a pod that has any pod (anti-)affinity term.
func (l NodeList) HavePodsWithAffinityList() []*NodeInfo {
	return l.filter(func(n *NodeInfo) bool { return len(n.PodsWithAffinity) > 0 })
}

// HavePodsWithRequiredAntiAffinityList returns the nodes with a pod that has required anti-affinity.
func (l NodeList) HavePodsWithRequiredAntiAffinityList() []*NodeInfo {
	return l.filter(func(n *NodeInfo) bool { return len(n.PodsWithRequiredAntiAffinity) > 0 })
}

func (l NodeList) filter(keep func(*NodeInfo) bool) []*NodeInfo {
	var out []*NodeInfo
	for _, n := range l {
		if keep(n) {
			out = append(out, n)
		}
	}
	return out
}

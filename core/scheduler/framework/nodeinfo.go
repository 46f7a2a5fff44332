package framework

import (
	"maps"
	"slices"

	"github.com/kubetwin/kubetwin/core/api"
)

// PodInfo is a pod together with its precomputed requests, so a node's
// totals can be adjusted without re-walking containers.
type PodInfo struct {
	Pod             *api.Pod
	Requests        Resource
	NonZeroRequests Resource
	HostPorts       []HostPort
	// RequiredAffinityTerms and the other term lists are the pod's parsed
	// pod (anti-)affinity terms, so plugins never re-parse selectors.
	RequiredAffinityTerms      []AffinityTerm
	RequiredAntiAffinityTerms  []AffinityTerm
	PreferredAffinityTerms     []WeightedAffinityTerm
	PreferredAntiAffinityTerms []WeightedAffinityTerm
	// AffinityErr is why the terms could not be parsed; the lists are then empty.
	AffinityErr error
}

// NewPodInfo computes a pod's requests, host ports and parsed affinity terms once.
func NewPodInfo(pod *api.Pod) *PodInfo {
	pi := &PodInfo{
		Pod:             pod,
		Requests:        PodRequests(pod),
		NonZeroRequests: PodNonZeroRequests(pod),
		HostPorts:       PodHostPorts(pod),
	}
	terms, err := parseAffinityTerms(pod)
	pi.RequiredAffinityTerms, pi.RequiredAntiAffinityTerms = terms.RequiredAffinity, terms.RequiredAntiAffinity
	pi.PreferredAffinityTerms, pi.PreferredAntiAffinityTerms = terms.PreferredAffinity, terms.PreferredAntiAffinity
	pi.AffinityErr = err
	return pi
}

// HasAffinity reports whether the pod has any pod (anti-)affinity term.
func (pi *PodInfo) HasAffinity() bool {
	return len(pi.RequiredAffinityTerms)+len(pi.RequiredAntiAffinityTerms)+
		len(pi.PreferredAffinityTerms)+len(pi.PreferredAntiAffinityTerms) > 0
}

// PodKey identifies a pod across updates: its uid, or namespace/name when it has none (tests).
func PodKey(pod *api.Pod) string {
	if pod.UID != "" {
		return pod.UID
	}
	return pod.Namespace + "/" + pod.Name
}

// NodeInfo is what plugins see of a node: the node, the pods on it
// (bound and assumed), their summed requests and host ports, and its
// allocatable resources, all as integers.
type NodeInfo struct {
	node *api.Node
	// name, unschedulable and taints copy the node's fields that plugins
	// read on every node of every cycle, so those reads stay in this
	// struct instead of missing the cache on the node object.
	name          string
	unschedulable bool
	taints        []api.Taint
	// zone and hostname copy the topology labels that spreading reads on
	// every feasible node of every cycle (see Label).
	zone, hostname       string
	hasZone, hasHostname bool
	// Pods are the pods on the node, in the order they were added.
	Pods []*PodInfo
	// Requested sums the pods' requests.
	Requested Resource
	// NonZeroRequested sums the pods' requests with scoring defaults for empty ones.
	NonZeroRequested Resource
	// Allocatable is the node's allocatable resources.
	Allocatable Resource
	// UsedPorts are the host ports the pods hold.
	UsedPorts HostPortSet
	// PodsWithAffinity are the pods with any pod (anti-)affinity term, so
	// affinity plugins skip the others.
	PodsWithAffinity []*PodInfo
	// PodsWithRequiredAntiAffinity are the pods with required anti-affinity,
	// which every incoming pod must respect.
	PodsWithRequiredAntiAffinity []*PodInfo
	// Generation is bumped by the cache on every change, so snapshots copy
	// only the nodes that changed and plugins may memoise per generation.
	// Changing the info resets it to 0 (unknown) until the cache stamps it,
	// so a clone mutated in a dry run never passes for the original.
	Generation int64
}

// NewNodeInfo builds the view of a node with the given pods, for tests and the cache.
func NewNodeInfo(node *api.Node, pods ...*api.Pod) *NodeInfo {
	ni := &NodeInfo{UsedPorts: HostPortSet{}}
	if node != nil {
		ni.SetNode(node)
	}
	for _, p := range pods {
		ni.AddPod(p)
	}
	return ni
}

// Node returns the node, nil when the cache knows its pods but not the node yet.
func (n *NodeInfo) Node() *api.Node { return n.node }

// Name returns the node's name, "" when the node is unknown.
func (n *NodeInfo) Name() string { return n.name }

// Unschedulable is the node's spec.unschedulable (cordoned), false when the node is unknown.
func (n *NodeInfo) Unschedulable() bool { return n.unschedulable }

// Taints are the node's spec.taints; callers must not modify them.
func (n *NodeInfo) Taints() []api.Taint { return n.taints }

// SetNode replaces the node object and recomputes allocatable.
func (n *NodeInfo) SetNode(node *api.Node) {
	n.Generation = 0
	n.node, n.name = node, node.Name
	n.unschedulable, n.taints = node.Spec.Unschedulable, node.Spec.Taints
	n.zone, n.hasZone = node.Labels[ZoneLabel]
	n.hostname, n.hasHostname = node.Labels[HostnameLabel]
	n.Allocatable = NewResource(node.Status.Allocatable)
}

// The well-known topology labels NodeInfo keeps copies of.
const (
	ZoneLabel     = "topology.kubernetes.io/zone"
	HostnameLabel = "kubernetes.io/hostname"
)

// Label is the node's value of the label key. The zone and hostname come
// from NodeInfo's own copies, which saves a few cache misses on the node
// object per node per cycle: on a large cluster, most of what spreading
// pods across zones costs.
func (n *NodeInfo) Label(key string) (string, bool) {
	switch {
	case n.node == nil:
		return "", false
	case key == ZoneLabel:
		return n.zone, n.hasZone
	case key == HostnameLabel:
		return n.hostname, n.hasHostname
	}
	v, ok := n.node.Labels[key]
	return v, ok
}

// RemoveNode forgets the node object while keeping its pods' accounting.
func (n *NodeInfo) RemoveNode() {
	n.node, n.name, n.unschedulable, n.taints = nil, "", false, nil
	n.zone, n.hostname, n.hasZone, n.hasHostname = "", "", false, false
}

// AddPod accounts for a pod placed on the node.
func (n *NodeInfo) AddPod(pod *api.Pod) { n.AddPodInfo(NewPodInfo(pod)) }

// AddPodInfo accounts for a pod whose requests are already computed.
func (n *NodeInfo) AddPodInfo(pi *PodInfo) {
	n.Generation = 0
	n.Pods = append(n.Pods, pi)
	n.Requested.Add(pi.Requests)
	n.NonZeroRequested.Add(pi.NonZeroRequests)
	if len(pi.HostPorts) > 0 && n.UsedPorts == nil {
		n.UsedPorts = HostPortSet{}
	}
	for _, hp := range pi.HostPorts {
		n.UsedPorts.Add(hp)
	}
	if pi.HasAffinity() {
		n.PodsWithAffinity = append(n.PodsWithAffinity, pi)
	}
	if len(pi.RequiredAntiAffinityTerms) > 0 {
		n.PodsWithRequiredAntiAffinity = append(n.PodsWithRequiredAntiAffinity, pi)
	}
}

// RemovePod takes a pod (by PodKey) off the node and reports whether it was there.
func (n *NodeInfo) RemovePod(pod *api.Pod) bool {
	key := PodKey(pod)
	i := slices.IndexFunc(n.Pods, func(pi *PodInfo) bool { return PodKey(pi.Pod) == key })
	if i < 0 {
		return false
	}
	pi := n.Pods[i]
	n.Generation = 0
	n.Pods = slices.Delete(n.Pods, i, i+1)
	n.Requested.Sub(pi.Requests)
	n.NonZeroRequested.Sub(pi.NonZeroRequests)
	for _, hp := range pi.HostPorts {
		n.UsedPorts.Remove(hp)
	}
	same := func(o *PodInfo) bool { return PodKey(o.Pod) == key }
	n.PodsWithAffinity = slices.DeleteFunc(slices.Clone(n.PodsWithAffinity), same)
	n.PodsWithRequiredAntiAffinity = slices.DeleteFunc(slices.Clone(n.PodsWithRequiredAntiAffinity), same)
	return true
}

// clonePorts copies a port set; an empty one stays nil until a pod with
// host ports arrives, since most nodes have none and preemption clones often.
func clonePorts(s HostPortSet) HostPortSet {
	if len(s) == 0 {
		return nil
	}
	return maps.Clone(s)
}

// Clone copies the node info so a snapshot stays immutable while the cache moves on.
func (n *NodeInfo) Clone() *NodeInfo {
	return &NodeInfo{
		node:                         n.node,
		name:                         n.name,
		unschedulable:                n.unschedulable,
		taints:                       n.taints,
		zone:                         n.zone,
		hostname:                     n.hostname,
		hasZone:                      n.hasZone,
		hasHostname:                  n.hasHostname,
		Pods:                         slices.Clone(n.Pods),
		Requested:                    n.Requested.Clone(),
		NonZeroRequested:             n.NonZeroRequested.Clone(),
		Allocatable:                  n.Allocatable, // replaced, never changed, by SetNode
		UsedPorts:                    clonePorts(n.UsedPorts),
		PodsWithAffinity:             slices.Clone(n.PodsWithAffinity),
		PodsWithRequiredAntiAffinity: slices.Clone(n.PodsWithRequiredAntiAffinity),
		Generation:                   n.Generation,
	}
}
